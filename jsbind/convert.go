package jsbind

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/dop251/goja"
)

// shape tells the converter what the schema knows about one position of a
// request or response. A nil shape means "nothing known": keys are converted
// mechanically and only the name heuristic (see isFreeFormKey) protects user
// data.
type shape interface {
	// field returns the shape of the property with this wire name, or nil.
	field(wire string) shape
	// wireName maps a JS key to a declared wire name, "" when none matches.
	wireName(jsKey string) string
	// elem returns the shape of an array's items, or nil.
	elem() shape
	// freeForm reports user data (public_metadata and the like) whose keys
	// must pass through untouched.
	freeForm() bool
	// kind is the JSON type: "string", "integer", "number", "boolean",
	// "array", "object" or "" when unknown.
	kind() string
}

// isFreeFormKey is the fallback when the schema says nothing: Clerk's user
// data lives in *_metadata objects (public, private, unsafe), so their
// contents are never renamed even when the schema is unknown.
func isFreeFormKey(key string) bool {
	k := strings.ToLower(key)
	return strings.HasSuffix(k, "metadata")
}

func shapeField(s shape, wire string) shape {
	if s == nil {
		return nil
	}
	return s.field(wire)
}

func shapeElem(s shape) shape {
	if s == nil {
		return nil
	}
	return s.elem()
}

func shapeFree(s shape) bool { return s != nil && s.freeForm() }

func shapeKind(s shape) string {
	if s == nil {
		return ""
	}
	return s.kind()
}

// snakeToCamel converts a wire key ("email_address") to its JS name
// ("emailAddress"). Keys that are not plain lower snake_case (leading or
// doubled underscores, upper case, other characters) are left as they are, so
// the conversion never invents a name that cannot be mapped back.
func snakeToCamel(s string) string {
	if !strings.Contains(s, "_") {
		return s
	}
	if s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return s
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return s
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	up := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			up = true
			continue
		}
		if up && c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		} else if up {
			// "part_2" cannot become camelCase and back; keep it.
			return s
		}
		up = false
		b.WriteByte(c)
	}
	out := b.String()
	if camelToSnake(out) != s {
		// "a_b_c" would become "aBC", which reads back as "a_bc".
		return s
	}
	return out
}

// camelToSnake converts a JS key ("emailAddress") to its wire form
// ("email_address"). A key that is already snake_case is unchanged, so
// scripts may use either spelling.
func camelToSnake(s string) string {
	hasUpper := false
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			hasUpper = true
			break
		}
	}
	if !hasUpper {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			// Runs of capitals (an initialism such as "ID") become one word.
			prevUpper := i > 0 && s[i-1] >= 'A' && s[i-1] <= 'Z'
			nextLower := i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
			if i > 0 && s[i-1] != '_' && (!prevUpper || nextLower) {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// ConversionError reports a JS value that cannot be sent to the API.
type ConversionError struct {
	Path    string // where in the params, e.g. "emailAddress[2]"
	Problem string
}

func (e *ConversionError) Error() string {
	if e.Path == "" {
		return "invalid parameters: " + e.Problem
	}
	return fmt.Sprintf("invalid parameter %s: %s", e.Path, e.Problem)
}

func joinPath(base, key string) string {
	if base == "" {
		return key
	}
	return base + "." + key
}

// maxParamDepth bounds the nesting of values sent to the API (and written
// by the fs helpers): far deeper than any Clerk body, shallow enough that a
// runaway structure is reported at once instead of exhausting memory.
const maxParamDepth = 64

// maxParamArray and maxFreeArray bound array lengths: a sparse array's
// length can be 2^32-1 with nothing in it, and each hole would become a
// JSON null. API parameters never hold that many items; files written by
// fs.writeJSON may hold a large export.
const (
	maxParamArray = 100_000
	maxFreeArray  = 10_000_000
)

// walker converts one value, keeping the objects on the path from the root
// so that a cycle is reported where it closes. Without it a self-reference
// outside *_metadata recursed until the process ran out of memory.
type walker struct {
	vm        *goja.Runtime
	ancestors []*goja.Object
	paths     []string
}

// enter pushes o (at path) and reports a cycle or excessive depth.
func (w *walker) enter(o *goja.Object, path string) error {
	for i, a := range w.ancestors {
		if a == o {
			back := w.paths[i]
			if back == "" {
				back = "the value itself"
			}
			return &ConversionError{Path: path, Problem: "a cycle: it refers back to " + back}
		}
	}
	if len(w.ancestors) >= maxParamDepth {
		return &ConversionError{Path: shortPath(path), Problem: fmt.Sprintf("nested too deeply (more than %d levels)", maxParamDepth)}
	}
	w.ancestors = append(w.ancestors, o)
	w.paths = append(w.paths, path)
	return nil
}

func (w *walker) leave() {
	w.ancestors = w.ancestors[:len(w.ancestors)-1]
	w.paths = w.paths[:len(w.paths)-1]
}

// shortPath keeps an error readable when the path is very long.
func shortPath(p string) string {
	const keep = 80
	if len(p) <= 2*keep {
		return p
	}
	return p[:keep] + "..." + p[len(p)-keep:]
}

// toWire converts a JS value to the Go value sent on the wire (for
// json.Marshal), renaming object keys camel→snake by the shape, except inside
// free-form objects. It returns ok=false for undefined (the key is omitted).
func toWire(vm *goja.Runtime, v goja.Value, sh shape, path string) (any, bool, error) {
	w := &walker{vm: vm}
	return w.toWire(v, sh, path)
}

func (wk *walker) toWire(v goja.Value, sh shape, path string) (any, bool, error) {
	if v == nil || goja.IsUndefined(v) {
		return nil, false, nil
	}
	if goja.IsNull(v) {
		return nil, true, nil
	}
	if shapeFree(sh) {
		out, err := wk.exportFree(v, path)
		return out, true, err
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		return exportScalar(v, path)
	}
	switch x := exportLeaf(o).(type) {
	case time.Time:
		return dateToWire(x, shapeKind(sh)), true, nil
	case goja.ArrayBuffer:
		return base64.StdEncoding.EncodeToString(x.Bytes()), true, nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), true, nil
	}
	if _, isFn := goja.AssertFunction(v); isFn {
		return nil, false, &ConversionError{Path: path, Problem: "a function cannot be sent to the API"}
	}
	if err := wk.enter(o, path); err != nil {
		return nil, false, err
	}
	defer wk.leave()
	if o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		if n > maxParamArray {
			return nil, false, &ConversionError{Path: path, Problem: fmt.Sprintf("an array of %d items is too long to send (at most %d)", n, maxParamArray)}
		}
		out := make([]any, 0, min(n, 1024))
		el := shapeElem(sh)
		for i := 0; i < n; i++ {
			w, ok, err := wk.toWire(o.Get(strconv.Itoa(i)), el, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, false, err
			}
			if !ok {
				w = nil
			}
			out = append(out, w)
		}
		return out, true, nil
	}
	out := make(map[string]any)
	for _, k := range o.Keys() {
		wire := ""
		if sh != nil {
			wire = sh.wireName(k)
		}
		if wire == "" {
			wire = camelToSnake(k)
		}
		fsh := shapeField(sh, wire)
		var w any
		var ok bool
		var err error
		if isFreeFormKey(wire) && (fsh == nil || shapeKind(fsh) == "object" || shapeKind(fsh) == "") {
			fv := o.Get(k)
			w, err = wk.exportFree(fv, joinPath(path, k))
			ok = fv != nil && !goja.IsUndefined(fv)
		} else {
			w, ok, err = wk.toWire(o.Get(k), fsh, joinPath(path, k))
		}
		if err != nil {
			return nil, false, err
		}
		if ok {
			out[wire] = w
		}
	}
	return out, true, nil
}

