package jsbind

import (
	"fmt"
	"io"
	"math"
	"strconv"
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
		code, ok := exitCodeOf(call.Argument(0))
		if !ok {
			panic(vm.NewTypeError("exit: the code must be an integer, got %s", describeExitCode(call.Argument(0))))
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

// exitCodeOf reads an exit code as Node (20) accepts it for process.exit
// and process.exitCode: undefined or null (0), an integer, or a string
// holding one. Anything else is refused rather than turned into 0, which
// would report a failing script as a success.
func exitCodeOf(v goja.Value) (int, bool) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return 0, true
	}
	switch x := v.Export().(type) {
	case int64:
		return int(x), true
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<31 {
			return int(x), true
		}
	case string:
		if n, err := strconv.Atoi(strings.TrimSpace(x)); err == nil && strings.TrimSpace(x) != "" {
			return n, true
		}
	}
	return 0, false
}

func describeExitCode(v goja.Value) string {
	if s, ok := v.Export().(string); ok {
		return strconv.Quote(s)
	}
	return v.String()
}
