package core

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// The request view, cookies, Authorization header, unverified JWTs and
// publishable keys are all attacker-controlled input: none may panic, and
// their results must be consistent.

func FuzzParseCookieHeader(f *testing.F) {
	f.Add(`__session=a.b.c; __client_uat=123; x="quoted"; bad; =noname; y=%41%zz`)
	f.Add(`a=1;a=2`)
	f.Fuzz(func(t *testing.T, h string) {
		m := parseCookieHeader(h)
		for k := range m {
			if k == "" || strings.ContainsAny(k, ";=") && !strings.Contains(h, k) {
				t.Fatalf("bad name %q from %q", k, h)
			}
		}
	})
}

func FuzzParseAuthorizationHeader(f *testing.F) {
	for _, s := range []string{"Bearer x", "Bearer  x", "Basic y", "x", "Bearer ", " ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		tok := parseAuthorizationHeader(h)
		if tok != "" && !strings.Contains(h, tok) {
			t.Fatalf("token %q not in header %q", tok, h)
		}
		if strings.Contains(tok, " ") {
			t.Fatalf("token %q contains a space", tok)
		}
	})
}

func FuzzDecodeUnverified(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyXzEiLCJpYXQiOjF9.c2ln")
	f.Add("a.b.c")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		u, err := decodeUnverified(tok)
		if (u == nil) == (err == nil) {
			t.Fatalf("decode %q: %v %v", tok, u, err)
		}
		if err != nil && err.Reason != ReasonTokenInvalid {
			t.Fatalf("reason %q", err.Reason)
		}
		_ = detectTokenType(tok)
	})
}

func FuzzParsePublishableKey(f *testing.F) {
	f.Add(BuildPublishableKey("clerk.example.com", true))
	f.Add("pk_test_Zm9vJA")
	f.Add("pk_live_")
	f.Fuzz(func(t *testing.T, k string) {
		pk, err := ParsePublishableKey(k)
		if err != nil {
			if strings.Contains(err.Error(), k) && len(k) > 8 {
				t.Fatalf("error quotes the key: %v", err)
			}
			return
		}
		if !strings.Contains(pk.FrontendAPI, ".") || strings.Contains(pk.FrontendAPI, "$") {
			t.Fatalf("accepted %q -> %+v", k, pk)
		}
		if got := BuildPublishableKey(pk.FrontendAPI, pk.InstanceType == InstanceProduction); strings.TrimRight(got, "=") != strings.TrimRight(k, "=") && utf8.ValidString(pk.FrontendAPI) {
			// Re-encoding may differ only in padding for valid input.
			if _, err := ParsePublishableKey(got); err != nil {
				t.Fatalf("round trip of %q failed: %v", k, err)
			}
		}
	})
}

// FuzzAuthenticate drives the whole decision procedure with arbitrary
// request JSON (the wasm plugin's input): it must return a state or an
// error, never panic, and a state must marshal.
func FuzzAuthenticate(f *testing.F) {
	f.Add(`{"method":"GET","url":"https://app.example.com/?__clerk_db_jwt=x","headers":{"cookie":["__session=a.b.c; __client_uat=5"],"sec-fetch-dest":["document"]}}`)
	f.Add(`{"method":"POST","url":"/x","headers":{"Host":["h"],"Authorization":["Bearer mt_1"]}}`)
	f.Add(`{"url":"https://a/?__clerk_handshake=e30.e30.e30&__clerk_redirect_url=https://b/","headers":{"Referer":["https://c/"]}}`)
	f.Add(`{"url":"https://sat.example/p?__clerk_synced=false&__clerk_synced=true","headers":{"Sec-Fetch-Dest":["document"],"Cookie":["__client_uat=1; __clerk_redirect_count=2"]}}`)
	noNet := TransportFunc(func(context.Context, *HTTPRequest) (*HTTPResponse, error) {
		return &HTTPResponse{StatusCode: 404, Body: []byte(`{"errors":[{"code":"resource_not_found"}]}`)}, nil
	})
	client := NewClient(NewClientConfig().WithSecretKey("sk_test_fuzz").WithTransport(noNet).WithRetry(RetryConfig{Disabled: true}))
	auths := []*Authenticator{}
	for _, accepts := range [][]TokenType{nil, {TokenTypeAny}, {TokenTypeAPIKey, TokenTypeSession}, {TokenTypeM2M}} {
		for _, pk := range []string{BuildPublishableKey("clerk.example.com", true), BuildPublishableKey("foo-bar-13.clerk.accounts.dev", false)} {
			a, err := NewAuthenticator(AuthenticateOptions{
				SecretKey: "sk_test_fuzz", PublishableKey: pk, Client: client, AcceptsToken: accepts,
				IsSatellite: accepts == nil, Domain: "sat.example", SignInURL: "https://app.example.com/sign-in",
				OrganizationSync: &OrganizationSyncOptions{OrganizationPatterns: []string{"/orgs/:slug/(.*)"}, PersonalAccountPatterns: []string{"/me"}},
				VerifySession: func(context.Context, string) (*Claims, error) {
					return &Claims{Subject: "user_1", SessionID: "sess_1"}, nil
				},
				Now: func() time.Time { return time.Unix(1_760_000_000, 0) },
			})
			if err != nil {
				f.Fatal(err)
			}
			auths = append(auths, a)
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		var req Request
		if json.Unmarshal([]byte(in), &req) != nil {
			return
		}
		for _, a := range auths {
			st, err := a.Authenticate(context.Background(), req)
			if err != nil {
				continue
			}
			if _, err := json.Marshal(st); err != nil {
				t.Fatalf("marshal: %v", err)
			}
			for _, vs := range st.Headers {
				for _, v := range vs {
					if strings.ContainsAny(v, "\r\n") {
						t.Fatalf("header value with a newline: %q", v)
					}
				}
			}
		}
	})
}
