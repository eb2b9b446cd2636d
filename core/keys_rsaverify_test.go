package core

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"math/big"
	"testing"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// signEM returns em^d mod n as a k-byte signature: the signature whose
// encoded message is em, valid or not.
func signEM(priv *rsa.PrivateKey, em []byte) []byte {
	k := (priv.N.BitLen() + 7) / 8
	m := new(big.Int).SetBytes(em)
	if m.Cmp(priv.N) >= 0 {
		m.Mod(m, priv.N)
	}
	return new(big.Int).Exp(m, priv.D, priv.N).FillBytes(make([]byte, k))
}

// goodEM is the PKCS #1 v1.5 encoded message of digest for h.
func goodEM(k int, h crypto.Hash, digest []byte) []byte {
	prefix := map[crypto.Hash][]byte{crypto.SHA256: prefixSHA256, crypto.SHA384: prefixSHA384, crypto.SHA512: prefixSHA512}[h]
	em := make([]byte, k)
	em[1] = 1
	t := append(append([]byte{}, prefix...), digest...)
	for i := 2; i < k-len(t)-1; i++ {
		em[i] = 0xff
	}
	copy(em[k-len(t):], t)
	return em
}

func digestOf(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	}
	d := sha512.Sum512(msg)
	return d[:]
}

// The guest's verifier accepts exactly what crypto/rsa accepts, for every
// hash a token may use, on valid signatures and on every way an encoded
// message, a signature or a key can be wrong.
func TestVerifyPKCS1v15BigMatchesCryptoRSA(t *testing.T) {
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	keys := []*rsa.PrivateKey{small, testkeys.Primary.Private, testkeys.RSA3072.Private, testkeys.RSA4096.Private}
	accepted := 0
	for _, priv := range keys {
		k := (priv.N.BitLen() + 7) / 8
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			digest := digestOf(h, []byte("signing input"))
			good := goodEM(k, h, digest)
			type tc struct {
				name   string
				pub    *rsa.PublicKey
				digest []byte
				sig    []byte
			}
			pub := &priv.PublicKey
			sig := signEM(priv, good)
			mutate := func(f func(em []byte)) []byte {
				em := append([]byte{}, good...)
				f(em)
				return signEM(priv, em)
			}
			tlen := len(digest) + 19
			cases := []tc{
				{"valid", pub, digest, sig},
				{"other digest", pub, digestOf(h, []byte("other")), sig},
				{"short digest", pub, digest[:len(digest)-1], sig},
				{"first byte 1", pub, digest, mutate(func(em []byte) { em[0] = 1 })},
				{"block type 2", pub, digest, mutate(func(em []byte) { em[1] = 2 })},
				{"padding byte 0", pub, digest, mutate(func(em []byte) { em[5] = 0 })},
				{"padding byte fe", pub, digest, mutate(func(em []byte) { em[k-tlen-2] = 0xfe })},
				{"no separator", pub, digest, mutate(func(em []byte) { em[k-tlen-1] = 0xff })},
				{"prefix byte", pub, digest, mutate(func(em []byte) { em[k-tlen+3]++ })},
				{"digest byte", pub, digest, mutate(func(em []byte) { em[k-1] ^= 1 })},
				{"short signature", pub, digest, sig[1:]},
				{"long signature", pub, digest, append([]byte{0}, sig...)},
				{"signature = n", pub, digest, priv.N.FillBytes(make([]byte, k))},
				{"signature > n", pub, digest, new(big.Int).Add(priv.N, big.NewInt(1)).FillBytes(make([]byte, k))},
				{"signature 0", pub, digest, make([]byte, k)},
				{"exponent 3", &rsa.PublicKey{N: priv.N, E: 3}, digest, sig},
				{"exponent 1", &rsa.PublicKey{N: priv.N, E: 1}, digest, sig},
				{"even exponent", &rsa.PublicKey{N: priv.N, E: 65536}, digest, sig},
				{"exponent > 2^31-1", &rsa.PublicKey{N: priv.N, E: 1<<31 + 1}, digest, sig},
				{"even modulus", &rsa.PublicKey{N: new(big.Int).Add(priv.N, big.NewInt(1)), E: priv.E}, digest, sig},
			}
			for _, c := range cases {
				want := rsa.VerifyPKCS1v15(c.pub, h, c.digest, c.sig) == nil
				if got := verifyPKCS1v15Big(c.pub, h, c.digest, c.sig); got != want {
					t.Errorf("%d bits, %v, %s: verifyPKCS1v15Big = %v, crypto/rsa = %v", priv.N.BitLen(), h, c.name, got, want)
				}
				if want {
					accepted++
				}
			}
		}
	}
	if accepted != len(keys)*3 {
		t.Errorf("crypto/rsa accepted %d signatures, want the %d valid ones: the cases do not test what they say", accepted, len(keys)*3)
	}
	// A hash a token cannot use is refused outright.
	d := make([]byte, 20)
	if verifyPKCS1v15Big(&testkeys.Primary.Private.PublicKey, crypto.SHA1, d, signEM(testkeys.Primary.Private, make([]byte, 256))) {
		t.Error("SHA-1 accepted")
	}
}

