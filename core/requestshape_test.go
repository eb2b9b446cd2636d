package core

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
)

// recorded is what the test server saw of one request.
type recorded struct {
	method, escapedPath string
	query               url.Values
	header              http.Header
	body                []byte
}

type recorder struct {
	mu   sync.Mutex
	last *recorded
	// reply is the status and body the server answers with.
	status int
	reply  string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.last = &recorded{method: req.Method, escapedPath: req.URL.EscapedPath(), query: req.URL.Query(), header: req.Header.Clone(), body: body}
	status, reply := r.status, r.reply
	r.mu.Unlock()
	if reply != "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(status)
	io.WriteString(w, reply)
}

func (r *recorder) take() *recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.last
	r.last = nil
	return l
}

const shapeKey = "sk_test_requestshape"

func newShapeClient(t *testing.T) (*Client, *recorder) {
	t.Helper()
	rec := &recorder{status: 200, reply: "{}"}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	c := NewClient(NewClientConfig().WithSecretKey(shapeKey).WithAPIURL(srv.URL).
		WithTransport(NewHTTPTransport(srv.Client())).WithRetry(RetryConfig{Disabled: true}))
	return c, rec
}

// pathValue needs escaping: a space and a slash must not split the path.
const pathValue = "a b/c"

// sampleScalar returns a wire value for a parameter type and its string form.
func sampleScalar(typ string, enum []string, name string) (any, string) {
	if len(enum) > 0 {
		return enum[0], enum[0]
	}
	switch typ {
	case "integer", "number":
		return 7, "7"
	case "boolean":
		return true, "true"
	}
	v := "v_" + name
	return v, v
}

