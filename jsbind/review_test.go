package jsbind

import (
	"errors"
	"fmt"
	"net/http"
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
	// Warm up the HTTP client's connection pool so its goroutines are in
	// the baseline.
	if _, _, err := runJS(t, "", Options{Client: client}); err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
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
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > base && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > base {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines left (base %d):\n%s", n, base, buf)
	}
	after := errb.String()
	time.Sleep(20 * time.Millisecond)
	if errb.String() != after {
		t.Errorf("progress still printed after the script ended")
	}
}
