package core

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/gen/codegen"
)

// specDir finds the spec as internal/gen does ($CLERK_SPEC_DIR, else
// ../shared/spec, else the verified cache of the pinned upstream files),
// without the network: when none is there, the test says so and how to
// get it.
func specDir(t *testing.T) string {
	t.Helper()
	dir, err := codegen.FindSpecDir("..", os.Getenv("CLERK_SPEC_DIR"))
	if err != nil {
		t.Skipf("cannot check the generated files against the spec: %v", err)
	}
	return dir
}

func generateFrom(t *testing.T, dir, tsv string) *codegen.Output {
	t.Helper()
	out, err := codegen.Generate(codegen.Config{
		SpecPath:    filepath.Join(dir, codegen.SpecFiles[0].Name),
		OldSpecPath: filepath.Join(dir, codegen.SpecFiles[1].Name),
		TSVPath:     tsv,
		TablePath:   "operations_gen.go",
		CoreDir:     ".",
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGeneratedFilesUpToDate regenerates into a temporary directory and
// compares byte for byte with the committed files, so a hand edit or a spec
// update without `go generate ./core` fails here.
func TestGeneratedFilesUpToDate(t *testing.T) {
	dir := specDir(t)
	compareGenerated(t, generateFrom(t, dir, filepath.Join(dir, codegen.TSVName)))
}

// TestGenerateWithoutTSV is a clone without ../shared: the pinned spec and
// the names read back from the committed table give the same files.
func TestGenerateWithoutTSV(t *testing.T) {
	dir := specDir(t)
	compareGenerated(t, generateFrom(t, dir, filepath.Join(t.TempDir(), "absent.tsv")))
}

func compareGenerated(t *testing.T, out *codegen.Output) {
	t.Helper()
	for _, name := range []string{"operations_gen.go", "models_gen.go", "services_gen.go", "schemas_gen.json"} {
		fresh, ok := out.Files[name]
		if !ok {
			t.Fatalf("generator did not produce %s", name)
		}
		committed, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("core/%s is stale: run go generate ./core", name)
		}
	}
}

// TestRequiredOperationsNamed checks every row of required-operations.tsv:
// the name exists with the listed HTTP method and path.
func TestRequiredOperationsNamed(t *testing.T) {
	dir := specDir(t)
	data, err := os.ReadFile(filepath.Join(dir, codegen.TSVName))
	if os.IsNotExist(err) {
		t.Skipf("no %s beside the spec in %s (it lives in ../shared/spec): nothing to check the names against", codegen.TSVName, dir)
	}
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) < 8 {
			t.Fatalf("bad TSV line %q", line)
		}
		n++
		name := f[0] + "." + f[1]
		op, ok := LookupOperation(name)
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if op.Name != name || op.HTTPMethod != f[2] || op.Path != f[3] {
			t.Errorf("%s: got %s %s %s, want %s %s", name, op.Name, op.HTTPMethod, op.Path, f[2], f[3])
		}
		if f[5] == "deprecated" && !op.Deprecated {
			t.Errorf("%s should be deprecated", name)
		}
	}
	if n != 129 {
		t.Errorf("TSV has %d operations, want 129", n)
	}
}

func TestOperationTable(t *testing.T) {
	ops := Operations()
	if len(ops) < 240 {
		t.Fatalf("%d operations, want at least 240", len(ops))
	}
	seen := map[string]bool{}
	for i := range ops {
		op := &ops[i]
		if i > 0 && ops[i-1].Name >= op.Name {
			t.Errorf("table not sorted or has duplicates at %s", op.Name)
		}
		if seen[op.Name] {
			t.Errorf("duplicate name %s", op.Name)
		}
		seen[op.Name] = true
		if op.Name != op.Resource+"."+op.Method {
			t.Errorf("%s: name is not resource.method", op.Name)
		}
		if !strings.HasPrefix(op.Path, "/") || op.OperationID == "" {
			t.Errorf("%s: bad path %q or operationId %q", op.Name, op.Path, op.OperationID)
		}
		for _, p := range op.Params {
			if p.In == "path" && !strings.Contains(op.Path, "{"+p.Name+"}") {
				t.Errorf("%s: path param %s not in %s", op.Name, p.Name, op.Path)
			}
		}
		if op.Body != nil && LookupSchema(op.Body.Schema) == nil {
			t.Errorf("%s: body schema %q missing", op.Name, op.Body.Schema)
		}
		if op.Response.Schema != "" && LookupSchema(op.Response.Schema) == nil {
			t.Errorf("%s: response schema %q missing", op.Name, op.Response.Schema)
		}
		if op.JSName != "" {
			got, ok := LookupOperation(op.JSName)
			if !ok || got.Name != op.Name {
				t.Errorf("alias %s does not resolve to %s", op.JSName, op.Name)
			}
		}
	}
	for _, name := range []string{"machines.list", "machines.get", "machines.createScope", "apiKeys.list", "m2mTokens.list",
		"organizationRoles.list", "billing.getPriceList", "users.bulkBan", "waitlistEntries.bulkCreate"} {
		if !seen[name] {
			t.Errorf("rule-named operation %s missing", name)
		}
	}
}

