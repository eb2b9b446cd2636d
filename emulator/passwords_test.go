package emulator

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

func testVerifyPassword(t *testing.T, h *harness) {
	const pw = "correct horse battery"
	u := h.obj("users.create", map[string]any{"external_id": "pw-1", "password": pw})
	id := str(u["id"])
	if v := h.obj("users.verifyPassword", map[string]any{"user_id": id, "password": pw}); v["verified"] != true {
		t.Fatalf("verifyPassword with the right password: %v", v)
	}
	h.fail("users.verifyPassword", map[string]any{"user_id": id, "password": pw + "!"}, http.StatusUnprocessableEntity, "incorrect_password")
	h.fail("users.verifyPassword", map[string]any{"user_id": id, "password": strings.ToUpper(pw)}, http.StatusUnprocessableEntity, "incorrect_password")
	h.fail("users.verifyPassword", map[string]any{"user_id": id}, http.StatusUnprocessableEntity, "form_param_missing")
	h.fail("users.verifyPassword", map[string]any{"user_id": id, "password": 12345678}, http.StatusUnprocessableEntity, "form_param_type_invalid")
	h.fail("users.verifyPassword", map[string]any{"user_id": "user_missing", "password": pw}, http.StatusNotFound, "resource_not_found")

	// A new password replaces the old one.
	h.ok("users.update", map[string]any{"user_id": id, "password": "another good passphrase"})
	h.fail("users.verifyPassword", map[string]any{"user_id": id, "password": pw}, http.StatusUnprocessableEntity, "incorrect_password")
	h.obj("users.verifyPassword", map[string]any{"user_id": id, "password": "another good passphrase"})

	// No password: 400, as the spec says.
	np := str(h.obj("users.create", map[string]any{"external_id": "pw-none"})["id"])
	h.fail("users.verifyPassword", map[string]any{"user_id": np, "password": pw}, http.StatusBadRequest, "bad_request")

	// An imported digest is checked with its hasher (TestVerifyImportedDigests).
	dg := str(h.obj("users.create", map[string]any{"external_id": "pw-digest", "password_hasher": "sha256",
		"password_digest": strings.Repeat("ab", 32)})["id"])
	h.fail("users.verifyPassword", map[string]any{"user_id": dg, "password": pw}, http.StatusUnprocessableEntity, "incorrect_password")
}

// Passwords survive a save and load, and the file holds neither the password
// nor an unsalted hash of it; two users with the same password get different
// hashes.
func TestVerifyPasswordAcrossSaveLoad(t *testing.T) {
	e, _ := newTestEmulator(t)
	h := newHarnessFor(t, e)
	const pw = "a perfectly fine password"
	a := str(h.obj("users.create", map[string]any{"external_id": "a", "password": pw})["id"])
	b := str(h.obj("users.create", map[string]any{"external_id": "b", "password": pw})["id"])
	var buf bytes.Buffer
	if err := e.Save(&buf); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(buf.Bytes(), []byte(pw)) || bytes.Contains(buf.Bytes(), []byte(fingerprint(pw))) {
		t.Fatal("state file holds the password or its unsalted fingerprint")
	}
	e.mu.Lock()
	da, db := e.st.Users.get(a).PasswordDigest, e.st.Users.get(b).PasswordDigest
	e.mu.Unlock()
	if da == db || !strings.HasPrefix(da, "pbkdf2_sha256$") {
		t.Fatalf("same password, digests %q and %q", da, db)
	}
	f, _ := newTestEmulator(t)
	if err := f.Load(&buf); err != nil {
		t.Fatal(err)
	}
	hf := newHarnessFor(t, f)
	hf.obj("users.verifyPassword", map[string]any{"user_id": a, "password": pw})
	hf.fail("users.verifyPassword", map[string]any{"user_id": b, "password": "not it at all"}, http.StatusUnprocessableEntity, "incorrect_password")
}

// State files written before passwords were salted hold fingerprints; those
// still verify.
func TestPasswordMatchesLegacyFingerprint(t *testing.T) {
	if !passwordMatches(fingerprint("hunter22hunter"), "hunter22hunter") || passwordMatches(fingerprint("hunter22hunter"), "hunter22") {
		t.Fatal("legacy fingerprint comparison is wrong")
	}
	for _, bad := range []string{"pbkdf2_sha256$", "pbkdf2_sha256$x$s$AAAA", "pbkdf2_sha256$0$s$AAAA",
		"pbkdf2_sha256$99999999999$s$AAAA", "pbkdf2_sha256$10$s$!!", "pbkdf2_sha256$10$s$", ""} {
		if passwordMatches(bad, "") || passwordMatches(bad, "x") {
			t.Errorf("malformed stored hash %q matched", bad)
		}
	}
}

func testDomains(t *testing.T, h *harness) {
	d := h.list("domains.list", nil)
	if len(d) != 1 {
		t.Fatalf("domains: %v", d)
	}
	fapi := h.in.Emulator.FrontendAPI()
	if field(d[0], "name") != fapi || field(d[0], "frontend_api_url") != "https://"+fapi || field(d[0], "is_satellite") != false {
		t.Errorf("domain: %v (frontend API %s)", d[0], fapi)
	}
	if again := h.list("domains.list", nil); field(again[0], "id") != field(d[0], "id") || !strings.HasPrefix(str(field(d[0], "id")), "dmn_") {
		t.Errorf("domain id not stable: %v then %v", field(d[0], "id"), field(again[0], "id"))
	}
}
