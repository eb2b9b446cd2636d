package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// State is what the journal knows about one item of a job.
type State int

const (
	// StateNew: the journal has no record of the item.
	StateNew State = iota
	// StateDone: the item finished (its result id is in the record).
	StateDone
	// StateFailed: the item failed with an error that says the request was
	// not applied (a 4xx, or a failure confirmed by reconciliation); a
	// re-run tries it again.
	StateFailed
	// StateInDoubt: the item was started and may have been applied: the
	// process died mid-request, or the request failed in a way that does
	// not say (a 500, a reset after sending). A re-run looks it up with the
	// job's reconcile function before deciding to send it again.
	StateInDoubt
)

func (s State) String() string {
	switch s {
	case StateDone:
		return "done"
	case StateFailed:
		return "failed"
	case StateInDoubt:
		return "in-doubt"
	}
	return "new"
}

// ErrorInfo is the part of an error worth keeping in the journal.
type ErrorInfo struct {
	Message string `json:"message"`
	Status  int    `json:"status,omitempty"`
	Code    string `json:"code,omitempty"`
	TraceID string `json:"clerk_trace_id,omitempty"`
}

// Record is one line of a journal file (JSON Lines).
type Record struct {
	Op      string     `json:"op"` // "start", "send", "done", "fail", "retry"
	Job     string     `json:"job,omitempty"`
	Key     string     `json:"key"`
	ID      string     `json:"id,omitempty"`  // result id on "done"
	Via     string     `json:"via,omitempty"` // "run" or "reconcile" on "done"
	At      string     `json:"at,omitempty"`
	Error   *ErrorInfo `json:"error,omitempty"`
	InDoubt bool       `json:"in_doubt,omitempty"` // on "fail": the request may have been applied
	// Tracked, on "start", says the item's non-idempotent requests are
	// announced by a "send" record before they leave: a start with no
	// send after it had only idempotent requests in flight.
	Tracked bool `json:"tracked,omitempty"`
	// Method, on "send", is the HTTP method of the item's first
	// non-idempotent request.
	Method string `json:"method,omitempty"`
}

// Key names one item: the job it belongs to and the item's key in that job.
type Key struct{ Job, Item string }

// Entry is the latest state of one item.
type Entry struct {
	State State
	ID    string
	Error *ErrorInfo
	// IdempotentOnly, for an item in doubt, says that only idempotent
	// requests (GET, PUT, PATCH, DELETE) may have been in flight: sending
	// it again cannot apply anything twice. False when a non-idempotent
	// request (POST) may have been applied, or when the journal cannot
	// tell (records written without tracking).
	IdempotentOnly bool
}

// apply updates entries with one record.
func apply(entries map[Key]Entry, rec Record) {
	k := Key{rec.Job, rec.Key}
	switch rec.Op {
	case "start":
		entries[k] = Entry{State: StateInDoubt, IdempotentOnly: rec.Tracked}
	case "send":
		entries[k] = Entry{State: StateInDoubt}
	case "done":
		entries[k] = Entry{State: StateDone, ID: rec.ID}
	case "fail":
		st := StateFailed
		if rec.InDoubt {
			st = StateInDoubt
		}
		entries[k] = Entry{State: st, Error: rec.Error}
	}
	// "retry" is informational: the item stays started.
}

// Journal is a durable, append-only record of a job's items, so that a
// re-run skips finished items and reconciles the ones in doubt.
//
// Durability policy: a "start" record is on disk (fsync) before the item's
// request may leave the machine; concurrent starts share one fsync (group
// commit). "done" and "fail" records are written at once but only made
// durable by the next fsync (the next start, or Close). Only a machine crash
// (not a killed process: the page cache survives that) can lose them, and
// then the item is merely in doubt and gets reconciled, never blindly sent
// again.
type Journal struct {
	path string
	f    *os.File
	now  func() time.Time

	mu      sync.Mutex
	entries map[Key]Entry
	written int64 // records appended so far
	werr    error // sticky write error

	smu     sync.Mutex
	scond   *sync.Cond
	synced  int64
	syncing bool

	unlock func()
}

