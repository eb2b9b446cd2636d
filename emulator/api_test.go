package emulator

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"sort"
	"testing"
	"time"
)

// TestAPI walks every emulated operation through core.Client, checking each
// success against the spec's response schema, then asserts that no
// registered handler was left out.
func TestAPI(t *testing.T) {
	h := newHarness(t)
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *harness)
	}{
		{"users", testUsers},
		{"identifications", testIdentifications},
		{"invitations", testInvitations},
		{"organizations", testOrganizations},
		{"lists", testAllowBlockRedirect},
		{"tokens", testTokens},
		{"waitlist", testWaitlist},
		{"instance", testInstance},
		{"sessions", testSessions},
		{"verifyPassword", testVerifyPassword},
		{"domains", testDomains},
		{"typed", testTyped},
		{"generic", testGeneric},
		{"templates", testTemplates},
		{"roleSets", testRoleSets},
		{"machinesAndApps", testMachinesAndApps},
		{"m2m", testM2M},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.t = t
			tc.fn(t, h)
		})
	}
	h.t = t
	var missing []string
	for name := range handlers {
		if !h.called[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("operations with a handler but no schema-checked call: %v", missing)
	}
}

func testUsers(t *testing.T, h *harness) {
	u := h.obj("users.create", map[string]any{
		"email_address":   []string{"ada@example.com", "ada2@example.com"},
		"phone_number":    []string{"+15555550100"},
		"username":        "ada_l",
		"external_id":     "ext-1",
		"first_name":      "Ada",
		"last_name":       "Lovelace",
		"password":        "correct horse battery",
		"public_metadata": map[string]any{"plan": "pro", "limits": map[string]any{"seats": 3}},
		"totp_secret":     "JBSWY3DPEHPK3PXPJBSWY3DP",
		"backup_codes":    []string{"a1b2c3", "d4e5f6"},
		"created_at":      "2020-01-02T03:04:05Z",
	})
	uid := str(u["id"])
	if len(uid) != len("user_")+27 || uid[:5] != "user_" {
		t.Errorf("user id %q does not look like Clerk's", uid)
	}
	if u["password_enabled"] != true || u["totp_enabled"] != true || u["two_factor_enabled"] != true {
		t.Errorf("password/totp flags not set: %v %v", u["password_enabled"], u["totp_enabled"])
	}
	if fmt.Sprint(u["created_at"]) != fmt.Sprint(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC).UnixMilli()) {
		t.Errorf("created_at = %v, want the imported time", u["created_at"])
	}
	emails := u["email_addresses"].([]any)
	if len(emails) != 2 || u["primary_email_address_id"] != field(emails[0], "id") {
		t.Errorf("primary email should be the first: %v", u["primary_email_address_id"])
	}
	if field(emails[0], "verification", "status") != "verified" {
		t.Errorf("imported emails are verified by default")
	}

	// Digest import with each kind of failure.
	h.ok("users.create", map[string]any{"email_address": []string{"bob@example.com"}, "external_id": "ext-2",
		"password_digest": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", "password_hasher": "bcrypt"})
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"},
		"password_digest": "not-a-bcrypt", "password_hasher": "bcrypt"}, 422, "form_password_digest_invalid_code")
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"},
		"password_digest": "x", "password_hasher": "rot13"}, 422, "form_param_value_invalid")
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"}, "password_digest": "x"}, 422, "form_conditional_param_missing")
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"}, "password": "short"}, 422, "form_password_length_too_short")
	h.ok("users.create", map[string]any{"email_address": []string{"weak@example.com"}, "password": "short", "skip_password_checks": true})
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"}, "password": "password123"}, 422, "form_password_pwned")
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"}, "totp_secret": "not base32!"}, 422, "invalid_totp_secret_code")
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"}, "created_at": "yesterday"}, 422, "form_param_invalid_time")
	h.fail("users.create", map[string]any{"email_address": []string{"ADA@example.com"}}, 422, "form_identifier_exists")
	h.fail("users.create", map[string]any{"email_address": []string{"d@example.com", "D@Example.com"}}, 422, "form_identifier_exists")
	h.fail("users.create", map[string]any{"phone_number": []string{"+15555550177", "+15555550177"}}, 422, "form_identifier_exists")
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"}, "username": "ada_l"}, 422, "form_identifier_exists")
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"}, "external_id": "ext-1"}, 422, "form_identifier_exists")
	h.fail("users.create", map[string]any{"email_address": []string{"not-an-email"}}, 422, "form_param_format_invalid")
	h.fail("users.create", map[string]any{"phone_number": []string{"555-0100"}}, 422, "form_param_format_invalid")
	h.fail("users.create", map[string]any{"email_address": []string{"c@example.com"}, "favourite_colour": "blue"}, 422, "form_param_unknown")
	h.fail("users.create", map[string]any{"email_address": "c@example.com", "first_name": 42}, 422, "form_param_type_invalid")
	// Nothing of the failed attempts was written.
	if n := h.obj("users.count", nil)["total_count"]; fmt.Sprint(n) != "3" {
		t.Fatalf("users.count = %v, want 3", n)
	}

	got := h.obj("users.get", map[string]any{"user_id": uid})
	if got["id"] != uid {
		t.Fatalf("users.get returned %v", got["id"])
	}
	h.fail("users.get", map[string]any{"user_id": "user_missing"}, 404, "resource_not_found")

	// Filters.
	for _, tc := range []struct {
		params map[string]any
		want   int
	}{
		{map[string]any{"email_address": []string{"ada@example.com"}}, 1},
		{map[string]any{"external_id": []string{"ext-1", "ext-2"}}, 2},
		{map[string]any{"external_id": []string{"-ext-1"}}, 2},
		{map[string]any{"user_id": []string{uid}}, 1},
		{map[string]any{"query": "lovelace"}, 1},
		{map[string]any{"query": "example.com"}, 3},
		{map[string]any{"phone_number": []string{"+15555550100"}}, 1},
		{map[string]any{"username": []string{"ADA_L"}}, 1},
		{map[string]any{"limit": 2}, 2},
		{map[string]any{"offset": 2}, 1},
		// No web3 wallets or OAuth accounts exist, so these match nobody.
		{map[string]any{"web3_wallet": []string{"0x52908400098527886E0F7030069857D2E4169EE7"}}, 0},
		{map[string]any{"provider": "oauth_google", "provider_user_id": []string{"12345"}}, 0},
	} {
		if got := h.list("users.list", tc.params); len(got) != tc.want {
			t.Errorf("users.list(%v) returned %d users, want %d", tc.params, len(got), tc.want)
		}
	}
	// Default order is newest first; the imported user is the oldest.
	all := h.list("users.list", map[string]any{"order_by": "-created_at"})
	if field(all[len(all)-1], "id") != uid {
		t.Errorf("-created_at should put the 2020 user last")
	}
	// Cursor pagination walks everything exactly once.
	var seen []string
	after := ""
	for {
		p := map[string]any{"limit": 1, "order_by": "-created_at"}
		if after != "" {
			p["starting_after"] = after
		}
		pg := h.list("users.list", p)
		if len(pg) == 0 {
			break
		}
		after = str(field(pg[0], "id"))
		seen = append(seen, after)
	}
	if len(seen) != 3 {
		t.Errorf("starting_after walked %d users, want 3", len(seen))
	}
	h.fail("users.list", map[string]any{"starting_after": uid, "order_by": "username"}, 422, "form_param_value_invalid")
	h.fail("users.list", map[string]any{"limit": 501}, 400, "invalid_query_parameter_value")
	h.fail("users.list", map[string]any{"order_by": "shoe_size"}, 400, "invalid_query_parameter_value")
	h.fail("users.list", map[string]any{"provider_user_id": []string{"12345"}}, 400, "invalid_query_parameter_value")
	if n := h.obj("users.count", map[string]any{"web3_wallet": []string{"0xabc"}})["total_count"]; fmt.Sprint(n) != "0" {
		t.Errorf("users.count by web3_wallet = %v, want 0", n)
	}

	// Update is all-or-nothing.
	h.fail("users.update", map[string]any{"user_id": uid, "first_name": "Augusta", "username": "x"}, 422, "form_param_format_invalid")
	if got := h.obj("users.get", map[string]any{"user_id": uid}); got["first_name"] != "Ada" {
		t.Errorf("a failed update changed first_name to %v", got["first_name"])
	}
	up := h.obj("users.update", map[string]any{"user_id": uid, "first_name": "Augusta", "last_name": nil})
	if up["first_name"] != "Augusta" || up["last_name"] != nil {
		t.Errorf("update: first_name=%v last_name=%v", up["first_name"], up["last_name"])
	}
	h.fail("users.update", map[string]any{"user_id": uid, "banned": true}, 422, "form_param_unknown")

	// Metadata deep merge: nested objects merge, null deletes.
	md := h.obj("users.updateMetadata", map[string]any{"user_id": uid,
		"public_metadata":  map[string]any{"limits": map[string]any{"projects": 5}, "plan": nil},
		"private_metadata": map[string]any{"stripe": "cus_1"}})
	pub := md["public_metadata"].(map[string]any)
	if _, has := pub["plan"]; has || fmt.Sprint(field(pub, "limits", "seats")) != "3" || fmt.Sprint(field(pub, "limits", "projects")) != "5" {
		t.Errorf("deep merge gave %v", pub)
	}

	for _, op := range []struct {
		name, key string
		want      bool
	}{{"users.ban", "banned", true}, {"users.unban", "banned", false}, {"users.lock", "locked", true}, {"users.unlock", "locked", false}} {
		if got := h.obj(op.name, map[string]any{"user_id": uid}); got[op.key] != op.want {
			t.Errorf("%s: %s = %v", op.name, op.key, got[op.key])
		}
	}
	// Second factors: TOTP and backup codes go one at a time, then MFA is off.
	if got := h.obj("users.deleteTOTP", map[string]any{"user_id": uid}); got["user_id"] != uid {
		t.Errorf("deleteTOTP: %v", got)
	}
	if got := h.obj("users.get", map[string]any{"user_id": uid}); got["totp_enabled"] != false || got["backup_code_enabled"] != true || got["two_factor_enabled"] != true {
		t.Errorf("after deleteTOTP: totp %v backup %v 2fa %v", got["totp_enabled"], got["backup_code_enabled"], got["two_factor_enabled"])
	}
	h.obj("users.deleteBackupCodes", map[string]any{"user_id": uid})
	if got := h.obj("users.get", map[string]any{"user_id": uid}); got["backup_code_enabled"] != false || got["two_factor_enabled"] != false || got["mfa_disabled_at"] == nil {
		t.Errorf("after deleteBackupCodes: backup %v 2fa %v mfa_disabled_at %v", got["backup_code_enabled"], got["two_factor_enabled"], got["mfa_disabled_at"])
	}
	h.obj("users.disableMfa", map[string]any{"user_id": uid}) // nothing left: still succeeds
	mfa := h.obj("users.create", map[string]any{"external_id": "mfa", "totp_secret": "JBSWY3DPEHPK3PXP", "backup_codes": []string{"c1"}})
	h.obj("users.disableMfa", map[string]any{"user_id": mfa["id"]})
	if got := h.obj("users.get", map[string]any{"user_id": mfa["id"]}); got["totp_enabled"] != false || got["backup_code_enabled"] != false {
		t.Errorf("disableMfa left totp %v, backup codes %v", got["totp_enabled"], got["backup_code_enabled"])
	}
	h.obj("users.delete", map[string]any{"user_id": mfa["id"]})
	h.fail("users.disableMfa", map[string]any{"user_id": "user_nope"}, 404, "resource_not_found")
	if n := len(h.list("users.list", map[string]any{"banned": true})); n != 0 {
		t.Errorf("banned filter found %d users after unban", n)
	}

	victim := h.obj("users.create", map[string]any{"external_id": "to-delete"})
	del := h.obj("users.delete", map[string]any{"user_id": victim["id"]})
	if del["deleted"] != true || del["object"] != "user" || del["external_id"] != "to-delete" {
		t.Errorf("delete returned %v", del)
	}
	h.fail("users.delete", map[string]any{"user_id": victim["id"]}, 404, "resource_not_found")
}

