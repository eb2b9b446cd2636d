package jsbind

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestJobBoundsConcurrency(t *testing.T) {
	out, errOut, err := runJS(t, `
let inFlight = 0, peak = 0;
const items = Array.from({length: 30}, (_, i) => i);
const s = await job.run(items, async (i) => {
  inFlight++; peak = Math.max(peak, inFlight);
  await sleep(2);
  inFlight--;
  return {id: "x" + i};
}, {concurrency: 3, journal: false});
console.log(peak, s.done, s.failed, s.skipped);
`, Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != "3 30 0 0\n" {
		t.Fatalf("out = %q", out)
	}
}

func TestJobFailuresAreReportedAndNotRetriedWhen4xx(t *testing.T) {
	dir := t.TempDir()
	journal := filepath.Join(dir, "j.jsonl")
	failures := filepath.Join(dir, "failures.ndjson")
	src := `
let calls = {};
const s = await job.run(["a", "b", "c", "d"], async (k) => {
  calls[k] = (calls[k] || 0) + 1;
  if (k === "b") throw new ClerkAPIError("taken", {status: 422, errors: [{code: "form_identifier_exists", message: "taken"}]});
  if (k === "c") throw new Error("plain failure");
  return {id: "id_" + k};
}, {key: (k) => k, journal: env.J, failures: env.F, retries: 3, concurrency: 1});
console.log(JSON.stringify(calls), s.done, s.failed, s.failures.map((f) => f.key + ":" + (f.error.code || f.error.message)).join(","));
`
	out, errOut, err := runJS(t, src, Options{Env: []string{"J=" + journal, "F=" + failures}})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != `{"a":1,"b":1,"c":1,"d":1} 2 2 b:form_identifier_exists,c:plain failure`+"\n" {
		t.Fatalf("out = %q", out)
	}
	for _, want := range []string{"2 done", "2 failed", "failed b: ClerkAPIError: taken", "failed c: plain failure"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("summary lacks %q:\n%s", want, errOut)
		}
	}
	fb, _ := os.ReadFile(failures)
	if bytes.Count(fb, []byte("\n")) != 2 || !bytes.Contains(fb, []byte(`"item":"b"`)) || !bytes.Contains(fb, []byte(`"status":422`)) {
		t.Errorf("failures file:\n%s", fb)
	}
	// A re-run tries the failed items again and skips the done ones.
	out, _, err = runJS(t, src, Options{Env: []string{"J=" + journal, "F=" + failures}})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, `{"b":1,"c":1} 0 2`) {
		t.Fatalf("re-run out = %q", out)
	}
}

