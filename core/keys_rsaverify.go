package core

import (
	"bytes"
	"crypto"
	"encoding/binary"
	"math/bits"
)

// DigestInfo prefixes of RFC 8017 §9.2 (note 1) for the hashes a session
// token may use.
var (
	prefixSHA256 = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	prefixSHA384 = []byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}
	prefixSHA512 = []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}
)

// verifyPKCS1v15Big is RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2)
// without crypto/rsa or math/big: modExpOdd on 64-bit limbs. The wasm
// guest uses it because importing crypto/rsa links its FIPS 140 module
// (self-tests, DRBG, bigmod), about 0.1 MB of the module, whether or not
// it is called, and math/big another 0.18 MB; the native build keeps
// crypto/rsa. It accepts exactly what rsa.VerifyPKCS1v15 accepts for
// SHA-256, SHA-384 and SHA-512 (TestVerifyPKCS1v15BigMatchesCryptoRSA,
// FuzzVerifyPKCS1v15Big): the key checks of crypto/rsa (odd modulus of at
// least 1024 bits, odd exponent from 3 to 2³¹−1), a signature of exactly
// the modulus' length and below it, and an encoded message equal to
// 0x00 0x01 0xff… 0x00 DigestInfo. Verification handles public data only,
// so it need not run in constant time.
func verifyPKCS1v15Big(pub *RSAPublicKey, h crypto.Hash, digest, sig []byte) bool {
	var prefix []byte
	switch h {
	case crypto.SHA256:
		prefix = prefixSHA256
	case crypto.SHA384:
		prefix = prefixSHA384
	case crypto.SHA512:
		prefix = prefixSHA512
	default:
		return false
	}
	if pub == nil {
		return false
	}
	n, e := rsaModulus(pub), pub.E
	if len(n) == 0 || n[0] == 0 || n[len(n)-1]&1 == 0 || modulusBits(n) < minRSABits {
		return false
	}
	if e < 3 || e&1 == 0 || e > 1<<31-1 || len(digest) != h.Size() {
		return false
	}
	k := len(n)
	tLen := len(prefix) + len(digest)
	if len(sig) != k || k < tLen+11 {
		return false
	}
	if bytes.Compare(sig, n) >= 0 { // same length: s >= n
		return false
	}
	em := rsaMontgomery(pub, n).exp(sig, e)
	if em[0] != 0 || em[1] != 1 {
		return false
	}
	psEnd := k - tLen - 1
	for _, b := range em[2:psEnd] {
		if b != 0xff {
			return false
		}
	}
	if em[psEnd] != 0 {
		return false
	}
	t := em[psEnd+1:]
	return bytes.Equal(t[:len(prefix)], prefix) && bytes.Equal(t[len(prefix):], digest)
}

// montModulus is an odd modulus ready for Montgomery multiplication. It is
// immutable once made, so a key can keep it (R² mod m costs about a dozen
// multiplications, half as much again as checking a signature with e = 65537).
type montModulus struct {
	m     []uint64 // little-endian limbs
	k0    uint64   // -m⁻¹ mod 2⁶⁴
	rr    []uint64 // R² mod m, R = 2^(64·len(m))
	bytes []byte   // m as given: big-endian, without leading zeros
}

// newMontModulus prepares the odd modulus m (big-endian, without leading
// zeros).
func newMontModulus(m []byte) *montModulus {
	mod := limbs(m, 0)
	// k0 = -m⁻¹ mod 2⁶⁴, by Newton's iteration (each step doubles the
	// correct low bits; m·m ≡ 1 mod 8 gives the first three).
	inv := mod[0]
	for i := 0; i < 5; i++ {
		inv *= 2 - mod[0]*inv
	}
	mm := &montModulus{m: mod, k0: -inv, bytes: m}
	mm.rr = mm.scratch().rr()
	return mm
}

// scratch returns a montgomery for one computation modulo mm.
func (mm *montModulus) scratch() *montgomery {
	return &montgomery{m: mm.m, k0: mm.k0, t: make([]uint64, 2*len(mm.m))}
}

// exp returns x^e mod m as len(m) big-endian bytes, for x < m (big-endian,
// of any length) and e >= 1, by Montgomery multiplication. (big.Int.Exp
// uses Montgomery only for exponents of more than one word: with a public
// exponent such as 65537 it reduces by long division after every step,
// which under wazero made a 2048-bit verification twice as slow as
// crypto/rsa's.) Only public values go through it, so it need not be
// constant-time.
func (mm *montModulus) exp(x []byte, e int) []byte {
	n := len(mm.m)
	mt := mm.scratch()
	base := mt.mul(make([]uint64, n), limbs(x, n), mm.rr)
	acc := append([]uint64(nil), base...)
	for i := bits.Len(uint(e)) - 2; i >= 0; i-- {
		acc = mt.mul(acc, acc, acc)
		if e>>uint(i)&1 == 1 {
			acc = mt.mul(acc, acc, base)
		}
	}
	one := make([]uint64, n)
	one[0] = 1
	acc = mt.mul(acc, acc, one) // out of Montgomery form
	out := make([]byte, max(8*n, len(mm.bytes)))
	for i, l := range acc {
		binary.BigEndian.PutUint64(out[len(out)-8*(i+1):], l)
	}
	return out[len(out)-len(mm.bytes):]
}

