//go:build !wasip1

package core

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
)

// RSAPublicKey is an RSA public key: crypto/rsa's PublicKey. (In the wasm
// guest it is a struct of the same two fields, N and E, so that the module
// does not link crypto/rsa.)
type RSAPublicKey = rsa.PublicKey

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
