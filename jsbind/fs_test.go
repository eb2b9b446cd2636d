package jsbind

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFSRoundTrips(t *testing.T) {
	dir := t.TempDir()
	csvIn := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(csvIn, []byte("\ufeffemail, team\na@x.com,\"red, blue\"\nb@x.com\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runJS(t, `
const d = env.DIR;
const rows = [];
for (const r of fs.readCSV(d + "/in.csv")) rows.push(r);
console.log(JSON.stringify(rows));
const w = fs.csvWriter(d + "/out.csv", {header: ["email", "team"]});
for (const r of rows) w.write(r);
w.write(["c@x.com", "green"]);
w.close();
const n = fs.ndjsonWriter(d + "/out.ndjson");
n.write({snake_key: 1, when: new Date(0)}); n.write([1, 2]);
console.log(n.close());
const back = [];
for (const v of fs.readNDJSON(d + "/out.ndjson")) back.push(v);
console.log(JSON.stringify(back));
fs.writeJSON(d + "/x.json", {a_b: [1, null]});
console.log(JSON.stringify(fs.readJSON(d + "/x.json")), fs.exists(d + "/x.json"), fs.exists(d + "/nope"));
fs.writeText(d + "/t.txt", "one\ntwo\n"); fs.appendText(d + "/t.txt", "three\n");
console.log([...fs.readLines(d + "/t.txt")].join("|"));
`, Options{Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := `[{"email":"a@x.com","team":"red, blue"},{"email":"b@x.com"}]
2
[{"snake_key":1,"when":"1970-01-01T00:00:00Z"},[1,2]]
{"a_b":[1,null]} true false
one|two|three
`
	if out != want {
		t.Fatalf("out =\n%s\nwant\n%s", out, want)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "out.csv"))
	if string(b) != "email,team\na@x.com,\"red, blue\"\nb@x.com,\nc@x.com,green\n" {
		t.Fatalf("out.csv = %q", b)
	}
}

func TestFSErrorsAreCatchable(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("a,b\n1,2\n1,2,3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runJS(t, `
try { fs.readText(env.DIR + "/missing.txt") } catch (e) { console.log("missing:", e.message.includes("no such file")) }
try { for (const r of fs.readCSV(env.DIR + "/bad.csv")) {} } catch (e) { console.log("csv:", e.message) }
try { fs.readText() } catch (e) { console.log(e.name) }
`, Options{Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "missing: true") || !strings.Contains(out, "bad.csv:3: 3 fields, but the header has 2") || !strings.Contains(out, "TypeError") {
		t.Fatalf("out = %q", out)
	}
}

// Two header cells with the same name used to make the later column
// silently overwrite the earlier one in every row.
func TestCSVDuplicateHeaderIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.csv"), []byte("\ufeffemail,name, email\na@x.co,A,b@x.co\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runJS(t, `
try { for (const r of fs.readCSV(env.DIR + "/d.csv")) console.log(JSON.stringify(r)) } catch (e) { console.log(e.message) }
for (const r of fs.readCSV(env.DIR + "/d.csv", {header: false})) console.log(JSON.stringify(r));
`, Options{Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatal(err)
	}
	want := dir + "/d.csv: the header has column \"email\" twice (columns 1 and 3)\n" + `["email","name","email"]` + "\n" + `["a@x.co","A","b@x.co"]` + "\n"
	if out != want {
		t.Fatalf("out = %q, want %q", out, want)
	}
}

// A byte order mark (Excel, Notepad) used to stay on the first line of
// fs.readLines and made the first fs.readNDJSON record (and fs.readJSON)
// invalid JSON.
func TestBOMIsSkippedByLineReaders(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.ndjson"), []byte("\ufeff{\"a\":1}\r\n{\"a\":2}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "d.json"), []byte("\ufeff{\"a\":3}"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runJS(t, `
for (const r of fs.readNDJSON(env.DIR + "/d.ndjson")) console.log(r.a);
for (const l of fs.readLines(env.DIR + "/d.ndjson")) console.log(l.length);
console.log(fs.readJSON(env.DIR + "/d.json").a);
`, Options{Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatal(err)
	}
	if out != "1\n2\n7\n7\n3\n" {
		t.Fatalf("out = %q", out)
	}
}

// writeText and appendText take a string: undefined, null or an object is
// a TypeError, not the text "undefined" or "[object Object]" in the file.
func TestFSWriteTextNeedsAString(t *testing.T) {
	dir := t.TempDir()
	out, errOut, err := runJS(t, `
for (const [fn, v] of [["writeText", undefined], ["writeText", null], ["appendText", {a: 1}], ["writeText", 12]]) {
  try { fs[fn](env.DIR + "/t.txt", v); console.log(fn, "wrote"); } catch (e) { console.log(e.name, e.message); }
}
fs.writeText(env.DIR + "/t.txt", "ok");
console.log(fs.readText(env.DIR + "/t.txt"));
`, Options{Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	want := "TypeError fs.writeText: the text must be a string, got undefined\n" +
		"TypeError fs.writeText: the text must be a string, got null\n" +
		"TypeError fs.appendText: the text must be a string, got an object\n" +
		"TypeError fs.writeText: the text must be a string, got a number\n" +
		"ok\n"
	if out != want {
		t.Errorf("out = %q\nwant  %q", out, want)
	}
}

// An atomic write keeps the mode of the file it replaces, and a new file
// gets the mode os.WriteFile(..., 0666) gives (the umask applies), as with
// Node; the temporary file's 0600 never leaks through.
func TestFSWriteKeepsMode(t *testing.T) {
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared.csv")
	if err := os.WriteFile(shared, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o664); err != nil {
		t.Fatal(err)
	}
	ref := filepath.Join(dir, "ref")
	if err := os.WriteFile(ref, nil, 0o666); err != nil {
		t.Fatal(err)
	}
	_, errOut, err := runJS(t, `
fs.writeText(env.DIR + "/shared.csv", "new");
fs.writeText(env.DIR + "/fresh.txt", "x");
fs.writeJSON(env.DIR + "/fresh.json", {a: 1});
`, Options{Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	mode := func(p string) os.FileMode {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return st.Mode().Perm()
	}
	if m := mode(shared); m != 0o664 {
		t.Errorf("replaced file mode %v, want 0664 (kept)", m)
	}
	for _, p := range []string{"fresh.txt", "fresh.json"} {
		if m, want := mode(filepath.Join(dir, p)), mode(ref); m != want {
			t.Errorf("%s: mode %v, want %v (0666 less the umask)", p, m, want)
		}
	}
	if b, _ := os.ReadFile(shared); string(b) != "new" {
		t.Errorf("shared.csv = %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*tmp*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A JSON file that is not JSON (or is empty) is an error naming the file
// and the problem, not a "response" decoding error or a silent null.
func TestFSReadJSONErrors(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"bad.json": `{"a":1,}`, "empty.json": "  \n", "bad.ndjson": "{\"a\":1}\nnot json\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	out, _, err := runJS(t, `
for (const f of [() => fs.readJSON("bad.json"), () => fs.readJSON("empty.json"), () => [...fs.readNDJSON("bad.ndjson")]]) {
  try { console.log("read", JSON.stringify(f())); } catch (e) { console.log(e.message); }
}
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "bad.json: not valid JSON: offset 7: object key is not a string\n" +
		"empty.json: not valid JSON: the file is empty\n" +
		"bad.ndjson:2: not valid JSON: offset 0: invalid literal, want null\n"
	if out != want {
		t.Errorf("out = %q\nwant  %q", out, want)
	}
}
