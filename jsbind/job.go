package jsbind

import (
	"context"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dop251/goja"
)

// jobRun is the Go half of one job.run call: journal, counters, pacing,
// progress and summary. Its JS methods run on the loop; the counters are
// atomic because the progress printer reads them from its own goroutine.
type jobRun struct {
	r           *Runtime
	name        string
	journal     *Journal
	concurrency int
	retries     int
	retryDelay  float64 // ms before the first retry; doubles, capped at 30 s
	total       int
	limiter     *RateLimiter
	failuresOut *streamWriter

	done, failed, skipped, reconciled, retried, inDoubt atomic.Int64

	running  map[string]bool
	paced    map[string]bool
	failures []jobFailure
	started  time.Time
	finished bool

	stopProgress chan struct{}
	progressDone chan struct{}
	stopOnce     sync.Once
	outMu        sync.Mutex
}

type jobFailure struct {
	key  string
	info ErrorInfo
}

// maxFailuresKept bounds the failures kept in memory for the summary; the
// journal and the failures file have all of them.
const maxFailuresKept = 1000

// journalFor returns the runtime's journal for path, opening it once per
// run so several jobs of one script can share a file.
func (r *Runtime) journalFor(path string) (*Journal, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.journals == nil {
		r.journals = map[string]*Journal{}
	}
	// One file under two spellings ("j.jsonl", "./j.jsonl") is one
	// journal: a second open would fail on the lock as "in use".
	key := path
	if abs, err := filepath.Abs(path); err == nil {
		key = abs
	}
	if j, ok := r.journals[key]; ok {
		return j, nil
	}
	j, err := OpenJournal(path, r.now)
	if err != nil {
		return nil, err
	}
	r.journals[key] = j
	r.closers = append(r.closers, j)
	return j, nil
}

