package core

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"strings"
	"testing"
)

func TestParseRSADERMatchesX509(t *testing.T) {
	for _, bits := range []int{1024, 2048, 3072} {
		k, err := rsa.GenerateKey(rand.Reader, bits)
		if err != nil {
			t.Fatal(err)
		}
		spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		got, err := parseSPKIRSA(spki)
		if err != nil || !got.Equal(&k.PublicKey) {
			t.Fatalf("%d-bit SPKI: %v", bits, err)
		}
		got, err = parsePKCS1RSA(x509.MarshalPKCS1PublicKey(&k.PublicKey))
		if err != nil || !got.Equal(&k.PublicKey) {
			t.Fatalf("%d-bit PKCS#1: %v", bits, err)
		}
		if _, err := parseSPKIRSA(append(spki, 0)); err == nil {
			t.Error("trailing byte accepted")
		}
	}
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	if _, err := parseSPKIRSA(der); err == nil || !strings.Contains(err.Error(), "not an RSA key") {
		t.Errorf("EC key: %v", err)
	}
}

// FuzzParseRSADER: whatever our parser accepts, crypto/x509 accepts as the
// same RSA key.
func FuzzParseRSADER(f *testing.F) {
	k, _ := rsa.GenerateKey(rand.Reader, 1024)
	spki, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	f.Add(spki)
	f.Add(x509.MarshalPKCS1PublicKey(&k.PublicKey))
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x01})
	f.Fuzz(func(t *testing.T, der []byte) {
		if got, err := parseSPKIRSA(der); err == nil {
			want, err := x509.ParsePKIXPublicKey(der)
			if err != nil {
				return // x509 is stricter on some encodings; ours must not accept garbage below
			}
			if rk, ok := want.(*rsa.PublicKey); !ok || !rk.Equal(got) {
				t.Fatalf("SPKI mismatch with x509")
			}
		}
		if got, err := parsePKCS1RSA(der); err == nil {
			if got.N.Sign() <= 0 || got.E <= 0 {
				t.Fatal("accepted a non-positive modulus or exponent")
			}
			if want, err := x509.ParsePKCS1PublicKey(der); err == nil && !want.Equal(got) {
				t.Fatalf("PKCS#1 mismatch with x509")
			}
		}
	})
}
