package core

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// The reference the hand-written DER reader is held to: the encoding/asn1
// parsing core used before it (the same structures, the same checks).

type refPKCS1PublicKey struct {
	N *big.Int
	E int
}

type refAlgorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type refSubjectPublicKeyInfo struct {
	Algorithm refAlgorithmIdentifier
	PublicKey asn1.BitString
}

var refOIDRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

func refParseSPKIRSA(der []byte) (*rsa.PublicKey, error) {
	var spki refSubjectPublicKeyInfo
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing data after the key")
	}
	if !spki.Algorithm.Algorithm.Equal(refOIDRSAEncryption) {
		return nil, errors.New("the key is not an RSA key (algorithm " + spki.Algorithm.Algorithm.String() + ")")
	}
	return refParsePKCS1RSA(spki.PublicKey.RightAlign())
}

func refParsePKCS1RSA(der []byte) (*rsa.PublicKey, error) {
	var k refPKCS1PublicKey
	rest, err := asn1.Unmarshal(der, &k)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing data after the key")
	}
	if k.N == nil || k.N.Sign() <= 0 {
		return nil, errors.New("RSA modulus is not positive")
	}
	if k.E <= 0 {
		return nil, errors.New("RSA exponent is not positive")
	}
	return &rsa.PublicKey{N: k.N, E: k.E}, nil
}

// parseSPKIRSA and parsePKCS1RSA are the parsers as keys.
func parseSPKIRSA(der []byte) (*RSAPublicKey, error) {
	n, e, err := parseSPKIRSAParts(der)
	if err != nil {
		return nil, err
	}
	return newRSAPublicKey(n, e), nil
}

func parsePKCS1RSA(der []byte) (*RSAPublicKey, error) {
	n, e, err := parsePKCS1RSAParts(der)
	if err != nil {
		return nil, err
	}
	return newRSAPublicKey(n, e), nil
}

// compareDERParsers fails t unless both parsers of ours agree with their
// reference on der: the same verdict and, when they accept, the same
// modulus and exponent. It returns the verdicts of ours.
func compareDERParsers(t *testing.T, der []byte) (spkiOK, pkcs1OK bool) {
	t.Helper()
	for _, p := range []struct {
		name string
		ours func([]byte) ([]byte, int, error)
		ref  func([]byte) (*rsa.PublicKey, error)
		ok   *bool
	}{
		{"SPKI", parseSPKIRSAParts, refParseSPKIRSA, &spkiOK},
		{"PKCS #1", parsePKCS1RSAParts, refParsePKCS1RSA, &pkcs1OK},
	} {
		n, e, err := p.ours(der)
		want, wantErr := p.ref(der)
		*p.ok = err == nil
		switch {
		case (err == nil) != (wantErr == nil):
			t.Fatalf("%s of %x: ours says %v, encoding/asn1 says %v", p.name, der, err, wantErr)
		case err != nil:
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("%s of %x: empty error", p.name, der)
			}
		case !bytes.Equal(n, want.N.Bytes()) || e != want.E:
			t.Fatalf("%s of %x: ours reads n=%x e=%d, encoding/asn1 n=%x e=%d", p.name, der, n, e, want.N.Bytes(), want.E)
		}
	}
	return spkiOK, pkcs1OK
}

// derTLV encodes one element of the given identifier byte, in DER's
// shortest length form.
func derTLV(id byte, parts ...[]byte) []byte {
	content := bytes.Join(parts, nil)
	out := []byte{id}
	switch l := len(content); {
	case l < 0x80:
		out = append(out, byte(l))
	case l < 0x100:
		out = append(out, 0x81, byte(l))
	default:
		out = append(out, 0x82, byte(l>>8), byte(l))
	}
	return append(out, content...)
}

func derInt(b ...byte) []byte { return derTLV(0x02, b) }

