package codegen

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

type service struct {
	resource, goName string
	ops              []*Operation
}

func (m *models) emitServices(ops []*Operation) ([]byte, error) {
	byRes := map[string]*service{}
	var order []string
	for _, op := range ops {
		sv := byRes[op.Resource]
		if sv == nil {
			sv = &service{resource: op.Resource, goName: goName(op.Resource)}
			byRes[op.Resource] = sv
			order = append(order, op.Resource)
		}
		sv.ops = append(sv.ops, op)
	}
	sort.Strings(order)
	var b bytes.Buffer
	b.WriteString(clientDoc)
	b.WriteString("type Client struct {\n")
	seenField := map[string]string{}
	for _, r := range order {
		sv := byRes[r]
		if prev, ok := seenField[sv.goName]; ok {
			return nil, fmt.Errorf("resources %s and %s both become Go name %s", prev, r, sv.goName)
		}
		seenField[sv.goName] = r
		fmt.Fprintf(&b, "// %s holds the %s.* operations.\n%s *%sService\n", sv.goName, sv.resource, sv.goName, sv.goName)
	}
	b.WriteString("\nclientState\n}\n\nfunc (c *Client) initServices() {\n")
	for _, r := range order {
		sv := byRes[r]
		fmt.Fprintf(&b, "c.%s = &%sService{c: c}\n", sv.goName, sv.goName)
	}
	b.WriteString("}\n\n")
	var params bytes.Buffer
	for _, r := range order {
		sv := byRes[r]
		fmt.Fprintf(&b, "// %sService groups the %s.* operations.\ntype %sService struct{ c *Client }\n\n", sv.goName, sv.resource, sv.goName)
		for _, op := range sv.ops {
			if err := m.emitMethod(&b, &params, sv, op); err != nil {
				return nil, fmt.Errorf("%s: %w", op.Name, err)
			}
		}
	}
	b.Write(params.Bytes())
	// Inline request types (nested objects of request bodies).
	var reqNames []string
	for n, g := range m.structs {
		if g.inline {
			reqNames = append(reqNames, n)
		}
	}
	sort.Strings(reqNames)
	for _, n := range reqNames {
		g := m.structs[n]
		doc := g.doc
		if doc == "" {
			doc = "is part of a request body."
		}
		fmt.Fprintf(&b, "// %s %s\n%s\n", n, lowerDoc(doc), g.out)
	}
	var f bytes.Buffer
	f.WriteString(header)
	f.WriteString("package core\n\nimport (\n\"context\"\n")
	if bytes.Contains(b.Bytes(), []byte("json.")) {
		f.WriteString("\"encoding/json\"\n")
	}
	f.WriteString("\"iter\"\n)\n\n")
	f.Write(b.Bytes())
	return gofmt("services_gen.go", &f)
}

// clientDoc is Client's doc comment: the type is generated so that its
// service fields are listed by go doc and pkg.go.dev.
const clientDoc = `// Client calls the Clerk Backend API. It is safe for concurrent use.
//
// Each field below is a service grouping the operations of one resource,
// named as Clerk's SDKs name them: c.Users.List, c.Invitations.BulkCreate,
// c.OrganizationMemberships.UpdateMetadata. Every list operation also has
// an iterator (c.Users.All) that walks all pages. Every operation of the
// table is reachable by name through Call (JSON in and out) too; the typed
// services are thin wrappers over it.
`

