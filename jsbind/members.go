package jsbind

import (
	"fmt"
	"strings"

	"github.com/clerkscript/clerkscript/internal/suggest"
	"github.com/dop251/goja"
)

// memberMiss is the last read of a name that clerk or one of its resources
// does not have. Reading such a name must stay harmless (it yields
// undefined, so `if (clerk.users.getUserList)` detects features), but when
// the read turns into goja's bare "Object has no member 'x'" the uncaught
// error is rewritten to name the resource and suggest close names.
type memberMiss struct {
	resource string // "" for a member of clerk itself
	name     string
	file     string
	line     int
}

// installMemberProxies replaces clerk and its resources by proxies that
// note reads of missing names. Everything else goes straight to the real
// objects.
func (r *Runtime) installMemberProxies() goja.Value {
	vm := r.vm
	r.resourceTargets = map[string]*goja.Object{}
	for _, res := range r.clerkObj.Keys() {
		target, ok := r.clerkObj.Get(res).(*goja.Object)
		if !ok || res == "webhooks" {
			continue
		}
		if _, isFn := goja.AssertFunction(target); isFn {
			continue
		}
		r.resourceTargets[res] = target
		_ = r.clerkObj.Set(res, vm.ToValue(vm.NewProxy(target, r.missTrap(res))))
	}
	return vm.ToValue(vm.NewProxy(r.clerkObj, r.missTrap("")))
}

func (r *Runtime) missTrap(resource string) *goja.ProxyTrapConfig {
	// A name the operation table lacks may be one of @clerk/backend's,
	// which are added on first use (loadBackend); so may be keys listed
	// or tested before that.
	backend := func() {
		if r.backendMods == nil && r.backendErr == nil {
			_, _ = r.loadBackend()
		}
	}
	return &goja.ProxyTrapConfig{
		Get: func(target *goja.Object, name string, receiver goja.Value) goja.Value {
			v := target.Get(name)
			if v == nil {
				backend()
				v = target.Get(name)
			}
			if v == nil {
				r.noteMiss(resource, name)
				return goja.Undefined()
			}
			return v
		},
		Has: func(target *goja.Object, name string) bool {
			if target.Get(name) == nil {
				backend()
			}
			return target.Get(name) != nil
		},
		OwnKeys: func(target *goja.Object) *goja.Object {
			backend()
			var keys []any
			for _, k := range target.GetOwnPropertyNames() {
				keys = append(keys, k)
			}
			for _, k := range target.Symbols() {
				keys = append(keys, k)
			}
			return r.vm.NewArray(keys...)
		},
	}
}

func (r *Runtime) noteMiss(resource, name string) {
	m := &memberMiss{resource: resource, name: name}
	if frames := r.vm.CaptureCallStack(1, nil); len(frames) > 0 {
		pos := frames[0].Position()
		m.file, m.line = pos.Filename, pos.Line
	}
	r.miss = m
}

// explainMiss rewrites the TypeError goja raises for a call of (or a read
// through) a missing clerk member, when the last missing read happened on
// the line the error points at. It returns v, changed in place.
func (r *Runtime) explainMiss(v goja.Value) goja.Value {
	m := r.miss
	o, ok := v.(*goja.Object)
	if m == nil || !ok || m.file == "" {
		return v
	}
	name, msg := o.Get("name"), o.Get("message")
	if name == nil || msg == nil || name.String() != "TypeError" {
		return v
	}
	text := msg.String()
	called := text == "Object has no member '"+m.name+"'" || text == "Value is not an object: undefined"
	readThrough := strings.HasPrefix(text, "Cannot read property '") && (strings.HasSuffix(text, "' of undefined") || strings.HasSuffix(text, "' of undefined or null"))
	if !called && !readThrough {
		return v
	}
	stack := ""
	if st := o.Get("stack"); st != nil && !goja.IsUndefined(st) {
		stack = st.String()
	}
	first, rest, _ := strings.Cut(stack, "\n")
	_ = first
	frame, _, _ := strings.Cut(strings.TrimSpace(rest), "\n")
	if !strings.Contains(frame, fmt.Sprintf("%s:%d:", m.file, m.line)) {
		return v
	}
	var b strings.Builder
	if m.resource == "" {
		target := r.clerkObj
		if called {
			fmt.Fprintf(&b, "clerk.%s is not a function: clerk has no member %q", m.name, m.name)
		} else {
			fmt.Fprintf(&b, "clerk.%s is not a clerk resource (it is undefined)", m.name)
		}
		writeSuggestions(&b, "clerk.", m.name, target.Keys())
	} else {
		target := r.resourceTargets[m.resource]
		if called {
			fmt.Fprintf(&b, "clerk.%s.%s is not a function", m.resource, m.name)
		} else {
			fmt.Fprintf(&b, "clerk.%s.%s is undefined", m.resource, m.name)
		}
		fmt.Fprintf(&b, ": the %s resource has no operation %q", m.resource, m.name)
		var keys []string
		if target != nil {
			keys = target.Keys()
		}
		writeSuggestions(&b, "clerk."+m.resource+".", m.name, keys)
	}
	newMsg := b.String()
	_ = o.Set("message", newMsg)
	if rest != "" {
		_ = o.DefineDataProperty("stack", r.vm.ToValue("TypeError: "+newMsg+"\n"+rest), goja.FLAG_TRUE, goja.FLAG_TRUE, goja.FLAG_FALSE)
	}
	r.miss = nil
	return v
}

// writeSuggestions appends "; did you mean ...?" with up to three names
// close to name.
func writeSuggestions(b *strings.Builder, prefix, name string, candidates []string) {
	cs := suggest.Closest(name, candidates, 3)
	if len(cs) == 0 {
		b.WriteString(" (see docs/JS.md or `clerkscript api --list` for the operations)")
		return
	}
	b.WriteString("; did you mean ")
	for i, c := range cs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(prefix + c)
	}
	b.WriteString("?")
}
