package job

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clerkscript/clerkscript/internal/journal"
	"github.com/clerkscript/clerkscript/internal/ratelimit"
)

// Options configures one job. Zero values mean: name "job", one item at a
// time, no retries, no journal, no pace, output discarded.
type Options struct {
	// Name identifies the job in the journal and in every line it prints.
	Name string
	// Concurrency is how many items run at once (Run's workers).
	Concurrency int
	// Retries is how many times an item is tried again after a retryable
	// failure; RetryDelay is the wait before the first retry (it doubles,
	// capped at 30 s).
	Retries    int
	RetryDelay time.Duration
	// Total is the number of items when known, -1 when not.
	Total int
	// Journal records every item durably; a re-run skips what is done
	// and looks up what is in doubt. nil runs without one. The caller
	// owns it (several jobs may share one) and closes it.
	Journal *journal.Journal
	// TemporaryJournal says the journal is removed at exit (the summary
	// says so).
	TemporaryJournal bool
	// Limiter paces the job's items (at most N started per window).
	Limiter *ratelimit.Limiter
	// FailuresPath, when set, receives one JSON line per failed item
	// ({job, key, error, in_doubt, item}); the file is appended to.
	FailuresPath string
	// Stderr receives a line per failure, progress lines and the summary.
	Stderr io.Writer
	// Interactive draws a progress bar (Stderr is a terminal) instead of
	// printing a progress line every ProgressInterval (default 10 s).
	Interactive      bool
	ProgressInterval time.Duration
	// Now injects time (default time.Now).
	Now func() time.Time
	// Stop, when done, stops the job gracefully: no new item starts,
	// items in flight finish, a wait for the pace is given up.
	Stop context.Context
}

// Job is the state of one run of a job: its journal, counters, pace,
// failures, progress printer and summary. Its methods are safe for
// concurrent use. [Run] drives a Job for Go callers; the JS runtime drives
// one from its event loop with the same methods.
type Job struct {
	opts     Options
	name     string
	journal  *journal.Journal
	limiter  *ratelimit.Limiter
	now      func() time.Time
	stop     context.Context
	started  time.Time
	failures *failuresFile

	done, failed, skipped, reconciled, retried, inDoubt atomic.Int64

	mu       sync.Mutex
	running  map[string]bool
	paced    map[string]bool
	kept     []Failure
	finished bool
	summary  Summary

	stopProgress chan struct{}
	progressDone chan struct{}
	stopOnce     sync.Once
	outMu        sync.Mutex
}

// Failure is one failed item, as kept for the summary.
type Failure struct {
	Key     string
	Error   journal.ErrorInfo
	InDoubt bool
}

// Summary is what a finished job reports.
type Summary struct {
	Name                                                string
	Done, Failed, Skipped, Reconciled, Retried, InDoubt int64
	// Total is the number of items when known, -1 when not.
	Total int
	// Stopped says the job was stopped before its end.
	Stopped bool
	Elapsed time.Duration
	// Failures are the first failures (at most MaxFailuresKept); the
	// journal and the failures file have all of them.
	Failures []Failure
}

// MaxFailuresKept bounds the failures kept in memory for the summary.
const MaxFailuresKept = 1000

