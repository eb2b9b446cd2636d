//go:build wasip1

package core

import (
	"bytes"
	"context"
	"crypto"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// RSAPublicKey is an RSA public key. Natively it is crypto/rsa's
// PublicKey; in the wasm guest it is this struct, so that the module links
// neither crypto/rsa, whose FIPS 140 module (self-tests, DRBG, bigmod)
// costs about a tenth of a megabyte even when nothing calls it, nor
// math/big.
type RSAPublicKey struct {
	Modulus []byte // the modulus n, big-endian, without leading zeros
	E       int    // public exponent

	mont atomic.Pointer[montModulus] // Modulus prepared for verification, on first use
}

// newRSAPublicKey returns the key of modulus n (big-endian, without
// leading zeros) and exponent e.
func newRSAPublicKey(n []byte, e int) *RSAPublicKey {
	return &RSAPublicKey{Modulus: bytes.Clone(n), E: e}
}

// rsaModulus returns pub's modulus, big-endian without leading zeros.
func rsaModulus(pub *RSAPublicKey) []byte { return pub.Modulus }

// rsaMontgomery returns pub's modulus n (rsaModulus(pub), odd) ready for
// Montgomery multiplication, prepared on the key's first check and kept
// (for as long as Modulus holds the same number).
func rsaMontgomery(pub *RSAPublicKey, n []byte) *montModulus {
	if mm := pub.mont.Load(); mm != nil && bytes.Equal(mm.bytes, n) {
		return mm
	}
	mm := newMontModulus(bytes.Clone(n))
	pub.mont.Store(mm)
	return mm
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

// withAttemptTimeout bounds one attempt of a request. In the wasm build it
// only sets the context's deadline, for the transport to read: no timer
// closes Done (see deadlineContext).
func withAttemptTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return newDeadlineContext(ctx, time.Now().Add(d)), func() {}
}
