package core

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

	"github.com/clerkscript/clerkscript/internal/digest"
)

// Bounds on RSA key sizes: below 1024 bits Go's crypto/rsa refuses to
// verify; above 16384 bits one verification becomes a denial of service.
const (
	minRSABits = 1024
	maxRSABits = 16384
)

// verifyKey is a parsed public key ready to check signatures. Verifiers hand
// out the same *verifyKey for the same key material and source for as long
// as it stays valid, so the verified-token cache can tell by pointer whether
// the key that signed an entry is still the current one.
type verifyKey struct {
	_   [0]func() // incomparable: no equality function in the wasm module
	kid string
	// alg is the algorithm the key is restricted to ("RS256" for a PEM key,
	// as in Clerk's SDKs; the JWK's "alg"); "" allows RS256, RS384, RS512.
	alg string
	pub *RSAPublicKey
	// unusable explains why a JWKS entry cannot verify anything (an EC
	// key, a PS256 key); "" for usable keys.
	unusable string
	// scope is the JWKS scope the key came from; nil for PEM keys.
	scope *jwksScope
}

// parsePublicKeyPEM reads CLERK_JWT_KEY: a PEM "PUBLIC KEY" (SPKI) or "RSA
// PUBLIC KEY" (PKCS #1) block, or the bare base64 body of either, of any
// RSA size between 1024 and 16384 bits.
func parsePublicKeyPEM(s string) (*RSAPublicKey, error) {
	// .env files often hold the PEM on one line with literal "\n"s.
	s = strings.TrimSpace(strings.ReplaceAll(s, `\n`, "\n"))
	if s == "" {
		return nil, errors.New("the key is empty")
	}
	var der []byte
	if strings.Contains(s, "-----BEGIN") {
		block, rest := pem.Decode([]byte(s))
		if block == nil {
			return nil, errors.New("no PEM block found")
		}
		if strings.TrimSpace(string(rest)) != "" {
			return nil, errors.New("unexpected data after the PEM block")
		}
		if block.Type != "PUBLIC KEY" && block.Type != "RSA PUBLIC KEY" {
			return nil, errors.New("PEM block is " + quote(block.Type) + ", want PUBLIC KEY")
		}
		der = block.Bytes
	} else {
		body := strings.Map(func(r rune) rune {
			if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
				return -1
			}
			return r
		}, s)
		var err error
		if der, err = base64.StdEncoding.DecodeString(body); err != nil {
			if der, err = base64.RawStdEncoding.DecodeString(body); err != nil {
				return nil, errors.New("not PEM and not a base64 key body")
			}
		}
	}
	n, e, err := parseSPKIRSAParts(der)
	if err != nil {
		var err2 error
		if n, e, err2 = parsePKCS1RSAParts(der); err2 != nil {
			return nil, errors.New("not an RSA public key (SPKI or PKCS #1): " + err.Error())
		}
	}
	if err := checkRSAKey(n, e); err != nil {
		return nil, err
	}
	return newRSAPublicKey(n, e), nil
}

// checkRSAKey checks the size and exponent of an RSA key of modulus n
// (big-endian, without leading zeros) and exponent e.
func checkRSAKey(n []byte, e int) error {
	if bits := modulusBits(n); bits < minRSABits || bits > maxRSABits {
		return errors.New("RSA key of " + strconv.Itoa(bits) + " bits, want " + strconv.Itoa(minRSABits) + " to " + strconv.Itoa(maxRSABits))
	}
	if e < 3 || e&1 == 0 {
		return errors.New("RSA public exponent " + strconv.Itoa(e) + " is not an odd number >= 3")
	}
	return nil
}

// modulusBits is the bit length of n, big-endian without leading zeros.
func modulusBits(n []byte) int {
	if len(n) == 0 {
		return 0
	}
	return 8*(len(n)-1) + bits.Len8(n[0])
}

// jwk is one entry of BAPI's /v1/jwks.
type jwk struct {
	_   [0]func() // incomparable: no equality function in the wasm module
	Kid string    `json:"kid"`
	Kty string    `json:"kty"`
	Alg string    `json:"alg"`
	Use string    `json:"use"`
	N   string    `json:"n"`
	E   string    `json:"e"`
}

// newJWKKey parses a JWK. Keys that cannot verify Clerk session tokens are
// kept (marked unusable), so a token naming them gets a precise error rather
// than a kid mismatch.
func newJWKKey(j jwk) *verifyKey {
	k := &verifyKey{kid: j.Kid, alg: j.Alg}
	pub, problem := jwkPublicKey(j)
	if problem != "" {
		k.unusable = "the JWK " + quote(j.Kid) + problem
		return k
	}
	k.pub = pub
	return k
}

// jwkPublicKey returns the RSA key of j, or what keeps j from verifying
// session tokens (the end of a sentence that names the JWK).
func jwkPublicKey(j jwk) (*RSAPublicKey, string) {
	switch {
	case j.Kty != "RSA":
		return nil, " has key type " + quote(j.Kty) + ", not RSA"
	case j.Alg != "" && hashForAlg(j.Alg) == 0:
		return nil, " is for algorithm " + quote(j.Alg) + ", not RS256, RS384 or RS512"
	case j.Use != "" && j.Use != "sig":
		return nil, " is for use " + quote(j.Use) + ", not sig"
	}
	n, err1 := decodeB64URL(j.N)
	e, err2 := decodeB64URL(j.E)
	if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
		return nil, " has an invalid modulus or exponent"
	}
	ev := 0
	for _, b := range e {
		ev = ev<<8 | int(b)
	}
	for len(n) > 0 && n[0] == 0 {
		n = n[1:]
	}
	if err := checkRSAKey(n, ev); err != nil {
		return nil, ": " + err.Error()
	}
	return newRSAPublicKey(n, ev), ""
}

