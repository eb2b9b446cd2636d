package emulator

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func testTyped(t *testing.T, h *harness) {
	u := h.obj("users.create", map[string]any{"email_address": []string{"typed@example.com"}, "phone_number": []string{"+15555550777"},
		"password_digest": scaleDigest, "password_hasher": "bcrypt", "backup_codes": []string{"bk-one", "bk-two"},
		"public_metadata": map[string]any{"a": 1, "b": 2}})
	uid := str(u["id"])

	// Metadata replace (not merge).
	r := h.obj("users.replaceMetadata", map[string]any{"user_id": uid, "public_metadata": map[string]any{"c": 3}})
	if pm := r["public_metadata"].(map[string]any); len(pm) != 1 || pm["c"] == nil {
		t.Errorf("replaceMetadata: %v", pm)
	}
	o := h.obj("organizations.create", map[string]any{"name": "Typed", "created_by": uid, "public_metadata": map[string]any{"x": 1}})
	ro := h.obj("organizations.replaceMetadata", map[string]any{"organization_id": str(o["id"]), "public_metadata": map[string]any{}})
	if len(ro["public_metadata"].(map[string]any)) != 0 {
		t.Errorf("organizations.replaceMetadata: %v", ro["public_metadata"])
	}

	// Bulk ban and unban: all or nothing.
	h.fail("users.bulkBan", map[string]any{"user_ids": []string{uid, "user_missing"}}, 404, "resource_not_found")
	if got := h.obj("users.get", map[string]any{"user_id": uid}); got["banned"] != false {
		t.Error("a failed bulk ban banned someone")
	}
	banned := h.list("users.bulkBan", map[string]any{"user_ids": []string{uid}})
	if len(banned) != 1 || field(banned[0], "banned") != true {
		t.Errorf("bulkBan: %v", banned)
	}
	if un := h.list("users.bulkUnban", map[string]any{"user_ids": []string{uid}}); field(un[0], "banned") != false {
		t.Errorf("bulkUnban: %v", un)
	}

	// Passwords.
	if c := h.obj("users.setPasswordCompromised", map[string]any{"user_id": uid}); c["password_enabled"] != true {
		t.Errorf("setPasswordCompromised: %v", c)
	}
	h.obj("users.unsetPasswordCompromised", map[string]any{"user_id": uid})
	if rp := h.obj("users.removePassword", map[string]any{"user_id": uid}); rp["password_enabled"] != false {
		t.Errorf("removePassword: %v", rp["password_enabled"])
	}
	h.fail("users.removePassword", map[string]any{"user_id": uid}, 400, "password_not_set")
	h.fail("users.setPasswordCompromised", map[string]any{"user_id": uid}, 400, "password_not_set")

	// Backup codes verify once each.
	v := h.obj("users.verifyTotp", map[string]any{"user_id": uid, "code": "bk-one"})
	if v["verified"] != true || v["code_type"] != "backup_code" {
		t.Errorf("verifyTotp: %v", v)
	}
	// A used backup code is consumed: the second try is incorrect.
	h.fail("users.verifyTotp", map[string]any{"user_id": uid, "code": "bk-one"}, 422, "totp_incorrect_code")

	// Identifications replaced by one new primary.
	em := h.obj("users.replaceEmailAddress", map[string]any{"user_id": uid, "email_address": "new@example.com"})
	got := h.obj("users.get", map[string]any{"user_id": uid})
	if got["primary_email_address_id"] != em["id"] || len(got["email_addresses"].([]any)) != 1 {
		t.Errorf("replaceEmailAddress: %v", got["email_addresses"])
	}
	if n := h.list("users.list", map[string]any{"email_address": []string{"typed@example.com"}}); len(n) != 0 {
		t.Error("the replaced address still finds the user")
	}
	ph := h.obj("users.replacePhoneNumber", map[string]any{"user_id": uid, "phone_number": "+15555550778", "identification_status": "unverified"})
	if field(ph, "verification", "status") != "unverified" {
		t.Errorf("replacePhoneNumber: %v", ph)
	}

	// Verification of an unverified phone number: prepare sends the code
	// (sms.created), attempt checks it.
	prep := h.obj("phoneNumbers.prepareVerification", map[string]any{"phone_number_id": str(ph["id"])})
	sms := h.in.WaitEvent(t, "sms.created", nil)
	if !strings.Contains(string(sms.Body), verificationCode) {
		t.Errorf("sms.created: %s", sms.Body)
	}
	h.fail("phoneNumbers.attemptVerification", map[string]any{"phone_number_id": str(ph["id"]), "verification_id": str(prep["id"]), "code": "000000"},
		422, "form_code_incorrect")
	att := h.obj("phoneNumbers.attemptVerification", map[string]any{"phone_number_id": str(ph["id"]), "verification_id": str(prep["id"]), "code": verificationCode})
	if att["status"] != "verified" {
		t.Errorf("attemptVerification: %v", att)
	}
	h.fail("phoneNumbers.prepareVerification", map[string]any{"phone_number_id": str(ph["id"])}, 400, "verification_already_verified")
	e2 := h.obj("emailAddresses.create", map[string]any{"user_id": uid, "email_address": "second@example.com"})
	ep := h.obj("emailAddresses.prepareVerification", map[string]any{"email_address_id": str(e2["id"])})
	h.obj("emailAddresses.attemptVerification", map[string]any{"email_address_id": str(e2["id"]), "verification_id": str(ep["id"]), "code": verificationCode})
	h.in.WaitEvent(t, "email.created", func(ev Event) bool { return strings.Contains(string(ev.Body), "second@example.com") })

	if toks := h.list("users.getOAuthAccessToken", map[string]any{"user_id": uid, "provider": "oauth_google"}); len(toks) != 0 {
		t.Errorf("oauth tokens: %v", toks)
	}

	d := h.obj("organizationDomains.create", map[string]any{"organization_id": str(o["id"]), "name": "typed.example.com"})
	if vd := h.obj("organizationDomains.verifyOwnership", map[string]any{"organization_id": str(o["id"]), "domain_id": str(d["id"])}); field(vd, "verification", "status") != "verified" {
		t.Errorf("verifyOwnership: %v", vd)
	}

	// Sessions and clients.
	s := h.obj("sessions.create", map[string]any{"user_id": uid})
	tok := h.obj("sessions.createToken", map[string]any{"session_id": str(s["id"])})
	rf := h.obj("sessions.refresh", map[string]any{"session_id": str(s["id"]), "expired_token": str(tok["jwt"]),
		"refresh_token": "r", "request_origin": "https://example.com"})
	if str(rf["jwt"]) == "" {
		t.Errorf("refresh: %v", rf)
	}
	// A token of another instance key is refused.
	forged, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sid": str(s["id"]), "exp": time.Now().Unix()}).SignedString([]byte("k"))
	h.fail("sessions.refresh", map[string]any{"session_id": str(s["id"]), "expired_token": forged, "refresh_token": "r", "request_origin": "https://example.com"},
		422, "form_param_value_invalid")
	c := h.obj("clients.get", map[string]any{"client_id": str(s["client_id"])})
	if ids := c["session_ids"].([]any); len(ids) != 1 || ids[0] != s["id"] {
		t.Errorf("clients.get: %v", c)
	}
	h.fail("clients.get", map[string]any{"client_id": "client_missing"}, 404, "resource_not_found")
	// Always failing by design: deprecated operations and client tokens,
	// which only the Frontend API issues.
	h.fail("clients.list", nil, http.StatusGone, "operation_deprecated")
	h.fail("sessions.verify", map[string]any{"session_id": str(s["id"]), "token": "x"}, http.StatusGone, "operation_deprecated")
	h.fail("clients.verify", map[string]any{"token": "x"}, 404, "resource_not_found")
	for _, name := range []string{"clients.list", "sessions.verify", "clients.verify"} {
		h.called[name] = true
	}
}

// A non-default order is built on first use and kept current afterwards.
func TestLazyOrderStaysCurrent(t *testing.T) {
	h := newHarness(t)
	var ids []string
	for _, n := range []string{"Carol", "alice", "Bob"} {
		ids = append(ids, str(h.obj("users.create", map[string]any{"external_id": "lazy-" + n, "first_name": n})["id"]))
	}
	names := func() string {
		var out []string
		for _, u := range h.list("users.list", map[string]any{"order_by": "first_name"}) {
			out = append(out, str(field(u, "first_name")))
		}
		return strings.Join(out, ",")
	}
	if got := names(); got != "alice,Bob,Carol" {
		t.Fatalf("first use: %s", got)
	}
	h.obj("users.update", map[string]any{"user_id": ids[0], "first_name": "Aaron"})
	h.obj("users.create", map[string]any{"external_id": "lazy-zed", "first_name": "Zed"})
	h.obj("users.delete", map[string]any{"user_id": ids[2]})
	if got := names(); got != "Aaron,alice,Zed" {
		t.Fatalf("after changes: %s", got)
	}
}
