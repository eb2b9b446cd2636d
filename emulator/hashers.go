package emulator

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Checking a password against a digest imported with password_digest +
// password_hasher, as Clerk does at sign-in and in users.verifyPassword.
// Each hasher reads the digest format Clerk documents for it. Hashers whose
// check needs something the emulator does not have (a Cognito user pool, an
// instance pepper) or whose salting Clerk does not document are listed in
// uncheckableHashers; users.verifyPassword answers incorrect_password for
// them and says why.

// uncheckableHashers say why a digest of theirs cannot be checked here.
var uncheckableHashers = map[string]string{
	"awscognito":      "awscognito digests are checked by Clerk against the Cognito user pool, which the emulator cannot reach",
	"bcrypt_peppered": "bcrypt_peppered digests need the instance's pepper, which Clerk holds and the emulator does not",
	"md5_salted":      "Clerk does not document how md5_salted combines the salt and the password",
	"sha256_salted":   "Clerk does not document how sha256_salted combines the salt and the password",
	"sha512_symfony":  "Clerk does not document the iteration count it uses for sha512_symfony",
}

// Limits on the cost parameters read from a digest: verification runs under
// the instance lock, so an absurd cost must not stall the emulator.
const (
	maxPBKDF2Iterations = 10_000_000
	maxBcryptCost       = 16
	maxPhpassLog2       = 24        // WordPress uses 13
	maxKDFMemory        = 256 << 20 // bytes, for argon2 and scrypt
)

// digestMatches reports whether pw matches digest, an imported digest of
// hasher. checkable is false when the emulator cannot check such a digest
// (see uncheckableHashers) or the digest's parameters exceed its limits.
func digestMatches(hasher, digest, pw string) (match, checkable bool) {
	switch hasher {
	case "bcrypt":
		return bcryptMatches(digest, []byte(pw))
	case "bcrypt_sha256_django":
		// Django hashes the password with SHA-256 (hex) before bcrypt.
		sum := sha256.Sum256([]byte(pw))
		return bcryptMatches(strings.TrimPrefix(digest, "bcrypt_sha256$"), []byte(hex.EncodeToString(sum[:])))
	case "md5":
		sum := md5.Sum([]byte(pw))
		return hexEqual(digest, sum[:]), true
	case "sha256":
		sum := sha256.Sum256([]byte(pw))
		return hexEqual(digest, sum[:]), true
	case "pbkdf2_sha256":
		return pbkdf2Matches(digest, pw, sha256.New, b64Decode, b64Decode)
	case "pbkdf2_sha256_django":
		return pbkdf2Matches(digest, pw, sha256.New, rawBytes, b64Decode)
	case "pbkdf2_sha1":
		return pbkdf2Matches(digest, pw, sha1.New, rawBytes, hex.DecodeString)
	case "pbkdf2_sha512":
		return pbkdf2Matches(digest, pw, sha512.New, b64Decode, b64Decode)
	case "pbkdf2_sha512_hex":
		return pbkdf2Matches(digest, pw, sha512.New, hex.DecodeString, hex.DecodeString)
	case "phpass", "md5_phpass":
		return phpassMatches(digest, pw)
	case "ldap_ssha":
		return sshaMatches(digest, pw), true
	case "argon2i", "argon2id":
		return argon2Matches(hasher, digest, pw)
	case "scrypt_firebase":
		return firebaseScryptMatches(digest, pw)
	case "scrypt_werkzeug":
		return werkzeugScryptMatches(digest, pw)
	}
	return false, false
}

func bcryptMatches(digest string, pw []byte) (bool, bool) {
	cost, err := bcrypt.Cost([]byte(digest))
	if err != nil {
		return false, true
	}
	if cost > maxBcryptCost {
		return false, false
	}
	return bcrypt.CompareHashAndPassword([]byte(digest), pw) == nil, true
}

func hexEqual(digest string, sum []byte) bool {
	want, err := hex.DecodeString(digest)
	return err == nil && subtle.ConstantTimeCompare(want, sum) == 1
}

func rawBytes(s string) ([]byte, error) { return []byte(s), nil }

