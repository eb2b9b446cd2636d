package job

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/journal"
)

func fixedNow() time.Time { return time.Date(2026, 5, 12, 0, 0, 0, 0, time.UTC) }

func seq(items ...string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for _, it := range items {
			if !yield(it, nil) {
				return
			}
		}
	}
}

func keyIsItem(s string, _ int) (string, error) { return s, nil }

func openJournal(t *testing.T, path string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// A Go caller gets the same engine as scripts: done items are skipped on a
// re-run, 4xx failures are not retried, 5xx ones are, and the summary counts
// each.
func TestRunSkipsDoneItemsOnRerun(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	var mu sync.Mutex
	var sent []string
	do := func(_ context.Context, s string) (string, error) {
		mu.Lock()
		sent = append(sent, s)
		mu.Unlock()
		if s == "bad" {
			return "", &core.APIError{StatusCode: 422}
		}
		return "id_" + s, nil
	}
	var stderr bytes.Buffer
	j := openJournal(t, path)
	s, err := Run(context.Background(), Options{Name: "t", Concurrency: 3, Retries: 2, Journal: j, Stderr: &stderr, Now: fixedNow, Total: 4},
		seq("a", "b", "c", "bad"), Spec[string]{Key: keyIsItem, Do: do})
	if err != nil {
		t.Fatal(err)
	}
	if s.Done != 3 || s.Failed != 1 || s.Retried != 0 || s.Skipped != 0 {
		t.Fatalf("first run: %+v", s)
	}
	if e := j.Entry("t", "b"); e.State != journal.StateDone || e.ID != "id_b" {
		t.Fatalf("b = %+v", e)
	}
	sent = nil
	s, err = Run(context.Background(), Options{Name: "t", Concurrency: 3, Journal: j, Total: -1},
		seq("a", "b", "c", "bad", "d"), Spec[string]{Key: keyIsItem, Do: do})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(sent)
	if s.Skipped != 3 || !slices.Equal(sent, []string{"bad", "d"}) {
		t.Fatalf("re-run: %+v, sent %v", s, sent)
	}
	if !strings.Contains(stderr.String(), "job t: failed bad:") {
		t.Fatalf("stderr: %s", stderr.String())
	}
}

// An in-doubt failure is reconciled: found means done, not sent again.
func TestRunReconcilesInDoubtFailure(t *testing.T) {
	calls := 0
	s, err := Run(context.Background(), Options{Retries: 3, Total: -1}, seq("x"), Spec[string]{
		Key: keyIsItem,
		Do: func(context.Context, string) (string, error) {
			calls++
			return "", &core.APIError{StatusCode: 502}
		},
		Reconcile: func(context.Context, string) (string, bool, error) { return "found_x", true, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || s.Done != 1 || s.Reconciled != 1 {
		t.Fatalf("calls %d, summary %+v", calls, s)
	}
}

// An item source that fails ends the job with its error and a summary.
func TestRunReportsItemSourceFailure(t *testing.T) {
	items := func(yield func(string, error) bool) {
		if yield("a", nil) {
			yield("", errors.New("disk on fire"))
		}
	}
	s, err := Run(context.Background(), Options{Total: -1}, items, Spec[string]{
		Key: keyIsItem,
		Do:  func(context.Context, string) (string, error) { return "", nil },
	})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") || s.Done != 1 {
		t.Fatalf("err %v, summary %+v", err, s)
	}
}

// An item an earlier run left in doubt is not sent again without a
// reconcile function unless the caller asks (ResendInDoubt); an item whose
// only requests in flight were idempotent is.
func TestRunHoldsInDoubtItems(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name    string
		record  string
		resend  bool
		wantDo  int
		inDoubt int64
	}{
		{"post in flight", `{"op":"start","job":"t","key":"k","tracked":true}` + "\n" + `{"op":"send","job":"t","key":"k","method":"POST"}`, false, 0, 1},
		{"untracked start", `{"op":"start","job":"t","key":"k"}`, false, 0, 1},
		{"failed in doubt", `{"op":"fail","job":"t","key":"k","in_doubt":true,"error":{"message":"500"}}`, false, 0, 1},
		{"asked to resend", `{"op":"start","job":"t","key":"k"}`, true, 1, 0},
		{"idempotent only", `{"op":"start","job":"t","key":"k","tracked":true}`, false, 1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "_")+".jsonl")
			if err := os.WriteFile(path, []byte(c.record+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			j := openJournal(t, path)
			calls := 0
			failures := path + ".failures"
			s, err := Run(context.Background(), Options{Name: "t", Journal: j, ResendInDoubt: c.resend, Total: -1, FailuresPath: failures}, seq("k"),
				Spec[string]{Key: keyIsItem, Do: func(context.Context, string) (string, error) { calls++; return "id", nil }})
			if err != nil {
				t.Fatal(err)
			}
			if calls != c.wantDo || s.InDoubt != c.inDoubt {
				t.Fatalf("Do called %d times, summary %+v", calls, s)
			}
			// A held item is in the failures file, in doubt, with the item.
			b, _ := os.ReadFile(failures)
			held := strings.Contains(string(b), `"in_doubt":true`) && strings.Contains(string(b), `"item":"k"`) && strings.Contains(string(b), "resend-in-doubt")
			if held != (c.inDoubt == 1) {
				t.Fatalf("failures file: %s", b)
			}
		})
	}
}

// With TrackingTransport, a POST of an item is announced in the journal
// before it leaves, and a failure after it is in doubt.
func TestTrackingTransportAnnouncesPosts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j := openJournal(t, path)
	var sawSend bool
	base := transportFunc(func(ctx context.Context, req *core.HTTPRequest) (*core.HTTPResponse, error) {
		// The "send" record is in the journal before the request leaves.
		sawSend = j.Entry("t", "k").State == journal.StateInDoubt && !j.Entry("t", "k").IdempotentOnly
		return &core.HTTPResponse{StatusCode: 500}, nil
	})
	tr := TrackingTransport(base)
	s, err := Run(context.Background(), Options{Name: "t", Journal: j, Tracked: true, Retries: 3, Total: -1}, seq("k"), Spec[string]{
		Key: keyIsItem,
		Do: func(ctx context.Context, _ string) (string, error) {
			if _, err := tr.RoundTrip(ctx, &core.HTTPRequest{Method: "POST"}); err != nil {
				return "", err
			}
			return "", &core.APIError{StatusCode: 500}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !sawSend || s.InDoubt != 1 || s.Retried != 0 {
		t.Fatalf("sawSend %v, summary %+v", sawSend, s)
	}
}

type transportFunc func(context.Context, *core.HTTPRequest) (*core.HTTPResponse, error)

func (f transportFunc) RoundTrip(ctx context.Context, req *core.HTTPRequest) (*core.HTTPResponse, error) {
	return f(ctx, req)
}

// A 401 fails every item the same way: the job stops at the first one and
// Run returns an *AuthError; nothing else starts.
func TestRunStopsOnAuthFailure(t *testing.T) {
	var calls int
	items := make([]string, 25)
	for i := range items {
		items[i] = string(rune('a' + i))
	}
	var stderr bytes.Buffer
	s, err := Run(context.Background(), Options{Name: "t", Retries: 2, Stderr: &stderr, Total: len(items)}, seq(items...), Spec[string]{
		Key: keyIsItem,
		Do: func(context.Context, string) (string, error) {
			calls++
			return "", &core.APIError{StatusCode: 401}
		},
	})
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Status != 401 {
		t.Fatalf("err = %v", err)
	}
	if calls != 1 || s.Failed != 1 || !s.Stopped || strings.Count(stderr.String(), "job t: failed") != 1 {
		t.Fatalf("calls %d, summary %+v\n%s", calls, s, stderr.String())
	}
}