// Open starts a job: it opens the failures file and starts the progress
// printer. The caller must end it with Finish (or Close on an abnormal
// end).
func Open(opts Options) (*Job, error) {
	if opts.Name == "" {
		opts.Name = "job"
	}
	if opts.Concurrency < 1 {
		opts.Concurrency = 1
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Stop == nil {
		opts.Stop = context.Background()
	}
	j := &Job{
		opts:    opts,
		name:    opts.Name,
		journal: opts.Journal,
		limiter: opts.Limiter,
		now:     opts.Now,
		stop:    opts.Stop,
		running: map[string]bool{},
		paced:   map[string]bool{},
	}
	if opts.FailuresPath != "" {
		f, err := openFailures(opts.FailuresPath)
		if err != nil {
			return nil, err
		}
		j.failures = f
	}
	j.started = j.now()
	j.startProgress()
	return j, nil
}

// Name returns the job's name.
func (j *Job) Name() string { return j.name }

// Options returns the options the job runs with (defaults applied).
func (j *Job) Options() Options { return j.opts }

// Stopping reports whether the job was asked to stop.
func (j *Job) Stopping() bool { return j.stop.Err() != nil }

// Admission is what to do with an item before anything is sent for it.
type Admission int

const (
	// Send: the item is new (or failed before without being applied).
	Send Admission = iota
	// Skip: the item is done (an earlier run) or already running (a
	// duplicate key).
	Skip
	// Reconcile: an earlier run left the item in doubt; look it up with
	// the job's reconcile function before sending it again.
	Reconcile
)

func (a Admission) String() string {
	switch a {
	case Skip:
		return "skip"
	case Reconcile:
		return "reconcile"
	}
	return "send"
}

// Admit decides what to do with an item from what the journal knows of
// it. canReconcile says the job has a reconcile function. An item admitted
// for Send or Reconcile is running until Done, Fail or Abandon.
func (j *Job) Admit(key string, canReconcile bool) Admission {
	j.mu.Lock()
	if j.running[key] {
		j.mu.Unlock()
		return Skip
	}
	st := journal.StateNew
	if j.journal != nil {
		st = j.journal.Entry(j.name, key).State
	}
	if st == journal.StateDone {
		j.mu.Unlock()
		return Skip
	}
	j.running[key] = true
	j.mu.Unlock()
	if st == journal.StateInDoubt {
		if canReconcile {
			return Reconcile
		}
		j.printf("job %s: %q may have been applied by an earlier run and the job has no reconcile function: sending it again\n", j.name, key)
	}
	return Send
}

// Pace waits for the job's pace (when it has a Limiter). It returns false
// when the job was stopped while waiting: the item is then abandoned.
func (j *Job) Pace(ctx context.Context, key string) (bool, error) {
	if j.limiter == nil {
		return true, nil
	}
	// A graceful stop must not wait for the pace (which can be an hour for
	// invitations): give up the wait and say so.
	ctx, cancel := context.WithCancel(ctx)
	defer context.AfterFunc(j.stop, cancel)()
	defer cancel()
	if err := j.limiter.Acquire(ctx); err != nil {
		j.Abandon(key)
		if j.stop.Err() != nil {
			return false, nil
		}
		return false, err
	}
	j.mu.Lock()
	j.paced[key] = true
	j.mu.Unlock()
	return true, nil
}

// Start records, durably, that the item's requests are about to be sent.
func (j *Job) Start(key string) error {
	if j.journal == nil {
		return nil
	}
	return j.journal.Start(j.name, key)
}

// Abandon releases an admitted item that will not run (the job stopped).
func (j *Job) Abandon(key string) { j.release(key) }

// release ends an item's time on the job's pace limiter.
func (j *Job) release(key string) {
	j.mu.Lock()
	delete(j.running, key)
	paced := j.paced[key]
	delete(j.paced, key)
	j.mu.Unlock()
	if paced {
		j.limiter.Done(0, 0)
	}
}

// Done records a finished item; id is what it created or found, via is
// "run" or "reconcile".
func (j *Job) Done(key, id, via string) error {
	j.release(key)
	if via == "reconcile" {
		j.reconciled.Add(1)
	}
	j.done.Add(1)
	if j.journal != nil {
		return j.journal.Done(j.name, key, id, via)
	}
	return nil
}

// Fail records a failed item. inDoubt says its request may have been
// applied. item, when not nil, is written to the failures file with the
// error (it must marshal to JSON).
func (j *Job) Fail(key string, info journal.ErrorInfo, inDoubt bool, item any) error {
	j.release(key)
	j.failed.Add(1)
	if inDoubt {
		j.inDoubt.Add(1)
	}
	j.mu.Lock()
	if len(j.kept) < MaxFailuresKept {
		j.kept = append(j.kept, Failure{Key: key, Error: info, InDoubt: inDoubt})
	}
	j.mu.Unlock()
	// Every failure is written with its error as it happens: the summary
	// shows only the first ones, and a long job's failures would otherwise
	// be visible only in the journal.
	doubt := ""
	if inDoubt {
		doubt = " (in doubt: may have been applied)"
	}
	j.printf("job %s: failed %s: %s%s\n", j.name, key, info.Message, doubt)
	if j.failures != nil {
		rec := map[string]any{"job": j.name, "key": key, "error": info, "in_doubt": inDoubt}
		if item != nil {
			rec["item"] = item
		}
		j.failures.write(rec)
	}
	if j.journal != nil {
		return j.journal.Fail(j.name, key, info, inDoubt)
	}
	return nil
}

// Retrying records that an item is tried again after a failure.
func (j *Job) Retrying(key string, info journal.ErrorInfo) {
	j.retried.Add(1)
	if j.journal != nil {
		_ = j.journal.Retry(j.name, key, info)
	}
}

// Skip counts an item skipped because an earlier run finished it.
func (j *Job) Skip(string) { j.skipped.Add(1) }

// Backoff is the wait before retry number tries+1.
func (j *Job) Backoff(tries int) time.Duration {
	d := float64(j.opts.RetryDelay) * math.Pow(2, float64(tries))
	return time.Duration(math.Min(d, float64(30*time.Second)))
}

// Finish stops the progress output, makes the journal durable, prints the
// summary and returns it. fatal, when not nil, is why the job stopped
// early (reading its items failed). Later calls return the same summary.
func (j *Job) Finish(fatal error) Summary {
	j.mu.Lock()
	if j.finished {
		s := j.summary
		j.mu.Unlock()
		return s
	}
	j.finished = true
	j.mu.Unlock()
	j.haltProgress()
	if j.journal != nil {
		if err := j.journal.Sync(); err != nil {
			j.printf("job %s: %v\n", j.name, err)
		}
	}
	if j.failures != nil {
		if err := j.failures.Close(); err != nil {
			j.printf("job %s: failures file: %v\n", j.name, err)
		}
	}
	s := j.Summary()
	j.printSummary(s, fatal)
	j.mu.Lock()
	j.summary = s
	j.mu.Unlock()
	return s
}

// Close ends a job that will not Finish (its script died): it stops the
// progress printer and closes the failures file. It is a no-op after
// Finish.
func (j *Job) Close() error {
	j.haltProgress()
	if j.failures != nil {
		return j.failures.Close()
	}
	return nil
}

// Summary returns the counters so far.
func (j *Job) Summary() Summary {
	j.mu.Lock()
	kept := append([]Failure(nil), j.kept...)
	j.mu.Unlock()
	return Summary{
		Name:       j.name,
		Done:       j.done.Load(),
		Failed:     j.failed.Load(),
		Skipped:    j.skipped.Load(),
		Reconciled: j.reconciled.Load(),
		Retried:    j.retried.Load(),
		InDoubt:    j.inDoubt.Load(),
		Total:      j.opts.Total,
		Stopped:    j.Stopping(),
		Elapsed:    j.now().Sub(j.started),
		Failures:   kept,
	}
}

func (j *Job) printf(format string, args ...any) {
	j.outMu.Lock()
	defer j.outMu.Unlock()
	w := j.opts.Stderr
	if j.opts.Interactive {
		fmt.Fprint(w, "\r\033[K")
	}
	fmt.Fprintf(w, format, args...)
}

// failuresFile is the job's failures file: one JSON line per failure.
type failuresFile struct {
	mu     sync.Mutex
	f      *os.File
	bw     *bufio.Writer
	closed bool
}

func openFailures(path string) (*failuresFile, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	return &failuresFile{f: f, bw: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (w *failuresFile) write(rec map[string]any) {
	b, err := json.Marshal(rec)
	if err != nil {
		// An item that does not marshal is left out, never the failure.
		delete(rec, "item")
		if b, err = json.Marshal(rec); err != nil {
			return
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return
	}
	_, _ = w.bw.Write(append(b, '\n'))
}

func (w *failuresFile) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	err := w.bw.Flush()
	if st, serr := w.f.Stat(); serr == nil && st.Mode().IsRegular() {
		if serr := w.f.Sync(); err == nil {
			err = serr
		}
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func (w *failuresFile) name() string { return w.f.Name() }
