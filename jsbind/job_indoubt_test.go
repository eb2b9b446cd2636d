package jsbind

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/journal"
)

// noRetryClient makes one attempt per call: the job's own retries are
// what these tests look at.
func noRetryClient(url string) *core.Client {
	return core.NewClient(core.NewClientConfig().
		WithSecretKey("sk_test_fake").
		WithAPIURL(url).
		WithTransport(core.NewHTTPTransport(&http.Client{})).
		WithRetry(core.RetryConfig{Disabled: true}))
}

// runJob runs one script with a fresh runtime (a new process, as far as
// the journal is concerned) and returns stdout, stderr and the runtime.
func runJob(t *testing.T, src string, opts Options) (string, string, *Runtime) {
	t.Helper()
	var out, errb bytes.Buffer
	opts.Stdout, opts.Stderr = &out, &errb
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := r.RunScript(ctx, "test.js", src); err != nil {
		t.Fatalf("%v\nstderr: %s", err, errb.String())
	}
	return out.String(), errb.String(), r
}

const inviteJob = `
const s = await job.run(["a@example.com"], async (e) => clerk.invitations.create({emailAddress: e}),
  {key: (e) => e, journal: env.J, retries: 2, retryDelay: 0, resendInDoubt: env.RESEND === "1"});
console.log(s.done, s.failed, s.inDoubt);
`

// An item whose POST may have been applied (a 500) is never sent again by
// default when the job has no reconcile function: not by the job's retries,
// not by a re-run. It is reported in doubt (summary, failures count,
// Runtime.InDoubt for the exit status) until the user asks for a re-send.
func TestInDoubtPostIsNotResentWithoutReconcile(t *testing.T) {
	var posts atomic.Int32
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method == "POST" && posts.Add(1) == 1 {
			writeJSON(w, 500, `{"errors":[{"code":"internal_clerk_error","message":"boom"}]}`)
			return
		}
		writeJSON(w, 200, `{"object":"invitation","id":"inv_1"}`)
	})
	path := filepath.Join(t.TempDir(), "j.jsonl")
	opts := Options{Client: noRetryClient(api.srv.URL), Env: []string{"J=" + path}}

	out, _, r := runJob(t, inviteJob, opts)
	if out != "0 1 1\n" || posts.Load() != 1 || r.InDoubt() != 1 {
		t.Fatalf("first run: out %q, %d POSTs, InDoubt %d", out, posts.Load(), r.InDoubt())
	}

	out, errOut, r := runJob(t, inviteJob, opts)
	if out != "0 1 1\n" || posts.Load() != 1 || r.InDoubt() != 1 {
		t.Fatalf("re-run: out %q, %d POSTs, InDoubt %d\n%s", out, posts.Load(), r.InDoubt(), errOut)
	}
	if !strings.Contains(errOut, "not sent again") || !strings.Contains(errOut, "--resend-in-doubt") {
		t.Fatalf("re-run stderr does not say what happened:\n%s", errOut)
	}

	// Asked explicitly (the job option; Options.ResendInDoubt is the
	// command line's flag): sent again, and said so.
	opts.Env = append(opts.Env, "RESEND=1")
	out, errOut, r = runJob(t, inviteJob, opts)
	if out != "1 0 0\n" || posts.Load() != 2 || r.InDoubt() != 0 {
		t.Fatalf("resend: out %q, %d POSTs\n%s", out, posts.Load(), errOut)
	}
	if !strings.Contains(errOut, "sending it again as asked") {
		t.Fatalf("resend stderr:\n%s", errOut)
	}
}

// The command line's ResendInDoubt does the same for every job.
func TestResendInDoubtOption(t *testing.T) {
	var posts atomic.Int32
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, 200, `{"object":"invitation","id":"inv_1"}`)
		posts.Add(1)
	})
	path := filepath.Join(t.TempDir(), "j.jsonl")
	// A journal from a run that died with the POST in flight.
	rec := `{"op":"start","job":"job","key":"a@example.com","tracked":true}` + "\n" +
		`{"op":"send","job":"job","key":"a@example.com","method":"POST"}` + "\n"
	if err := os.WriteFile(path, []byte(rec), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := Options{Client: noRetryClient(api.srv.URL), Env: []string{"J=" + path}}
	if out, _, _ := runJob(t, inviteJob, opts); out != "0 1 1\n" || posts.Load() != 0 {
		t.Fatalf("held: out %q, %d POSTs", out, posts.Load())
	}
	opts.ResendInDoubt = true
	if out, _, _ := runJob(t, inviteJob, opts); out != "1 0 0\n" || posts.Load() != 1 {
		t.Fatalf("--resend-in-doubt: out %q, %d POSTs", out, posts.Load())
	}
}

