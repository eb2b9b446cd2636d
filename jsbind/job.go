package jsbind

import (
	"context"
	"errors"
	"path/filepath"
	"time"

	"github.com/clerkscript/clerkscript/internal/job"
	"github.com/clerkscript/clerkscript/internal/journal"
	"github.com/clerkscript/clerkscript/internal/ratelimit"
	"github.com/dop251/goja"
)

// jobRun is the JS half of one job.run call: the engine (internal/job)
// keeps the journal, counters, pace, progress and summary; this binds its
// methods for the prelude's job driver, which runs on the loop.
type jobRun struct {
	r        *Runtime
	job      *job.Job
	finished bool
}

// journalFor returns the runtime's journal for path, opening it once per
// run so several jobs of one script can share a file.
func (r *Runtime) journalFor(path string) (*journal.Journal, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.journals == nil {
		r.journals = map[string]*journal.Journal{}
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
	j, err := journal.Open(path, r.now)
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
	jo := job.Options{
		Name:             "job",
		Concurrency:      r.opts.Concurrency,
		Retries:          2,
		RetryDelay:       time.Second,
		Total:            int(call.Argument(1).ToInteger()),
		Stderr:           r.opts.Stderr,
		Interactive:      r.opts.Interactive,
		ProgressInterval: r.opts.ProgressInterval,
		Now:              r.now,
		Stop:             r.stopCtx,
		// Every clerk call of an item reports to its tracker.
		Tracked:       true,
		ResendInDoubt: r.opts.ResendInDoubt,
	}
	journalPath := ""
	journalOff := false
	if opts != nil {
		if v := opts.Get("name"); v != nil && !goja.IsUndefined(v) {
			jo.Name = v.String()
		}
		if v := opts.Get("concurrency"); v != nil && !goja.IsUndefined(v) {
			n := v.ToInteger()
			if n < 1 || n > 1000 {
				r.throw(&ConversionError{Path: "concurrency", Problem: "must be between 1 and 1000"})
			}
			jo.Concurrency = int(n)
		}
		if v := opts.Get("retries"); v != nil && !goja.IsUndefined(v) {
			n := v.ToInteger()
			if n < 0 || n > 100 {
				r.throw(&ConversionError{Path: "retries", Problem: "must be between 0 and 100"})
			}
			jo.Retries = int(n)
		}
		if v := opts.Get("retryDelay"); v != nil && !goja.IsUndefined(v) {
			ms := v.ToFloat()
			if !(ms >= 0 && ms <= 600000) {
				r.throw(&ConversionError{Path: "retryDelay", Problem: "must be between 0 and 600000 ms"})
			}
			jo.RetryDelay = time.Duration(ms * float64(time.Millisecond))
		}
		if v := opts.Get("journal"); v != nil && !goja.IsUndefined(v) {
			if b, isBool := v.Export().(bool); isBool {
				journalOff = !b
			} else {
				journalPath = v.String()
			}
		}
		if v := opts.Get("rate"); v != nil && !goja.IsUndefined(v) {
			n, win, err := ratelimit.ParseRate(v.String())
			if err != nil {
				r.throw(&ConversionError{Path: "rate", Problem: err.Error()})
			}
			jo.Limiter = ratelimit.New(n, win, nil)
		}
		if v := opts.Get("resendInDoubt"); v != nil && !goja.IsUndefined(v) {
			jo.ResendInDoubt = jo.ResendInDoubt || v.ToBoolean()
		}
		if v := opts.Get("failures"); v != nil && !goja.IsUndefined(v) && v.String() != "" {
			jo.FailuresPath = v.String()
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
		jo.Journal = j
		if d := r.opts.JournalDir; d != "" && filepath.Dir(j.Path()) == filepath.Clean(d) {
			jo.TemporaryJournal = true
		}
	}
	eng, err := job.Open(jo)
	if err != nil {
		r.throw(err)
	}
	if r.loop.tracker == nil {
		r.vm.SetAsyncContextTracker(&r.items)
		r.loop.tracker = &r.items
	}
	jr := &jobRun{r: r, job: eng}
	r.activeJobs.Add(1)
	// A script that dies before the job finishes must not leave the
	// progress printer running (and printing) after the run.
	r.addCloser(eng)

	o := vm.NewObject()
	_ = o.Set("concurrency", eng.Options().Concurrency)
	_ = o.Set("retries", eng.Options().Retries)
	_ = o.Set("stopping", func(goja.FunctionCall) goja.Value { return vm.ToValue(eng.Stopping()) })
	_ = o.Set("stopError", func(goja.FunctionCall) goja.Value {
		// Why the job stopped on its own (a 401/403), as the error
		// job.run rejects with.
		if err := eng.Err(); err != nil {
			return vm.ToValue(err.Error())
		}
		return goja.Undefined()
	})
	_ = o.Set("admit", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(eng.Admit(c.Argument(0).String(), c.Argument(1).ToBoolean()).String())
	})
	_ = o.Set("start", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		return r.async(func(context.Context) (any, error) {
			// Durable before the request may leave the machine.
			_, err := eng.Start(key)
			return nil, err
		}, nil)
	})
	_ = o.Set("call", func(c goja.FunctionCall) goja.Value {
		fn, ok := goja.AssertFunction(c.Argument(1))
		if !ok {
			panic(vm.NewTypeError("job.run: not a function"))
		}
		// The item's tracker is the async context of everything fn
		// starts (see itemScope): its clerk calls report to it.
		prev := r.items.cur
		r.items.cur = eng.Tracker(c.Argument(0).String())
		defer func() { r.items.cur = prev }()
		v, err := fn(goja.Undefined(), c.Argument(2))
		if err != nil {
			panic(err)
		}
		return v
	})
	_ = o.Set("inDoubt", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(eng.InDoubt(c.Argument(0).String(), c.Argument(1).ToBoolean()))
	})
	_ = o.Set("notFound", func(c goja.FunctionCall) goja.Value {
		eng.NotFound(c.Argument(0).String())
		return goja.Undefined()
	})
	_ = o.Set("hold", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		if err := eng.Hold(key, jr.failureItem(c.Argument(1))); err != nil {
			r.throw(err)
		}
		return goja.Undefined()
	})
	_ = o.Set("pace", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		return r.async(func(ctx context.Context) (any, error) {
			return eng.Pace(ctx, key)
		}, func(res any) (goja.Value, error) {
			return vm.ToValue(res), nil
		})
	})
	_ = o.Set("done", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		via := c.Argument(2).String()
		// The result is the script's value (possibly a Proxy or a
		// getter that throws): the item is done whatever its id reads as.
		var id string
		vm.Try(func() { id = resultID(c.Argument(1)) })
		if err := eng.Done(key, id, via); err != nil {
			r.throw(err)
		}
		return goja.Undefined()
	})
	_ = o.Set("fail", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		info := jsErrorInfo(vm, c.Argument(1))
		inDoubt := c.Argument(3).ToBoolean()
		if err := eng.Fail(key, info, inDoubt, jr.failureItem(c.Argument(2))); err != nil {
			r.throw(err)
		}
		return goja.Undefined()
	})
	_ = o.Set("retrying", func(c goja.FunctionCall) goja.Value {
		eng.Retrying(c.Argument(0).String(), jsErrorInfo(vm, c.Argument(1)))
		return goja.Undefined()
	})
	_ = o.Set("skip", func(c goja.FunctionCall) goja.Value {
		eng.Skip(c.Argument(0).String())
		return goja.Undefined()
	})
	_ = o.Set("backoff", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(float64(eng.Backoff(int(c.Argument(0).ToInteger()))) / float64(time.Millisecond))
	})
	_ = o.Set("finish", func(c goja.FunctionCall) goja.Value {
		return jr.finish(c.Argument(0))
	})
	return o
}

