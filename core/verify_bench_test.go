package core

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/testkeys"
	"github.com/golang-jwt/jwt/v5"
)

// All verification benchmarks use this token: a v2 Clerk session token with
// an active organization, about 330 bytes of claims, RS256, 2048-bit key.
func benchToken() string {
	return mint(map[string]any{
		"v": 2, "fva": []int{12, -1}, "fea": "o:dashboard,o:teams", "pla": "o:pro",
		"o": map[string]any{"id": "org_2abcDEFghiJKLmnoPQRstuVWXyz", "slg": "acme", "rol": "admin", "per": "manage,read", "fpm": "3,2"},
	})
}

// BenchmarkVerifyFloor is the cost no verifier can avoid: SHA-256 of the
// signing input and crypto/rsa's PKCS #1 v1.5 check.
func BenchmarkVerifyFloor(b *testing.B) {
	tok := benchToken()
	dot := strings.LastIndexByte(tok, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(tok[dot+1:])
	pub := testkeys.Primary.Public
	b.ReportAllocs()
	for b.Loop() {
		d := sha256.Sum256([]byte(tok[:dot]))
		if rsa.VerifyPKCS1v15(pub, crypto.SHA256, d[:], sig) != nil {
			b.Fatal("bad signature")
		}
	}
}

// BenchmarkVerifyGolangJWT is golang-jwt/v5's full Parse into MapClaims,
// for comparison.
func BenchmarkVerifyGolangJWT(b *testing.B) {
	tok := benchToken()
	pub := testkeys.Primary.Public
	p := jwt.NewParser(jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(newVerifyClock().Now), jwt.WithLeeway(defaultClockSkew))
	keyFunc := func(*jwt.Token) (any, error) { return pub, nil }
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Parse(tok, keyFunc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyFresh is a full verification with a PEM key and the
// verified-token cache off: parse, checks, RSA, typed claims.
func BenchmarkVerifyFresh(b *testing.B) {
	benchVerify(b, VerifierConfig{TokenCacheSize: -1}, VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(),
		AuthorizedParties: []string{"https://app.example.com"}})
}

// BenchmarkVerifyCacheHit is the common case: the same session token again.
func BenchmarkVerifyCacheHit(b *testing.B) {
	benchVerify(b, VerifierConfig{}, VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(),
		AuthorizedParties: []string{"https://app.example.com"}})
}

// BenchmarkVerifyCacheHitParallel measures hits from all cores at once.
func BenchmarkVerifyCacheHitParallel(b *testing.B) {
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock()})
	tok := benchToken()
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	if _, err := v.Verify(context.Background(), tok, opts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Verify(context.Background(), tok, opts); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkVerifyJWKS is a fresh verification whose key comes from the
// (cached) JWKS of an httptest BAPI: the secret-key path.
func BenchmarkVerifyJWKS(b *testing.B) {
	srv := newJWKSServer(b, testkeys.JWKS(testkeys.Primary))
	benchVerify(b, VerifierConfig{TokenCacheSize: -1}, srv.opts())
	if srv.requests.Load() != 1 {
		b.Fatalf("%d JWKS requests", srv.requests.Load())
	}
}

// BenchmarkVerifyJWKSCacheHit is a cache hit on the secret-key path.
func BenchmarkVerifyJWKSCacheHit(b *testing.B) {
	srv := newJWKSServer(b, testkeys.JWKS(testkeys.Primary))
	benchVerify(b, VerifierConfig{}, srv.opts())
}

func benchVerify(b *testing.B, cfg VerifierConfig, opts VerifyOptions) {
	cfg.Clock = newVerifyClock()
	v := NewVerifier(cfg)
	tok := benchToken()
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok, opts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, tok, opts); err != nil {
			b.Fatal(err)
		}
	}
}