// limbs returns the big-endian number b as little-endian 64-bit limbs, at
// least n of them.
func limbs(b []byte, n int) []uint64 {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	if k := (len(b) + 7) / 8; k > n {
		n = k
	}
	out := make([]uint64, n)
	for i := range b {
		out[i/8] |= uint64(b[len(b)-1-i]) << (8 * (i % 8))
	}
	return out
}

type montgomery struct {
	m  []uint64 // the odd modulus, little-endian limbs
	k0 uint64   // -m⁻¹ mod 2⁶⁴
	t  []uint64 // scratch, 2·len(m) limbs
}

// mul sets dst to a·b·R⁻¹ mod m (a, b < m; all of len(m) limbs) and
// returns it; dst may be a or b. Row i adds a·b[i] and the multiple of m
// that clears limb i, so that the result is the upper half of t.
func (mt *montgomery) mul(dst, a, b []uint64) []uint64 {
	n := len(mt.m)
	m, t := mt.m[:n], mt.t[:2*n]
	a, b, dst = a[:n], b[:n], dst[:n]
	clear(t)
	var c uint64
	for i := 0; i < n; i++ {
		c1 := addMul(t[i:n+i], a, b[i])
		c2 := addMul(t[i:n+i], m, t[i]*mt.k0)
		t[n+i], c = bits.Add64(c1, c2, c)
	}
	r := t[n:]
	// r + c·R < 2m: subtract m once if it is >= m.
	if c != 0 || !less(r, m) {
		var borrow uint64
		for j := range dst {
			dst[j], borrow = bits.Sub64(r[j], m[j], borrow)
		}
	} else {
		copy(dst, r)
	}
	return dst
}

// addMul adds x·y to z (of x's length) and returns the carry limb. Each
// 64×64-bit product is made of four 32×32-bit ones: wasm has no wider
// multiply, and math/bits.Mul64 would be a function call there.
func addMul(z, x []uint64, y uint64) (carry uint64) {
	const mask = 1<<32 - 1
	y0, y1 := y&mask, y>>32
	z = z[:len(x)]
	for i, xi := range x {
		x0, x1 := xi&mask, xi>>32
		zi := z[i]
		w00 := x0*y0 + zi&mask + carry&mask
		w01 := x0*y1 + zi>>32 + w00>>32
		w10 := x1*y0 + carry>>32 + w01&mask
		carry = x1*y1 + w10>>32 + w01>>32
		z[i] = w10<<32 | w00&mask
	}
	return carry
}

// less reports whether a < b, both little-endian limbs of one length.
func less(a, b []uint64) bool {
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// rr returns R² mod m, R = 2^(64·len(m)): the factor that takes a number
// into Montgomery form. R mod m (the Montgomery form of 1) comes from
// 2^(bitlen(m)−1) by doublings; then, with a the Montgomery form of 2^j,
// squaring gives that of 2^(2j) and doubling that of 2^(j+1), so walking
// the bits of 64·len(m) from the top reaches the Montgomery form of
// 2^(64·len(m)) = R, which is R² mod m.
func (mt *montgomery) rr() []uint64 {
	m := mt.m
	n := len(m)
	top := bits.Len64(m[n-1]) // 1..64: m's bits in its top limb
	a := make([]uint64, n)
	a[n-1] = 1 << (top - 1) // 2^(bitlen(m)-1) < m
	for range 64 - top + 1 {
		mt.double(a)
	}
	// a = R mod m, the Montgomery form of 2^0; double it to 2^1.
	mt.double(a)
	r := 64 * n
	for i := bits.Len(uint(r)) - 2; i >= 0; i-- {
		a = mt.mul(a, a, a)
		if r>>uint(i)&1 == 1 {
			mt.double(a)
		}
	}
	return a
}

// double sets a (< m) to 2a mod m.
func (mt *montgomery) double(a []uint64) {
	var carry uint64
	for i, l := range a {
		a[i] = l<<1 | carry
		carry = l >> 63
	}
	if carry != 0 || !less(a, mt.m) {
		var borrow uint64
		for i := range a {
			a[i], borrow = bits.Sub64(a[i], mt.m[i], borrow)
		}
	}
}