func TestParseRSADERMatchesASN1(t *testing.T) {
	pub := &testkeys.Primary.Private.PublicKey
	nBytes := append([]byte{0}, pub.N.Bytes()...) // positive: a leading zero
	modulus := derInt(nBytes...)
	e := derInt(1, 0, 1)
	pkcs1 := derTLV(0x30, modulus, e)
	if !bytes.Equal(pkcs1, x509.MarshalPKCS1PublicKey(pub)) {
		t.Fatal("the test's DER builder does not encode like crypto/x509")
	}
	oidRSA := derTLV(0x06, derOIDRSAEncryption)
	null := []byte{0x05, 0x00}
	bitString := func(key []byte) []byte { return derTLV(0x03, []byte{0}, key) }
	spkiOf := func(alg, bits []byte, more ...[]byte) []byte {
		return derTLV(0x30, append([][]byte{alg, bits}, more...)...)
	}
	algRSA := derTLV(0x30, oidRSA, null)
	spki := spkiOf(algRSA, bitString(pkcs1))
	if want, _ := x509.MarshalPKIXPublicKey(pub); !bytes.Equal(spki, want) {
		t.Fatal("the test's DER builder does not encode SPKI like crypto/x509")
	}
	// shifted returns the contents of a BIT STRING of p padding bits whose
	// bits, right-aligned, are key (key's top p bits must be zero).
	shifted := func(key []byte, p uint) []byte {
		out := []byte{byte(p)}
		for i := range key {
			b := key[i] << p
			if i+1 < len(key) {
				b |= key[i+1] >> (8 - p)
			}
			out = append(out, b)
		}
		return out
	}
	withE := func(eb ...byte) []byte { return derTLV(0x30, modulus, derInt(eb...)) }
	const (
		neither = iota
		spkiOnly
		pkcs1Only
	)
	for _, c := range []struct {
		name string
		der  []byte
		want int
	}{
		{"PKCS #1", pkcs1, pkcs1Only},
		{"SPKI", spki, spkiOnly},
		{"empty", nil, neither},
		{"PKCS #1, trailing byte", append(append([]byte{}, pkcs1...), 0), neither},
		{"PKCS #1, element after the exponent (ignored, as by encoding/asn1)", derTLV(0x30, modulus, e, null), pkcs1Only},
		{"PKCS #1, truncated", pkcs1[:len(pkcs1)-1], neither},
		{"PKCS #1, exponent missing", derTLV(0x30, modulus), neither},
		{"PKCS #1, empty", derTLV(0x30), neither},
		{"PKCS #1 as a SET", derTLV(0x31, modulus, e), neither},
		{"PKCS #1, SEQUENCE tag in high-number form", append([]byte{0x3f, 0x10}, pkcs1[1:]...), neither},
		{"PKCS #1, indefinite length", append(append([]byte{0x30, 0x80}, pkcs1[4:]...), 0, 0), neither},
		{"PKCS #1, length with a leading zero", append([]byte{0x30, 0x83, 0x00, pkcs1[2], pkcs1[3]}, pkcs1[4:]...), neither},
		{"PKCS #1, length longer than the data", append([]byte{0x30, 0x82, pkcs1[2], pkcs1[3] + 1}, pkcs1[4:]...), neither},
		{"PKCS #1, length of 5 bytes", append([]byte{0x30, 0x85, 1, 0, 0, 0, 0}, pkcs1[4:]...), neither},
		{"PKCS #1, length of 2^31", append([]byte{0x30, 0x84, 0x80, 0, 0, 0}, pkcs1[4:]...), neither},
		{"exponent, length in long form", derTLV(0x30, modulus, []byte{0x02, 0x81, 0x03, 1, 0, 1}), neither},
		{"modulus, two leading zeros", derTLV(0x30, derInt(append([]byte{0}, nBytes...)...), e), neither},
		{"modulus negative", derTLV(0x30, derInt(nBytes[1:]...), e), neither},
		{"modulus zero", derTLV(0x30, derInt(0), e), neither},
		{"modulus one", derTLV(0x30, derInt(1), e), pkcs1Only},
		{"modulus empty", derTLV(0x30, derInt(), e), neither},
		{"modulus constructed", derTLV(0x30, derTLV(0x22, nBytes), e), neither},
		{"modulus context-specific", derTLV(0x30, derTLV(0x82, nBytes), e), neither},
		{"exponent 3", withE(3), pkcs1Only},
		{"exponent 0", withE(0), neither},
		{"exponent -1", withE(0xff), neither},
		{"exponent 128", withE(0, 0x80), pkcs1Only},
		{"exponent 1 with a leading zero", withE(0, 1), neither},
		{"exponent -128 with a leading ff", withE(0xff, 0x80), neither},
		{"exponent 2^63-1", withE(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff), pkcs1Only},
		{"exponent 2^63 (9 bytes)", withE(0, 0x80, 0, 0, 0, 0, 0, 0, 0), neither},
		{"exponent empty", withE(), neither},
		{"SPKI, trailing byte", append(append([]byte{}, spki...), 0), neither},
		{"SPKI, no parameters", spkiOf(derTLV(0x30, oidRSA), bitString(pkcs1)), spkiOnly},
		{"SPKI, other parameters", spkiOf(derTLV(0x30, oidRSA, derTLV(0x04, []byte("x"))), bitString(pkcs1)), spkiOnly},
		{"SPKI, parameters of a high tag number", spkiOf(derTLV(0x30, oidRSA, []byte{0x9f, 0x81, 0x00, 0x00}), bitString(pkcs1)), spkiOnly},
		{"SPKI, parameters of a non-minimal high tag number", spkiOf(derTLV(0x30, oidRSA, []byte{0x9f, 0x1e, 0x00}), bitString(pkcs1)), neither},
		{"SPKI, parameters' tag number with a leading 0x80", spkiOf(derTLV(0x30, oidRSA, []byte{0x9f, 0x80, 0x21, 0x00}), bitString(pkcs1)), neither},
		{"SPKI, parameters' tag number of 6 bytes", spkiOf(derTLV(0x30, oidRSA, []byte{0x9f, 0x81, 0x81, 0x81, 0x81, 0x81, 0x01, 0x00}), bitString(pkcs1)), neither},
		{"SPKI, parameters' tag number of 2^31", spkiOf(derTLV(0x30, oidRSA, []byte{0x9f, 0x88, 0x80, 0x80, 0x80, 0x00, 0x00}), bitString(pkcs1)), neither},
		{"SPKI, parameters' tag truncated", spkiOf(derTLV(0x30, oidRSA, []byte{0x9f, 0x81}), bitString(pkcs1)), neither},
		{"SPKI, parameters of 127 bytes, length in long form", spkiOf(derTLV(0x30, oidRSA, append([]byte{0x04, 0x81, 0x7f}, make([]byte, 127)...)), bitString(pkcs1)), neither},
		{"SPKI, parameters of 128 bytes", spkiOf(derTLV(0x30, oidRSA, derTLV(0x04, make([]byte, 128))), bitString(pkcs1)), spkiOnly},
		{"SPKI, parameters of indefinite length", spkiOf(derTLV(0x30, oidRSA, []byte{0x05, 0x80}), bitString(pkcs1)), neither},
		{"SPKI, parameters truncated", spkiOf(derTLV(0x30, oidRSA, []byte{0x05, 0x02, 0x00}), bitString(pkcs1)), neither},
		{"SPKI, element after the parameters (ignored)", spkiOf(derTLV(0x30, oidRSA, null, null), bitString(pkcs1)), spkiOnly},
		{"SPKI, garbage after the parameters (ignored)", spkiOf(derTLV(0x30, oidRSA, null, []byte{0xff}), bitString(pkcs1)), spkiOnly},
		{"SPKI, element after the key (ignored)", spkiOf(algRSA, bitString(pkcs1), null), spkiOnly},
		{"SPKI, no algorithm", spkiOf(derTLV(0x30), bitString(pkcs1)), neither},
		{"SPKI, no key", derTLV(0x30, algRSA), neither},
		{"SPKI, algorithm not a SEQUENCE", spkiOf(oidRSA, bitString(pkcs1)), neither},
		{"SPKI, EC algorithm", spkiOf(derTLV(0x30, derTLV(0x06, []byte{0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01})), bitString(pkcs1)), neither},
		{"SPKI, OID 2.999.3", spkiOf(derTLV(0x30, derTLV(0x06, []byte{0x88, 0x37, 0x03})), bitString(pkcs1)), neither},
		{"SPKI, OID empty", spkiOf(derTLV(0x30, derTLV(0x06, nil)), bitString(pkcs1)), neither},
		{"SPKI, OID component with a leading 0x80", spkiOf(derTLV(0x30, derTLV(0x06, []byte{0x2a, 0x80, 0x01})), bitString(pkcs1)), neither},
		{"SPKI, OID component truncated", spkiOf(derTLV(0x30, derTLV(0x06, []byte{0x2a, 0x86})), bitString(pkcs1)), neither},
		{"SPKI, OID component over 31 bits", spkiOf(derTLV(0x30, derTLV(0x06, []byte{0x2a, 0x88, 0x80, 0x80, 0x80, 0x00})), bitString(pkcs1)), neither},
		{"SPKI, OID constructed", spkiOf(derTLV(0x30, derTLV(0x26, derOIDRSAEncryption)), bitString(pkcs1)), neither},
		{"SPKI, key in an OCTET STRING", spkiOf(algRSA, derTLV(0x04, pkcs1)), neither},
		{"SPKI, key in a constructed BIT STRING", spkiOf(algRSA, derTLV(0x23, []byte{0}, pkcs1)), neither},
		{"SPKI, BIT STRING empty", spkiOf(algRSA, derTLV(0x03)), neither},
		{"SPKI, BIT STRING of no bits", spkiOf(algRSA, derTLV(0x03, []byte{0})), neither},
		{"SPKI, BIT STRING of 1 padding bit", spkiOf(algRSA, derTLV(0x03, shifted(pkcs1, 1))), spkiOnly},
		{"SPKI, BIT STRING of 2 padding bits", spkiOf(algRSA, derTLV(0x03, shifted(pkcs1, 2))), spkiOnly},
		{"SPKI, BIT STRING with a padding bit set", spkiOf(algRSA, derTLV(0x03, append(shifted(pkcs1, 2)[:len(pkcs1)], 1))), neither},
		{"SPKI, BIT STRING of 8 padding bits", spkiOf(algRSA, derTLV(0x03, []byte{8}, pkcs1)), neither},
		{"SPKI, BIT STRING of 1 padding bit and no bits", spkiOf(algRSA, derTLV(0x03, []byte{1})), neither},
		{"SPKI, trailing byte in the key", spkiOf(algRSA, bitString(append(append([]byte{}, pkcs1...), 0))), neither},
		{"SPKI, negative modulus", spkiOf(algRSA, bitString(derTLV(0x30, derInt(nBytes[1:]...), e))), neither},
		{"SPKI holding an SPKI", spkiOf(algRSA, bitString(spki)), neither},
	} {
		spkiOK, pkcs1OK := compareDERParsers(t, c.der)
		got := neither
		if spkiOK {
			got = spkiOnly
		}
		if pkcs1OK {
			got += pkcs1Only
		}
		if got != c.want {
			t.Errorf("%s: accepted as SPKI %v, as PKCS #1 %v; want %v", c.name, spkiOK, pkcs1OK, []string{"neither", "SPKI only", "PKCS #1 only"}[c.want])
		}
	}
}

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
	if _, err := parseSPKIRSA(der); err == nil || err.Error() != "the key is not an RSA key (algorithm 1.2.840.10045.2.1)" {
		t.Errorf("EC key: %v", err)
	}
}

