package core_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

var (
	testNow   = time.Unix(1_760_000_000, 0)
	prodFAPI  = "clerk.example.com"
	prodPK    = core.BuildPublishableKey(prodFAPI, true)
	devFAPI   = "foo-bar-13.clerk.accounts.dev"
	devPK     = core.BuildPublishableKey(devFAPI, false)
	appURL    = "https://app.example.com/dashboard?tab=1"
	secretKey = "sk_live_testsecret"
)

// sessionClaims returns valid session claims issued by fapi at testNow-10s.
func sessionClaims(fapi string, over map[string]any) map[string]any {
	now := testNow.Unix()
	c := map[string]any{
		"sub": "user_1", "sid": "sess_1", "iss": "https://" + fapi,
		"iat": now - 10, "nbf": now - 20, "exp": now + 60, "azp": "https://app.example.com",
	}
	for k, v := range over {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func mint(fapi string, over map[string]any) string {
	return testkeys.Mint(sessionClaims(fapi, over), "", "")
}

func baseOpts() core.AuthenticateOptions {
	return core.AuthenticateOptions{
		SecretKey:      secretKey,
		JWTKey:         testkeys.Primary.PublicPEM(),
		PublishableKey: prodPK,
		Now:            func() time.Time { return testNow },
		// Tests never reach the network: the JWT key verifies, and the
		// default client would only be used by refresh and nonces.
		Transport: core.TransportFunc(func(context.Context, *core.HTTPRequest) (*core.HTTPResponse, error) {
			return nil, errors.New("no network in tests")
		}),
	}
}

type reqSpec struct {
	method  string
	url     string
	headers map[string]string
	cookies map[string]string
}

func (r reqSpec) build() core.Request {
	req := core.Request{Method: r.method, URL: r.url, Headers: map[string][]string{}}
	if req.Method == "" {
		req.Method = "GET"
	}
	if req.URL == "" {
		req.URL = appURL
	}
	for k, v := range r.headers {
		req.Headers[k] = []string{v}
	}
	var cs []string
	for k, v := range r.cookies {
		cs = append(cs, k+"="+v)
	}
	if len(cs) > 0 {
		req.Headers["Cookie"] = []string{strings.Join(cs, "; ")}
	}
	return req
}

var doc = map[string]string{"Sec-Fetch-Dest": "document"}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

func uat(sec int64) string { return strconv.FormatInt(sec, 10) }
func itoa(n int64) string  { return strconv.FormatInt(n, 10) }

func TestAuthenticateDecisionProcedure(t *testing.T) {
	now := testNow.Unix()
	valid := mint(prodFAPI, nil)
	expired := mint(prodFAPI, map[string]any{"exp": now - 100, "iat": now - 200, "nbf": now - 210})
	sfx := core.CookieSuffix(prodPK)
	otherInstance := mint("clerk.other.com", nil)
	machineJWT := mint(prodFAPI, map[string]any{"sub": "mch_1"})
	pending := mint(prodFAPI, map[string]any{"sts": "pending"})

	cases := []struct {
		name       string
		req        reqSpec
		opts       func(*core.AuthenticateOptions)
		wantStatus core.AuthStatus
		wantReason string
		check      func(t *testing.T, st core.RequestState)
	}{
		{name: "no credentials", wantStatus: core.StatusSignedOut, wantReason: "session-token-and-uat-missing",
			check: func(t *testing.T, st core.RequestState) {
				if st.Headers.Get("X-Clerk-Auth-Status") != "signed-out" || st.Headers.Get("X-Clerk-Auth-Reason") != "session-token-and-uat-missing" {
					t.Errorf("debug headers = %v", st.Headers)
				}
			}},
		{name: "bearer header", req: reqSpec{headers: map[string]string{"Authorization": "Bearer " + valid}},
			wantStatus: core.StatusSignedIn, check: wantUser("user_1")},
		{name: "bare token header", req: reqSpec{headers: map[string]string{"Authorization": valid}},
			wantStatus: core.StatusSignedIn, check: wantUser("user_1")},
		{name: "Basic scheme ignored, cookie used", req: reqSpec{
			headers: map[string]string{"Authorization": "Basic YWxhZGRpbjpvcGVu"},
			cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn, check: wantUser("user_1")},
		{name: "lowercase bearer ignored, cookie used", req: reqSpec{
			headers: map[string]string{"Authorization": "bearer " + otherInstance},
			cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn, check: wantUser("user_1")},
		{name: "two spaces after Bearer", req: reqSpec{headers: map[string]string{"Authorization": "Bearer  " + valid}},
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid"},
		{name: "header wins over cookie", req: reqSpec{
			headers: map[string]string{"Authorization": "Bearer garbage"},
			cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid",
			check: func(t *testing.T, st core.RequestState) {
				if !strings.Contains(st.Message, "token-carrier=header") {
					t.Errorf("message %q lacks the carrier", st.Message)
				}
			}},
		{name: "expired header token", req: reqSpec{
			headers: map[string]string{"Authorization": "Bearer " + expired}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-expired-refresh-non-eligible-no-refresh-cookie"},
		{name: "machine JWT in a session header", req: reqSpec{headers: map[string]string{"Authorization": "Bearer " + machineJWT}},
			wantStatus: core.StatusSignedOut, wantReason: "token-type-mismatch"},
		{name: "cookie and client uat", req: reqSpec{cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn, check: func(t *testing.T, st core.RequestState) {
				wantUser("user_1")(t, st)
				if st.Token != valid || len(st.Headers) != 0 {
					t.Errorf("token/headers = %q %v", st.Token, st.Headers)
				}
			}},
		{name: "session cookie only (fetch)", req: reqSpec{cookies: map[string]string{"__session": valid}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-but-no-client-uat"},
		{name: "session cookie only (document)", req: reqSpec{headers: doc, cookies: map[string]string{"__session": valid}},
			wantStatus: core.StatusHandshake, wantReason: "session-token-but-no-client-uat", check: wantHandshake(prodFAPI, 1)},
		{name: "session cookie only (Accept text/html)", req: reqSpec{headers: map[string]string{"Accept": "text/html,*/*"}, cookies: map[string]string{"__session": valid}},
			wantStatus: core.StatusHandshake, wantReason: "session-token-but-no-client-uat"},
		{name: "document POST is not eligible", req: reqSpec{method: "POST", headers: doc, cookies: map[string]string{"__session": valid}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-but-no-client-uat"},
		{name: "client uat 0", req: reqSpec{cookies: map[string]string{"__session": valid, "__client_uat": "0"}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-but-no-client-uat"},
		{name: "client uat without session", req: reqSpec{headers: doc, cookies: map[string]string{"__client_uat": uat(now)}},
			wantStatus: core.StatusHandshake, wantReason: "client-uat-but-no-session-token"},
		{name: "iat before client uat", req: reqSpec{cookies: map[string]string{"__session": valid, "__client_uat": uat(now)}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-iat-before-client-uat"},
		{name: "expired cookie on POST", req: reqSpec{method: "POST", cookies: map[string]string{"__session": expired, "__client_uat": uat(now - 1000)}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-expired-refresh-non-eligible-non-get",
			check: func(t *testing.T, st core.RequestState) {
				if !strings.HasPrefix(st.Message, "JWT is expired.") || !strings.HasSuffix(st.Message, "(reason=token-expired, token-carrier=cookie)") {
					t.Errorf("message = %q", st.Message)
				}
			}},
		{name: "expired cookie on GET fetch", req: reqSpec{cookies: map[string]string{"__session": expired, "__client_uat": uat(now - 1000)}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-expired-refresh-non-eligible-no-refresh-cookie"},
		{name: "expired cookie on GET document", req: reqSpec{headers: doc, cookies: map[string]string{"__session": expired, "__client_uat": uat(now - 1000)}},
			wantStatus: core.StatusHandshake, wantReason: "session-token-expired-refresh-non-eligible-no-refresh-cookie",
			check: func(t *testing.T, st core.RequestState) {
				loc, _ := url.Parse(st.Headers.Get("Location"))
				if loc.Query().Get("__session") != expired {
					t.Errorf("handshake does not carry the session token: %s", loc)
				}
			}},
		{name: "nbf in the future", req: reqSpec{cookies: map[string]string{"__session": mint(prodFAPI, map[string]any{"nbf": now + 60}), "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-nbf"},
		{name: "iat in the future", req: reqSpec{cookies: map[string]string{"__session": mint(prodFAPI, map[string]any{"iat": now + 60, "nbf": nil}), "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-iat-in-the-future"},
		{name: "bad signature cookie", req: reqSpec{cookies: map[string]string{"__session": testkeys.Secondary.WithKID(testkeys.Primary.KID).Mint(sessionClaims(prodFAPI, nil), ""), "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid-signature"},
		{name: "undecodable cookie", req: reqSpec{cookies: map[string]string{"__session": "a.b", "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid"},
		{name: "machine JWT in a cookie", req: reqSpec{cookies: map[string]string{"__session": machineJWT, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedOut, wantReason: "token-type-mismatch"},
		{name: "redirect loop guard", req: reqSpec{headers: doc, cookies: map[string]string{"__session": valid, "__clerk_redirect_count": "3"}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-but-no-client-uat"},
		{name: "redirect count increments", req: reqSpec{headers: doc, cookies: map[string]string{"__session": valid, "__clerk_redirect_count": "2"}},
			wantStatus: core.StatusHandshake, wantReason: "session-token-but-no-client-uat", check: wantHandshake(prodFAPI, 3)},
		{name: "suffixed cookies win over another instance's", req: reqSpec{cookies: map[string]string{
			"__session": otherInstance, "__client_uat": uat(now - 100),
			"__session_" + sfx: valid, "__client_uat_" + sfx: uat(now - 100)}},
			wantStatus: core.StatusSignedIn, check: wantUser("user_1")},
		{name: "another instance's cookie only", req: reqSpec{cookies: map[string]string{"__session": otherInstance, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-and-uat-missing"},
		{name: "suffixed signed out, unsuffixed signed in", req: reqSpec{cookies: map[string]string{
			"__session": valid, "__client_uat": uat(now - 100), "__client_uat_" + sfx: "0"}},
			wantStatus: core.StatusSignedIn},
		{name: "handshake URL says suffixed", req: reqSpec{headers: doc, cookies: map[string]string{
			"__session_" + sfx: expired, "__client_uat_" + sfx: uat(now - 1000)}},
			wantStatus: core.StatusHandshake, wantReason: "session-token-expired-refresh-non-eligible-no-refresh-cookie", check: func(t *testing.T, st core.RequestState) {
				loc, _ := url.Parse(st.Headers.Get("Location"))
				if loc.Query().Get("suffixed_cookies") != "true" {
					t.Errorf("Location = %s", loc)
				}
			}},
		{name: "cross-origin document referrer", req: reqSpec{headers: with(doc, "Referer", "https://satellite.io/x"),
			cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusHandshake, wantReason: "primary-domain-cross-origin-sync",
			check: func(t *testing.T, st core.RequestState) {
				if st.Message != "Cross-origin request from satellite domain requires handshake" {
					t.Errorf("message = %q", st.Message)
				}
			}},
		{name: "referrer from the account portal", req: reqSpec{headers: with(doc, "Referer", "https://accounts.example.com/sign-in"),
			cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn},
		{name: "same-origin referrer", req: reqSpec{headers: with(doc, "Referer", "https://app.example.com/"),
			cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn},
		{name: "cross-origin after a handshake", req: reqSpec{headers: with(doc, "Referer", "https://satellite.io/x"),
			cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100), "__clerk_redirect_count": "1"}},
			wantStatus: core.StatusSignedIn},
		{name: "forwarded host decides the origin", req: reqSpec{url: "http://10.0.0.1:8080/dashboard",
			headers: with(doc, "Referer", "https://app.example.com/", "X-Forwarded-Host", "app.example.com", "X-Forwarded-Proto", "https"),
			cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn},
		{name: "satellite (production) auto sync",
			opts: func(o *core.AuthenticateOptions) {
				o.IsSatellite, o.Domain, o.SatelliteAutoSync = true, "satellite.io", true
			},
			req:        reqSpec{url: "https://satellite.io/", headers: doc},
			wantStatus: core.StatusHandshake, wantReason: "satellite-needs-syncing", check: wantHandshake("clerk.satellite.io", 1)},
		{name: "satellite without cookies and without auto sync",
			opts:       satellite,
			req:        reqSpec{url: "https://satellite.io/", headers: doc},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-and-uat-missing", check: noLocation},
		{name: "satellite told to sync after a sign-in",
			opts:       satellite,
			req:        reqSpec{url: "https://satellite.io/page?__clerk_synced=false", headers: doc},
			wantStatus: core.StatusHandshake, wantReason: "satellite-needs-syncing", check: func(t *testing.T, st core.RequestState) {
				wantHandshake("clerk.satellite.io", 1)(t, st)
				loc, _ := url.Parse(st.Headers.Get("Location"))
				if back := loc.Query().Get("redirect_url"); back != "https://satellite.io/page?__clerk_synced=true" {
					t.Errorf("redirect_url = %q: the return must not ask for another sync", back)
				}
			}},
		{name: "satellite sync completed",
			opts: func(o *core.AuthenticateOptions) {
				o.IsSatellite, o.Domain, o.SatelliteAutoSync = true, "satellite.io", true
			},
			req:        reqSpec{url: "https://satellite.io/?__clerk_synced=true", headers: doc},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-and-uat-missing", check: noLocation},
		{name: "satellite with a client uat but no session",
			opts:       satellite,
			req:        reqSpec{url: "https://satellite.io/", headers: doc, cookies: map[string]string{"__client_uat": uat(now - 100)}},
			wantStatus: core.StatusHandshake, wantReason: "satellite-needs-syncing"},
		{name: "satellite with a session but client uat 0",
			opts:       satellite,
			req:        reqSpec{url: "https://satellite.io/", headers: doc, cookies: map[string]string{"__session": valid, "__client_uat": "0"}},
			wantStatus: core.StatusHandshake, wantReason: "satellite-needs-syncing"},
		{name: "linked satellite does not sync",
			opts: func(o *core.AuthenticateOptions) {
				o.IsSatellite, o.Domain, o.SatelliteAutoSync = true, "satellite.io", true
			},
			req:        reqSpec{url: "https://satellite.io/", headers: doc, cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn},
		{name: "linked satellite told to sync",
			opts:       satellite,
			req:        reqSpec{url: "https://satellite.io/?__clerk_synced=false", headers: doc, cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusHandshake, wantReason: "satellite-needs-syncing"},
		{name: "satellite sync redirect loop",
			opts: satellite,
			req: reqSpec{url: "https://satellite.io/?__clerk_synced=false", headers: doc,
				cookies: map[string]string{"__client_uat": "0", "__clerk_redirect_count": "3"}},
			wantStatus: core.StatusSignedOut, wantReason: "satellite-needs-syncing", check: noLocation},
		{name: "satellite fetch is signed out",
			opts:       func(o *core.AuthenticateOptions) { o.IsSatellite, o.Domain = true, "satellite.io" },
			req:        reqSpec{url: "https://satellite.io/"},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-and-uat-missing"},
		{name: "pending session", req: reqSpec{cookies: map[string]string{"__session": pending, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn, check: func(t *testing.T, st core.RequestState) {
				a := st.ToAuth()
				if a.IsAuthenticated || a.UserID != "" || a.SessionStatus != "pending" || st.IsAuthenticated() {
					t.Errorf("pending auth = %+v", a)
				}
			}},
		{name: "pending session accepted",
			opts:       func(o *core.AuthenticateOptions) { o.AcceptPendingSessions = true },
			req:        reqSpec{cookies: map[string]string{"__session": pending, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn, check: wantUser("user_1")},
		{name: "authorized parties", opts: func(o *core.AuthenticateOptions) { o.AuthorizedParties = []string{"https://other.example.com"} },
			req:        reqSpec{headers: map[string]string{"Authorization": "Bearer " + valid}},
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid-authorized-parties"},
		{name: "unexpected verification failure",
			opts: func(o *core.AuthenticateOptions) {
				o.VerifySession = func(context.Context, string) (*core.Claims, error) { return nil, errors.New("boom") }
			},
			req:        reqSpec{headers: map[string]string{"Authorization": "Bearer " + valid}},
			wantStatus: core.StatusSignedOut, wantReason: "unexpected-error"},
		{name: "accepts list rejects up front",
			opts: func(o *core.AuthenticateOptions) {
				o.AcceptsToken = []core.TokenType{core.TokenTypeAPIKey, core.TokenTypeM2M}
			},
			req:        reqSpec{headers: map[string]string{"Authorization": "Bearer " + valid}},
			wantStatus: core.StatusSignedOut, wantReason: "token-type-mismatch",
			check: func(t *testing.T, st core.RequestState) {
				if st.TokenType != "" {
					t.Errorf("tokenType = %q, want none", st.TokenType)
				}
			}},
		{name: "accepts list with session",
			opts: func(o *core.AuthenticateOptions) {
				o.AcceptsToken = []core.TokenType{core.TokenTypeSession, core.TokenTypeAPIKey}
			},
			req:        reqSpec{headers: map[string]string{"Authorization": "Bearer " + valid}},
			wantStatus: core.StatusSignedIn},
		{name: "machine only, no header",
			opts:       func(o *core.AuthenticateOptions) { o.AcceptsToken = []core.TokenType{core.TokenTypeAPIKey} },
			req:        reqSpec{cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedOut, wantReason: "No token in header",
			check: func(t *testing.T, st core.RequestState) {
				if st.TokenType != core.TokenTypeAPIKey {
					t.Errorf("tokenType = %q", st.TokenType)
				}
			}},
		{name: "session token where an API key is expected",
			opts:       func(o *core.AuthenticateOptions) { o.AcceptsToken = []core.TokenType{core.TokenTypeAPIKey} },
			req:        reqSpec{headers: map[string]string{"Authorization": "Bearer " + valid}},
			wantStatus: core.StatusSignedOut, wantReason: "token-type-mismatch"},
		{name: "machine token with the default accepts",
			req:        reqSpec{headers: map[string]string{"Authorization": "Bearer mt_0123"}},
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid"},
		{name: "organization sync",
			opts: func(o *core.AuthenticateOptions) {
				o.OrganizationSync = &core.OrganizationSyncOptions{OrganizationPatterns: []string{"/orgs/:slug", "/orgs/:slug/(.*)"}}
			},
			req:        reqSpec{url: "https://app.example.com/orgs/acme/settings", headers: doc, cookies: map[string]string{"__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusHandshake, wantReason: "active-organization-mismatch",
			check: func(t *testing.T, st core.RequestState) {
				loc, _ := url.Parse(st.Headers.Get("Location"))
				if loc.Query().Get("organization_id") != "acme" {
					t.Errorf("Location = %s", loc)
				}
			}},
		{name: "organization already active",
			opts: func(o *core.AuthenticateOptions) {
				o.OrganizationSync = &core.OrganizationSyncOptions{OrganizationPatterns: []string{"/orgs/:slug/(.*)"}}
			},
			req:        reqSpec{url: "https://app.example.com/orgs/acme/settings", headers: doc, cookies: map[string]string{"__session": mint(prodFAPI, map[string]any{"org_id": "org_1", "org_slug": "acme", "org_role": "org:admin"}), "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn},
		{name: "personal account pattern with an active org",
			opts: func(o *core.AuthenticateOptions) {
				o.OrganizationSync = &core.OrganizationSyncOptions{PersonalAccountPatterns: []string{"/me"}}
			},
			req:        reqSpec{url: "https://app.example.com/me/", headers: doc, cookies: map[string]string{"__session": mint(prodFAPI, map[string]any{"org_id": "org_1", "org_slug": "acme", "org_role": "org:admin"}), "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusHandshake, wantReason: "active-organization-mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := baseOpts()
			if tc.opts != nil {
				tc.opts(&o)
			}
			st, err := core.AuthenticateRequest(context.Background(), tc.req.build(), o)
			if err != nil {
				t.Fatalf("AuthenticateRequest: %v", err)
			}
			if st.Status != tc.wantStatus || st.Reason != tc.wantReason {
				t.Fatalf("got %s/%q (%s), want %s/%q", st.Status, st.Reason, st.Message, tc.wantStatus, tc.wantReason)
			}
			if st.Status != core.StatusSignedIn && st.Headers.Get("X-Clerk-Auth-Reason") != tc.wantReason {
				t.Errorf("X-Clerk-Auth-Reason = %q", st.Headers.Get("X-Clerk-Auth-Reason"))
			}
			if tc.check != nil {
				tc.check(t, st)
			}
		})
	}
}

// satellite configures a production satellite with the default (off)
// SatelliteAutoSync.
func satellite(o *core.AuthenticateOptions) { o.IsSatellite, o.Domain = true, "satellite.io" }

func noLocation(t *testing.T, st core.RequestState) {
	t.Helper()
	if loc := st.Headers.Get("Location"); loc != "" {
		t.Errorf("Location = %q, want none", loc)
	}
}

func wantUser(id string) func(*testing.T, core.RequestState) {
	return func(t *testing.T, st core.RequestState) {
		t.Helper()
		a := st.ToAuth()
		if a == nil || !a.IsAuthenticated || a.UserID != id || a.TokenType != core.TokenTypeSession {
			t.Fatalf("auth = %+v, want user %s", a, id)
		}
	}
}

func wantHandshake(fapi string, count int) func(*testing.T, core.RequestState) {
	return func(t *testing.T, st core.RequestState) {
		t.Helper()
		loc, err := url.Parse(st.Headers.Get("Location"))
		if err != nil || loc.Scheme != "https" || loc.Host != fapi || loc.Path != "/v1/client/handshake" {
			t.Fatalf("Location = %q", st.Headers.Get("Location"))
		}
		q := loc.Query()
		if q.Get("format") != "nonce" || q.Get("__clerk_api_version") != core.DefaultClerkAPIVersion || q.Get("__clerk_hs_reason") != st.Reason || q.Get("redirect_url") == "" {
			t.Errorf("handshake query = %v", q)
		}
		if !strings.HasPrefix(loc.RawQuery, "redirect_url=") {
			t.Errorf("query order: %s", loc.RawQuery)
		}
		if st.Headers.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control = %q", st.Headers.Get("Cache-Control"))
		}
		want := "__clerk_redirect_count=" + itoa(int64(count)) + "; SameSite=Lax; HttpOnly; Max-Age=2"
		if got := st.Headers["Set-Cookie"]; len(got) != 1 || got[0] != want {
			t.Errorf("Set-Cookie = %q, want %q", got, want)
		}
		if st.ToAuth() != nil {
			t.Errorf("handshake ToAuth is not nil")
		}
	}
}

func TestAuthenticateDevelopmentInstance(t *testing.T) {
	now := testNow.Unix()
	valid := mint(devFAPI, nil)
	dev := func(o *core.AuthenticateOptions) {
		o.PublishableKey = devPK
		o.SecretKey = "sk_test_dev"
	}
	cases := []struct {
		name       string
		opts       func(*core.AuthenticateOptions)
		req        reqSpec
		wantStatus core.AuthStatus
		wantReason string
		wantLoc    string // prefix of Location
	}{
		{name: "no dev browser", req: reqSpec{headers: doc},
			wantStatus: core.StatusHandshake, wantReason: "dev-browser-missing", wantLoc: "https://" + devFAPI + "/v1/client/handshake?"},
		{name: "dev browser sync", req: reqSpec{url: appURL + "&__clerk_db_jwt=dvb_1", headers: doc},
			wantStatus: core.StatusHandshake, wantReason: "dev-browser-sync"},
		{name: "dev browser present, signed in", req: reqSpec{cookies: map[string]string{"__clerk_db_jwt": "dvb_1", "__session": valid, "__client_uat": uat(now - 100)}},
			wantStatus: core.StatusSignedIn},
		{name: "primary responds to syncing",
			req:        reqSpec{url: "https://app.example.com/?__clerk_redirect_url=" + url.QueryEscape("https://sat.dev/page"), headers: doc, cookies: map[string]string{"__clerk_db_jwt": "dvb_1"}},
			wantStatus: core.StatusHandshake, wantReason: "primary-responds-to-syncing", wantLoc: "https://sat.dev/page?__clerk_db_jwt=dvb_1&__clerk_synced=true"},
		{name: "development satellite auto sync",
			opts: func(o *core.AuthenticateOptions) {
				o.IsSatellite, o.Domain, o.SignInURL, o.SatelliteAutoSync = true, "sat.dev", "https://app.example.com/sign-in", true
			},
			req:        reqSpec{url: "https://sat.dev/page", headers: doc},
			wantStatus: core.StatusHandshake, wantReason: "satellite-needs-syncing", wantLoc: "https://app.example.com/sign-in?__clerk_redirect_url=https%3A%2F%2Fsat.dev%2Fpage"},
		{name: "development satellite without cookies",
			opts: func(o *core.AuthenticateOptions) {
				o.IsSatellite, o.Domain, o.SignInURL = true, "sat.dev", "https://app.example.com/sign-in"
			},
			req:        reqSpec{url: "https://sat.dev/page", headers: doc},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-and-uat-missing"},
		{name: "development satellite told to sync",
			opts: func(o *core.AuthenticateOptions) {
				o.IsSatellite, o.Domain, o.SignInURL = true, "sat.dev", "https://app.example.com/sign-in"
			},
			req:        reqSpec{url: "https://sat.dev/page?__clerk_synced=false&x=1", headers: doc},
			wantStatus: core.StatusHandshake, wantReason: "satellite-needs-syncing", wantLoc: "https://app.example.com/sign-in?__clerk_redirect_url=https%3A%2F%2Fsat.dev%2Fpage%3Fx%3D1"},
		{name: "development satellite fetch",
			opts: func(o *core.AuthenticateOptions) {
				o.IsSatellite, o.Domain, o.SignInURL = true, "sat.dev", "https://app.example.com/sign-in"
			},
			req:        reqSpec{url: "https://sat.dev/page?__clerk_synced=false", cookies: map[string]string{"__clerk_db_jwt": "dvb_1"}},
			wantStatus: core.StatusSignedOut, wantReason: "session-token-and-uat-missing"},
		{name: "primary replaces a stale synced flag",
			req:        reqSpec{url: "https://app.example.com/?__clerk_redirect_url=" + url.QueryEscape("https://sat.dev/page?__clerk_synced=false"), headers: doc, cookies: map[string]string{"__clerk_db_jwt": "dvb_1"}},
			wantStatus: core.StatusHandshake, wantReason: "primary-responds-to-syncing", wantLoc: "https://sat.dev/page?__clerk_db_jwt=dvb_1&__clerk_synced=true"},
		{name: "development satellite after sync",
			opts: func(o *core.AuthenticateOptions) {
				o.IsSatellite, o.Domain, o.SignInURL = true, "sat.dev", "https://app.example.com/sign-in"
			},
			req:        reqSpec{url: "https://sat.dev/page?__clerk_synced=true", headers: doc},
			wantStatus: core.StatusHandshake, wantReason: "dev-browser-missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := baseOpts()
			dev(&o)
			if tc.opts != nil {
				tc.opts(&o)
			}
			st, err := core.AuthenticateRequest(context.Background(), tc.req.build(), o)
			if err != nil {
				t.Fatal(err)
			}
			if st.Status != tc.wantStatus || st.Reason != tc.wantReason {
				t.Fatalf("got %s/%q (%s), want %s/%q", st.Status, st.Reason, st.Message, tc.wantStatus, tc.wantReason)
			}
			if !strings.HasPrefix(st.Headers.Get("Location"), tc.wantLoc) {
				t.Errorf("Location = %q, want prefix %q", st.Headers.Get("Location"), tc.wantLoc)
			}
		})
	}
}

func handshakeToken(t *testing.T, k *testkeys.Key, directives ...string) string {
	t.Helper()
	return k.Mint(map[string]any{"handshake": directives}, "")
}

func TestAuthenticateResolvesHandshakeToken(t *testing.T) {
	now := testNow.Unix()
	valid := mint(prodFAPI, nil)
	cookies := []string{"__session=" + valid + "; Path=/; Secure; SameSite=Lax", "__client_uat=" + uat(now-5) + "; Path=/"}

	st, err := core.AuthenticateRequest(context.Background(), reqSpec{
		url:     appURL + "&__clerk_handshake=" + handshakeToken(t, testkeys.Primary, cookies...),
		headers: doc,
	}.build(), baseOpts())
	if err != nil {
		t.Fatal(err)
	}
	wantUser("user_1")(t, st)
	if got := st.Headers["Set-Cookie"]; len(got) != 2 || got[0] != cookies[0] {
		t.Errorf("Set-Cookie = %q", got)
	}
	if st.Headers.Get("Location") != "" {
		t.Errorf("production handshake resolution redirected: %q", st.Headers.Get("Location"))
	}

	// No session cookie among the directives.
	st, _ = core.AuthenticateRequest(context.Background(), reqSpec{
		cookies: map[string]string{"__clerk_handshake": handshakeToken(t, testkeys.Primary, "__client_uat=0; Path=/")},
	}.build(), baseOpts())
	if st.Status != core.StatusSignedOut || st.Reason != "session-token-missing" || len(st.Headers["Set-Cookie"]) != 1 {
		t.Errorf("got %s/%s %v", st.Status, st.Reason, st.Headers)
	}

	// Production: a handshake cookie signed by another instance is
	// ignored and the normal cookie logic runs.
	st, _ = core.AuthenticateRequest(context.Background(), reqSpec{
		cookies: map[string]string{"__clerk_handshake": handshakeToken(t, testkeys.Secondary.WithKID(testkeys.Primary.KID), cookies...)},
	}.build(), baseOpts())
	if st.Status != core.StatusSignedOut || st.Reason != "session-token-and-uat-missing" {
		t.Errorf("got %s/%s", st.Status, st.Reason)
	}

	// Development: the same is reported (keys were switched), and the
	// resolution redirects to the clean URL.
	o := baseOpts()
	o.PublishableKey, o.SecretKey = devPK, "sk_test_dev"
	st, _ = core.AuthenticateRequest(context.Background(), reqSpec{
		url: appURL + "&__clerk_handshake=" + handshakeToken(t, testkeys.Secondary.WithKID(testkeys.Primary.KID), cookies...),
	}.build(), o)
	if st.Status != core.StatusSignedOut || st.Reason != "token-invalid-signature" || !strings.Contains(st.Message, "switched Clerk keys") {
		t.Errorf("got %s/%s %q", st.Status, st.Reason, st.Message)
	}
	devCookies := []string{"__session=" + mint(devFAPI, nil) + "; Path=/"}
	st, _ = core.AuthenticateRequest(context.Background(), reqSpec{
		url: appURL + "&__clerk_handshake=" + handshakeToken(t, testkeys.Primary, devCookies...),
	}.build(), o)
	if st.Status != core.StatusSignedIn || st.Headers.Get("Location") != "https://app.example.com/dashboard?tab=1" {
		t.Errorf("got %s/%s Location %q", st.Status, st.Reason, st.Headers.Get("Location"))
	}
}

func TestAuthenticateConfigErrors(t *testing.T) {
	cases := []struct {
		name string
		opts func(*core.AuthenticateOptions)
		req  reqSpec
		want string
	}{
		{"no keys", func(o *core.AuthenticateOptions) { o.SecretKey, o.JWTKey = "", "" }, reqSpec{}, "Missing Clerk Secret Key"},
		{"no publishable key", func(o *core.AuthenticateOptions) { o.PublishableKey = "" }, reqSpec{}, "Publishable key is missing"},
		{"bad publishable key", func(o *core.AuthenticateOptions) { o.PublishableKey = "pk_live_bm9wZQ" }, reqSpec{}, "Decoded key has invalid format"},
		{"bad prefix", func(o *core.AuthenticateOptions) { o.PublishableKey = "sk_live_abc" }, reqSpec{}, "Publishable key not valid"},
		{"bad secret key", func(o *core.AuthenticateOptions) { o.SecretKey = "pk_live_xyz" }, reqSpec{}, "SecretKey does not look like a Clerk key"},
		{"bad JWT key", func(o *core.AuthenticateOptions) { o.JWTKey = "not a key" }, reqSpec{}, "JWTKey (CLERK_JWT_KEY) is not a valid RSA public key"},
		{"unknown token type", func(o *core.AuthenticateOptions) { o.AcceptsToken = []core.TokenType{"cookie"} }, reqSpec{}, `unknown token type "cookie"`},
		{"m2m without keys", func(o *core.AuthenticateOptions) {
			o.SecretKey, o.AcceptsToken = "", []core.TokenType{core.TokenTypeM2M}
		}, reqSpec{}, "Machine token authentication requires"},
		{"satellite without domain", func(o *core.AuthenticateOptions) { o.IsSatellite = true }, reqSpec{}, "Missing domain and proxyUrl"},
		{"dev satellite with a JWT key only and no sign-in URL", func(o *core.AuthenticateOptions) {
			o.SecretKey, o.PublishableKey, o.IsSatellite, o.Domain = "", devPK, true, "sat.dev"
		}, reqSpec{}, "Missing signInUrl"},
		{"dev satellite without sign-in URL", func(o *core.AuthenticateOptions) {
			o.IsSatellite, o.Domain, o.SecretKey = true, "sat.dev", "sk_test_x"
		}, reqSpec{}, "Missing signInUrl"},
		{"relative sign-in URL", func(o *core.AuthenticateOptions) {
			o.IsSatellite, o.Domain, o.SignInURL = true, "sat.dev", "/sign-in"
		}, reqSpec{}, "absolute url format"},
		{"sign-in URL on the satellite", func(o *core.AuthenticateOptions) {
			o.IsSatellite, o.Domain, o.SignInURL = true, "sat.dev", "https://sat.dev/sign-in"
		}, reqSpec{url: "https://sat.dev/", headers: map[string]string{"Origin": "https://sat.dev"}}, "different origin"},
		{"bad proxy URL", func(o *core.AuthenticateOptions) { o.ProxyURL = "ftp://x" }, reqSpec{}, "ProxyURL"},
		{"bad org pattern", func(o *core.AuthenticateOptions) {
			o.OrganizationSync = &core.OrganizationSyncOptions{OrganizationPatterns: []string{"orgs/:id"}}
		}, reqSpec{}, "must start with /"},
		{"relative request URL without host", nil, reqSpec{url: "/dashboard"}, "not absolute"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := baseOpts()
			o.SecretKey = "sk_live_configsecret"
			if tc.opts != nil {
				tc.opts(&o)
			}
			_, err := core.AuthenticateRequest(context.Background(), tc.req.build(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "configsecret") {
				t.Errorf("error leaks the secret key: %v", err)
			}
		})
	}
	// A JWT key alone is enough for sessions (a documented difference).
	o := baseOpts()
	o.SecretKey = ""
	if _, err := core.AuthenticateRequest(context.Background(), reqSpec{}.build(), o); err != nil {
		t.Errorf("JWT key only: %v", err)
	}
}

func TestPublishableKey(t *testing.T) {
	pk, err := core.ParsePublishableKey(prodPK)
	if err != nil || pk.InstanceType != core.InstanceProduction || pk.FrontendAPI != prodFAPI {
		t.Fatalf("parse %s: %+v %v", prodPK, pk, err)
	}
	pk, err = core.ParsePublishableKey("pk_test_" + strings.TrimRight(base64.StdEncoding.EncodeToString([]byte(devFAPI+"$")), "="))
	if err != nil || pk.InstanceType != core.InstanceDevelopment || pk.FrontendAPI != devFAPI {
		t.Fatalf("unpadded dev key: %+v %v", pk, err)
	}
	for _, bad := range []string{"pk_live_", "pk_live_a_b", "pk_live_!!!", "pk_live_" + base64.StdEncoding.EncodeToString([]byte("a$b.c$")), "pk_live_" + base64.StdEncoding.EncodeToString([]byte("nodot$"))} {
		if _, err := core.ParsePublishableKey(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
	// Known value: base64url(SHA-1("pk_live_Y2xlcmsuZXhhbXBsZS5jb20k"))[:8].
	if got := core.CookieSuffix(prodPK); len(got) != 8 || strings.ContainsAny(got, "+/=") {
		t.Errorf("suffix %q", got)
	}
}

func TestParseAuthorizationHeaderForms(t *testing.T) {
	// Exercised through the decision procedure: what the header yields is
	// visible in the reason.
	o := baseOpts()
	for h, want := range map[string]string{
		"Bearer ":     "token-invalid", // the token is the literal "Bearer"
		"Basic abc":   "session-token-and-uat-missing",
		"Token x":     "session-token-and-uat-missing",
		" x":          "session-token-and-uat-missing",
		"Bearer a b":  "token-invalid",
		"justonepart": "token-invalid",
	} {
		st, err := core.AuthenticateRequest(context.Background(), reqSpec{headers: map[string]string{"Authorization": h}}.build(), o)
		if err != nil || st.Reason != want {
			t.Errorf("Authorization %q: %s/%s %v, want %s", h, st.Status, st.Reason, err, want)
		}
	}
}
