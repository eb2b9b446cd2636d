package jsbind

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"

	"github.com/clerkscript/clerkscript/core"
	"github.com/dop251/goja"
)

// errNoClient is returned by every API call when the runtime has no client.
var errNoClient = errors.New("clerk: no API client configured (set CLERK_SECRET_KEY, or run with --emulate)")

// opSymbol tags binding functions with their operation, so that
// clerk.paginate(clerk.users.list, ...) knows which list to walk.
const opProperty = "__clerkOperation"

// installClerk registers clerk.<resource>.<method> for every operation of
// the table. The @clerk/backend names are added by installModules, with
// @clerk/backend's behaviour.
func (r *Runtime) installClerk() error {
	vm := r.vm
	resources := map[string]*goja.Object{}
	resource := func(name string) *goja.Object {
		if o, ok := resources[name]; ok {
			return o
		}
		o := vm.NewObject()
		resources[name] = o
		_ = r.clerkObj.Set(name, o)
		return o
	}
	ops := core.Operations()
	fns := make(map[string]goja.Value, len(ops))
	for i := range ops {
		op := &ops[i]
		fn := vm.ToValue(r.bindOperation(op))
		_ = fn.(*goja.Object).DefineDataProperty(opProperty, vm.ToValue(op.Name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
		fns[op.Name] = fn
		_ = resource(op.Resource).Set(op.Method, fn)
	}
	_ = r.clerkObj.Set("call", func(call goja.FunctionCall) goja.Value {
		name := call.Argument(0).String()
		op, ok := core.LookupOperation(name)
		if !ok {
			return r.rejected(&core.UnknownOperationError{Name: name, Suggestions: core.SuggestOperations(name, 3)})
		}
		return r.bindOperation(op)(goja.FunctionCall{This: call.This, Arguments: call.Arguments[1:]})
	})
	r.installVerify()
	return nil
}

// bindOperation returns the JS function for one operation. Arguments:
// leading strings or numbers fill the path parameters in order
// (clerk.users.get("user_123")), then an object of camelCase parameters, or
// for bulk operations an array of items.
func (r *Runtime) bindOperation(op *core.Operation) func(goja.FunctionCall) goja.Value {
	return func(call goja.FunctionCall) goja.Value {
		var params map[string]any
		var err error
		// A getter or Proxy trap that throws while the parameters are read
		// must reject the promise like any other bad parameter, not throw
		// past the script's .catch().
		if ex := r.vm.Try(func() { params, err = r.buildParams(op, call.Arguments) }); ex != nil {
			return r.rejectedWith(ex.Value())
		}
		if err != nil {
			return r.rejected(err)
		}
		if r.client == nil {
			return r.rejected(errNoClient)
		}
		client := r.client
		item := r.items.cur // the job item making the call, if any
		return r.async(func(ctx context.Context) (any, error) {
			if item == nil {
				return client.Call(ctx, op.Name, params)
			}
			// A POST of a job item is journaled before it leaves.
			if err := item.Before(op.HTTPMethod); err != nil {
				return nil, &core.NotSentError{Err: err}
			}
			res, err := client.Call(ctx, op.Name, params)
			item.After(op.HTTPMethod, 0, err)
			return res, err
		}, func(res any) (goja.Value, error) {
			return fromWire(r.vm, res.(json.RawMessage), responseShape(op))
		})
	}
}

func pathParams(op *core.Operation) []core.Param {
	var out []core.Param
	// Order of appearance in the path, which is the order @clerk/backend
	// takes them positionally.
	rest := op.Path
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			break
		}
		name := rest[i+1 : i+j]
		if p := op.Param(name); p != nil {
			out = append(out, *p)
		} else {
			out = append(out, core.Param{Name: name, In: "path", Type: "string", Required: true})
		}
		rest = rest[i+j+1:]
	}
	return out
}

// buildParams converts the JS arguments of a call into the flat snake_case
// map core.Client.Call takes.
func (r *Runtime) buildParams(op *core.Operation, args []goja.Value) (map[string]any, error) {
	out := map[string]any{}
	pp := pathParams(op)
	pi := 0
	for len(args) > 0 {
		a := args[0]
		if goja.IsUndefined(a) || goja.IsNull(a) {
			args = args[1:]
			continue
		}
		if _, isObj := a.(*goja.Object); isObj {
			break
		}
		if pi >= len(pp) {
			return nil, &ConversionError{Problem: fmt.Sprintf("%s takes %d positional argument(s) (%s), got more; pass other parameters in an object", op.Name, len(pp), joinParamNames(pp))}
		}
		out[pp[pi].Name] = a.String()
		pi++
		args = args[1:]
	}
	if len(args) == 0 {
		return out, nil
	}
	sh := newOpShape(op)
	a := args[0].(*goja.Object)
	if a.ClassName() == "Array" {
		if op.Body == nil || !op.Body.Array {
			return nil, &ConversionError{Problem: op.Name + " takes an object of parameters, not an array"}
		}
		w, _, err := toWire(r.vm, a, sh.field("body"), "body")
		if err != nil {
			return nil, err
		}
		out["body"] = w
	} else {
		w, _, err := toWire(r.vm, a, sh, "")
		if err != nil {
			return nil, err
		}
		for k, v := range w.(map[string]any) {
			if _, dup := out[k]; dup {
				return nil, &ConversionError{Path: snakeToCamel(k), Problem: "given both positionally and in the parameters object"}
			}
			out[k] = v
		}
	}
	if len(args) > 1 && !goja.IsUndefined(args[1]) {
		return nil, &ConversionError{Problem: fmt.Sprintf("%s: unexpected extra argument", op.Name)}
	}
	return out, nil
}