// failureItem is what the failures file keeps of an item: its JSON value,
// when the job has a failures file and the item converts.
func (jr *jobRun) failureItem(v goja.Value) any {
	if jr.job.Options().FailuresPath == "" {
		return nil
	}
	var item any
	jr.r.vm.Try(func() {
		if x, err := exportFree(jr.r.vm, v, "item", 0); err == nil {
			item = x
		}
	})
	return item
}

// itemScope is the runtime's goja.AsyncContextTracker: the async context is
// the job item (its tracker) whose code is running, carried across await
// and promise callbacks (and timers, by the loop), so a clerk call knows
// which item made it.
type itemScope struct{ cur *job.Tracker }

func (s *itemScope) Grab() any { return s.cur }

func (s *itemScope) Resumed(v any) { s.cur, _ = v.(*job.Tracker) }

func (s *itemScope) Exited() { s.cur = nil }

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
func jsErrorInfo(vm *goja.Runtime, v goja.Value) journal.ErrorInfo {
	if v == nil || goja.IsUndefined(v) {
		return journal.ErrorInfo{Message: "undefined"}
	}
	str := func(x goja.Value) string {
		s := "(a thrown value that cannot be converted to a string)"
		vm.Try(func() { s = x.String() })
		return s
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return journal.ErrorInfo{Message: str(v)}
	}
	get := func(o *goja.Object, name string) goja.Value {
		var out goja.Value
		vm.Try(func() { out = o.Get(name) })
		if out == nil || goja.IsUndefined(out) || goja.IsNull(out) {
			return nil
		}
		return out
	}
	info := journal.ErrorInfo{}
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

// finish ends the job (progress, journal, summary) and returns the summary
// to the script.
func (jr *jobRun) finish(fatal goja.Value) goja.Value {
	vm := jr.r.vm
	var ferr error
	if fatal != nil && !goja.IsUndefined(fatal) && !goja.IsNull(fatal) {
		ferr = errors.New(jsErrorInfo(vm, fatal).Message)
	}
	first := !jr.finished
	jr.finished = true
	sum := jr.job.Finish(ferr)
	if first {
		jr.r.inDoubt.Add(sum.InDoubt)
		jr.r.removeCloser(jr.job)
		jr.r.activeJobs.Add(-1)
	}
	s := vm.NewObject()
	_ = s.Set("name", sum.Name)
	_ = s.Set("done", sum.Done)
	_ = s.Set("failed", sum.Failed)
	_ = s.Set("skipped", sum.Skipped)
	_ = s.Set("reconciled", sum.Reconciled)
	_ = s.Set("retried", sum.Retried)
	_ = s.Set("inDoubt", sum.InDoubt)
	_ = s.Set("stopped", sum.Stopped)
	_ = s.Set("elapsedMs", sum.Elapsed.Milliseconds())
	if sum.Total >= 0 {
		_ = s.Set("total", sum.Total)
	}
	fs := make([]any, 0, len(sum.Failures))
	for _, f := range sum.Failures {
		o := vm.NewObject()
		_ = o.Set("key", f.Key)
		e := vm.NewObject()
		_ = e.Set("message", f.Error.Message)
		if f.Error.Status != 0 {
			_ = e.Set("status", f.Error.Status)
		}
		if f.Error.Code != "" {
			_ = e.Set("code", f.Error.Code)
		}
		_ = o.Set("error", e)
		fs = append(fs, o)
	}
	_ = s.Set("failures", vm.NewArray(fs...))
	return s
}
