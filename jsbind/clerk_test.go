package jsbind

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/ratelimit"
)

type recorded struct {
	method, path, query string
	body                map[string]any
	rawBody             []byte
}

// fakeAPI is an httptest server answering with handler and recording every
// request.
type fakeAPI struct {
	srv  *httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newFakeAPI(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, body []byte)) *fakeAPI {
	f := &fakeAPI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := recorded{method: r.Method, path: r.URL.Path, query: r.URL.RawQuery, rawBody: b}
		_ = json.Unmarshal(b, &rec.body)
		f.mu.Lock()
		f.reqs = append(f.reqs, rec)
		f.mu.Unlock()
		handler(w, r, b)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) requests() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.reqs...)
}

func testClient(url string, transport core.Transport) *core.Client {
	if transport == nil {
		transport = core.NewHTTPTransport(&http.Client{})
	}
	return core.NewClient(core.NewClientConfig().
		WithSecretKey("sk_test_fake").
		WithAPIURL(url).
		WithTransport(transport).
		WithRetry(core.RetryConfig{InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond, MaxElapsedTime: 2 * time.Second}))
}

func writeJSON(w http.ResponseWriter, status int, v string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, v)
}

func TestRequestConversionCamelToSnake(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, 200, `{"object":"user","id":"user_1"}`)
	})
	_, _, err := runJS(t, `
await clerk.users.create({
  emailAddress: ["a@example.com"],
  externalId: "ext-1",
  firstName: null,
  lastName: undefined,
  publicMetadata: {camelKey: 1, snake_key: {deepCamel: true}, when: new Date(Date.UTC(2024, 0, 2, 3, 4, 5))},
  createdAt: new Date(Date.UTC(2020, 5, 1)),
});
await clerk.users.list({emailAddress: ["a@example.com", "b@example.com"], limit: 5, createdAtAfter: new Date(1700000000000)});
await clerk.users.updateMetadata("user_1", {privateMetadata: {KeepMe: "x"}});
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	create := reqs[0]
	if create.method != "POST" || create.path != "/v1/users" {
		t.Fatalf("create went to %s %s", create.method, create.path)
	}
	var body map[string]any
	dec := json.NewDecoder(strings.NewReader(string(create.rawBody)))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	if _, ok := body["email_address"]; !ok {
		t.Errorf("email_address missing: %s", create.rawBody)
	}
	if body["external_id"] != "ext-1" {
		t.Errorf("external_id = %v", body["external_id"])
	}
	if v, ok := body["first_name"]; !ok || v != nil {
		t.Errorf("first_name should be sent as null: %s", create.rawBody)
	}
	if _, ok := body["last_name"]; ok {
		t.Errorf("undefined last_name should be omitted: %s", create.rawBody)
	}
	if body["created_at"] != "2020-06-01T00:00:00Z" {
		t.Errorf("created_at = %v", body["created_at"])
	}
	pm, _ := body["public_metadata"].(map[string]any)
	if pm["camelKey"] == nil || pm["snake_key"] == nil || pm["when"] != "2024-01-02T03:04:05Z" {
		t.Errorf("public_metadata changed: %s", create.rawBody)
	}
	if deep, _ := pm["snake_key"].(map[string]any); deep["deepCamel"] != true {
		t.Errorf("nested metadata keys changed: %s", create.rawBody)
	}
	list := reqs[1]
	for _, want := range []string{"email_address=a%40example.com", "email_address=b%40example.com", "limit=5", "created_at_after=1700000000000"} {
		if !strings.Contains(list.query, want) {
			t.Errorf("query %q lacks %q", list.query, want)
		}
	}
	meta := reqs[2]
	if meta.method != "PATCH" || meta.path != "/v1/users/user_1/metadata" {
		t.Errorf("metadata went to %s %s", meta.method, meta.path)
	}
	if pm, _ := meta.body["private_metadata"].(map[string]any); pm["KeepMe"] != "x" {
		t.Errorf("metadata body = %s", meta.rawBody)
	}
}

func TestResponseConversionSnakeToCamel(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, 200, `{"object":"user","id":"user_1","external_id":null,"created_at":1700000000000,
		  "email_addresses":[{"id":"idn_1","email_address":"a@example.com","verification":{"status":"verified"}}],
		  "public_metadata":{"snake_case":{"inner_key":1},"camelCase":true},
		  "private_metadata":{},"unsafe_metadata":{"a_b":null}}`)
	})
	out, _, err := runJS(t, `
const u = await clerk.users.get("user_1");
console.log(JSON.stringify(u));
console.log(u.externalId === null, typeof u.createdAt, u.emailAddresses[0].emailAddress);
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	want := `{"object":"user","id":"user_1","externalId":null,"createdAt":1700000000000,"emailAddresses":[{"id":"idn_1","emailAddress":"a@example.com","verification":{"status":"verified"}}],"publicMetadata":{"snake_case":{"inner_key":1},"camelCase":true},"privateMetadata":{},"unsafeMetadata":{"a_b":null}}`
	if lines[0] != want {
		t.Errorf("got  %s\nwant %s", lines[0], want)
	}
	if lines[1] != "true number a@example.com" {
		t.Errorf("line 2 = %q", lines[1])
	}
}

