// Package digest is SHA-1, SHA-256, SHA-384, SHA-512 and HMAC-SHA256 for
// core: the standard library's natively, plain Go of its own in the wasm
// guest.
//
// Importing any of crypto/sha1, crypto/sha256, crypto/sha512 or crypto/hmac
// links the standard library's FIPS 140 module into a program: through
// crypto/internal/boring and crypto/cipher come AES, AES-GCM, the DRBG,
// SHA-3 and the self-tests that each of them registers at init, which the
// linker keeps whether or not they run. In the wasm guest that was 0.2 MB
// (4,208,916 bytes before, 4,002,871 after) for four hash functions, which
// there run as plain Go anyway (no assembly on wasm). So on wasip1 the
// exported functions are this package's FIPS 180-4 / RFC 2104 code (goSum256,
// newGoHMAC256...: no interfaces, so no hash.Hash marshalling methods, no
// init), and natively they are crypto/sha1, crypto/sha256, crypto/sha512 and
// crypto/hmac (assembly, SHA-NI: five to seven times faster here, and the
// FIPS 140 module where a deployment requires it). The plain-Go code is
// compiled on every platform and the tests hold it to the standard library
// natively (tables and fuzz targets); the wasm/host tests run it in the
// guest.
package digest

import (
	"math/bits"
	"unsafe"
)

// Size1, Size256, Size384 and Size512 are the digest sizes in bytes.
const (
	Size1   = 20
	Size256 = 32
	Size384 = 48
	Size512 = 64
)

// goSum1 returns the SHA-1 digest of data (as crypto/sha1.Sum).
func goSum1(data []byte) [Size1]byte {
	h := [5]uint32{0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0}
	var out [Size1]byte
	var blk [128]byte
	n := len(data) &^ 63
	block1(&h, data[:n])
	tail := padded(blk[:], data[n:], uint64(len(data)), 64)
	block1(&h, tail)
	for i, v := range h {
		putUint32(out[4*i:], v)
	}
	return out
}

// padded returns the last block or two of a message: its tail p (shorter
// than one block of blockSize bytes) in blk, then the 0x80 byte, zeros and
// the message length in bits, big-endian, ending the last block (SHA-512's
// 128-bit length field has its high half zero: no Go slice reaches 2^61
// bytes). blk must be zero and hold two blocks.
func padded(blk []byte, p []byte, msgLen uint64, blockSize int) []byte {
	n := copy(blk, p)
	blk[n] = 0x80
	end := blockSize
	if n+1+blockSize/8 > blockSize { // no room for the length field
		end += blockSize
	}
	bitsLen := msgLen << 3
	for i := 1; i <= 8; i++ {
		blk[end-i] = byte(bitsLen)
		bitsLen >>= 8
	}
	return blk[:end]
}

func block1(h *[5]uint32, p []byte) {
	var w [16]uint32
	h0, h1, h2, h3, h4 := h[0], h[1], h[2], h[3], h[4]
	for ; len(p) >= 64; p = p[64:] {
		for i := 0; i < 16; i++ {
			w[i] = getUint32(p[4*i:])
		}
		a, b, c, d, e := h0, h1, h2, h3, h4
		for i := 0; i < 80; i++ {
			if i >= 16 {
				x := w[(i-3)&15] ^ w[(i-8)&15] ^ w[(i-14)&15] ^ w[i&15]
				w[i&15] = bits.RotateLeft32(x, 1)
			}
			var f, k uint32
			switch {
			case i < 20:
				f, k = b&c|^b&d, 0x5A827999
			case i < 40:
				f, k = b^c^d, 0x6ED9EBA1
			case i < 60:
				f, k = b&c|b&d|c&d, 0x8F1BBCDC
			default:
				f, k = b^c^d, 0xCA62C1D6
			}
			t := bits.RotateLeft32(a, 5) + f + e + w[i&15] + k
			a, b, c, d, e = t, a, bits.RotateLeft32(b, 30), c, d
		}
		h0 += a
		h1 += b
		h2 += c
		h3 += d
		h4 += e
	}
	h[0], h[1], h[2], h[3], h[4] = h0, h1, h2, h3, h4
}

var k256 = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// SHA256 is a running SHA-256 hash (the zero value is not ready: use
// New256). It has no interface methods on purpose (see the package doc).
type SHA256 struct {
	h   [8]uint32
	buf [64]byte
	nb  int    // bytes in buf
	len uint64 // bytes written
}

// New256 returns a SHA-256 hash ready for Write.
func New256() SHA256 {
	return SHA256{h: [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}}
}

// Write adds p to the hashed message.
func (d *SHA256) Write(p []byte) {
	d.len += uint64(len(p))
	if d.nb > 0 {
		n := copy(d.buf[d.nb:], p)
		d.nb += n
		p = p[n:]
		if d.nb < 64 {
			return
		}
		block256(&d.h, d.buf[:])
		d.nb = 0
	}
	if n := len(p) &^ 63; n > 0 {
		block256(&d.h, p[:n])
		p = p[n:]
	}
	d.nb = copy(d.buf[:], p)
}

