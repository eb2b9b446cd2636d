package clerkwasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/internal/abi"
)

func TestCallAgainstEmulator(t *testing.T) {
	emu := emulator.Start(t)
	h := newHost(t, Options{SecretKey: emu.SecretKey, APIURL: emu.URL, PoolSize: 2})
	ctx := context.Background()

	created, err := h.Call(ctx, "users.create", map[string]any{
		"email_address": []string{"ada@example.com"}, "first_name": "Ada",
		"public_metadata": map[string]any{"plan": "pro"},
	})
	mustf(t, err, "users.create")
	var u struct {
		ID        string         `json:"id"`
		FirstName string         `json:"first_name"`
		Public    map[string]any `json:"public_metadata"`
	}
	mustf(t, json.Unmarshal(created, &u), "decode user")
	if !strings.HasPrefix(u.ID, "user_") || u.FirstName != "Ada" || u.Public["plan"] != "pro" {
		t.Fatalf("created user = %s", created)
	}

	got, err := h.Call(ctx, "users.get", map[string]any{"user_id": u.ID})
	mustf(t, err, "users.get")
	if !bytes.Contains(got, []byte(u.ID)) {
		t.Fatalf("users.get = %s", got)
	}
	// The @clerk/backend alias works too, and native and plugin agree.
	native, err := emu.Client.Call(ctx, "users.getUser", map[string]any{"user_id": u.ID})
	mustf(t, err, "native users.getUser")
	viaAlias, err := h.Call(ctx, "users.getUser", json.RawMessage(`{"user_id":"`+u.ID+`"}`))
	mustf(t, err, "plugin users.getUser")
	if !bytes.Equal(native, viaAlias) {
		t.Fatalf("native and plugin differ:\n%s\n%s", native, viaAlias)
	}

	_, err = h.Call(ctx, "users.get", map[string]any{"user_id": "user_missing"})
	if !core.IsNotFound(err) {
		t.Fatalf("missing user: %v, want a 404 APIError", err)
	}
	var ae *core.APIError
	if !errors.As(err, &ae) || ae.Operation != "users.get" || len(ae.Errors) == 0 {
		t.Fatalf("missing user error = %#v", err)
	}

	_, err = h.Call(ctx, "users.nope", nil)
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != "unknown_operation" {
		t.Fatalf("unknown operation: %v", err)
	}
}

// recordingServer counts requests and remembers the last Authorization.
type recordingServer struct {
	*httptest.Server
	hits atomic.Int32
	auth atomic.Value
}

func newRecordingServer(t *testing.T, h http.HandlerFunc) *recordingServer {
	rs := &recordingServer{}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.hits.Add(1)
		rs.auth.Store(r.Header.Get("Authorization"))
		h(w, r)
	}))
	t.Cleanup(rs.Close)
	return rs
}

// A redirect from the API URL is refused, never followed, even with an
// Options.HTTPClient that follows redirects: the target (another port of
// the same host) never sees the secret key.
func TestRedirectIsNotFollowed(t *testing.T) {
	for _, tc := range []struct {
		name   string
		client *http.Client
		status int
	}{
		{"default client, 302", nil, http.StatusFound},
		{"default client, 307", nil, http.StatusTemporaryRedirect},
		{"a client that follows, 307", &http.Client{}, http.StatusTemporaryRedirect},
		{"a client that follows, 308", &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}, http.StatusPermanentRedirect},
	} {
		evil := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) })
		api := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, evil.URL+r.URL.Path, tc.status)
		})
		h := newHost(t, Options{SecretKey: "sk_test_redirect", APIURL: api.URL, PoolSize: 1, HTTPClient: tc.client})
		_, err := h.Call(context.Background(), "users.list", nil)
		if err == nil || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("%s: err = %v, want a refusal mentioning the redirect", tc.name, err)
		}
		if api.hits.Load() != 1 || evil.hits.Load() != 0 {
			t.Errorf("%s: api hits %d, redirect target hits %d (Authorization %v): the redirect was followed", tc.name, api.hits.Load(), evil.hits.Load(), evil.auth.Load())
		}
	}
}