func userID(h *harness, ext string) string {
	h.t.Helper()
	us := h.list("users.list", map[string]any{"external_id": []string{ext}})
	if len(us) != 1 {
		h.t.Fatalf("no user with external_id %s", ext)
	}
	return str(field(us[0], "id"))
}

func testIdentifications(t *testing.T, h *harness) {
	uid := userID(h, "ext-2")
	em := h.obj("emailAddresses.create", map[string]any{"user_id": uid, "email_address": "bob.work@example.com", "verified": true, "primary": true})
	if h.obj("users.get", map[string]any{"user_id": uid})["primary_email_address_id"] != em["id"] {
		t.Errorf("primary: true did not make the address primary")
	}
	h.fail("emailAddresses.create", map[string]any{"user_id": uid, "email_address": "ada@example.com"}, 422, "form_identifier_exists")
	h.fail("emailAddresses.create", map[string]any{"user_id": "user_nope", "email_address": "n@example.com"}, 404, "resource_not_found")
	h.ok("emailAddresses.get", map[string]any{"email_address_id": em["id"]})
	un := h.obj("emailAddresses.update", map[string]any{"email_address_id": em["id"], "verified": false})
	if field(un, "verification", "status") != "unverified" {
		t.Errorf("verified=false: verification %v", un["verification"])
	}
	h.obj("emailAddresses.delete", map[string]any{"email_address_id": em["id"]})
	h.fail("emailAddresses.get", map[string]any{"email_address_id": em["id"]}, 404, "resource_not_found")
	if h.obj("users.get", map[string]any{"user_id": uid})["primary_email_address_id"] == em["id"] {
		t.Errorf("deleting the primary address left it primary")
	}

	ph := h.obj("phoneNumbers.create", map[string]any{"user_id": uid, "phone_number": "+442071838750"})
	h.fail("phoneNumbers.create", map[string]any{"user_id": uid, "phone_number": "02071838750"}, 422, "form_param_format_invalid")
	h.ok("phoneNumbers.get", map[string]any{"phone_number_id": ph["id"]})
	if got := h.obj("phoneNumbers.update", map[string]any{"phone_number_id": ph["id"], "reserved_for_second_factor": true}); got["reserved_for_second_factor"] != true {
		t.Errorf("reserved_for_second_factor not set")
	}
	h.fail("emailAddresses.get", map[string]any{"email_address_id": ph["id"]}, 404, "resource_not_found")
	h.obj("phoneNumbers.delete", map[string]any{"phone_number_id": ph["id"]})

	// Profile image: each upload gets its own URL, kept until deleted.
	png := func(name string) map[string]any {
		return map[string]any{"filename": name, "content_type": "image/png", "data": base64.StdEncoding.EncodeToString([]byte("\x89PNG " + name))}
	}
	before := h.obj("users.get", map[string]any{"user_id": uid})
	if before["has_image"] != false {
		t.Fatalf("new user has_image = %v", before["has_image"])
	}
	img := h.obj("users.setProfileImage", map[string]any{"user_id": uid, "file": png("a.png")})
	if img["has_image"] != true || img["image_url"] == before["image_url"] || img["profile_image_url"] != img["image_url"] {
		t.Errorf("setProfileImage: has_image %v, image_url %v (was %v)", img["has_image"], img["image_url"], before["image_url"])
	}
	if got := h.obj("users.get", map[string]any{"user_id": uid}); got["image_url"] != img["image_url"] {
		t.Errorf("users.get image_url %v, want the uploaded %v", got["image_url"], img["image_url"])
	}
	img2 := h.obj("users.setProfileImage", map[string]any{"user_id": uid, "file": png("b.png")})
	if img2["image_url"] == img["image_url"] {
		t.Errorf("a second upload kept the URL %v", img2["image_url"])
	}
	h.fail("users.setProfileImage", map[string]any{"user_id": uid,
		"file": map[string]any{"filename": "a.txt", "content_type": "text/plain", "data": base64.StdEncoding.EncodeToString([]byte("hi"))}}, 422, "form_param_value_invalid")
	h.fail("users.setProfileImage", map[string]any{"user_id": uid}, 422, "form_param_missing")
	h.fail("users.setProfileImage", map[string]any{"user_id": "user_nope", "file": png("c.png")}, 404, "resource_not_found")
	if got := h.obj("users.get", map[string]any{"user_id": uid}); got["image_url"] != img2["image_url"] {
		t.Errorf("a rejected upload changed image_url to %v", got["image_url"])
	}
	del := h.obj("users.deleteProfileImage", map[string]any{"user_id": uid})
	if del["has_image"] != false || del["image_url"] != before["image_url"] {
		t.Errorf("deleteProfileImage: has_image %v, image_url %v", del["has_image"], del["image_url"])
	}
	h.fail("users.deleteProfileImage", map[string]any{"user_id": uid}, 404, "resource_not_found")
}

