package core

import (
	"github.com/clerkscript/clerkscript/internal/packlz"

	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/clerkscript/clerkscript/internal/suggest"
)

// Operation describes one Backend API operation. The generator (internal/gen)
// derives every Operation from the official OpenAPI spec; the Go API, the JS
// bindings, the wasm call export, `clerkscript api` and the emulator's router
// are all driven by this table.
type Operation struct {
	Name        string // "resource.method", e.g. "users.list"
	Resource    string // "users"
	Method      string // "list"
	JSName      string // the @clerk/backend name ("users.getUserList"), "" when there is none
	OperationID string // the spec's operationId
	HTTPMethod  string // "GET", "POST", ...
	Path        string // path template below the version prefix, e.g. "/users/{user_id}"
	Summary     string
	Deprecated  bool
	Params      []Param // path and query parameters, in spec order
	Body        *Body   // nil when the operation takes no request body
	Response    Response
}

// Param is a path or query parameter.
type Param struct {
	Name     string
	In       string // "path" or "query"
	Type     string // "string", "integer", "number", "boolean", "array", "object"
	ItemType string // element type when Type is "array"
	Required bool
	Enum     []string
	// CommaSeparated is set for an array query parameter the spec declares
	// with style=form, explode=false: its values go in one comma-separated
	// value (a=x,y) instead of repeated keys (a=x&a=y).
	CommaSeparated bool
	// Max is the spec's maximum for a numeric parameter (500 for most
	// limits, 100 for API keys and M2M tokens), 0 when the spec sets none.
	Max int64
}

// Body describes an operation's request body.
type Body struct {
	ContentType string // "application/json" or "multipart/form-data"
	Schema      string // name of the schema in the derived schema set (see LookupSchema)
	Array       bool   // the body is a JSON array (bulk endpoints)
	Required    bool
}

// Shape is the JSON shape of a successful response.
type Shape string

const (
	ShapeObject Shape = "object" // a single JSON object
	ShapeArray  Shape = "array"  // a bare JSON array; see Response.Paginated
	ShapeList   Shape = "list"   // {"data": [...], "total_count": n}
	ShapeNone   Shape = "none"   // no body (or an empty one)
	ShapeOther  Shape = "other"  // anything else (strings, objects with another list key)
)

// Response describes an operation's successful response.
type Response struct {
	Status    int    // the success status the spec declares (200, 201, 204)
	Schema    string // name of the response schema in the derived schema set, "" if none
	Shape     Shape
	Paginated bool // the operation accepts paginated=true to turn a bare array into a ShapeList
	// ItemsKey is the key holding the items when Shape is ShapeOther but the
	// response is still a list (for example "m2m_tokens").
	ItemsKey string
}

// IsList reports whether the operation returns a list that can be paginated
// with limit and offset.
func (op *Operation) IsList() bool {
	if op.HTTPMethod != "GET" {
		return false
	}
	if op.Response.Shape != ShapeArray && op.Response.Shape != ShapeList && op.Response.ItemsKey == "" {
		return false
	}
	return op.HasParam("limit") && op.HasParam("offset")
}

// HasParam reports whether the operation declares a path or query parameter.
func (op *Operation) HasParam(name string) bool { return op.Param(name) != nil }

// Param returns the path or query parameter with this name, or nil.
func (op *Operation) Param(name string) *Param {
	for i := range op.Params {
		if op.Params[i].Name == name {
			return &op.Params[i]
		}
	}
	return nil
}

// Idempotent reports whether replaying the request cannot apply it twice:
// GET, HEAD, PUT, DELETE and PATCH. POST is never idempotent in BAPI (it has
// no idempotency keys).
func (op *Operation) Idempotent() bool {
	switch op.HTTPMethod {
	case "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS":
		return true
	}
	return false
}

// The operation table is generated as packed text (operations_gen.go; the
// format is documented in internal/gen/codegen/optable.go), which costs a
// wasm module a fifth of what Go composite literals do, and decoded on
// first use.
var opTable struct {
	once    sync.Once
	ops     []Operation
	byName  map[string]*Operation
	byAlias map[string]*Operation
}

// operations returns the table, decoding it on first use. Every reader of
// the table goes through it.
func operations() []Operation {
	opTable.once.Do(loadOperations)
	return opTable.ops
}

func loadOperations() {
	ops, err := unpackOperations(operationStrings, operationRecords)
	if err != nil {
		// The data is generated and checked by the tests: this is a broken
		// build, not bad input.
		panic("core: the generated operation table is corrupt (run go generate ./core): " + err.Error())
	}
	byName := make(map[string]*Operation, len(ops))
	byAlias := make(map[string]*Operation, len(ops))
	for i := range ops {
		op := &ops[i]
		byName[op.Name] = op
		if op.JSName != "" {
			if _, taken := byAlias[op.JSName]; !taken {
				byAlias[op.JSName] = op
			}
		}
	}
	opTable.ops, opTable.byName, opTable.byAlias = ops, byName, byAlias
}

