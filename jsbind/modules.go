package jsbind

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/clerkscript/clerkscript/core"
	"github.com/dop251/goja"
)

//go:embed clerkbackend.js
var clerkBackendSource string

//go:embed clerkbackend_table.json
var clerkBackendTable string

//go:embed node.js
var nodeSource string

// nodeProgram is compiled on first use, not at package initialisation:
// every clerkscript command links this package.
var nodeProgram = sync.OnceValue(func() *goja.Program { return goja.MustCompile("clerkscript:node", nodeSource, true) })

// installModules builds the objects behind the built-in modules (see
// builtinModules) and the Node globals, and registers them where the
// bundle's virtual modules read them. The @clerk/backend modules, and the
// @clerk/backend names of the global clerk, are built on first use (an
// import, or a clerk name the operation table lacks): most scripts never
// need them, and they are the larger part of a runtime's start.
func (r *Runtime) installModules() error {
	vm := r.vm
	modsObj := vm.NewObject()
	for _, name := range []string{"@clerk/backend", "@clerk/backend/errors", "@clerk/backend/webhooks"} {
		getter := vm.ToValue(func(goja.FunctionCall) goja.Value {
			mods, err := r.loadBackend()
			if err != nil {
				panic(vm.NewGoError(err))
			}
			return mods.Get(name)
		})
		if err := modsObj.DefineAccessorProperty(name, getter, nil, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
			return err
		}
	}

	v, err := vm.RunProgram(nodeProgram())
	if err != nil {
		return fmt.Errorf("node module: %w", err)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return errors.New("node module: not a function")
	}
	nodeNative := vm.NewObject()
	_ = nodeNative.Set("argv0", "clerkscript")
	_ = nodeNative.Set("script", func(goja.FunctionCall) goja.Value { return vm.ToValue(r.scriptPath) })
	_ = nodeNative.Set("cwd", func(goja.FunctionCall) goja.Value {
		wd, err := os.Getwd()
		if err != nil {
			r.throw(err)
		}
		return vm.ToValue(wd)
	})
	_ = nodeNative.Set("write", func(call goja.FunctionCall) goja.Value {
		w := r.opts.Stdout
		if call.Argument(0).ToInteger() == 2 {
			w = r.opts.Stderr
		}
		_, _ = io.WriteString(w, call.Argument(1).String())
		return goja.Undefined()
	})
	_ = nodeNative.Set("decodeUTF8", func(call goja.FunctionCall) goja.Value {
		ab, _ := call.Argument(0).Export().(goja.ArrayBuffer)
		return vm.ToValue(strings.ToValidUTF8(string(ab.Bytes()), "\uFFFD"))
	})
	_ = nodeNative.Set("parseURL", func(call goja.FunctionCall) goja.Value {
		return r.parseURL(call.Argument(0).String(), call.Argument(1))
	})
	if _, err := fn(goja.Undefined(), vm.GlobalObject(), modsObj, nodeNative); err != nil {
		return fmt.Errorf("node module: %w", err)
	}
	key, err := vm.RunString(modulesKey)
	if err != nil {
		return err
	}
	return vm.GlobalObject().DefineDataPropertySymbol(key.(*goja.Symbol), modsObj, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_FALSE)
}

// clerkBackendProgram is compiled on first use (see installModules).
var clerkBackendProgram = sync.OnceValue(func() *goja.Program {
	return goja.MustCompile("clerkscript:@clerk/backend", clerkBackendSource, true)
})

// loadBackend builds the @clerk/backend modules and gives the global clerk
// the package's names ({data, totalCount} lists, resource classes; its own
// names keep their results). It runs once, on the loop goroutine.
func (r *Runtime) loadBackend() (*goja.Object, error) {
	if r.backendMods != nil || r.backendErr != nil {
		return r.backendMods, r.backendErr
	}
	r.backendMods, r.backendErr = r.buildBackend()
	return r.backendMods, r.backendErr
}