func testInvitations(t *testing.T, h *harness) {
	inv := h.obj("invitations.create", map[string]any{"email_address": "new@example.com", "public_metadata": map[string]any{"team": "a"}})
	if inv["status"] != "pending" || str(inv["url"]) == "" {
		t.Errorf("new invitation: %v", inv)
	}
	if want := h.clock.Now().Add(30 * 24 * time.Hour).UnixMilli(); fmt.Sprint(inv["expires_at"]) != fmt.Sprint(want) {
		t.Errorf("expires_at = %v, want 30 days on (%d)", inv["expires_at"], want)
	}
	h.fail("invitations.create", map[string]any{"email_address": "new@example.com"}, 400, "duplicate_record")
	h.ok("invitations.create", map[string]any{"email_address": "new@example.com", "ignore_existing": true})
	h.fail("invitations.create", map[string]any{"email_address": "ada@example.com"}, 422, "form_identifier_exists")
	h.fail("invitations.create", map[string]any{"email_address": "x@example.com", "expires_in_days": 400}, 422, "form_param_value_invalid")
	h.fail("invitations.create", map[string]any{"email_address": "x@example.com", "notify_me": true}, 422, "form_param_unknown")

	bulk := []map[string]any{}
	for i := range 3 {
		bulk = append(bulk, map[string]any{"email_address": fmt.Sprintf("b%d@example.com", i)})
	}
	if got := h.ok("invitations.bulkCreate", map[string]any{"body": bulk}).([]any); len(got) != 3 {
		t.Errorf("bulk created %d", len(got))
	}
	// A bulk request with one duplicate is rejected whole, naming it.
	ae := h.fail("invitations.bulkCreate", map[string]any{"body": []map[string]any{
		{"email_address": "fresh@example.com"}, {"email_address": "b1@example.com"}}}, 400, "duplicate_record")
	if string(ae.Errors[0].Meta) == "" || !json.Valid(ae.Errors[0].Meta) {
		t.Errorf("duplicate_record without meta: %s", ae.Body)
	}
	if n := len(h.list("invitations.list", map[string]any{"query": "fresh@"})); n != 0 {
		t.Errorf("a rejected bulk request created %d invitations", n)
	}
	h.ok("invitations.bulkCreate", map[string]any{"body": []map[string]any{{"email_address": "b1@example.com", "ignore_existing": true}}})
	h.fail("invitations.bulkCreate", map[string]any{"body": []map[string]any{{"email_address": "ada@example.com", "ignore_existing": true}}}, 422, "form_identifier_exists")
	var eleven []map[string]any
	for i := range 11 {
		eleven = append(eleven, map[string]any{"email_address": fmt.Sprintf("e%d@example.com", i)})
	}
	h.fail("invitations.bulkCreate", map[string]any{"body": eleven}, 400, "bulk_size_exceeded")
	h.fail("invitations.bulkCreate", map[string]any{"body": []map[string]any{{"email_address": "z@example.com", "role": "x"}}}, 422, "form_param_unknown")

	// Lists: a bare array by default, {data,total_count} with paginated=true.
	if n := len(h.list("invitations.list", map[string]any{"status": "pending"})); n != 6 {
		t.Errorf("pending invitations: %d, want 6", n)
	}
	pg := h.obj("invitations.list", map[string]any{"paginated": true, "limit": 2})
	if fmt.Sprint(pg["total_count"]) != "6" || len(pg["data"].([]any)) != 2 {
		t.Errorf("paginated list: total %v, %d items", pg["total_count"], len(pg["data"].([]any)))
	}
	byEmail := h.list("invitations.list", map[string]any{"order_by": "email_address"})
	if field(byEmail[0], "email_address") != "b0@example.com" {
		t.Errorf("order_by=email_address starts with %v", field(byEmail[0], "email_address"))
	}

	rv := h.obj("invitations.revoke", map[string]any{"invitation_id": inv["id"]})
	if rv["revoked"] != true || rv["status"] != "revoked" {
		t.Errorf("revoke: %v", rv)
	}
	h.fail("invitations.revoke", map[string]any{"invitation_id": inv["id"]}, 400, "invitation_already_revoked")
	h.fail("invitations.revoke", map[string]any{"invitation_id": "inv_nope"}, 404, "resource_not_found")

	// Expiry is derived from the clock.
	h.clock.Advance(31 * 24 * time.Hour)
	if n := len(h.list("invitations.list", map[string]any{"status": "expired"})); n != 5 {
		t.Errorf("expired after 31 days: %d, want 5", n)
	}
	h.ok("invitations.create", map[string]any{"email_address": "b0@example.com"}) // the old one expired
}

