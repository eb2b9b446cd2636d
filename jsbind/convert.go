package jsbind

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
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

// toWire converts a JS value to the Go value sent on the wire (for
// json.Marshal), renaming object keys camel→snake by the shape, except inside
// free-form objects. It returns ok=false for undefined (the key is omitted).
func toWire(vm *goja.Runtime, v goja.Value, sh shape, path string) (any, bool, error) {
	if v == nil || goja.IsUndefined(v) {
		return nil, false, nil
	}
	if goja.IsNull(v) {
		return nil, true, nil
	}
	if shapeFree(sh) {
		out, err := exportFree(vm, v, path, 0)
		return out, true, err
	}
	switch x := v.Export().(type) {
	case time.Time:
		return dateToWire(x, shapeKind(sh)), true, nil
	case goja.ArrayBuffer:
		return base64.StdEncoding.EncodeToString(x.Bytes()), true, nil
	case []byte:
		return base64.StdEncoding.EncodeToString(x), true, nil
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		return exportScalar(v, path)
	}
	if _, isFn := goja.AssertFunction(v); isFn {
		return nil, false, &ConversionError{Path: path, Problem: "a function cannot be sent to the API"}
	}
	if o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		out := make([]any, 0, n)
		el := shapeElem(sh)
		for i := 0; i < n; i++ {
			w, ok, err := toWire(vm, o.Get(strconv.Itoa(i)), el, fmt.Sprintf("%s[%d]", path, i))
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
			w, err = exportFree(vm, o.Get(k), joinPath(path, k), 0)
			ok = !goja.IsUndefined(o.Get(k))
		} else {
			w, ok, err = toWire(vm, o.Get(k), fsh, joinPath(path, k))
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

func dateToWire(t time.Time, kind string) any {
	if kind == "integer" || kind == "number" {
		// Clerk's query filters (created_at_after...) take Unix milliseconds.
		return t.UnixMilli()
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func exportScalar(v goja.Value, path string) (any, bool, error) {
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
		// BigInt and symbols: send their string form, which is what a
		// Clerk string field expects.
		return v.String(), true, nil
	}
}

// exportFree copies user data as it is: keys unchanged, Dates as RFC 3339.
func exportFree(vm *goja.Runtime, v goja.Value, path string, depth int) (any, error) {
	if depth > 64 {
		return nil, &ConversionError{Path: path, Problem: "nested too deeply (a cycle?)"}
	}
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	if t, ok := v.Export().(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano), nil
	}
	o, isObj := v.(*goja.Object)
	if !isObj {
		w, _, err := exportScalar(v, path)
		return w, err
	}
	if _, isFn := goja.AssertFunction(v); isFn {
		return nil, &ConversionError{Path: path, Problem: "a function cannot be sent to the API"}
	}
	if o.ClassName() == "Array" {
		n := int(o.Get("length").ToInteger())
		out := make([]any, 0, n)
		for i := 0; i < n; i++ {
			w, err := exportFree(vm, o.Get(strconv.Itoa(i)), fmt.Sprintf("%s[%d]", path, i), depth+1)
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
		if goja.IsUndefined(fv) {
			continue
		}
		w, err := exportFree(vm, fv, joinPath(path, k), depth+1)
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
