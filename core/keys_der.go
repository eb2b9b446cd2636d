package core

import (
	"encoding/asn1"
	"errors"
	"math/big"
)

// Parsing RSA public keys with encoding/asn1 instead of crypto/x509: x509
// links ECDSA, Ed25519, DSA, the net package and certificate machinery, which
// cost the wasm plugin about half a megabyte for two DER shapes. Both forms
// are strict DER (no trailing data), as x509 requires.

var oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}

type pkcs1PublicKey struct {
	N *big.Int
	E int
}

type algorithmIdentifier struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type subjectPublicKeyInfo struct {
	Algorithm algorithmIdentifier
	PublicKey asn1.BitString
}

// parseSPKIRSA parses a SubjectPublicKeyInfo holding an RSA key.
func parseSPKIRSA(der []byte) (*RSAPublicKey, error) {
	var spki subjectPublicKeyInfo
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing data after the key")
	}
	if !spki.Algorithm.Algorithm.Equal(oidRSAEncryption) {
		return nil, errors.New("the key is not an RSA key (algorithm " + spki.Algorithm.Algorithm.String() + ")")
	}
	return parsePKCS1RSA(spki.PublicKey.RightAlign())
}

// parsePKCS1RSA parses a PKCS #1 RSAPublicKey.
func parsePKCS1RSA(der []byte) (*RSAPublicKey, error) {
	var k pkcs1PublicKey
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
	return &RSAPublicKey{N: k.N, E: k.E}, nil
}
