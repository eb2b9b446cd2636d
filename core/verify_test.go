package core

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// claimsAt returns typical session claims issued at testNow, with edits
// applied (a nil value deletes the claim).
func claimsAt(edits map[string]any) map[string]any {
	c := testkeys.SessionClaims(testNow)
	for k, v := range edits {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

func mint(edits map[string]any) string { return testkeys.Primary.Mint(claimsAt(edits), "RS256") }

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// resign replaces a token's header and payload segments, keeping its
// signature: the result must fail the signature check, not parsing.
func splitToken(tok string) (h, p, s string) {
	parts := strings.Split(tok, ".")
	return parts[0], parts[1], parts[2]
}

// signRaw signs exact header and payload JSON with the Primary key (RS256),
// for payloads golang-jwt would re-encode.
func signRaw(header, payload string) string {
	in := b64(header) + "." + b64(payload)
	d := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(nil, testkeys.Primary.Private, crypto.SHA256, d[:])
	if err != nil {
		panic(err)
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func hs256(pemKey, header, payload string) string {
	in := b64(header) + "." + b64(payload)
	m := hmac.New(sha256.New, []byte(pemKey))
	m.Write([]byte(in))
	return in + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func ecPEM(t *testing.T) string {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestVerifyVectors(t *testing.T) {
	pemKey := testkeys.Primary.PublicPEM()
	pemOpts := VerifyOptions{JWTKey: pemKey}
	now := testNow.Unix()
	good := mint(nil)
	gh, gp, gs := splitToken(good)
	hdr := `{"alg":"RS256","kid":"ins_test_primary","typ":"JWT"}`
	payload, _ := json.Marshal(claimsAt(nil))
	big := strings.Repeat("x", 100_000)

	type tc struct {
		name   string
		token  string
		opts   VerifyOptions
		reason string // "" = accepted
		msg    string // substring of the message, when set
	}
	cases := []tc{
		{name: "valid RS256, PEM key", token: good, opts: pemOpts},
		{name: "valid, bare base64 key", token: good, opts: VerifyOptions{JWTKey: testkeys.Primary.PublicBase64()}},
		{name: "valid, PEM with literal \\n", token: good, opts: VerifyOptions{JWTKey: strings.ReplaceAll(pemKey, "\n", `\n`)}},
		{name: "valid, 3072-bit key", token: testkeys.RSA3072.Mint(claimsAt(nil), "RS256"), opts: VerifyOptions{JWTKey: testkeys.RSA3072.PublicPEM()}},
		{name: "valid, 4096-bit key", token: testkeys.RSA4096.Mint(claimsAt(nil), "RS256"), opts: VerifyOptions{JWTKey: testkeys.RSA4096.PublicPEM()}},
		{name: "valid, no typ header", token: testkeys.Primary.MintHeader(map[string]any{"kid": "k"}, claimsAt(nil), "RS256"), opts: pemOpts},
		{name: "valid, fractional times", token: mint(map[string]any{"exp": float64(now) + 30.5, "iat": float64(now) - 0.25}), opts: pemOpts},
		{name: "valid, huge custom claim", token: mint(map[string]any{"blob": big}), opts: pemOpts},
		{name: "valid, escaped claim names", token: signRaw(hdr, strings.Replace(string(payload), `"sub"`, `"s\u0075b"`, 1)), opts: pemOpts},
		{name: "valid, duplicate sub: the last wins", token: signRaw(hdr, strings.Replace(string(payload), `{`, `{"sub":7,`, 1)), opts: pemOpts},
		{name: "duplicate sub: the last wins", token: signRaw(hdr, strings.Replace(string(payload), `}`, `,"sub":7}`, 1)), opts: pemOpts, reason: ReasonTokenVerificationFailed},
		{name: "signed array payload", token: signRaw(hdr, `[1,2]`), opts: pemOpts, reason: ReasonTokenInvalid},
		{name: "signed exp out of range", token: signRaw(hdr, `{"sub":"u","exp":1e999}`), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: "(exp) 1e999. Expected number."},

		// Form and decoding.
		{name: "empty", token: "", opts: pemOpts, reason: ReasonTokenInvalid, msg: "three parts"},
		{name: "two parts", token: gh + "." + gp, opts: pemOpts, reason: ReasonTokenInvalid, msg: "three parts"},
		{name: "four parts", token: good + ".x", opts: pemOpts, reason: ReasonTokenInvalid, msg: "three parts"},
		{name: "bad base64 header", token: "!!!." + gp + "." + gs, opts: pemOpts, reason: ReasonTokenInvalid, msg: "could not be decoded"},
		{name: "impossible base64 length", token: gh + "." + gp + "A." + gs, opts: pemOpts, reason: ReasonTokenInvalid, msg: "could not be decoded"},
		{name: "standard alphabet signature", token: gh + "." + gp + "." + strings.NewReplacer("-", "+", "_", "/").Replace(gs) + "+/", opts: pemOpts, reason: ReasonTokenInvalid, msg: "could not be decoded"},
		{name: "header not JSON", token: b64(`{"alg":"RS256"`) + "." + gp + "." + gs, opts: pemOpts, reason: ReasonTokenInvalid, msg: "could not be decoded"},
		{name: "payload not JSON", token: gh + "." + b64("hello") + "." + gs, opts: pemOpts, reason: ReasonTokenInvalid, msg: "could not be decoded"},
		{name: "payload an array", token: gh + "." + b64("[1,2]") + "." + gs, opts: pemOpts, reason: ReasonTokenInvalid},
		{name: "payload null", token: gh + "." + b64("null") + "." + gs, opts: pemOpts, reason: ReasonTokenInvalid},
		{name: "trailing garbage in payload", token: gh + "." + b64(string(payload)+"x") + "." + gs, opts: pemOpts, reason: ReasonTokenInvalid},
		{name: "padded segments tolerated", token: gh + "=." + gp + "." + gs, opts: pemOpts, reason: ReasonTokenInvalidSignature},
		{name: "too large", token: gh + "." + strings.Repeat("A", maxTokenLength) + "." + gs, opts: pemOpts, reason: ReasonTokenInvalid, msg: "256 KiB"},

		// Header checks.
		{name: "M2M category", token: testkeys.Primary.MintHeader(map[string]any{"typ": "JWT", "cat": "cl_B7d4PD333AAA"}, claimsAt(nil), ""), opts: pemOpts, reason: ReasonTokenInvalid, msg: "category"},
		{name: "session category", token: testkeys.Primary.MintHeader(map[string]any{"typ": "JWT", "cat": "cl_B7d4PD111AAA"}, claimsAt(nil), ""), opts: pemOpts},
		{name: "lowercase typ", token: testkeys.Primary.MintHeader(map[string]any{"typ": "jwt"}, claimsAt(nil), ""), opts: pemOpts, reason: ReasonTokenInvalid, msg: `Invalid JWT type "jwt". Expected "JWT".`},
		{name: "typ number", token: testkeys.Primary.MintHeader(map[string]any{"typ": 1}, claimsAt(nil), ""), opts: pemOpts, reason: ReasonTokenInvalid, msg: `type 1.`},
		{name: "custom header type", token: testkeys.Primary.MintHeader(map[string]any{"typ": "at+jwt"}, claimsAt(nil), ""), opts: VerifyOptions{JWTKey: pemKey, HeaderType: []string{"at+jwt", "application/at+jwt"}}},
		{name: "header type required", token: testkeys.Primary.MintHeader(map[string]any{}, claimsAt(nil), ""), opts: VerifyOptions{JWTKey: pemKey, HeaderType: []string{"at+jwt"}}, reason: ReasonTokenInvalid, msg: "type undefined"},
		{name: "alg none", token: testkeys.Unsigned(`{"alg":"none","typ":"JWT"}`, string(payload), ""), opts: pemOpts, reason: ReasonTokenInvalidAlgorithm, msg: `Invalid JWT algorithm "none". Supported: RS256,RS384,RS512.`},
		{name: "alg missing", token: testkeys.Unsigned(`{"typ":"JWT"}`, string(payload), gs), opts: pemOpts, reason: ReasonTokenInvalidAlgorithm, msg: "algorithm undefined."},
		{name: "alg lowercase", token: testkeys.Unsigned(`{"alg":"rs256","typ":"JWT"}`, string(payload), gs), opts: pemOpts, reason: ReasonTokenInvalidAlgorithm},
		{name: "alg PS256", token: testkeys.Unsigned(`{"alg":"PS256","typ":"JWT"}`, string(payload), gs), opts: pemOpts, reason: ReasonTokenInvalidAlgorithm},
		{name: "alg escaped RS256", token: testkeys.Unsigned(`{"alg":"RS\u0032\u0035\u0036","typ":"JWT"}`, string(payload), gs), opts: pemOpts, reason: ReasonTokenInvalidAlgorithm},
		{name: "HS256 signed with the public key", token: hs256(pemKey, `{"alg":"HS256","typ":"JWT"}`, string(payload)), opts: pemOpts, reason: ReasonTokenInvalidAlgorithm},
		{name: "typ checked before alg", token: testkeys.Unsigned(`{"alg":"none","typ":"jwt"}`, string(payload), ""), opts: pemOpts, reason: ReasonTokenInvalid},
		{name: "RS384 with a PEM key", token: testkeys.Primary.Mint(claimsAt(nil), "RS384"), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: "key is for RS256"},

		// Keys and signatures.
		{name: "no key", token: good, opts: VerifyOptions{}, reason: ReasonJWKFailedToResolve},
		{name: "garbage PEM", token: good, opts: VerifyOptions{JWTKey: "not a key"}, reason: ReasonJWKLocalInvalid},
		{name: "EC PEM", token: good, opts: VerifyOptions{JWTKey: ecPEM(t)}, reason: ReasonJWKLocalInvalid, msg: "RSA"},
		{name: "private key PEM", token: good, opts: VerifyOptions{JWTKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, reason: ReasonJWKLocalInvalid, msg: "PRIVATE KEY"},
		{name: "wrong key", token: good, opts: VerifyOptions{JWTKey: testkeys.Secondary.PublicPEM()}, reason: ReasonTokenInvalidSignature, msg: "JWT signature is invalid."},
		{name: "4096 token, 2048 key", token: testkeys.RSA4096.Mint(claimsAt(nil), "RS256"), opts: pemOpts, reason: ReasonTokenInvalidSignature},
		{name: "tampered payload", token: gh + "." + b64(strings.Replace(string(payload), "user_", "user_X", 1)) + "." + gs, opts: pemOpts, reason: ReasonTokenInvalidSignature},
		{name: "empty signature", token: gh + "." + gp + ".", opts: pemOpts, reason: ReasonTokenInvalidSignature},
		{name: "truncated signature", token: good[:len(good)-4], opts: pemOpts, reason: ReasonTokenInvalidSignature},
		{name: "signature before claims", token: testkeys.Secondary.Mint(claimsAt(map[string]any{"exp": now - 3600, "sub": nil}), ""), opts: pemOpts, reason: ReasonTokenInvalidSignature},

		// sub.
		{name: "sub missing", token: mint(map[string]any{"sub": nil}), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: "Subject claim (sub) is required and must be a string. Received undefined."},
		{name: "sub number", token: mint(map[string]any{"sub": 42}), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: "Received 42."},

		// aud.
		{name: "aud not configured", token: mint(map[string]any{"aud": "other"}), opts: pemOpts},
		{name: "aud matches", token: mint(map[string]any{"aud": "api"}), opts: VerifyOptions{JWTKey: pemKey, Audience: []string{"web", "api"}}},
		{name: "aud mismatch", token: mint(map[string]any{"aud": "other"}), opts: VerifyOptions{JWTKey: pemKey, Audience: []string{"web", "api"}}, reason: ReasonTokenVerificationFailed, msg: `Invalid JWT audience claim (aud) "other". Is not included in "["web","api"]".`},
		{name: "aud array overlap", token: mint(map[string]any{"aud": []string{"x", "api"}}), opts: VerifyOptions{JWTKey: pemKey, Audience: []string{"api"}}},
		{name: "aud array no overlap", token: mint(map[string]any{"aud": []string{"x", "y"}}), opts: VerifyOptions{JWTKey: pemKey, Audience: []string{"api"}}, reason: ReasonTokenVerificationFailed, msg: "claim array"},
		{name: "aud absent passes", token: good, opts: VerifyOptions{JWTKey: pemKey, Audience: []string{"api"}}},
		{name: "aud number rejected", token: mint(map[string]any{"aud": 5}), opts: VerifyOptions{JWTKey: pemKey, Audience: []string{"api"}}, reason: ReasonTokenVerificationFailed},
		{name: "aud array of numbers rejected", token: mint(map[string]any{"aud": []int{5}}), opts: VerifyOptions{JWTKey: pemKey, Audience: []string{"api"}}, reason: ReasonTokenVerificationFailed},

		// azp.
		{name: "azp without configured parties", token: good, opts: pemOpts},
		{name: "azp listed", token: good, opts: VerifyOptions{JWTKey: pemKey, AuthorizedParties: []string{"https://x.example", "https://app.example.com"}}},
		{name: "azp not listed", token: good, opts: VerifyOptions{JWTKey: pemKey, AuthorizedParties: []string{"https://x.example", "https://y.example"}}, reason: ReasonTokenInvalidAuthorizedParties, msg: `Invalid JWT Authorized party claim (azp) "https://app.example.com". Expected "https://x.example,https://y.example".`},
		{name: "azp missing", token: mint(map[string]any{"azp": nil}), opts: VerifyOptions{JWTKey: pemKey, AuthorizedParties: []string{"https://app.example.com"}}, reason: ReasonTokenInvalidAuthorizedParties, msg: "(azp) undefined."},
		{name: "azp number", token: mint(map[string]any{"azp": 7}), opts: VerifyOptions{JWTKey: pemKey, AuthorizedParties: []string{"7"}}, reason: ReasonTokenInvalidAuthorizedParties},

		// iss.
		{name: "issuer exact", token: good, opts: VerifyOptions{JWTKey: pemKey, Issuer: "https://clerk.example.com"}},
		{name: "issuer prefix attack", token: mint(map[string]any{"iss": "https://clerk.evil.example"}), opts: VerifyOptions{JWTKey: pemKey, Issuer: "https://clerk.example.com"}, reason: ReasonTokenInvalidIssuer},
		{name: "issuer suffix attack", token: mint(map[string]any{"iss": "https://clerk.example.com.evil.example"}), opts: VerifyOptions{JWTKey: pemKey, Issuer: "https://clerk.example.com"}, reason: ReasonTokenInvalidIssuer},
		{name: "issuer missing", token: mint(map[string]any{"iss": nil}), opts: VerifyOptions{JWTKey: pemKey, Issuer: "https://clerk.example.com"}, reason: ReasonTokenInvalidIssuer},
		{name: "issuer func accepts", token: good, opts: VerifyOptions{JWTKey: pemKey, IssuerFunc: func(iss string) bool { return strings.HasSuffix(iss, ".example.com") }}},
		{name: "issuer func rejects", token: good, opts: VerifyOptions{JWTKey: pemKey, IssuerFunc: func(string) bool { return false }}, reason: ReasonTokenInvalidIssuer},

		// exp, nbf, iat and the skew.
		{name: "exp missing", token: mint(map[string]any{"exp": nil}), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: "Invalid JWT expiry date claim (exp) undefined. Expected number."},
		{name: "exp string", token: mint(map[string]any{"exp": "soon"}), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: `(exp) "soon".`},
		{name: "exp now, default skew", token: mint(map[string]any{"exp": now}), opts: pemOpts},
		{name: "exp now-4, default skew", token: mint(map[string]any{"exp": now - 4}), opts: pemOpts},
		{name: "exp now-5, default skew", token: mint(map[string]any{"exp": now - 5}), opts: pemOpts, reason: ReasonTokenExpired, msg: "JWT is expired. Expiry date: Sun, 15 Jun 2025 15:06:35 GMT, Current date: Sun, 15 Jun 2025 15:06:40 GMT."},
		{name: "exp now, no skew", token: mint(map[string]any{"exp": now}), opts: VerifyOptions{JWTKey: pemKey, ClockSkew: NoClockSkew}, reason: ReasonTokenExpired},
		{name: "exp now+1, no skew", token: mint(map[string]any{"exp": now + 1}), opts: VerifyOptions{JWTKey: pemKey, ClockSkew: NoClockSkew}},
		{name: "exp now-59, 1 min skew", token: mint(map[string]any{"exp": now - 59}), opts: VerifyOptions{JWTKey: pemKey, ClockSkew: time.Minute}},
		{name: "nbf now+5, default skew", token: mint(map[string]any{"nbf": now + 5}), opts: pemOpts},
		{name: "nbf now+6, default skew", token: mint(map[string]any{"nbf": now + 6}), opts: pemOpts, reason: ReasonTokenNotActiveYet, msg: "JWT cannot be used prior to not before date claim (nbf). Not before date: Sun, 15 Jun 2025 15:06:46 GMT; Current date: Sun, 15 Jun 2025 15:06:40 GMT;"},
		{name: "nbf now+1, no skew", token: mint(map[string]any{"nbf": now + 1}), opts: VerifyOptions{JWTKey: pemKey, ClockSkew: NoClockSkew}, reason: ReasonTokenNotActiveYet},
		{name: "nbf string", token: mint(map[string]any{"nbf": "x"}), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: "not before date claim (nbf)"},
		{name: "nbf null", token: mint(map[string]any{"nbf": json.RawMessage("null")}), opts: pemOpts, reason: ReasonTokenVerificationFailed},
		{name: "iat now+6 with nbf", token: mint(map[string]any{"iat": now + 6, "nbf": now}), opts: pemOpts, reason: ReasonTokenIatInTheFuture, msg: "JWT issued at date claim (iat) is in the future."},
		{name: "iat now+5", token: mint(map[string]any{"iat": now + 5}), opts: pemOpts},
		{name: "iat absent", token: mint(map[string]any{"iat": nil}), opts: pemOpts},
		{name: "iat bool", token: mint(map[string]any{"iat": true}), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: "issued at date claim (iat) true."},

		// Order between claim checks (@clerk/backend's: sub, aud, azp, exp, nbf, iat).
		{name: "sub before azp", token: mint(map[string]any{"sub": 1, "azp": "bad"}), opts: VerifyOptions{JWTKey: pemKey, AuthorizedParties: []string{"good"}}, reason: ReasonTokenVerificationFailed, msg: "Subject"},
		{name: "azp before exp type", token: mint(map[string]any{"exp": "x", "azp": "bad"}), opts: VerifyOptions{JWTKey: pemKey, AuthorizedParties: []string{"good"}}, reason: ReasonTokenInvalidAuthorizedParties},
		{name: "aud before azp", token: mint(map[string]any{"aud": "x", "azp": "bad"}), opts: VerifyOptions{JWTKey: pemKey, Audience: []string{"y"}, AuthorizedParties: []string{"good"}}, reason: ReasonTokenVerificationFailed, msg: "audience"},
		{name: "expired before nbf", token: mint(map[string]any{"exp": now - 100, "nbf": now + 100}), opts: pemOpts, reason: ReasonTokenExpired},
		{name: "nbf before iat", token: mint(map[string]any{"iat": now + 100, "nbf": now + 100}), opts: pemOpts, reason: ReasonTokenNotActiveYet},
		{name: "exp type before nbf type", token: mint(map[string]any{"exp": "x", "nbf": "y"}), opts: pemOpts, reason: ReasonTokenVerificationFailed, msg: "expiry"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := NewVerifier(VerifierConfig{Clock: newVerifyClock()})
			claims, err := v.Verify(context.Background(), c.token, c.opts)
			if c.reason == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				if claims.Subject == "" || claims.Raw == nil {
					t.Fatalf("claims missing: %+v", claims)
				}
				return
			}
			te := wantReason(t, err, c.reason)
			if c.msg != "" && !strings.Contains(te.Message, c.msg) {
				t.Fatalf("message %q does not contain %q", te.Message, c.msg)
			}
			if claims != nil {
				t.Fatal("claims returned with an error")
			}
		})
	}
}

func TestVerifyJWKSAlgorithms(t *testing.T) {
	k := testkeys.Secondary
	for _, tc := range []struct {
		jwkAlg, tokAlg string
		reason         string
	}{
		{"RS256", "RS256", ""},
		{"RS384", "RS384", ""},
		{"RS512", "RS512", ""},
		{"", "RS384", ""},
		{"", "RS512", ""},
		{"RS256", "RS512", ReasonTokenVerificationFailed},
		{"RS512", "RS256", ReasonTokenVerificationFailed},
		{"PS256", "RS256", ReasonTokenVerificationFailed},
	} {
		t.Run(tc.jwkAlg+"/"+tc.tokAlg, func(t *testing.T) {
			srv := newJWKSServer(t, testkeys.JWKSOf(k.JWK(tc.jwkAlg)))
			v := NewVerifier(VerifierConfig{Clock: newVerifyClock()})
			tok := k.Mint(claimsAt(nil), tc.tokAlg)
			c, err := v.Verify(context.Background(), tok, srv.opts())
			if tc.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if c.Algorithm != tc.tokAlg || c.KeyID != k.KID {
					t.Fatalf("alg %s kid %s", c.Algorithm, c.KeyID)
				}
				return
			}
			wantReason(t, err, tc.reason)
		})
	}
}

func TestVerifyUnusableJWKs(t *testing.T) {
	ec := map[string]any{"kty": "EC", "kid": "ec1", "crv": "P-256", "x": "AA", "y": "AA"}
	badN := map[string]any{"kty": "RSA", "kid": "badn", "n": "!!", "e": "AQAB"}
	enc := testkeys.Primary.WithKID("enc").JWK("RS256")
	enc["use"] = "enc"
	small := map[string]any{"kty": "RSA", "kid": "small", "n": base64.RawURLEncoding.EncodeToString([]byte{0xc3, 0x01}), "e": "AQAB"}
	srv := newJWKSServer(t, testkeys.JWKSOf(ec, badN, enc, small, testkeys.Primary.JWK("RS256")))
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock()})
	for _, kid := range []string{"ec1", "badn", "enc", "small"} {
		tok := testkeys.Primary.WithKID(kid).Mint(claimsAt(nil), "")
		_, err := v.Verify(context.Background(), tok, srv.opts())
		te := wantReason(t, err, ReasonTokenVerificationFailed)
		if !strings.Contains(te.Message, kid) {
			t.Errorf("%s: message %q does not name the key", kid, te.Message)
		}
	}
	if _, err := v.Verify(context.Background(), mint(nil), srv.opts()); err != nil {
		t.Fatalf("the usable key next to them: %v", err)
	}
}

func TestVerifyClaimsV1(t *testing.T) {
	tok := mint(map[string]any{
		"org_id": "org_1", "org_slug": "acme", "org_role": "org:admin",
		"org_permissions": []string{"org:sys_memberships:manage", "org:invoices:read"},
		"fva":             []int{3, -1}, "act": map[string]any{"sub": "user_admin", "iss": "https://dashboard.clerk.com"},
		"aud": "x",
	})
	c, err := NewVerifier(VerifierConfig{Clock: newVerifyClock()}).Verify(context.Background(), tok, VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()})
	if err != nil {
		t.Fatal(err)
	}
	n := testNow.Unix()
	want := Claims{
		Subject: "user_2abcDEFghiJKLmnoPQRstuVWXyz", SessionID: "sess_2abcDEFghiJKLmnoPQRstuVWXyz",
		AuthorizedParty: "https://app.example.com", Issuer: "https://clerk.example.com", SessionStatus: "active",
		ID: "a1b2c3d4e5f6a7b8c9d0", Audience: []string{"x"}, Expiry: n + 60, NotBefore: n - 10, IssuedAt: n,
		FactorVerificationAge: &[2]int{3, -1}, Version: 1, OrgID: "org_1", OrgSlug: "acme", OrgRole: "org:admin",
		OrgPermissions: []string{"org:sys_memberships:manage", "org:invoices:read"},
		KeyID:          testkeys.Primary.KID, Algorithm: "RS256",
	}
	got := publicClaims(c)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("claims\n got %+v\nwant %+v", got, want)
	}
	var act map[string]string
	if err := json.Unmarshal(c.Actor, &act); err != nil || act["sub"] != "user_admin" {
		t.Fatalf("actor %s: %v", c.Actor, err)
	}
	m, err := c.Map()
	if err != nil || m["org_slug"] != "acme" {
		t.Fatalf("Map: %v %v", m, err)
	}
	if !c.HasPermission("org:invoices:read") || c.HasPermission("org:invoices:write") {
		t.Fatal("HasPermission")
	}
}

