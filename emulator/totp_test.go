package emulator

import (
	"net/http"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func (c *fakeClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

// The RFC 6238 appendix B test vectors for HMAC-SHA1 (secret
// "12345678901234567890", 8 digits there; Clerk's 6-digit codes are their
// last six digits).
var rfc6238 = []struct {
	unix int64
	code string
}{
	{59, "287082"},
	{1111111109, "081804"},
	{1111111111, "050471"},
	{1234567890, "005924"},
	{2000000000, "279037"},
	{20000000000, "353130"},
}

const rfc6238Secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of "12345678901234567890"

// users.verifyTotp computes TOTP codes from the secret imported with
// totp_secret, at the emulator's clock, accepting one step of drift each
// way. Before, any 6-digit code answered 501.
func TestVerifyTOTPCodes(t *testing.T) {
	h := newHarness(t)
	id := str(h.obj("users.create", map[string]any{"external_id": "totp", "totp_secret": rfc6238Secret})["id"])
	for _, v := range rfc6238 {
		at := time.Unix(v.unix, 0)
		h.clock.set(at)
		if r := h.obj("users.verifyTotp", map[string]any{"user_id": id, "code": v.code}); r["verified"] != true || r["code_type"] != "totp" {
			t.Errorf("at %d, code %s: %v", v.unix, v.code, r)
		}
		// The neighbouring steps still accept it; two steps away does not.
		h.clock.set(at.Add(30 * time.Second))
		h.obj("users.verifyTotp", map[string]any{"user_id": id, "code": v.code})
		h.clock.set(at.Add(-30 * time.Second))
		h.obj("users.verifyTotp", map[string]any{"user_id": id, "code": v.code})
		if v.unix > 120 { // (before 1970 is no step at all)
			h.clock.set(at.Add(-61 * time.Second))
			h.fail("users.verifyTotp", map[string]any{"user_id": id, "code": v.code}, http.StatusUnprocessableEntity, "totp_incorrect_code")
		}
		h.clock.set(at.Add(90 * time.Second))
		h.fail("users.verifyTotp", map[string]any{"user_id": id, "code": v.code}, http.StatusUnprocessableEntity, "totp_incorrect_code")
	}
	h.clock.set(time.Unix(59, 0))
	for _, wrong := range []string{"287083", "28708", "2870822", "abcdef"} {
		h.fail("users.verifyTotp", map[string]any{"user_id": id, "code": wrong}, http.StatusUnprocessableEntity, "totp_incorrect_code")
	}
	h.fail("users.verifyTotp", map[string]any{"user_id": "user_missing", "code": "287082"}, http.StatusNotFound, "resource_not_found")
	h.fail("users.verifyTotp", map[string]any{"user_id": id}, http.StatusUnprocessableEntity, "form_param_missing")

	// Lower case and spaces in the imported secret are accepted, as
	// authenticator apps show them.
	id2 := str(h.obj("users.create", map[string]any{"external_id": "totp2", "totp_secret": "gezd gnbv gy3t qojq gezd gnbv gy3t qojq"})["id"])
	h.obj("users.verifyTotp", map[string]any{"user_id": id2, "code": "287082"})

	// users.update sets it too; users.deleteTOTP removes it.
	plain := str(h.obj("users.create", map[string]any{"external_id": "totp3"})["id"])
	h.fail("users.verifyTotp", map[string]any{"user_id": plain, "code": "287082"}, http.StatusBadRequest, "totp_not_enabled")
	h.obj("users.update", map[string]any{"user_id": plain, "totp_secret": rfc6238Secret})
	h.obj("users.verifyTotp", map[string]any{"user_id": plain, "code": "287082"})
	h.ok("users.deleteTOTP", map[string]any{"user_id": plain})
	h.fail("users.verifyTotp", map[string]any{"user_id": plain, "code": "287082"}, http.StatusBadRequest, "totp_not_enabled")
}

// Backup codes, plain or imported as bcrypt digests, verify once each.
func TestVerifyTOTPBackupCodes(t *testing.T) {
	h := newHarness(t)
	dg, err := bcrypt.GenerateFromPassword([]byte("hashed-code"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	id := str(h.obj("users.create", map[string]any{"external_id": "bk", "totp_secret": rfc6238Secret,
		"backup_codes": []string{"plain-code", string(dg)}})["id"])
	for _, code := range []string{"plain-code", "hashed-code"} {
		if r := h.obj("users.verifyTotp", map[string]any{"user_id": id, "code": code}); r["verified"] != true || r["code_type"] != "backup_code" {
			t.Errorf("%s: %v", code, r)
		}
		h.fail("users.verifyTotp", map[string]any{"user_id": id, "code": code}, http.StatusUnprocessableEntity, "totp_incorrect_code")
	}
	h.fail("users.verifyTotp", map[string]any{"user_id": id, "code": string(dg)}, http.StatusUnprocessableEntity, "totp_incorrect_code")
}

// The TOTP secret survives a save and load.
func TestTOTPSurvivesSaveLoad(t *testing.T) {
	e, clk := newTestEmulator(t)
	h := newHarnessFor(t, e)
	id := str(h.obj("users.create", map[string]any{"external_id": "t", "totp_secret": rfc6238Secret})["id"])
	f := reloaded(t, e, WithClock(clk.Now))
	clk.set(time.Unix(1234567890, 0))
	newHarnessFor(t, f).obj("users.verifyTotp", map[string]any{"user_id": id, "code": "005924"})
}