// sampleValue builds a JSON value that fits a schema, to depth 4.
func sampleValue(s *Schema, name string, depth int) any {
	s = s.Resolve()
	if s == nil || depth > 4 {
		return "x"
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	for _, alt := range [][]*Schema{s.OneOf, s.AnyOf} {
		if len(alt) > 0 && len(s.Properties) == 0 {
			return sampleValue(alt[0], name, depth+1)
		}
	}
	switch s.Type {
	case "object", "":
		if len(s.Properties) == 0 {
			if s.Type == "" {
				return "x"
			}
			// Free-form: keys are user data and must arrive untouched.
			return map[string]any{"someKey": map[string]any{"Nested_Key": "v"}}
		}
		m := map[string]any{}
		for k, p := range s.Properties {
			m[k] = sampleValue(p, k, depth+1)
		}
		return m
	case "array":
		return []any{sampleValue(s.Items, name, depth+1)}
	case "integer":
		return 3
	case "number":
		return 1.5
	case "boolean":
		return false
	}
	return "s_" + name
}

// TestRequestShapeEveryOperation sends every operation of the table through
// Call with every parameter set and checks what reaches the server.
func TestRequestShapeEveryOperation(t *testing.T) {
	c, rec := newShapeClient(t)
	for _, op := range Operations() {
		t.Run(op.Name, func(t *testing.T) {
			params := map[string]any{}
			wantPath := op.Path
			wantQuery := url.Values{}
			for _, p := range op.Params {
				switch {
				case p.In == "path":
					params[p.Name] = pathValue
					wantPath = strings.ReplaceAll(wantPath, "{"+p.Name+"}", url.PathEscape(pathValue))
				case p.Type == "array":
					v1, s1 := sampleScalar(p.ItemType, p.Enum, p.Name+"1")
					v2, s2 := sampleScalar(p.ItemType, nil, p.Name+"2")
					if len(p.Enum) > 1 {
						v2, s2 = p.Enum[1], p.Enum[1]
					}
					params[p.Name] = []any{v1, v2}
					if p.CommaSeparated {
						wantQuery[p.Name] = []string{s1 + "," + s2}
					} else {
						wantQuery[p.Name] = []string{s1, s2}
					}
				default:
					v, s := sampleScalar(p.Type, p.Enum, p.Name)
					params[p.Name] = v
					wantQuery[p.Name] = []string{s}
				}
			}
			var wantBody any
			multipartBody := op.Body != nil && strings.HasPrefix(op.Body.ContentType, "multipart/")
			if op.Body != nil {
				bs := LookupSchema(op.Body.Schema)
				switch {
				case op.Body.Array:
					wantBody = []any{sampleValue(bs.Items, "item", 1)}
					params["body"] = wantBody
				case multipartBody:
					for k, p := range bs.Resolve().Properties {
						if p.Format == "binary" {
							params[k] = map[string]any{"filename": "pic.png", "content_type": "image/png",
								"data": base64.StdEncoding.EncodeToString([]byte("PNGDATA"))}
						} else {
							params[k] = "f_" + k
						}
					}
				default:
					body, ok := sampleValue(bs, "body", 0).(map[string]any)
					if !ok {
						t.Fatalf("body schema %s is not an object", op.Body.Schema)
					}
					for k, v := range body {
						params[k] = v
					}
					wantBody = body
				}
			}
			if op.Response.Status == 204 {
				rec.status, rec.reply = 204, ""
			} else {
				rec.status, rec.reply = op.Response.Status, "{}"
			}
			if _, err := c.Call(context.Background(), op.Name, params); err != nil {
				t.Fatalf("Call: %v", err)
			}
			got := rec.take()
			if got == nil {
				t.Fatal("no request reached the server")
			}
			if got.method != op.HTTPMethod {
				t.Errorf("method %s, want %s", got.method, op.HTTPMethod)
			}
			if got.escapedPath != "/v1"+wantPath {
				t.Errorf("path %s, want /v1%s", got.escapedPath, wantPath)
			}
			if !reflect.DeepEqual(normQuery(got.query), normQuery(wantQuery)) {
				t.Errorf("query %v, want %v", got.query, wantQuery)
			}
			if h := got.header.Get("Authorization"); h != "Bearer "+shapeKey {
				t.Errorf("Authorization %q", h)
			}
			if h := got.header.Get("Clerk-API-Version"); h != "2026-05-12" {
				t.Errorf("Clerk-API-Version %q", h)
			}
			if h := got.header.Get("User-Agent"); !strings.HasPrefix(h, "clerkscript/") {
				t.Errorf("User-Agent %q", h)
			}
			ct := got.header.Get("Content-Type")
			switch {
			case op.Body == nil:
				if len(got.body) != 0 || ct != "" {
					t.Errorf("unexpected body %q (Content-Type %q)", got.body, ct)
				}
			case multipartBody:
				checkMultipart(t, ct, got.body, params)
			default:
				if ct != "application/json" {
					t.Errorf("Content-Type %q, want application/json", ct)
				}
				var gotBody any
				if err := json.Unmarshal(got.body, &gotBody); err != nil {
					t.Fatalf("body is not JSON: %v: %q", err, got.body)
				}
				if !jsonEqual(gotBody, wantBody) {
					t.Errorf("body %s, want %s", got.body, mustJSON(wantBody))
				}
			}
		})
	}
}

func normQuery(q url.Values) map[string][]string {
	out := map[string][]string{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	return out
}

func jsonEqual(a, b any) bool {
	var x, y any
	json.Unmarshal(mustJSON(a), &x)
	json.Unmarshal(mustJSON(b), &y)
	return reflect.DeepEqual(x, y)
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func checkMultipart(t *testing.T, ct string, body []byte, params map[string]any) {
	t.Helper()
	mt, mp, err := mime.ParseMediaType(ct)
	if err != nil || mt != "multipart/form-data" {
		t.Fatalf("Content-Type %q, want multipart/form-data", ct)
	}
	r := multipart.NewReader(bytes.NewReader(body), mp["boundary"])
	got := map[string]string{}
	for {
		part, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(part)
		v := string(data)
		if part.FileName() != "" {
			v = fmt.Sprintf("file:%s:%s:%s", part.FileName(), part.Header.Get("Content-Type"), data)
		}
		got[part.FormName()] = v
	}
	for k, v := range params {
		if _, isFile := v.(map[string]any); isFile {
			if got[k] != "file:pic.png:image/png:PNGDATA" {
				t.Errorf("file part %s = %q", k, got[k])
			}
			continue
		}
		if s, ok := v.(string); ok && s != pathValue && got[k] != s {
			t.Errorf("form field %s = %q, want %q", k, got[k], s)
		}
	}
}

// TestTypedServices goes through the generated typed methods: path
// arguments, params structs, array bodies, files and typed results.
func TestTypedServices(t *testing.T) {
	c, rec := newShapeClient(t)
	ctx := context.Background()

	rec.reply = `[{"id":"user_1","object":"user","public_metadata":{"Keep_Case":1}}]`
	users, err := c.Users.List(ctx, &UsersListParams{EmailAddress: []string{"a@x.com", "b@x.com"}, Limit: Ptr(int64(5))})
	if err != nil {
		t.Fatal(err)
	}
	got := rec.take()
	if got.escapedPath != "/v1/users" || !reflect.DeepEqual(got.query["email_address"], []string{"a@x.com", "b@x.com"}) || got.query.Get("limit") != "5" {
		t.Errorf("users.list request: %s ?%s", got.escapedPath, got.query.Encode())
	}
	if len(users) != 1 || users[0].ID != "user_1" || users[0].PublicMetadata["Keep_Case"] == nil {
		t.Errorf("users.list result: %+v", users)
	}

	rec.reply = `{"id":"user_2","object":"user"}`
	u, err := c.Users.Get(ctx, pathValue)
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); got.escapedPath != "/v1/users/a%20b%2Fc" || got.method != "GET" || len(got.body) != 0 {
		t.Errorf("users.get request: %s %s", got.method, got.escapedPath)
	}
	if u.ID != "user_2" {
		t.Errorf("users.get result: %+v", u)
	}

	rec.reply = `{"id":"user_3","object":"user"}`
	_, err = c.Users.UpdateMetadata(ctx, "user_3", &UsersUpdateMetadataParams{PublicMetadata: map[string]any{"Plan_Tier": "gold"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); got.method != "PATCH" || string(got.body) != `{"public_metadata":{"Plan_Tier":"gold"}}` {
		t.Errorf("users.updateMetadata request: %s %s", got.method, got.body)
	}

	// Optional booleans are pointers, so an explicit false is sent.
	rec.reply = `[{"id":"inv_1","email_address":"a@x.com","status":"pending"}]`
	invs, err := c.Invitations.BulkCreate(ctx, []InvitationsBulkCreateItem{{EmailAddress: "a@x.com", Notify: Ptr(false)}})
	if err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); got.method != "POST" || got.escapedPath != "/v1/invitations/bulk" || string(got.body) != `[{"email_address":"a@x.com","notify":false}]` {
		t.Errorf("invitations.bulkCreate request: %s %s %s", got.method, got.escapedPath, got.body)
	}
	if len(invs) != 1 || invs[0].ID != "inv_1" || invs[0].Status != "pending" {
		t.Errorf("invitations.bulkCreate result: %+v", invs)
	}

	rec.reply = `{"id":"user_4","object":"user"}`
	_, err = c.Users.SetProfileImage(ctx, "user_4", &UsersSetProfileImageParams{File: &File{Filename: "pic.png", ContentType: "image/png", Data: []byte("PNGDATA")}})
	if err != nil {
		t.Fatal(err)
	}
	got = rec.take()
	checkMultipart(t, got.header.Get("Content-Type"), got.body, map[string]any{"file": map[string]any{}})

	rec.reply = `{"data":[{"id":"orgmem_1","role":"admin"}],"total_count":1}`
	mems, err := c.OrganizationMemberships.List(ctx, "org_1", &OrganizationMembershipsListParams{Limit: Ptr(int64(1))})
	if err != nil {
		t.Fatal(err)
	}
	if len(mems.Data) != 1 || mems.TotalCount != 1 || mems.Data[0].Role != "admin" {
		t.Errorf("organizationMemberships.list result: %+v", mems)
	}

	// Comma-separated array parameter (style=form, explode=false).
	rec.reply = `{"data":[],"total_count":0}`
	if _, err := c.OrganizationDomains.ListAll(ctx, &OrganizationDomainsListAllParams{EnrollmentMode: []string{"manual_invitation", "-automatic_invitation"}}); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); got.query.Get("enrollment_mode") != "manual_invitation,-automatic_invitation" {
		t.Errorf("enrollment_mode query: %q", got.query.Encode())
	}

	// A 204 operation returns only an error.
	rec.status, rec.reply = 204, ""
	if err := c.InstanceSettings.Update(ctx, &InstanceSettingsUpdateParams{TestMode: Ptr(true)}); err != nil {
		t.Fatal(err)
	}
	if got := rec.take(); string(got.body) != `{"test_mode":true}` {
		t.Errorf("instanceSettings.update body %s", got.body)
	}

	// Errors come back as *APIError.
	rec.status, rec.reply = 404, `{"errors":[{"code":"resource_not_found","message":"not found","long_message":"x"}]}`
	if _, err := c.Users.Get(ctx, "user_missing"); !IsNotFound(err) {
		t.Errorf("want not found, got %v", err)
	}
}

// TestServicesCoverTable checks that every operation has a typed method, and
// every list operation a typed iterator, as exported fields of Client.
func TestServicesCoverTable(t *testing.T) {
	c := NewClient(NewClientConfig().WithSecretKey(shapeKey))
	sv := reflect.ValueOf(c).Elem()
	var missing []string
	for _, op := range Operations() {
		field := sv.FieldByName(goTestName(op.Resource))
		if !field.IsValid() || field.IsNil() {
			missing = append(missing, op.Name+" (service)")
			continue
		}
		if !field.MethodByName(goTestName(op.Method)).IsValid() {
			missing = append(missing, op.Name)
		}
		if op.IsList() {
			it := "All"
			if op.Method != "list" {
				it = goTestName(op.Method) + "Iter"
			}
			m := field.MethodByName(it)
			if !m.IsValid() || m.Type().NumOut() != 1 || !strings.HasPrefix(m.Type().Out(0).String(), "iter.Seq2[") {
				missing = append(missing, op.Name+" (iterator "+it+")")
			}
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("no typed method for: %v", missing)
	}
}

// goTestName upper-cases the first letter and the known initialisms the
// generator uses, enough to find service fields and methods.
func goTestName(s string) string {
	repl := []struct{ from, to string }{
		{"Api", "API"}, {"api", "API"}, {"Saml", "SAML"}, {"saml", "SAML"}, {"Sms", "SMS"}, {"Mfa", "MFA"},
		{"Totp", "TOTP"}, {"Url", "URL"}, {"Jwt", "JWT"}, {"jwt", "JWT"}, {"jwks", "JWKS"}, {"oauth", "OAuth"},
		{"scim", "SCIM"}, {"m2m", "M2M"},
	}
	for _, r := range repl {
		if strings.HasPrefix(s, r.from) || strings.Contains(s, r.from) && r.from[0] >= 'A' && r.from[0] <= 'Z' {
			s = strings.Replace(s, r.from, r.to, 1)
		}
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
