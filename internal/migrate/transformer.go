package migrate

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/dop251/goja"
	"github.com/evanw/esbuild/pkg/api"
)

// The built-in transformers are modules of exactly the shape a user's own
// `-t ./my-transformer.ts` exports, so they double as examples.
//
//go:embed transformers/*.js
var builtinFS embed.FS

// Builtins lists the built-in transformer keys, in the order of --help.
var Builtins = []string{"auth0", "authjs", "betterauth", "clerk", "firebase", "supabase"}

// FirebaseHash is Firebase's scrypt configuration (Firebase console →
// Authentication → Users → ⋮ → Password hash parameters).
type FirebaseHash struct {
	SignerKey     string `json:"base64_signer_key"`
	SaltSeparator string `json:"base64_salt_separator"`
	Rounds        int    `json:"rounds"`
	MemCost       int    `json:"mem_cost"`
}

// Complete reports whether all four values are set: a partial set builds
// digests that verify against nothing.
func (h FirebaseHash) Complete() bool {
	return h.SignerKey != "" && h.SaltSeparator != "" && h.Rounds > 0 && h.MemCost > 0
}

// Any reports whether any of the four values is set.
func (h FirebaseHash) Any() bool {
	return h.SignerKey != "" || h.SaltSeparator != "" || h.Rounds != 0 || h.MemCost != 0
}

// Transformer maps one source's export records to Clerk users. It is loaded
// from a module exporting:
//
//	{
//	  key: "mysource", label: "My source", description: "...",
//	  input: { csvHeaders: [...], wrapperKey: "users" },   // optional
//	  transformer: { "source.field": "clerkField", ... },  // the field map
//	  preTransform(record, ctx) { return record },         // optional, per raw record
//	  postTransform(user, ctx) { ... },                    // optional, mutates the mapped user
//	  defaults: { passwordHasher: "bcrypt" },              // optional
//	}
//
// A Transformer runs JavaScript on one goja runtime: it is not safe for
// concurrent use (the migration pipeline transforms on one goroutine).
type Transformer struct {
	Key         string
	Label       string
	Description string
	Fields      map[string]string
	Defaults    map[string]any
	Input       ReadOptions

	vm       *goja.Runtime
	pre      goja.Callable
	post     goja.Callable
	ctxVal   goja.Value
	prefixes map[string]bool // proper prefixes of dotted field-map keys
}

// LoadBuiltin loads a built-in transformer by key.
func LoadBuiltin(key string) (*Transformer, error) {
	if !slices.Contains(Builtins, key) {
		return nil, fmt.Errorf("unknown transformer %q (built-in: %s; or a path to your own .js/.ts module)", key, strings.Join(Builtins, ", "))
	}
	src, err := builtinFS.ReadFile("transformers/" + key + ".js")
	if err != nil {
		return nil, err
	}
	return loadModule(key+".js", src)
}

