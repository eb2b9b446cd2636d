package codegen

import (
	"encoding/json"
	"strings"
	"testing"
)

const tinySpec = `
openapi: 3.0.3
paths:
  /widgets:
    get:
      operationId: ListWidgets
      tags: [Widgets]
      summary: List widgets
      parameters:
        - $ref: '#/components/parameters/LimitParameter'
        - {name: offset, in: query, schema: {type: integer}}
        - {name: paginated, in: query, schema: {type: boolean}}
        - {name: kind, in: query, style: form, explode: false, schema: {type: array, items: {type: string, enum: [a, b]}}}
      responses:
        '200':
          $ref: '#/components/responses/Widget.List'
    post:
      operationId: CreateWidget
      tags: [Widgets]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string}
                notify: {type: boolean}
                metadata: {type: object, additionalProperties: true}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Widget'}
  /widgets/bulk:
    post:
      operationId: CreateBulkWidgets
      tags: [Widgets]
      requestBody:
        content:
          application/json:
            schema:
              type: array
              items:
                type: object
                properties:
                  name: {type: string}
      responses:
        '200':
          $ref: '#/components/responses/Widget.List'
  /widgets/{widget_id}:
    delete:
      operationId: DeleteWidget
      tags: [Widgets]
      parameters:
        - {name: widget_id, in: path, required: true, schema: {type: string}}
      responses:
        '204': {description: gone}
  /widgets/{widget_id}/parts:
    get:
      operationId: ListWidgetParts
      tags: [Widgets]
      parameters:
        - {name: widget_id, in: path, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/WidgetParts'}
  /gadgets:
    get:
      operationId: getGadgets
      tags: [Gadgets]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema:
                type: object
                properties:
                  gadgets: {type: array, items: {type: string}}
                  total_count: {type: integer}
components:
  parameters:
    LimitParameter: {name: limit, in: query, schema: {type: integer}}
  responses:
    Widget.List:
      description: ok
      content:
        application/json:
          schema: {type: array, items: {$ref: '#/components/schemas/Widget'}}
  schemas:
    Widget:
      description: A widget. It is small.
      type: object
      required: [id]
      properties:
        id: {type: string}
        label: {type: string, nullable: true}
        owner:
          allOf: [{$ref: '#/components/schemas/Owner'}]
          nullable: true
        public_metadata: {type: object, additionalProperties: true}
    Owner:
      type: object
      properties:
        user_id: {type: string}
    WidgetParts:
      type: object
      properties:
        data: {type: array, items: {$ref: '#/components/schemas/Owner'}}
        total_count: {type: integer}
    Unused:
      type: object
      properties:
        x: {type: string}
`

const tinyTSV = "# header\n" +
	"widgets\tlist\tGET\t/widgets\tListWidgets\t\tyes\twidgets.getWidgetList\n" +
	"widgets\tcreate\tPOST\t/widgets\tCreateWidget\t\tyes\twidgets.createWidget (template)\n"

