//go:build wasip1

package core

import (
	"crypto"
	"math/big"
	"math/rand/v2"
)

// RSAPublicKey is an RSA public key. Natively it is crypto/rsa's
// PublicKey; in the wasm guest it is this struct of the same fields, so
// that the module does not link crypto/rsa, whose FIPS 140 module
// (self-tests, DRBG, bigmod) costs about a tenth of a megabyte even when
// nothing calls it.
type RSAPublicKey struct {
	N *big.Int // modulus
	E int      // public exponent
}

// verifyPKCS1v15 checks an RSA signature the guest has to check itself
// (the host declined, or has no signature check) without crypto/rsa.
func verifyPKCS1v15(pub *RSAPublicKey, h crypto.Hash, digest, sig []byte) bool {
	return verifyPKCS1v15Big(pub, h, digest, sig)
}

// multipartBoundary returns a random boundary of the form mime/multipart's
// Writer makes (30 bytes in hex), from math/rand/v2's generator: ChaCha8,
// seeded by the runtime from WASI's random_get. crypto/rand would draw
// from the same source but links the FIPS 140 DRBG (AES) as well. A
// boundary needs to be unguessable by whoever writes the parts, which
// this is; it protects no secret.
func multipartBoundary() string {
	var b [30]byte
	for i := 0; i < len(b); i += 8 {
		v := rand.Uint64()
		for j := i; j < i+8 && j < len(b); j++ {
			b[j] = byte(v)
			v >>= 8
		}
	}
	return hexString(b[:])
}
