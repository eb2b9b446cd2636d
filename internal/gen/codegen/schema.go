package codegen

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Schema is the compact derived schema written to core/schemas_gen.json. It
// mirrors core.Schema (which cannot be imported here: core's tests import
// this package).
type Schema struct {
	Ref                  string             `json:"ref,omitempty"`
	Type                 string             `json:"type,omitempty"`
	Format               string             `json:"format,omitempty"`
	Nullable             bool               `json:"nullable,omitempty"`
	Enum                 []any              `json:"enum,omitempty"`
	Properties           map[string]*Schema `json:"properties,omitempty"`
	Required             []string           `json:"required,omitempty"`
	Items                *Schema            `json:"items,omitempty"`
	AdditionalProperties *AdditionalProps   `json:"additionalProperties,omitempty"`
	OneOf                []*Schema          `json:"oneOf,omitempty"`
	AnyOf                []*Schema          `json:"anyOf,omitempty"`
	AllOf                []*Schema          `json:"allOf,omitempty"`

	// order keeps the spec's property order for the Go models; it is not
	// serialised (the JSON consumers look properties up by name).
	order []string
	// desc is the first sentence of the description, for doc comments.
	desc string
}

// AdditionalProps is additionalProperties: false, true, or a schema.
type AdditionalProps struct {
	Allowed bool
	Schema  *Schema
}

// MarshalJSON writes false, true or the schema.
func (a *AdditionalProps) MarshalJSON() ([]byte, error) {
	if a.Schema != nil {
		return json.Marshal(a.Schema)
	}
	return json.Marshal(a.Allowed)
}

func (s *Schema) isRequired(name string) bool {
	for _, r := range s.Required {
		if r == name {
			return true
		}
	}
	return false
}