func generateTiny(t *testing.T) *Output {
	t.Helper()
	out, err := GenerateFrom([]byte(tinySpec), nil, tinyTSV)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func opByName(t *testing.T, out *Output, name string) *Operation {
	t.Helper()
	for _, op := range out.Operations {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("no operation %s", name)
	return nil
}

func TestGenerateTinySpec(t *testing.T) {
	out := generateTiny(t)
	var names []string
	for _, op := range out.Operations {
		names = append(names, op.Name)
	}
	want := "gadgets.list widgets.bulkCreate widgets.create widgets.delete widgets.list widgets.listParts"
	if got := strings.Join(names, " "); got != want {
		t.Fatalf("names:\n got %s\nwant %s", got, want)
	}

	list := opByName(t, out, "widgets.list")
	if list.JSName != "widgets.getWidgetList" || list.Response.Shape != "array" || !list.Response.Paginated || list.Response.Schema != "WidgetList" {
		t.Errorf("widgets.list: %+v", list)
	}
	if len(list.Params) != 4 || list.Params[0].Name != "limit" || list.Params[0].Type != "integer" {
		t.Errorf("params (with $ref resolved): %+v", list.Params)
	}
	if k := list.Params[3]; k.Explode || k.ItemType != "string" || strings.Join(k.Enum, ",") != "a,b" {
		t.Errorf("kind param: %+v", k)
	}
	create := opByName(t, out, "widgets.create")
	if create.JSName != "widgets.createWidget" || create.Body == nil || create.Body.Schema != "CreateWidgetRequest" || create.Body.Array || !create.Body.Required {
		t.Errorf("widgets.create: %+v %+v", create, create.Body)
	}
	bulk := opByName(t, out, "widgets.bulkCreate")
	if bulk.Body == nil || !bulk.Body.Array || bulk.Body.Schema != "CreateBulkWidgetsRequest" {
		t.Errorf("widgets.bulkCreate body: %+v", bulk.Body)
	}
	if del := opByName(t, out, "widgets.delete"); del.Response.Shape != "none" || del.Response.Status != 204 {
		t.Errorf("widgets.delete: %+v", del.Response)
	}
	if parts := opByName(t, out, "widgets.listParts"); parts.Response.Shape != "list" || parts.Response.Schema != "WidgetParts" {
		t.Errorf("structural {data,total_count}: %+v", parts.Response)
	}
	if g := opByName(t, out, "gadgets.list"); g.Response.Shape != "other" || g.Response.ItemsKey != "gadgets" {
		t.Errorf("gadgets list key: %+v", g.Response)
	}

	var schemas map[string]json.RawMessage
	if err := json.Unmarshal(out.Files["schemas_gen.json"], &schemas); err != nil {
		t.Fatal(err)
	}
	if _, ok := schemas["Unused"]; ok {
		t.Error("unreachable schema emitted")
	}
	for _, n := range []string{"Widget", "Owner", "WidgetList", "CreateWidgetRequest", "CreateBulkWidgetsRequest", "CreateBulkWidgetsItem"} {
		if _, ok := schemas[n]; !ok {
			t.Errorf("schema %s missing", n)
		}
	}
	if got := string(schemas["WidgetList"]); got != `{"type":"array","items":{"ref":"Widget"}}` {
		t.Errorf("WidgetList = %s", got)
	}
	// allOf [$ref] + nullable collapses to a nullable ref.
	if got := string(schemas["Widget"]); !strings.Contains(got, `"owner":{"ref":"Owner","nullable":true}`) || strings.Contains(got, "small") {
		t.Errorf("Widget = %s", got)
	}
	if got := string(schemas["CreateWidgetRequest"]); !strings.Contains(got, `"additionalProperties":false`) {
		t.Errorf("CreateWidgetRequest = %s", got)
	}

	models := squash(string(out.Files["models_gen.go"]))
	for _, want := range []string{
		"// Widget — A widget.",
		"Label *string `json:\"label,omitempty\"`",
		"Owner *Owner `json:\"owner,omitempty\"`",
		"PublicMetadata map[string]any `json:\"public_metadata,omitempty\"`",
	} {
		if !strings.Contains(models, want) {
			t.Errorf("models_gen.go lacks %q", want)
		}
	}
	// A request body flattened into its params struct is not also a model.
	if strings.Contains(models, "type CreateWidgetRequest") {
		t.Error("models_gen.go declares CreateWidgetRequest, which the API never uses")
	}
	services := squash(string(out.Files["services_gen.go"]))
	for _, want := range []string{
		"Widgets *WidgetsService",
		"func (s *WidgetsService) List(ctx context.Context, params *WidgetsListParams, opts ...CallOption) ([]Widget, error)",
		"func (s *WidgetsService) BulkCreate(ctx context.Context, items []WidgetsBulkCreateItem, opts ...CallOption) ([]Widget, error)",
		"func (s *WidgetsService) Delete(ctx context.Context, widgetID string, opts ...CallOption) error",
		"func (s *WidgetsService) Create(ctx context.Context, params *WidgetsCreateParams, opts ...CallOption) (*Widget, error)",
		"Name string `json:\"name\"`",
		"Notify *bool `json:\"notify,omitempty\"`", // request: optional bool is a pointer
		"func (s *WidgetsService) All(ctx context.Context, params *WidgetsListParams, opts ...CallOption) iter.Seq2[Widget, error]",
		"Widgets *WidgetsService\n\n clientState\n}", // services are exported fields of Client
	} {
		if !strings.Contains(services, want) {
			t.Errorf("services_gen.go lacks %q", want)
		}
	}
	if strings.Contains(services, "Paginated") {
		t.Error("typed list params must not offer paginated (it changes the result shape)")
	}
	ops := string(out.Files["operations_gen.go"])
	if !strings.HasPrefix(ops, "// Code generated by internal/gen from bapi-2026-05-12.yml. DO NOT EDIT.") ||
		!strings.Contains(ops, "const operationStrings = ") || !strings.Contains(ops, "const operationRecords = ") {
		t.Errorf("operations_gen.go:\n%s", ops)
	}
}

// squash collapses gofmt's alignment so fields can be matched as text.
func squash(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' }), " ")
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := generateTiny(t), generateTiny(t)
	for name := range a.Files {
		if string(a.Files[name]) != string(b.Files[name]) {
			t.Errorf("%s differs between runs", name)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	cases := []struct {
		name, spec, tsv, want string
	}{
		{"collision", strings.Replace(tinySpec, "operationId: ListWidgetParts", "operationId: ListWidgets", 1), "", "operation name collision: widgets.list"},
		{"tsv op not in spec", tinySpec, "widgets\tfrob\tPOST\t/frob\tFrob\t\tyes\t\n", "widgets.frob (POST /frob) is not in the spec"},
		{"bad tsv", tinySpec, "too\tfew\n", "want 8 tab-separated columns"},
		{"bad ref", strings.Replace(tinySpec, "$ref: '#/components/schemas/WidgetParts'", "$ref: '#/components/schemas/Nope'", 1), "", `unknown schema "Nope"`},
		{"undeclared path param", strings.Replace(tinySpec, "        - {name: widget_id, in: path, required: true, schema: {type: string}}\n      responses:\n        '204'", "      responses:\n        '204'", 1), "", "path parameter widget_id is not declared"},
		{"not yaml", "paths: [", "", "spec:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := GenerateFrom([]byte(c.spec), nil, c.tsv)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestRuleName(t *testing.T) {
	cases := []struct{ opID, tag, want string }{
		{"ListMachines", "Machines", "machines.list"},
		{"GetMachine", "Machines", "machines.get"},
		{"CreateMachineScope", "Machines", "machines.createScope"},
		{"RotateMachineSecretKey", "Machines", "machines.rotateSecretKey"},
		{"getApiKeys", "API Keys", "apiKeys.list"},
		{"getApiKey", "API Keys", "apiKeys.get"},
		{"getApiKeySecret", "API Keys", "apiKeys.getSecret"},
		{"getM2MTokens", "M2M Tokens", "m2mTokens.list"},
		{"verifyOAuthAccessToken", "OAuth Access Tokens", "oauthAccessTokens.verify"},
		{"CreateBulkWaitlistEntries", "Waitlist Entries", "waitlistEntries.bulkCreate"},
		{"AssignPermissionToOrganizationRole", "Organization Roles", "organizationRoles.assignPermission"},
		{"AddRolesToRoleSet", "Role Sets", "roleSets.addRoles"},
		{"ListSCIMGroupRoleMappings", "SCIM Directories", "scimDirectories.listGroupRoleMappings"},
		{"RotateSCIMDirectoryAPIKey", "SCIM Directories", "scimDirectories.rotateAPIKey"},
		{"GetInstanceProtect", "Instance Settings", "instanceSettings.getProtect"},
		{"GetBillingPriceList", "Billing", "billing.getPriceList"},
		{"PrepareEmailAddressVerification", "Email Addresses", "emailAddresses.prepareVerification"},
		{"RemoveUserPassword", "Users", "users.removePassword"},
		{"UsersBan", "Users", "users.bulkBan"},
		{"ReplaceUserEmailAddress", "Email Addresses", "users.replaceEmailAddress"},
	}
	for _, c := range cases {
		r, m, err := ruleName(c.opID, []string{c.tag})
		if err != nil || r+"."+m != c.want {
			t.Errorf("ruleName(%s, %s) = %s.%s, %v; want %s", c.opID, c.tag, r, m, err, c.want)
		}
	}
	if _, _, err := ruleName("Widgets", nil); err == nil {
		t.Error("no tag must be an error")
	}
}

func TestGoName(t *testing.T) {
	cases := map[string]string{
		"user_id": "UserID", "public_metadata": "PublicMetadata", "oauth_access_tokens": "OAuthAccessTokens",
		"JWKS.ed25519.PublicKey": "JWKSEd25519PublicKey", "verification_otp": "VerificationOTP",
		"CommercePerUnitTotalTier-2": "CommercePerUnitTotalTier2", "web3_wallets": "Web3Wallets",
		"apiKeyID": "APIKeyID", "m2mTokens": "M2MTokens", "generateSvixAuthURL": "GenerateSvixAuthURL",
		"disableMfa": "DisableMFA", "SAMLConnection": "SAMLConnection", "totp_enabled": "TOTPEnabled",
		"2fa": "N2fa",
	}
	for in, want := range cases {
		if got := goName(in); got != want {
			t.Errorf("goName(%q) = %q, want %q", in, got, want)
		}
	}
	if got := goLocal("user_id"); got != "userID" {
		t.Errorf("goLocal(user_id) = %q", got)
	}
	if got := goLocal("type"); got != "type_" {
		t.Errorf("goLocal(type) = %q", got)
	}
}

// FuzzParseTSV: the TSV parser never panics and every row it accepts has
// the eight columns.
func FuzzParseTSV(f *testing.F) {
	f.Add(tinyTSV)
	f.Add("a\tb\tc\td\te\tf\tg\th (x\n")
	f.Fuzz(func(t *testing.T, s string) {
		rows, err := parseTSV(s)
		if err == nil && strings.Count(s, "\n")+1 < len(rows) {
			t.Fatalf("more rows than lines")
		}
	})
}

// FuzzGenerate: any spec text gives output or an error, never a panic.
func FuzzGenerate(f *testing.F) {
	f.Add(tinySpec)
	f.Add("paths: {}\n")
	f.Add("paths:\n  /x:\n    get:\n      operationId: X\n      tags: [A]\n      responses: {'200': {description: ok}}\n")
	f.Fuzz(func(t *testing.T, s string) {
		GenerateFrom([]byte(s), nil, "")
	})
}

func FuzzGoName(f *testing.F) {
	f.Add("oauth_access_tokens")
	f.Add("JWKS.ed25519.PublicKey")
	f.Fuzz(func(t *testing.T, s string) {
		n := goName(s)
		if n == "" || !(n[0] >= 'A' && n[0] <= 'Z' || n[0] >= 0x80) {
			t.Fatalf("goName(%q) = %q is not exported", s, n)
		}
		ruleName(s, []string{s})
	})
}
