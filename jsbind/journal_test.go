package jsbind

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
	j, err := OpenJournal(path, fixedNow)
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

	j2, err := OpenJournal(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	for _, c := range []struct {
		job, key string
		want     ItemState
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
	j, err := OpenJournal(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Start("j", "b"); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j, err = OpenJournal(path, fixedNow)
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
	_, err := OpenJournal(path, fixedNow)
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want one naming line 2", err)
	}
}

func TestJournalIsExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := OpenJournal(path, fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := OpenJournal(path, fixedNow); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Fatalf("second open: %v", err)
	}
}

func TestJournalConcurrentStartsAreAllDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j.jsonl")
	j, err := OpenJournal(path, fixedNow)
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
	entries, torn, err := ParseJournal(bytes.NewReader(b))
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
		entries, _, err := ParseJournal(bytes.NewReader(data))
		if err == nil && entries == nil {
			t.Fatal("nil entries without an error")
		}
	})
}
