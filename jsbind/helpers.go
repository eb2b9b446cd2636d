package jsbind

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// installGlobals registers args, env, sleep and exit.
func (r *Runtime) installGlobals() {
	vm := r.vm
	args := make([]any, len(r.opts.Args))
	for i, a := range r.opts.Args {
		args[i] = a
	}
	_ = vm.Set("args", vm.NewArray(args...))
	env := vm.NewObject()
	for _, kv := range r.opts.Env {
		k, v, ok := strings.Cut(kv, "=")
		if ok && k != "" {
			_ = env.Set(k, v)
		}
	}
	_ = vm.Set("env", env)
	_ = vm.Set("sleep", func(call goja.FunctionCall) goja.Value { return r.sleep(call.Argument(0)) })
	_ = vm.Set("exit", func(call goja.FunctionCall) goja.Value {
		code := 0
		if a := call.Argument(0); !goja.IsUndefined(a) {
			code = int(a.ToInteger())
		}
		r.exitCode = code
		r.exited = true
		r.vm.Interrupt(exitSignal{code: code})
		return goja.Undefined()
	})
}

// sleep returns a promise resolved after ms milliseconds.
func (r *Runtime) sleep(arg goja.Value) goja.Value {
	ms := arg.ToFloat()
	if ms != ms || ms < 0 {
		ms = 0
	}
	d := time.Duration(ms * float64(time.Millisecond))
	p, resolve, _ := r.vm.NewPromise()
	enqueue := r.loop.RegisterCallback()
	ctx := r.ctx
	go func() {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			enqueue(func() error { return resolve(goja.Undefined()) })
		case <-ctx.Done():
			// The run is being aborted: release the registration only.
			enqueue(func() error { return nil })
		}
	}()
	return r.vm.ToValue(p)
}

// installConsole registers console.log/info/debug (stdout) and
// console.warn/error (stderr).
func (r *Runtime) installConsole() {
	vm := r.vm
	console := vm.NewObject()
	out := func(w io.Writer) func(goja.FunctionCall) goja.Value {
		return func(call goja.FunctionCall) goja.Value {
			parts := make([]string, len(call.Arguments))
			for i, a := range call.Arguments {
				parts[i] = r.inspect(a)
			}
			fmt.Fprintln(w, strings.Join(parts, " "))
			return goja.Undefined()
		}
	}
	_ = console.Set("log", out(r.opts.Stdout))
	_ = console.Set("info", out(r.opts.Stdout))
	_ = console.Set("debug", out(r.opts.Stdout))
	_ = console.Set("warn", out(r.opts.Stderr))
	_ = console.Set("error", out(r.opts.Stderr))
	_ = vm.Set("console", console)
}

// inspect renders a value for console output: strings raw, errors with
// their stack, other objects as JSON.
func (r *Runtime) inspect(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if goja.IsNull(v) {
		return "null"
	}
	o, ok := v.(*goja.Object)
	if !ok {
		return v.String()
	}
	if _, isFn := goja.AssertFunction(v); isFn {
		return "[Function]"
	}
	if errCtor, ok := r.vm.Get("Error").(*goja.Object); ok {
		if r.vm.InstanceOf(o, errCtor) {
			return cleanStack(describeValue(o))
		}
	}
	if o.ClassName() == "Date" {
		return o.String()
	}
	b, err := o.MarshalJSON()
	if err != nil {
		return o.String()
	}
	return string(b)
}