// Load loads -t's argument: a built-in key, or a path to a .js/.ts module.
func Load(arg string) (*Transformer, error) {
	if !strings.ContainsAny(arg, `/\`) && !strings.HasSuffix(arg, ".js") && !strings.HasSuffix(arg, ".ts") && !strings.HasSuffix(arg, ".mjs") {
		return LoadBuiltin(arg)
	}
	src, err := os.ReadFile(arg)
	if err != nil {
		return nil, fmt.Errorf("transformer: %w", err)
	}
	return loadModule(arg, src)
}

// compileModule turns a transformer module (ES module or CommonJS, .js or
// .ts) into a CommonJS script goja can run. It is the one place that knows
// how modules are compiled, so it can be swapped for jsbind's loader.
func compileModule(name string, src []byte) (string, error) {
	loader := api.LoaderJS
	if strings.HasSuffix(name, ".ts") || strings.HasSuffix(name, ".mts") {
		loader = api.LoaderTS
	}
	res := api.Transform(string(src), api.TransformOptions{
		Loader:     loader,
		Format:     api.FormatCommonJS,
		Target:     api.ES2015,
		Sourcefile: filepath.Base(name),
	})
	if len(res.Errors) > 0 {
		var b strings.Builder
		for i, m := range res.Errors {
			if i > 0 {
				b.WriteString("; ")
			}
			if m.Location != nil {
				fmt.Fprintf(&b, "%s:%d:%d: ", m.Location.File, m.Location.Line, m.Location.Column+1)
			}
			b.WriteString(m.Text)
		}
		return "", errors.New(b.String())
	}
	return string(res.Code), nil
}

func loadModule(name string, src []byte) (*Transformer, error) {
	code, err := compileModule(name, src)
	if err != nil {
		return nil, fmt.Errorf("transformer %s: %w", name, err)
	}
	vm := goja.New()
	installHelpers(vm)
	module := vm.NewObject()
	exports := vm.NewObject()
	_ = module.Set("exports", exports)
	require := func(call goja.FunctionCall) goja.Value {
		panic(vm.NewGoError(fmt.Errorf("transformer modules cannot import %q: a transformer is a plain object (field map, pre/post transform, defaults)", call.Argument(0).String())))
	}
	wrapped, err := vm.RunScript(name, "(function(module, exports, require){"+code+"\n})")
	if err != nil {
		return nil, fmt.Errorf("transformer %s: %w", name, err)
	}
	fn, _ := goja.AssertFunction(wrapped)
	if _, err := fn(goja.Undefined(), module, exports, vm.ToValue(require)); err != nil {
		return nil, fmt.Errorf("transformer %s: %w", name, err)
	}
	exp := module.Get("exports").ToObject(vm)
	if d := exp.Get("default"); d != nil && !goja.IsUndefined(d) && !goja.IsNull(d) {
		exp = d.ToObject(vm)
	}
	t := &Transformer{vm: vm, Fields: map[string]string{}, Defaults: map[string]any{}, prefixes: map[string]bool{}}
	str := func(k string) string {
		if v := exp.Get(k); v != nil && !goja.IsUndefined(v) {
			return v.String()
		}
		return ""
	}
	t.Key, t.Label, t.Description = str("key"), str("label"), str("description")
	if t.Key == "" {
		t.Key = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	}
	fm := exp.Get("transformer")
	if fm == nil || goja.IsUndefined(fm) || goja.IsNull(fm) {
		return nil, fmt.Errorf("transformer %s: the module exports no \"transformer\" field map (an object of source field → Clerk field)", name)
	}
	m, ok := fm.Export().(map[string]any)
	if !ok {
		return nil, fmt.Errorf("transformer %s: \"transformer\" must be an object of source field → Clerk field", name)
	}
	for k, v := range m {
		s, ok := v.(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("transformer %s: field map entry %q must name a Clerk field (a string)", name, k)
		}
		t.Fields[k] = s
		parts := strings.Split(k, ".")
		for i := 1; i < len(parts); i++ {
			t.prefixes[strings.Join(parts[:i], ".")] = true
		}
	}
	if d := exp.Get("defaults"); d != nil && !goja.IsUndefined(d) && !goja.IsNull(d) {
		dm, ok := d.Export().(map[string]any)
		if !ok {
			return nil, fmt.Errorf("transformer %s: \"defaults\" must be an object", name)
		}
		t.Defaults = dm
	}
	for _, f := range []struct {
		name string
		dst  *goja.Callable
	}{{"preTransform", &t.pre}, {"postTransform", &t.post}} {
		v := exp.Get(f.name)
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			continue
		}
		c, ok := goja.AssertFunction(v)
		if !ok {
			return nil, fmt.Errorf("transformer %s: %q must be a function", name, f.name)
		}
		*f.dst = c
	}
	if in := exp.Get("input"); in != nil && !goja.IsUndefined(in) && !goja.IsNull(in) {
		b, err := json.Marshal(in.Export())
		if err != nil {
			return nil, fmt.Errorf("transformer %s: input: %w", name, err)
		}
		var io struct {
			CSVHeaders []string `json:"csvHeaders"`
			WrapperKey string   `json:"wrapperKey"`
		}
		if err := json.Unmarshal(b, &io); err != nil {
			return nil, fmt.Errorf("transformer %s: input: %w", name, err)
		}
		t.Input = ReadOptions{CSVHeaders: io.CSVHeaders, WrapperKey: io.WrapperKey}
	}
	t.SetContext(Context{})
	return t, nil
}

// Context is what a transformer's pre/post transform receives as its second
// argument: per-run values a record does not carry.
type Context struct {
	Firebase *FirebaseHash `json:"firebase,omitempty"`
	Format   Format        `json:"format,omitempty"`
}

// SetContext sets the second argument of pre/postTransform.
func (t *Transformer) SetContext(c Context) {
	b, _ := json.Marshal(c)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	t.ctxVal = t.vm.ToValue(m)
}

// Interrupt stops a running transform (a module stuck in a loop) when ctx
// ends. It returns a function that releases the watcher.
func (t *Transformer) Interrupt(ctx context.Context) func() {
	var once sync.Once
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			t.vm.Interrupt(ctx.Err())
		case <-done:
		}
	}()
	return func() { once.Do(func() { close(done) }) }
}

// Apply runs the whole transform on one raw record: preTransform, the
// defaults, the field map, postTransform. The result is in Clerk's field
// names (userId, email, ...) and still has to be validated. A nil result
// with a nil error means preTransform dropped the record.
func (t *Transformer) Apply(raw map[string]any) (map[string]any, error) {
	if t.pre != nil {
		v, err := t.call(t.pre, raw)
		if err != nil {
			return nil, fmt.Errorf("preTransform: %w", err)
		}
		if v != nil && !goja.IsUndefined(v) {
			if goja.IsNull(v) {
				return nil, nil
			}
			m, ok := v.Export().(map[string]any)
			if !ok {
				return nil, errors.New("preTransform must return the record (an object), null to drop it, or nothing")
			}
			if _, hasPath := m["filePath"]; hasPath && len(m) <= 2 {
				return nil, errors.New("preTransform here runs once per record, not once per file: declare input.csvHeaders / input.wrapperKey instead of rewriting the file")
			}
			raw = m
		}
	}
	user := t.mapKeys(raw)
	if t.post != nil {
		if _, err := t.call(t.post, user); err != nil {
			return nil, fmt.Errorf("postTransform: %w", err)
		}
	}
	return user, nil
}

func (t *Transformer) call(fn goja.Callable, rec map[string]any) (v goja.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	v, err = fn(goja.Undefined(), t.vm.ToValue(rec), t.ctxVal)
	if err != nil {
		var ex *goja.Exception
		if errors.As(err, &ex) {
			return nil, errors.New(ex.Value().String())
		}
	}
	return v, err
}

// mapKeys is the field map: nested source fields named with dots are
// flattened (only those the map mentions), empty strings, nulls and the
// string "{}" are dropped, and mapped names replace source names. Fields
// the map does not mention keep their name; validation drops the ones that
// are not Clerk fields.
func (t *Transformer) mapKeys(raw map[string]any) map[string]any {
	flat := make(map[string]any, len(raw))
	t.flatten(raw, "", flat)
	// Defaults override the record, as the official tool's {...user, ...defaults}.
	for k, v := range t.Defaults {
		flat[k] = v
	}
	out := make(map[string]any, len(flat))
	keys := make([]string, 0, len(flat))
	for k := range flat {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	// Unmapped fields first, so that a mapped field wins a name clash.
	for pass := 0; pass < 2; pass++ {
		for _, k := range keys {
			v := flat[k]
			if v == nil || v == "" || v == `"{}"` {
				continue
			}
			nk, mapped := t.Fields[k]
			if mapped != (pass == 1) {
				continue
			}
			if !mapped {
				nk = k
			}
			out[nk] = v
		}
	}
	return out
}

func (t *Transformer) flatten(obj map[string]any, prefix string, out map[string]any) {
	for k, v := range obj {
		path := k
		if prefix != "" {
			path = prefix + "." + k
		}
		if m, ok := v.(map[string]any); ok && t.prefixes[path] {
			t.flatten(m, path, out)
			continue
		}
		out[path] = v
	}
}

// installHelpers adds the globals transformers may use.
func installHelpers(vm *goja.Runtime) {
	h := vm.NewObject()
	// migrate.isoDate(v): a date in any of the export formats (RFC 3339,
	// Postgres "2024-06-29 20:25:06.126+00", epoch milliseconds as a number
	// or a string) as RFC 3339 in UTC with milliseconds; undefined when v
	// is not a date.
	_ = h.Set("isoDate", func(v goja.Value) goja.Value {
		if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
			return goja.Undefined()
		}
		s, ok := ISODate(v.Export())
		if !ok {
			return goja.Undefined()
		}
		return vm.ToValue(s)
	})
	_ = vm.Set("migrate", h)
}
