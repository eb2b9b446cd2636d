package core

import (
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

var (
	opsByName  map[string]*Operation
	opsByAlias map[string]*Operation
)

func init() {
	opsByName = make(map[string]*Operation, len(operationTable))
	opsByAlias = make(map[string]*Operation, len(operationTable))
	for i := range operationTable {
		op := &operationTable[i]
		opsByName[op.Name] = op
		if op.JSName != "" {
			if _, taken := opsByAlias[op.JSName]; !taken {
				opsByAlias[op.JSName] = op
			}
		}
	}
}

// Operations returns a copy of every operation of the table, sorted by
// name: changing it changes nothing for anyone else.
func Operations() []Operation {
	out := make([]Operation, len(operationTable))
	for i, op := range operationTable {
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
	if op, ok := opsByName[name]; ok {
		return op, true
	}
	op, ok := opsByAlias[name]
	return op, ok
}

// SuggestOperations returns up to n operation names closest to name (by
// name or @clerk/backend alias), for "did you mean" messages.
func SuggestOperations(name string, n int) []string {
	cands := make([]string, 0, 2*len(operationTable))
	owner := make(map[string]string, 2*len(operationTable))
	for i := range operationTable {
		op := &operationTable[i]
		cands = append(cands, op.Name)
		owner[op.Name] = op.Name
		if op.JSName != "" {
			if _, taken := owner[op.JSName]; !taken {
				cands = append(cands, op.JSName)
				owner[op.JSName] = op.Name
			}
		}
	}
	var out []string
	seen := map[string]bool{}
	for _, c := range suggest.Closest(name, cands, len(cands)) {
		if o := owner[c]; !seen[o] {
			seen[o] = true
			out = append(out, o)
			if len(out) == n {
				break
			}
		}
	}
	return out
}
