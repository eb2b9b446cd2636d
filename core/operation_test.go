package core

import (
	"github.com/clerkscript/clerkscript/internal/packlz"

	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/gen/codegen"
	"github.com/clerkscript/clerkscript/internal/suggest"
)

// TestOperationTableMatchesGenerator decodes the committed table and
// compares every field of every operation with what the generator derives
// from the spec in memory: it fails when the encoding, this decoder or the
// committed file goes wrong.
func TestOperationTableMatchesGenerator(t *testing.T) {
	dir := specDir(t)
	gen := generateFrom(t, dir, filepath.Join(dir, codegen.TSVName)).Operations
	ops, err := unpackOperations(operationStrings, operationRecords)
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) != len(gen) {
		t.Fatalf("%d operations decoded, the generator has %d", len(ops), len(gen))
	}
	for i, g := range gen {
		want := Operation{Name: g.Name, Resource: g.Resource, Method: g.Method, JSName: g.JSName,
			OperationID: g.OperationID, HTTPMethod: g.HTTPMethod, Path: g.Path, Summary: g.Summary,
			Deprecated: g.Deprecated, Response: Response{Status: g.Response.Status, Schema: g.Response.Schema,
				Shape: Shape(g.Response.Shape), Paginated: g.Response.Paginated, ItemsKey: g.Response.ItemsKey}}
		switch want.Response.Shape {
		case ShapeObject, ShapeArray, ShapeList, ShapeNone:
		default:
			want.Response.Shape = ShapeOther
		}
		if g.Body != nil {
			want.Body = &Body{ContentType: g.Body.ContentType, Schema: g.Body.Schema, Array: g.Body.Array, Required: g.Body.Required}
		}
		for _, p := range g.Params {
			var enum []string
			if len(p.Enum) > 0 {
				enum = p.Enum
			}
			want.Params = append(want.Params, Param{Name: p.Name, In: p.In, Type: p.Type, ItemType: p.ItemType,
				Required: p.Required, Enum: enum, CommaSeparated: p.Type == "array" && !p.Explode, Max: p.Max})
		}
		if !reflect.DeepEqual(ops[i], want) {
			t.Errorf("operation %d:\n got %+v\nwant %+v", i, ops[i], want)
		}
	}
	// The accessor serves the same table.
	if !reflect.DeepEqual(Operations(), ops) {
		t.Error("Operations() differs from the decoded table")
	}
}

// The table is ours, not input, but a damaged one must give an error, not
// a panic or a silently shorter table.
func TestDecodeOperationsDamaged(t *testing.T) {
	if _, err := unpackOperations(operationStrings[:len(operationStrings)/2], operationRecords); err == nil {
		t.Error("half the packed string pool decoded without error")
	}
	strs, err := packlz.Unpack(operationStrings)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := packlz.Unpack(operationRecords)
	if err != nil {
		t.Fatal(err)
	}
	// What unpackOperations does, the pool unpacked once.
	for i := 0; i < len(operationRecords); i++ {
		r, err := packlz.Unpack(operationRecords[:i])
		if err == nil {
			_, err = decodeOperations(strs, r)
		}
		if err == nil {
			t.Fatalf("packed records cut at %d of %d decoded without error", i, len(operationRecords))
		}
	}
	for i := 0; i < len(recs); i++ {
		if _, err := decodeOperations(strs, recs[:i]); err == nil {
			t.Fatalf("records cut at %d of %d decoded without error", i, len(recs))
		}
	}
	for _, bad := range []string{"", "\n", "01", "01\n", "00\nx", "zz\n0102"} {
		if _, err := decodeOperations(strs, bad); err == nil {
			t.Errorf("records %q decoded without error", bad)
		}
	}
	// Bytes replaced by a character that is no digit (an error), or by
	// another digit (which may decode: only no panic is asked then); a
	// stride keeps it fast.
	for i := 0; i < len(recs); i += 31 {
		if recs[i] == '\n' {
			continue
		}
		if _, err := decodeOperations(strs, recs[:i]+"!"+recs[i+1:]); err == nil {
			t.Fatalf("a '!' at %d decoded without error", i)
		}
		decodeOperations(strs, recs[:i]+"_"+recs[i+1:])
	}
}

func FuzzDecodeOperations(f *testing.F) {
	strs, err := packlz.Unpack(operationStrings)
	if err != nil {
		f.Fatal(err)
	}
	recs, err := packlz.Unpack(operationRecords)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(recs[:200])
	f.Add("01\n0102010203040506238070800090A0")
	f.Fuzz(func(t *testing.T, recs string) {
		ops, err := decodeOperations(strs, recs)
		if err == nil && len(ops) != strings.Count(recs, "\n") {
			t.Errorf("%d operations from %d records", len(ops), strings.Count(recs, "\n"))
		}
	})
}

func BenchmarkLookupOperation(b *testing.B) {
	operations()
	for b.Loop() {
		if _, ok := LookupOperation("users.getUserList"); !ok {
			b.Fatal("missing")
		}
	}
}

func BenchmarkDecodeOperations(b *testing.B) {
	for b.Loop() {
		if _, err := unpackOperations(operationStrings, operationRecords); err != nil {
			b.Fatal(err)
		}
	}
}

// suggestReference is SuggestOperations as it was written before it used
// the table's alias index: an owner map built on every call.
func suggestReference(name string, n int) []string {
	table := operations()
	var cands []string
	owner := map[string]string{}
	for i := range table {
		op := &table[i]
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

func TestSuggestOperationsMatchesReference(t *testing.T) {
	inputs := []string{"", "x", "users", "users.lst", "user.list", "users.getUserLst", "getUserList",
		"organizations.getOrganizationMembershipList", "invitatons.create", "zzzzzz.qqqq"}
	for i, op := range operations() {
		if i%25 == 0 || op.JSName != "" && i%9 == 0 {
			inputs = append(inputs, op.Name, op.JSName, op.Name[1:], strings.ToUpper(op.Name))
		}
	}
	for i, in := range inputs {
		for _, n := range []int{1, 3, 1000} {
			if n == 1000 && i%8 != 0 {
				continue
			}
			got, want := SuggestOperations(in, n), suggestReference(in, n)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("SuggestOperations(%q, %d) = %v, want %v", in, n, got, want)
			}
		}
	}
	if got := SuggestOperations("users.lst", 3); len(got) == 0 || got[0] != "users.list" {
		t.Errorf("users.lst: %v", got)
	}
}
