package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// specGaps lists properties the emulator answers null although the spec marks
// them required and non-nullable, because Clerk itself does: an organization
// invitation created without an inviter has no inviter data.
var specGaps = map[string]bool{"public_inviter_data": true}

// validate checks v (decoded with UseNumber) against a derived schema:
// types, enums, required properties, and no undeclared properties where the
// schema says additionalProperties: false. It returns every problem found.
func validate(s *core.Schema, v any, path string) []string {
	if s == nil {
		return nil
	}
	nullable := s.Nullable // a reference can be nullable where its target is not
	s = s.Resolve()
	if s == nil {
		return nil
	}
	if v == nil {
		if nullable {
			return nil
		}
		if s.Nullable || specGaps[lastSeg(path)] || (s.Type == "" && len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) == 0) {
			return nil
		}
		return []string{path + ": null where the schema is not nullable"}
	}
	if len(s.AllOf) > 0 {
		return validate(mergeAllOf(s), v, path)
	}
	if alts := append(append([]*core.Schema{}, s.OneOf...), s.AnyOf...); len(alts) > 0 {
		var first []string
		for i, alt := range alts {
			errs := validate(alt, v, path)
			if len(errs) == 0 {
				return nil
			}
			if i == 0 {
				first = errs
			}
		}
		return append([]string{path + ": matches none of the alternatives"}, first...)
	}
	var errs []string
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", path, v, s.Enum))
	}
	switch s.Type {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: want object, got %T", path, v))
		}
		for _, r := range s.Required {
			if _, ok := m[r]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing required %q", path, r))
			}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := s.Properties[k]; ok {
				errs = append(errs, validate(ps, m[k], path+"."+k)...)
				continue
			}
			if s.AdditionalProperties != nil && !s.AdditionalProperties.Allowed {
				errs = append(errs, fmt.Sprintf("%s: property %q is not in the schema", path, k))
			} else if s.AdditionalProperties != nil && s.AdditionalProperties.Schema != nil {
				errs = append(errs, validate(s.AdditionalProperties.Schema, m[k], path+"."+k)...)
			}
		}
	case "array":
		a, ok := v.([]any)
		if !ok {
			return append(errs, fmt.Sprintf("%s: want array, got %T", path, v))
		}
		for i, it := range a {
			errs = append(errs, validate(s.Items, it, fmt.Sprintf("%s[%d]", path, i))...)
		}
	case "string":
		if _, ok := v.(string); !ok {
			errs = append(errs, fmt.Sprintf("%s: want string, got %T", path, v))
		}
	case "integer":
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			errs = append(errs, fmt.Sprintf("%s: want integer, got %v", path, v))
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			errs = append(errs, fmt.Sprintf("%s: want number, got %T", path, v))
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			errs = append(errs, fmt.Sprintf("%s: want boolean, got %T", path, v))
		}
	}
	return errs
}

func lastSeg(path string) string {
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// mergeAllOf folds allOf parts into one object schema: properties and
// required lists are united; undeclared keys are rejected only when every
// part rejects them.
func mergeAllOf(s *core.Schema) *core.Schema {
	out := &core.Schema{Type: "object", Properties: map[string]*core.Schema{}, Nullable: s.Nullable}
	closed := true
	parts := append([]*core.Schema{}, s.AllOf...)
	base := *s
	base.AllOf = nil
	if base.Type != "" || len(base.Properties) > 0 {
		parts = append(parts, &base)
	}
	for _, p := range parts {
		p = p.Resolve()
		if p == nil {
			continue
		}
		if len(p.AllOf) > 0 {
			p = mergeAllOf(p)
		}
		if p.Type != "" && p.Type != "object" {
			return p
		}
		for k, v := range p.Properties {
			out.Properties[k] = v
		}
		out.Required = append(out.Required, p.Required...)
		if p.AdditionalProperties == nil || p.AdditionalProperties.Allowed {
			closed = false
		}
	}
	if closed {
		out.AdditionalProperties = &core.AdditionalProperties{}
	}
	return out
}

// checkResponse validates a successful response body against the
// operation's declared response schema.
func checkResponse(t *testing.T, opName string, body []byte) {
	t.Helper()
	op, ok := core.LookupOperation(opName)
	if !ok {
		t.Fatalf("no operation %s", opName)
	}
	if op.Response.Schema == "" {
		return
	}
	s := core.LookupSchema(op.Response.Schema)
	if s == nil {
		t.Fatalf("%s: no schema %s", opName, op.Response.Schema)
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("%s: response is not JSON: %v\n%s", opName, err, body)
	}
	// paginated=true turns a bare array into {data, total_count}: check the
	// items against the array's item schema.
	if m, isObj := v.(map[string]any); isObj && s.Resolve().Type == "array" {
		if _, has := m["data"]; has && op.Response.Paginated {
			if errs := validate(s, m["data"], opName); len(errs) > 0 {
				t.Errorf("%s: response does not match %s:\n  %s", opName, op.Response.Schema, strings.Join(errs, "\n  "))
			}
			return
		}
	}
	if errs := validate(s, v, opName); len(errs) > 0 {
		t.Errorf("%s: response does not match %s:\n  %s\n%s", opName, op.Response.Schema, strings.Join(errs, "\n  "), body)
	}
}

func TestValidatorCatchesProblems(t *testing.T) {
	s := core.LookupSchema("RedirectURL")
	if s == nil {
		t.Fatal("no RedirectURL schema")
	}
	cases := map[string]string{
		"missing":  `{"object":"redirect_url","id":"ru_1","created_at":1,"updated_at":1}`,
		"unknown":  `{"object":"redirect_url","id":"ru_1","url":"x","created_at":1,"updated_at":1,"extra":1}`,
		"type":     `{"object":"redirect_url","id":"ru_1","url":"x","created_at":"1","updated_at":1}`,
		"enum":     `{"object":"redirect","id":"ru_1","url":"x","created_at":1,"updated_at":1}`,
		"null":     `{"object":"redirect_url","id":null,"url":"x","created_at":1,"updated_at":1}`,
		"notobj":   `[]`,
		"fraction": `{"object":"redirect_url","id":"ru_1","url":"x","created_at":1.5,"updated_at":1}`,
	}
	for name, js := range cases {
		d := json.NewDecoder(strings.NewReader(js))
		d.UseNumber()
		var v any
		if err := d.Decode(&v); err != nil {
			t.Fatal(err)
		}
		if errs := validate(s, v, "x"); len(errs) == 0 {
			t.Errorf("%s: validator accepted %s", name, js)
		}
	}
	ok := `{"object":"redirect_url","id":"ru_1","url":"x","created_at":1,"updated_at":1}`
	d := json.NewDecoder(strings.NewReader(ok))
	d.UseNumber()
	var v any
	_ = d.Decode(&v)
	if errs := validate(s, v, "x"); len(errs) > 0 {
		t.Errorf("validator rejected a valid object: %v", errs)
	}
}
