package core_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
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
