package clerkhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/clerkhttp"
	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

var (
	now  = time.Unix(1_760_000_000, 0)
	fapi = "clerk.example.com"
)

func token(over map[string]any) string {
	c := map[string]any{"sub": "user_1", "sid": "sess_1", "iss": "https://" + fapi,
		"iat": now.Unix() - 10, "exp": now.Unix() + 60}
	for k, v := range over {
		c[k] = v
	}
	return testkeys.Mint(c, "", "")
}

// server runs the middleware in front of a handler that reports the auth
// object, over real HTTP on loopback.
func server(t *testing.T, opts ...clerkhttp.Option) *httptest.Server {
	t.Helper()
	m, err := clerkhttp.New(core.AuthenticateOptions{
		SecretKey:      "sk_live_x",
		JWTKey:         testkeys.Primary.PublicPEM(),
		PublishableKey: core.BuildPublishableKey(fapi, true),
		Now:            func() time.Time { return now },
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := clerkhttp.AuthFromContext(r.Context())
		if !ok {
			http.Error(w, "no auth in context", 500)
			return
		}
		fmt.Fprintf(w, "user=%s authenticated=%v", a.UserID, a.IsAuthenticated)
	})))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, srv *httptest.Server, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/dashboard", nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMiddleware(t *testing.T) {
	uat := strconv.FormatInt(now.Unix()-100, 10)
	open := server(t)
	required := server(t, clerkhttp.RequireAuth())

	resp, body := do(t, open, map[string]string{"Authorization": "Bearer " + token(nil)})
	if resp.StatusCode != 200 || body != "user=user_1 authenticated=true" {
		t.Errorf("signed in: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, open, map[string]string{"Cookie": "__session=" + token(nil) + "; __client_uat=" + uat})
	if resp.StatusCode != 200 || body != "user=user_1 authenticated=true" {
		t.Errorf("cookie: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, open, nil)
	if resp.StatusCode != 200 || body != "user= authenticated=false" || resp.Header.Get("X-Clerk-Auth-Status") != "signed-out" {
		t.Errorf("optional auth, signed out: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = do(t, required, map[string]string{"Authorization": "Bearer nope"})
	if resp.StatusCode != 401 || resp.Header.Get("X-Clerk-Auth-Reason") != "token-invalid" || strings.Contains(body, "user=") {
		t.Errorf("required auth, bad token: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, _ = do(t, required, map[string]string{"Authorization": "Bearer " + token(nil)})
	if resp.StatusCode != 200 {
		t.Errorf("required auth, good token: %d", resp.StatusCode)
	}
	// A pending session is not authenticated by default.
	resp, _ = do(t, required, map[string]string{"Authorization": "Bearer " + token(map[string]any{"sts": "pending"})})
	if resp.StatusCode != 401 {
		t.Errorf("pending session: %d", resp.StatusCode)
	}

	// Page load with a stale session: a handshake redirect.
	resp, _ = do(t, required, map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__session=" + token(nil)})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(loc, "https://"+fapi+"/v1/client/handshake?") ||
		resp.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(resp.Header.Get("Set-Cookie"), "__clerk_redirect_count=1") {
		t.Errorf("handshake: %d %v", resp.StatusCode, resp.Header)
	}
	// The same request to an API-only middleware is a plain 401.
	api := server(t, clerkhttp.RequireAuth(), clerkhttp.WithoutHandshake())
	resp, _ = do(t, api, map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__session=" + token(nil)})
	if resp.StatusCode != 401 || resp.Header.Get("Location") != "" || resp.Header.Get("X-Clerk-Auth-Status") != "signed-out" {
		t.Errorf("no-handshake: %d %v", resp.StatusCode, resp.Header)
	}

	// A handshake token in the URL sets the cookies it carries.
	hs := testkeys.Mint(map[string]any{"handshake": []string{"__session=" + token(nil) + "; Path=/", "__client_uat=" + uat + "; Path=/"}}, "", "")
	req, _ := http.NewRequest("GET", open.URL+"/?__clerk_handshake="+hs, nil)
	r2, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 200 || len(r2.Header.Values("Set-Cookie")) != 2 || string(b) != "user=user_1 authenticated=true" {
		t.Errorf("handshake resolution: %d %v %q", r2.StatusCode, r2.Header, b)
	}

	// Custom failure handler.
	custom := server(t, clerkhttp.RequireAuth(), clerkhttp.WithUnauthorizedHandler(func(w http.ResponseWriter, r *http.Request, st *core.RequestState) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, "custom:"+st.Reason)
	}))
	resp, body = do(t, custom, nil)
	if resp.StatusCode != 403 || body != "custom:session-token-and-uat-missing" {
		t.Errorf("custom handler: %d %q", resp.StatusCode, body)
	}
}

func TestMiddlewareConfigError(t *testing.T) {
	if _, err := clerkhttp.New(core.AuthenticateOptions{SecretKey: "sk_live_x"}); err == nil || !strings.Contains(err.Error(), "Publishable key is missing") {
		t.Errorf("err = %v", err)
	}
}

// TestMiddlewareEndToEnd drives the middleware with real HTTP requests, one
// case per shape of answer.
func TestMiddlewareEndToEnd(t *testing.T) {
	uat := strconv.FormatInt(now.Unix()-100, 10)
	expired := token(map[string]any{"iat": now.Unix() - 200, "exp": now.Unix() - 100})
	oldUat := strconv.FormatInt(now.Unix()-1000, 10)
	forged := testkeys.Secondary.WithKID(testkeys.Primary.KID).Mint(map[string]any{"sub": "user_1", "sid": "sess_1",
		"iat": now.Unix() - 10, "exp": now.Unix() + 60}, "")
	jsonDenied := clerkhttp.WithUnauthorizedHandler(func(w http.ResponseWriter, r *http.Request, st *core.RequestState) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, `{"status":%q,"reason":%q}`, st.Status, st.Reason)
	})
	cases := []struct {
		name     string
		opts     []clerkhttp.Option
		method   string
		hdr      map[string]string
		wantCode int
		wantBody string            // exact body, when not ""
		wantHdr  map[string]string // exact response headers
		noHdr    []string          // headers that must be absent
	}{
		{name: "signed in by header", opts: []clerkhttp.Option{clerkhttp.RequireAuth()},
			hdr:      map[string]string{"Authorization": "Bearer " + token(nil)},
			wantCode: 200, wantBody: "user=user_1 authenticated=true",
			noHdr: []string{"X-Clerk-Auth-Status", "X-Clerk-Auth-Reason", "Location"}},
		{name: "401 with debug headers", opts: []clerkhttp.Option{clerkhttp.RequireAuth()},
			hdr:      map[string]string{"Authorization": "Bearer " + forged, "Cookie": "__session=" + token(nil) + "; __client_uat=" + uat},
			wantCode: 401, wantBody: "Unauthorized\n",
			wantHdr: map[string]string{"X-Clerk-Auth-Status": "signed-out", "X-Clerk-Auth-Reason": "token-invalid-signature",
				"X-Clerk-Auth-Message": "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=header)"}},
		{name: "expired session on a fetch is a 401, not a redirect", opts: []clerkhttp.Option{clerkhttp.RequireAuth()},
			hdr:      map[string]string{"Sec-Fetch-Dest": "empty", "Cookie": "__session=" + expired + "; __client_uat=" + oldUat},
			wantCode: 401,
			wantHdr:  map[string]string{"X-Clerk-Auth-Reason": "session-token-expired-refresh-non-eligible-no-refresh-cookie"},
			noHdr:    []string{"Location"}},
		{name: "handshake redirect for a page load", opts: []clerkhttp.Option{clerkhttp.RequireAuth()},
			hdr:      map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__session=" + expired + "; __client_uat=" + oldUat},
			wantCode: http.StatusTemporaryRedirect,
			wantHdr: map[string]string{"X-Clerk-Auth-Status": "handshake", "Cache-Control": "no-store",
				"Set-Cookie": "__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2"}},
		{name: "handshake redirect on an optional route too",
			hdr:      map[string]string{"Accept": "text/html,application/xhtml+xml", "Cookie": "__client_uat=" + uat},
			wantCode: http.StatusTemporaryRedirect,
			wantHdr:  map[string]string{"X-Clerk-Auth-Reason": "client-uat-but-no-session-token"}},
		{name: "a page POST is not redirected", opts: []clerkhttp.Option{clerkhttp.RequireAuth()}, method: "POST",
			hdr:      map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__session=" + token(nil)},
			wantCode: 401,
			wantHdr:  map[string]string{"X-Clerk-Auth-Reason": "session-token-but-no-client-uat"},
			noHdr:    []string{"Location", "Set-Cookie"}},
		{name: "custom failure handler", opts: []clerkhttp.Option{clerkhttp.RequireAuth(), jsonDenied},
			hdr:      map[string]string{"Authorization": "Bearer " + expired},
			wantCode: 403, wantBody: `{"status":"signed-out","reason":"session-token-expired-refresh-non-eligible-no-refresh-cookie"}`,
			wantHdr: map[string]string{"Content-Type": "application/json", "X-Clerk-Auth-Status": "signed-out"}},
		{name: "handshake suppressed for an API", opts: []clerkhttp.Option{clerkhttp.RequireAuth(), clerkhttp.WithoutHandshake(), jsonDenied},
			hdr:      map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__session=" + expired + "; __client_uat=" + oldUat},
			wantCode: 403, wantBody: `{"status":"signed-out","reason":"session-token-expired-refresh-non-eligible-no-refresh-cookie"}`,
			wantHdr: map[string]string{"X-Clerk-Auth-Status": "signed-out"},
			noHdr:   []string{"Location", "Set-Cookie", "Cache-Control"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := server(t, append([]clerkhttp.Option{}, tc.opts...)...)
			method := tc.method
			if method == "" {
				method = "GET"
			}
			req, _ := http.NewRequest(method, srv.URL+"/dashboard", nil)
			for k, v := range tc.hdr {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.wantCode {
				t.Fatalf("status %d, want %d (%v, %q)", resp.StatusCode, tc.wantCode, resp.Header, b)
			}
			if tc.wantBody != "" && string(b) != tc.wantBody {
				t.Errorf("body %q, want %q", b, tc.wantBody)
			}
			for k, v := range tc.wantHdr {
				if got := resp.Header.Values(k); len(got) != 1 || got[0] != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, k := range tc.noHdr {
				if v := resp.Header.Get(k); v != "" {
					t.Errorf("%s = %q, want none", k, v)
				}
			}
			if tc.wantCode == http.StatusTemporaryRedirect {
				loc := resp.Header.Get("Location")
				if !strings.HasPrefix(loc, "https://"+fapi+"/v1/client/handshake?redirect_url=") || !strings.Contains(loc, url.QueryEscape(srv.URL+"/dashboard")) {
					t.Errorf("Location = %q", loc)
				}
				if len(b) != 0 {
					t.Errorf("a redirect carried a body: %q", b)
				}
			}
		})
	}
}

// TestMiddlewareStateAndErrors checks the context accessors and the error
// handler, over real HTTP.
func TestMiddlewareStateAndErrors(t *testing.T) {
	var seen *core.RequestState
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, _ = clerkhttp.StateFromContext(r.Context())
	})

	// A satellite whose sign-in page is on its own origin cannot work:
	// the request fails, through the error handler, without a verdict.
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	var gotErr error
	m, err := clerkhttp.New(core.AuthenticateOptions{
		SecretKey: "sk_live_x", JWTKey: testkeys.Primary.PublicPEM(), PublishableKey: core.BuildPublishableKey(fapi, true),
		IsSatellite: true, Domain: "satellite.example", SignInURL: srv.URL + "/sign-in",
		Now: func() time.Time { return now },
	}, clerkhttp.WithErrorHandler(func(w http.ResponseWriter, r *http.Request, err error) {
		gotErr = err
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/", m.Handler(handler))
	req, _ := http.NewRequest("GET", srv.URL+"/", nil)
	req.Header.Set("Origin", srv.URL)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 || gotErr == nil || !strings.Contains(gotErr.Error(), "different origin") || seen != nil {
		t.Errorf("error handler: %d %v, handler saw %v", resp.StatusCode, gotErr, seen)
	}

	// The default error answer says nothing about the configuration.
	m2, _ := clerkhttp.New(core.AuthenticateOptions{
		SecretKey: "sk_live_x", JWTKey: testkeys.Primary.PublicPEM(), PublishableKey: core.BuildPublishableKey(fapi, true),
		IsSatellite: true, Domain: "satellite.example", SignInURL: srv.URL + "/sign-in",
	})
	mux.Handle("/default", m2.Handler(handler))
	req, _ = http.NewRequest("GET", srv.URL+"/default", nil)
	req.Header.Set("Origin", srv.URL)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 500 || strings.Contains(string(b), "sign") || strings.Contains(string(b), "sk_live") {
		t.Errorf("default error: %d %q", resp.StatusCode, b)
	}

	// Signed in: the state in the context holds the verified claims.
	tok := token(map[string]any{"org_id": "org_1", "org_role": "org:admin"})
	okSrv := httptest.NewServer(mustNew(t).Handler(handler))
	defer okSrv.Close()
	req, _ = http.NewRequest("GET", okSrv.URL+"/", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if seen == nil || seen.Status != core.StatusSignedIn || seen.Claims == nil || seen.Claims.Subject != "user_1" || seen.Token != tok {
		t.Fatalf("state = %+v", seen)
	}
	if a := seen.ToAuth(); !a.Has(core.HasParams{Role: "admin"}) || a.Has(core.HasParams{Role: "member"}) {
		t.Errorf("has() on the context's auth object: %+v", a)
	}
	if _, ok := clerkhttp.AuthFromContext(req.Context()); ok {
		t.Error("AuthFromContext found an auth object outside the middleware")
	}
}

func mustNew(t *testing.T) *clerkhttp.Middleware {
	t.Helper()
	m, err := clerkhttp.New(core.AuthenticateOptions{
		SecretKey: "sk_live_x", JWTKey: testkeys.Primary.PublicPEM(), PublishableKey: core.BuildPublishableKey(fapi, true),
		Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
