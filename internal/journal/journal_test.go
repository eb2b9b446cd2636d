package journal

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func fixedNow() time.Time { return time.Date(2026, 5, 12, 0, 0, 0, 0, time.UTC) }

func TestJournalStatesSurviveReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Open(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(j.Start("job", "a"))
	must(j.Done("job", "a", "inv_1", "run"))
	must(j.Start("job", "b")) // dies in flight
	must(j.Start("job", "c"))
	must(j.Fail("job", "c", ErrorInfo{Message: "bad", Status: 422}, false))
	must(j.Start("job", "d"))
	must(j.Fail("job", "d", ErrorInfo{Message: "500"}, true))
	must(j.Start("other", "a"))
	must(j.Close())

	j2, err := Open(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	for _, c := range []struct {
		job, key string
		want     State
	}{{"job", "a", StateDone}, {"job", "b", StateInDoubt}, {"job", "c", StateFailed}, {"job", "d", StateInDoubt}, {"job", "e", StateNew}, {"other", "a", StateInDoubt}} {
		if got := j2.Entry(c.job, c.key).State; got != c.want {
			t.Errorf("%s/%s = %v, want %v", c.job, c.key, got, c.want)
		}
	}
	if id := j2.Entry("job", "a").ID; id != "inv_1" {
		t.Errorf("id = %q", id)
	}
}

func TestJournalTornLastLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	content := `{"op":"start","job":"j","key":"a"}` + "\n" + `{"op":"done","job":"j","key":"a","id":"x"}` + "\n" + `{"op":"start","job":"j","ke`
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	j, err := Open(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start("j", "b"); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = Open(path, fixedNow)
	if err != nil {
		t.Fatalf("reopen after a torn line: %v", err)
	}
	defer j.Close()
	if j.Entry("j", "a").State != StateDone || j.Entry("j", "b").State != StateInDoubt {
		t.Fatalf("states: a=%v b=%v", j.Entry("j", "a").State, j.Entry("j", "b").State)
	}
}

func TestJournalCorruptMiddleLineIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	content := `{"op":"start","key":"a"}` + "\nnot json\n" + `{"op":"done","key":"a"}` + "\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, fixedNow)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want one naming line 2", err)
	}
}

func TestJournalIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Open(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := Open(path, fixedNow); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v", err)
	}
}

func TestJournalConcurrentStartsAreAllDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Open(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			key := string(rune('A' + i))
			if err := j.Start("j", key); err != nil {
				t.Error(err)
			}
			if err := j.Done("j", key, "", "run"); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	j.Close()
	b, _ := os.ReadFile(path)
	if n := bytes.Count(b, []byte("\n")); n != 100 {
		t.Fatalf("%d lines, want 100", n)
	}
	entries, torn, err := Parse(bytes.NewReader(b))
	if err != nil || torn || len(entries) != 50 {
		t.Fatalf("entries=%d torn=%v err=%v", len(entries), torn, err)
	}
}

func FuzzParseJournal(f *testing.F) {
	f.Add([]byte(`{"op":"start","job":"j","key":"a"}` + "\n" + `{"op":"done","key":"a","id":"x"}`))
	f.Add([]byte(`{"op":"fail","key":"a","in_doubt":true,"error":{"message":"m"}}` + "\n\n"))
	f.Add([]byte("{\"op\":\"bogus\",\"key\":\"k\"}\n"))
	f.Add([]byte("\xff\x00{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, _, err := Parse(bytes.NewReader(data))
		if err == nil && entries == nil {
			t.Fatal("nil entries without an error")
		}
	})
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
	j, err := Open(path, fixedNow)
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
	entries, torn, err := Parse(f)
	if err != nil || torn {
		t.Fatalf("reparse: torn=%v err=%v", torn, err)
	}
	if entries[Key{"j", "a"}].State != StateDone || entries[Key{"j", "b"}].State != StateInDoubt {
		t.Errorf("entries = %+v", entries)
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
		j, err := Open(path, fixedNow)
		if err != nil {
			return
		}
		before := map[Key]Entry{}
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
		after, torn, err := Parse(bytes.NewReader(b))
		if err != nil || torn {
			t.Fatalf("reparse of %q: torn=%v err=%v", b, torn, err)
		}
		for k, e := range before {
			if a := after[k]; a.State != e.State || a.ID != e.ID {
				t.Fatalf("%v: %+v became %+v", k, e, a)
			}
		}
		if after[Key{"fuzz-job", "fuzz-key"}].State != StateInDoubt {
			t.Fatalf("appended start lost in %q", b)
		}
	})
}

// A write that fails (a full disk) makes Start fail, naming the journal,
// and every later record fails too: no item may be sent without its
// "start" on disk.
func TestJournalWriteFailureIsSticky(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := Open(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	// Swap in a read-only handle: every write fails as on a full disk.
	ro, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	rw := j.f
	j.f = ro
	defer rw.Close()
	if err := j.Start("j", "a"); err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("Start = %v, want an error naming %s", err, path)
	}
	if err := j.Done("j", "b", "x", "run"); err == nil {
		t.Fatal("a write after a failed one succeeded")
	}
}