// publicClaims copies the exported fields a test compares (not Raw/Actor).
func publicClaims(c *Claims) Claims {
	return Claims{Subject: c.Subject, SessionID: c.SessionID, AuthorizedParty: c.AuthorizedParty, Issuer: c.Issuer,
		SessionStatus: c.SessionStatus, ID: c.ID, Audience: c.Audience, Expiry: c.Expiry, NotBefore: c.NotBefore,
		IssuedAt: c.IssuedAt, FactorVerificationAge: c.FactorVerificationAge, Version: c.Version, OrgID: c.OrgID,
		OrgSlug: c.OrgSlug, OrgRole: c.OrgRole, OrgPermissions: c.OrgPermissions, Features: c.Features, Plans: c.Plans,
		KeyID: c.KeyID, Algorithm: c.Algorithm}
}

func TestVerifyClaimsV2(t *testing.T) {
	cases := []struct {
		name  string
		edits map[string]any
		org   [3]string
		perms []string
		feats []string
		plans []string
		ver   int
	}{
		{
			name: "docs example",
			edits: map[string]any{"v": 2, "fea": "o:dashboard,o:teams", "pla": "o:pro",
				"o": map[string]any{"id": "org_1", "slg": "acme", "rol": "admin", "per": "manage,read", "fpm": "3,2"}},
			org: [3]string{"org_1", "acme", "org:admin"}, ver: 2,
			perms: []string{"org:dashboard:manage", "org:dashboard:read", "org:teams:read"},
			feats: []string{"o:dashboard", "o:teams"}, plans: []string{"o:pro"},
		},
		{
			name: "mixed scopes index the full fea list",
			edits: map[string]any{"v": 2, "fea": "o:dashboard,u:profile,o:impersonation",
				"o": map[string]any{"id": "org_1", "rol": "member", "per": "read,manage", "fpm": "3,1,1"}},
			org: [3]string{"org_1", "", "org:member"}, ver: 2,
			perms: []string{"org:dashboard:read", "org:dashboard:manage", "org:impersonation:read"},
			feats: []string{"o:dashboard", "u:profile", "o:impersonation"},
		},
		{
			name: "uo scope counts for the org; short fpm, bad masks and colonless features skipped",
			edits: map[string]any{"v": 2, "fea": "uo:reports,nocolon,o:x,o:y,o:z",
				"o": map[string]any{"id": "org_2", "per": "a,b", "fpm": "2,1,zz,7"}},
			org: [3]string{"org_2", "", ""}, ver: 2,
			perms: []string{"org:reports:b", "org:y:a", "org:y:b"},
			feats: []string{"uo:reports", "nocolon", "o:x", "o:y", "o:z"},
		},
		{
			name:  "v2 without an org",
			edits: map[string]any{"v": 2, "fea": "u:pro", "pla": "u:free"},
			ver:   2, feats: []string{"u:pro"}, plans: []string{"u:free"},
		},
		{
			name:  "v2 ignores v1 org claims",
			edits: map[string]any{"v": 2, "org_id": "org_legacy"},
			ver:   2,
		},
		{
			name:  "v 3 is not v2",
			edits: map[string]any{"v": 3, "o": map[string]any{"id": "org_1"}, "org_id": "org_v1"},
			ver:   1, org: [3]string{"org_v1", "", ""},
		},
	}
	pemOpts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewVerifier(VerifierConfig{Clock: newVerifyClock()}).Verify(context.Background(), mint(tc.edits), pemOpts)
			if err != nil {
				t.Fatal(err)
			}
			if got := [3]string{c.OrgID, c.OrgSlug, c.OrgRole}; got != tc.org {
				t.Errorf("org %v, want %v", got, tc.org)
			}
			if c.Version != tc.ver {
				t.Errorf("version %d, want %d", c.Version, tc.ver)
			}
			if fmt.Sprint(c.OrgPermissions) != fmt.Sprint(tc.perms) {
				t.Errorf("permissions %v, want %v", c.OrgPermissions, tc.perms)
			}
			if fmt.Sprint(c.Features) != fmt.Sprint(tc.feats) || fmt.Sprint(c.Plans) != fmt.Sprint(tc.plans) {
				t.Errorf("features %v plans %v", c.Features, c.Plans)
			}
		})
	}
}