// WriteString adds s to the hashed message.
func (d *SHA256) WriteString(s string) {
	d.Write(unsafe.Slice(unsafe.StringData(s), len(s))) // read-only view: Write does not modify p
}

// Sum returns the digest of what was written so far; d is unchanged.
func (d *SHA256) Sum() [Size256]byte {
	h := d.h
	var blk [128]byte
	block256(&h, padded(blk[:], d.buf[:d.nb], d.len, 64))
	var out [Size256]byte
	for i, v := range h {
		putUint32(out[4*i:], v)
	}
	return out
}

// goSum256 returns the SHA-256 digest of data (as crypto/sha256.Sum256).
func goSum256(data []byte) [Size256]byte {
	d := New256()
	d.Write(data)
	return d.Sum()
}

func block256(h *[8]uint32, p []byte) {
	var w [64]uint32
	for ; len(p) >= 64; p = p[64:] {
		for i := 0; i < 16; i++ {
			w[i] = getUint32(p[4*i:])
		}
		for i := 16; i < 64; i++ {
			v1, v2 := w[i-2], w[i-15]
			s1 := bits.RotateLeft32(v1, -17) ^ bits.RotateLeft32(v1, -19) ^ v1>>10
			s0 := bits.RotateLeft32(v2, -7) ^ bits.RotateLeft32(v2, -18) ^ v2>>3
			w[i] = s1 + w[i-7] + s0 + w[i-16]
		}
		a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
		for i := 0; i < 64; i++ {
			t1 := hh + (bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)) + (e&f ^ ^e&g) + k256[i] + w[i]
			t2 := (bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)) + (a&b ^ a&c ^ b&c)
			hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
		}
		h[0] += a
		h[1] += b
		h[2] += c
		h[3] += d
		h[4] += e
		h[5] += f
		h[6] += g
		h[7] += hh
	}
}

var k512 = [80]uint64{
	0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
	0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
	0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
	0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
	0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
	0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
	0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
	0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
	0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
	0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
	0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
	0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
	0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
	0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
	0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
	0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
	0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
	0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
	0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
	0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
}

// goSum384 returns the SHA-384 digest of data (as crypto/sha512.Sum384).
func goSum384(data []byte) [Size384]byte {
	h := sum512(data, [8]uint64{
		0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
		0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4,
	})
	var out [Size384]byte
	copy(out[:], h[:])
	return out
}

// goSum512 returns the SHA-512 digest of data (as crypto/sha512.Sum512).
func goSum512(data []byte) [Size512]byte {
	return sum512(data, [8]uint64{
		0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
		0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
	})
}

func sum512(data []byte, h [8]uint64) [Size512]byte {
	n := len(data) &^ 127
	block512(&h, data[:n])
	var blk [256]byte
	block512(&h, padded(blk[:], data[n:], uint64(len(data)), 128))
	var out [Size512]byte
	for i, v := range h {
		putUint32(out[8*i:], uint32(v>>32))
		putUint32(out[8*i+4:], uint32(v))
	}
	return out
}

func block512(h *[8]uint64, p []byte) {
	var w [80]uint64
	for ; len(p) >= 128; p = p[128:] {
		for i := 0; i < 16; i++ {
			w[i] = uint64(getUint32(p[8*i:]))<<32 | uint64(getUint32(p[8*i+4:]))
		}
		for i := 16; i < 80; i++ {
			v1, v2 := w[i-2], w[i-15]
			s1 := bits.RotateLeft64(v1, -19) ^ bits.RotateLeft64(v1, -61) ^ v1>>6
			s0 := bits.RotateLeft64(v2, -1) ^ bits.RotateLeft64(v2, -8) ^ v2>>7
			w[i] = s1 + w[i-7] + s0 + w[i-16]
		}
		a, b, c, d, e, f, g, hh := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
		for i := 0; i < 80; i++ {
			t1 := hh + (bits.RotateLeft64(e, -14) ^ bits.RotateLeft64(e, -18) ^ bits.RotateLeft64(e, -41)) + (e&f ^ ^e&g) + k512[i] + w[i]
			t2 := (bits.RotateLeft64(a, -28) ^ bits.RotateLeft64(a, -34) ^ bits.RotateLeft64(a, -39)) + (a&b ^ a&c ^ b&c)
			hh, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
		}
		h[0] += a
		h[1] += b
		h[2] += c
		h[3] += d
		h[4] += e
		h[5] += f
		h[6] += g
		h[7] += hh
	}
}

func getUint32(b []byte) uint32 {
	_ = b[3]
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func putUint32(b []byte, v uint32) {
	_ = b[3]
	b[0], b[1], b[2], b[3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
}
