package core

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"unsafe"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// decodeVectors are verified tokens of every claims shape the verifier
// reads.
func decodeVectors() []string {
	return []string{
		mint(nil),
		mint(map[string]any{"org_id": "org_1", "org_slug": "acme", "org_role": "org:admin",
			"org_permissions": []string{"org:a:read"}, "fva": []int{3, -1}, "aud": []string{"x", "y"},
			"act": map[string]any{"sub": "user_admin"}}),
		mint(map[string]any{"v": 2, "fea": "o:dashboard,u:pro", "pla": "o:pro",
			"o": map[string]any{"id": "org_1", "slg": "acme", "rol": "admin", "per": "manage,read", "fpm": "3,1"}}),
		testkeys.Primary.MintHeader(map[string]any{"typ": "JWT"}, claimsAt(map[string]any{"aud": "x"}), "RS256"),
		signRaw(`{"alg":"RS256","kid":"k\u0031"}`, `{"sub":"us\u00e9r_\"1\"","exp":1750000060.75,"iat":1750000000,"azp":"<&>"}`),
	}
}

// TestDecodeVerifiedClaims holds DecodeVerifiedClaims to Verify: the same
// claims, unexported fields included, for every vector.
func TestDecodeVerifiedClaims(t *testing.T) {
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	for i, tok := range decodeVectors() {
		want, err := v.Verify(context.Background(), tok, opts)
		if err != nil {
			t.Fatalf("vector %d: Verify: %v", i, err)
		}
		got, err := DecodeVerifiedClaims(tok)
		if err != nil {
			t.Fatalf("vector %d: DecodeVerifiedClaims: %v", i, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("vector %d:\n got %+v\nwant %+v", i, got, want)
		}
	}
}

func TestDecodeVerifiedClaimsErrors(t *testing.T) {
	good := mint(nil)
	h, p, s := splitToken(good)
	cases := map[string]string{
		"":                  msgInvalidForm,
		"a.b":               msgInvalidForm,
		good + ".x":         msgInvalidForm,
		"!!." + p + "." + s: msgUndecodable,
		h + ".e30x." + s:    msgUndecodable,
		b64(`{"alg":"HS256"}`) + "." + p + "." + s:             "Invalid JWT algorithm",
		b64(`{"alg":"RS256","typ":"JWS"}`) + "." + p + "." + s: "Invalid JWT type",
		b64(`{"alg":"RS256"}`) + "." + b64(`[1]`) + "." + s:    msgUndecodable,
	}
	for tok, want := range cases {
		c, err := DecodeVerifiedClaims(tok)
		if c != nil || err == nil || !strings.Contains(err.Error(), want) || TokenErrorReason(err) == "" {
			t.Errorf("%q: claims %v, error %v; want a token error containing %q", tok, c, err, want)
		}
	}
}

// FuzzDecodeVerifiedClaims: never a panic, always a token error on
// failure, and for any token Verify accepts, the same claims.
func FuzzDecodeVerifiedClaims(f *testing.F) {
	for _, tok := range decodeVectors() {
		f.Add(tok)
	}
	f.Add("a.b.c")
	f.Add(testkeys.Unsigned(`{"alg":"RS256"}`, `{"sub":"x","exp":1}`, ""))
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(), ClockSkew: 1 << 62}
	f.Fuzz(func(t *testing.T, token string) {
		got, err := DecodeVerifiedClaims(token)
		if err != nil {
			if got != nil || TokenErrorReason(err) == "" {
				t.Fatalf("claims %v with error %v", got, err)
			}
		}
		want, verr := v.Verify(context.Background(), token, opts)
		if verr != nil {
			return
		}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("Verify accepted %q but DecodeVerifiedClaims gave %+v, %v", token, got, err)
		}
	})
}

// TestVerifyHeaderCache alternates tokens whose headers differ: each must
// be judged, and its kid reported, by its own header, never the cached one.
func TestVerifyHeaderCache(t *testing.T) {
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	plain := mint(nil)
	otherKid := testkeys.Primary.WithKID("ins_other").Mint(claimsAt(nil), "RS256")
	m2m := testkeys.Primary.MintHeader(map[string]any{"cat": "cl_B7d4PD333AAA"}, claimsAt(nil), "RS256")
	jws := testkeys.Primary.MintHeader(map[string]any{"typ": "JWS"}, claimsAt(nil), "RS256")
	for round := 0; round < 3; round++ {
		for _, tc := range []struct {
			tok, kid, reason string
		}{
			{plain, testkeys.Primary.KID, ""},
			{otherKid, "ins_other", ""},
			{plain, testkeys.Primary.KID, ""},
			{m2m, "", ReasonTokenInvalid},
			{plain, testkeys.Primary.KID, ""},
			{jws, "", ReasonTokenInvalid},
			{jws, "", ReasonTokenInvalid},
		} {
			c, err := v.Verify(context.Background(), tc.tok, opts)
			if r := TokenErrorReason(err); r != tc.reason {
				t.Fatalf("round %d: reason %q (%v), want %q", round, r, err, tc.reason)
			}
			if err == nil && c.KeyID != tc.kid {
				t.Fatalf("round %d: kid %q, want %q", round, c.KeyID, tc.kid)
			}
		}
	}
	// A different PEM key string for the same verifier is honoured, not
	// answered from the previous call's key.
	if _, err := v.Verify(context.Background(), plain, VerifyOptions{JWTKey: testkeys.Secondary.PublicPEM()}); TokenErrorReason(err) != ReasonTokenInvalidSignature {
		t.Fatalf("another PEM key: %v", err)
	}
	if _, err := v.Verify(context.Background(), plain, opts); err != nil {
		t.Fatalf("back to the right key: %v", err)
	}
}

// TestVerifySkipTokenCache: the cache is neither read nor filled, and the
// token may live in a buffer the caller overwrites after the call.
func TestVerifySkipTokenCache(t *testing.T) {
	sc := &stubChecker{valid: true}
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), SignatureChecker: sc})
	skip := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(), SkipTokenCache: true}
	tok := mint(nil)
	buf := []byte(tok)
	view := unsafe.String(&buf[0], len(buf))
	c, err := v.Verify(context.Background(), view, skip)
	if err != nil {
		t.Fatal(err)
	}
	want := *c
	for i := range buf {
		buf[i] = 'x'
	}
	if c.Subject != want.Subject || c.KeyID != testkeys.Primary.KID || !strings.Contains(string(c.Raw), `"sub"`) {
		t.Fatalf("claims changed with the caller's buffer: %+v", c)
	}
	// Not cached: each call asks the checker; a call that uses the cache
	// asks once, then answers from it.
	for i, o := range []VerifyOptions{skip, skip, {JWTKey: skip.JWTKey}, {JWTKey: skip.JWTKey}} {
		if _, err := v.Verify(context.Background(), tok, o); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if sc.calls != 4 {
		t.Fatalf("%d signature checks, want 4 (1 + 2 skipping the cache + 1 filling it)", sc.calls)
	}
}