// b64Decode accepts standard base64 with or without padding.
func b64Decode(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// pbkdf2Matches checks "<name>$<iterations>$<salt>$<hash>"; the key length
// is the hash's.
func pbkdf2Matches(digest, pw string, h func() hash.Hash, salt, key func(string) ([]byte, error)) (bool, bool) {
	parts := strings.Split(digest, "$")
	if len(parts) != 4 {
		return false, true
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter < 1 {
		return false, true
	}
	if iter > maxPBKDF2Iterations {
		return false, false
	}
	s, err1 := salt(parts[2])
	want, err2 := key(parts[3])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, true
	}
	got, err := pbkdf2.Key(h, pw, s, iter, len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1, true
}

const phpassItoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// phpassMatches checks a portable phpass hash ($P$ or $H$): an iterated
// salted MD5, 2^n rounds, encoded with phpass's own base64 alphabet.
func phpassMatches(digest, pw string) (bool, bool) {
	if len(digest) != 34 {
		return false, true
	}
	n := strings.IndexByte(phpassItoa64, digest[3])
	if n < 7 || n > 30 {
		return false, true
	}
	if n > maxPhpassLog2 {
		return false, false
	}
	salt := digest[4:12]
	sum := md5.Sum([]byte(salt + pw))
	for range 1 << n {
		sum = md5.Sum(append(sum[:], pw...))
	}
	return subtle.ConstantTimeCompare([]byte(phpassEncode(sum[:])), []byte(digest[12:])) == 1, true
}

func phpassEncode(in []byte) string {
	var out strings.Builder
	for i := 0; i < len(in); {
		v := uint(in[i])
		i++
		out.WriteByte(phpassItoa64[v&0x3f])
		if i < len(in) {
			v |= uint(in[i]) << 8
		}
		out.WriteByte(phpassItoa64[(v>>6)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		if i < len(in) {
			v |= uint(in[i]) << 16
		}
		out.WriteByte(phpassItoa64[(v>>12)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		out.WriteByte(phpassItoa64[(v>>18)&0x3f])
	}
	return out.String()
}

// sshaMatches checks "{SSHA}base64(sha1(password + salt) + salt)".
func sshaMatches(digest, pw string) bool {
	raw, err := b64Decode(strings.TrimPrefix(digest, "{SSHA}"))
	if err != nil || len(raw) <= sha1.Size {
		return false
	}
	sum := sha1.Sum(append([]byte(pw), raw[sha1.Size:]...))
	return subtle.ConstantTimeCompare(sum[:], raw[:sha1.Size]) == 1
}

// argon2Matches checks a PHC string "$argon2id$v=19$m=..,t=..,p=..$salt$hash".
func argon2Matches(hasher, digest, pw string) (bool, bool) {
	parts := strings.Split(digest, "$")
	if len(parts) != 6 || parts[1] != hasher {
		return false, true
	}
	if parts[2] != "v=19" {
		return false, false // only version 0x13 is implemented
	}
	var m, t uint32
	var p uint8
	for kv := range strings.SplitSeq(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return false, true
		}
		switch k {
		case "m":
			m = uint32(n)
		case "t":
			t = uint32(n)
		case "p":
			if n > 255 {
				return false, true
			}
			p = uint8(n)
		}
	}
	if m == 0 || t == 0 || p == 0 {
		return false, true
	}
	if uint64(m)*1024 > maxKDFMemory || t > 64 {
		return false, false
	}
	salt, err1 := b64Decode(parts[4])
	want, err2 := b64Decode(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, true
	}
	var got []byte
	if hasher == "argon2i" {
		got = argon2.Key([]byte(pw), salt, t, m, p, uint32(len(want)))
	} else {
		got = argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	}
	return subtle.ConstantTimeCompare(got, want) == 1, true
}

// firebaseScryptMatches checks Firebase's scrypt variant, digest
// "<hash>$<salt>$<signer key>$<salt separator>$<rounds>$<memory cost>" (the
// first four base64): the key is scrypt(password, salt + separator,
// N=2^memory cost, r=rounds, p=1, 32 bytes), and the hash is the signer key
// encrypted with it in AES-256-CTR with a zero IV.
func firebaseScryptMatches(digest, pw string) (bool, bool) {
	parts := strings.Split(digest, "$")
	if len(parts) != 6 {
		return false, true
	}
	var raw [4][]byte
	for i := range raw {
		b, err := b64Decode(parts[i])
		if err != nil {
			return false, true
		}
		raw[i] = b
	}
	rounds, err1 := strconv.Atoi(parts[4])
	memCost, err2 := strconv.Atoi(parts[5])
	if err1 != nil || err2 != nil || rounds < 1 || memCost < 1 || memCost > 30 || len(raw[0]) == 0 {
		return false, true
	}
	if 128*rounds<<memCost > maxKDFMemory {
		return false, false
	}
	key, err := scrypt.Key([]byte(pw), append(raw[1], raw[3]...), 1<<memCost, rounds, 1, 32)
	if err != nil {
		return false, true
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return false, true
	}
	got := make([]byte, len(raw[2]))
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(got, raw[2])
	if len(got) < len(raw[0]) {
		return false, true
	}
	return subtle.ConstantTimeCompare(got[:len(raw[0])], raw[0]) == 1, true
}

// werkzeugScryptMatches checks "scrypt:N:r:p$salt$hexhash" (werkzeug's
// generate_password_hash; the salt is used as text).
func werkzeugScryptMatches(digest, pw string) (bool, bool) {
	method, rest, _ := strings.Cut(digest, "$")
	salt, hexKey, ok := strings.Cut(rest, "$")
	fields := strings.Split(method, ":")
	if !ok || len(fields) != 4 || fields[0] != "scrypt" {
		return false, true
	}
	var nrp [3]int
	for i := range nrp {
		v, err := strconv.Atoi(fields[i+1])
		if err != nil || v < 1 {
			return false, true
		}
		nrp[i] = v
	}
	if 128*nrp[0]*nrp[1] > maxKDFMemory || nrp[2] > 16 {
		return false, false
	}
	want, err := hex.DecodeString(hexKey)
	if err != nil || len(want) == 0 {
		return false, true
	}
	got, err := scrypt.Key([]byte(pw), []byte(salt), nrp[0], nrp[1], nrp[2], len(want))
	return err == nil && subtle.ConstantTimeCompare(got, want) == 1, true
}
