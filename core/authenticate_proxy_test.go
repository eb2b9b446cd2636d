package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// A relative ProxyURL is resolved on the request's origin, where
// X-Forwarded-Host wins (as in @clerk/backend); ProxyOrigins pins it so a
// client-supplied X-Forwarded-Host cannot send the handshake, and the
// session token it carries, to another host.
func TestRelativeProxyURLOrigin(t *testing.T) {
	now := testNow.Unix()
	expired := mint(prodFAPI, map[string]any{"exp": now - 100, "iat": now - 200, "nbf": now - 210})
	req := func(forwarded string) core.Request {
		h := with(doc)
		if forwarded != "" {
			h = with(doc, "X-Forwarded-Host", forwarded, "X-Forwarded-Proto", "https")
		}
		return reqSpec{headers: h, cookies: map[string]string{"__session": expired, "__client_uat": uat(now - 1000)}}.build()
	}
	for _, tc := range []struct {
		name      string
		origins   []string
		forwarded string
		want      string
	}{
		{"default: the request's origin", nil, "", "https://app.example.com/__clerk/v1/client/handshake?"},
		{"default: X-Forwarded-Host wins, as in @clerk/backend", nil, "evil.example", "https://evil.example/__clerk/v1/client/handshake?"},
		{"pinned: a forged host is ignored", []string{"https://app.example.com"}, "evil.example", "https://app.example.com/__clerk/v1/client/handshake?"},
		{"listed: a trusted forwarded host is used", []string{"https://app.example.com", "https://www.example.com"}, "www.example.com", "https://www.example.com/__clerk/v1/client/handshake?"},
		{"listed: case does not matter", []string{"https://App.Example.com/"}, "APP.example.com", "https://app.example.com/__clerk/v1/client/handshake?"},
	} {
		o := baseOpts()
		o.ProxyURL = "/__clerk"
		o.ProxyOrigins = tc.origins
		st, err := core.AuthenticateRequest(context.Background(), req(tc.forwarded), o)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		loc := st.Headers.Get("Location")
		if st.Status != core.StatusHandshake || !strings.HasPrefix(loc, tc.want) {
			t.Errorf("%s: status %s, Location %q, want a handshake to %s", tc.name, st.Status, loc, tc.want)
		}
	}
}

func TestProxyOriginsValidated(t *testing.T) {
	for _, tc := range []struct {
		proxyURL string
		origins  []string
	}{
		{"/__clerk", []string{"app.example.com"}},
		{"/__clerk", []string{"https://app.example.com/path"}},
		{"/__clerk", []string{"ftp://app.example.com"}},
		{"/__clerk", []string{"https://user@app.example.com"}},
		{"https://proxy.example.com/__clerk", []string{"https://app.example.com"}},
		{"", []string{"https://app.example.com"}},
	} {
		o := baseOpts()
		o.ProxyURL = tc.proxyURL
		o.ProxyOrigins = tc.origins
		_, err := core.NewAuthenticator(o)
		var ce *core.AuthConfigError
		if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), "ProxyOrigins") {
			t.Errorf("ProxyURL %q ProxyOrigins %q: err = %v, want an AuthConfigError naming ProxyOrigins", tc.proxyURL, tc.origins, err)
		}
	}
}

// The default (X-Forwarded-Host decides the proxy's origin) is
// @clerk/backend's own: this opt-in test runs it. Set
// CLERKSCRIPT_CLERK_BACKEND_DIR to a directory where
// `npm install @clerk/backend` was run.
func TestRelativeProxyURLMatchesClerkBackend(t *testing.T) {
	dir := os.Getenv("CLERKSCRIPT_CLERK_BACKEND_DIR")
	if dir == "" {
		t.Skip("set CLERKSCRIPT_CLERK_BACKEND_DIR to a directory with node_modules/@clerk/backend (npm install @clerk/backend) to compare with it")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node is not installed")
	}
	const probe = `
import { createClerkClient } from '@clerk/backend';
const [pk, pem, fwd] = process.argv.slice(1);
const clerk = createClerkClient({ secretKey: 'sk_live_x', publishableKey: pk, jwtKey: pem });
const headers = { 'sec-fetch-dest': 'document', cookie: '__client_uat=1' };
if (fwd) { headers['x-forwarded-host'] = fwd; headers['x-forwarded-proto'] = 'https'; }
const st = await clerk.authenticateRequest(new Request('https://app.example.com/dashboard', { headers }), { proxyUrl: '/__clerk', jwtKey: pem });
console.log(JSON.stringify({ status: st.status, location: st.headers.get('location') }));`
	for _, fwd := range []string{"", "evil.example"} {
		cmd := exec.Command("node", "--input-type=module", "-e", probe, prodPK, testkeys.Primary.PublicPEM(), fwd)
		cmd.Dir = dir
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("node: %v\n%s", err, out)
		}
		var js struct{ Status, Location string }
		if err := json.Unmarshal(out, &js); err != nil {
			t.Fatalf("node printed %q: %v", out, err)
		}
		h := map[string]string{"Sec-Fetch-Dest": "document"}
		if fwd != "" {
			h = with(h, "X-Forwarded-Host", fwd, "X-Forwarded-Proto", "https")
		}
		o := baseOpts()
		o.SecretKey = "sk_live_x"
		o.ProxyURL = "/__clerk"
		st, err := core.AuthenticateRequest(context.Background(), reqSpec{url: "https://app.example.com/dashboard", headers: h,
			cookies: map[string]string{"__client_uat": "1"}}.build(), o)
		if err != nil {
			t.Fatal(err)
		}
		ours, _ := url.Parse(st.Headers.Get("Location"))
		theirs, _ := url.Parse(js.Location)
		if string(st.Status) != js.Status || ours == nil || theirs == nil || ours.Scheme+ours.Host+ours.Path != theirs.Scheme+theirs.Host+theirs.Path ||
			ours.Query().Get("redirect_url") != theirs.Query().Get("redirect_url") {
			t.Errorf("X-Forwarded-Host %q:\nours         %s %s\n@clerk/backend %s %s", fwd, st.Status, st.Headers.Get("Location"), js.Status, js.Location)
		}
	}
}
