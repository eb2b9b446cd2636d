//go:build !wasip1

package core

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"math/big"
	"time"
)

// RSAPublicKey is an RSA public key: crypto/rsa's PublicKey. (In the wasm
// guest it is a struct of the modulus' bytes and the exponent, so that the
// module links neither crypto/rsa nor math/big.)
type RSAPublicKey = rsa.PublicKey

// newRSAPublicKey returns the key of modulus n (big-endian) and exponent e.
func newRSAPublicKey(n []byte, e int) *RSAPublicKey {
	return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: e}
}

// rsaModulus returns pub's modulus, big-endian without leading zeros (nil
// for a key without one).
func rsaModulus(pub *RSAPublicKey) []byte {
	if pub.N == nil || pub.N.Sign() < 0 {
		return nil
	}
	return pub.N.Bytes()
}

// rsaMontgomery returns pub's modulus n (rsaModulus(pub), odd) ready for
// Montgomery multiplication. Natively only tests check signatures without
// crypto/rsa, so nothing is kept.
func rsaMontgomery(_ *RSAPublicKey, n []byte) *montModulus { return newMontModulus(n) }

// verifyPKCS1v15 checks an RSA signature with crypto/rsa (the wasm guest
// uses verifyPKCS1v15Big instead, to keep the module small).
func verifyPKCS1v15(pub *RSAPublicKey, h crypto.Hash, digest, sig []byte) bool {
	return rsa.VerifyPKCS1v15(pub, h, digest, sig) == nil
}

// multipartBoundary returns a random boundary as mime/multipart's Writer
// makes one: 30 bytes of crypto/rand in hex.
func multipartBoundary() string {
	var b [30]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (it crashes the program instead)
	return hexString(b[:])
}

// withAttemptTimeout bounds one attempt of a request: natively with
// context.WithTimeout (the wasm guest only carries the deadline, see
// deadlineContext).
func withAttemptTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}
