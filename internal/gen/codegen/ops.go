package codegen

import (
	"fmt"
	"sort"
	"strings"
)

// Operation mirrors core.Operation plus what the emitters need.
type Operation struct {
	Name, Resource, Method, JSName, OperationID, HTTPMethod, Path, Summary string
	Deprecated                                                             bool
	Params                                                                 []Param
	Body                                                                   *Body
	Response                                                               Response

	InTSV bool
}

// Param mirrors core.Param.
type Param struct {
	Name, In, Type, ItemType string
	Required                 bool
	Enum                     []string
	Max                      int64 // the schema's maximum for a numeric parameter, 0 when none

	Explode bool // arrays: repeated keys (true, the OpenAPI default) or one comma-separated value
	Desc    string
	schema  *Schema
}

// Body mirrors core.Body.
type Body struct {
	ContentType, Schema string
	Array, Required     bool
}

// Response mirrors core.Response.
type Response struct {
	Status    int
	Schema    string
	Shape     string
	Paginated bool
	ItemsKey  string
}

type spec struct {
	root, paths, schemas, params, responses, bodies *omap
}

func newSpec(data []byte) (*spec, error) {
	root, err := parseYAML(data)
	if err != nil {
		return nil, err
	}
	comps := root.m("components")
	sp := &spec{root: root, paths: root.m("paths"), schemas: comps.m("schemas"), params: comps.m("parameters"),
		responses: comps.m("responses"), bodies: comps.m("requestBodies")}
	if sp.paths == nil {
		return nil, fmt.Errorf("spec has no paths")
	}
	if sp.schemas == nil {
		sp.schemas = &omap{vals: map[string]any{}}
	}
	return sp, nil
}

var httpMethods = []string{"get", "put", "post", "delete", "options", "head", "patch"}

// tsvRow is one line of required-operations.tsv.
type tsvRow struct {
	Resource, Method, HTTPMethod, Path, OperationID, JSName string
	Deprecated, InSpec                                      bool
	// soft rows come from a committed table, not the TSV: an operation
	// the spec no longer has is dropped instead of failing the run.
	soft bool
}

func parseTSV(data string) ([]tsvRow, error) {
	var rows []tsvRow
	for i, line := range strings.Split(data, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 8 {
			return nil, fmt.Errorf("operations TSV line %d: want 8 tab-separated columns, got %d", i+1, len(f))
		}
		js := f[7]
		if j := strings.IndexByte(js, '('); j >= 0 {
			js = strings.TrimSpace(js[:j])
		}
		rows = append(rows, tsvRow{Resource: f[0], Method: f[1], HTTPMethod: f[2], Path: f[3], OperationID: f[4],
			Deprecated: f[5] == "deprecated", InSpec: f[6] == "yes", JSName: js})
	}
	return rows, nil
}

// nameOverrides are the operations the naming rule would name badly or
// ambiguously; each is documented in docs/NAMING.md.
var nameOverrides = map[string]string{
	"UsersBan":                "users.bulkBan",             // POST /users/ban; users.ban is POST /users/{user_id}/ban
	"UsersUnban":              "users.bulkUnban",           // POST /users/unban
	"ReplaceUserEmailAddress": "users.replaceEmailAddress", // PUT /users/{user_id}/email_address (tag: Email Addresses)
	"ReplaceUserPhoneNumber":  "users.replacePhoneNumber",  // PUT /users/{user_id}/phone_number (tag: Phone Numbers)
}

// ruleName names an operation the TSV does not list: resource is the first
// tag in lowerCamel; method is the operationId without the resource noun.
func ruleName(opID string, tags []string) (resource, method string, err error) {
	if o, ok := nameOverrides[opID]; ok {
		r, m, _ := strings.Cut(o, ".")
		return r, m, nil
	}
	if len(tags) == 0 {
		return "", "", fmt.Errorf("operation %s has no tag to name its resource", opID)
	}
	resource = lowerCamelWords(tags[0])
	id := upperFirst(opID)
	if rest, ok := strings.CutPrefix(id, "CreateBulk"); ok {
		id = "BulkCreate" + rest
	}
	words := splitWords(tags[0])
	if len(words) == 0 {
		return "", "", fmt.Errorf("operation %s: tag %q has no words to name a resource", opID, tags[0])
	}
	for i, w := range words {
		words[i] = upperFirst(strings.ToLower(w))
	}
	plural := strings.Join(words, "")
	sing := strings.Join(words[:len(words)-1], "") + singular(words[len(words)-1])
	cands := []string{plural, sing}
	if len(words) > 1 {
		cands = append(cands, words[0], singular(words[0]))
	}
	removedPlural := false
	for ci, c := range cands {
		if i := findWord(id, c); i >= 0 {
			id = id[:i] + id[i+len(c):]
			removedPlural = (ci == 0 || ci == 2) && !strings.EqualFold(c, cands[ci+1])
			break
		}
	}
	if id == "Get" && removedPlural {
		id = "List"
	}
	for _, prep := range []string{"To", "From", "In", "For", "Of", "On"} {
		if strings.HasSuffix(id, prep) && len(id) > len(prep) {
			id = strings.TrimSuffix(id, prep)
			break
		}
	}
	if id == "" {
		return "", "", fmt.Errorf("operation %s: nothing left after removing the resource noun", opID)
	}
	return resource, lowerFirst(id), nil
}

