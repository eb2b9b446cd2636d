package emulator

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Digests made outside the emulator: published test vectors (OpenBSD
// bcrypt, phpass's test.php, the argon2 reference README, Firebase's scrypt
// README) and digests computed with Python's hashlib (pbkdf2_hmac, scrypt,
// sha1, md5) in the formats Clerk documents.
var importedDigests = []struct {
	hasher, digest, password string
}{
	{"bcrypt", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "U*U"},
	{"md5", "88e4ddd2402d92d50e1879d6ecd9ffd4", "correct horse battery"},
	{"md5", "5f4dcc3b5aa765d61d8327deb882cf99", "password"}, // the spec's example
	{"sha256", "9028ea0d15decaa35b2da21c0290af3b1a5ba0a30a591906f89b5074e209ea72", "correct horse battery"},
	{"pbkdf2_sha256", "pbkdf2_sha256$1000$TmFDbC1zYWx0LTE2Ynl0ZQ==$iOlSa1swCHjKrp+i01VVUY9cEzwiP84oT87nWqrzv+s=", "correct horse battery"},
	{"pbkdf2_sha256_django", "pbkdf2_sha256$1200$djangosalt$tHTYk80cc7vbwFiYdH+0nqRfnFJ5di0U63Xg/VWB6R4=", "correct horse battery"},
	{"pbkdf2_sha1", "pbkdf2_sha1$1000$sha1salt$36786cab65638d45d1294f8598fc275a5cadce1e", "correct horse battery"},
	{"pbkdf2_sha512", "pbkdf2_sha512$1000$TmFDbC1zYWx0LTE2Ynl0ZQ==$3FW7Pgz1SO4eiKbglDoWDvImv5kPoDMvp7n0jusLY5r4uqTYWg83LD4/1Do23eiHcp4xo8SUWSufFRWS8mUGwQ==", "correct horse battery"},
	{"pbkdf2_sha512_hex", "pbkdf2_sha512$1000$4e61436c2d73616c742d313662797465$dc55bb3e0cf548ee1e88a6e0943a160ef226bf990fa0332fa7b9f48eeb0b639af8baa4d85a0f372c3e3fd43a36dde887729e31a3c494592b9f151592f26506c1", "correct horse battery"},
	{"ldap_ssha", "{SSHA}+FTW3DubAVD/a2aRJcezPGPXyqVzc2hh", "correct horse battery"},
	{"scrypt_werkzeug", "scrypt:16384:8:1$werkzeugsalt$b2d3efee57c6c39c7b947d213089e2df0540070f84da7a37db2127feffcc7e1a0322505932b5f16cdd9661e19d491e7166d0687f6d8d74634aa20bee7ad02ac3", "correct horse battery"},
	{"scrypt_firebase", "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==$42xEC+ixf3L2lw==$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==$Bw==$8$14", "user1password"},
	{"phpass", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345"},
	{"md5_phpass", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345"},
	{"argon2i", "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", "password"},
}

// testDigests adds digests built in the test from their definitions: Django's
// bcrypt_sha256 (bcrypt over the hex SHA-256 of the password) and argon2id.
func testDigests(t *testing.T) []struct{ hasher, digest, password string } {
	const pw = "correct horse battery"
	sum := sha256.Sum256([]byte(pw))
	b, err := bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(sum[:])), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	salt := []byte("argon2id-salt")
	key := argon2.IDKey([]byte(pw), salt, 1, 64, 1, 32)
	enc := base64.RawStdEncoding.EncodeToString
	return append(importedDigests[:len(importedDigests):len(importedDigests)],
		struct{ hasher, digest, password string }{"bcrypt_sha256_django", "bcrypt_sha256$" + string(b), pw},
		struct{ hasher, digest, password string }{"argon2id", "$argon2id$v=19$m=64,t=1,p=1$" + enc(salt) + "$" + enc(key), pw})
}

// users.verifyPassword checks a password against a digest imported with
// each hasher the emulator can check: the right password verifies, a wrong
// one (or the right one with a changed letter) fails with incorrect_password.
// Before, every imported digest answered 501.
func TestVerifyImportedDigests(t *testing.T) {
	h := newHarness(t)
	for i, c := range testDigests(t) {
		t.Run(c.hasher, func(t *testing.T) {
			u := h.obj("users.create", map[string]any{"external_id": "dg" + string(rune('a'+i)),
				"password_hasher": c.hasher, "password_digest": c.digest})
			id := str(u["id"])
			if u["password_enabled"] != true {
				t.Fatalf("password_enabled: %v", u["password_enabled"])
			}
			if v := h.obj("users.verifyPassword", map[string]any{"user_id": id, "password": c.password}); v["verified"] != true {
				t.Fatalf("right password: %v", v)
			}
			for _, wrong := range []string{c.password + "x", strings.ToUpper(c.password), ""} {
				if wrong == c.password {
					continue
				}
				h.fail("users.verifyPassword", map[string]any{"user_id": id, "password": wrong}, http.StatusUnprocessableEntity, "incorrect_password")
			}
		})
	}
}

// The digest itself is what the emulator keeps (so it checks passwords
// after a save and load), not a fingerprint of it.
func TestImportedDigestSurvivesSaveLoad(t *testing.T) {
	e, _ := newTestEmulator(t)
	h := newHarnessFor(t, e)
	c := importedDigests[0]
	id := str(h.obj("users.create", map[string]any{"external_id": "x", "password_hasher": c.hasher, "password_digest": c.digest})["id"])
	f := reloaded(t, e)
	hf := newHarnessFor(t, f)
	hf.obj("users.verifyPassword", map[string]any{"user_id": id, "password": c.password})
	hf.fail("users.verifyPassword", map[string]any{"user_id": id, "password": "U*V"}, http.StatusUnprocessableEntity, "incorrect_password")
}

// Digests the emulator cannot check answer what Clerk answers for a password
// it does not accept (422 incorrect_password), and the long_message says
// why; so does a fingerprint left by an older state file.
func TestVerifyUncheckableDigests(t *testing.T) {
	h := newHarness(t)
	cases := []struct{ hasher, digest, why string }{
		{"awscognito", "awscognito#us-east-1_abc#client1#alice@example.com", "Cognito"},
		{"bcrypt_peppered", "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "pepper"},
		{"md5_salted", "88e4ddd2402d92d50e1879d6ecd9ffd4$salt", "md5_salted"},
		{"bcrypt", "$2a$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW", "cost"},
		{"argon2id", "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG", "cost"},
	}
	for i, c := range cases {
		id := str(h.obj("users.create", map[string]any{"external_id": "unc" + string(rune('a'+i)),
			"password_hasher": c.hasher, "password_digest": c.digest})["id"])
		ae := h.fail("users.verifyPassword", map[string]any{"user_id": id, "password": "U*U"}, http.StatusUnprocessableEntity, "incorrect_password")
		if !strings.Contains(ae.Errors[0].LongMessage, c.why) {
			t.Errorf("%s: long_message %q does not say %q", c.hasher, ae.Errors[0].LongMessage, c.why)
		}
	}
	// A fingerprint from an older state file.
	id := str(h.obj("users.create", map[string]any{"external_id": "legacy", "password_hasher": "md5",
		"password_digest": "5f4dcc3b5aa765d61d8327deb882cf99"})["id"])
	e := h.in.Emulator
	e.mu.Lock()
	u := e.st.Users.get(id)
	u.PasswordDigest = fingerprint("5f4dcc3b5aa765d61d8327deb882cf99")
	e.mu.Unlock()
	ae := h.fail("users.verifyPassword", map[string]any{"user_id": id, "password": "password"}, http.StatusUnprocessableEntity, "incorrect_password")
	if !strings.Contains(ae.Errors[0].LongMessage, "fingerprint") {
		t.Errorf("legacy digest: %q", ae.Errors[0].LongMessage)
	}
}

// Malformed digests (which users.create refuses, but a hand-edited state file
// may hold) never match and never panic.
func TestDigestMatchesMalformed(t *testing.T) {
	bad := []string{"", "$", "$$$$$", "x$y$z", "pbkdf2_sha256$0$AA$AA", "pbkdf2_sha256$1$!!$AA", "$P$", "$P$!" + strings.Repeat("a", 30),
		"{SSHA}", "{SSHA}AAAA", "$argon2id$v=19$m=0,t=0,p=0$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2i$v=16$m=64,t=1,p=1$AA$AA",
		"AA$AA$AA$AA$0$0", "AA$AA$AA$AA$8$99", "scrypt:3:8:1$s$00", "scrypt:x$s$00", "bcrypt_sha256$x"}
	for hasher := range passwordHashers {
		for _, d := range bad {
			if ok, _ := digestMatches(hasher, d, ""); ok {
				t.Errorf("%s %q matched the empty password", hasher, d)
			}
			if ok, _ := digestMatches(hasher, d, "x"); ok {
				t.Errorf("%s %q matched", hasher, d)
			}
		}
	}
}

// FuzzDigestMatches feeds digestMatches arbitrary digests of every hasher:
// it must never panic. Inputs with large cost fields are skipped (they are
// slow by design, and capped by the max* limits).
func FuzzDigestMatches(f *testing.F) {
	for _, c := range importedDigests {
		f.Add(c.hasher, c.digest, c.password)
	}
	costly := regexp.MustCompile(`\d{5,}|\d{4}`)
	f.Fuzz(func(t *testing.T, hasher, digest, pw string) {
		if costly.MatchString(strings.ReplaceAll(digest, "65536", "")) {
			return
		}
		if c, err := bcrypt.Cost([]byte(strings.TrimPrefix(digest, "bcrypt_sha256$"))); err == nil && c > 6 {
			return
		}
		if len(digest) == 34 && strings.IndexByte(phpassItoa64, digest[3]) > 12 {
			return
		}
		digestMatches(hasher, digest, pw)
	})
}