func testOrganizations(t *testing.T, h *harness) {
	ada := userID(h, "ext-1")
	bob := userID(h, "ext-2")
	org := h.obj("organizations.create", map[string]any{"name": "Acme Rockets", "created_by": ada,
		"public_metadata": map[string]any{"tier": "gold"}})
	oid := str(org["id"])
	if org["slug"] != "acme-rockets" {
		t.Errorf("derived slug %v", org["slug"])
	}
	h.fail("organizations.create", map[string]any{"name": "Other", "slug": "acme-rockets"}, 422, "form_identifier_exists")
	h.fail("organizations.create", map[string]any{"name": "Bad", "slug": "Not A Slug"}, 422, "form_param_format_invalid")
	h.fail("organizations.create", map[string]any{"name": "Ghost", "created_by": "user_ghost"}, 400, "organization_creator_not_found")
	h.fail("organizations.create", map[string]any{"slug": "x"}, 422, "form_param_missing")
	second := h.obj("organizations.create", map[string]any{"name": "Acme Rockets"})
	if second["slug"] != "acme-rockets-2" {
		t.Errorf("second derived slug %v", second["slug"])
	}

	if got := h.obj("organizations.get", map[string]any{"organization_id": "acme-rockets", "include_members_count": true}); got["id"] != oid || fmt.Sprint(got["members_count"]) != "1" {
		t.Errorf("get by slug: id %v members %v", got["id"], got["members_count"])
	}
	if n := len(h.list("organizations.list", map[string]any{"user_id": []string{ada}})); n != 1 {
		t.Errorf("orgs of ada: %d", n)
	}
	if n := len(h.list("organizations.list", map[string]any{"query": "acme", "order_by": "name"})); n != 2 {
		t.Errorf("query acme: %d", n)
	}
	upd := h.obj("organizations.update", map[string]any{"organization_id": oid, "name": "Acme", "slug": "acme", "max_allowed_memberships": 3})
	if upd["slug"] != "acme" || fmt.Sprint(upd["max_allowed_memberships"]) != "3" {
		t.Errorf("update: %v", upd)
	}
	h.fail("organizations.update", map[string]any{"organization_id": oid, "slug": "acme-rockets-2"}, 422, "form_identifier_exists")
	mm := h.obj("organizations.mergeMetadata", map[string]any{"organization_id": oid, "public_metadata": map[string]any{"region": "eu"}})
	if field(mm, "public_metadata", "tier") != "gold" || field(mm, "public_metadata", "region") != "eu" {
		t.Errorf("merge: %v", mm["public_metadata"])
	}
	logo := h.obj("organizations.uploadLogo", map[string]any{"organization_id": oid,
		"file": map[string]any{"filename": "logo.png", "content_type": "image/png", "data": base64.StdEncoding.EncodeToString([]byte("\x89PNG fake"))}})
	if logo["has_image"] != true {
		t.Errorf("uploadLogo: has_image %v", logo["has_image"])
	}
	h.fail("organizations.uploadLogo", map[string]any{"organization_id": oid,
		"file": map[string]any{"filename": "a.txt", "content_type": "text/plain", "data": base64.StdEncoding.EncodeToString([]byte("hi"))}}, 422, "form_param_value_invalid")
	if got := h.obj("organizations.deleteLogo", map[string]any{"organization_id": oid}); got["has_image"] != false {
		t.Errorf("deleteLogo left an image")
	}

	// Memberships.
	m := h.obj("organizationMemberships.create", map[string]any{"organization_id": oid, "user_id": bob, "role": "org:member"})
	if m["role_name"] != "Member" || field(m, "public_user_data", "user_id") != bob {
		t.Errorf("membership: %v", m)
	}
	h.fail("organizationMemberships.create", map[string]any{"organization_id": oid, "user_id": bob, "role": "org:member"}, 400, "already_a_member_in_organization")
	h.fail("organizationMemberships.create", map[string]any{"organization_id": oid, "user_id": bob, "role": "org:boss"}, 422, "form_param_value_invalid")
	if n := len(h.list("organizationMemberships.list", map[string]any{"organization_id": oid, "role": []string{"org:admin"}})); n != 1 {
		t.Errorf("admins: %d", n)
	}
	h.ok("organizationMemberships.list", map[string]any{"organization_id": oid, "order_by": "email_address", "query": "bob"})
	if got := h.obj("organizationMemberships.update", map[string]any{"organization_id": oid, "user_id": bob, "role": "org:admin"}); got["role"] != "org:admin" {
		t.Errorf("role update: %v", got["role"])
	}
	mmd := h.obj("organizationMemberships.updateMetadata", map[string]any{"organization_id": oid, "user_id": bob, "public_metadata": map[string]any{"desk": 4}})
	if fmt.Sprint(field(mmd, "public_metadata", "desk")) != "4" {
		t.Errorf("membership metadata: %v", mmd["public_metadata"])
	}
	if n := len(h.list("users.getOrganizationMemberships", map[string]any{"user_id": bob})); n != 1 {
		t.Errorf("bob's memberships: %d", n)
	}
	if n := len(h.list("users.getInstanceOrganizationMemberships", nil)); n != 2 {
		t.Errorf("all memberships: %d", n)
	}

	// Organization invitations.
	oi := h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "carol@example.com", "role": "org:member", "inviter_user_id": ada})
	if field(oi, "public_inviter_data", "user_id") != ada {
		t.Errorf("inviter data: %v", oi["public_inviter_data"])
	}
	h.ok("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "dave@example.com", "role": "org:member"})
	h.fail("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "carol@example.com", "role": "org:member"}, 400, "organization_invitation_not_unique")
	h.fail("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "ada@example.com", "role": "org:member"}, 400, "already_a_member_in_organization")
	bulk := h.obj("organizationInvitations.bulkCreate", map[string]any{"organization_id": oid, "body": []map[string]any{
		{"email_address": "e1@example.com", "role": "org:member"}, {"email_address": "e2@example.com", "role": "org:admin"}}})
	if fmt.Sprint(bulk["total_count"]) != "2" {
		t.Errorf("org bulk: %v", bulk["total_count"])
	}
	h.fail("organizationInvitations.bulkCreate", map[string]any{"organization_id": oid, "body": []map[string]any{
		{"email_address": "e3@example.com", "role": "org:member"}, {"email_address": "e1@example.com", "role": "org:member"}}}, 400, "organization_invitation_not_unique")
	h.ok("organizationInvitations.get", map[string]any{"organization_id": oid, "invitation_id": oi["id"]})
	if n := len(h.list("organizationInvitations.list", map[string]any{"organization_id": oid, "status": "pending"})); n != 4 {
		t.Errorf("pending org invitations: %d", n)
	}
	h.ok("organizationInvitations.listPending", map[string]any{"organization_id": oid})
	all := h.list("organizationInvitations.getAll", map[string]any{"query": "carol"})
	if len(all) != 1 || field(all[0], "public_organization_data", "id") != oid {
		t.Errorf("getAll: %v", all)
	}
	rv := h.obj("organizationInvitations.revoke", map[string]any{"organization_id": oid, "invitation_id": oi["id"], "requesting_user_id": ada})
	if rv["status"] != "revoked" {
		t.Errorf("org revoke: %v", rv["status"])
	}
	h.fail("organizationInvitations.revoke", map[string]any{"organization_id": oid, "invitation_id": oi["id"]}, 400, "invitation_already_revoked")
	carol := h.obj("users.create", map[string]any{"email_address": []string{"e1@example.com"}})
	if n := len(h.list("users.getOrganizationInvitations", map[string]any{"user_id": carol["id"]})); n != 1 {
		t.Errorf("invitations of the new user: %d", n)
	}

	// Domains.
	d := h.obj("organizationDomains.create", map[string]any{"organization_id": oid, "name": "acme.test", "enrollment_mode": "automatic_invitation"})
	h.fail("organizationDomains.create", map[string]any{"organization_id": oid, "name": "acme.test"}, 400, "duplicate_record")
	h.fail("organizationDomains.create", map[string]any{"organization_id": oid, "name": "localhost"}, 422, "form_param_format_invalid")
	if got := h.obj("organizationDomains.update", map[string]any{"organization_id": oid, "domain_id": d["id"], "enrollment_mode": "automatic_suggestion"}); got["enrollment_mode"] != "automatic_suggestion" {
		t.Errorf("domain update: %v", got["enrollment_mode"])
	}
	if n := len(h.list("organizationDomains.list", map[string]any{"organization_id": oid})); n != 1 {
		t.Errorf("domains: %d", n)
	}
	if n := len(h.list("organizationDomains.listAll", map[string]any{"query": "acme"})); n != 1 {
		t.Errorf("all domains: %d", n)
	}
	h.obj("organizationDomains.delete", map[string]any{"organization_id": oid, "domain_id": d["id"]})

	h.ok("organizationMemberships.delete", map[string]any{"organization_id": oid, "user_id": bob})
	h.fail("organizationMemberships.delete", map[string]any{"organization_id": oid, "user_id": bob}, 404, "resource_not_found")
	del := h.obj("organizations.delete", map[string]any{"organization_id": second["id"]})
	if del["slug"] != "acme-rockets-2" || del["deleted"] != true {
		t.Errorf("org delete: %v", del)
	}
}

func testAllowBlockRedirect(t *testing.T, h *harness) {
	a := h.obj("allowlistIdentifiers.create", map[string]any{"identifier": "*@acme.test"})
	if a["identifier_type"] != "email_address" {
		t.Errorf("allowlist type %v", a["identifier_type"])
	}
	h.fail("allowlistIdentifiers.create", map[string]any{"identifier": "*@acme.test"}, 400, "duplicate_record")
	h.fail("allowlistIdentifiers.create", map[string]any{"identifier": "nonsense"}, 422, "form_param_format_invalid")
	if n := len(h.list("allowlistIdentifiers.list", nil)); n != 1 {
		t.Errorf("allowlist: %d", n)
	}
	h.ok("allowlistIdentifiers.list", map[string]any{"paginated": true})
	h.obj("allowlistIdentifiers.delete", map[string]any{"identifier_id": a["id"]})

	b := h.obj("blocklistIdentifiers.create", map[string]any{"identifier": "+15555550199"})
	if b["identifier_type"] != "phone_number" {
		t.Errorf("blocklist type %v", b["identifier_type"])
	}
	if pg := h.obj("blocklistIdentifiers.list", nil); fmt.Sprint(pg["total_count"]) != "1" {
		t.Errorf("blocklist: %v", pg)
	}
	h.obj("blocklistIdentifiers.delete", map[string]any{"identifier_id": b["id"]})
	h.fail("blocklistIdentifiers.delete", map[string]any{"identifier_id": b["id"]}, 404, "resource_not_found")

	r := h.obj("redirectUrls.create", map[string]any{"url": "https://app.example.com/callback"})
	h.fail("redirectUrls.create", map[string]any{"url": "https://app.example.com/callback"}, 400, "duplicate_record")
	h.fail("redirectUrls.create", map[string]any{"url": "/relative"}, 422, "form_param_format_invalid")
	h.ok("redirectUrls.get", map[string]any{"id": r["id"]})
	if n := len(h.list("redirectUrls.list", nil)); n != 1 {
		t.Errorf("redirect urls: %d", n)
	}
	h.obj("redirectUrls.delete", map[string]any{"id": r["id"]})
	h.fail("redirectUrls.get", map[string]any{"id": r["id"]}, 404, "resource_not_found")
}

func testTokens(t *testing.T, h *harness) {
	uid := userID(h, "ext-1")
	sit := h.obj("signInTokens.create", map[string]any{"user_id": uid, "expires_in_seconds": 600})
	if str(sit["token"]) == "" || sit["status"] != "pending" {
		t.Errorf("sign-in token: %v", sit)
	}
	h.fail("signInTokens.create", map[string]any{"user_id": "user_nope"}, 404, "resource_not_found")
	if got := h.obj("signInTokens.revoke", map[string]any{"sign_in_token_id": sit["id"]}); got["status"] != "revoked" {
		t.Errorf("revoke: %v", got["status"])
	}
	h.fail("signInTokens.revoke", map[string]any{"sign_in_token_id": sit["id"]}, 400, "sign_in_token_cannot_be_revoked")

	tt := h.obj("testingTokens.create", nil)
	if str(tt["token"]) == "" || fmt.Sprint(tt["expires_at"]) != fmt.Sprint(h.clock.Now().Add(time.Hour).Unix()) {
		t.Errorf("testing token: %v", tt)
	}

	act := h.obj("actorTokens.create", map[string]any{"user_id": uid, "actor": map[string]any{"sub": "user_support"}})
	if field(act, "actor", "sub") != "user_support" || str(act["token"]) == "" {
		t.Errorf("actor token: %v", act)
	}
	h.fail("actorTokens.create", map[string]any{"user_id": uid, "actor": map[string]any{}}, 422, "form_param_value_invalid")
	h.obj("actorTokens.revoke", map[string]any{"actor_token_id": act["id"]})
	h.fail("actorTokens.revoke", map[string]any{"actor_token_id": act["id"]}, 400, "actor_token_cannot_be_revoked")
}

func testWaitlist(t *testing.T, h *harness) {
	w := h.obj("waitlistEntries.create", map[string]any{"email_address": "wait@example.com"})
	again := h.obj("waitlistEntries.create", map[string]any{"email_address": "WAIT@example.com"})
	if again["id"] != w["id"] {
		t.Errorf("waitlist create is not idempotent: %v vs %v", again["id"], w["id"])
	}
	got := h.ok("waitlistEntries.bulkCreate", map[string]any{"body": []map[string]any{{"email_address": "w1@example.com"}, {"email_address": "wait@example.com"}}}).([]any)
	if len(got) != 2 || field(got[1], "id") != w["id"] {
		t.Errorf("bulk waitlist: %v", got)
	}
	h.fail("waitlistEntries.bulkCreate", map[string]any{"body": []map[string]any{{"email_address": "d@example.com"}, {"email_address": "d@example.com"}}}, 422, "form_param_duplicate")
	if pg := h.obj("waitlistEntries.list", map[string]any{"query": "w"}); fmt.Sprint(pg["total_count"]) != "2" {
		t.Errorf("waitlist list: %v", pg["total_count"])
	}
	inv := h.obj("waitlistEntries.invite", map[string]any{"waitlist_entry_id": w["id"]})
	if inv["status"] != "invited" || field(inv, "invitation", "email_address") != "wait@example.com" {
		t.Errorf("invite: %v", inv)
	}
	list := h.obj("waitlistEntries.list", map[string]any{"status": "invited"})
	if fmt.Sprint(list["total_count"]) != "1" {
		t.Errorf("invited entries: %v", list["total_count"])
	}
	rej := h.obj("waitlistEntries.reject", map[string]any{"waitlist_entry_id": field(got[0], "id")})
	if rej["status"] != "rejected" {
		t.Errorf("reject: %v", rej["status"])
	}
	h.obj("waitlistEntries.delete", map[string]any{"waitlist_entry_id": w["id"]})
	h.fail("waitlistEntries.delete", map[string]any{"waitlist_entry_id": w["id"]}, 404, "resource_not_found")
}

func testInstance(t *testing.T, h *harness) {
	in := h.obj("instanceSettings.get", nil)
	if str(in["id"])[:4] != "ins_" || in["environment_type"] != "development" {
		t.Errorf("instance: %v", in)
	}
	h.ok("instanceSettings.update", map[string]any{"allowed_origins": []string{"https://app.example.com"}})
	if got := h.obj("instanceSettings.get", nil); len(got["allowed_origins"].([]any)) != 1 {
		t.Errorf("allowed_origins not saved: %v", got["allowed_origins"])
	}
	h.fail("instanceSettings.update", map[string]any{"allowed_origins": []string{"not a url"}}, 422, "form_param_format_invalid")
	if got := h.obj("instanceSettings.updateRestrictions", map[string]any{"allowlist": true}); got["allowlist"] != true {
		t.Errorf("restrictions: %v", got)
	}
	h.ok("instanceSettings.getOrganizationSettings", nil)
	if got := h.obj("instanceSettings.updateOrganizationSettings", map[string]any{"max_allowed_memberships": 50}); fmt.Sprint(got["max_allowed_memberships"]) != "50" {
		t.Errorf("org settings: %v", got)
	}
}

func testSessions(t *testing.T, h *harness) {
	uid := userID(h, "ext-1")
	org := h.list("organizations.list", map[string]any{"query": "acme"})[0]
	ss := h.obj("sessions.create", map[string]any{"user_id": uid, "active_organization_id": field(org, "id")})
	sid := str(ss["id"])
	if ss["status"] != "active" || str(ss["client_id"])[:7] != "client_" {
		t.Errorf("session: %v", ss)
	}
	h.fail("sessions.create", map[string]any{"user_id": "user_nope"}, 404, "resource_not_found")
	h.ok("sessions.get", map[string]any{"session_id": sid})
	if n := len(h.list("sessions.list", map[string]any{"user_id": uid})); n != 1 {
		t.Errorf("sessions of user: %d", n)
	}
	h.ok("sessions.list", map[string]any{"user_id": uid, "paginated": true})
	h.fail("sessions.list", nil, 400, "invalid_query_parameter_value")

	tok := h.obj("sessions.createToken", map[string]any{"session_id": sid})
	if tok["object"] != "token" || str(tok["jwt"]) == "" {
		t.Fatalf("token: %v", tok)
	}
	tpl := h.obj("jwtTemplates.create", map[string]any{"name": "hasura", "lifetime": 120,
		"claims": map[string]any{"email": "{{user.primary_email_address}}", "meta": "{{user.public_metadata}}", "greeting": "hi {{user.first_name}}", "org": "{{org.slug}}"}})
	h.fail("jwtTemplates.create", map[string]any{"name": "hasura", "claims": map[string]any{}}, 422, "form_identifier_exists")
	h.fail("jwtTemplates.create", map[string]any{"name": "bad", "claims": map[string]any{"sub": "x"}}, 422, "form_param_value_invalid")
	h.fail("jwtTemplates.create", map[string]any{"name": "noclaims"}, 422, "form_param_missing")
	h.ok("jwtTemplates.get", map[string]any{"template_id": tpl["id"]})
	if n := len(h.list("jwtTemplates.list", nil)); n != 1 {
		t.Errorf("templates: %d", n)
	}
	up := h.obj("jwtTemplates.update", map[string]any{"template_id": tpl["id"], "name": "hasura", "claims": tpl["claims"], "lifetime": 300})
	if fmt.Sprint(up["lifetime"]) != "300" {
		t.Errorf("template update: %v", up["lifetime"])
	}
	tt := h.obj("sessions.createTokenFromTemplate", map[string]any{"session_id": sid, "template_name": "hasura"})
	if str(tt["jwt"]) == "" {
		t.Fatalf("template token: %v", tt)
	}
	h.fail("sessions.createTokenFromTemplate", map[string]any{"session_id": sid, "template_name": "nope"}, 404, "resource_not_found")
	h.ok("jwks.getJWKS", nil)

	h.obj("sessions.revoke", map[string]any{"session_id": sid})
	h.fail("sessions.createToken", map[string]any{"session_id": sid}, 404, "resource_not_found")
	h.fail("sessions.revoke", map[string]any{"session_id": sid}, 400, "session_not_active")
	h.obj("jwtTemplates.delete", map[string]any{"template_id": tpl["id"]})
}
