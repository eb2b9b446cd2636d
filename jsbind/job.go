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
	jr := &jobRun{r: r, job: eng}
	r.activeJobs.Add(1)
	// A script that dies before the job finishes must not leave the
	// progress printer running (and printing) after the run.
	r.addCloser(eng)

	o := vm.NewObject()
	_ = o.Set("concurrency", eng.Options().Concurrency)
	_ = o.Set("retries", eng.Options().Retries)
	_ = o.Set("stopping", func(goja.FunctionCall) goja.Value { return vm.ToValue(r.stopping.Load()) })
	_ = o.Set("admit", func(c goja.FunctionCall) goja.Value {
		return vm.ToValue(eng.Admit(c.Argument(0).String(), c.Argument(1).ToBoolean()).String())
	})
	_ = o.Set("start", func(c goja.FunctionCall) goja.Value {
		key := c.Argument(0).String()
		return r.async(func(context.Context) (any, error) {
			// Durable before the request may leave the machine.
			return nil, eng.Start(key)
		}, nil)
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
		var item any
		if jo.FailuresPath != "" {
			vm.Try(func() {
				if v, err := exportFree(vm, c.Argument(2), "item", 0); err == nil {
					item = v
				}
			})
		}
		if err := eng.Fail(key, info, inDoubt, item); err != nil {
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