// openJob is native.openJob(opts, total): it validates the options and
// returns the object the prelude's job driver talks to.
func (r *Runtime) openJob(call goja.FunctionCall) goja.Value {
	vm := r.vm
	opts, _ := call.Argument(0).(*goja.Object)
	jr := &jobRun{
		r:           r,
		name:        "job",
		concurrency: r.opts.Concurrency,
		retries:     2,
		retryDelay:  1000,
		total:       int(call.Argument(1).ToInteger()),
		running:     map[string]bool{},
		paced:       map[string]bool{},
		started:     r.now(),
	}
	journalPath := ""
	journalOff := false
	if opts != nil {
		if v := opts.Get("name"); v != nil && !goja.IsUndefined(v) {
			jr.name = v.String()
		}
		if v := opts.Get("concurrency"); v != nil && !goja.IsUndefined(v) {
			n := v.ToInteger()
			if n < 1 || n > 1000 {
				r.throw(&ConversionError{Path: "concurrency", Problem: "must be between 1 and 1000"})
			}
			jr.concurrency = int(n)
		}
		if v := opts.Get("retries"); v != nil && !goja.IsUndefined(v) {
			n := v.ToInteger()
			if n < 0 || n > 100 {
				r.throw(&ConversionError{Path: "retries", Problem: "must be between 0 and 100"})
			}
			jr.retries = int(n)
		}
		if v := opts.Get("retryDelay"); v != nil && !goja.IsUndefined(v) {
			ms := v.ToFloat()
			if !(ms >= 0 && ms <= 600000) {
				r.throw(&ConversionError{Path: "retryDelay", Problem: "must be between 0 and 600000 ms"})
			}
			jr.retryDelay = ms
		}
		if v := opts.Get("journal"); v != nil && !goja.IsUndefined(v) {
			if b, isBool := v.Export().(bool); isBool {
				journalOff = !b
			} else {
				journalPath = v.String()
			}
		}
		if v := opts.Get("rate"); v != nil && !goja.IsUndefined(v) {
			n, win, err := ParseRate(v.String())
			if err != nil {
				r.throw(&ConversionError{Path: "rate", Problem: err.Error()})
			}
			jr.limiter = NewRateLimiter(n, win, nil)
		}
		if v := opts.Get("failures"); v != nil && !goja.IsUndefined(v) && v.String() != "" {
			w, _, err := openStream(v.String(), true)
			if err != nil {
				r.throw(err)
			}
			jr.failuresOut = w
			r.addCloser(w)
		}
	}
	if journalPath != "" && r.opts.JournalDir != "" {
		journalPath = filepath.Join(r.opts.JournalDir, filepath.Base(journalPath))
	}
	if r.opts.Journal != "" && !journalOff {
		// The command line's --journal wins over the script's default.
		journalPath = r.opts.Journal
	}
	if journalPath != "" {
		j, err := r.journalFor(journalPath)
		if err != nil {
			r.throw(err)
		}
		jr.journal = j
	}
	r.activeJobs.Add(1)
	jr.startProgress()
	// A script that dies before the job finishes must not leave the
	// progress printer running (and printing) after the run.
	r.addCloser(progressStopper{jr})

	o := vm.NewObject()
	_ = o.Set("concurrency", jr.concurrency)
	_ = o.Set("retries", jr.retries)
	_ = o.Set("stopping", func(goja.FunctionCall) goja.Value { return vm.ToValue(r.stopping.Load()) })
	_ = o.Set("state", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		if jr.running[key] {
			return vm.ToValue("running")
		}
		if jr.journal == nil {
			return vm.ToValue("new")
		}
		return vm.ToValue(jr.journal.Entry(jr.name, key).State.String())
	})
	_ = o.Set("start", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		jr.running[key] = true
		j := jr.journal
		return r.async(func(context.Context) (any, error) {
			if j == nil {
				return nil, nil
			}
			// Durable before the request may leave the machine.
			return nil, j.Start(jr.name, key)
		}, nil)
	})
	_ = o.Set("pace", func(c goja.FunctionCall) goja.Value {
		if jr.limiter == nil {
			p, resolve, _ := vm.NewPromise()
			_ = resolve(true)
			return vm.ToValue(p)
		}
		key := c.Argument(0).String()
		lim := jr.limiter
		stopCtx := r.stopCtx
		return r.async(func(ctx context.Context) (any, error) {
			// A graceful stop must not wait for the pace (which can be an
			// hour for invitations): give up the wait and say so.
			ctx, cancel := context.WithCancel(ctx)
			defer context.AfterFunc(stopCtx, cancel)()
			defer cancel()
			if err := lim.Acquire(ctx); err != nil {
				if stopCtx.Err() != nil && r.ctx.Err() == nil {
					return false, nil
				}
				return nil, err
			}
			return true, nil
		}, func(res any) (goja.Value, error) {
			if res.(bool) {
				jr.paced[key] = true
			}
			return vm.ToValue(res), nil
		})
	})
	_ = o.Set("done", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		via := c.Argument(2).String()
		jr.release(key)
		// The result is the script's value (possibly a Proxy or a
		// getter that throws): the item is done whatever its id reads as.
		var id string
		vm.Try(func() { id = resultID(c.Argument(1)) })
		if via == "reconcile" {
			jr.reconciled.Add(1)
		}
		jr.done.Add(1)
		if jr.journal != nil {
			if err := jr.journal.Done(jr.name, key, id, via); err != nil {
				r.throw(err)
			}
		}
		return goja.Undefined()
	})
	_ = o.Set("fail", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		info := jsErrorInfo(vm, c.Argument(1))
		inDoubt := c.Argument(3).ToBoolean()
		jr.release(key)
		jr.failed.Add(1)
		if inDoubt {
			jr.inDoubt.Add(1)
		}
		if len(jr.failures) < maxFailuresKept {
			jr.failures = append(jr.failures, jobFailure{key: key, info: info})
		}
		// Every failure is written with its error as it happens: the
		// summary shows only the first ones, and a long job's failures
		// would otherwise be visible only in the journal.
		doubt := ""
		if inDoubt {
			doubt = " (in doubt: may have been applied)"
		}
		jr.printf("job %s: failed %s: %s%s\n", jr.name, key, info.Message, doubt)
		if jr.journal != nil {
			if err := jr.journal.Fail(jr.name, key, info, inDoubt); err != nil {
				r.throw(err)
			}
		}
		if jr.failuresOut != nil {
			rec := map[string]any{"job": jr.name, "key": key, "error": info, "in_doubt": inDoubt}
			vm.Try(func() {
				if item, err := exportFree(vm, c.Argument(2), "item", 0); err == nil {
					rec["item"] = item
				}
			})
			if b, err := jsonLine(rec); err == nil {
				jr.failuresOut.mu.Lock()
				_, _ = jr.failuresOut.bw.Write(b)
				jr.failuresOut.mu.Unlock()
			}
		}
		return goja.Undefined()
	})
	_ = o.Set("retrying", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		jr.retried.Add(1)
		if jr.journal != nil {
			_ = jr.journal.Retry(jr.name, key, jsErrorInfo(vm, c.Argument(1)))
		}
		return goja.Undefined()
	})
	_ = o.Set("skip", func(goja.FunctionCall) goja.Value {
		jr.skipped.Add(1)
		return goja.Undefined()
	})
	_ = o.Set("warnInDoubt", func(c goja.FunctionCall) goja.Value {
		jr.printf("job %s: %q may have been applied by an earlier run and the job has no reconcile function: sending it again\n", jr.name, c.Argument(0).String())
		return goja.Undefined()
	})
	_ = o.Set("backoff", func(c goja.FunctionCall) goja.Value {
		tries := c.Argument(0).ToInteger()
		ms := jr.retryDelay * math.Pow(2, float64(tries))
		return vm.ToValue(math.Min(ms, 30000))
	})
	_ = o.Set("finish", func(c goja.FunctionCall) goja.Value {
		return jr.finish(c.Argument(0))
	})
	return o
}

