package core_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// TestRefreshFailureReasons covers every way a session refresh can fail
// (@clerk/backend's RefreshTokenErrorReason); each ends in a
// session-token-expired-refresh-<why> handshake for a page load.
func TestRefreshFailureReasons(t *testing.T) {
	now := testNow.Unix()
	expired := mint(prodFAPI, map[string]any{"exp": now - 100, "iat": now - 200, "nbf": now - 210})
	noSid := mint(prodFAPI, map[string]any{"exp": now - 100, "iat": now - 200, "nbf": now - 210, "sid": nil})
	fresh := mint(prodFAPI, map[string]any{"iat": now - 1})
	forged := testkeys.Secondary.WithKID(testkeys.Primary.KID).Mint(sessionClaims(prodFAPI, map[string]any{"iat": now - 1}), "")
	sfx := core.CookieSuffix(prodPK)
	cookies := func(session string) map[string]string {
		return map[string]string{"__session": session, "__client_uat": uat(now - 1000), "__refresh_" + sfx: "rt_1"}
	}

	cases := []struct {
		name    string
		status  int
		body    string
		session string
		down    bool                            // the Backend API is unreachable
		opts    func(*core.AuthenticateOptions) // after the client is set
		req     func(map[string]string) reqSpec // default: the cookies on a document GET
		want    string
		noCall  bool // decided before asking the Backend API
	}{
		{name: "refused with a code", status: 401, body: `{"errors":[{"code":"authentication_invalid","message":"x"}]}`,
			want: "authentication_invalid"},
		{name: "BAPI unexpected_error", status: 400, body: `{"errors":[{"code":"unexpected_error","message":"x"}]}`,
			want: "fetch-error"},
		{name: "unreachable", down: true, want: "fetch-error"},
		{name: "5xx without errors", status: 500, body: `<html>oops</html>`, want: "unexpected-bapi-error"},
		{name: "not JSON", status: 200, body: `not json`, want: "unexpected-bapi-error"},
		{name: "no cookies returned", status: 200, body: `{"object":"cookies","cookies":[]}`, want: "unexpected-sdk-error"},
		{name: "refreshed token invalid", status: 200, body: `{"cookies":["__session=` + forged + `; Path=/"]}`,
			want: "invalid-session-token"},
		{name: "expired token without sid", status: 200, body: `{"cookies":["__session=` + fresh + `; Path=/"]}`,
			session: noSid, want: "expired-session-token-missing-sid-claim", noCall: true},
		{name: "expired token that cannot be decoded", status: 200, body: `{"cookies":["__session=` + fresh + `; Path=/"]}`,
			opts: func(o *core.AuthenticateOptions) {
				// Only a custom verifier can call a token expired that the
				// request-level decoder cannot read.
				o.VerifySession = func(context.Context, string) (*core.Claims, error) {
					return nil, &core.TokenVerificationError{Reason: core.ReasonTokenExpired, Message: "JWT is expired."}
				}
			},
			req: func(c map[string]string) reqSpec {
				delete(c, "__session")
				return reqSpec{headers: with(doc, "Authorization", "opaque-but-expired"), cookies: c}
			},
			want: "expired-session-token-decode-failed", noCall: true},
		{name: "no refresh cookie", status: 200, req: func(c map[string]string) reqSpec {
			delete(c, "__refresh_"+sfx)
			return reqSpec{headers: doc, cookies: c}
		}, want: "non-eligible-no-refresh-cookie", noCall: true},
		{name: "not a GET", status: 200, req: func(c map[string]string) reqSpec {
			return reqSpec{method: "POST", cookies: c}
		}, want: "non-eligible-non-get", noCall: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var calls int
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls++
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer srv.Close()
			o := baseOpts()
			o.Transport = nil
			o.Client = core.NewClient(core.NewClientConfig().WithSecretKey(secretKey).WithAPIURL(srv.URL).
				WithRetry(core.RetryConfig{Disabled: true}))
			if tc.down {
				srv.Close()
			}
			if tc.opts != nil {
				tc.opts(&o)
			}
			session := expired
			if tc.session != "" {
				session = tc.session
			}
			req := reqSpec{headers: doc, cookies: cookies(session)}
			if tc.req != nil {
				req = tc.req(cookies(session))
			}
			st, err := core.AuthenticateRequest(context.Background(), req.build(), o)
			if err != nil {
				t.Fatal(err)
			}
			want := "session-token-expired-refresh-" + tc.want
			if st.Reason != want {
				t.Fatalf("reason = %q (%s), want %q", st.Reason, st.Message, want)
			}
			wantStatus := core.StatusHandshake
			if req.method == "POST" {
				wantStatus = core.StatusSignedOut
			}
			if st.Status != wantStatus {
				t.Errorf("status = %s, want %s", st.Status, wantStatus)
			}
			if wantCalls := !tc.noCall && !tc.down; wantCalls != (calls == 1) {
				t.Errorf("refresh calls = %d, want one: %v", calls, wantCalls)
			}
		})
	}
}
