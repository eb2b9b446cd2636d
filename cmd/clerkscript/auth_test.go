package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

func TestAuthCommand(t *testing.T) {
	t.Setenv("CLERK_SECRET_KEY", "sk_live_cli")
	t.Setenv("CLERK_JWT_KEY", "")
	t.Setenv("CLERK_PUBLISHABLE_KEY", "")
	t.Setenv("CLERK_API_URL", "http://127.0.0.1:1") // never reached: the JWT key verifies
	keyFile := filepath.Join(t.TempDir(), "jwt.pem")
	if err := os.WriteFile(keyFile, []byte(testkeys.Primary.PublicPEM()), 0o600); err != nil {
		t.Fatal(err)
	}
	pk := core.BuildPublishableKey("clerk.example.com", true)
	// The CLI verifies with the real clock: mint around it.
	now := time.Now().Unix()
	tok := testkeys.Mint(map[string]any{"sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.com",
		"iat": now - 5, "exp": now + 600, "org_id": "org_1", "org_role": "org:admin"}, "", "")
	base := []string{"auth", "--url", "https://app.example.com/dashboard", "--jwt-key", keyFile, "--publishable-key", pk}

	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := dispatch(context.Background(), append(append([]string{}, base...), args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}

	code, out, _ := run("--header", "Authorization: Bearer "+tok, "--json")
	var m map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || len(m) != 6 || m["status"] != "signed-in" {
		t.Fatalf("signed in: %d %s", code, out)
	}
	if a := m["auth"].(map[string]any); a["userId"] != "user_1" || a["orgRole"] != "org:admin" {
		t.Errorf("auth = %v", a)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("--json printed more than one line: %q", out)
	}

	code, out, _ = run("--json")
	if code != 1 || !strings.Contains(out, `"reason":"session-token-and-uat-missing"`) {
		t.Errorf("signed out: %d %s", code, out)
	}

	code, out, _ = run("--cookie", "__session="+tok, "--header", "Sec-Fetch-Dest: document", "--json")
	if code != 3 || !strings.Contains(out, `"status":"handshake"`) || !strings.Contains(out, `"Location":["https://clerk.example.com/v1/client/handshake?`) {
		t.Errorf("handshake: %d %s", code, out)
	}

	code, out, _ = run("--cookie", "__session="+tok, "--cookie", "__client_uat="+strconv.FormatInt(now-100, 10))
	if code != 0 || !strings.Contains(out, "status:     signed-in") || !strings.Contains(out, "user_1") {
		t.Errorf("human output: %d %s", code, out)
	}

	if code, _, errs := run("--accepts-token", "cookies"); code != 2 || !strings.Contains(errs, "unknown token type") {
		t.Errorf("bad accepts: %d %s", code, errs)
	}
	if code, _, errs := run("--header", "nocolon"); code != 2 || !strings.Contains(errs, "want 'Name: value'") {
		t.Errorf("bad header: %d %s", code, errs)
	}
	if code, _, errs := run("--publishable-key", "pk_live_bad"); code != 2 || !strings.Contains(errs, "Publishable key not valid") {
		t.Errorf("bad pk: %d %s", code, errs)
	}
	var out2, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"auth"}, strings.NewReader(""), &out2, &errb); code != 2 || !strings.Contains(errb.String(), "--url is required") {
		t.Errorf("no url: %d %s", code, errb.String())
	}
	if strings.Contains(errb.String()+out, "sk_live_cli") {
		t.Error("the secret key was printed")
	}
}

