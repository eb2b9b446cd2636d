package digest

import "crypto/subtle"

// goHMAC256 is a running HMAC-SHA256 (RFC 2104): H((K ^ opad) || H((K ^ ipad)
// || message)), with K the key padded with zeros to the 64-byte block, or
// first hashed when it is longer than a block. crypto/hmac computes the
// same; this one exists for the reason the package doc gives.
type goHMAC256 struct {
	inner, outer SHA256
}

// newGoHMAC256 returns an HMAC-SHA256 keyed with key, ready for Write. Any
// key length is valid, the empty key included (as with crypto/hmac).
func newGoHMAC256(key []byte) goHMAC256 {
	var k [64]byte
	if len(key) > len(k) {
		s := goSum256(key)
		copy(k[:], s[:])
	} else {
		copy(k[:], key)
	}
	m := goHMAC256{inner: New256(), outer: New256()}
	var pad [64]byte
	for i, b := range k {
		pad[i] = b ^ 0x36
	}
	m.inner.Write(pad[:])
	for i, b := range k {
		pad[i] = b ^ 0x5c
	}
	m.outer.Write(pad[:])
	return m
}

// Write adds p to the authenticated message.
func (m *goHMAC256) Write(p []byte) { m.inner.Write(p) }

// WriteString adds s to the authenticated message.
func (m *goHMAC256) WriteString(s string) { m.inner.WriteString(s) }

// Sum returns the MAC of what was written so far; m is unchanged.
func (m *goHMAC256) Sum() [Size256]byte {
	in := m.inner.Sum()
	out := m.outer
	out.Write(in[:])
	return out.Sum()
}

// Equal reports whether a and b are equal, in time that depends on their
// lengths only: crypto/hmac.Equal (crypto/subtle links no FIPS module).
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}