// unpackOperations decompresses and decodes the generated table.
func unpackOperations(packedStrs, packedRecs string) ([]Operation, error) {
	strs, err := packlz.Unpack(packedStrs)
	if err != nil {
		return nil, err
	}
	recs, err := packlz.Unpack(packedRecs)
	if err != nil {
		return nil, err
	}
	return decodeOperations(strs, recs)
}

// opDecoder reads the fixed-width base-64 tokens of one record line.
type opDecoder struct {
	pool []string
	line string
	bad  bool
}

func (d *opDecoder) num(width int) int {
	if d.bad || len(d.line) < width {
		d.bad = true
		return 0
	}
	v := 0
	for i := 0; i < width; i++ {
		c := d.line[i]
		var k byte
		switch {
		case '0' <= c && c <= '9':
			k = c - '0'
		case 'A' <= c && c <= 'Z':
			k = c - 'A' + 10
		case 'a' <= c && c <= 'z':
			k = c - 'a' + 36
		case c == '-':
			k = 62
		case c == '_':
			k = 63
		default:
			d.bad = true
			return 0
		}
		v = v<<6 | int(k)
	}
	d.line = d.line[width:]
	return v
}

func (d *opDecoder) str() string {
	i := d.num(2)
	if i >= len(d.pool) {
		d.bad = true
	}
	if d.bad {
		return ""
	}
	return d.pool[i]
}

var errOpTable = errors.New("bad operation record")

// decodeOperations decodes the generated table: strs is the string pool, one
// a line, recs the operation count then one record per line.
func decodeOperations(strs, recs string) ([]Operation, error) {
	d := &opDecoder{pool: strings.Split(strs, "\n")}
	lines := strings.Split(recs, "\n")
	d.line = lines[0]
	if n := d.num(2); d.bad || d.line != "" || n != len(lines)-1 {
		return nil, errors.New("operation count does not match the records")
	}
	ops := make([]Operation, len(lines)-1)
	for i := range ops {
		d.line = lines[i+1]
		// Filled on the stack and stored once: field by field into the
		// heap, every string store carries a write barrier (+1 KB of wasm).
		var op Operation
		op.Resource, op.Method = d.str(), d.str()
		op.Name = op.Resource + "." + op.Method
		if a, b := d.str(), d.str(); a != "" || b != "" {
			op.JSName = a + "." + b
		}
		op.OperationID, op.HTTPMethod, op.Path, op.Summary = d.str(), d.str(), d.str(), d.str()
		flags := d.num(1)
		op.Deprecated = flags&1 != 0
		op.Response.Paginated = flags&16 != 0
		op.Response.Status = d.num(2)
		op.Response.Schema = d.str()
		op.Response.Shape = Shape(d.str())
		op.Response.ItemsKey = d.str()
		if flags&2 != 0 {
			op.Body = &Body{ContentType: d.str(), Schema: d.str(), Array: flags&4 != 0, Required: flags&8 != 0}
		}
		if n := d.num(1); n > 0 {
			op.Params = make([]Param, n)
			for j := range op.Params {
				var p Param
				p.Name, p.In, p.Type, p.ItemType = d.str(), d.str(), d.str(), d.str()
				pflags := d.num(1)
				p.Required, p.CommaSeparated = pflags&1 != 0, pflags&2 != 0
				p.Max = int64(d.num(2))
				if n := d.num(1); n > 0 {
					p.Enum = make([]string, n)
					for k := range p.Enum {
						p.Enum[k] = d.str()
					}
				}
				op.Params[j] = p
			}
		}
		if d.bad || d.line != "" {
			return nil, errOpTable
		}
		ops[i] = op
	}
	return ops, nil
}

// Operations returns a copy of every operation of the table, sorted by
// name: changing it changes nothing for anyone else.
func Operations() []Operation {
	table := operations()
	out := make([]Operation, len(table))
	for i, op := range table {
		op.Params = append([]Param(nil), op.Params...)
		for j := range op.Params {
			op.Params[j].Enum = append([]string(nil), op.Params[j].Enum...)
		}
		if op.Body != nil {
			b := *op.Body
			op.Body = &b
		}
		out[i] = op
	}
	return out
}

// LookupOperation finds an operation by its "resource.method" name, or by its
// @clerk/backend alias ("users.getUserList"). The operation returned is the
// table's own, shared by every caller: read it, never modify it (take a
// copy from Operations to change one).
func LookupOperation(name string) (*Operation, bool) {
	operations()
	if op, ok := opTable.byName[name]; ok {
		return op, true
	}
	op, ok := opTable.byAlias[name]
	return op, ok
}

// SuggestOperations returns up to n operation names closest to name (by
// name or @clerk/backend alias), for "did you mean" messages.
func SuggestOperations(name string, n int) []string {
	table := operations()
	cands := make([]string, 0, 2*len(table))
	for i := range table {
		op := &table[i]
		cands = append(cands, op.Name)
		// An alias names the first operation that has it (the generator
		// also keeps aliases apart from names): the table's alias index.
		if op.JSName != "" && opTable.byAlias[op.JSName] == op {
			cands = append(cands, op.JSName)
		}
	}
	var out []string
	for _, c := range suggest.Closest(name, cands, len(cands)) {
		op, _ := LookupOperation(c)
		if !slices.Contains(out, op.Name) {
			out = append(out, op.Name)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
