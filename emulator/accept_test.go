package emulator

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

func acceptReq(t *testing.T, h *harness, id, body string) (int, map[string]any) {
	t.Helper()
	w := rawDo(t, h.in.Emulator, http.MethodPost, "/_emulator/organization_invitations/"+id+"/accept", h.in.SecretKey, body)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w.Code, m
}

func errCodeOf(m map[string]any) string {
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return str(field(errs[0], "code"))
}

// Accepting an organization invitation (the Frontend API step the emulator
// offers at /_emulator/...) signs the invited address up or takes its owner,
// makes them a member with the invited role and metadata, marks the
// invitation accepted and announces organizationInvitation.accepted with
// user_id, as the webhooks spec's OrganizationInvitationAcceptedPayload says.
func TestAcceptOrganizationInvitation(t *testing.T) {
	h := newHarness(t)
	owner := str(h.obj("users.create", map[string]any{"email_address": []string{"owner@example.com"}})["id"])
	oid := str(h.obj("organizations.create", map[string]any{"name": "Acme", "created_by": owner})["id"])
	inv := h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "new@example.com",
		"role": "org:admin", "public_metadata": map[string]any{"team": "red"}})
	invID := str(inv["id"])

	// A new address: a sign-up.
	code, out := acceptReq(t, h, invID, "")
	if code != 200 || out["status"] != "accepted" || out["user_id"] == nil || out["object"] != "organization_invitation" {
		t.Fatalf("accept: %d %v", code, out)
	}
	uid := str(out["user_id"])
	ev := h.in.WaitEvent(t, "organizationInvitation.accepted", nil)
	payload, _ := decode(t, ev.Body).(map[string]any)
	data, _ := payload["data"].(map[string]any)
	if payload["object"] != "event" || payload["type"] != "organizationInvitation.accepted" || data == nil {
		t.Fatalf("payload: %v", payload)
	}
	if data["id"] != invID || data["user_id"] != uid || data["status"] != "accepted" || field(data, "public_organization_data", "id") != oid {
		t.Errorf("event data: %v", data)
	}
	// The data is the Backend API's invitation plus user_id and
	// public_organization_data (OrganizationInvitationAcceptedPayload).
	delete(data, "user_id")
	delete(data, "public_organization_data")
	if errs := validate(core.LookupSchema("OrganizationInvitation"), data, "organizationInvitation.accepted"); len(errs) > 0 {
		t.Errorf("event data: %v", errs)
	}
	var types []string
	for _, e := range h.in.Emulator.Events() {
		types = append(types, e.Type)
	}
	if i := slices.Index(types, "organizationInvitation.created"); i < 0 || !slices.Equal(types[len(types)-3:],
		[]string{"user.created", "organizationMembership.created", "organizationInvitation.accepted"}) {
		t.Errorf("events: %v", types)
	}
	u := h.obj("users.get", map[string]any{"user_id": uid})
	if field(u, "email_addresses") == nil || str(field(u["email_addresses"].([]any)[0], "email_address")) != "new@example.com" ||
		field(u["email_addresses"].([]any)[0], "verification", "status") != "verified" {
		t.Errorf("signed-up user: %v", u["email_addresses"])
	}
	ms := h.list("organizationMemberships.list", map[string]any{"organization_id": oid})
	var found map[string]any
	for _, m := range ms {
		if field(m, "public_user_data", "user_id") == uid {
			found = m.(map[string]any)
		}
	}
	if found == nil || found["role"] != "org:admin" || field(found, "public_metadata", "team") != "red" {
		t.Errorf("membership: %v", found)
	}
	if got := h.obj("organizationInvitations.get", map[string]any{"organization_id": oid, "invitation_id": invID}); got["status"] != "accepted" {
		t.Errorf("invitation after accept: %v", got["status"])
	}
	if n := len(h.list("organizationInvitations.list", map[string]any{"organization_id": oid, "status": "accepted"})); n != 1 {
		t.Errorf("accepted invitations listed: %d", n)
	}
	// Twice: refused.
	if code, out := acceptReq(t, h, invID, ""); code != 400 || errCodeOf(out) != "invitation_already_accepted" {
		t.Errorf("second accept: %d %v", code, out)
	}
	h.fail("organizationInvitations.revoke", map[string]any{"organization_id": oid, "invitation_id": invID}, 400, "invitation_already_accepted")

	// An existing user owning the address, found by it or named.
	bob := str(h.obj("users.create", map[string]any{"email_address": []string{"bob@example.com"}})["id"])
	inv2 := str(h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "bob@example.com", "role": "org:member"})["id"])
	if code, out := acceptReq(t, h, inv2, `{"user_id":"`+owner+`"}`); code != 400 || errCodeOf(out) != "organization_invitation_not_for_user" {
		t.Errorf("accept for another user: %d %v", code, out)
	}
	if code, out := acceptReq(t, h, inv2, `{"user_id":"`+bob+`"}`); code != 200 || out["user_id"] != bob {
		t.Errorf("accept by bob: %d %v", code, out)
	}
	// The Go method does the same.
	inv3 := str(h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "carol@example.com", "role": "org:member"})["id"])
	raw, err := h.in.Emulator.AcceptOrganizationInvitation(inv3, "")
	if err != nil || !strings.Contains(string(raw), `"status":"accepted"`) {
		t.Errorf("AcceptOrganizationInvitation: %s %v", raw, err)
	}

	// Revoked, expired, unknown, bad bodies, no key.
	inv4 := str(h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "dan@example.com", "role": "org:member"})["id"])
	h.obj("organizationInvitations.revoke", map[string]any{"organization_id": oid, "invitation_id": inv4})
	if code, out := acceptReq(t, h, inv4, ""); code != 400 || errCodeOf(out) != "invitation_already_revoked" {
		t.Errorf("accept revoked: %d %v", code, out)
	}
	inv5 := str(h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "eve@example.com", "role": "org:member", "expires_in_days": 1})["id"])
	h.clock.Advance(25 * 3600e9)
	if code, out := acceptReq(t, h, inv5, ""); code != 400 || errCodeOf(out) != "invitation_expired" {
		t.Errorf("accept expired: %d %v", code, out)
	}
	if code, out := acceptReq(t, h, "orginv_missing", ""); code != 404 || errCodeOf(out) != "resource_not_found" {
		t.Errorf("accept unknown: %d %v", code, out)
	}
	if code, out := acceptReq(t, h, inv5, `{"user":"x"}`); code != 422 || errCodeOf(out) != "form_param_unknown" {
		t.Errorf("unknown key: %d %v", code, out)
	}
	if code, out := acceptReq(t, h, inv5, `[`); code != 400 {
		t.Errorf("bad JSON: %d %v", code, out)
	}
	if w := rawDo(t, h.in.Emulator, http.MethodPost, "/_emulator/organization_invitations/"+inv5+"/accept", "sk_test_wrong", ""); w.Code != 401 {
		t.Errorf("wrong key: %d", w.Code)
	}
	if w := rawDo(t, h.in.Emulator, http.MethodGet, "/_emulator/organization_invitations/"+inv5+"/accept", h.in.SecretKey, ""); w.Code != 404 {
		t.Errorf("GET: %d", w.Code)
	}
}

