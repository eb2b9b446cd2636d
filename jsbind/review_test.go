package jsbind

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// okAPI answers every request with a user, counting nothing: these tests
// are about what happens before a request is sent.
func okAPI(t *testing.T) *fakeAPI {
	return newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, 200, `{"object":"user","id":"user_1"}`)
	})
}

// A cycle outside *_metadata used to recurse without bound (gigabytes of
// memory before anything was reported).
func TestCyclicParamsAreRejected(t *testing.T) {
	api := okAPI(t)
	out, _, err := runJS(t, `
const a = {}; a.self = a;
try { await clerk.users.create({foo: a}) } catch (e) { console.log(e.name, e.message) }
const arr = []; arr.push(arr);
try { await clerk.users.create({emailAddress: arr}) } catch (e) { console.log(e.name, e.message) }
const m = {}; m.inner = {back: m};
try { await clerk.users.create({publicMetadata: m}) } catch (e) { console.log(e.name, e.message) }
// The same object twice, side by side, is not a cycle.
const shared = {x: 1};
await clerk.users.create({foo: {a: shared, b: shared}});
console.log("shared ok");
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := []string{
		"TypeError invalid parameter foo.self: a cycle: it refers back to foo",
		"TypeError invalid parameter emailAddress[0]: a cycle: it refers back to emailAddress",
		"TypeError invalid parameter publicMetadata.inner.back: a cycle: it refers back to publicMetadata",
		"shared ok",
	}
	if len(lines) != len(want) {
		t.Fatalf("out = %q", out)
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d = %q, want %q", i, lines[i], want[i])
		}
	}
	if n := len(api.requests()); n != 1 {
		t.Errorf("%d requests sent, want 1", n)
	}
}

// Deep nesting that is not a cycle is bounded too.
func TestDeeplyNestedParamsAreRejected(t *testing.T) {
	api := okAPI(t)
	out, _, err := runJS(t, `
let o = {};
for (let i = 0; i < 100000; i++) o = {x: o};
try { await clerk.users.create({foo: o}) } catch (e) { console.log(e.name, e.message.length < 400, e.message.includes("nested too deeply")) }
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if out != "TypeError true true\n" {
		t.Fatalf("out = %q", out)
	}
}

// A Symbol used to be sent as the string "Symbol(x)".
func TestSymbolParamIsRejected(t *testing.T) {
	api := okAPI(t)
	out, _, err := runJS(t, `
try { await clerk.users.create({firstName: Symbol("x")}) } catch (e) { console.log(e.name, e.message) }
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if out != "TypeError invalid parameter firstName: a Symbol cannot be sent to the API\n" {
		t.Fatalf("out = %q", out)
	}
	if n := len(api.requests()); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}

// An API call returns a promise: a getter or Proxy trap that throws while
// the parameters are read must reject it, not throw past .catch().
func TestThrowingGetterRejectsThePromise(t *testing.T) {
	api := okAPI(t)
	out, _, err := runJS(t, `
await clerk.users.create({get firstName() { throw new Error("getter") }}).catch(e => console.log("caught", e.message));
await clerk.users.create(new Proxy({}, {ownKeys() { throw new RangeError("trap") }})).catch(e => console.log("caught", e.name, e.message));
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if out != "caught getter\ncaught RangeError trap\n" {
		t.Fatalf("out = %q", out)
	}
}

func scriptError(t *testing.T, err error) string {
	t.Helper()
	var se *ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want a ScriptError", err)
	}
	return se.Message
}

// A sparse array's length costs nothing in JS but each hole became a Go
// value: length 2^32-1 exhausted memory.
func TestHugeSparseArrayIsRejected(t *testing.T) {
	api := okAPI(t)
	dir := t.TempDir()
	out, _, err := runJS(t, `
const a = []; a.length = 2**32 - 1;
try { await clerk.users.create({emailAddress: a}) } catch (e) { console.log(e.name, e.message) }
try { fs.writeJSON(env.DIR + "/x.json", {a}) } catch (e) { console.log(e.message.includes("too long")) }
`, Options{Client: testClient(api.srv.URL, nil), Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatal(err)
	}
	if out != "TypeError invalid parameter emailAddress: an array of 4294967295 items is too long to send (at most 100000)\ntrue\n" {
		t.Fatalf("out = %q", out)
	}
}

// The script runs inside a wrapper function; the wrapper's call used to
// show up as a last frame ("at test.js:3:3") on a line the script does not
// have.
func TestStackHasNoWrapperFrame(t *testing.T) {
	for _, src := range []string{
		"throw new Error('boom')\n",
		"throw new Error('boom')",
		"await sleep(1);\nthrow new Error('boom');\n",
		"Promise.reject(new Error('boom'));\nawait sleep(5);\n",
	} {
		_, _, err := runJS(t, src, Options{})
		msg := scriptError(t, err)
		if !strings.Contains(msg, "Error: boom") {
			t.Errorf("%q: message %q", src, msg)
		}
		lines := strings.Count(src, "\n") + 1
		for _, l := range strings.Split(msg, "\n")[1:] {
			l = strings.TrimSpace(l)
			if l == "" {
				continue
			}
			var line int
			if i := strings.Index(l, "test.js:"); i >= 0 {
				_, _ = fmt.Sscanf(l[i+len("test.js:"):], "%d", &line)
			}
			if line < 1 || line > lines {
				t.Errorf("%q: frame %q is not a line of the script", src, l)
			}
		}
	}
}

// Calling a method a resource does not have used to fail with goja's bare
// "Object has no member 'nope'"; feature detection must keep working.
func TestUnknownOperationNamesResourceAndSuggests(t *testing.T) {
	out, _, err := runJS(t, `
console.log(typeof clerk.users.getUserList, typeof clerk.users.nope, "nope" in clerk.users, clerk.users.nope === undefined);
if (!clerk.users.lisst) console.log("no lisst");
clerk.users.lisst();
`, Options{})
	msg := scriptError(t, err)
	if out != "function undefined false true\nno lisst\n" {
		t.Errorf("out = %q", out)
	}
	for _, want := range []string{"TypeError: clerk.users.lisst is not a function: the users resource has no operation \"lisst\"", "did you mean clerk.users.list", "test.js:4:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestUnknownResourceSuggests(t *testing.T) {
	_, _, err := runJS(t, "const x = 1;\nawait clerk.usrs.list();\n", Options{})
	msg := scriptError(t, err)
	for _, want := range []string{"clerk.usrs is not a clerk resource", "did you mean clerk.users", "test.js:2:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

// An unrelated error on another line with the same member name is left
// alone.
func TestUnrelatedMissingMemberIsNotRewritten(t *testing.T) {
	_, _, err := runJS(t, "if (!clerk.users.nope) {}\nconst o = {};\no.nope();\n", Options{})
	msg := scriptError(t, err)
	if strings.Contains(msg, "clerk") {
		t.Errorf("message %q was rewritten", msg)
	}
}

// A last record that is complete but lacks its newline (an editor strips
// it, or the process died right before the '\n') used to be cut off: a
// "done" item then became in doubt and, without reconcile, was sent again.
func TestJournalCompleteLastLineWithoutNewlineIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	content := `{"op":"start","job":"j","key":"a"}` + "\n" + `{"op":"done","job":"j","key":"a","id":"x"}`
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := OpenJournal(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if e := j.Entry("j", "a"); e.State != StateDone || e.ID != "x" {
		t.Errorf("entry a = %+v, want done x", e)
	}
	if err := j.Start("j", "b"); err != nil {
		t.Fatal(err)
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	entries, torn, err := ParseJournal(f)
	if err != nil || torn {
		t.Fatalf("reparse: torn=%v err=%v", torn, err)
	}
	if entries[journalKey{"j", "a"}].State != StateDone || entries[journalKey{"j", "b"}].State != StateInDoubt {
		t.Errorf("entries = %+v", entries)
	}
}

// When the journal cannot be written (a full disk), no item may be sent:
// its "start" record is what makes a re-run safe.
func TestJobStopsWhenTheJournalCannotBeWritten(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j.jsonl")
	var out, errb bytes.Buffer
	r, err := New(Options{Stdout: &out, Stderr: &errb, Env: []string{"J=" + path}})
	if err != nil {
		t.Fatal(err)
	}
	j, err := r.journalFor(path)
	if err != nil {
		t.Fatal(err)
	}
	// Swap in a read-only handle: every write fails as on a full disk.
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	j.f = ro
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = r.RunScript(ctx, "test.js", `
let calls = 0;
try {
  await job.run(["a", "b", "c"], async (x) => { calls++; return {id: x} }, {key: x => x, journal: env.J, concurrency: 2});
  console.log("resolved");
} catch (e) { console.log("rejected", e.message.includes(env.J)) }
await sleep(5);
console.log("calls", calls);
`)
	_ = err
	if got := out.String(); got != "rejected true\ncalls 0\n" {
		t.Fatalf("out = %q (err %v)\nstderr: %s", got, err, errb.String())
	}
}

// Whatever an item's function throws, the job records a failure and goes
// on: a value without toString or a getter that throws used to escape the
// job driver and reject job.run.
func TestJobSurvivesHostileThrownValues(t *testing.T) {
	out, errOut, err := runJS(t, `
const bad = [
  Object.create(null),
  {get message() { throw new Error("getter") }},
  new Proxy({}, {get() { throw new Error("trap") }}),
  {toString() { throw new Error("toString") }},
  Symbol("s"),
];
const s = await job.run(bad.map((_, i) => i), async (i) => { throw bad[i] }, {journal: false, retries: 0});
console.log(s.done, s.failed, s.failures.length);
`, Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != "0 5 5\n" {
		t.Fatalf("out = %q\nstderr: %s", out, errOut)
	}
}

// Keys, results and items are script values too: a key whose toString throws, a result
// whose id getter throws and an item a Proxy guards must not abort the job.
func TestJobSurvivesHostileKeysResultsAndItems(t *testing.T) {
	dir := t.TempDir()
	out, errOut, err := runJS(t, `
const trap = new Proxy({}, {get() { throw new Error("trap") }, ownKeys() { throw new Error("trap") }});
const s = await job.run([1, 2, 3], async (i) => {
  if (i === 2) return {get id() { throw new Error("id") }};
  if (i === 3) throw new Error("fails");
  return {id: "x"};
}, {key: (i) => i === 1 ? {toString() { throw new Error("k") }} : String(i), journal: env.DIR + "/j.jsonl", failures: env.DIR + "/f.ndjson", retries: 0});
console.log(s.done, s.failed);
const s2 = await job.run([trap], async () => { throw new Error("x") }, {key: () => "t", journal: false, failures: env.DIR + "/f2.ndjson", retries: 0});
console.log(s2.failed);
`, Options{Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != "1 2\n1\n" {
		t.Fatalf("out = %q\nstderr: %s", out, errOut)
	}
}

// Whatever a journal holds, once it opens, records appended to it must
// parse again, and every item keeps the state it had.
func FuzzJournalReopenAppend(f *testing.F) {
	f.Add([]byte(`{"op":"start","job":"j","key":"a"}` + "\n" + `{"op":"done","job":"j","key":"a","id":"x"}`))
	f.Add([]byte(`{"op":"start","job":"j","key":"a"}` + "\n" + `{"op":"done","job":"j","ke`))
	f.Add([]byte(`{"op":"start","job":"j","key":"a"}  `))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "j.jsonl")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		j, err := OpenJournal(path, fixedNow)
		if err != nil {
			return
		}
		before := map[journalKey]JournalEntry{}
		for k, e := range j.entries {
			before[k] = e
		}
		if err := j.Start("fuzz-job", "fuzz-key"); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		after, torn, err := ParseJournal(bytes.NewReader(b))
		if err != nil || torn {
			t.Fatalf("reparse of %q: torn=%v err=%v", b, torn, err)
		}
		for k, e := range before {
			if a := after[k]; a.State != e.State || a.ID != e.ID {
				t.Fatalf("%v: %+v became %+v", k, e, a)
			}
		}
		if after[journalKey{"fuzz-job", "fuzz-key"}].State != StateInDoubt {
			t.Fatalf("appended start lost in %q", b)
		}
	})
}

// A script that dies with work in flight must not leave goroutines behind
// (a pending sleep, a job's progress printer, an HTTP request that would
// still reach the API): embedders run many scripts in one process.
func TestFailedScriptLeavesNoGoroutines(t *testing.T) {
	release := make(chan struct{})
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		writeJSON(w, 200, `{"object":"user","id":"user_1"}`)
	})
	defer close(release)
	client := testClient(api.srv.URL, nil)
	var errb lockedBuffer
	_, _, err := runJS(t, `
job.run([1], async () => { await sleep(1e9) }, {journal: false});
clerk.users.get("user_1");
await sleep(5);
throw new Error("boom");
`, Options{Client: client, Stderr: &errb, ProgressInterval: time.Millisecond})
	if msg := scriptError(t, err); !strings.Contains(msg, "boom") {
		t.Fatalf("err = %v", msg)
	}
	// Wait until no goroutine runs jsbind code (the progress printer, the
	// request, the job's workers). A leak never gets there, and go test's
	// -timeout then fails the test with every stack; there is no deadline
	// here for a loaded machine to miss, and no goroutine count for the
	// HTTP client's own connection goroutines to upset.
	for jsbindGoroutines() != "" {
		time.Sleep(time.Millisecond) // polling, not a deadline
	}
}

// jsbindGoroutines returns the stacks of the goroutines (other than
// tests') running code of this package, or "".
func jsbindGoroutines() string {
	buf := make([]byte, 4<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, line := range strings.Split(g, "\n") {
			if strings.Contains(line, "/jsbind/") && strings.Contains(line, ".go:") && !strings.Contains(line, "_test.go:") {
				found = append(found, g)
				break
			}
		}
	}
	return strings.Join(found, "\n\n")
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

// Two jobs of one script naming the same journal differently used to open
// it twice, and the second failed with "in use by another clerkscript
// process".
func TestSameJournalUnderTwoNames(t *testing.T) {
	dir := t.TempDir()
	out, errOut, err := runJS(t, `
await job.run(["a"], async (x) => ({id: x}), {name: "one", key: x => x, journal: env.DIR + "/j.jsonl"});
const s = await job.run(["a"], async (x) => ({id: x}), {name: "two", key: x => x, journal: env.DIR + "/./j.jsonl"});
console.log(s.done);
`, Options{Env: []string{"DIR=" + dir}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != "1\n" {
		t.Fatalf("out = %q", out)
	}
}
