package core_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// TestAuthenticateThroughJWKS runs the request-level verifications that
// reuse the token verifier's key resolution and signature check (handshake
// tokens, machine JWTs) with keys fetched from a JWKS rather than a PEM, so
// that a change inside the verifier cannot quietly break them.
func TestAuthenticateThroughJWKS(t *testing.T) {
	now := testNow.Unix()
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/jwks" {
			http.NotFound(w, r)
			return
		}
		fetches.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(testkeys.JWKS(testkeys.Primary))
	}))
	defer srv.Close()
	opts := func() core.AuthenticateOptions {
		o := baseOpts()
		o.JWTKey, o.Transport = "", nil
		o.PublishableKey, o.SecretKey = devPK, "sk_test_jwks"
		o.Client = core.NewClient(core.NewClientConfig().WithSecretKey(o.SecretKey).WithAPIURL(srv.URL).
			WithRetry(core.RetryConfig{Disabled: true}))
		// A verifier of its own: no JWKS or verified token from another
		// test.
		o.Verifier = core.NewVerifier(core.VerifierConfig{KidRefetchInterval: -1})
		return o
	}
	session := mint(devFAPI, nil)
	hs := func(k *testkeys.Key, header map[string]any) string {
		return k.MintHeader(header, map[string]any{"handshake": []string{"__session=" + session + "; Path=/"}}, "")
	}
	kid := testkeys.Primary.KID

	cases := []struct {
		name       string
		token      string // __clerk_handshake, or the Authorization header when accepts is set
		accepts    bool
		wantStatus core.AuthStatus
		wantReason string
		wantType   core.TokenType
	}{
		{name: "handshake token", token: hs(testkeys.Primary, map[string]any{"kid": kid, "typ": "JWT"}),
			wantStatus: core.StatusSignedIn, wantType: core.TokenTypeSession},
		{name: "handshake token without typ", token: hs(testkeys.Primary, map[string]any{"kid": kid}),
			wantStatus: core.StatusSignedIn, wantType: core.TokenTypeSession},
		{name: "handshake token of another key", token: hs(testkeys.Secondary.WithKID(kid), map[string]any{"kid": kid, "typ": "JWT"}),
			wantStatus: core.StatusSignedOut, wantReason: core.ReasonTokenInvalidSignature, wantType: core.TokenTypeSession},
		{name: "handshake token with an unknown kid", token: hs(testkeys.Primary, map[string]any{"kid": "ins_unknown", "typ": "JWT"}),
			wantStatus: core.StatusSignedOut, wantReason: "jwk-kid-mismatch", wantType: core.TokenTypeSession},
		{name: "handshake token with a wrong typ", token: hs(testkeys.Primary, map[string]any{"kid": kid, "typ": "at+jwt"}),
			wantStatus: core.StatusSignedOut, wantReason: core.ReasonTokenInvalid, wantType: core.TokenTypeSession},
		{name: "unsigned handshake token", token: testkeys.Unsigned(`{"alg":"none","kid":"`+kid+`"}`, `{"handshake":[]}`, ""),
			wantStatus: core.StatusSignedOut, wantReason: "token-invalid-algorithm", wantType: core.TokenTypeSession},
		{name: "oauth JWT", accepts: true,
			token:      testkeys.Primary.MintHeader(map[string]any{"kid": kid, "typ": "at+jwt"}, map[string]any{"sub": "user_5", "exp": now + 60}, ""),
			wantStatus: core.StatusSignedIn, wantType: core.TokenTypeOAuth},
		{name: "m2m JWT of another key", accepts: true,
			token:      testkeys.Secondary.WithKID(kid).MintHeader(map[string]any{"kid": kid}, map[string]any{"sub": "mch_1", "exp": now + 60}, ""),
			wantStatus: core.StatusSignedOut, wantReason: core.ReasonTokenInvalidSignature, wantType: core.TokenTypeM2M},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := opts()
			req := reqSpec{url: appURL + "&__clerk_handshake=" + tc.token, headers: doc}
			if tc.accepts {
				o.AcceptsToken = []core.TokenType{core.TokenTypeAny}
				req = reqSpec{headers: map[string]string{"Authorization": "Bearer " + tc.token}}
			}
			st, err := core.AuthenticateRequest(context.Background(), req.build(), o)
			if err != nil {
				t.Fatal(err)
			}
			if st.Status != tc.wantStatus || st.Reason != tc.wantReason || st.TokenType != tc.wantType {
				t.Fatalf("got %s/%q/%s (%s), want %s/%q/%s", st.Status, st.Reason, st.TokenType, st.Message, tc.wantStatus, tc.wantReason, tc.wantType)
			}
			if strings.Contains(st.Message, o.SecretKey) {
				t.Errorf("message leaks the secret key: %q", st.Message)
			}
		})
	}
	if fetches.Load() == 0 {
		t.Error("the JWKS was never fetched")
	}
}