// release ends an item's time on the job's pace limiter.
func (jr *jobRun) release(key string) {
	delete(jr.running, key)
	if jr.paced[key] {
		delete(jr.paced, key)
		jr.limiter.Done(0, 0)
	}
}

// resultID is what the journal keeps of an item's result: its id, or the
// value itself when it is a string.
func resultID(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	if o, ok := v.(*goja.Object); ok {
		if id := o.Get("id"); id != nil && !goja.IsUndefined(id) && !goja.IsNull(id) {
			return id.String()
		}
		return ""
	}
	if s, ok := v.Export().(string); ok {
		return s
	}
	return ""
}

// jsErrorInfo reads message, status, code and trace id from a thrown value.
// Scripts can throw anything (an object without a prototype, a Proxy, a
// getter that throws): every read is guarded, because an exception here
// would escape the job driver and abort the whole job.
func jsErrorInfo(vm *goja.Runtime, v goja.Value) ErrorInfo {
	if v == nil || goja.IsUndefined(v) {
		return ErrorInfo{Message: "undefined"}
	}
	str := func(x goja.Value) string {
		s := "(a thrown value that cannot be converted to a string)"
		vm.Try(func() { s = x.String() })
		return s
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return ErrorInfo{Message: str(v)}
	}
	get := func(o *goja.Object, name string) goja.Value {
		var out goja.Value
		vm.Try(func() { out = o.Get(name) })
		if out == nil || goja.IsUndefined(out) || goja.IsNull(out) {
			return nil
		}
		return out
	}
	info := ErrorInfo{}
	if m := get(o, "message"); m != nil {
		info.Message = str(m)
		if n := get(o, "name"); n != nil && str(n) != "Error" {
			info.Message = str(n) + ": " + info.Message
		}
	} else {
		info.Message = str(o)
	}
	if s := get(o, "status"); s != nil {
		vm.Try(func() { info.Status = int(s.ToInteger()) })
	}
	if errs, ok := get(o, "errors").(*goja.Object); ok {
		if first, ok := get(errs, "0").(*goja.Object); ok {
			if c := get(first, "code"); c != nil {
				info.Code = str(c)
			}
		}
	}
	if t := get(o, "clerkTraceId"); t != nil {
		info.TraceID = str(t)
	}
	return info
}