// What a run that died mid-item left decides the re-run: an item whose
// only requests in flight were idempotent is sent again; one with a POST
// announced, or from a journal that did not track requests, is held.
func TestInterruptedItemsByWhatWasInFlight(t *testing.T) {
	var reqs atomic.Int32
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		reqs.Add(1)
		writeJSON(w, 200, `{"object":"user","id":"user_1"}`)
	})
	for _, c := range []struct {
		name, journal string
		sent          int32
	}{
		{"idempotent only", `{"op":"start","job":"job","key":"k","tracked":true}`, 1},
		{"post announced", `{"op":"start","job":"job","key":"k","tracked":true}` + "\n" + `{"op":"send","job":"job","key":"k","method":"POST"}`, 0},
		{"untracked journal", `{"op":"start","job":"job","key":"k"}`, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			reqs.Store(0)
			path := filepath.Join(t.TempDir(), "j.jsonl")
			if err := os.WriteFile(path, []byte(c.journal+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			runJob(t, `await job.run(["k"], async () => clerk.users.updateMetadata("user_1", {publicMetadata: {a: 1}}), {key: (k) => k, journal: env.J});`,
				Options{Client: noRetryClient(api.srv.URL), Env: []string{"J=" + path}})
			if reqs.Load() != c.sent {
				t.Fatalf("%d requests, want %d", reqs.Load(), c.sent)
			}
		})
	}
}

// The engine attributes calls to their item across await, promise
// callbacks and timers: a POST made after them is announced in the
// journal under the item's key before it leaves.
func TestItemCallsAreTrackedAcrossAwaitAndTimers(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, 200, `{"object":"invitation","id":"inv_1"}`)
	})
	path := filepath.Join(t.TempDir(), "j.jsonl")
	runJob(t, `
await job.run(["a", "b"], async (k) => {
  await sleep(0);
  await new Promise((res) => setTimeout(res, 0));
  if (k === "a") {
    await new Promise((res) => setTimeout(() => { clerk.invitations.create({emailAddress: k + "@example.com"}).then(res) }, 0));
  } else {
    await Promise.resolve().then(() => clerk.invitations.create({emailAddress: k + "@example.com"}));
  }
}, {key: (k) => k, journal: env.J, concurrency: 2});
`, Options{Client: noRetryClient(api.srv.URL), Env: []string{"J=" + path}})
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b, _ := os.ReadFile(path)
	sends := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var rec journal.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Op == "send" {
			sends[rec.Key] = rec.Method
		}
	}
	if sends["a"] != "POST" || sends["b"] != "POST" {
		t.Errorf("send records %v in\n%s", sends, b)
	}
	entries, _, err := journal.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if e := entries[journal.Key{Job: "job", Item: "a"}]; e.State != journal.StateDone {
		t.Fatalf("a = %+v", e)
	}
}

// An item whose failing requests were all idempotent may be retried: a
// PATCH answered 502 is tried again by the job, and the item is not in
// doubt.
func TestIdempotentInDoubtFailureIsRetried(t *testing.T) {
	var patches atomic.Int32
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method == "PATCH" && patches.Add(1) == 1 {
			writeJSON(w, 502, `{"errors":[{"code":"bad_gateway","message":"bad gateway"}]}`)
			return
		}
		writeJSON(w, 200, `{"object":"user","id":"user_1"}`)
	})
	out, errOut, r := runJob(t, `
const s = await job.run(["k"], async () => clerk.users.updateMetadata("user_1", {publicMetadata: {a: 1}}), {key: (k) => k, journal: false, retryDelay: 0});
console.log(s.done, s.failed, s.inDoubt, s.retried);
`, Options{Client: noRetryClient(api.srv.URL)})
	if out != "1 0 0 1\n" || r.InDoubt() != 0 {
		t.Fatalf("out %q\n%s", out, errOut)
	}
}

// An item that failed after its POST went through is in doubt even when
// the last error says nothing was applied: trying it again would send the
// POST twice.
func TestFailureAfterAppliedPostIsInDoubt(t *testing.T) {
	var posts atomic.Int32
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.Method == "POST" {
			posts.Add(1)
			writeJSON(w, 200, `{"object":"user","id":"user_1"}`)
			return
		}
		writeJSON(w, 429, `{"errors":[{"code":"too_many_requests","message":"slow down"}]}`)
	})
	out, errOut, _ := runJob(t, `
const s = await job.run(["k"], async (k) => {
  const u = await clerk.users.create({emailAddress: ["k@example.com"]});
  await clerk.users.updateMetadata(u.id, {publicMetadata: {a: 1}});
}, {key: (k) => k, journal: false, retryDelay: 0});
console.log(s.done, s.failed, s.inDoubt, s.retried);
`, Options{Client: noRetryClient(api.srv.URL)})
	if out != "0 1 1 0\n" || posts.Load() != 1 {
		t.Fatalf("out %q, %d POSTs\n%s", out, posts.Load(), errOut)
	}
}