// sameMaterial reports whether two keys would verify the same signatures.
func (k *verifyKey) sameMaterial(o *verifyKey) bool {
	if k.kid != o.kid || k.alg != o.alg || k.unusable != o.unusable {
		return false
	}
	if k.pub == nil || o.pub == nil {
		return k.pub == o.pub
	}
	return k.pub.E == o.pub.E && bytes.Equal(rsaModulus(k.pub), rsaModulus(o.pub))
}

// decodeB64URL decodes base64url with or without padding (JWT segments and
// JWK members), rejecting the standard alphabet.
func decodeB64URL(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	return base64.RawURLEncoding.DecodeString(s)
}

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func hashForAlg(alg string) crypto.Hash {
	switch alg {
	case "RS256":
		return crypto.SHA256
	case "RS384":
		return crypto.SHA384
	case "RS512":
		return crypto.SHA512
	}
	return 0
}

// SignatureChecker verifies RSA PKCS #1 v1.5 signatures on the verifier's
// behalf. The wasm guest plugs in one that asks its host, so a plugin gets
// native speed (pure-Go RSA under wazero is about 13 times slower); declined
// means "not handled, check it yourself", so the guest works on any host.
type SignatureChecker interface {
	CheckRSA(hash crypto.Hash, pub *RSAPublicKey, digest, sig []byte) (valid bool, declined bool)
}

// MessageChecker is an optional extension of SignatureChecker that receives
// the signed message and hashes it itself. The wasm guest implements it so
// that SHA-256, too, runs natively in the host: hashing a session token's
// signing input in the guest costs about as much as the host's whole RSA
// check. When it declines, the verifier hashes and asks CheckRSA.
type MessageChecker interface {
	CheckRSAMessage(hash crypto.Hash, pub *RSAPublicKey, message, sig []byte) (valid bool, declined bool)
}

// EncodedSignatureChecker is an optional extension of MessageChecker that
// receives the signature still as the token carries it: unpadded base64url
// text (RFC 4648 §5, whose alphabet and length the verifier has checked).
// The wasm guest implements it so that the host decodes the signature
// natively as well. When it declines, the verifier decodes the signature
// and asks CheckRSAMessage, then CheckRSA.
type EncodedSignatureChecker interface {
	CheckRSAMessageEncoded(hash crypto.Hash, pub *RSAPublicKey, message []byte, sigText string) (valid bool, declined bool)
}

// checkSignatureText is checkSignature for a signature still encoded:
// plainBase64URL(sigText) must hold.
func checkSignatureText(sc SignatureChecker, key *verifyKey, h crypto.Hash, signingInput, sigText string) bool {
	if ec, ok := sc.(EncodedSignatureChecker); ok {
		in := unsafe.Slice(unsafe.StringData(signingInput), len(signingInput)) // read-only view
		if valid, declined := ec.CheckRSAMessageEncoded(h, key.pub, in, sigText); !declined {
			return valid
		}
	}
	sig := make([]byte, rawURLDecodedLen(sigText))
	if !decodeSegment(sig, sigText) {
		return false // unreachable for plain text; fail closed
	}
	return checkSignature(sc, key, h, signingInput, sig)
}

// checkSignature verifies sig over signingInput. The digest lives on the
// stack and the input is hashed in place, so this allocates nothing beyond
// what crypto/rsa does (a digest handed to a SignatureChecker, an interface,
// has to be copied to the heap: that path is separate).
func checkSignature(sc SignatureChecker, key *verifyKey, h crypto.Hash, signingInput string, sig []byte) bool {
	in := unsafe.Slice(unsafe.StringData(signingInput), len(signingInput)) // read-only view
	if mc, ok := sc.(MessageChecker); ok {
		if valid, declined := mc.CheckRSAMessage(h, key.pub, in, sig); !declined {
			return valid
		}
	}
	var buf [digest.Size512]byte
	var sum []byte
	switch h {
	case crypto.SHA256:
		d := digest.Sum256(in)
		sum = buf[:copy(buf[:], d[:])]
	case crypto.SHA384:
		d := digest.Sum384(in)
		sum = buf[:copy(buf[:], d[:])]
	case crypto.SHA512:
		d := digest.Sum512(in)
		sum = buf[:copy(buf[:], d[:])]
	default:
		return false
	}
	if sc != nil {
		if valid, declined := askChecker(sc, h, key.pub, sum, sig); !declined {
			return valid
		}
	}
	return verifyPKCS1v15(key.pub, h, sum, sig)
}

func askChecker(sc SignatureChecker, h crypto.Hash, pub *RSAPublicKey, digest, sig []byte) (valid, declined bool) {
	return sc.CheckRSA(h, pub, bytes.Clone(digest), sig)
}