func (jr *jobRun) printf(format string, args ...any) {
	jr.outMu.Lock()
	defer jr.outMu.Unlock()
	w := jr.r.opts.Stderr
	if jr.r.opts.Interactive {
		fmt.Fprint(w, "\r\033[K")
	}
	fmt.Fprintf(w, format, args...)
}

// progressLine renders the counters: done, failed, skipped, rate and ETA.
func progressLine(name string, total int, done, failed, skipped int64, elapsed time.Duration) string {
	var b strings.Builder
	processed := done + failed
	seen := processed + skipped
	fmt.Fprintf(&b, "job %s: ", name)
	if total >= 0 {
		fmt.Fprintf(&b, "%d/%d", seen, total)
	} else {
		fmt.Fprintf(&b, "%d", seen)
	}
	fmt.Fprintf(&b, " (%d done, %d failed, %d skipped)", done, failed, skipped)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(processed) / elapsed.Seconds()
	}
	fmt.Fprintf(&b, " %.1f/s", rate)
	if total >= 0 && rate > 0 {
		left := float64(int64(total)-seen) / rate
		if left < 0 {
			left = 0
		}
		fmt.Fprintf(&b, " ETA %s", time.Duration(left*float64(time.Second)).Round(time.Second))
	}
	return b.String()
}

// progressBar renders a fixed-width bar for terminals.
func progressBar(total int, seen int64) string {
	const width = 24
	if total <= 0 {
		return ""
	}
	filled := int(float64(width) * float64(seen) / float64(total))
	filled = max(0, min(width, filled))
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "] "
}

func (jr *jobRun) render() string {
	el := jr.r.now().Sub(jr.started)
	line := progressLine(jr.name, jr.total, jr.done.Load(), jr.failed.Load(), jr.skipped.Load(), el)
	if jr.r.opts.Interactive {
		line = progressBar(jr.total, jr.done.Load()+jr.failed.Load()+jr.skipped.Load()) + line
	}
	return line
}

func (jr *jobRun) startProgress() {
	jr.stopProgress = make(chan struct{})
	jr.progressDone = make(chan struct{})
	every := jr.r.opts.ProgressInterval
	if jr.r.opts.Interactive {
		every = 200 * time.Millisecond
	}
	go func() {
		defer close(jr.progressDone)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-jr.stopProgress:
				return
			case <-t.C:
				line := jr.render()
				jr.outMu.Lock()
				if jr.r.opts.Interactive {
					fmt.Fprint(jr.r.opts.Stderr, "\r\033[K"+line)
				} else {
					fmt.Fprintln(jr.r.opts.Stderr, line)
				}
				jr.outMu.Unlock()
			}
		}
	}()
}

// haltProgress stops the progress printer and waits for it to exit.
func (jr *jobRun) haltProgress() {
	jr.stopOnce.Do(func() { close(jr.stopProgress) })
	<-jr.progressDone
}

// progressStopper halts a job's progress printer when the run ends.
type progressStopper struct{ jr *jobRun }

func (p progressStopper) Close() error {
	p.jr.haltProgress()
	return nil
}

