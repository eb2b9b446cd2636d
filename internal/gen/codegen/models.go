package codegen

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

type goStruct struct {
	name    string
	doc     string
	schema  *Schema
	request bool   // pointers for optional scalars, so false/0/"" can be sent
	inline  bool   // an unnamed part of a request body: emitted next to the params
	out     string // rendered source
}

type models struct {
	ss      *schemaSet
	structs map[string]*goStruct // by Go name
	byPtr   map[*Schema]string   // inline schema -> Go name
	kinds   map[string]string
	// reserved are the names core's hand-written code declares; a schema
	// with one of them gets the suffix "Object" as a Go type.
	reserved map[string]bool
	// variantOf maps a spec duplicate ("CommercePlan-2") to the schema it
	// duplicates ("CommercePlan"); variants lists them the other way.
	variantOf map[string]string
	variants  map[string][]string
	// goNames renames generated schemas for Go: a bulk body's item is
	// <Service><Method>Item, next to <Service><Method>Params.
	goNames map[string]string
}

func newModels(ss *schemaSet, hand map[string]bool) *models {
	reserved := map[string]bool{"Client": true} // declared by services_gen.go
	for n := range hand {
		reserved[n] = true
	}
	m := &models{ss: ss, structs: map[string]*goStruct{}, byPtr: map[*Schema]string{}, kinds: map[string]string{},
		reserved: reserved, variantOf: map[string]string{}, variants: map[string][]string{}, goNames: map[string]string{}}
	for dn, spec := range ss.specName {
		i := strings.LastIndexByte(spec, '-')
		if i < 0 || strings.Trim(spec[i+1:], "0123456789") != "" || spec[i+1:] == "" {
			continue
		}
		base := goName(spec[:i])
		if b := ss.named[base]; b != nil && kind(b) == "struct" && kind(ss.named[dn]) == "struct" {
			m.variantOf[dn] = base
			m.variants[base] = append(m.variants[base], dn)
		}
	}
	for _, v := range m.variants {
		sort.Strings(v)
	}
	return m
}

// goTypeName is the Go name of a named schema. The spec repeats a few
// schemas with a "-2" suffix (the same object as another endpoint returns
// it, with more or fewer fields); they share one Go type, the union of
// both, rather than leak a CommercePlan2 into the API.
func (m *models) goTypeName(schemaName string) string {
	if n, ok := m.goNames[schemaName]; ok {
		return n
	}
	if b, ok := m.variantOf[schemaName]; ok {
		schemaName = b
	}
	if m.reserved[schemaName] {
		return schemaName + "Object"
	}
	return schemaName
}

// merged returns the schema of name with the fields of its variants: a
// field is required only where every variant requires it, and nullable
// where any variant allows null.
func (m *models) merged(name string) *Schema {
	s := m.ss.named[name]
	vs := m.variants[name]
	if len(vs) == 0 {
		return s
	}
	out := &Schema{Type: "object", desc: s.desc, Properties: map[string]*Schema{}}
	req := map[string]int{}
	all := append([]string{name}, vs...)
	for _, n := range all {
		v := m.ss.named[n]
		for _, k := range v.propNames() {
			p := v.Properties[k]
			if prev, ok := out.Properties[k]; ok {
				c := *prev
				c.Nullable = c.Nullable || p.Nullable
				if c.Format != p.Format {
					c.Format = ""
				}
				out.Properties[k] = &c
				continue
			}
			out.Properties[k] = p
			out.order = append(out.order, k)
		}
		for _, k := range v.Required {
			req[k]++
		}
	}
	for _, k := range out.order {
		if req[k] == len(all) {
			out.Required = append(out.Required, k)
		}
	}
	return out
}

// kind classifies a schema for Go: struct, map, array, enum, scalar, raw.
func kind(s *Schema) string {
	switch {
	case s == nil:
		return "raw"
	case len(s.Properties) > 0 && onlyRequiredVariants(s):
		// anyOf [{required: [a]}, {required: [b]}] only says which fields
		// must be set: still one struct.
		return "struct"
	case len(s.OneOf)+len(s.AnyOf)+len(s.AllOf) > 0:
		return "raw"
	case len(s.Properties) > 0:
		return "struct"
	case s.Type == "object":
		return "map"
	case s.Type == "array":
		return "array"
	case s.Type == "string" && len(s.Enum) > 0:
		return "enum"
	case s.Type == "string" || s.Type == "integer" || s.Type == "number" || s.Type == "boolean":
		return "scalar"
	}
	return "raw"
}

func scalarGo(s *Schema) string {
	switch s.Type {
	case "string":
		if s.Format == "binary" {
			return "File"
		}
		return "string"
	case "integer":
		return "int64"
	case "number":
		return "float64"
	case "boolean":
		return "bool"
	}
	return "json.RawMessage"
}

// typeExpr returns the Go type for s; ctx names an inline struct.
func (m *models) typeExpr(s *Schema, ctx string, request bool) (string, error) {
	if s.Ref != "" {
		t := m.ss.named[s.Ref]
		if t == nil {
			return "json.RawMessage", nil // recursive reference
		}
		switch kind(t) {
		case "struct", "enum":
			return m.goTypeName(s.Ref), m.ensureNamed(s.Ref)
		case "raw":
			return m.goTypeName(s.Ref), m.ensureNamed(s.Ref)
		}
		// Named schemas are shared, so their inline parts are response-style
		// unless the schema is a generated request body.
		return m.typeExpr(t, m.goTypeName(s.Ref), m.ss.requests[s.Ref])
	}
	switch kind(s) {
	case "raw":
		return "json.RawMessage", nil
	case "struct":
		return m.inlineStruct(s, ctx, request)
	case "map":
		if ap := s.AdditionalProperties; ap != nil && ap.Schema != nil {
			v, err := m.typeExpr(ap.Schema, ctx+"Value", request)
			return "map[string]" + v, err
		}
		return "map[string]any", nil
	case "array":
		if s.Items == nil {
			return "[]json.RawMessage", nil
		}
		it, err := m.typeExpr(s.Items, ctx+"Item", request)
		return "[]" + it, err
	}
	return scalarGo(s), nil
}

