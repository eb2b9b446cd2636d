package testkeys

import (
	"crypto/rsa"
	"crypto/x509"
	"embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

//go:embed testdata/*.pem
var pems embed.FS

// Key is an RSA key pair with the kid it is published under.
type Key struct {
	KID     string
	Private *rsa.PrivateKey
	Public  *rsa.PublicKey
}

// The fixed keys. Primary is what most tests sign with; Secondary is a second
// 2048-bit key for "wrong key" and rotation cases.
var (
	Primary   = load("primary", "ins_test_primary")
	Secondary = load("secondary", "ins_test_secondary")
	RSA3072   = load("rsa3072", "ins_test_rsa3072")
	RSA4096   = load("rsa4096", "ins_test_rsa4096")
)

func load(name, kid string) *Key {
	data, err := pems.ReadFile("testdata/" + name + ".pem")
	if err != nil {
		panic(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		panic("testkeys: no PEM block in " + name)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		panic(err)
	}
	priv := k.(*rsa.PrivateKey)
	return &Key{KID: kid, Private: priv, Public: &priv.PublicKey}
}

// WithKID returns a copy of k published under another kid.
func (k *Key) WithKID(kid string) *Key { c := *k; c.KID = kid; return &c }

// PublicPEM returns the public key as a "PUBLIC KEY" (SPKI) PEM block, the
// format of CLERK_JWT_KEY.
func (k *Key) PublicPEM() string {
	der, err := x509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		panic(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PublicBase64 returns the bare base64 body of the SPKI key, without the
// BEGIN/END lines (a form Clerk's SDKs also accept).
func (k *Key) PublicBase64() string {
	der, err := x509.MarshalPKIXPublicKey(k.Public)
	if err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// JWK returns the public key as a JWK object as BAPI's /v1/jwks serves it.
// alg "" omits the "alg" member.
func (k *Key) JWK(alg string) map[string]any {
	m := map[string]any{
		"kty": "RSA",
		"use": "sig",
		"kid": k.KID,
		"n":   base64.RawURLEncoding.EncodeToString(k.Public.N.Bytes()),
		"e":   base64.RawURLEncoding.EncodeToString(big.NewInt(int64(k.Public.E)).Bytes()),
	}
	if alg != "" {
		m["alg"] = alg
	}
	return m
}

// JWKS returns a JWKS document listing keys, each with alg RS256.
func JWKS(keys ...*Key) []byte {
	list := make([]any, 0, len(keys))
	for _, k := range keys {
		list = append(list, k.JWK("RS256"))
	}
	return JWKSOf(list...)
}

// JWKSOf returns a JWKS document with these JWK objects (see Key.JWK).
func JWKSOf(jwks ...any) []byte {
	if jwks == nil {
		jwks = []any{}
	}
	b, err := json.Marshal(map[string]any{"keys": jwks})
	if err != nil {
		panic(err)
	}
	return b
}

// Mint signs claims with the Primary key, with header kid (Primary.KID when
// kid is "") and alg (RS256 when alg is ""), typ "JWT".
func Mint(claims map[string]any, kid, alg string) string {
	if kid == "" {
		kid = Primary.KID
	}
	return Primary.WithKID(kid).Mint(claims, alg)
}

// Mint signs claims with k, header {"alg", "kid": k.KID, "typ": "JWT"}.
// alg is RS256, RS384 or RS512 ("" means RS256).
func (k *Key) Mint(claims map[string]any, alg string) string {
	hdr := map[string]any{"typ": "JWT"}
	if k.KID != "" {
		hdr["kid"] = k.KID
	}
	return k.MintHeader(hdr, claims, alg)
}

// MintHeader signs claims with k under exactly the given header fields (plus
// "alg"), for tests that need an odd header (no typ, a cat, another kid).
func (k *Key) MintHeader(header map[string]any, claims map[string]any, alg string) string {
	if alg == "" {
		alg = "RS256"
	}
	var m jwt.SigningMethod
	switch alg {
	case "RS256":
		m = jwt.SigningMethodRS256
	case "RS384":
		m = jwt.SigningMethodRS384
	case "RS512":
		m = jwt.SigningMethodRS512
	default:
		panic(fmt.Sprintf("testkeys: unsupported alg %q", alg))
	}
	t := jwt.NewWithClaims(m, jwt.MapClaims(claims))
	t.Header = map[string]any{"alg": alg}
	for name, v := range header {
		t.Header[name] = v
	}
	s, err := t.SignedString(k.Private)
	if err != nil {
		panic(err)
	}
	return s
}

// Unsigned builds a token from raw header and payload JSON and a raw
// signature segment, for malformed-token tests. Nothing is validated.
func Unsigned(headerJSON, payloadJSON, sig string) string {
	enc := base64.RawURLEncoding
	return strings.Join([]string{enc.EncodeToString([]byte(headerJSON)), enc.EncodeToString([]byte(payloadJSON)), sig}, ".")
}

// SessionClaims returns the claims of a typical v1 Clerk session token issued
// at now and valid for 60 s, as Clerk issues them.
func SessionClaims(now time.Time) map[string]any {
	s := now.Unix()
	return map[string]any{
		"azp": "https://app.example.com",
		"exp": s + 60,
		"iat": s,
		"iss": "https://clerk.example.com",
		"nbf": s - 10,
		"sid": "sess_2abcDEFghiJKLmnoPQRstuVWXyz",
		"sub": "user_2abcDEFghiJKLmnoPQRstuVWXyz",
		"jti": "a1b2c3d4e5f6a7b8c9d0",
		"sts": "active",
	}
}