// finish stops the progress output, makes the journal durable, prints the
// summary and returns it to the script.
func (jr *jobRun) finish(fatal goja.Value) goja.Value {
	vm := jr.r.vm
	if !jr.finished {
		jr.finished = true
		jr.haltProgress()
		jr.r.removeCloser(progressStopper{jr})
		jr.r.activeJobs.Add(-1)
		if jr.journal != nil {
			jr.journal.mu.Lock()
			seq := jr.journal.written
			jr.journal.mu.Unlock()
			if err := jr.journal.sync(seq); err != nil {
				jr.printf("job %s: %v\n", jr.name, err)
			}
		}
		if jr.failuresOut != nil {
			jr.failuresOut.mu.Lock()
			_ = jr.failuresOut.bw.Flush()
			jr.failuresOut.mu.Unlock()
		}
		jr.printSummary(jr.r.opts.Stderr, fatal)
	}
	el := jr.r.now().Sub(jr.started)
	s := vm.NewObject()
	_ = s.Set("name", jr.name)
	_ = s.Set("done", jr.done.Load())
	_ = s.Set("failed", jr.failed.Load())
	_ = s.Set("skipped", jr.skipped.Load())
	_ = s.Set("reconciled", jr.reconciled.Load())
	_ = s.Set("retried", jr.retried.Load())
	_ = s.Set("inDoubt", jr.inDoubt.Load())
	_ = s.Set("stopped", jr.r.stopping.Load())
	_ = s.Set("elapsedMs", el.Milliseconds())
	if jr.total >= 0 {
		_ = s.Set("total", jr.total)
	}
	fs := make([]any, 0, len(jr.failures))
	for _, f := range jr.failures {
		o := vm.NewObject()
		_ = o.Set("key", f.key)
		e := vm.NewObject()
		_ = e.Set("message", f.info.Message)
		if f.info.Status != 0 {
			_ = e.Set("status", f.info.Status)
		}
		if f.info.Code != "" {
			_ = e.Set("code", f.info.Code)
		}
		_ = o.Set("error", e)
		fs = append(fs, o)
	}
	_ = s.Set("failures", vm.NewArray(fs...))
	return s
}

func (jr *jobRun) printSummary(w io.Writer, fatal goja.Value) {
	jr.outMu.Lock()
	defer jr.outMu.Unlock()
	if jr.r.opts.Interactive {
		fmt.Fprint(w, "\r\033[K")
	}
	el := jr.r.now().Sub(jr.started).Round(time.Millisecond)
	fmt.Fprintf(w, "job %s: finished in %s: %d done", jr.name, el, jr.done.Load())
	if n := jr.reconciled.Load(); n > 0 {
		fmt.Fprintf(w, " (%d found by reconcile)", n)
	}
	fmt.Fprintf(w, ", %d failed", jr.failed.Load())
	if n := jr.inDoubt.Load(); n > 0 {
		fmt.Fprintf(w, " (%d in doubt)", n)
	}
	fmt.Fprintf(w, ", %d skipped (done before)", jr.skipped.Load())
	if n := jr.retried.Load(); n > 0 {
		fmt.Fprintf(w, ", %d retries", n)
	}
	fmt.Fprintln(w)
	if jr.r.stopping.Load() {
		fmt.Fprintf(w, "job %s: stopped before the end; run it again to continue\n", jr.name)
	}
	if fatal != nil && !goja.IsUndefined(fatal) && !goja.IsNull(fatal) {
		fmt.Fprintf(w, "job %s: stopped: reading items failed: %s\n", jr.name, jsErrorInfo(jr.r.vm, fatal).Message)
	}
	const show = 20
	for i, f := range jr.failures {
		if i == show {
			where := "above"
			switch {
			case jr.failuresOut != nil:
				where = "in " + jr.failuresOut.f.Name()
			case jr.journal != nil:
				where = "above and in the journal"
			}
			fmt.Fprintf(w, "  ... and %d more (every failure is listed %s)\n", int(jr.failed.Load())-show, where)
			break
		}
		fmt.Fprintf(w, "  failed %s: %s\n", f.key, f.info.Message)
	}
	if jr.journal != nil {
		note := ""
		if d := jr.r.opts.JournalDir; d != "" && filepath.Dir(jr.journal.Path()) == filepath.Clean(d) {
			note = " (temporary, removed at exit)"
		}
		fmt.Fprintf(w, "job %s: journal %s%s\n", jr.name, jr.journal.Path(), note)
	}
}