func (m *models) ensureNamed(name string) error {
	if b, ok := m.variantOf[name]; ok {
		name = b
	}
	gn := m.goTypeName(name)
	if _, ok := m.structs[gn]; ok {
		return nil
	}
	s := m.merged(name)
	g := &goStruct{name: gn, doc: s.desc, schema: s, request: m.ss.requests[name]}
	m.structs[gn] = g
	switch kind(s) {
	case "struct":
		return m.renderStruct(g)
	case "enum":
		g.out = fmt.Sprintf("type %s string\n", gn)
	default:
		// oneOf/anyOf: an alias keeps json.RawMessage's JSON methods.
		g.out = fmt.Sprintf("type %s = json.RawMessage\n", gn)
	}
	return nil
}

func (m *models) inlineStruct(s *Schema, ctx string, request bool) (string, error) {
	if n, ok := m.byPtr[s]; ok {
		return n, nil
	}
	name := ctx
	for i := 2; m.structs[name] != nil || m.ss.named[name] != nil && name != ctx || m.reserved[name]; i++ {
		name = fmt.Sprintf("%s%d", ctx, i)
	}
	m.byPtr[s] = name
	g := &goStruct{name: name, doc: s.desc, schema: s, request: request, inline: request}
	m.structs[name] = g
	return name, m.renderStruct(g)
}

type field struct {
	goName, typ, tag, doc string
}

// fields renders the fields of an object schema. Request structs use
// pointers for optional scalars so that false, 0 and "" can be sent.
func (m *models) fields(s *Schema, ctx string, request bool, taken map[string]bool) ([]field, error) {
	var out []field
	for _, k := range s.propNames() {
		p := s.Properties[k]
		fn := goName(k)
		for i := 2; taken[fn]; i++ {
			fn = fmt.Sprintf("%s%d", goName(k), i)
		}
		taken[fn] = true
		req := s.isRequired(k)
		t, err := m.typeExpr(p, ctx+goName(k), request)
		if err != nil {
			return nil, err
		}
		r := p
		if p.Ref != "" {
			r = m.ss.named[p.Ref]
		}
		nullable := p.Nullable || (r != nil && r.Nullable)
		switch kind(r) {
		case "struct":
			if !req || nullable {
				t = "*" + t
			}
		case "scalar", "enum":
			if nullable || (request && !req) {
				t = "*" + t
			}
		}
		tag := k
		if !req {
			tag += ",omitempty"
		}
		doc := p.desc
		if doc == "" && r != nil {
			doc = r.desc
		}
		out = append(out, field{goName: fn, typ: t, tag: tag, doc: doc})
	}
	return out, nil
}

func (m *models) renderStruct(g *goStruct) error {
	fs, err := m.fields(g.schema, g.name, g.request, map[string]bool{})
	if err != nil {
		return err
	}
	g.out = renderStruct(g.name, fs)
	return nil
}

func renderStruct(name string, fs []field) string {
	var b strings.Builder
	fmt.Fprintf(&b, "type %s struct {\n", name)
	for _, f := range fs {
		if f.doc != "" {
			fmt.Fprintf(&b, "%s\n", comment(f.doc))
		}
		fmt.Fprintf(&b, "%s %s `json:%q`\n", f.goName, f.typ, f.tag)
	}
	b.WriteString("}\n")
	return b.String()
}

func comment(s string) string {
	s = strings.ReplaceAll(s, "*/", "* /")
	return "// " + strings.TrimSpace(s)
}

func (m *models) emitModels() ([]byte, error) {
	// Only the models the services reach (emitServices ran first): a
	// schema no operation returns or takes is not part of the Go API.
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package core\n\nimport \"encoding/json\"\n\n")
	b.WriteString("var _ json.RawMessage\n\n")
	gnames := make([]string, 0, len(m.structs))
	for n, g := range m.structs {
		if g.inline {
			continue // inline request types live in services_gen.go next to their params
		}
		gnames = append(gnames, n)
	}
	sort.Strings(gnames)
	for _, n := range gnames {
		g := m.structs[n]
		doc := g.doc
		if doc == "" {
			doc = "is the " + n + " schema of the Backend API."
		}
		fmt.Fprintf(&b, "// %s %s\n%s\n", n, lowerDoc(doc), g.out)
	}
	return gofmt("models_gen.go", &b)
}

// lowerDoc makes "The user object." read "The user object." after a type
// name: keeps the sentence, just avoids a doubled type name.
func lowerDoc(d string) string {
	d = strings.TrimSpace(d)
	if strings.HasPrefix(d, "is the ") {
		return d
	}
	return "— " + d
}

func onlyRequiredVariants(s *Schema) bool {
	if len(s.AllOf) > 0 {
		return false
	}
	for _, v := range append(append([]*Schema{}, s.OneOf...), s.AnyOf...) {
		if v.Ref != "" || v.Type != "" || len(v.Properties) > 0 || v.Items != nil || len(v.OneOf)+len(v.AnyOf)+len(v.AllOf) > 0 {
			return false
		}
	}
	return true
}