// TestOperationShapes pins the facts the rest of the project relies on.
func TestOperationShapes(t *testing.T) {
	cases := []struct {
		name      string
		shape     Shape
		paginated bool
		itemsKey  string
		isList    bool
	}{
		{"users.list", ShapeArray, false, "", true},
		{"invitations.list", ShapeArray, true, "", true},
		{"sessions.list", ShapeArray, true, "", true},
		{"organizationMemberships.list", ShapeList, false, "", true},
		{"users.getOrganizationMemberships", ShapeList, false, "", true},
		{"organizations.list", ShapeList, false, "", true},
		{"m2mTokens.list", ShapeOther, false, "m2m_tokens", true},
		{"apiKeys.list", ShapeList, false, "", true},
		{"scimDirectories.list", ShapeList, false, "", true},
		{"users.get", ShapeObject, false, "", false},
		{"instanceSettings.update", ShapeNone, false, "", false},
		{"invitations.bulkCreate", ShapeArray, false, "", false},
	}
	for _, c := range cases {
		op, ok := LookupOperation(c.name)
		if !ok {
			t.Errorf("%s missing", c.name)
			continue
		}
		r := op.Response
		if r.Shape != c.shape || r.Paginated != c.paginated || r.ItemsKey != c.itemsKey || op.IsList() != c.isList {
			t.Errorf("%s: shape %s paginated %v itemsKey %q list %v; want %s %v %q %v", c.name,
				r.Shape, r.Paginated, r.ItemsKey, op.IsList(), c.shape, c.paginated, c.itemsKey, c.isList)
		}
	}
	if op, _ := LookupOperation("invitations.bulkCreate"); op.Body == nil || !op.Body.Array || op.Body.Schema != "CreateBulkInvitationsRequest" {
		t.Errorf("invitations.bulkCreate body: %+v", op.Body)
	}
	if op, _ := LookupOperation("users.setProfileImage"); op.Body == nil || op.Body.ContentType != "multipart/form-data" {
		t.Errorf("users.setProfileImage body: %+v", op.Body)
	}
	if op, _ := LookupOperation("sessions.verify"); !op.Deprecated || op.Path != "/sessions/{session_id}/verify" {
		t.Errorf("sessions.verify: %+v", op)
	}
	if p := mustOp(t, "organizationDomains.listAll").Param("enrollment_mode"); p == nil || !p.CommaSeparated || p.ItemType != "string" || len(p.Enum) == 0 {
		t.Errorf("enrollment_mode: %+v", p)
	}
	if p := mustOp(t, "users.list").Param("email_address"); p == nil || p.CommaSeparated || p.Type != "array" {
		t.Errorf("email_address: %+v", p)
	}
}

func mustOp(t *testing.T, name string) *Operation {
	t.Helper()
	op, ok := LookupOperation(name)
	if !ok {
		t.Fatalf("%s missing", name)
	}
	return op
}

func TestSchemas(t *testing.T) {
	user := LookupSchema("User")
	if user == nil {
		t.Fatal("User schema missing")
	}
	if !user.Property("public_metadata").IsFreeForm() {
		t.Error("User.public_metadata should be free-form")
	}
	if user.Property("email_addresses").IsFreeForm() || user.IsFreeForm() {
		t.Error("User and its email_addresses are not free-form")
	}
	ea := user.Property("email_addresses")
	if ea == nil || ea.Type != "array" || ea.Items.Resolve() != LookupSchema("EmailAddress") {
		t.Errorf("User.email_addresses: %+v", ea)
	}
	if user.Property("no_such_field") != nil || LookupSchema("NoSuchSchema") != nil {
		t.Error("unknown names must give nil")
	}
	var nilSchema *Schema
	if nilSchema.Resolve() != nil || nilSchema.Property("x") != nil || nilSchema.IsFreeForm() {
		t.Error("nil schema helpers must be safe")
	}
	req := LookupSchema("CreateUserRequest")
	if req == nil || req.AdditionalProperties == nil || req.AdditionalProperties.Allowed {
		t.Errorf("CreateUserRequest must forbid unknown keys: %+v", req)
	}
	if !req.Property("private_metadata").IsFreeForm() {
		t.Error("CreateUserRequest.private_metadata should be free-form")
	}
	bulk := LookupSchema("CreateBulkInvitationsRequest")
	if bulk == nil || bulk.Type != "array" || bulk.Items.Resolve() != LookupSchema("CreateBulkInvitationsItem") {
		t.Errorf("bulk body schema: %+v", bulk)
	}
	// allOf [Invitation, {revoked, status}] is merged into one object.
	rev := LookupSchema("InvitationRevoked")
	if rev == nil || rev.Property("email_address") == nil || rev.Property("revoked") == nil || len(rev.AllOf) != 0 {
		t.Errorf("InvitationRevoked not merged: %+v", rev)
	}
}
