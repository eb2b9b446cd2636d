package codegen

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// tableView is what the emitted table records of an operation: the fields
// of core.Operation (Explode only matters as CommaSeparated, the shape is
// core's).
func tableView(op *Operation) Operation {
	v := Operation{Name: op.Name, Resource: op.Resource, Method: op.Method, JSName: op.JSName,
		OperationID: op.OperationID, HTTPMethod: op.HTTPMethod, Path: op.Path, Summary: op.Summary,
		Deprecated: op.Deprecated, Response: op.Response}
	v.Response.Shape = coreShape(v.Response.Shape)
	if op.Body != nil {
		b := *op.Body
		v.Body = &b
	}
	for _, p := range op.Params {
		v.Params = append(v.Params, Param{Name: p.Name, In: p.In, Type: p.Type, ItemType: p.ItemType,
			Required: p.Required, Enum: p.Enum, Max: p.Max, Explode: !(p.Type == "array" && !p.Explode)})
	}
	return v
}

// TestTableRoundTrip decodes the emitted operations_gen.go (as the names
// fallback does) and compares every operation with the generator's.
func TestTableRoundTrip(t *testing.T) {
	out := generateTiny(t)
	path := filepath.Join(t.TempDir(), "operations_gen.go")
	if err := os.WriteFile(path, out.Files["operations_gen.go"], 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := readTable(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(out.Operations) {
		t.Fatalf("%d operations decoded, want %d", len(got), len(out.Operations))
	}
	sawComma, sawEnum, sawBody := false, false, false
	for i, op := range out.Operations {
		want := tableView(op)
		if g := tableView(got[i]); !reflect.DeepEqual(g, want) {
			t.Errorf("operation %d:\n got %+v\nwant %+v", i, g, want)
		}
		for _, p := range want.Params {
			sawComma = sawComma || !p.Explode
			sawEnum = sawEnum || len(p.Enum) > 0
		}
		sawBody = sawBody || want.Body != nil
	}
	if !sawComma || !sawEnum || !sawBody {
		t.Errorf("the tiny spec no longer exercises every field (comma %v, enum %v, body %v)", sawComma, sawEnum, sawBody)
	}
}

func TestTableDecodeTruncated(t *testing.T) {
	ops := generateTiny(t).Operations
	strs, recs, err := encodeTable(ops)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(recs); i++ {
		if _, err := decodeTable(strs, recs[:i]); err == nil {
			t.Fatalf("records cut at %d of %d decoded without error", i, len(recs))
		}
	}
	if _, err := decodeTable(strs[:len(strs)/2], recs); err == nil {
		t.Error("half the string pool decoded without error")
	}
}

func TestTableEncodeErrors(t *testing.T) {
	base := func() *Operation {
		return &Operation{Name: "a.b", Resource: "a", Method: "b", HTTPMethod: "GET", Path: "/a", Response: Response{Status: 200}}
	}
	cases := []struct {
		name string
		edit func(*Operation)
		want string
	}{
		{"newline", func(op *Operation) { op.Summary = "two\nlines" }, "newline"},
		{"backquote", func(op *Operation) { op.Summary = "a `b`" }, "backquote"},
		{"alias without dot", func(op *Operation) { op.JSName = "nodot" }, "no dot"},
		{"name", func(op *Operation) { op.Name = "x.y" }, "resource.method"},
		{"status", func(op *Operation) { op.Response.Status = 5000 }, "status 5000"},
		{"max", func(op *Operation) { op.Params = []Param{{Name: "limit", Max: -1}} }, "maximum of limit -1"},
	}
	for _, c := range cases {
		op := base()
		c.edit(op)
		_, _, err := encodeTable([]*Operation{op})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want %q", c.name, err, c.want)
		}
	}
	if _, _, err := encodeTable([]*Operation{base()}); err != nil {
		t.Errorf("valid operation: %v", err)
	}
}
