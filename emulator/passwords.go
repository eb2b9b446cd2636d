package emulator

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

func init() {
	register(map[string]handlerFunc{
		"users.verifyPassword": (*Emulator).verifyPassword,
	})
}

// pbkdf2Iterations is low for a password store on purpose: the emulator holds
// test passwords, and hashing runs under the instance lock on every create.
const pbkdf2Iterations = 4096

// hashPassword returns "pbkdf2_sha256$<iterations>$<salt>$<base64 key>".
func hashPassword(pw, salt string) string {
	key, err := pbkdf2.Key(sha256.New, pw, []byte(salt), pbkdf2Iterations, sha256.Size)
	if err != nil {
		// Only FIPS-only mode rejects these parameters (16-byte salt and
		// a 32-byte key satisfy it); no password could be verified then.
		panic("emulator: pbkdf2: " + err.Error())
	}
	return fmt.Sprintf("pbkdf2_sha256$%d$%s$%s", pbkdf2Iterations, salt, base64.RawStdEncoding.EncodeToString(key))
}

// passwordMatches checks pw against a stored plaintext-password hash: the
// PBKDF2 form, or the unsalted fingerprint that older state files hold.
func passwordMatches(stored, pw string) bool {
	if rest, ok := strings.CutPrefix(stored, "pbkdf2_sha256$"); ok {
		parts := strings.Split(rest, "$")
		if len(parts) != 3 {
			return false
		}
		iter, err := strconv.Atoi(parts[0])
		if err != nil || iter < 1 || iter > 10_000_000 {
			return false
		}
		want, err := base64.RawStdEncoding.DecodeString(parts[2])
		if err != nil || len(want) == 0 {
			return false
		}
		got, err := pbkdf2.Key(sha256.New, pw, []byte(parts[1]), iter, len(want))
		return err == nil && subtle.ConstantTimeCompare(got, want) == 1
	}
	return subtle.ConstantTimeCompare([]byte(fingerprint(pw)), []byte(stored)) == 1
}

// verifyPassword answers as the spec describes: 200 {verified: true}, 400
// when the user has no password, 422 incorrect_password otherwise. A
// password imported as a digest is checked against it with its hasher
// (hashers.go). A digest the emulator cannot check (uncheckableHashers, a
// cost beyond its limits, or a fingerprint from an older state file) fails as
// incorrect_password, with a long_message that says why, since the emulator
// cannot tell a right password from a wrong one.
func (e *Emulator) verifyPassword(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("password")))
	pw := f.str("password")
	if f.err == nil && pw == nil {
		f.fail(errMissing("password"))
	}
	if f.err != nil {
		return nil, f.err
	}
	const incorrect = "Password is incorrect. Try again, or use another method."
	var match bool
	switch {
	case u.PasswordHasher == "":
		return nil, errBadRequest("bad_request", fmt.Sprintf("User %s does not have a password set.", u.ID))
	case u.PasswordHasher == "plaintext":
		match = passwordMatches(u.PasswordDigest, *pw)
	case strings.HasPrefix(u.PasswordDigest, "sha256:") && len(u.PasswordDigest) == 71:
		return nil, formErr("incorrect_password", "password", incorrect, incorrect+
			" (This user's "+u.PasswordHasher+" digest was loaded from a state file that kept only its fingerprint, so the emulator cannot check it; set password_digest again with users.update.)")
	default:
		var checkable bool
		match, checkable = digestMatches(u.PasswordHasher, u.PasswordDigest, *pw)
		if !checkable {
			why := uncheckableHashers[u.PasswordHasher]
			if why == "" {
				why = "the digest's cost parameters exceed what the emulator computes"
			}
			return nil, formErr("incorrect_password", "password", incorrect,
				incorrect+" (clerkscript emulator cannot check this password: "+why+".)")
		}
	}
	if !match {
		return nil, formErr("incorrect_password", "password", incorrect, incorrect)
	}
	return map[string]any{"verified": true}, nil
}
