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
	// Tracked says every Backend API request an item makes is reported to
	// its Tracker (the JS runtime does; Go callers wrap their client's
	// transport with TrackingTransport and pass Do's context to it). The
	// journal then tells a re-run which in-doubt items had only idempotent
	// requests in flight.
	Tracked bool
	// ResendInDoubt sends again, without a lookup, items an earlier run
	// left in doubt when the job has no reconcile function. Off by
	// default: such an item may have been applied, and is reported in
	// doubt instead (summary, failures file, exit status).
	ResendInDoubt bool
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
	stop     context.Context // done on a graceful stop or a fatal error
	halt     context.CancelCauseFunc
	started  time.Time
	failures *failuresFile

	done, failed, skipped, reconciled, retried, inDoubt atomic.Int64

	mu       sync.Mutex
	running  map[string]bool
	paced    map[string]bool
	trackers map[string]*Tracker
	kept     []Failure
	finished bool
	summary  Summary
	stopErr  error // why the job stopped on its own

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
		opts:     opts,
		name:     opts.Name,
		journal:  opts.Journal,
		limiter:  opts.Limiter,
		now:      opts.Now,
		running:  map[string]bool{},
		paced:    map[string]bool{},
		trackers: map[string]*Tracker{},
	}
	if opts.FailuresPath != "" {
		f, err := openFailures(opts.FailuresPath)
		if err != nil {
			return nil, err
		}
		j.failures = f
	}
	j.stop, j.halt = context.WithCancelCause(opts.Stop)
	j.started = j.now()
	j.startProgress()
	return j, nil
}

// Name returns the job's name.
func (j *Job) Name() string { return j.name }

// Options returns the options the job runs with (defaults applied).
func (j *Job) Options() Options { return j.opts }

// Stopping reports whether the job was asked to stop, or stopped itself
// (see Err).
func (j *Job) Stopping() bool { return j.stop.Err() != nil }

// AuthError is why a job stopped on its own: the Backend API refused the
// secret key (401) or its permissions (403). Every other item would fail
// the same way, so none is started; the journal stays as it is and a
// re-run with the right key continues.
type AuthError struct {
	Job    string
	Status int
	Reason string // the API's message
}

func (e *AuthError) Error() string {
	what := "the secret key was refused (401)"
	if e.Status == 403 {
		what = "the secret key is not allowed to do this (403)"
	}
	return fmt.Sprintf("job %s stopped: %s: %s. No other item was started; check CLERK_SECRET_KEY (and CLERK_API_URL) and run again: the journal keeps what was done", e.Job, what, e.Reason)
}

// Err returns the error that stopped the job on its own (an *AuthError),
// or nil.
func (j *Job) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.stopErr
}

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
	// Hold: an earlier run left the item in doubt, the job cannot look it
	// up and the caller did not ask to re-send: call Hold, which reports
	// it in doubt without sending anything.
	Hold
)

func (a Admission) String() string {
	switch a {
	case Skip:
		return "skip"
	case Reconcile:
		return "reconcile"
	case Hold:
		return "hold"
	}
	return "send"
}

// Admit decides what to do with an item from what the journal knows of
// it. canReconcile says the job has a reconcile function. An item in doubt
// (an earlier run may have applied it) is sent again only when its
// in-flight requests were all idempotent, or when Options.ResendInDoubt
// says so; otherwise it is looked up (Reconcile) or held (Hold). An item
// admitted for anything but Skip is running until Done, Fail, Hold or
// Abandon.
func (j *Job) Admit(key string, canReconcile bool) Admission {
	j.mu.Lock()
	if j.running[key] {
		j.mu.Unlock()
		return Skip
	}
	var e journal.Entry
	if j.journal != nil {
		e = j.journal.Entry(j.name, key)
	}
	if e.State == journal.StateDone {
		j.mu.Unlock()
		return Skip
	}
	j.running[key] = true
	j.mu.Unlock()
	if e.State != journal.StateInDoubt {
		return Send
	}
	switch {
	case e.IdempotentOnly:
		j.printf("job %s: %q was interrupted by an earlier run with only idempotent requests in flight: sending it again\n", j.name, key)
		return Send
	case canReconcile:
		return Reconcile
	case j.opts.ResendInDoubt:
		j.printf("job %s: %q may have been applied by an earlier run; sending it again as asked (--resend-in-doubt)\n", j.name, key)
		return Send
	}
	return Hold
}

// HoldMessage is the error recorded for an item held in doubt.
const HoldMessage = "may have been applied by an earlier run; not sent again because the job has no reconcile function (add one, or re-send with --resend-in-doubt / resendInDoubt: true)"

// Hold reports an item admitted as Hold: it fails in doubt, nothing is
// sent, and a re-run holds it again until it is reconciled or re-sent on
// request.
func (j *Job) Hold(key string, item any) error {
	return j.Fail(key, journal.ErrorInfo{Message: HoldMessage}, true, item)
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

// Start records, durably, that the item's requests are about to be sent,
// and returns the tracker its requests report to.
func (j *Job) Start(key string) (*Tracker, error) {
	t := &Tracker{j: j, key: key}
	if j.journal != nil {
		var err error
		if j.opts.Tracked {
			err = j.journal.StartTracked(j.name, key)
		} else {
			err = j.journal.Start(j.name, key)
		}
		if err != nil {
			return nil, err
		}
	}
	j.mu.Lock()
	j.trackers[key] = t
	j.mu.Unlock()
	return t, nil
}

// Tracker returns the tracker of a started item, or nil.
func (j *Job) Tracker(key string) *Tracker {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.trackers[key]
}

// InDoubt decides whether an item's failure leaves it in doubt. errInDoubt
// is what the error says (MayHaveBeenApplied). When the item's requests
// were reported to its tracker, the tracker decides instead: the item is in
// doubt when a non-idempotent request was or may have been applied, so an
// item whose in-doubt requests were all idempotent may be retried, and an
// item that failed after a POST went through is not silently sent again.
func (j *Job) InDoubt(key string, errInDoubt bool) bool {
	if t := j.Tracker(key); t != nil && t.Seen() {
		return t.Unsafe()
	}
	return errInDoubt
}

// NotFound records that reconcile found no trace of the item: nothing was
// applied, so it may be tried again.
func (j *Job) NotFound(key string) {
	if t := j.Tracker(key); t != nil {
		t.reset()
	}
}

// Abandon releases an admitted item that will not run (the job stopped).
func (j *Job) Abandon(key string) { j.release(key) }

// release ends an item's time on the job's pace limiter.
func (j *Job) release(key string) {
	j.mu.Lock()
	delete(j.running, key)
	delete(j.trackers, key)
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
	if info.Status == 401 || info.Status == 403 {
		// Every item would fail the same way: stop the job at the first
		// one. Items already in flight fail too; they are counted and
		// journaled, not printed again.
		j.mu.Lock()
		first := j.stopErr == nil
		if first {
			j.stopErr = &AuthError{Job: j.name, Status: info.Status, Reason: info.Message}
		}
		j.mu.Unlock()
		if !first {
			j.mu.Lock()
			if n := len(j.kept); n > 0 && j.kept[n-1].Key == key {
				j.kept = j.kept[:n-1]
			}
			j.mu.Unlock()
		} else {
			j.halt(j.Err())
			j.printf("job %s: failed %s: %s\n", j.name, key, info.Message)
		}
	} else {
		j.printf("job %s: failed %s: %s%s\n", j.name, key, info.Message, doubt)
	}
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
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600) // items may hold secrets (a migrated user's TOTP secret, digests)
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
