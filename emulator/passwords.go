package emulator

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
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
// password imported as a digest is only fingerprinted (the emulator has none
// of the hashers), so it cannot be checked: that answers 501, never a guess.
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
	switch u.PasswordHasher {
	case "":
		return nil, errBadRequest("bad_request", fmt.Sprintf("User %s does not have a password set.", u.ID))
	case "plaintext":
	default:
		return nil, newErr(http.StatusNotImplemented, "not_implemented", "not implemented",
			fmt.Sprintf("clerkscript emulator cannot verify a password imported as a %s digest; set one with password to test users.verifyPassword.", u.PasswordHasher), nil)
	}
	if !passwordMatches(u.PasswordDigest, *pw) {
		return nil, formErr("incorrect_password", "password", "Password is incorrect. Try again, or use another method.",
			"Password is incorrect. Try again, or use another method.")
	}
	return map[string]any{"verified": true}, nil
}
