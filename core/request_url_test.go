package core_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// TestRequestURLErrors pins the errors for request URLs core cannot use:
// net/url's own words for the ones it refuses (core parses with
// internal/urlparse, which must say the same), and core's for the rest.
func TestRequestURLErrors(t *testing.T) {
	a, err := core.NewAuthenticator(baseOpts())
	if err != nil {
		t.Fatal(err)
	}
	for _, raw := range []string{
		"http://exa mple.com/", "http://h/\x00", "http://h/\x7f", "http://[::1%zz]/", "http://[::1", "http://h:x/",
		"http://h:1:2/", "%zz", ":foo", "http://u%zz@h/", "http://h/#%zz", "http://[1.2.3.4]/",
		"http://[fe80::1%25]/", "http://[::g]/", "http://x[::1]/", "http://ü@h/", "/p?a=1#%",
	} {
		_, perr := url.Parse(raw)
		if perr == nil {
			t.Fatalf("net/url accepts %q: not a test of a refused URL", raw)
		}
		want := fmt.Sprintf("clerk: invalid request URL %q: %v", raw, errors.Unwrap(perr))
		_, err := a.Authenticate(context.Background(), core.Request{URL: raw, Headers: map[string][]string{"Host": {"app.example.com"}}})
		if err == nil || err.Error() != want {
			t.Errorf("URL %q: err = %v, want %s", raw, err, want)
		}
	}
	for _, tc := range []struct {
		raw, host, proto, want string
	}{
		{"/p", "", "", `clerk: invalid request: URL "/p" is not absolute and there is no Host header`},
		{"", "h", "", "clerk: invalid request: the URL is empty"},
		{"ftp://h/", "", "", `clerk: invalid request: URL scheme "ftp" is not http or https`},
		{"/p", "h", "WS", `clerk: invalid request: URL scheme "ws" is not http or https`},
		{"a:b", "h", "", `clerk: invalid request: URL scheme "a" is not http or https`},
		{"mailto:a@b", "", "", `clerk: invalid request: URL "mailto:a@b" is not absolute and there is no Host header`},
	} {
		h := map[string][]string{}
		if tc.host != "" {
			h["Host"] = []string{tc.host}
		}
		if tc.proto != "" {
			h["X-Forwarded-Proto"] = []string{tc.proto}
		}
		_, err := a.Authenticate(context.Background(), core.Request{URL: tc.raw, Headers: h})
		if err == nil || err.Error() != tc.want {
			t.Errorf("URL %q Host %q proto %q: err = %v, want %s", tc.raw, tc.host, tc.proto, err, tc.want)
		}
	}
}

// TestOptionErrorsQuote: the option errors quote the bad value as %q did.
func TestOptionErrorsQuote(t *testing.T) {
	o := baseOpts()
	o.ProxyURL = "/__clerk"
	o.ProxyOrigins = []string{"https://app.example.com/\"x\"\n"}
	_, err := core.NewAuthenticator(o)
	want := `clerk: ProxyOrigins: "https://app.example.com/\"x\"\n" must be an origin such as https://app.example.com (scheme and host, no path)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
	o = baseOpts()
	o.AcceptsToken = []core.TokenType{"session_token", "jwt\t"}
	_, err = core.NewAuthenticator(o)
	want = `clerk: unknown token type "jwt\t" in AcceptsToken (want session_token, api_key, m2m_token, oauth_token or any)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
