package core_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// fakeBAPI answers the machine verify endpoints, handshake payloads and
// session refreshes, and records what it was asked.
type fakeBAPI struct {
	t      *testing.T
	status int
	body   string
	seen   []string // "METHOD path auth body"
}

func (f *fakeBAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	f.seen = append(f.seen, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(b))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.status)
	_, _ = io.WriteString(w, f.body)
}

func machineOpts(t *testing.T, f *fakeBAPI, accepts ...core.TokenType) core.AuthenticateOptions {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	o := baseOpts()
	o.Transport = nil
	o.Client = core.NewClient(core.NewClientConfig().WithSecretKey(secretKey).WithAPIURL(srv.URL).
		WithRetry(core.RetryConfig{Disabled: true}))
	o.AcceptsToken = accepts
	return o
}

func bearer(tok string) core.Request {
	return reqSpec{headers: map[string]string{"Authorization": "Bearer " + tok}}.build()
}

func TestMachineTokens(t *testing.T) {
	cases := []struct {
		name        string
		token       string
		accepts     []core.TokenType
		machineKey  string
		status      int
		body        string
		wantStatus  core.AuthStatus
		wantReason  string
		wantMessage string
		wantCall    string // prefix of the recorded request
		check       func(t *testing.T, a *core.AuthObject)
	}{
		{name: "m2m token", token: "mt_abc", accepts: []core.TokenType{core.TokenTypeM2M}, machineKey: "ak_machine",
			status: 200, body: `{"object":"machine_to_machine_token","id":"mt_abc","subject":"mch_1","scopes":["mch_2"],"claims":{"k":"v"},"revoked":false,"expired":false}`,
			wantStatus: core.StatusSignedIn, wantCall: `POST /v1/m2m_tokens/verify Bearer ak_machine {"token":"mt_abc"}`,
			check: func(t *testing.T, a *core.AuthObject) {
				if a.TokenType != core.TokenTypeM2M || a.MachineID != "mch_1" || a.ID != "mt_abc" || len(a.Scopes) != 1 || string(a.Claims) != `{"k":"v"}` {
					t.Errorf("auth = %+v", a)
				}
			}},
		{name: "api key of a user", token: "ak_abc", accepts: []core.TokenType{core.TokenTypeAny},
			status: 200, body: `{"object":"api_key","id":"ak_1","subject":"user_9","name":"ci","scopes":["read"],"claims":null}`,
			wantStatus: core.StatusSignedIn, wantCall: `POST /v1/api_keys/verify Bearer ` + secretKey + ` {"secret":"ak_abc"}`,
			check: func(t *testing.T, a *core.AuthObject) {
				if a.TokenType != core.TokenTypeAPIKey || a.UserID != "user_9" || a.OrgID != "" || a.Name != "ci" || a.Claims != nil {
					t.Errorf("auth = %+v", a)
				}
			}},
		{name: "api key of an org", token: "ak_abc", accepts: []core.TokenType{core.TokenTypeAPIKey},
			status: 200, body: `{"object":"api_key","id":"ak_1","subject":"org_9"}`,
			wantStatus: core.StatusSignedIn,
			check: func(t *testing.T, a *core.AuthObject) {
				if a.OrgID != "org_9" || a.UserID != "" {
					t.Errorf("auth = %+v", a)
				}
			}},
		{name: "oauth token", token: "oat_abc", accepts: []core.TokenType{core.TokenTypeOAuth, core.TokenTypeSession},
			status: 200, body: `{"object":"clerk_idp_oauth_access_token","id":"oat_1","client_id":"client_1","subject":"user_3","scopes":["email"]}`,
			wantStatus: core.StatusSignedIn, wantCall: `POST /v1/oauth_applications/access_tokens/verify Bearer ` + secretKey + ` {"access_token":"oat_abc"}`,
			check: func(t *testing.T, a *core.AuthObject) {
				if a.ClientID != "client_1" || a.UserID != "user_3" || a.TokenType != core.TokenTypeOAuth {
					t.Errorf("auth = %+v", a)
				}
			}},
		{name: "invalid secret key", token: "mt_abc", accepts: []core.TokenType{core.TokenTypeAny},
			status: 401, body: `{"errors":[{"code":"authentication_invalid","message":"Secret key invalid"}]}`,
			wantStatus: core.StatusSignedOut, wantReason: "secret-key-invalid",
			wantMessage: "Secret key invalid (code=secret-key-invalid, status=401)"},
		{name: "unknown token", token: "ak_abc", accepts: []core.TokenType{core.TokenTypeAPIKey},
			status: 404, body: `{"errors":[{"code":"resource_not_found","message":"not found"}]}`,
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid", wantMessage: "API key not found (code=token-invalid, status=404)"},
		{name: "server error", token: "oat_abc", accepts: []core.TokenType{core.TokenTypeOAuth},
			status: 500, body: `oops`,
			wantStatus: core.StatusSignedOut, wantReason: "unexpected-error", wantMessage: "Unexpected error (code=unexpected-error, status=500)"},
		{name: "revoked in a 200", token: "mt_abc", accepts: []core.TokenType{core.TokenTypeM2M},
			status: 200, body: `{"id":"mt_abc","subject":"mch_1","revoked":true}`,
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid"},
		{name: "wrong machine type", token: "oat_abc", accepts: []core.TokenType{core.TokenTypeM2M},
			wantStatus: core.StatusSignedOut, wantReason: "token-type-mismatch"},
		{name: "type not in list", token: "oat_abc", accepts: []core.TokenType{core.TokenTypeM2M, core.TokenTypeAPIKey},
			wantStatus: core.StatusSignedOut, wantReason: "token-type-mismatch"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeBAPI{t: t, status: tc.status, body: tc.body}
			o := machineOpts(t, f, tc.accepts...)
			o.MachineSecretKey = tc.machineKey
			st, err := core.AuthenticateRequest(context.Background(), bearer(tc.token), o)
			if err != nil {
				t.Fatal(err)
			}
			if st.Status != tc.wantStatus || st.Reason != tc.wantReason {
				t.Fatalf("got %s/%q (%s), want %s/%q", st.Status, st.Reason, st.Message, tc.wantStatus, tc.wantReason)
			}
			if tc.wantMessage != "" && st.Message != tc.wantMessage {
				t.Errorf("message = %q, want %q", st.Message, tc.wantMessage)
			}
			if tc.wantCall != "" && (len(f.seen) != 1 || f.seen[0] != tc.wantCall) {
				t.Errorf("calls = %q, want %q", f.seen, tc.wantCall)
			}
			if tc.wantReason == "token-type-mismatch" && len(f.seen) != 0 {
				t.Errorf("a mismatched type reached the API: %q", f.seen)
			}
			if tc.check != nil {
				tc.check(t, st.ToAuth())
			}
			if st.Status == core.StatusSignedIn && st.ToAuth().Has(core.HasParams{Role: "org:admin"}) {
				t.Errorf("machine auth objects must not pass has()")
			}
			if _, err := json.Marshal(st); err != nil {
				t.Errorf("marshal: %v", err)
			}
		})
	}
}

func TestMachineJWTs(t *testing.T) {
	now := testNow.Unix()
	o := baseOpts()
	o.AcceptsToken = []core.TokenType{core.TokenTypeAny}

	m2m := testkeys.Primary.MintHeader(map[string]any{"kid": testkeys.Primary.KID, "typ": "JWT", "cat": "cl_B7d4PD333AAA"},
		map[string]any{"sub": "mch_1", "jti": "mt_j", "exp": now + 60, "iat": now - 5, "aud": []string{"mch_2"}}, "")
	st, err := core.AuthenticateRequest(context.Background(), bearer(m2m), o)
	if err != nil || st.Status != core.StatusSignedIn || st.TokenType != core.TokenTypeM2M {
		t.Fatalf("m2m JWT: %s/%s %s %v", st.Status, st.Reason, st.Message, err)
	}
	if a := st.ToAuth(); a.MachineID != "mch_1" || a.ID != "mt_j" || len(a.Scopes) != 1 || a.Scopes[0] != "mch_2" {
		t.Errorf("m2m auth = %+v", a)
	}

	oauth := testkeys.Primary.MintHeader(map[string]any{"kid": testkeys.Primary.KID, "typ": "at+jwt"},
		map[string]any{"sub": "user_5", "jti": "oat_j", "client_id": "client_7", "scope": "email profile", "exp": now + 60}, "")
	st, _ = core.AuthenticateRequest(context.Background(), bearer(oauth), o)
	if a := st.ToAuth(); st.TokenType != core.TokenTypeOAuth || !a.IsAuthenticated || a.UserID != "user_5" || a.ClientID != "client_7" || len(a.Scopes) != 2 {
		t.Errorf("oauth JWT: %s/%s %s %+v", st.Status, st.Reason, st.Message, a)
	}

	expired := testkeys.Primary.MintHeader(map[string]any{"kid": testkeys.Primary.KID, "typ": "at+jwt"},
		map[string]any{"sub": "user_5", "exp": now - 60}, "")
	st, _ = core.AuthenticateRequest(context.Background(), bearer(expired), o)
	if st.Status != core.StatusSignedOut || st.Reason != "token-expired" || st.TokenType != core.TokenTypeOAuth {
		t.Errorf("expired oauth JWT: %s/%s", st.Status, st.Reason)
	}

	badCat := testkeys.Primary.MintHeader(map[string]any{"kid": testkeys.Primary.KID, "cat": "cl_other"},
		map[string]any{"sub": "mch_1", "exp": now + 60}, "")
	st, _ = core.AuthenticateRequest(context.Background(), bearer(badCat), o)
	if st.Status != core.StatusSignedOut || st.Reason != "token-invalid" || !strings.HasPrefix(st.Message, "Invalid M2M JWT category.") {
		t.Errorf("bad category: %s/%s %q", st.Status, st.Reason, st.Message)
	}

	forged := testkeys.Secondary.WithKID(testkeys.Primary.KID).MintHeader(map[string]any{"typ": "at+jwt"}, map[string]any{"sub": "user_5", "exp": now + 60}, "")
	st, _ = core.AuthenticateRequest(context.Background(), bearer(forged), o)
	if st.Status != core.StatusSignedOut || st.Reason != "token-invalid-signature" {
		t.Errorf("forged oauth JWT: %s/%s", st.Status, st.Reason)
	}
}

func TestHandshakeNonceAndRefresh(t *testing.T) {
	now := testNow.Unix()
	fresh := mint(prodFAPI, map[string]any{"iat": now - 1})
	expired := mint(prodFAPI, map[string]any{"exp": now - 100, "iat": now - 200, "nbf": now - 210})
	sfx := core.CookieSuffix(prodPK)

	f := &fakeBAPI{t: t, status: 200, body: `{"directives":["__session=` + fresh + `; Path=/","__client_uat=1; Path=/"]}`}
	o := machineOpts(t, f)
	st, err := core.AuthenticateRequest(context.Background(), reqSpec{url: appURL + "&__clerk_handshake_nonce=n1"}.build(), o)
	if err != nil || st.Status != core.StatusSignedIn || len(st.Headers["Set-Cookie"]) != 2 {
		t.Fatalf("nonce: %s/%s %v %v", st.Status, st.Reason, st.Headers, err)
	}
	if len(f.seen) != 1 || !strings.HasPrefix(f.seen[0], "GET /v1/clients/handshake_payload Bearer "+secretKey) {
		t.Errorf("calls = %q", f.seen)
	}

	// Refresh: an expired cookie with a refresh cookie on a GET.
	f = &fakeBAPI{t: t, status: 200, body: `{"object":"cookies","cookies":["__session=` + fresh + `; Path=/"]}`}
	o = machineOpts(t, f)
	req := reqSpec{cookies: map[string]string{"__session": expired, "__client_uat": uat(now - 1000), "__refresh_" + sfx: "rt_1"}}
	st, _ = core.AuthenticateRequest(context.Background(), req.build(), o)
	if st.Status != core.StatusSignedIn || st.Token != fresh || len(st.Headers["Set-Cookie"]) != 1 {
		t.Fatalf("refresh: %s/%s %s", st.Status, st.Reason, st.Message)
	}
	var sent map[string]any
	_ = json.Unmarshal([]byte(f.seen[0][strings.Index(f.seen[0], "{"):]), &sent)
	if !strings.HasPrefix(f.seen[0], "POST /v1/sessions/sess_1/refresh ") || sent["refresh_token"] != "rt_1" || sent["expired_token"] != expired ||
		sent["request_origin"] != "https://app.example.com" || sent["format"] != "cookie" {
		t.Errorf("refresh call = %q", f.seen)
	}

	// A refused refresh falls back to the handshake, naming BAPI's code.
	f = &fakeBAPI{t: t, status: 401, body: `{"errors":[{"code":"authentication_invalid","message":"x"}]}`}
	o = machineOpts(t, f)
	req.headers = doc
	st, _ = core.AuthenticateRequest(context.Background(), req.build(), o)
	if st.Status != core.StatusHandshake || st.Reason != "session-token-expired-refresh-authentication_invalid" {
		t.Errorf("refused refresh: %s/%s", st.Status, st.Reason)
	}
	// Without a secret key there is no client to refresh with.
	o = baseOpts()
	o.SecretKey = ""
	st, _ = core.AuthenticateRequest(context.Background(), req.build(), o)
	if st.Reason != "session-token-expired-refresh-missing-api-client" {
		t.Errorf("no client: %s/%s", st.Status, st.Reason)
	}
}

func TestHas(t *testing.T) {
	v2 := &core.Claims{Subject: "user_1", SessionID: "sess_1", OrgID: "org_1", OrgRole: "org:admin",
		OrgPermissions: []string{"org:invoices:read"}, Features: []string{"o:dashboard", "u:profile", "uo:export"}, Plans: []string{"u:pro"},
		FactorVerificationAge: &[2]int{5, 30}}
	st := core.RequestState{Status: core.StatusSignedIn, TokenType: core.TokenTypeSession, Claims: v2}
	a := st.ToAuth()
	cases := []struct {
		p    core.HasParams
		want bool
	}{
		{core.HasParams{Role: "org:admin"}, true},
		{core.HasParams{Role: "admin"}, true},
		{core.HasParams{Role: "org:member"}, false},
		{core.HasParams{Permission: "org:invoices:read"}, true},
		{core.HasParams{Permission: "invoices:read"}, true},
		{core.HasParams{Permission: "org:invoices:write"}, false},
		{core.HasParams{Role: "org:admin", Permission: "org:invoices:write"}, false},
		{core.HasParams{Feature: "dashboard"}, true},
		{core.HasParams{Feature: "org:dashboard"}, true},
		{core.HasParams{Feature: "user:dashboard"}, false},
		{core.HasParams{Feature: "user:export"}, true},
		{core.HasParams{Feature: "team:export"}, false},
		{core.HasParams{Plan: "pro"}, true},
		{core.HasParams{Plan: "org:pro"}, false},
		{core.HasParams{Plan: "pro", Role: "org:admin"}, true},
		{core.HasParams{Plan: "org:pro", Role: "org:admin"}, false},
		{core.HasParams{Feature: "dashboard", Reverification: &core.ReverificationStrict}, false},
		{core.HasParams{Reverification: &core.ReverificationModerate}, true},
		{core.HasParams{Reverification: &core.ReverificationStrict}, false},
		{core.HasParams{Reverification: &core.ReverificationPolicy{Level: "first_factor", AfterMinutes: 10}}, true},
		{core.HasParams{Reverification: &core.ReverificationStrictMFA}, false},
		{core.HasParams{}, false},
	}
	for _, tc := range cases {
		if got := a.Has(tc.p); got != tc.want {
			t.Errorf("Has(%+v) = %v, want %v", tc.p, got, tc.want)
		}
	}
	noOrg := (&core.RequestState{Status: core.StatusSignedIn, Claims: &core.Claims{Subject: "user_1"}}).ToAuth()
	if noOrg.Has(core.HasParams{Role: "org:admin"}) || noOrg.Has(core.HasParams{Reverification: &core.ReverificationLax}) {
		t.Error("has() without org or fva passed")
	}
	signedOut := (&core.RequestState{Status: core.StatusSignedOut}).ToAuth()
	if signedOut.Has(core.HasParams{Role: "org:admin"}) || signedOut.IsAuthenticated {
		t.Error("signed-out has() passed")
	}
}

func TestRequestStateJSON(t *testing.T) {
	st, err := core.AuthenticateRequest(context.Background(), bearer(mint(prodFAPI, map[string]any{"org_id": "org_1", "org_role": "org:admin", "org_slug": "acme", "org_permissions": []string{"org:a:b"}, "fva": []int{1, -1}})), baseOpts())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(st)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 6 || m["status"] != "signed-in" || m["reason"] != nil || m["message"] != nil || m["tokenType"] != "session_token" {
		t.Fatalf("json = %s", b)
	}
	auth := m["auth"].(map[string]any)
	if auth["userId"] != "user_1" || auth["orgRole"] != "org:admin" || auth["orgSlug"] != "acme" || auth["isAuthenticated"] != true ||
		auth["sessionClaims"].(map[string]any)["sid"] != "sess_1" || len(auth["factorVerificationAge"].([]any)) != 2 || auth["actor"] != nil {
		t.Errorf("auth = %v", auth)
	}
	if strings.Contains(string(b), `"token"`) {
		t.Errorf("the token leaked into JSON: %s", b)
	}

	st, _ = core.AuthenticateRequest(context.Background(), reqSpec{}.build(), baseOpts())
	b, _ = json.Marshal(st)
	_ = json.Unmarshal(b, &m)
	if m["reason"] != "session-token-and-uat-missing" || m["message"] != "" || m["auth"].(map[string]any)["userId"] != nil {
		t.Errorf("signed-out json = %s", b)
	}
}