// findWord finds noun in id case-insensitively where it starts a word and
// ends at a word boundary; -1 if absent.
func findWord(id, noun string) int {
	if noun == "" {
		return -1
	}
	isUpper := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	for i := 1; i+len(noun) <= len(id); i++ {
		j := i + len(noun)
		if isUpper(id[i]) && (j == len(id) || isUpper(id[j])) && strings.EqualFold(id[i:j], noun) {
			return i
		}
	}
	return -1
}

type builder struct {
	sp        *spec
	ss        *schemaSet
	respNames map[string]string // response component -> derived schema name
}

func (b *builder) resolveParam(raw *omap, sp *spec) (*omap, error) {
	if ref := raw.str("$ref"); ref != "" {
		name, ok := strings.CutPrefix(ref, "#/components/parameters/")
		if !ok || sp.params.m(name) == nil {
			return nil, fmt.Errorf("unresolvable parameter $ref %q", ref)
		}
		return sp.params.m(name), nil
	}
	return raw, nil
}

// buildOp derives one operation. sp is the spec that holds the path item
// (component schemas always come from b.ss).
func (b *builder) buildOp(sp *spec, path, method string, item, raw *omap) (*Operation, error) {
	if raw == nil {
		return nil, fmt.Errorf("%s %s: operation is not a mapping", method, path)
	}
	op := &Operation{
		OperationID: raw.str("operationId"),
		HTTPMethod:  strings.ToUpper(method),
		Path:        path,
		Summary:     strings.TrimSpace(strings.ReplaceAll(raw.str("summary"), "\n", " ")),
		Deprecated:  raw.bool("deprecated"),
	}
	if op.OperationID == "" {
		return nil, fmt.Errorf("%s %s: missing operationId", op.HTTPMethod, path)
	}
	where := op.HTTPMethod + " " + path
	seen := map[string]bool{}
	for _, list := range [][]any{item.list("parameters"), raw.list("parameters")} {
		for _, pv := range list {
			pm, _ := pv.(*omap)
			pr, err := b.resolveParam(pm, sp)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			in := pr.str("in")
			if in != "path" && in != "query" {
				continue
			}
			p := Param{Name: pr.str("name"), In: in, Required: pr.bool("required") || in == "path", Explode: true,
				Desc: firstSentence(pr.str("description"))}
			if pr.has("explode") {
				p.Explode = pr.bool("explode")
			}
			if st := pr.str("style"); st != "" && st != "form" && st != "simple" {
				return nil, fmt.Errorf("%s: parameter %s: unsupported style %q", where, p.Name, st)
			}
			if raw := pr.m("schema"); raw != nil {
				switch mx := raw.get("maximum").(type) {
				case int64:
					p.Max = mx
				case float64:
					p.Max = int64(mx)
				}
			}
			s, err := b.ss.convert(pr.m("schema"), where+"/"+p.Name)
			if err != nil {
				return nil, err
			}
			p.schema = s
			rs := b.ss.resolve(s)
			p.Type = rs.Type
			if p.Type == "" {
				p.Type = "string"
			}
			enumSrc := rs
			if rs.Type == "array" && rs.Items != nil {
				it := b.ss.resolve(rs.Items)
				p.ItemType = it.Type
				enumSrc = it
			}
			for _, e := range enumSrc.Enum {
				p.Enum = append(p.Enum, fmt.Sprint(e))
			}
			if seen[p.Name] {
				// Operation-level parameters override path-level ones.
				for i := range op.Params {
					if op.Params[i].Name == p.Name {
						op.Params[i] = p
					}
				}
				continue
			}
			seen[p.Name] = true
			op.Params = append(op.Params, p)
		}
	}
	for _, seg := range strings.Split(path, "/") {
		if strings.HasPrefix(seg, "{") {
			name := strings.Trim(seg, "{}")
			if !seen[name] {
				return nil, fmt.Errorf("%s: path parameter %s is not declared", where, name)
			}
		}
	}
	if err := b.buildBody(sp, op, raw); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if err := b.buildResponse(sp, op, raw); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return op, nil
}

