package core

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

func TestCheckJWTKey(t *testing.T) {
	if err := CheckJWTKey(testkeys.Primary.PublicPEM()); err != nil {
		t.Fatalf("a valid PEM: %v", err)
	}
	for _, bad := range []string{"", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"} {
		if err := CheckJWTKey(bad); err == nil || strings.TrimSpace(err.Error()) == "" {
			t.Errorf("CheckJWTKey(%q) = %v, want an error", bad, err)
		}
	}
}

// A JWK that cannot verify session tokens is kept with the reason, in the
// words (and %q quoting) fmt wrote before core dropped fmt.
func TestNewJWKKeyUnusable(t *testing.T) {
	pub := &testkeys.Primary.Private.PublicKey
	n := base64.RawURLEncoding.EncodeToString(pub.N.Bytes())
	small := base64.RawURLEncoding.EncodeToString(make([]byte, 100))
	for _, c := range []struct {
		j    jwk
		want string
	}{
		{jwk{Kid: "k1", Kty: "EC"}, fmt.Sprintf("the JWK %q has key type %q, not RSA", "k1", "EC")},
		{jwk{Kid: `q"ué`, Kty: "RSA", Alg: "PS256", N: n, E: "AQAB"}, fmt.Sprintf("the JWK %q is for algorithm %q, not RS256, RS384 or RS512", `q"ué`, "PS256")},
		{jwk{Kid: "k1", Kty: "RSA", Use: "enc", N: n, E: "AQAB"}, fmt.Sprintf("the JWK %q is for use %q, not sig", "k1", "enc")},
		{jwk{Kid: "k1", Kty: "RSA", N: "!", E: "AQAB"}, fmt.Sprintf("the JWK %q has an invalid modulus or exponent", "k1")},
		{jwk{Kid: "k1", Kty: "RSA", N: n, E: "AQABAQAB"}, fmt.Sprintf("the JWK %q has an invalid modulus or exponent", "k1")},
		{jwk{Kid: "k1", Kty: "RSA", N: "AAAA" + small, E: "AQAB"}, fmt.Sprintf("the JWK %q: RSA key of %d bits, want %d to %d", "k1", 0, 1024, 16384)},
		{jwk{Kid: "k1", Kty: "RSA", N: n, E: "Ag"}, fmt.Sprintf("the JWK %q: RSA public exponent %d is not an odd number >= 3", "k1", 2)},
	} {
		k := newJWKKey(c.j)
		if k.unusable != c.want || k.pub != nil {
			t.Errorf("newJWKKey(%+v): unusable %q, want %q", c.j, k.unusable, c.want)
		}
	}
	// Leading zeros of the modulus are not bits of the key.
	k := newJWKKey(jwk{Kid: "k1", Kty: "RSA", Alg: "RS256", Use: "sig", N: base64.RawURLEncoding.EncodeToString(append([]byte{0, 0}, pub.N.Bytes()...)), E: "AQAB"})
	if k.unusable != "" || !bytes.Equal(rsaModulus(k.pub), pub.N.Bytes()) || k.pub.E != 65537 {
		t.Errorf("a valid JWK: unusable %q", k.unusable)
	}
}

// CLERK_JWT_KEY errors name the problem as fmt wrote them.
func TestParsePublicKeyPEMErrors(t *testing.T) {
	if _, err := parsePublicKeyPEM(testkeys.Primary.PublicPEM()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ key, want string }{
		{"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----", fmt.Sprintf("PEM block is %q, want PUBLIC KEY", "PRIVATE KEY")},
		{"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "not an RSA public key (SPKI or PKCS #1): malformed DER: "},
		{"-----BEGIN RSA PUBLIC KEY-----\nMAYCAQMCAQM=\n-----END RSA PUBLIC KEY-----", fmt.Sprintf("RSA key of %d bits, want %d to %d", 2, 1024, 16384)},
	} {
		_, err := parsePublicKeyPEM(c.key)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("parsePublicKeyPEM(%q) = %v, want %q", c.key, err, c.want)
		}
	}
}