func TestJobRetriesTransientErrors(t *testing.T) {
	out, errOut, err := runJS(t, `
let n = 0;
const e503 = () => { const e = new ClerkAPIError("busy", {status: 503}); e.mayHaveBeenApplied = false; return e; };
const s = await job.run(["x"], async () => { if (++n < 3) throw e503(); return "ok"; }, {journal: false, retries: 2, retryDelay: 1});
console.log(n, s.done, s.retried);
`, Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != "3 1 2\n" {
		t.Fatalf("out = %q", out)
	}
}

func TestJobInDoubtFailureReconciles(t *testing.T) {
	out, errOut, err := runJS(t, `
const created = new Set();
const s = await job.run(["a", "b"], async (k) => {
  created.add(k);
  const e = new Error("reset after sending"); e.mayHaveBeenApplied = true; throw e;
}, {key: (k) => k, journal: false, reconcile: async (k) => created.has(k) ? {id: "found_" + k} : null});
console.log(s.done, s.reconciled, s.failed);
`, Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != "2 2 0\n" {
		t.Fatalf("out = %q", out)
	}
}

// stopOnWrite calls stop at the first write: the script prints when it
// wants to be stopped, which no poller or sleep can race.
type stopOnWrite struct {
	bytes.Buffer
	stop func()
}

func (w *stopOnWrite) Write(p []byte) (int, error) {
	if w.stop != nil {
		w.stop()
		w.stop = nil
	}
	return w.Buffer.Write(p)
}

func TestJobStopLetsInFlightFinish(t *testing.T) {
	var out stopOnWrite
	var errb bytes.Buffer
	r, err := New(Options{Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	out.stop = func() { r.Stop() }
	err = r.RunScript(context.Background(), "stop.js", `
let finished = 0, started = 0;
const s = await job.run(Array.from({length: 1000}, (_, i) => i), async () => {
  if (++started === 10) console.log("stop me");
  await sleep(5); finished++;
}, {concurrency: 4, journal: false});
console.log(s.stopped, started === finished, s.done === finished, s.done < 1000, finished >= 10);
`)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if out.String() != "stop me\ntrue true true true true\n" {
		t.Fatalf("out = %q\n%s", out.String(), errb.String())
	}
}

func TestJobBadOptions(t *testing.T) {
	out, _, err := runJS(t, `
for (const o of [{concurrency: 0}, {rate: "fast"}, {reconcile: 1}, {key: 5}]) {
  try { await job.run([1], async () => 1, o); console.log("accepted"); } catch (e) { console.log(e.name); }
}
try { await job.run(5, async () => 1); } catch (e) { console.log(e.name); }
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out != "TypeError\nTypeError\nTypeError\nTypeError\nTypeError\n" {
		t.Fatalf("out = %q", out)
	}
}

// TestEveryFailureIsWrittenWithItsError: each failure gets a line with its
// error on stderr as it happens, even past the summary's first 20.
func TestEveryFailureIsWrittenWithItsError(t *testing.T) {
	src := `
const items = Array.from({length: 30}, (_, i) => "k" + i);
const s = await job.run(items, async (k) => {
  throw new ClerkAPIError("bad " + k, {status: 400, errors: [{code: "form_param_unknown", message: "bad " + k}]});
}, {name: "j", key: (k) => k, journal: false, concurrency: 3});
console.log(s.failed);
`
	out, errOut, err := runJS(t, src, Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, errOut)
	}
	if out != "30\n" {
		t.Fatalf("out = %q", out)
	}
	for i := 0; i < 30; i++ {
		want := fmt.Sprintf("job j: failed k%d: ClerkAPIError: bad k%d\n", i, i)
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if !strings.Contains(errOut, "... and 10 more (every failure is listed above)") {
		t.Errorf("summary does not say where the other failures are:\n%s", errOut)
	}
}

// lockedBuffer is a bytes.Buffer the progress goroutine and the test can
// share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPeriodicProgressLinesWhenNotATerminal: with stderr not a terminal a
// job prints plain progress lines (done, failed, skipped, rate, ETA), no
// bar and no escape codes. The first item waits until a progress line has
// been printed, so the test does not depend on timing.
func TestPeriodicProgressLinesWhenNotATerminal(t *testing.T) {
	var errb lockedBuffer
	line := regexp.MustCompile(`(?m)^job p: \d+/4 \(\d+ done, \d+ failed, \d+ skipped\) \d+\.\d/s( ETA \d+[a-z]+)?$`)
	r, err := New(Options{Stderr: &errb, Stdout: io.Discard, ProgressInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_ = r.VM().Set("progressPrinted", func() bool { return line.MatchString(errb.String()) })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = r.RunScript(ctx, "test.js", `
await job.run([1, 2, 3, 4], async (i) => {
  if (i === 3) throw new Error("three");
  while (!progressPrinted()) await sleep(2);
}, {name: "p", journal: false, concurrency: 1, retries: 0});
`)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	s := errb.String()
	if strings.Contains(s, "\r") || strings.Contains(s, "\033[") || strings.Contains(s, "[#") {
		t.Errorf("terminal output on a non-terminal:\n%q", s)
	}
	if !strings.Contains(s, "job p: finished in") || !strings.Contains(s, "3 done, 1 failed, 0 skipped") {
		t.Errorf("no summary:\n%s", s)
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
	// A closed journal refuses every write, as a full disk would (the
	// journal's own tests cover a failing write).
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
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

// A key function returning an object gives every item the key
// "[object Object]": all but the first would be skipped as done before.
// Such a key fails the item, naming the mistake; a string, a number or a
// composite array key still works.
func TestJobObjectKeyIsAnError(t *testing.T) {
	out, _, err := runJS(t, `
const rows = [{email: "a@x"}, {email: "b@x"}, {email: "c@x"}];
let calls = 0;
const s = await job.run(rows, async () => { calls++; }, { key: (r) => ({email: r.email}), journal: false });
console.log(calls, s.done, s.failed, s.skipped, s.failures[0].error.message);
const t = await job.run(rows, async () => { calls++; }, { key: (r) => [r.email, 1], journal: false });
const u = await job.run([1, 2], async () => { calls++; }, { key: (n) => n * 10, journal: false });
console.log(calls, t.done, u.done);
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := "0 0 3 0 TypeError: job.run: item 0 has a key that is an object ([object Object]), not a string or a number (return e.g. row.email)\n5 3 2\n"
	if out != want {
		t.Errorf("out = %q\nwant  %q", out, want)
	}
}