// pathParams returns the path parameters in the order they appear in the path.
func pathParams(op *Operation) []string {
	var out []string
	for _, seg := range strings.Split(op.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

func (m *models) emitMethod(b, pb *bytes.Buffer, sv *service, op *Operation) error {
	method := goName(op.Method)
	pname := sv.goName + method + "Params"
	// Params struct: query parameters, then body fields.
	var fs []field
	taken := map[string]bool{}
	for _, p := range op.Params {
		if p.In != "query" || (p.Name == "paginated" && op.Response.Paginated) {
			// The typed API always gets the plain array for paginated lists.
			continue
		}
		t, err := m.typeExpr(p.schema, pname+goName(p.Name), true)
		if err != nil {
			return err
		}
		if k := kind(m.ss.resolve(p.schema)); (k == "scalar" || k == "enum") && !p.Required {
			t = "*" + t
		}
		tag := p.Name
		if !p.Required {
			tag += ",omitempty"
		}
		fn := goName(p.Name)
		for i := 2; taken[fn]; i++ {
			fn = fmt.Sprintf("%s%d", goName(p.Name), i)
		}
		taken[fn] = true
		fs = append(fs, field{goName: fn, typ: t, tag: tag, doc: p.Desc})
	}
	var itemsType string
	if op.Body != nil {
		bs := m.ss.resolve(&Schema{Ref: op.Body.Schema})
		switch {
		case op.Body.Array:
			if it := bs.Items; it != nil && it.Ref != "" && m.ss.specName[it.Ref] == "" {
				m.goNames[it.Ref] = sv.goName + method + "Item"
			}
			t, err := m.typeExpr(&Schema{Ref: op.Body.Schema}, pname+"Item", true)
			if err != nil {
				return err
			}
			itemsType = t
		case kind(bs) == "struct":
			wire := map[string]bool{}
			for _, p := range op.Params {
				wire[p.Name] = true
			}
			for k := range bs.Properties {
				if wire[k] {
					return fmt.Errorf("body field %q has the name of a path or query parameter", k)
				}
			}
			bf, err := m.fields(bs, pname, true, taken)
			if err != nil {
				return err
			}
			fs = append(fs, bf...)
		default:
			t, err := m.typeExpr(&Schema{Ref: op.Body.Schema}, pname+"Body", true)
			if err != nil {
				return err
			}
			fs = append(fs, field{goName: "Body", typ: t, tag: "body,omitempty", doc: "Body is the request body, sent as is."})
		}
	}
	hasParams := len(fs) > 0
	if hasParams {
		fmt.Fprintf(pb, "// %s holds the parameters of %s (%s %s)", pname, op.Name, op.HTTPMethod, op.Path)
		if op.Summary != "" {
			fmt.Fprintf(pb, ": %s", strings.TrimSuffix(op.Summary, "."))
		}
		pb.WriteString(".\n")
		if op.Deprecated {
			pb.WriteString("//\n// Deprecated: the Backend API marks this operation as deprecated.\n")
		}
		pb.WriteString(renderStruct(pname, fs))
		pb.WriteString("\n")
	}

	// Result type.
	var result, zero string
	if op.Response.Schema != "" && op.Response.Shape != "none" {
		t, err := m.typeExpr(&Schema{Ref: op.Response.Schema}, goName(op.Response.Schema), false)
		if err != nil {
			return err
		}
		if k := kind(m.ss.resolve(&Schema{Ref: op.Response.Schema})); k == "struct" || k == "scalar" || k == "enum" {
			result, zero = "*"+t, "nil"
		} else {
			result, zero = t, "nil"
		}
	}

	// Doc comment.
	summary := strings.TrimSuffix(op.Summary, ".")
	if summary == "" {
		summary = op.OperationID
	}
	fmt.Fprintf(b, "// %s calls %s (%s %s): %s.\n", method, op.Name, op.HTTPMethod, op.Path, summary)
	if op.Deprecated {
		b.WriteString("//\n// Deprecated: the Backend API marks this operation as deprecated.\n")
	}
	// Signature.
	args := []string{"ctx context.Context"}
	var pathKV []string
	for _, pp := range pathParams(op) {
		local := goLocal(pp)
		args = append(args, local+" string")
		pathKV = append(pathKV, fmt.Sprintf("%q", pp), local)
	}
	paramsArg, bodyArg := "nil", "nil"
	if itemsType != "" {
		args = append(args, "items "+itemsType)
		bodyArg = "items"
	}
	if hasParams {
		args = append(args, "params *"+pname)
		paramsArg = "params"
	}
	args = append(args, "opts ...CallOption")
	path := "nil"
	if len(pathKV) > 0 {
		path = "[]string{" + strings.Join(pathKV, ", ") + "}"
	}
	if result == "" {
		fmt.Fprintf(b, "func (s *%sService) %s(%s) error {\n", sv.goName, method, strings.Join(args, ", "))
		fmt.Fprintf(b, "return s.c.callService(ctx, %q, %s, %s, %s, nil, opts)\n}\n\n", op.Name, path, paramsArg, bodyArg)
		return nil
	}
	fmt.Fprintf(b, "func (s *%sService) %s(%s) (%s, error) {\n", sv.goName, method, strings.Join(args, ", "), result)
	if strings.HasPrefix(result, "*") {
		fmt.Fprintf(b, "var out %s\n", result[1:])
		fmt.Fprintf(b, "if err := s.c.callService(ctx, %q, %s, %s, %s, &out, opts); err != nil {\nreturn %s, err\n}\nreturn &out, nil\n}\n\n",
			op.Name, path, paramsArg, bodyArg, zero)
		return m.emitIterator(b, sv, op, method, args, path, paramsArg)
	}
	fmt.Fprintf(b, "var out %s\n", result)
	fmt.Fprintf(b, "if err := s.c.callService(ctx, %q, %s, %s, %s, &out, opts); err != nil {\nreturn %s, err\n}\nreturn out, nil\n}\n\n",
		op.Name, path, paramsArg, bodyArg, zero)
	return m.emitIterator(b, sv, op, method, args, path, paramsArg)
}

// isList mirrors core's Operation.IsList: a GET whose response is a page of
// items and that takes limit and offset.
func isList(op *Operation) bool {
	if op.HTTPMethod != "GET" || (op.Response.Shape != "array" && op.Response.Shape != "list" && op.Response.ItemsKey == "") {
		return false
	}
	var limit, offset bool
	for _, p := range op.Params {
		limit = limit || p.Name == "limit"
		offset = offset || p.Name == "offset"
	}
	return limit && offset
}

// IteratorName is the Go name of the iterator over a list operation's
// items: All for a resource's list, <Method>Iter for its other lists
// (organizationDomains has both list and listAll).
func IteratorName(method string) string {
	if method == "list" {
		return "All"
	}
	return goName(method) + "Iter"
}

// emitIterator writes the typed iterator of a list operation: every item of
// every page, decoded into the item model, one page in memory at a time.
func (m *models) emitIterator(b *bytes.Buffer, sv *service, op *Operation, method string, args []string, path, paramsArg string) error {
	if !isList(op) {
		return nil
	}
	s := m.ss.resolve(&Schema{Ref: op.Response.Schema})
	var items *Schema
	if s != nil && s.Type == "array" {
		items = s.Items
	} else if s != nil {
		key := "data"
		if op.Response.ItemsKey != "" {
			key = op.Response.ItemsKey
		}
		if p := m.ss.resolve(s.Properties[key]); p != nil {
			items = p.Items
		}
	}
	if items == nil {
		return fmt.Errorf("list operation without an item schema")
	}
	t, err := m.typeExpr(items, goName(op.Response.Schema)+"Item", false)
	if err != nil {
		return err
	}
	name := IteratorName(op.Method)
	fmt.Fprintf(b, "// %s yields every item of %s, fetching page after page as the loop\n// advances (params.Limit, if set, is the page size; see Client.Paginate):\n//\n//\tfor item, err := range c.%s.%s(ctx, ...) { ... }\n//\n// Iteration stops at the first error, which is yielded.\n", name, method, sv.goName, name)
	if op.Deprecated {
		b.WriteString("//\n// Deprecated: the Backend API marks this operation as deprecated.\n")
	}
	fmt.Fprintf(b, "func (s *%sService) %s(%s) iter.Seq2[%s, error] {\n", sv.goName, name, strings.Join(args, ", "), t)
	fmt.Fprintf(b, "return allItems[%s](ctx, s.c, %q, %s, %s, opts)\n}\n\n", t, op.Name, path, paramsArg)
	return nil
}
