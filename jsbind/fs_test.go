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
