package emulator

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func init() {
	register(map[string]handlerFunc{
		"users.verifyTotp": (*Emulator).verifyTOTP,
	})
}

// TOTP as Clerk uses it (RFC 6238): HMAC-SHA1, 30-second steps, 6 digits.
// A code of the step before or after the current one is accepted too, for
// clock drift.
const (
	totpStep   = 30
	totpDigits = 6
	totpSkew   = 1
)

// totpCode is the RFC 6238 code of secret (raw bytes) for the step holding
// unix second t.
func totpCode(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%0*d", totpDigits, v%1_000_000)
}

// totpMatches checks code against the base32 secret at time now.
func totpMatches(secret, code string, now time.Time) bool {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(secret, "="))
	if err != nil || len(code) != totpDigits {
		return false
	}
	step := now.Unix() / totpStep
	ok := false
	for d := int64(-totpSkew); d <= totpSkew; d++ {
		ok = subtle.ConstantTimeCompare([]byte(totpCode(raw, step+d)), []byte(code)) == 1 || ok
	}
	return ok
}

// backupCodeRecord is how a backup code is kept: a bcrypt digest (Clerk
// accepts backup codes as plain codes or bcrypt digests) as given, a plain
// code as a fingerprint.
func backupCodeRecord(code string) string {
	if strings.HasPrefix(code, "$2") {
		if _, err := bcrypt.Cost([]byte(code)); err == nil {
			return code
		}
	}
	return fingerprint(code)
}

// backupCodeIndex is the index of the kept backup code that code matches,
// or -1.
func backupCodeIndex(kept []string, code string) int {
	fp := fingerprint(code)
	return slices.IndexFunc(kept, func(k string) bool {
		if strings.HasPrefix(k, "$2") {
			ok, _ := bcryptMatches(k, []byte(code))
			return ok
		}
		return subtle.ConstantTimeCompare([]byte(k), []byte(fp)) == 1
	})
}

// verifyTOTP checks a TOTP code (against the emulator's clock) or a backup
// code, which is consumed: 200 {verified, code_type}, 400 when the user has
// neither, 422 totp_incorrect_code otherwise. State files written before
// TOTP secrets were kept hold only their fingerprint ("sha256:..."); codes
// of those secrets cannot be computed and are refused with a message that
// says so.
func (e *Emulator) verifyTOTP(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("code")))
	code := f.reqStr("code")
	if f.err != nil {
		return nil, f.err
	}
	if u.TOTPSecret == "" && len(u.BackupCodes) == 0 {
		return nil, errBadRequest("totp_not_enabled", "This user has no TOTP secret or backup codes.")
	}
	legacy := strings.HasPrefix(u.TOTPSecret, "sha256:")
	if u.TOTPSecret != "" && !legacy && totpMatches(u.TOTPSecret, code, rq.now) {
		return map[string]any{"verified": true, "code_type": "totp"}, nil
	}
	if i := backupCodeIndex(u.BackupCodes, code); i >= 0 {
		e.st.Users.update(u, func() {
			u.BackupCodes = slices.Delete(slices.Clone(u.BackupCodes), i, i+1)
		})
		return map[string]any{"verified": true, "code_type": "backup_code"}, nil
	}
	long := "The TOTP or backup code is incorrect."
	if legacy {
		long += " (This user's TOTP secret was loaded from a state file that kept only its fingerprint, so the emulator cannot compute its codes; set totp_secret again with users.update.)"
	}
	return nil, formErr("totp_incorrect_code", "code", "Incorrect code", long)
}