// TestAllowList drives the host's HTTP function with requests a hostile
// guest could craft: none may leave the pinned base URL.
func TestAllowList(t *testing.T) {
	evil := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {})
	api := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"ok":1}`)) })
	evilHost := strings.TrimPrefix(evil.URL, "http://")
	p, err := newAPIProxy(Options{SecretKey: "sk_test_allow", APIURL: api.URL}.withDefaults())
	mustf(t, err, "proxy")
	bad := []abi.HTTPRequest{
		{Method: "GET", Path: "//" + evilHost + "/x"},
		{Method: "GET", Path: "http://" + evilHost + "/x"},
		{Method: "GET", Path: "@" + evilHost + "/x"},
		{Method: "GET", Path: "/@" + evilHost},
		{Method: "GET", Path: "/../../" + evilHost},
		{Method: "GET", Path: "/users/%2e%2e/%2e%2e/x"},
		{Method: "GET", Path: "/\\" + evilHost},
		{Method: "GET", Path: "/x?y=1"},
		{Method: "GET", Path: "/x#frag"},
		{Method: "GET", Path: "/x\r\nHost: " + evilHost},
		{Method: "CONNECT", Path: "/users"},
		{Method: "GET", Path: "users"},
		{Method: "POST", Path: "/users", ContentType: "text/plain"},
		{Method: "POST", Path: "/users", ContentType: "application/json\r\nX-Evil: 1"},
	}
	for _, req := range bad {
		b, _ := json.Marshal(req)
		resp := p.do(context.Background(), b)
		if resp.Error == nil || !resp.Error.NotSent {
			t.Errorf("%s %q: not refused: %+v", req.Method, req.Path, resp)
		}
	}
	if evil.hits.Load() != 0 || api.hits.Load() != 0 {
		t.Fatalf("hits: evil %d, api %d, want none", evil.hits.Load(), api.hits.Load())
	}
	// The transport refuses any URL outside the base even if a path slipped
	// through.
	_, err = (&pinnedTransport{inner: core.NewHTTPTransport(nil), base: p.base}).RoundTrip(context.Background(),
		&core.HTTPRequest{Method: "GET", URL: evil.URL + "/v1/users", Header: core.Header{}})
	if !core.IsNotSent(err) || evil.hits.Load() != 0 {
		t.Fatalf("pinned transport let %s through: %v", evil.URL, err)
	}
	// A good request goes to the API with the secret key.
	b, _ := json.Marshal(abi.HTTPRequest{Method: "GET", Path: "/users/user_1", Query: "limit=1"})
	if resp := p.do(context.Background(), b); resp.Error != nil || resp.Status != 200 {
		t.Fatalf("good request: %+v", resp)
	}
	if api.auth.Load() != "Bearer sk_test_allow" {
		t.Fatalf("Authorization = %v", api.auth.Load())
	}
	// Through the module: core escapes path parameters ("..%2F..%2F"), and
	// the host still refuses the decoded dot segments.
	h := newHost(t, Options{SecretKey: "sk_test_allow", APIURL: api.URL, PoolSize: 1})
	_, err = h.Call(context.Background(), "users.get", map[string]any{"user_id": "../../" + evilHost})
	if err == nil || !strings.Contains(err.Error(), "refused by the host") {
		t.Fatalf("users.get with a hostile id: %v, want a refusal", err)
	}
	if evil.hits.Load() != 0 {
		t.Fatal("a hostile path parameter reached another host")
	}
}

// TestSecretNeverInGuestMemory makes Backend API calls and JWKS loads, then
// scans every instance's whole linear memory for the secret key.
func TestSecretNeverInGuestMemory(t *testing.T) {
	const secret = "sk_test_0123456789_SUPER_SECRET_VALUE"
	emu := emulator.Start(t, emulator.WithSecretKey(secret))
	h := newHost(t, Options{SecretKey: secret, APIURL: emu.URL, PoolSize: 2})
	ctx := context.Background()
	for i := 0; i < 4; i++ {
		if _, err := h.Call(ctx, "users.list", map[string]any{"limit": 5}); err != nil {
			t.Fatalf("users.list: %v", err)
		}
	}
	// JWKS through the host: an unknown token still loads the key set.
	_, _ = h.VerifyToken(ctx, "eyJhbGciOiJSUzI1NiIsImtpZCI6Imluc18xIn0.eyJzdWIiOiJ1In0.c2ln")
	scanned := 0
	h.instances(func(inst *instance) {
		mem, ok := inst.mem.Read(0, inst.mem.Size())
		if !ok {
			t.Fatal("cannot read guest memory")
		}
		scanned++
		for _, needle := range []string{secret, "SUPER_SECRET_VALUE"} {
			if bytes.Contains(mem, []byte(needle)) {
				t.Fatalf("guest memory contains %q", needle)
			}
		}
		// The scan must be able to see what the guest does hold.
		if !bytes.Contains(mem, []byte("sk_host_managed")) {
			t.Fatal("scan found not even the guest's placeholder key: is it reading guest memory?")
		}
	})
	if scanned == 0 {
		t.Fatal("no instance scanned")
	}
}

func TestDeadlineStopsCall(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	api := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	h := newHost(t, Options{SecretKey: "sk_test_slow", APIURL: api.URL, PoolSize: 1,
		Retry: &core.RetryConfig{Disabled: true}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	_, err := h.Call(ctx, "users.list", nil)
	if err == nil {
		t.Fatal("a call blocked past its deadline succeeded")
	}
	if !errors.Is(err, context.DeadlineExceeded) && !strings.Contains(err.Error(), "deadline") {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	// The host is still usable: a healthy call on (possibly) a new instance.
	emu := emulator.Start(t)
	h2 := newHost(t, Options{SecretKey: emu.SecretKey, APIURL: emu.URL, PoolSize: 1})
	if _, err := h2.Call(context.Background(), "users.count", nil); err != nil {
		t.Fatalf("after deadline: %v", err)
	}
	if _, err := h.VerifyToken(context.Background(), "a.b.c"); core.TokenErrorReason(err) != core.ReasonTokenInvalid {
		t.Fatalf("host after deadline: %v", err)
	}
}

// TestDeadlineStopsRunawayGuest interrupts guest CPU work: decoding a
// multi-megabyte call input takes the guest seconds, the deadline is 100 ms.
// The trapped instance is replaced and the host keeps serving.
func TestDeadlineStopsRunawayGuest(t *testing.T) {
	h := newHost(t, Options{JWTKey: testkeysRSA4096PEM(), PoolSize: 1, CallTimeout: 100 * time.Millisecond})
	big := `{"operation":"users.list","params":{"x":"` + strings.Repeat("a\\u00e9", 1<<20) + `"}}`
	before := h.discarded.Load()
	_, err := h.CallExport(context.Background(), abi.ExportCall, []byte(big))
	var ge *GuestError
	if !errors.As(err, &ge) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a GuestError wrapping the deadline", err)
	}
	if h.discarded.Load() != before+1 {
		t.Fatalf("discarded %d instances, want the failed one replaced", h.discarded.Load()-before)
	}
	if _, err := h.VerifyToken(context.Background(), rsa4096Token()); err != nil {
		t.Fatalf("after the deadline: %v", err)
	}
}