// FuzzParseRSAPublicKeyDER: both DER parsers accept exactly what
// encoding/asn1 accepted, reading the same modulus and exponent, and
// whatever crypto/x509 accepts as an RSA key they accept as the same key.
func FuzzParseRSAPublicKeyDER(f *testing.F) {
	k := &testkeys.Primary.Private.PublicKey
	spki, _ := x509.MarshalPKIXPublicKey(k)
	f.Add(spki)
	f.Add(x509.MarshalPKCS1PublicKey(k))
	f.Add([]byte{0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x03})
	f.Add([]byte{0x30, 0x0b, 0x30, 0x04, 0x06, 0x02, 0x2a, 0x03, 0x03, 0x03, 0x00, 0x30, 0x00})
	f.Add([]byte{0x30, 0x0a, 0x30, 0x03, 0x06, 0x01, 0x2a, 0x03, 0x03, 0x02, 0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		spkiOK, pkcs1OK := compareDERParsers(t, der)
		if want, err := x509.ParsePKIXPublicKey(der); err == nil {
			if rk, ok := want.(*rsa.PublicKey); ok {
				got, err := parseSPKIRSA(der)
				if !spkiOK || err != nil || !got.Equal(rk) {
					t.Fatalf("crypto/x509 reads an RSA key from %x, ours: %v", der, err)
				}
			}
		}
		if want, err := x509.ParsePKCS1PublicKey(der); err == nil {
			got, err := parsePKCS1RSA(der)
			if !pkcs1OK || err != nil || !got.Equal(want) {
				t.Fatalf("crypto/x509 reads a PKCS #1 key from %x, ours: %v", der, err)
			}
		}
	})
}

// oidString writes what asn1.ObjectIdentifier.String writes, for every
// first-byte split (0.x, 1.x, 2.x) and large components.
func TestOIDStringMatchesASN1(t *testing.T) {
	for _, c := range [][]byte{
		{0x00}, {0x27}, {0x28}, {0x4f}, {0x50}, {0x7f}, {0x81, 0x00}, {0x88, 0x37, 0x03},
		derOIDRSAEncryption, {0x2a, 0x87, 0xff, 0xff, 0xff, 0x7f}, {0x2a, 0x80}, {0x2a, 0x88, 0x80, 0x80, 0x80, 0x00}, {},
	} {
		got, ok := oidString(c)
		var want asn1.ObjectIdentifier
		_, err := asn1.Unmarshal(derTLV(0x06, c), &want)
		if ok != (err == nil) || ok && got != want.String() {
			t.Errorf("oidString(%x) = %q, %v; encoding/asn1: %q, %v", c, got, ok, want.String(), err)
		}
	}
}
