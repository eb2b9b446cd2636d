package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// do sends a raw request to the emulator handler, bypassing core.Client.
func rawDo(t testing.TB, h http.Handler, method, path, key string, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if key != "" {
		r.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func errCode(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	var body struct {
		Errors []struct {
			Code        string `json:"code"`
			LongMessage string `json:"long_message"`
		} `json:"errors"`
		TraceID string `json:"clerk_trace_id"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) == 0 || body.TraceID == "" {
		t.Fatalf("not a ClerkErrors body (%v): %s", err, w.Body)
	}
	return body.Errors[0].Code
}

func newTestEmulator(t *testing.T, opts ...Option) (*Emulator, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	e, err := New(append([]Option{WithClock(clk.Now), WithSigningKey(sharedKey().SigningKey()), WithSecretKey("sk_test_k")}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return e, clk
}

// mustNew is newTestEmulator for fuzz setup, where no *testing.T exists yet.
func mustNew(opts ...Option) *Emulator {
	clk := newFakeClock()
	e, err := New(append([]Option{WithClock(clk.Now), WithSigningKey(sharedKey().SigningKey()), WithSecretKey("sk_test_k")}, opts...)...)
	if err != nil {
		panic(err)
	}
	return e
}

func TestRoutingAndAuth(t *testing.T) {
	e, _ := newTestEmulator(t, WithoutRateLimits())
	cases := []struct {
		name, method, path, key, body string
		status                        int
		code                          string
	}{
		{"no header", "GET", "/v1/users", "", "", 401, "authorization_header_format_invalid"},
		{"wrong key", "GET", "/v1/users", "sk_test_other", "", 401, "clerk_key_invalid"},
		{"outside v1", "GET", "/users", "sk_test_k", "", 404, "resource_not_found"},
		{"v1 prefix only", "GET", "/v1users", "sk_test_k", "", 404, "resource_not_found"},
		{"unknown path", "GET", "/v1/nothing/here", "sk_test_k", "", 404, "resource_not_found"},
		{"wrong method", "PUT", "/v1/users", "sk_test_k", "", 404, "resource_not_found"},
		{"generically emulated", "GET", "/v1/machines", "sk_test_k", "", 200, ""},
		{"literal beats param", "GET", "/v1/users/count", "sk_test_k", "", 200, ""},
		{"param", "GET", "/v1/users/user_x", "sk_test_k", "", 404, "resource_not_found"},
		{"escaped param", "GET", "/v1/users/user%2Fx", "sk_test_k", "", 404, "resource_not_found"},
		{"bad JSON", "POST", "/v1/users", "sk_test_k", "{", 400, "request_body_invalid"},
		{"array body for object op", "POST", "/v1/users", "sk_test_k", "[1]", 400, "request_body_invalid"},
		{"object body for bulk op", "POST", "/v1/invitations/bulk", "sk_test_k", `{"email_address":"a@b.co"}`, 400, "request_body_invalid"},
		{"two JSON values", "POST", "/v1/users", "sk_test_k", `{} {}`, 400, "request_body_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			w := rawDo(t, e, tc.method, tc.path, tc.key, tc.body)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if tc.code != "" {
				if got := errCode(t, w); got != tc.code {
					t.Fatalf("code %s, want %s", got, tc.code)
				}
			}
			if strings.Contains(w.Body.String(), "sk_test_other") {
				t.Fatalf("the rejected key was echoed: %s", w.Body)
			}
		})
	}
}

func TestRouterMatchesEveryOperation(t *testing.T) {
	rt := newRouter(core.Operations())
	for _, op := range core.Operations() {
		path := op.Path
		for _, p := range op.Params {
			if p.In == "path" {
				path = strings.ReplaceAll(path, "{"+p.Name+"}", "x_"+p.Name)
			}
		}
		got, params, ok := rt.match(op.HTTPMethod, path)
		if !ok {
			t.Errorf("%s %s: no match", op.HTTPMethod, path)
			continue
		}
		// A literal template may legitimately win over ours only when our
		// placeholder happens to equal its literal; the x_ prefix prevents that.
		if got.Name != op.Name {
			t.Errorf("%s %s matched %s, want %s", op.HTTPMethod, path, got.Name, op.Name)
		}
		for _, p := range op.Params {
			if p.In == "path" && params[p.Name] != "x_"+p.Name {
				t.Errorf("%s: param %s = %q", op.Name, p.Name, params[p.Name])
			}
		}
	}
}

func TestInstanceRateLimit(t *testing.T) {
	e, clk := newTestEmulator(t, WithRateLimit(RateLimit{Requests: 3, Window: 10 * time.Second}), WithEndpointLimitScale(0))
	for i := range 3 {
		if w := rawDo(t, e, "GET", "/v1/users", "sk_test_k", ""); w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	clk.Advance(4 * time.Second)
	w := rawDo(t, e, "GET", "/v1/users", "sk_test_k", "")
	if w.Code != 429 || errCode(t, w) != "too_many_requests" {
		t.Fatalf("4th request: %d %s", w.Code, w.Body)
	}
	if ra := w.Header().Get("Retry-After"); ra != "6" {
		t.Errorf("Retry-After = %q, want 6 (the rest of the window)", ra)
	}
	// JWKS is never limited.
	if w := rawDo(t, e, "GET", "/v1/jwks", "sk_test_k", ""); w.Code != 200 {
		t.Errorf("jwks limited: %d", w.Code)
	}
	clk.Advance(6 * time.Second)
	if w := rawDo(t, e, "GET", "/v1/users", "sk_test_k", ""); w.Code != 200 {
		t.Errorf("after the window: %d", w.Code)
	}
}

func TestEndpointRateLimits(t *testing.T) {
	// Scale 0.02: POST /invitations 100/h → 2/h, bulk 25/h → 1/h (rounded up
	// to the minimum of 1), user updates 10/10s → 1 per user.
	e, clk := newTestEmulator(t, WithRateLimit(RateLimit{}), WithEndpointLimitScale(0.02))
	inv := func(i int) *httptest.ResponseRecorder {
		return rawDo(t, e, "POST", "/v1/invitations", "sk_test_k", `{"email_address":"r`+strconv.Itoa(i)+`@example.com"}`)
	}
	if inv(1).Code != 200 || inv(2).Code != 200 {
		t.Fatal("first two invitations were limited")
	}
	w := inv(3)
	if w.Code != 429 {
		t.Fatalf("third invitation within the hour: %d", w.Code)
	}
	if ra, _ := strconv.Atoi(w.Header().Get("Retry-After")); ra != 3600 {
		t.Errorf("Retry-After = %d, want 3600", ra)
	}
	// Other endpoints are not affected by the invitation budget.
	if w := rawDo(t, e, "POST", "/v1/invitations/bulk", "sk_test_k", `[{"email_address":"bulk@example.com"}]`); w.Code != 200 {
		t.Errorf("bulk: %d %s", w.Code, w.Body)
	}
	if w := rawDo(t, e, "POST", "/v1/invitations/bulk", "sk_test_k", `[{"email_address":"bulk2@example.com"}]`); w.Code != 429 {
		t.Errorf("second bulk within the hour: %d", w.Code)
	}
	// Per-user limits count each user separately.
	var ids []string
	for _, ext := range []string{"u1", "u2"} {
		w := rawDo(t, e, "POST", "/v1/users", "sk_test_k", `{"external_id":"`+ext+`"}`)
		var u struct{ ID string }
		_ = json.Unmarshal(w.Body.Bytes(), &u)
		ids = append(ids, u.ID)
	}
	patch := func(id string) int {
		return rawDo(t, e, "PATCH", "/v1/users/"+id+"/metadata", "sk_test_k", `{"public_metadata":{"a":1}}`).Code
	}
	if patch(ids[0]) != 200 || patch(ids[0]) != 429 || patch(ids[1]) != 200 {
		t.Errorf("per-user metadata limit not applied per user")
	}
	clk.Advance(time.Hour)
	if inv(4).Code != 200 {
		t.Errorf("invitations still limited after an hour")
	}
}

func TestClientRetriesRateLimitWithRetryAfter(t *testing.T) {
	// The client sleeps through the injected clock, so the wait is instant.
	e, clk := newTestEmulator(t, WithRateLimit(RateLimit{Requests: 1, Window: 10 * time.Second}), WithEndpointLimitScale(0))
	srv := httptest.NewServer(e)
	defer srv.Close()
	c := core.NewClient(core.NewClientConfig().WithSecretKey("sk_test_k").WithAPIURL(srv.URL).
		WithTransport(core.NewHTTPTransport(srv.Client())).WithClock(sleepClock{clk}))
	for i := range 2 {
		if _, err := c.Call(context.Background(), "users.count", nil); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := clk.Now().Sub(newFakeClock().Now()); got < 10*time.Second {
		t.Errorf("the client waited %s, less than the Retry-After window", got)
	}
}

// sleepClock adapts fakeClock to core.Clock: sleeping advances the clock.
type sleepClock struct{ c *fakeClock }

func (s sleepClock) Now() time.Time { return s.c.Now() }
func (s sleepClock) Sleep(ctx context.Context, d time.Duration) error {
	s.c.Advance(d)
	return ctx.Err()
}

func TestParseRateLimit(t *testing.T) {
	good := map[string]RateLimit{"100/10s": {100, 10 * time.Second}, "1000/10s": {1000, 10 * time.Second},
		"5/s": {5, time.Second}, "0": {}, "off": {}}
	for in, want := range good {
		got, err := ParseRateLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseRateLimit(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "100", "x/10s", "-1/10s", "10/0s", "10/-1s", "10/abc"} {
		if _, err := ParseRateLimit(in); err == nil {
			t.Errorf("ParseRateLimit(%q) accepted", in)
		}
	}
}

func TestFaultsInjectedOnce(t *testing.T) {
	in := Start(t, WithSigningKey(sharedKey().SigningKey()))
	ctx := context.Background()
	noRetry := core.WithRetry(core.RetryConfig{Disabled: true})

	for _, kind := range []FaultKind{Fault500, Fault502, Fault503, Fault504} {
		if err := in.Emulator.InjectOnce("users.count", kind); err != nil {
			t.Fatal(err)
		}
		_, err := in.Client.Call(ctx, "users.count", nil, noRetry)
		var ae *core.APIError
		if !errors.As(err, &ae) || strconv.Itoa(ae.StatusCode) != string(kind) {
			t.Errorf("%s: got %v", kind, err)
			continue
		}
		if kind == Fault503 && (ae.Code() != "maintenance_mode" || ae.RetryAfter != time.Second) {
			t.Errorf("503: code %q, Retry-After %s; want maintenance_mode, 1s", ae.Code(), ae.RetryAfter)
		}
	}
	// A plain 500 on a create commits nothing.
	_ = in.Emulator.InjectOnce("users.create", Fault500)
	if _, err := in.Client.Call(ctx, "users.create", map[string]any{"external_id": "f1"}, noRetry); err == nil {
		t.Fatal("injected 500 did not fail")
	}
	// A reset drops the connection: a transport error, nothing committed.
	_ = in.Emulator.InjectOnce("users.create", FaultReset)
	_, err := in.Client.Call(ctx, "users.create", map[string]any{"external_id": "f1"}, noRetry)
	var te *core.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("reset: want a transport error, got %v", err)
	}
	if n := countUsers(t, in, "f1"); n != 0 {
		t.Fatalf("a failed create committed %d users", n)
	}

	// Applied-then-failed: the client sees a failure, yet the user exists.
	for _, kind := range []FaultKind{FaultApplied, FaultAppliedReset} {
		ext := "applied-" + string(kind)
		_ = in.Emulator.InjectOnce("users.create", kind)
		if _, err := in.Client.Call(ctx, "users.create", map[string]any{"external_id": ext}, noRetry); err == nil {
			t.Fatalf("%s: the call succeeded", kind)
		}
		if n := countUsers(t, in, ext); n != 1 {
			t.Fatalf("%s: %d users after the failed call, want 1 (the write was applied)", kind, n)
		}
		// A naive retry now collides with the applied write.
		_, err := in.Client.Call(ctx, "users.create", map[string]any{"external_id": ext}, noRetry)
		if !core.IsIdentifierExists(err) {
			t.Fatalf("%s: retry: want form_identifier_exists, got %v", kind, err)
		}
	}
	// The default client does not replay a POST after an applied failure.
	_ = in.Emulator.InjectOnce("invitations.create", FaultApplied)
	_, err = in.Client.Call(ctx, "invitations.create", map[string]any{"email_address": "once@example.com"})
	if err == nil {
		t.Fatal("invitations.create after an applied fault succeeded: was it replayed?")
	}
	if n := len(listInvitations(t, in, "once@")); n != 1 {
		t.Fatalf("%d invitations after an applied fault, want 1", n)
	}
	if err := in.Emulator.InjectOnce("users.create", "boom"); err == nil {
		t.Error("unknown fault kind accepted")
	}
}

func countUsers(t *testing.T, in *Instance, ext string) int {
	t.Helper()
	raw, err := in.Client.Call(context.Background(), "users.count", map[string]any{"external_id": []string{ext}})
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		TotalCount int `json:"total_count"`
	}
	_ = json.Unmarshal(raw, &c)
	return c.TotalCount
}

func listInvitations(t *testing.T, in *Instance, q string) []json.RawMessage {
	t.Helper()
	raw, err := in.Client.Call(context.Background(), "invitations.list", map[string]any{"query": q})
	if err != nil {
		t.Fatal(err)
	}
	var out []json.RawMessage
	_ = json.Unmarshal(raw, &out)
	return out
}

func TestRandomFaultsAreReproducible(t *testing.T) {
	run := func() string {
		e, _ := newTestEmulator(t, WithoutRateLimits(), WithSeed(42),
			WithFaults(Faults{Rate: 0.3, Kinds: []FaultKind{Fault500, Fault503, FaultApplied}}))
		var b strings.Builder
		for range 60 {
			w := rawDo(t, e, "GET", "/v1/users/count", "sk_test_k", "")
			b.WriteString(strconv.Itoa(w.Code) + " ")
		}
		return b.String()
	}
	a, b := run(), run()
	if a != b {
		t.Fatalf("same seed, different faults:\n%s\n%s", a, b)
	}
	fails := strings.Count(a, "500") + strings.Count(a, "503")
	if fails == 0 || fails == 60 {
		t.Fatalf("fault rate 0.3 gave %d failures of 60: %s", fails, a)
	}
	// SetFaults turns them off.
	e, _ := newTestEmulator(t, WithoutRateLimits(), WithFaults(Faults{Rate: 1}))
	if w := rawDo(t, e, "GET", "/v1/users/count", "sk_test_k", ""); w.Code != 500 {
		t.Fatalf("rate 1: %d", w.Code)
	}
	if err := e.SetFaults(Faults{}); err != nil {
		t.Fatal(err)
	}
	if w := rawDo(t, e, "GET", "/v1/users/count", "sk_test_k", ""); w.Code != 200 {
		t.Fatalf("after SetFaults(off): %d", w.Code)
	}
	if err := e.SetFaults(Faults{Rate: 2}); err == nil {
		t.Error("rate 2 accepted")
	}
	if _, err := ParseFaultKinds("500,reset,applied"); err != nil {
		t.Error(err)
	}
	if _, err := ParseFaultKinds("500,oops"); err == nil {
		t.Error("unknown kind accepted")
	}
}

func TestLatencyFaultHonoursClientCancel(t *testing.T) {
	e, _ := newTestEmulator(t, WithoutRateLimits(), WithFaults(Faults{SlowDelay: time.Hour}))
	_ = e.InjectOnce("users.count", FaultLatency)
	ctx, cancel := context.WithCancel(context.Background())
	r := httptest.NewRequest("GET", "/v1/users/count", nil).WithContext(ctx)
	r.Header.Set("Authorization", "Bearer sk_test_k")
	w := httptest.NewRecorder()
	cancel() // the client gave up: the handler must return, not sleep an hour
	e.ServeHTTP(w, r)
	if w.Body.Len() != 0 {
		t.Errorf("a cancelled slow request was answered: %s", w.Body)
	}
}

func TestMultipartLogoUpload(t *testing.T) {
	e, _ := newTestEmulator(t, WithoutRateLimits())
	w := rawDo(t, e, "POST", "/v1/organizations", "sk_test_k", `{"name":"Logo Co"}`)
	var org struct{ ID string }
	_ = json.Unmarshal(w.Body.Bytes(), &org)
	var body bytes.Buffer
	body.WriteString("--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"l.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--XX--\r\n")
	r := httptest.NewRequest("PUT", "/v1/organizations/"+org.ID+"/logo", &body)
	r.Header.Set("Authorization", "Bearer sk_test_k")
	r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, r)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"has_image":true`) {
		t.Fatalf("multipart upload: %d %s", rec.Code, rec.Body)
	}
}

// TestAuthHeaderFormats checks the two 401 codes on malformed and wrong
// credentials, for a served operation and an unserved one alike.
func TestAuthHeaderFormats(t *testing.T) {
	e, _ := newTestEmulator(t, WithoutRateLimits())
	for _, tc := range []struct{ header, code string }{
		{"", "authorization_header_format_invalid"},
		{"sk_test_k", "authorization_header_format_invalid"}, // no "Bearer "
		{"Basic sk_test_k", "authorization_header_format_invalid"},
		{"Bearer ", "authorization_header_format_invalid"},
		{"Bearer sk_test_K", "clerk_key_invalid"},
		{"Bearer sk_live_k", "clerk_key_invalid"},
	} {
		for _, path := range []string{"/v1/users", "/v1/machines"} {
			r := httptest.NewRequest("GET", path, nil)
			if tc.header != "" {
				r.Header.Set("Authorization", tc.header)
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, r)
			if w.Code != 401 || errCode(t, w) != tc.code {
				t.Errorf("%s with %q: %d %s, want 401 %s", path, tc.header, w.Code, w.Body, tc.code)
			}
			if cred := strings.TrimSpace(strings.TrimPrefix(tc.header, "Bearer ")); cred != "" && strings.Contains(w.Body.String(), cred) {
				t.Errorf("the rejected credential %q was echoed: %s", tc.header, w.Body)
			}
		}
	}
}

// faultRun sends the same sequential writes through a real HTTP server and
// core.Client (retries off) and describes what the client saw and what the
// emulator committed, request by request.
func faultRun(t *testing.T, seed int64) string {
	t.Helper()
	e, _ := newTestEmulator(t, WithoutRateLimits(), WithSeed(seed), WithFaults(Faults{Rate: 0.5,
		Kinds: []FaultKind{Fault500, Fault502, Fault503, Fault504, FaultReset, FaultApplied, FaultAppliedReset}}))
	srv := httptest.NewServer(e)
	defer srv.Close()
	c := core.NewClient(core.NewClientConfig().WithSecretKey("sk_test_k").WithAPIURL(srv.URL).
		WithTransport(core.NewHTTPTransport(srv.Client())))
	noRetry := core.WithRetry(core.RetryConfig{Disabled: true})
	var b strings.Builder
	for i := range 40 {
		ext := "fault-" + strconv.Itoa(i)
		_, err := c.Call(context.Background(), "users.create", map[string]any{"external_id": ext}, noRetry)
		var ae *core.APIError
		var te *core.TransportError
		switch {
		case err == nil:
			b.WriteString("ok")
		case errors.As(err, &ae):
			b.WriteString(strconv.Itoa(ae.StatusCode))
		case errors.As(err, &te):
			b.WriteString("reset")
		default:
			t.Fatalf("request %d: unexpected error %v", i, err)
		}
		e.mu.Lock()
		committed := false
		for _, u := range e.st.Users.all() {
			if u.ExternalID != nil && *u.ExternalID == ext {
				committed = true
			}
		}
		e.mu.Unlock()
		if committed {
			b.WriteString("+")
		}
		b.WriteString(" ")
	}
	return b.String()
}

func TestFaultKindsReproducibleFromSeed(t *testing.T) {
	a, b := faultRun(t, 9), faultRun(t, 9)
	if a != b {
		t.Fatalf("same seed, same requests, different faults:\n%s\n%s", a, b)
	}
	// Every kind of outcome occurs: successes, plain 5xx with nothing
	// written, dropped connections, and failures whose write was applied.
	for _, want := range []string{"ok+ ", "500 ", "502 ", "503 ", "504 ", "reset ", "500+ ", "reset+ "} {
		if !strings.Contains(" "+a, " "+want) {
			t.Errorf("seed 9 never produced %q: %s", want, a)
		}
	}
	if strings.Contains(a, "ok ") {
		t.Errorf("a success that committed nothing: %s", a)
	}
	if c := faultRun(t, 10); c == a {
		t.Errorf("seeds 9 and 10 gave the same faults: %s", c)
	}
}

func TestOrganizationInvitationRateLimits(t *testing.T) {
	// Scale 0.02: 250/hour → 5/hour, bulk 50/hour → 1/hour, counted per
	// endpoint template (all organizations share the budget, as at Clerk).
	e, clk := newTestEmulator(t, WithRateLimit(RateLimit{}), WithEndpointLimitScale(0.02))
	var orgs []string
	for _, name := range []string{"Org A", "Org B"} {
		w := rawDo(t, e, "POST", "/v1/organizations", "sk_test_k", `{"name":"`+name+`"}`)
		var o struct{ ID string }
		_ = json.Unmarshal(w.Body.Bytes(), &o)
		orgs = append(orgs, o.ID)
	}
	invite := func(org string, i int) *httptest.ResponseRecorder {
		return rawDo(t, e, "POST", "/v1/organizations/"+org+"/invitations", "sk_test_k",
			`{"email_address":"oi`+strconv.Itoa(i)+`@example.com","role":"org:member"}`)
	}
	for i := range 5 {
		if w := invite(orgs[i%2], i); w.Code != 200 {
			t.Fatalf("invitation %d: %d %s", i, w.Code, w.Body)
		}
	}
	clk.Advance(30 * time.Minute)
	w := invite(orgs[1], 99)
	if w.Code != 429 || errCode(t, w) != "too_many_requests" {
		t.Fatalf("6th organization invitation within the hour: %d %s", w.Code, w.Body)
	}
	if ra := w.Header().Get("Retry-After"); ra != "1800" {
		t.Errorf("Retry-After = %q, want 1800 (the rest of the hour)", ra)
	}
	bulk := func(i int) int {
		return rawDo(t, e, "POST", "/v1/organizations/"+orgs[0]+"/invitations/bulk", "sk_test_k",
			`[{"email_address":"ob`+strconv.Itoa(i)+`@example.com","role":"org:member"}]`).Code
	}
	if c := bulk(1); c != 200 {
		t.Fatalf("first bulk: %d", c)
	}
	if c := bulk(2); c != 429 {
		t.Errorf("second bulk within the hour: %d", c)
	}
	clk.Advance(time.Hour)
	if w := invite(orgs[1], 100); w.Code != 200 {
		t.Errorf("after the hour: %d %s", w.Code, w.Body)
	}
}

// FuzzMultipartUpload feeds arbitrary multipart bodies to the two upload
// operations: any answer is fine except a panic, a 5xx, or an error that is
// not a ClerkErrors body.
func FuzzMultipartUpload(f *testing.F) {
	f.Add(true, "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"l.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n--XX--\r\n")
	f.Add(false, "--XX\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--XX--\r\n")
	f.Add(true, "--XX\r\nContent-Disposition: form-data; name=\"uploader_user_id\"\r\n\r\nuser_x\r\n--XX--\r\n")
	f.Add(false, "--XX\r\n\r\n")
	e := mustNew(WithoutRateLimits())
	org := rawDo(f, e, "POST", "/v1/organizations", "sk_test_k", `{"name":"Fuzz Co"}`)
	usr := rawDo(f, e, "POST", "/v1/users", "sk_test_k", `{"external_id":"fuzz"}`)
	var o, u struct{ ID string }
	if json.Unmarshal(org.Body.Bytes(), &o) != nil || json.Unmarshal(usr.Body.Bytes(), &u) != nil || o.ID == "" || u.ID == "" {
		f.Fatalf("setup: %s %s", org.Body, usr.Body)
	}
	f.Fuzz(func(t *testing.T, logo bool, body string) {
		method, path := "POST", "/v1/users/"+u.ID+"/profile_image"
		if logo {
			method, path = "PUT", "/v1/organizations/"+o.ID+"/logo"
		}
		r := httptest.NewRequest(method, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer sk_test_k")
		r.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			errCode(t, w)
		}
	})
}

// reloaded saves e and loads the state into a new test emulator made with
// opts: what survives a restart with --state.
func reloaded(t *testing.T, e *Emulator, opts ...Option) *Emulator {
	t.Helper()
	var buf bytes.Buffer
	if err := e.Save(&buf); err != nil {
		t.Fatal(err)
	}
	f, _ := newTestEmulator(t, opts...)
	if err := f.Load(&buf); err != nil {
		t.Fatal(err)
	}
	return f
}