func joinParamNames(ps []core.Param) string {
	names := make([]string, len(ps))
	for i, p := range ps {
		names[i] = snakeToCamel(p.Name)
	}
	return strings.Join(names, ", ")
}

// installNative registers the Go helpers the prelude uses.
func (r *Runtime) installNative() {
	_ = r.native.Set("openJob", r.openJob)
	_ = r.native.Set("sleep", func(call goja.FunctionCall) goja.Value { return r.sleep(call.Argument(0)) })
	_ = r.native.Set("paginate", r.paginateIterator)
}

// paginateIterator returns {next(), return()} over every item of a list
// operation; items are fetched a page at a time off the loop.
func (r *Runtime) paginateIterator(call goja.FunctionCall) goja.Value {
	vm := r.vm
	target := call.Argument(0)
	var name string
	if o, ok := target.(*goja.Object); ok {
		if v := o.Get(opProperty); v != nil && !goja.IsUndefined(v) {
			name = v.String()
		}
	} else if !goja.IsUndefined(target) {
		name = target.String()
	}
	op, ok := core.LookupOperation(name)
	if !ok {
		r.throw(&ConversionError{Problem: fmt.Sprintf("clerk.paginate: %q is not a list operation (pass e.g. clerk.users.list or \"users.list\")", name)})
	}
	if !op.IsList() {
		r.throw(&ConversionError{Problem: fmt.Sprintf("clerk.paginate: %s is not a paginated list", op.Name)})
	}
	var params map[string]any
	if p := call.Argument(1); !goja.IsUndefined(p) && !goja.IsNull(p) {
		w, _, err := toWire(vm, p, newOpShape(op), "")
		if err != nil {
			r.throw(err)
		}
		m, ok := w.(map[string]any)
		if !ok {
			r.throw(&ConversionError{Problem: "clerk.paginate: params must be an object"})
		}
		params = m
	}
	if r.client == nil {
		r.throw(errNoClient)
	}
	pg := &pager{}
	client := r.client
	itemShape := shapeElem(responseShape(op))
	if op.Response.Shape == core.ShapeList {
		itemShape = shapeElem(shapeField(responseShape(op), "data"))
	}
	it := vm.NewObject()
	_ = it.Set("next", func(goja.FunctionCall) goja.Value {
		item := r.items.cur
		return r.async(func(ctx context.Context) (any, error) {
			if item != nil {
				if err := item.Before(op.HTTPMethod); err != nil {
					return nil, &core.NotSentError{Err: err}
				}
				defer item.After(op.HTTPMethod, 0, nil)
			}
			return pg.next(ctx, client, op.Name, params)
		}, func(res any) (goja.Value, error) {
			raw := res.(json.RawMessage)
			o := vm.NewObject()
			if raw == nil {
				_ = o.Set("done", true)
				_ = o.Set("value", goja.Undefined())
				return o, nil
			}
			v, err := fromWire(vm, raw, itemShape)
			if err != nil {
				return nil, err
			}
			_ = o.Set("done", false)
			_ = o.Set("value", v)
			return o, nil
		})
	})
	_ = it.Set("return", func(goja.FunctionCall) goja.Value {
		pg.stop()
		o := vm.NewObject()
		_ = o.Set("done", true)
		return o
	})
	return it
}

// pager pulls items from core.Client.Paginate one at a time. Calls to next
// are serialised: job workers may pull concurrently.
type pager struct {
	mu      sync.Mutex
	started bool
	pull    func() (json.RawMessage, error, bool)
	cancel  func()
	done    bool
}

func (p *pager) next(ctx context.Context, c *core.Client, name string, params map[string]any) (json.RawMessage, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return nil, nil
	}
	if !p.started {
		p.started = true
		var seq iter.Seq2[json.RawMessage, error] = c.Paginate(ctx, name, params)
		p.pull, p.cancel = iter.Pull2(seq)
	}
	item, err, ok := p.pull()
	if !ok {
		p.done = true
		p.cancel()
		return nil, nil
	}
	if err != nil {
		p.done = true
		p.cancel()
		return nil, err
	}
	return item, nil
}

// stop ends the walk. It runs on the loop, which must not block behind a
// page fetch holding the lock, so the cleanup happens on a goroutine.
func (p *pager) stop() {
	go func() {
		p.mu.Lock()
		defer p.mu.Unlock()
		p.done = true
		if p.cancel != nil {
			p.cancel()
		}
	}()
}