var bytesType = reflect.TypeFor[[]byte]()

// exportLeaf exports the objects sent as one JSON value (a Date, an
// ArrayBuffer, a Uint8Array), and returns nil for the others without
// exporting them: Export copies a whole object tree, which made converting a
// nested value quadratic and a sparse array of length 2^32-1 fatal.
func exportLeaf(o *goja.Object) any {
	switch o.ClassName() {
	case "Date", "ArrayBuffer":
		return o.Export()
	}
	if o.ExportType() == bytesType {
		return o.Export()
	}
	return nil
}

func dateToWire(t time.Time, kind string) any {
	if kind == "integer" || kind == "number" {
		// Clerk's query filters (created_at_after...) take Unix milliseconds.
		return t.UnixMilli()
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func exportScalar(v goja.Value, path string) (any, bool, error) {
	if _, isSym := v.(*goja.Symbol); isSym {
		// Its string form ("Symbol(x)") is never what the script meant.
		return nil, false, &ConversionError{Path: path, Problem: "a Symbol cannot be sent to the API"}
	}
	switch x := v.Export().(type) {
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false, &ConversionError{Path: path, Problem: "NaN and Infinity cannot be sent as JSON"}
		}
		return x, true, nil
	case int64, string, bool:
		return x, true, nil
	case nil:
		return nil, true, nil
	default:
		// BigInt: send its decimal string form, which is what a Clerk
		// string field expects.
		return v.String(), true, nil
	}
}

// exportFree copies user data as it is: keys unchanged, Dates as RFC 3339.
// depth is unused (the walker tracks nesting); it stays for the callers.
func exportFree(vm *goja.Runtime, v goja.Value, path string, depth int) (any, error) {
	_ = depth
	w := &walker{vm: vm}
	return w.exportFree(v, path)
}

func (wk *walker) exportFree(v goja.Value, path string) (any, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		w, _, err := exportScalar(v, path)
		return w, err
	}
	if t, ok := exportLeaf(o).(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano), nil
	}
	if _, isFn := goja.AssertFunction(v); isFn {
		return nil, &ConversionError{Path: path, Problem: "a function cannot be sent to the API"}
	}
	if err := wk.enter(o, path); err != nil {
		return nil, err
	}
	defer wk.leave()
	if o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		if n > maxFreeArray {
			return nil, &ConversionError{Path: path, Problem: fmt.Sprintf("an array of %d items is too long (at most %d)", n, maxFreeArray)}
		}
		out := make([]any, 0, min(n, 1024))
		for i := 0; i < n; i++ {
			w, err := wk.exportFree(o.Get(strconv.Itoa(i)), fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, w)
		}
		return out, nil
	}
	out := make(map[string]any)
	for _, k := range o.Keys() {
		fv := o.Get(k)
		if fv == nil || goja.IsUndefined(fv) {
			continue
		}
		w, err := wk.exportFree(fv, joinPath(path, k))
		if err != nil {
			return nil, err
		}
		out[k] = w
	}
	return out, nil
}

// maxJSONDepth bounds nesting when decoding responses, so a hostile or
// broken body cannot exhaust the stack.
const maxJSONDepth = 200

// fromWire decodes a JSON response into JS values, renaming keys
// snake→camel except inside free-form objects, and keeping the order of keys
// as the API sent them.
func fromWire(vm *goja.Runtime, data []byte, sh shape) (goja.Value, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return goja.Null(), nil
	}
	v, err := decodeJSON(vm, data, sh, shapeFree(sh))
	if err != nil {
		return nil, fmt.Errorf("decoding response: %w", err)
	}
	return v, nil
}