func TestListTotalCountAndBulkArray(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Path == "/v1/invitations/bulk" {
			writeJSON(w, 200, `[{"id":"inv_1","email_address":"a@x.com"}]`)
			return
		}
		writeJSON(w, 200, `{"data":[{"id":"org_1","members_count":2}],"total_count":1}`)
	})
	out, _, err := runJS(t, `
const l = await clerk.organizations.list({limit: 1});
console.log(l.totalCount, l.data[0].membersCount);
const b = await clerk.invitations.bulkCreate([{emailAddress: "a@x.com", publicMetadata: {x_y: 1}}]);
console.log(b[0].emailAddress);
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if out != "1 2\na@x.com\n" {
		t.Fatalf("out = %q", out)
	}
	bulk := api.requests()[1]
	if string(bulk.rawBody) != `[{"email_address":"a@x.com","public_metadata":{"x_y":1}}]` {
		t.Fatalf("bulk body = %s", bulk.rawBody)
	}
}

func TestAliasesAndPositionalPathParams(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, 200, `{"id":"x"}`)
	})
	_, _, err := runJS(t, `
await clerk.users.list({limit: 2});
await clerk.organizations.getOrganizationMembershipList({organizationId: "org_1"});
await clerk.organizationMemberships.update("org_1", "user_2", {role: "org:admin"});
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	reqs := api.requests()
	if reqs[0].path != "/v1/users" || reqs[1].path != "/v1/organizations/org_1/memberships" || reqs[2].path != "/v1/organizations/org_1/memberships/user_2" {
		t.Fatalf("paths: %s %s %s", reqs[0].path, reqs[1].path, reqs[2].path)
	}
	if reqs[2].body["role"] != "org:admin" {
		t.Fatalf("body %s", reqs[2].rawBody)
	}
}

func TestEveryOperationIsBound(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range core.Operations() {
		for _, name := range []string{op.Name, op.JSName} {
			if name == "" {
				continue
			}
			v, err := r.VM().RunString("typeof clerk." + name)
			if err != nil || v.String() != "function" {
				t.Errorf("clerk.%s: %v %v", name, v, err)
			}
		}
	}
	if len(core.Operations()) < 129 {
		t.Errorf("only %d operations in the table", len(core.Operations()))
	}
}

