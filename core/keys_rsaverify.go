package core

import (
	"crypto"
	"math/big"
)

// DigestInfo prefixes of RFC 8017 §9.2 (note 1) for the hashes a session
// token may use.
var (
	prefixSHA256 = []byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}
	prefixSHA384 = []byte{0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30}
	prefixSHA512 = []byte{0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40}
)

// verifyPKCS1v15Big is RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2)
// on math/big alone. The wasm guest uses it instead of crypto/rsa's
// verifier, whose FIPS 140 module (self-tests, DRBG, bigmod) costs the
// module about 0.2 MB; the native build keeps crypto/rsa. It accepts
// exactly what rsa.VerifyPKCS1v15 accepts for SHA-256, SHA-384 and
// SHA-512 (TestVerifyPKCS1v15BigMatchesCryptoRSA, FuzzVerifyPKCS1v15Big):
// the key checks of crypto/rsa (odd modulus of at least 1024 bits, odd
// exponent from 3 to 2³¹−1), a signature of exactly the modulus' length
// and below it, and an encoded message equal to
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
	if pub == nil || pub.N == nil || pub.N.Sign() <= 0 || pub.N.Bit(0) == 0 || pub.N.BitLen() < minRSABits {
		return false
	}
	if pub.E < 3 || pub.E&1 == 0 || pub.E > 1<<31-1 || len(digest) != h.Size() {
		return false
	}
	k := (pub.N.BitLen() + 7) / 8
	tLen := len(prefix) + len(digest)
	if len(sig) != k || k < tLen+11 {
		return false
	}
	s := new(big.Int).SetBytes(sig)
	if s.Cmp(pub.N) >= 0 {
		return false
	}
	em := s.Exp(s, big.NewInt(int64(pub.E)), pub.N).FillBytes(make([]byte, k))
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
	for i, b := range prefix {
		if t[i] != b {
			return false
		}
	}
	for i, b := range digest {
		if t[len(prefix)+i] != b {
			return false
		}
	}
	return true
}
