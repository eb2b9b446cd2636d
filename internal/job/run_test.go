package job

import (
	"bytes"
	"context"
	"errors"
	"iter"
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