func TestVerifyTokenDefaultVerifier(t *testing.T) {
	tok := testkeys.Primary.Mint(testkeys.SessionClaims(time.Now()), "")
	c, err := VerifyToken(context.Background(), tok, VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()})
	if err != nil || c.Subject == "" {
		t.Fatalf("%v %v", c, err)
	}
	_, err = VerifyToken(context.Background(), tok, VerifyOptions{JWTKey: testkeys.Secondary.PublicPEM()})
	wantReason(t, err, ReasonTokenInvalidSignature)
	var te *TokenVerificationError
	if !errors.As(err, &te) || TokenErrorReason(err) != ReasonTokenInvalidSignature {
		t.Fatal("errors.As / TokenErrorReason")
	}
	if got := te.Error(); got != "JWT signature is invalid. (reason=token-invalid-signature)" {
		t.Fatalf("Error() = %q", got)
	}
}

// A SignatureChecker's verdict is final unless it declines.
type stubChecker struct {
	valid, declined bool
	calls           int
}

func (s *stubChecker) CheckRSA(_ crypto.Hash, _ *rsa.PublicKey, _, _ []byte) (bool, bool) {
	s.calls++
	return s.valid, s.declined
}

func TestVerifySignatureChecker(t *testing.T) {
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	good, forged := mint(nil), testkeys.Secondary.Mint(claimsAt(nil), "")
	for _, tc := range []struct {
		name            string
		checker         stubChecker
		token           string
		wantOK          bool
		wantCheckerCall bool
	}{
		{"host says valid", stubChecker{valid: true}, forged, true, true},
		{"host says invalid", stubChecker{valid: false}, good, false, true},
		{"host declines, Go checks a good token", stubChecker{declined: true}, good, true, true},
		{"host declines, Go rejects a forged one", stubChecker{declined: true}, forged, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := tc.checker
			v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), SignatureChecker: &sc, TokenCacheSize: -1})
			_, err := v.Verify(context.Background(), tc.token, opts)
			if (err == nil) != tc.wantOK {
				t.Fatalf("err %v, want ok=%v", err, tc.wantOK)
			}
			if (sc.calls > 0) != tc.wantCheckerCall {
				t.Fatalf("checker calls %d", sc.calls)
			}
		})
	}
}

