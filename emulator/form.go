package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// request is one parsed BAPI request as handlers see it: the operation, the
// path parameters, the query, and the body (a JSON object, a JSON array for
// bulk endpoints, or multipart fields and files).
type request struct {
	op    *core.Operation
	path  map[string]string
	query url.Values
	body  *form   // JSON object or multipart fields; never nil
	items []*form // JSON array body (bulk endpoints)
	array bool    // the body was a JSON array
	files map[string]upload
	now   time.Time
	// machine is the machine whose secret key authenticated the request
	// (m2m token operations only), "" for the instance's secret key.
	machine string
}

// upload is a multipart file part. Only its size and type are kept: the
// emulator never serves the bytes back.
type upload struct {
	Filename    string
	ContentType string
	Size        int
}

// form reads typed fields from a decoded JSON object. The first problem is
// kept (sticky) so a handler can read all its fields and check once.
type form struct {
	m      map[string]any
	prefix string // for error messages in bulk items: "[3]."
	err    *apiError
}

func newForm(m map[string]any) *form {
	if m == nil {
		m = map[string]any{}
	}
	return &form{m: m}
}

func (f *form) fail(e *apiError) {
	if f.err == nil {
		f.err = e
	}
}

func (f *form) name(k string) string { return f.prefix + k }

// has reports whether k is present, even as null.
func (f *form) has(k string) bool { _, ok := f.m[k]; return ok }

// isNull reports whether k is present and null (used to clear a field).
func (f *form) isNull(k string) bool { v, ok := f.m[k]; return ok && v == nil }

// str returns the string at k, or nil when k is absent or null.
func (f *form) str(k string) *string {
	v, ok := f.m[k]
	if !ok || v == nil {
		return nil
	}
	s, ok := v.(string)
	if !ok {
		f.fail(errTypeInvalid(f.name(k), "string"))
		return nil
	}
	return &s
}

// reqStr returns a required, non-empty string.
func (f *form) reqStr(k string) string {
	p := f.str(k)
	if p == nil || strings.TrimSpace(*p) == "" {
		f.fail(errMissing(f.name(k)))
		return ""
	}
	return *p
}

// strOr returns the string at k or def.
func (f *form) strOr(k, def string) string {
	if p := f.str(k); p != nil {
		return *p
	}
	return def
}

// boolp returns the boolean at k, or nil. The strings "true" and "false" are
// accepted because multipart fields and query strings carry no types.
func (f *form) boolp(k string) *bool {
	v, ok := f.m[k]
	if !ok || v == nil {
		return nil
	}
	switch b := v.(type) {
	case bool:
		return &b
	case string:
		if pb, err := strconv.ParseBool(b); err == nil {
			return &pb
		}
	}
	f.fail(errTypeInvalid(f.name(k), "boolean"))
	return nil
}

func (f *form) boolOr(k string, def bool) bool {
	if p := f.boolp(k); p != nil {
		return *p
	}
	return def
}

// intp returns the integer at k, or nil.
func (f *form) intp(k string) *int64 {
	v, ok := f.m[k]
	if !ok || v == nil {
		return nil
	}
	var n int64
	var err error
	switch x := v.(type) {
	case json.Number:
		n, err = x.Int64()
		if err != nil {
			// 3.0 is an integer too; 3.5 is not.
			if fl, ferr := x.Float64(); ferr == nil && fl == math.Trunc(fl) && math.Abs(fl) < 1<<53 {
				n, err = int64(fl), nil
			}
		}
	case string:
		n, err = strconv.ParseInt(x, 10, 64)
	default:
		err = fmt.Errorf("not a number")
	}
	if err != nil {
		f.fail(errTypeInvalid(f.name(k), "integer"))
		return nil
	}
	return &n
}

// strs returns the array of strings at k; a single string is accepted as a
// one-element array, the way Clerk's form decoder does.
func (f *form) strs(k string) ([]string, bool) {
	v, ok := f.m[k]
	if !ok || v == nil {
		return nil, false
	}
	switch x := v.(type) {
	case string:
		return []string{x}, true
	case []any:
		out := make([]string, 0, len(x))
		for _, it := range x {
			s, ok := it.(string)
			if !ok {
				f.fail(errTypeInvalid(f.name(k), "array of strings"))
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	f.fail(errTypeInvalid(f.name(k), "array of strings"))
	return nil, false
}

// obj returns the JSON object at k, or nil. present is true when k was given,
// even as null (which metadata updates read as "clear").
func (f *form) obj(k string) (m map[string]any, present bool) {
	v, ok := f.m[k]
	if !ok {
		return nil, false
	}
	if v == nil {
		return nil, true
	}
	if s, isStr := v.(string); isStr {
		// Multipart requests carry metadata as a JSON string.
		var mm map[string]any
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		if d.Decode(&mm) == nil {
			return mm, true
		}
	}
	m, ok = v.(map[string]any)
	if !ok {
		f.fail(errTypeInvalid(f.name(k), "JSON object"))
		return nil, true
	}
	return m, true
}

// only rejects keys outside allowed with form_param_unknown.
func (f *form) only(allowed map[string]bool) {
	for _, k := range sortedKeys(f.m) {
		if !allowed[k] {
			f.fail(errUnknownParam(f.name(k)))
			return
		}
	}
}

// file reads the multipart file field k. JSON callers (core.Client.Call, for
// one) send a file as {"filename","content_type","data": base64}; that form is
// accepted too.
func (rq *request) file(k string) (upload, bool) {
	if u, ok := rq.files[k]; ok {
		return u, true
	}
	m, ok := rq.body.m[k].(map[string]any)
	if !ok {
		return upload{}, false
	}
	data, _ := m["data"].(string)
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil || len(raw) == 0 {
		return upload{}, false
	}
	fn, _ := m["filename"].(string)
	ct, _ := m["content_type"].(string)
	return upload{Filename: fn, ContentType: ct, Size: len(raw)}, true
}

// param returns a path parameter.
func (rq *request) param(name string) string { return rq.path[name] }

// q returns the first value of a query parameter.
func (rq *request) q(name string) string {
	if v := rq.query[name]; len(v) > 0 {
		return v[0]
	}
	if v := rq.query[name+"[]"]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// qList returns every value of an array query parameter, sent as
// name=a&name=b or name[]=a&name[]=b. Values are not split on commas: an
// external id may contain one.
func (rq *request) qList(name string) []string {
	var out []string
	for _, key := range []string{name, name + "[]"} {
		for _, v := range rq.query[key] {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// qInt parses an integer query parameter within [lo, hi].
func (rq *request) qInt(name string, def, lo, hi int64) (int64, *apiError) {
	s := rq.q(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, errQuery(name, fmt.Sprintf("%s must be an integer, got %q.", name, s))
	}
	if n < lo || n > hi {
		return 0, errQuery(name, fmt.Sprintf("%s must be between %d and %d, got %d.", name, lo, hi, n))
	}
	return n, nil
}

// qBool parses a boolean query parameter; set is false when absent.
func (rq *request) qBool(name string) (v, set bool, e *apiError) {
	s := rq.q(name)
	if s == "" {
		return false, false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, false, errQuery(name, fmt.Sprintf("%s must be true or false, got %q.", name, s))
	}
	return b, true, nil
}

func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sortStrings(ks)
	return ks
}