// The accepting user is kept: a saved and loaded instance still knows it.
func TestAcceptedInvitationSurvivesSaveLoad(t *testing.T) {
	e, _ := newTestEmulator(t)
	h := newHarnessFor(t, e)
	oid := str(h.obj("organizations.create", map[string]any{"name": "Acme"})["id"])
	inv := str(h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "z@example.com", "role": "org:member"})["id"])
	if _, err := e.AcceptOrganizationInvitation(inv, ""); err != nil {
		t.Fatal(err)
	}
	f := reloaded(t, e)
	f.mu.Lock()
	r := f.st.OrgInvitations.get(inv)
	f.mu.Unlock()
	if r == nil || r.Status != "accepted" || r.AcceptedUserID == "" {
		t.Errorf("loaded invitation: %+v", r)
	}
}

// Accepting an application invitation signs the invited address up, with
// the invitation's public metadata, and marks the invitation accepted.
func TestAcceptInvitation(t *testing.T) {
	h := newHarness(t)
	inv := h.obj("invitations.create", map[string]any{"email_address": "join@example.com", "public_metadata": map[string]any{"plan": "pro"}})
	code, out := acceptReq2(t, h, "invitations", str(inv["id"]), "")
	if code != 200 || field(out, "invitation", "status") != "accepted" || str(out["user_id"]) == "" {
		t.Fatalf("accept: %d %v", code, out)
	}
	u := h.obj("users.get", map[string]any{"user_id": out["user_id"]})
	if field(u, "public_metadata", "plan") != "pro" || str(field(u["email_addresses"].([]any)[0], "email_address")) != "join@example.com" {
		t.Errorf("signed-up user: %v", u)
	}
	h.in.WaitEvent(t, "user.created", func(ev Event) bool { return strings.Contains(string(ev.Body), "join@example.com") })
	if n := len(h.list("invitations.list", map[string]any{"status": "accepted"})); n != 1 {
		t.Errorf("accepted invitations: %d", n)
	}
	if code, out := acceptReq2(t, h, "invitations", str(inv["id"]), ""); code != 400 || errCodeOf(out) != "invitation_already_accepted" {
		t.Errorf("twice: %d %v", code, out)
	}
	if code, out := acceptReq2(t, h, "invitations", "inv_missing", ""); code != 404 || errCodeOf(out) != "resource_not_found" {
		t.Errorf("unknown: %d %v", code, out)
	}
	// The address was taken since the invitation was sent.
	inv2 := str(h.obj("invitations.create", map[string]any{"email_address": "late@example.com"})["id"])
	h.obj("users.create", map[string]any{"email_address": []string{"late@example.com"}})
	if code, out := acceptReq2(t, h, "invitations", inv2, ""); code != 422 || errCodeOf(out) != "form_identifier_exists" {
		t.Errorf("taken address: %d %v", code, out)
	}
	if code, out := acceptReq2(t, h, "invitations", inv2, `{"user_id":"x"}`); code != 422 || errCodeOf(out) != "form_param_unknown" {
		t.Errorf("user_id on an application invitation: %d %v", code, out)
	}
	if _, err := h.in.Emulator.AcceptInvitation(inv2); err == nil {
		t.Error("AcceptInvitation of a taken address succeeded")
	}
}

func acceptReq2(t *testing.T, h *harness, kind, id, body string) (int, map[string]any) {
	t.Helper()
	w := rawDo(t, h.in.Emulator, http.MethodPost, "/_emulator/"+kind+"/"+id+"/accept", h.in.SecretKey, body)
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return w.Code, m
}