// Open opens (creating if needed) the journal at path and loads its
// state. A torn last line (the process died mid-write) is ignored, but a
// whole last record that only lacks its newline counts; any other malformed
// line is an error naming the line, because guessing could send an item
// twice.
func Open(path string, now func() time.Time) (*Journal, error) {
	if now == nil {
		now = time.Now
	}
	st, statErr := os.Stat(path)
	created := errors.Is(statErr, os.ErrNotExist)
	if statErr == nil && !st.Mode().IsRegular() {
		// A device or a FIFO would be read forever (/dev/zero is one
		// endless line) or block.
		return nil, fmt.Errorf("journal %s: not a regular file", path)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if st, err := f.Stat(); err == nil && !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("journal %s: not a regular file", path)
	}
	unlock, err := lockFile(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	entries, tail, err := parseJournal(f)
	if err != nil {
		unlock()
		f.Close()
		return nil, fmt.Errorf("journal %s: %w", path, err)
	}
	j := &Journal{path: path, f: f, now: now, entries: entries, unlock: unlock}
	j.scond = sync.NewCond(&j.smu)
	switch tail {
	case tailTorn:
		// Cut the torn record off so the next one starts on its own line.
		if err := truncateTorn(f); err != nil {
			j.Close()
			return nil, fmt.Errorf("journal %s: removing a torn last line: %w", path, err)
		}
	case tailNoNewline:
		// The last record is whole (and counted); end its line so the
		// next record does not run into it.
		if _, err := f.Write([]byte{'\n'}); err != nil {
			j.Close()
			return nil, fmt.Errorf("journal %s: ending the last line: %w", path, err)
		}
	}
	if created {
		// Make the new directory entry durable too.
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	return j, nil
}

// Parse reads journal records and returns the latest state of each
// item. torn reports an incomplete last line, which is ignored.
func Parse(r io.Reader) (entries map[Key]Entry, torn bool, err error) {
	entries, tail, err := parseJournal(r)
	return entries, tail == tailTorn, err
}

// journalTail says how a journal file ends.
type journalTail int

const (
	tailClean     journalTail = iota // empty, or ends with a newline
	tailTorn                         // an incomplete record without newline
	tailNoNewline                    // a whole record without newline
)

func parseJournal(r io.Reader) (entries map[Key]Entry, tail journalTail, err error) {
	entries = make(map[Key]Entry)
	br := bufio.NewReaderSize(r, 64<<10)
	line := 0
	for {
		b, rerr := br.ReadBytes('\n')
		if len(b) > 0 {
			line++
			complete := b[len(b)-1] == '\n'
			b = bytes.TrimSpace(b)
			if len(b) > 0 {
				var rec Record
				uerr := json.Unmarshal(b, &rec)
				if !complete {
					if uerr != nil || rec.Key == "" || !knownOp(rec.Op) {
						// The process died inside the write of this
						// record: it never counted (Open cuts it
						// off).
						return entries, tailTorn, nil
					}
					// A whole record whose newline is missing (the
					// process died just before it, or an editor dropped
					// it) counts: dropping a "done" would send the item
					// again.
					tail = tailNoNewline
				}
				if uerr != nil || rec.Key == "" {
					if uerr == nil {
						uerr = errors.New("record has no key")
					}
					return nil, tailClean, fmt.Errorf("line %d: malformed record: %v", line, uerr)
				}
				if !knownOp(rec.Op) {
					return nil, tailClean, fmt.Errorf("line %d: unknown op %q", line, rec.Op)
				}
				apply(entries, rec)
			}
		}
		if rerr == io.EOF {
			return entries, tail, nil
		}
		if rerr != nil {
			return nil, tailClean, rerr
		}
	}
}

func knownOp(op string) bool {
	switch op {
	case "start", "send", "done", "fail", "retry":
		return true
	}
	return false
}

// truncateTorn shortens f to just after its last newline.
func truncateTorn(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	buf := make([]byte, 4096)
	for end := size; end > 0; {
		start := max(0, end-int64(len(buf)))
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && err != io.EOF {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return f.Truncate(start + int64(i) + 1)
		}
		end = start
	}
	return f.Truncate(0)
}

// Sync makes every record written so far durable.
func (j *Journal) Sync() error {
	j.mu.Lock()
	seq := j.written
	j.mu.Unlock()
	return j.sync(seq)
}

// Path returns the journal's file name.
func (j *Journal) Path() string { return j.path }

// Entry returns the latest state of an item.
func (j *Journal) Entry(job, key string) Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.entries[Key{job, key}]
}

// Count returns how many items of job are in each state.
func (j *Journal) Count(job string) map[State]int {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := map[State]int{}
	for k, e := range j.entries {
		if k.Job == job {
			out[e.State]++
		}
	}
	return out
}

func (j *Journal) append(rec Record) (int64, error) {
	rec.At = j.now().UTC().Format(time.RFC3339Nano)
	b, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.werr != nil {
		return 0, j.werr
	}
	// One write call per record: with O_APPEND it lands whole or, if the
	// process dies inside it, as a torn last line that Parse skips.
	if _, err := j.f.Write(b); err != nil {
		j.werr = fmt.Errorf("journal %s: %w", j.path, err)
		return 0, j.werr
	}
	j.written++
	apply(j.entries, rec)
	return j.written, nil
}

// sync makes every record up to seq durable, sharing fsyncs between
// concurrent callers.
func (j *Journal) sync(seq int64) error {
	j.smu.Lock()
	defer j.smu.Unlock()
	for j.synced < seq {
		if j.syncing {
			j.scond.Wait()
			continue
		}
		j.syncing = true
		j.mu.Lock()
		target := j.written
		j.mu.Unlock()
		j.smu.Unlock()
		err := j.f.Sync()
		j.smu.Lock()
		j.syncing = false
		j.scond.Broadcast()
		if err != nil {
			return fmt.Errorf("journal %s: fsync: %w", j.path, err)
		}
		if target > j.synced {
			j.synced = target
		}
	}
	return nil
}

// Start records that the item's request is about to be sent and returns
// once that record is durable.
func (j *Journal) Start(job, key string) error {
	seq, err := j.append(Record{Op: "start", Job: job, Key: key})
	if err != nil {
		return err
	}
	return j.sync(seq)
}

// StartTracked is Start for an item whose non-idempotent requests will be
// announced with Sending: until one is, a re-run may send the item again
// (only idempotent requests were in flight).
func (j *Journal) StartTracked(job, key string) error {
	seq, err := j.append(Record{Op: "start", Job: job, Key: key, Tracked: true})
	if err != nil {
		return err
	}
	return j.sync(seq)
}

// Sending records, durably, that a non-idempotent request (method) of the
// item is about to leave: from now on the item may have been applied.
func (j *Journal) Sending(job, key, method string) error {
	seq, err := j.append(Record{Op: "send", Job: job, Key: key, Method: method})
	if err != nil {
		return err
	}
	return j.sync(seq)
}

// Done records a finished item with the id of what it created or found.
func (j *Journal) Done(job, key, id, via string) error {
	_, err := j.append(Record{Op: "done", Job: job, Key: key, ID: id, Via: via})
	return err
}

// Fail records a failed item. inDoubt says the request may have been
// applied, so a re-run must reconcile before sending it again.
func (j *Journal) Fail(job, key string, info ErrorInfo, inDoubt bool) error {
	_, err := j.append(Record{Op: "fail", Job: job, Key: key, Error: &info, InDoubt: inDoubt})
	return err
}

// Retry records that an item is being tried again after a failure.
func (j *Journal) Retry(job, key string, info ErrorInfo) error {
	_, err := j.append(Record{Op: "retry", Job: job, Key: key, Error: &info})
	return err
}

// Close makes every record durable and closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	f := j.f
	j.f = nil
	if f == nil {
		j.mu.Unlock()
		return nil
	}
	if j.werr == nil {
		j.werr = fmt.Errorf("journal %s: closed", j.path)
	}
	j.mu.Unlock()
	err := f.Sync()
	if j.unlock != nil {
		j.unlock()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