// FuzzVerifyPKCS1v15Big signs arbitrary encoded messages (and takes
// arbitrary signatures) and checks that the guest's verifier agrees with
// crypto/rsa on each.
func FuzzVerifyPKCS1v15Big(f *testing.F) {
	priv := testkeys.Primary.Private
	k := (priv.N.BitLen() + 7) / 8
	digest := digestOf(crypto.SHA256, []byte("x"))
	good := goodEM(k, crypto.SHA256, digest)
	f.Add(good, false, uint8(0))
	f.Add(good[1:], false, uint8(1))
	f.Add(good, true, uint8(2))
	bad := append([]byte{}, good...)
	bad[10] = 0
	f.Add(bad, false, uint8(0))
	f.Fuzz(func(t *testing.T, em []byte, raw bool, hsel uint8) {
		h := []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}[int(hsel)%3]
		d := digestOf(h, []byte("x"))
		sig := em
		if !raw {
			if len(em) > k {
				em = em[:k]
			}
			sig = signEM(priv, append(make([]byte, k-len(em)), em...))
		}
		want := rsa.VerifyPKCS1v15(&priv.PublicKey, h, d, sig) == nil
		if got := verifyPKCS1v15Big(&priv.PublicKey, h, d, sig); got != want {
			t.Fatalf("%v, em %x: verifyPKCS1v15Big = %v, crypto/rsa = %v", h, em, got, want)
		}
	})
}

// modExpOdd returns x^e mod m as len(m) big-endian bytes, for an odd
// modulus m (big-endian, without leading zeros), x < m (big-endian, of
// any length) and e >= 1.
func modExpOdd(x []byte, e int, m []byte) []byte { return newMontModulus(m).exp(x, e) }

// modExpOdd is big.Int.Exp for odd moduli, on random values of the sizes
// keys have and on the edges (0, 1, m-1).
func TestModExpOddMatchesBigExp(t *testing.T) {
	for _, bits := range []int{64, 65, 128, 1024, 2047, 2048, 3072, 4096} {
		for i := 0; i < 8; i++ {
			m, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), uint(bits)))
			if err != nil {
				t.Fatal(err)
			}
			m.SetBit(m, 0, 1)
			m.SetBit(m, bits-1, 1)
			x, _ := rand.Int(rand.Reader, m)
			xs := []*big.Int{x, big.NewInt(0), big.NewInt(1), new(big.Int).Sub(m, big.NewInt(1))}
			for _, e := range []int{1, 3, 17, 65537, 1<<31 - 1, 2*i + 5} {
				for _, x := range xs {
					k := len(m.Bytes())
					want := new(big.Int).Exp(x, big.NewInt(int64(e)), m).FillBytes(make([]byte, k))
					if got := modExpOdd(x.Bytes(), e, m.Bytes()); !bytes.Equal(got, want) {
						t.Fatalf("%d bits, e=%d: modExpOdd(%x) = %x, want %x", bits, e, x, got, want)
					}
				}
			}
		}
	}
}

// BenchmarkVerifyPKCS1v15Big is the guest's own check of one 2048-bit
// RS256 signature (the Extism guest's, and the native-ABI guest's when its
// host declines): "fresh key" prepares the modulus (R² mod m) as for a
// key's first check, "prepared" is the exponentiation alone, as for the
// key's later checks in the guest, which keeps the prepared modulus.
func BenchmarkVerifyPKCS1v15Big(b *testing.B) {
	priv := testkeys.Primary.Private
	digest := digestOf(crypto.SHA256, []byte("signing input"))
	sig := signEM(priv, goodEM((priv.N.BitLen()+7)/8, crypto.SHA256, digest))
	pub := &priv.PublicKey
	b.Run("fresh key", func(b *testing.B) {
		for b.Loop() {
			if !verifyPKCS1v15Big(pub, crypto.SHA256, digest, sig) {
				b.Fatal("rejected")
			}
		}
	})
	b.Run("prepared", func(b *testing.B) {
		mm := newMontModulus(pub.N.Bytes())
		for b.Loop() {
			if em := mm.exp(sig, pub.E); em[1] != 1 {
				b.Fatal("rejected")
			}
		}
	})
}