// TestAuthCommandJSONShape pins the --json contract: exactly one object
// {"status","reason","message","tokenType","headers","auth"}, and the exit
// status of each outcome.
func TestAuthCommandJSONShape(t *testing.T) {
	bapi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path != "/v1/api_keys/verify" || r.Header.Get("Authorization") != "Bearer sk_live_cli" {
			w.WriteHeader(404)
			_, _ = w.Write([]byte(`{"errors":[{"code":"resource_not_found","message":"not found"}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"object":"api_key","id":"ak_id_1","subject":"user_9","name":"ci","scopes":["read"],"claims":{"team":"a"}}`))
	}))
	defer bapi.Close()
	t.Setenv("CLERK_SECRET_KEY", "sk_live_cli")
	t.Setenv("CLERK_JWT_KEY", testkeys.Primary.PublicPEM())
	t.Setenv("CLERK_PUBLISHABLE_KEY", core.BuildPublishableKey("clerk.example.com", true))
	t.Setenv("CLERK_MACHINE_SECRET_KEY", "")
	t.Setenv("CLERK_API_URL", bapi.URL)
	now := time.Now().Unix()
	tok := testkeys.Mint(map[string]any{"sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.com",
		"iat": now - 5, "exp": now + 600, "org_id": "org_1", "org_slug": "acme", "org_role": "org:admin"}, "", "")

	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := dispatch(context.Background(), append([]string{"auth", "--url", "https://app.example.com/dashboard"}, args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}
	decode := func(t *testing.T, out string) map[string]json.RawMessage {
		t.Helper()
		if !strings.HasSuffix(out, "}\n") || strings.Count(out, "\n") != 1 {
			t.Fatalf("want one JSON line, got %q", out)
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	keys := func(m map[string]json.RawMessage) string {
		ks := make([]string, 0, len(m))
		for k := range m {
			ks = append(ks, k)
		}
		sort.Strings(ks)
		return strings.Join(ks, ",")
	}
	const top = "auth,headers,message,reason,status,tokenType"
	const sessionAuth = "actor,factorVerificationAge,isAuthenticated,orgId,orgPermissions,orgRole,orgSlug,sessionClaims,sessionId,sessionStatus,tokenType,userId"

	// Signed out: deterministic, so compared byte for byte.
	code, out, _ := run("--json")
	want := `{"status":"signed-out","reason":"session-token-and-uat-missing","message":"","tokenType":"session_token",` +
		`"headers":{"X-Clerk-Auth-Reason":["session-token-and-uat-missing"],"X-Clerk-Auth-Status":["signed-out"]},` +
		`"auth":{"actor":null,"factorVerificationAge":null,"isAuthenticated":false,"orgId":null,"orgPermissions":null,` +
		`"orgRole":null,"orgSlug":null,"sessionClaims":null,"sessionId":null,"sessionStatus":null,"tokenType":"session_token","userId":null}}` + "\n"
	if code != 1 || out != want {
		t.Errorf("signed out: exit %d\n got %s\nwant %s", code, out, want)
	}

	// Signed in by a session token.
	code, out, _ = run("--header", "Authorization: Bearer "+tok, "--json")
	m := decode(t, out)
	if code != 0 || keys(m) != top || string(m["status"]) != `"signed-in"` || string(m["reason"]) != "null" ||
		string(m["message"]) != "null" || string(m["tokenType"]) != `"session_token"` || string(m["headers"]) != "{}" {
		t.Errorf("signed in: exit %d %s", code, out)
	}
	var auth map[string]json.RawMessage
	_ = json.Unmarshal(m["auth"], &auth)
	if keys(auth) != sessionAuth || string(auth["userId"]) != `"user_1"` || string(auth["sessionId"]) != `"sess_1"` ||
		string(auth["orgSlug"]) != `"acme"` || string(auth["isAuthenticated"]) != "true" || !strings.Contains(string(auth["sessionClaims"]), `"sid":"sess_1"`) {
		t.Errorf("session auth object: %s", m["auth"])
	}
	if strings.Contains(out, tok) {
		t.Error("the token itself was printed")
	}

	// A handshake: the redirect and its headers, no auth object.
	code, out, _ = run("--cookie", "__session="+tok, "--header", "Sec-Fetch-Dest: document", "--json")
	m = decode(t, out)
	var hdrs map[string]json.RawMessage
	_ = json.Unmarshal(m["headers"], &hdrs)
	if code != 3 || keys(m) != top || string(m["status"]) != `"handshake"` || string(m["auth"]) != "null" ||
		string(m["reason"]) != `"session-token-but-no-client-uat"` ||
		keys(hdrs) != "Cache-Control,Location,Set-Cookie,X-Clerk-Auth-Reason,X-Clerk-Auth-Status" {
		t.Errorf("handshake: exit %d %s", code, out)
	}

	// A machine token, verified by the Backend API.
	code, out, _ = run("--header", "Authorization: Bearer ak_live_secret", "--accepts-token", "any", "--json")
	m = decode(t, out)
	auth = nil
	_ = json.Unmarshal(m["auth"], &auth)
	if code != 0 || string(m["tokenType"]) != `"api_key"` || keys(auth) != "claims,id,isAuthenticated,name,orgId,scopes,subject,tokenType,userId" ||
		string(auth["userId"]) != `"user_9"` || string(auth["scopes"]) != `["read"]` || string(auth["claims"]) != `{"team":"a"}` {
		t.Errorf("api key: exit %d %s", code, out)
	}
	code, out, _ = run("--header", "Authorization: Bearer oat_unknown", "--accepts-token", "oauth_token", "--json")
	m = decode(t, out)
	if code != 1 || string(m["reason"]) != `"token-invalid"` || string(m["tokenType"]) != `"oauth_token"` {
		t.Errorf("unknown oauth token: exit %d %s", code, out)
	}

	// Usage and configuration errors: exit 2, nothing on stdout, no key.
	for _, args := range [][]string{
		{"--method"},
		{"--json", "extra"},
		{"--satellite", "--json"},
		{"--cookie", "novalue", "--json"},
	} {
		code, out, errs := run(args...)
		if code != 2 || out != "" || errs == "" || strings.Contains(errs, "sk_live_cli") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	t.Setenv("CLERK_JWT_KEY", "")
	t.Setenv("CLERK_SECRET_KEY", "")
	if code, out, errs := run("--json"); code != 2 || out != "" || !strings.Contains(errs, "Missing Clerk Secret Key") {
		t.Errorf("no keys: exit %d %q %q", code, out, errs)
	}
}

// auth --proxy-origin pins the origin of a relative --proxy-url against a
// forged X-Forwarded-Host.
func TestAuthProxyOrigin(t *testing.T) {
	t.Setenv("CLERK_SECRET_KEY", "sk_live_cli")
	t.Setenv("CLERK_JWT_KEY", testkeys.Primary.PublicPEM())
	t.Setenv("CLERK_API_URL", "http://127.0.0.1:1") // never reached
	pk := core.BuildPublishableKey("clerk.example.com", true)
	base := []string{"auth", "--url", "https://app.example.com/dashboard", "--publishable-key", pk, "--proxy-url", "/__clerk",
		"--header", "Sec-Fetch-Dest: document", "--header", "X-Forwarded-Host: evil.example", "--cookie", "__client_uat=1", "--json"}
	for _, tc := range []struct {
		extra []string
		want  string
	}{
		{nil, `https://evil.example/__clerk/v1/client/handshake?`},
		{[]string{"--proxy-origin", "https://app.example.com"}, `https://app.example.com/__clerk/v1/client/handshake?`},
	} {
		code, out, errOut := runCLI(t, "", append(append([]string{}, base...), tc.extra...)...)
		if code != 3 || !strings.Contains(out, tc.want) {
			t.Errorf("%q: exit %d stdout %s stderr %s; want a handshake to %s", tc.extra, code, out, errOut, tc.want)
		}
	}
	code, _, errOut := runCLI(t, "", append(append([]string{}, base...), "--proxy-origin", "app.example.com")...)
	if code != 2 || !strings.Contains(errOut, "ProxyOrigins") {
		t.Errorf("bad --proxy-origin: exit %d stderr %q", code, errOut)
	}
}