// propNames returns property names in spec order.
func (s *Schema) propNames() []string {
	if len(s.order) == len(s.Properties) {
		return s.order
	}
	names := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// schemaSet converts spec schemas into derived ones and records which named
// schemas are reachable.
type schemaSet struct {
	sp         *spec
	named      map[string]*Schema // derived name -> schema
	specName   map[string]string  // derived name -> spec component name (or "" for generated)
	requests   map[string]bool    // generated request-body schemas
	inProgress map[string]bool
}

func newSchemaSet(sp *spec) *schemaSet {
	return &schemaSet{sp: sp, named: map[string]*Schema{}, specName: map[string]string{}, requests: map[string]bool{}, inProgress: map[string]bool{}}
}

// component converts components/schemas/<name> (once) and returns its derived name.
func (ss *schemaSet) component(name string) (string, error) {
	dn := goName(name)
	if prev, ok := ss.specName[dn]; ok {
		if prev != name {
			return "", fmt.Errorf("schema name collision: %q and %q both become %q", prev, name, dn)
		}
		return dn, nil
	}
	raw := ss.sp.schemas.m(name)
	if raw == nil {
		return "", fmt.Errorf("unknown schema %q", name)
	}
	ss.specName[dn] = name
	ss.inProgress[dn] = true
	s, err := ss.convert(raw, "#/components/schemas/"+name)
	if err != nil {
		return "", err
	}
	delete(ss.inProgress, dn)
	ss.named[dn] = s
	return dn, nil
}

// add registers a generated (inline) schema under a new name.
func (ss *schemaSet) add(name string, s *Schema) error {
	if _, ok := ss.specName[name]; ok {
		return fmt.Errorf("generated schema name %q collides with an existing schema", name)
	}
	ss.specName[name] = ""
	ss.named[name] = s
	return nil
}

func (ss *schemaSet) refName(ref string) (string, error) {
	const prefix = "#/components/schemas/"
	if len(ref) <= len(prefix) || ref[:len(prefix)] != prefix {
		return "", fmt.Errorf("unsupported $ref %q", ref)
	}
	return ss.component(ref[len(prefix):])
}

// resolve follows refs to a derived schema (nil when the target is still
// being converted, i.e. a recursive reference).
func (ss *schemaSet) resolve(s *Schema) *Schema {
	for i := 0; s != nil && s.Ref != "" && i < 32; i++ {
		s = ss.named[s.Ref]
	}
	return s
}

func (ss *schemaSet) convert(raw *omap, where string) (*Schema, error) {
	if raw == nil {
		return &Schema{}, nil
	}
	if ref := raw.str("$ref"); ref != "" {
		n, err := ss.refName(ref)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		return &Schema{Ref: n, Nullable: raw.bool("nullable")}, nil
	}
	s := &Schema{
		Type:     raw.str("type"),
		Format:   raw.str("format"),
		Nullable: raw.bool("nullable"),
		desc:     firstSentence(raw.str("description")),
	}
	if t, ok := raw.get("type").([]any); ok {
		return nil, fmt.Errorf("%s: type lists (%v) are not supported", where, t)
	}
	for _, e := range raw.list("enum") {
		if e == nil {
			continue // "null" in an enum only repeats nullable
		}
		s.Enum = append(s.Enum, e)
	}
	if props := raw.m("properties"); props != nil {
		s.Properties = map[string]*Schema{}
		for _, k := range props.keys {
			p, err := ss.convert(props.m(k), where+"/properties/"+k)
			if err != nil {
				return nil, err
			}
			s.Properties[k] = p
			s.order = append(s.order, k)
		}
		if s.Type == "" {
			s.Type = "object"
		}
	}
	for _, r := range raw.list("required") {
		if rs, ok := r.(string); ok {
			s.Required = append(s.Required, rs)
		}
	}
	if items := raw.m("items"); items != nil {
		it, err := ss.convert(items, where+"/items")
		if err != nil {
			return nil, err
		}
		s.Items = it
	}
	switch ap := raw.get("additionalProperties").(type) {
	case bool:
		s.AdditionalProperties = &AdditionalProps{Allowed: ap}
	case *omap:
		as, err := ss.convert(ap, where+"/additionalProperties")
		if err != nil {
			return nil, err
		}
		s.AdditionalProperties = &AdditionalProps{Allowed: true, Schema: as}
	}
	for _, kind := range []string{"oneOf", "anyOf", "allOf"} {
		var list []*Schema
		for i, v := range raw.list(kind) {
			vm, _ := v.(*omap)
			c, err := ss.convert(vm, fmt.Sprintf("%s/%s/%d", where, kind, i))
			if err != nil {
				return nil, err
			}
			list = append(list, c)
		}
		switch kind {
		case "oneOf":
			s.OneOf = list
		case "anyOf":
			s.AnyOf = list
		case "allOf":
			s.AllOf = list
		}
	}
	return ss.simplify(s), nil
}

// simplify collapses one-element combinators (the spec's way to make a $ref
// nullable) and merges allOf of plain objects into one object.
func (ss *schemaSet) simplify(s *Schema) *Schema {
	single := func(list []*Schema) *Schema {
		if len(list) != 1 || len(s.Properties) > 0 {
			return nil
		}
		c := *list[0]
		c.Nullable = c.Nullable || s.Nullable
		if c.desc == "" {
			c.desc = s.desc
		}
		return &c
	}
	if c := single(s.AllOf); c != nil && len(s.OneOf) == 0 && len(s.AnyOf) == 0 {
		return c
	}
	if c := single(s.OneOf); c != nil && len(s.AllOf) == 0 && len(s.AnyOf) == 0 {
		return c
	}
	if c := single(s.AnyOf); c != nil && len(s.AllOf) == 0 && len(s.OneOf) == 0 {
		return c
	}
	if len(s.AllOf) > 1 && len(s.OneOf) == 0 && len(s.AnyOf) == 0 {
		merged := &Schema{Type: "object", Nullable: s.Nullable, desc: s.desc, Properties: map[string]*Schema{}}
		req := map[string]bool{}
		parts := append([]*Schema{}, s.AllOf...)
		if len(s.Properties) > 0 {
			parts = append(parts, &Schema{Type: "object", Properties: s.Properties, Required: s.Required, order: s.order})
		}
		for _, p := range parts {
			r := ss.resolve(p)
			if r == nil || r.Type != "object" || len(r.OneOf)+len(r.AnyOf)+len(r.AllOf) > 0 {
				return s // not trivial: keep allOf as is
			}
			if merged.desc == "" && p.Ref == "" {
				merged.desc = r.desc
			}
			for _, k := range r.propNames() {
				if _, seen := merged.Properties[k]; !seen {
					merged.order = append(merged.order, k)
				}
				merged.Properties[k] = r.Properties[k]
			}
			for _, k := range r.Required {
				req[k] = true
			}
			if r.AdditionalProperties != nil && r.AdditionalProperties.Allowed {
				merged.AdditionalProperties = r.AdditionalProperties
			}
		}
		for _, k := range merged.order {
			if req[k] {
				merged.Required = append(merged.Required, k)
			}
		}
		return merged
	}
	return s
}

func firstSentence(d string) string {
	for i := 0; i < len(d); i++ {
		if d[i] == '\n' && i+1 < len(d) && d[i+1] == '\n' {
			d = d[:i]
			break
		}
	}
	out := make([]byte, 0, len(d))
	for i := 0; i < len(d); i++ {
		c := d[i]
		if c == '\n' || c == '\t' || c == '\r' {
			c = ' '
		}
		out = append(out, c)
		if c == '.' && (i+1 == len(d) || d[i+1] == ' ' || d[i+1] == '\n') {
			break
		}
	}
	s := string(out)
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	if rs := []rune(s); len(rs) > 200 {
		s = string(rs[:197]) + "..."
	}
	return s
}