// msgChecker checks natively like a host would, and can decline the
// message form to exercise the digest fallback.
type msgChecker struct {
	declineMessage       bool
	messages, digestOnes int
}

func (m *msgChecker) CheckRSA(h crypto.Hash, pub *rsa.PublicKey, digest, sig []byte) (bool, bool) {
	m.digestOnes++
	return rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil, false
}

func (m *msgChecker) CheckRSAMessage(h crypto.Hash, pub *rsa.PublicKey, msg, sig []byte) (bool, bool) {
	m.messages++
	if m.declineMessage {
		return false, true
	}
	hh := h.New()
	hh.Write(msg)
	return rsa.VerifyPKCS1v15(pub, h, hh.Sum(nil), sig) == nil, false
}

func TestVerifyMessageChecker(t *testing.T) {
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	good, forged := mint(nil), testkeys.Secondary.Mint(claimsAt(nil), "")
	for _, decline := range []bool{false, true} {
		mc := &msgChecker{declineMessage: decline}
		v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), SignatureChecker: mc, TokenCacheSize: -1})
		if _, err := v.Verify(context.Background(), good, opts); err != nil {
			t.Fatalf("decline=%v: good token rejected: %v", decline, err)
		}
		if _, err := v.Verify(context.Background(), forged, opts); TokenErrorReason(err) != ReasonTokenInvalidSignature {
			t.Fatalf("decline=%v: forged token: %v", decline, err)
		}
		wantDigest := 0
		if decline {
			wantDigest = 2
		}
		if mc.messages != 2 || mc.digestOnes != wantDigest {
			t.Fatalf("decline=%v: message calls %d, digest calls %d", decline, mc.messages, mc.digestOnes)
		}
	}
}