func (b *builder) buildBody(sp *spec, op *Operation, raw *omap) error {
	rb := raw.m("requestBody")
	if rb == nil {
		return nil
	}
	if ref := rb.str("$ref"); ref != "" {
		name, _ := strings.CutPrefix(ref, "#/components/requestBodies/")
		rb = sp.bodies.m(name)
		if rb == nil {
			return fmt.Errorf("unresolvable requestBody $ref %q", ref)
		}
	}
	content := rb.m("content")
	var ct string
	for _, c := range []string{"application/json", "multipart/form-data"} {
		if content.has(c) {
			ct = c
			break
		}
	}
	if ct == "" {
		return fmt.Errorf("request body has no JSON or multipart content (%v)", content.keyList())
	}
	body := &Body{ContentType: ct, Required: rb.bool("required")}
	sraw := content.m(ct).m("schema")
	base := goName(op.OperationID)
	if ref := sraw.str("$ref"); ref != "" {
		n, err := b.ss.refName(ref)
		if err != nil {
			return err
		}
		body.Schema = n
	} else {
		s, err := b.ss.convert(sraw, "requestBody")
		if err != nil {
			return err
		}
		if s.Type == "array" && s.Items != nil && s.Items.Ref == "" && s.Items.Type == "object" {
			if err := b.ss.add(base+"Item", s.Items); err != nil {
				return err
			}
			b.ss.requests[base+"Item"] = true
			s.Items = &Schema{Ref: base + "Item"}
		}
		body.Schema = base + "Request"
		if err := b.ss.add(body.Schema, s); err != nil {
			return err
		}
		b.ss.requests[body.Schema] = true
	}
	rs := b.ss.resolve(&Schema{Ref: body.Schema})
	body.Array = rs != nil && rs.Type == "array"
	op.Body = body
	return nil
}

func (b *builder) buildResponse(sp *spec, op *Operation, raw *omap) error {
	resps := raw.m("responses")
	var codes []string
	for _, k := range resps.keyList() {
		if len(k) == 3 && k[0] == '2' {
			codes = append(codes, k)
		}
	}
	if len(codes) == 0 {
		return fmt.Errorf("no 2xx response")
	}
	sort.Strings(codes)
	code := codes[0]
	fmt.Sscan(code, &op.Response.Status)
	r := resps.m(code)
	respName := ""
	if ref := r.str("$ref"); ref != "" {
		respName, _ = strings.CutPrefix(ref, "#/components/responses/")
		r = sp.responses.m(respName)
		if r == nil {
			return fmt.Errorf("unresolvable response $ref %q", ref)
		}
	}
	content := r.m("content")
	sraw := content.m("application/json").m("schema")
	if sraw == nil {
		op.Response.Shape = "none"
		return nil
	}
	if ref := sraw.str("$ref"); ref != "" {
		n, err := b.ss.refName(ref)
		if err != nil {
			return err
		}
		op.Response.Schema = n
	} else if n, ok := b.respNames[respName]; ok && respName != "" {
		op.Response.Schema = n
	} else {
		s, err := b.ss.convert(sraw, "response")
		if err != nil {
			return err
		}
		name := goName(op.OperationID) + "Response"
		if respName != "" {
			name = goName(respName)
			if _, taken := b.ss.specName[name]; taken {
				name += "Response"
			}
			b.respNames[respName] = name
		}
		if err := b.ss.add(name, s); err != nil {
			return err
		}
		op.Response.Schema = name
	}
	b.classify(op)
	return nil
}

// classify sets Shape, Paginated and ItemsKey from the response schema's
// structure, so lists modelled only through a named schema
// (OrganizationMemberships: {data, total_count}) are found too.
func (b *builder) classify(op *Operation) {
	s := b.ss.resolve(&Schema{Ref: op.Response.Schema})
	op.Response.Shape = "other"
	hasParam := func(n string) bool {
		for _, p := range op.Params {
			if p.Name == n && p.In == "query" {
				return true
			}
		}
		return false
	}
	switch {
	case s == nil:
	case s.Type == "array":
		op.Response.Shape = "array"
		op.Response.Paginated = hasParam("paginated")
	case s.Type == "object" || len(s.Properties) > 0:
		op.Response.Shape = "object"
		if _, ok := s.Properties["total_count"]; ok {
			for _, k := range s.propNames() {
				p := b.ss.resolve(s.Properties[k])
				if p != nil && p.Type == "array" {
					if k == "data" {
						op.Response.Shape = "list"
					} else {
						op.Response.Shape = "other"
						op.Response.ItemsKey = k
					}
					break
				}
			}
		}
	case len(s.AnyOf) > 0 || len(s.OneOf) > 0:
		op.Response.Shape = "object"
		for _, v := range append(append([]*Schema{}, s.AnyOf...), s.OneOf...) {
			if r := b.ss.resolve(v); r == nil || r.Type != "object" {
				op.Response.Shape = "other"
			}
		}
	}
}