func TestAPIErrorIsClerkAPIError(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		w.Header().Set("Retry-After", "7")
		writeJSON(w, 422, `{"errors":[{"code":"form_identifier_exists","message":"taken","long_message":"That email address is taken.","meta":{"param_name":"email_address"}}],"clerk_trace_id":"trace_9"}`)
	})
	out, _, err := runJS(t, `
try {
  await clerk.users.create({emailAddress: ["a@x.com"]});
} catch (e) {
  console.log(e instanceof ClerkAPIError, e instanceof Error, e.name, e.status, e.clerkTraceId, e.retryAfter);
  console.log(e.errors[0].code, e.errors[0].longMessage, e.errors[0].meta.param_name, e.mayHaveBeenApplied);
  console.log(e.stack.includes("test.js:3"));
}
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	want := "true true ClerkAPIError 422 trace_9 7\nform_identifier_exists That email address is taken. email_address false\ntrue\n"
	if out != want {
		t.Fatalf("out = %q\nwant  %q", out, want)
	}
}

func TestUncaughtAPIErrorPointsAtCallSite(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		writeJSON(w, 404, `{"errors":[{"code":"resource_not_found","message":"not found"}]}`)
	})
	_, _, err := runJS(t, "// comment\nasync function load(id) {\n  return await clerk.users.get(id);\n}\nawait load('user_x');\n", Options{Client: testClient(api.srv.URL, nil)})
	var se *ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(se.Message, "ClerkAPIError") || !strings.Contains(se.Message, "test.js:3:") || strings.Contains(se.Message, preludeName) {
		t.Fatalf("message = %s", se.Message)
	}
}

func TestBadParamsReject(t *testing.T) {
	out, _, err := runJS(t, `
for (const f of [() => clerk.users.get("a", "b"), () => clerk.users.create({x: () => 1}), () => clerk.users.create({n: NaN}), () => clerk.users.create([1])]) {
  try { await f(); console.log("no error") } catch (e) { console.log(e.name) }
}
`, Options{Client: testClient("http://127.0.0.1:1", nil)})
	if err != nil {
		t.Fatal(err)
	}
	if out != "TypeError\nTypeError\nTypeError\nTypeError\n" {
		t.Fatalf("out = %q", out)
	}
}

func TestPromiseConcurrencyIsBounded(t *testing.T) {
	var inFlight, peak atomic.Int32
	release := make(chan struct{})
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		n := inFlight.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		inFlight.Add(-1)
		writeJSON(w, 200, `{"id":"x"}`)
	})
	paced := ratelimit.NewTransport(core.NewHTTPTransport(&http.Client{}), nil, 4)
	done := make(chan error, 1)
	go func() {
		out, _, err := runJS(t, `
const ps = [];
for (let i = 0; i < 40; i++) ps.push(clerk.users.get("user_" + i));
const rs = await Promise.all(ps);
console.log(rs.length);
`, Options{Client: testClient(api.srv.URL, paced)})
		if err == nil && out != "40\n" {
			err = errors.New("out = " + out)
		}
		done <- err
	}()
	// Let the requests pile up against the cap, then release them.
	for len(api.requests()) < 4 {
		time.Sleep(time.Millisecond)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := peak.Load(); got != 4 {
		t.Fatalf("peak in flight = %d, want 4", got)
	}
	if n := len(api.requests()); n != 40 {
		t.Fatalf("%d requests", n)
	}
}

func TestCancelInterruptsInFlightHTTP(t *testing.T) {
	started := make(chan struct{}, 1)
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		started <- struct{}{}
		<-r.Context().Done()
	})
	r, err := New(Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-started
		cancel()
	}()
	err = r.RunScript(ctx, "hang.js", "await clerk.users.get('user_1');")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// The @clerk/backend names on the global clerk behave as in @clerk/backend
// (issue 11): getUserList resolves to {data, totalCount}, where the seed
// name users.list keeps its array.
func TestGlobalClerkBackendNamesBehaveAsThePackage(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		switch r.URL.Path {
		case "/v1/users/count":
			writeJSON(w, 200, `{"object":"total_count","total_count":7}`)
		case "/v1/users":
			writeJSON(w, 200, `[{"object":"user","id":"user_1","first_name":"Ada","last_name":"Lovelace","primary_email_address_id":"idn_1","email_addresses":[{"object":"email_address","id":"idn_1","email_address":"a@x.com","linked_to":[]}]}]`)
		default:
			writeJSON(w, 200, `{"object":"user","id":"user_1","deleted":true}`)
		}
	})
	out, _, err := runJS(t, `
const { data, totalCount } = await clerk.users.getUserList({limit: 1});
console.log(data.length, totalCount, data[0].fullName, data[0].primaryEmailAddress.emailAddress);
const arr = await clerk.users.list({limit: 1});
console.log(Array.isArray(arr), arr[0].firstName);
const d = await clerk.users.deleteUser("user_1");
console.log(JSON.stringify([d.object, d.id, d.deleted]));
`, Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if out != "1 7 Ada Lovelace a@x.com\ntrue Ada\n[\"user\",\"user_1\",true]\n" {
		t.Fatalf("out = %q", out)
	}
}
