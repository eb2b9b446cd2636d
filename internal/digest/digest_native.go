//go:build !wasip1

package digest

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"io"
)

// Sum1 returns the SHA-1 digest of data (crypto/sha1).
func Sum1(data []byte) [Size1]byte { return sha1.Sum(data) }

// Sum256 returns the SHA-256 digest of data (crypto/sha256).
func Sum256(data []byte) [Size256]byte { return sha256.Sum256(data) }

// Sum384 returns the SHA-384 digest of data (crypto/sha512).
func Sum384(data []byte) [Size384]byte { return sha512.Sum384(data) }

// Sum512 returns the SHA-512 digest of data (crypto/sha512).
func Sum512(data []byte) [Size512]byte { return sha512.Sum512(data) }

// HMAC256 is a running HMAC-SHA256 (crypto/hmac over crypto/sha256).
type HMAC256 struct{ h hash.Hash }

// NewHMAC256 returns an HMAC-SHA256 keyed with key, ready for Write.
func NewHMAC256(key []byte) HMAC256 { return HMAC256{h: hmac.New(sha256.New, key)} }

// Write adds p to the authenticated message.
func (m *HMAC256) Write(p []byte) { m.h.Write(p) }

// WriteString adds s to the authenticated message.
func (m *HMAC256) WriteString(s string) { _, _ = io.WriteString(m.h, s) }

// Sum returns the MAC of what was written so far; m is unchanged.
func (m *HMAC256) Sum() (mac [Size256]byte) {
	m.h.Sum(mac[:0])
	return mac
}
