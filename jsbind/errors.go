package jsbind

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/job"
	"github.com/dop251/goja"
)

// preludeName is the source name of the built-in JS; its frames are hidden
// from the stacks shown to users.
const preludeName = "clerkscript:prelude.js"

// bundleName is the name of the bundled program. Positions in the user's
// files are mapped back through the source map; what stays under this name
// is esbuild's helper code, hidden like the prelude. It has no directory
// and no URL scheme so that the source map's relative paths resolve to
// themselves.
const bundleName = "clerkscript-bundle.js"

// internalFrame tells whether a stack frame's file is clerkscript's own
// code (the prelude, esbuild's helpers, the built-in modules).
func internalFrame(file string) bool {
	return strings.HasPrefix(file, "clerkscript:") || file == bundleName
}

// mayHaveBeenApplied tells whether a failed request might still have been
// processed by Clerk: a job must then reconcile before sending it again.
func mayHaveBeenApplied(err error) bool {
	var convErr *ConversionError
	if errors.As(err, &convErr) {
		return false
	}
	return job.MayHaveBeenApplied(err)
}

// toJSError turns a Go error into the JS value a promise rejects with: a
// ClerkAPIError for API errors, a TypeError for bad parameters and an Error
// otherwise. stack is the call site captured when the script made the call,
// because by the time the response arrives the JS stack is the event loop's.
func (r *Runtime) toJSError(err error, stack []goja.StackFrame) goja.Value {
	vm := r.vm
	var obj *goja.Object
	var apiErr *core.APIError
	var convErr *ConversionError
	var paramErr *core.ParamError
	var unknownErr *core.UnknownOperationError
	var tokErr *core.TokenVerificationError
	switch {
	case errors.As(err, &tokErr):
		obj = r.verifyError(err, "TokenVerificationError")
	case errors.As(err, &apiErr):
		obj = r.newAPIError(apiErr)
	case errors.As(err, &convErr), errors.As(err, &paramErr), errors.As(err, &unknownErr):
		obj = r.newError("TypeError", err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		obj = r.newError("Error", "timed out: "+err.Error())
		_ = obj.Set("code", "ETIMEDOUT")
	case errors.Is(err, context.Canceled):
		obj = r.newError("Error", "aborted: "+err.Error())
		_ = obj.Set("code", "ABORTED")
	default:
		obj = r.newError("Error", err.Error())
	}
	_ = obj.Set("mayHaveBeenApplied", mayHaveBeenApplied(err))
	if stack != nil {
		setStack(vm, obj, stack)
	}
	return obj
}

func (r *Runtime) newError(ctorName, msg string) *goja.Object {
	ctor, ok := goja.AssertConstructor(r.vm.Get(ctorName))
	if !ok {
		return r.vm.NewGoError(errors.New(msg))
	}
	obj, err := ctor(nil, r.vm.ToValue(msg))
	if err != nil {
		return r.vm.NewGoError(errors.New(msg))
	}
	return obj
}

func (r *Runtime) newAPIError(e *core.APIError) *goja.Object {
	vm := r.vm
	msg := e.Error()
	items := make([]any, 0, len(e.Errors))
	for _, it := range e.Errors {
		o := vm.NewObject()
		_ = o.Set("code", it.Code)
		_ = o.Set("message", it.Message)
		_ = o.Set("longMessage", it.LongMessage)
		var meta goja.Value = goja.Undefined()
		if len(it.Meta) > 0 {
			// meta is Clerk's free-form detail: keys pass through untouched.
			if v, err := fromWire(vm, it.Meta, freeShape{}); err == nil {
				meta = v
			}
		}
		_ = o.Set("meta", meta)
		items = append(items, o)
	}
	init := vm.NewObject()
	_ = init.Set("status", e.StatusCode)
	_ = init.Set("statusText", http.StatusText(e.StatusCode))
	_ = init.Set("errors", vm.NewArray(items...))
	if e.TraceID != "" {
		_ = init.Set("clerkTraceId", e.TraceID)
	}
	if e.RetryAfter > 0 {
		_ = init.Set("retryAfter", e.RetryAfter.Seconds())
	}
	_ = init.Set("operation", e.Operation)
	ctor, ok := goja.AssertConstructor(vm.Get("ClerkAPIError"))
	if !ok {
		return vm.NewGoError(e)
	}
	obj, err := ctor(nil, vm.ToValue(msg), init)
	if err != nil {
		return vm.NewGoError(e)
	}
	return obj
}

// freeShape marks a whole value as user data.
type freeShape struct{}

func (freeShape) field(string) shape     { return freeShape{} }
func (freeShape) wireName(string) string { return "" }
func (freeShape) elem() shape            { return freeShape{} }
func (freeShape) freeForm() bool         { return true }
func (freeShape) kind() string           { return "" }

// setStack replaces an error's stack with the script frames captured at the
// call site.
func setStack(vm *goja.Runtime, obj *goja.Object, frames []goja.StackFrame) {
	var b strings.Builder
	name := obj.Get("name")
	msg := obj.Get("message")
	if name != nil && !goja.IsUndefined(name) {
		b.WriteString(name.String())
	} else {
		b.WriteString("Error")
	}
	if msg != nil && !goja.IsUndefined(msg) && msg.String() != "" {
		b.WriteString(": ")
		b.WriteString(msg.String())
	}
	writeFrames(&b, frames)
	_ = obj.DefineDataProperty("stack", vm.ToValue(b.String()), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
}

func writeFrames(b *strings.Builder, frames []goja.StackFrame) {
	for i := range frames {
		f := &frames[i]
		if f.SrcName() == "" || f.SrcName() == preludeName {
			continue
		}
		pos := f.Position()
		if pos.Filename == "" || internalFrame(pos.Filename) {
			continue
		}
		b.WriteString("\n    at ")
		if fn := f.FuncName(); fn != "" && fn != "<anonymous>" {
			b.WriteString(fn)
			b.WriteString(" (")
			writePos(b, pos.Filename, pos.Line, pos.Column)
			b.WriteString(")")
		} else {
			writePos(b, pos.Filename, pos.Line, pos.Column)
		}
	}
}

func writePos(b *strings.Builder, file string, line, col int) {
	b.WriteString(file)
	b.WriteString(":")
	b.WriteString(strconv.Itoa(line))
	b.WriteString(":")
	b.WriteString(strconv.Itoa(col))
}

// cleanStack drops clerkscript's own frames (the prelude, esbuild's
// helpers, Go functions) from a goja stack string, so users see their own
// file:line:column first, and drops goja's program counters ("(12)").
func cleanStack(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if i > 0 && strings.HasPrefix(t, "at ") {
			if strings.Contains(l, preludeName) || strings.Contains(l, bundleName+":") ||
				strings.Contains(l, "clerkscript:") || strings.HasSuffix(t, "(native)") {
				continue
			}
			l = pcSuffix.ReplaceAllString(l, "$1")
		}
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// pcSuffix matches goja's program counter after a position.
var pcSuffix = regexp.MustCompile(`(:\d+:\d+)\(\d+\)`)