func (r *Runtime) buildBackend() (*goja.Object, error) {
	vm := r.vm
	native := vm.NewObject()
	_ = native.Set("call", r.callRaw)
	_ = native.Set("client", func(goja.FunctionCall) goja.Value { return vm.ToValue("shared") })
	clerk := r.clerkObj
	_ = native.Set("verifyToken", clerk.Get("verifyToken"))
	_ = native.Set("authenticateRequest", clerk.Get("authenticateRequest"))
	if wh, ok := clerk.Get("webhooks").(*goja.Object); ok {
		_ = native.Set("verifyWebhook", wh.Get("verify"))
	}
	ops := core.Operations()
	list := make([]any, 0, len(ops))
	for i := range ops {
		o := vm.NewObject()
		_ = o.Set("name", ops[i].Name)
		_ = o.Set("js", ops[i].JSName)
		list = append(list, o)
	}
	var table any
	if err := json.Unmarshal([]byte(clerkBackendTable), &table); err != nil {
		return nil, fmt.Errorf("clerkbackend table: %w", err)
	}
	v, err := vm.RunProgram(clerkBackendProgram())
	if err != nil {
		return nil, fmt.Errorf("@clerk/backend module: %w", err)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return nil, errors.New("@clerk/backend module: not a function")
	}
	mods, err := fn(goja.Undefined(), vm.GlobalObject(), native, vm.NewArray(list...), vm.ToValue(table))
	if err != nil {
		return nil, fmt.Errorf("@clerk/backend module: %w", err)
	}
	modsObj := mods.ToObject(vm)
	build, ok := goja.AssertFunction(modsObj.Get("buildClient"))
	if !ok {
		return nil, errors.New("@clerk/backend module: no buildClient")
	}
	cv, err := build(goja.Undefined())
	if err != nil {
		return nil, fmt.Errorf("@clerk/backend module: %w", err)
	}
	_ = modsObj.Delete("buildClient")
	compat := cv.ToObject(vm)
	for _, res := range compat.Keys() {
		methods := compat.Get(res).ToObject(vm)
		target := r.resourceTargets[res]
		if target == nil {
			target, _ = r.clerkObj.Get(res).(*goja.Object)
		}
		if target == nil {
			target = vm.NewObject()
			r.resourceTargets[res] = target
			_ = r.clerkObj.Set(res, vm.ToValue(vm.NewProxy(target, r.missTrap(res))))
		}
		for _, m := range methods.Keys() {
			if v := target.Get(m); v != nil && !goja.IsUndefined(v) {
				continue // the seed name wins
			}
			_ = target.Set(m, methods.Get(m))
		}
	}
	return modsObj, nil
}

// callRaw is native.call(opName, ...args): the generic binder's argument
// handling, resolving with the response's JSON untouched (snake_case),
// which the @clerk/backend module turns into its resource classes.
func (r *Runtime) callRaw(call goja.FunctionCall) goja.Value {
	name := call.Argument(0).String()
	op, ok := core.LookupOperation(name)
	if !ok {
		return r.rejected(&core.UnknownOperationError{Name: name, Suggestions: core.SuggestOperations(name, 3)})
	}
	var params map[string]any
	var err error
	if ex := r.vm.Try(func() { params, err = r.buildParams(op, call.Arguments[1:]) }); ex != nil {
		return r.rejectedWith(ex.Value())
	}
	if err != nil {
		return r.rejected(err)
	}
	if r.client == nil {
		return r.rejected(errNoClient)
	}
	client := r.client
	return r.async(func(ctx context.Context) (any, error) {
		return client.Call(ctx, op.Name, params)
	}, func(res any) (goja.Value, error) {
		raw := res.(json.RawMessage)
		if len(raw) == 0 {
			return goja.Undefined(), nil
		}
		return decodeJSON(r.vm, raw, nil, true)
	})
}

// parseURL is the WHATWG URL parse the URL class needs, on net/url: an
// object of components, or a string saying why the input is not a URL.
func (r *Runtime) parseURL(input string, base goja.Value) goja.Value {
	vm := r.vm
	u, err := url.Parse(strings.TrimSpace(input))
	if err != nil {
		return vm.ToValue(input)
	}
	if base != nil && !goja.IsUndefined(base) {
		b, err := url.Parse(base.String())
		if err != nil || !b.IsAbs() {
			return vm.ToValue("bad base " + base.String())
		}
		u = b.ResolveReference(u)
	}
	if !u.IsAbs() || (u.Host == "" && u.Opaque == "" && (u.Scheme == "http" || u.Scheme == "https")) {
		return vm.ToValue(input)
	}
	o := vm.NewObject()
	_ = o.Set("protocol", strings.ToLower(u.Scheme)+":")
	user, pass := "", ""
	if u.User != nil {
		user = u.User.Username()
		pass, _ = u.User.Password()
	}
	_ = o.Set("username", user)
	_ = o.Set("password", pass)
	_ = o.Set("hostname", strings.ToLower(u.Hostname()))
	port := u.Port()
	if (u.Scheme == "http" && port == "80") || (u.Scheme == "https" && port == "443") {
		port = ""
	}
	_ = o.Set("port", port)
	path := u.EscapedPath()
	if path == "" && (u.Scheme == "http" || u.Scheme == "https") {
		path = "/"
	}
	if u.Opaque != "" {
		path = u.Opaque
	}
	_ = o.Set("pathname", path)
	search := ""
	if u.RawQuery != "" {
		search = "?" + u.RawQuery
	}
	_ = o.Set("search", search)
	hash := ""
	if u.Fragment != "" {
		hash = "#" + u.EscapedFragment()
	}
	_ = o.Set("hash", hash)
	return o
}
