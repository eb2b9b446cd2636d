package emulator

import (
	"net/http"
	"slices"
	"testing"
	"time"
)

// ids of the "id" fields of list items.
func ids(items []any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = str(field(it, "id"))
	}
	return out
}

func keysOf(items []any, f string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = str(field(it, f))
	}
	return out
}

// Organization roles and permissions: key formats and uniqueness, the
// permissions of a role are Permission objects, roles created through the
// API are usable for memberships and invitations (with their permissions),
// lists filter and order, and deleting a permission takes it from its roles.
// Before, keys were free-form and repeatable, permissions given at create
// rendered as empty objects, and memberships accepted only org:admin and
// org:member.
func TestGenericRolesAndPermissions(t *testing.T) {
	h := newHarness(t)
	fails := []struct {
		op     string
		body   map[string]any
		status int
		code   string
	}{
		{"organizationRoles.create", map[string]any{"name": "X", "key": "editor"}, 422, "form_param_format_invalid"},
		{"organizationRoles.create", map[string]any{"name": "X", "key": "org:Editor"}, 422, "form_param_format_invalid"},
		{"organizationRoles.create", map[string]any{"name": "X", "key": "org:admin"}, 400, "duplicate_record"},
		{"organizationRoles.create", map[string]any{"name": "X", "key": "org:x", "permissions": []string{"perm_missing"}}, 404, "resource_not_found"},
		{"organizationPermissions.create", map[string]any{"name": "X", "key": "org:posts"}, 422, "form_param_format_invalid"},
		{"organizationPermissions.create", map[string]any{"name": "X", "key": "org:sys_profile:manage"}, 422, "form_param_format_invalid"},
	}
	for _, f := range fails {
		h.fail(f.op, f.body, f.status, f.code)
	}
	read := h.obj("organizationPermissions.create", map[string]any{"name": "Read posts", "key": "org:posts:read"})
	write := h.obj("organizationPermissions.create", map[string]any{"name": "Write posts", "key": "org:posts:write"})
	h.fail("organizationPermissions.create", map[string]any{"name": "Again", "key": "org:posts:read"}, 400, "duplicate_record")

	editor := h.obj("organizationRoles.create", map[string]any{"name": "Editor", "key": "org:editor",
		"permissions": []string{str(read["id"]), str(write["id"])}})
	if ps, _ := editor["permissions"].([]any); len(ps) != 2 || field(ps[0], "key") != "org:posts:read" || field(ps[1], "id") != write["id"] {
		t.Errorf("role permissions: %v", editor["permissions"])
	}
	h.fail("organizationRoles.create", map[string]any{"name": "Editor 2", "key": "org:editor"}, 400, "duplicate_record")
	viewer := h.obj("organizationRoles.create", map[string]any{"name": "Viewer", "key": "org:viewer"})
	// Updating a role to another's key is refused; to its own key is not.
	h.fail("organizationRoles.update", map[string]any{"organization_role_id": viewer["id"], "key": "org:editor"}, 400, "duplicate_record")
	h.obj("organizationRoles.update", map[string]any{"organization_role_id": viewer["id"], "key": "org:viewer", "name": "Viewer"})

	// Lists: query, order_by, a bad order_by.
	if got := keysOf(h.list("organizationRoles.list", map[string]any{"order_by": "-key"}), "key"); !slices.Equal(got, []string{"org:viewer", "org:member", "org:editor", "org:admin"}) {
		t.Errorf("roles by -key: %v", got)
	}
	if got := keysOf(h.list("organizationRoles.list", map[string]any{"query": "edit"}), "key"); !slices.Equal(got, []string{"org:editor"}) {
		t.Errorf("roles query: %v", got)
	}
	if got := keysOf(h.list("organizationPermissions.list", map[string]any{"order_by": "-name", "query": "posts"}), "key"); !slices.Equal(got, []string{"org:posts:write", "org:posts:read"}) {
		t.Errorf("permissions by -name: %v", got)
	}
	h.fail("organizationRoles.list", map[string]any{"order_by": "color"}, 400, "invalid_query_parameter_value")

	// A created role is usable, and a membership carries its permissions.
	uid := str(h.obj("users.create", map[string]any{"email_address": []string{"ed@example.com"}})["id"])
	oid := str(h.obj("organizations.create", map[string]any{"name": "Press"})["id"])
	m := h.obj("organizationMemberships.create", map[string]any{"organization_id": oid, "user_id": uid, "role": "org:editor"})
	if m["role"] != "org:editor" || m["role_name"] != "Editor" || !slices.Contains(toStrings(m["permissions"]), "org:posts:write") {
		t.Errorf("membership with a created role: %v", m)
	}
	inv := h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "v@example.com", "role": "org:viewer"})
	if inv["role_name"] != "Viewer" {
		t.Errorf("invitation with a created role: %v", inv)
	}
	h.fail("organizationMemberships.create", map[string]any{"organization_id": oid, "user_id": uid, "role": "org:nobody"}, 422, "form_param_value_invalid")

	// Renaming a permission shows in its roles, and in what members may do.
	h.obj("organizationPermissions.update", map[string]any{"permission_id": write["id"], "key": "org:posts:edit"})
	if got := h.obj("organizationMemberships.list", map[string]any{"organization_id": oid}); !slices.Contains(toStrings(field(got["data"].([]any)[0], "permissions")), "org:posts:edit") {
		t.Errorf("membership permissions after the rename: %v", field(got["data"].([]any)[0], "permissions"))
	}

	// Deleting a permission takes it from the roles that had it.
	h.obj("organizationPermissions.delete", map[string]any{"permission_id": read["id"]})
	got := h.obj("organizationRoles.get", map[string]any{"organization_role_id": editor["id"]})
	if ps, _ := got["permissions"].([]any); len(ps) != 1 || field(ps[0], "key") != "org:posts:edit" {
		t.Errorf("role after its permission was deleted: %v", got["permissions"])
	}
	h.fail("organizationPermissions.get", map[string]any{"permission_id": read["id"]}, 404, "resource_not_found")
}

func toStrings(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		out = append(out, str(x))
	}
	return out
}

// Role sets name existing roles and carry them as items (with key and
// name; before, the keys rendered as empty items); roles are added and
// replaced by key (before, addRoles stored a stray field and replaceRole made
// a singleton record). Run by TestAPI.
func testRoleSets(t *testing.T, h *harness) {
	base := map[string]any{"name": "S", "default_role_key": "org:member", "creator_role_key": "org:admin"}
	with := func(kv ...any) map[string]any {
		m := cloneMap(base)
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	h.fail("roleSets.create", with("key", "s", "roles", []string{"org:member", "org:ghost"}), 404, "resource_not_found")
	h.fail("roleSets.create", with("key", "s", "roles", []string{"org:member"}), 422, "form_param_value_invalid")
	rs := h.obj("roleSets.create", with("key", "s", "roles", []string{"org:member", "org:admin"}))
	if got := keysOf(rs["roles"].([]any), "key"); !slices.Equal(got, []string{"org:member", "org:admin"}) || field(rs["roles"].([]any)[1], "name") != "Admin" {
		t.Errorf("role set roles: %v", rs["roles"])
	}
	if field(rs, "default_role", "key") != "org:member" || field(rs, "creator_role", "key") != "org:admin" {
		t.Errorf("default/creator roles: %v %v", rs["default_role"], rs["creator_role"])
	}
	h.fail("roleSets.create", with("key", "s", "roles", []string{"org:member", "org:admin"}), 400, "duplicate_record")

	h.obj("organizationRoles.create", map[string]any{"name": "Auditor", "key": "org:auditor"})
	h.obj("organizationRoles.create", map[string]any{"name": "Reviewer", "key": "org:reviewer"})
	h.fail("roleSets.addRoles", map[string]any{"role_set_key_or_id": "s", "role_keys": []string{"org:nobody"}}, 404, "resource_not_found")
	h.fail("roleSets.addRoles", map[string]any{"role_set_key_or_id": "s", "role_keys": []string{"org:admin"}}, 400, "duplicate_record")
	added := h.obj("roleSets.addRoles", map[string]any{"role_set_key_or_id": "s", "role_keys": []string{"org:auditor"}, "default_role_key": "org:auditor"})
	if got := keysOf(added["roles"].([]any), "key"); !slices.Equal(got, []string{"org:member", "org:admin", "org:auditor"}) || field(added, "default_role", "key") != "org:auditor" {
		t.Errorf("addRoles: %v default %v", got, added["default_role"])
	}
	rep := h.obj("roleSets.replaceRole", map[string]any{"role_set_key_or_id": rs["id"], "role_key": "org:auditor", "to_role_key": "org:reviewer"})
	if got := keysOf(rep["roles"].([]any), "key"); !slices.Equal(got, []string{"org:member", "org:admin", "org:reviewer"}) || field(rep, "default_role", "key") != "org:reviewer" {
		t.Errorf("replaceRole: %v default %v", got, rep["default_role"])
	}
	h.fail("roleSets.replaceRole", map[string]any{"role_set_key_or_id": "s", "role_key": "org:auditor", "to_role_key": "org:member"}, 404, "resource_not_found")
	h.fail("roleSets.replaceRole", map[string]any{"role_set_key_or_id": "nope", "role_key": "org:member", "to_role_key": "org:admin"}, 404, "resource_not_found")
	if got := h.obj("roleSets.get", map[string]any{"role_set_key_or_id": "s"}); len(got["roles"].([]any)) != 3 {
		t.Errorf("roleSets.get: %v", got["roles"])
	}
}

// Satellite domains: a valid, unused host name.
func TestGenericDomains(t *testing.T) {
	h := newHarness(t)
	for _, bad := range []string{"not a domain", "example", "-x.example.com", "x..example.com", "example.com:99999"} {
		h.fail("domains.add", map[string]any{"name": bad, "is_satellite": true}, 422, "form_param_format_invalid")
	}
	h.fail("domains.add", map[string]any{"name": h.in.Emulator.FrontendAPI(), "is_satellite": true}, 400, "duplicate_record")
	h.fail("domains.add", map[string]any{"name": "sat.example.com", "is_satellite": true, "proxy_url": "not a url"}, 422, "form_param_format_invalid")
	d := h.obj("domains.add", map[string]any{"name": "sat.example.com", "is_satellite": true})
	h.obj("domains.add", map[string]any{"name": "localhost:3000", "is_satellite": true})
	h.fail("domains.add", map[string]any{"name": "SAT.example.com", "is_satellite": true}, 400, "duplicate_record")
	h.obj("domains.delete", map[string]any{"domain_id": d["id"]})
	h.obj("domains.add", map[string]any{"name": "sat.example.com", "is_satellite": true}) // free again
}

// API keys: the subject exists; lists filter by subject, type and validity.
func TestGenericAPIKeys(t *testing.T) {
	h := newHarness(t)
	a := str(h.obj("users.create", map[string]any{"external_id": "a"})["id"])
	b := str(h.obj("users.create", map[string]any{"external_id": "b"})["id"])
	h.fail("apiKeys.create", map[string]any{"name": "k", "subject": "user_missing"}, 404, "resource_not_found")
	h.fail("apiKeys.create", map[string]any{"name": "k", "subject": "bob"}, 422, "form_param_format_invalid")
	k1 := h.obj("apiKeys.create", map[string]any{"name": "ci deploy", "subject": a})
	k2 := h.obj("apiKeys.create", map[string]any{"name": "backup", "subject": a, "seconds_until_expiration": 60})
	h.obj("apiKeys.create", map[string]any{"name": "other", "subject": b})
	if got := ids(h.list("apiKeys.list", map[string]any{"subject": a})); !slices.Equal(got, []string{str(k1["id"]), str(k2["id"])}) {
		t.Errorf("keys of a: %v", got)
	}
	if got := ids(h.list("apiKeys.list", map[string]any{"subject": a, "type": "api_key"})); len(got) != 2 {
		t.Errorf("type=api_key: %v", got)
	}
	if got := ids(h.list("apiKeys.list", map[string]any{"subject": a, "query": "deploy"})); !slices.Equal(got, []string{str(k1["id"])}) {
		t.Errorf("query: %v", got)
	}
	// Revoked and expired keys are left out unless include_invalid.
	h.obj("apiKeys.revoke", map[string]any{"apiKeyID": k1["id"]})
	h.clock.Advance(2 * time.Minute)
	if got := h.list("apiKeys.list", map[string]any{"subject": a}); len(got) != 0 {
		t.Errorf("valid keys: %v", ids(got))
	}
	if got := h.list("apiKeys.list", map[string]any{"subject": a, "include_invalid": true}); len(got) != 2 {
		t.Errorf("all keys: %v", ids(got))
	}
	h.fail("apiKeys.verify", map[string]any{"secret": str(k2["secret"])}, http.StatusUnauthorized, "token_invalid")
	if g := h.obj("apiKeys.get", map[string]any{"apiKeyID": k2["id"]}); g["expired"] != true || g["expiration"] == nil {
		t.Errorf("expired key: expired=%v expiration=%v", g["expired"], g["expiration"])
	}
}

// Machines: lists order and filter; deleting one removes its scopes and
// the other machines' scopes to it; scopes need an existing machine.
func TestGenericMachines(t *testing.T) {
	h := newHarness(t)
	a := h.obj("machines.create", map[string]any{"name": "zeta"})
	b := h.obj("machines.create", map[string]any{"name": "alpha"})
	h.fail("machines.create", map[string]any{"name": " "}, 422, "form_param_value_invalid")
	h.fail("machines.create", map[string]any{"name": "x", "scoped_machines": []string{"mch_missing"}}, 404, "resource_not_found")
	h.fail("machines.createScope", map[string]any{"machine_id": a["id"], "to_machine_id": "mch_missing"}, 404, "resource_not_found")
	if got := keysOf(h.list("machines.list", map[string]any{"order_by": "name"}), "name"); !slices.Equal(got, []string{"alpha", "zeta"}) {
		t.Errorf("machines by name: %v", got)
	}
	if got := keysOf(h.list("machines.list", map[string]any{"query": "ZET"}), "name"); !slices.Equal(got, []string{"zeta"}) {
		t.Errorf("machines query: %v", got)
	}
	h.obj("machines.createScope", map[string]any{"machine_id": a["id"], "to_machine_id": b["id"]})
	h.obj("machines.createScope", map[string]any{"machine_id": b["id"], "to_machine_id": a["id"]})
	h.obj("machines.delete", map[string]any{"machine_id": a["id"]})
	e := h.in.Emulator
	e.mu.Lock()
	left := 0
	for _, r := range e.st.Generic.all() {
		if r.Coll == "/machines/{}/scopes" {
			left++
		}
	}
	e.mu.Unlock()
	if left != 0 {
		t.Errorf("%d scopes left after their machine was deleted", left)
	}
}

// OAuth applications: URLs are checked; lists order and filter by name.
func TestGenericOAuthApplications(t *testing.T) {
	h := newHarness(t)
	h.fail("oauthApplications.create", map[string]any{"name": "x", "callback_url": "nope"}, 422, "form_param_format_invalid")
	h.fail("oauthApplications.create", map[string]any{"name": "x", "redirect_uris": []string{"https://ok.example.com/cb", "::"}}, 422, "form_param_format_invalid")
	h.obj("oauthApplications.create", map[string]any{"name": "Mobile", "redirect_uris": []string{"myapp://callback"}})
	h.obj("oauthApplications.create", map[string]any{"name": "Web", "callback_url": "https://web.example.com/cb"})
	if got := keysOf(h.list("oauthApplications.list", map[string]any{"order_by": "-name"}), "name"); !slices.Equal(got, []string{"Web", "Mobile"}) {
		t.Errorf("by -name: %v", got)
	}
	if got := keysOf(h.list("oauthApplications.list", map[string]any{"name_query": "mob"}), "name"); !slices.Equal(got, []string{"Mobile"}) {
		t.Errorf("name_query: %v", got)
	}
}

// SAML and enterprise connections, directories: references exist, lists
// filter by organization, deleting a directory deletes its mappings, and the
// mapping lists are lists (GET once created a record).
func TestGenericConnectionsAndDirectories(t *testing.T) {
	h := newHarness(t)
	oid := str(h.obj("organizations.create", map[string]any{"name": "Corp"})["id"])
	h.fail("samlConnections.create", map[string]any{"name": "s", "provider": "saml_custom", "organization_id": "org_missing"}, 404, "resource_not_found")
	h.fail("samlConnections.create", map[string]any{"name": "s", "provider": "saml_custom", "idp_metadata_url": "metadata"}, 422, "form_param_format_invalid")
	h.fail("samlConnections.create", map[string]any{"name": "s", "provider": "saml_custom", "domains": []string{"not a domain"}}, 422, "form_param_format_invalid")
	s1 := h.obj("samlConnections.create", map[string]any{"name": "Okta corp", "provider": "saml_okta", "organization_id": oid, "domains": []string{"corp.example.com"}})
	h.obj("samlConnections.create", map[string]any{"name": "Other", "provider": "saml_custom"})
	if got := ids(h.list("samlConnections.list", map[string]any{"organization_id": oid})); !slices.Equal(got, []string{str(s1["id"])}) {
		t.Errorf("saml by organization: %v", got)
	}
	if got := ids(h.list("samlConnections.list", map[string]any{"query": "okta"})); !slices.Equal(got, []string{str(s1["id"])}) {
		t.Errorf("saml query: %v", got)
	}

	h.fail("directories.create", map[string]any{"enterprise_connection_id": "entc_missing", "provider": "okta"}, 404, "resource_not_found")
	ec := h.obj("enterpriseConnections.create", map[string]any{"name": "EC", "provider": "saml_okta", "domains": []string{"corp.example.com"}})
	dir := h.obj("directories.create", map[string]any{"enterprise_connection_id": ec["id"], "provider": "okta"})
	h.fail("directories.createGroupRoleMapping", map[string]any{"directory_id": dir["id"], "role_id": "role_missing"}, 404, "resource_not_found")
	role := h.obj("organizationRoles.create", map[string]any{"name": "Ops", "key": "org:ops"})
	if mp := h.obj("directories.createGroupRoleMapping", map[string]any{"directory_id": dir["id"], "role_id": role["id"]}); field(mp, "role", "key") != "org:ops" {
		t.Errorf("mapping role: %v", mp["role"])
	}
	for range 2 {
		if got := h.list("directories.listGroupRoleMappings", map[string]any{"directory_id": dir["id"]}); len(got) != 1 {
			t.Errorf("mappings: %v", got)
		}
	}
	h.obj("directories.delete", map[string]any{"directory_id": dir["id"]})
	h.fail("directories.listGroupRoleMappings", map[string]any{"directory_id": dir["id"]}, 404, "resource_not_found")
	e := h.in.Emulator
	e.mu.Lock()
	for _, r := range e.st.Generic.all() {
		if r.Parent == str(dir["id"]) {
			t.Errorf("record %s left below the deleted directory", r.ID)
		}
	}
	e.mu.Unlock()
}

// A trusted-device list is a list (GET once created a record).
func TestGenericUserTrustedDevices(t *testing.T) {
	h := newHarness(t)
	uid := str(h.obj("users.create", map[string]any{"external_id": "td"})["id"])
	for range 2 {
		if got := h.list("users.listTrustedDevices", map[string]any{"user_id": uid}); len(got) != 0 {
			t.Errorf("trusted devices: %v", got)
		}
	}
	h.fail("users.listTrustedDevices", map[string]any{"user_id": "user_missing"}, 404, "resource_not_found")
	e := h.in.Emulator
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.st.Generic.all() {
		t.Errorf("a GET made record %s in %s", r.ID, r.Coll)
	}
}

// Deleting a user or an organization deletes its API keys and the records
// below it (billing balances); an organization's SAML connection stays,
// untied. Before, the keys outlived their subject and still verified.
func TestGenericOwnedRecordsGoWithTheirOwner(t *testing.T) {
	h := newHarness(t)
	uid := str(h.obj("users.create", map[string]any{"external_id": "owner"})["id"])
	oid := str(h.obj("organizations.create", map[string]any{"name": "Owned"})["id"])
	uk := h.obj("apiKeys.create", map[string]any{"name": "u", "subject": uid})
	ok := h.obj("apiKeys.create", map[string]any{"name": "o", "subject": oid})
	h.obj("users.adjustBillingCreditBalance", map[string]any{"user_id": uid, "amount": 100, "action": "increase", "idempotency_key": "k1"})
	saml := h.obj("samlConnections.create", map[string]any{"name": "s", "provider": "saml_custom", "organization_id": oid})

	h.obj("users.delete", map[string]any{"user_id": uid})
	h.fail("apiKeys.get", map[string]any{"apiKeyID": uk["id"]}, 404, "resource_not_found")
	h.fail("apiKeys.verify", map[string]any{"secret": uk["secret"]}, 404, "resource_not_found")
	h.obj("apiKeys.get", map[string]any{"apiKeyID": ok["id"]})

	h.obj("organizations.delete", map[string]any{"organization_id": oid})
	h.fail("apiKeys.get", map[string]any{"apiKeyID": ok["id"]}, 404, "resource_not_found")
	if s := h.obj("samlConnections.get", map[string]any{"saml_connection_id": saml["id"]}); s["organization_id"] != nil {
		t.Errorf("saml connection of a deleted organization: %v", s["organization_id"])
	}
	e := h.in.Emulator
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range e.st.Generic.all() {
		if r.Coll != "/saml_connections" {
			t.Errorf("record %s (%s) outlived its owner", r.ID, r.Coll)
		}
	}
}

// Machine secret keys are the one issued at create, and rotate replaces it
// (before: an empty secret, and rotate changed nothing); OAuth applications
// carry their Frontend API endpoints and revoke_token leaves the application
// alone (before: it marked the application revoked, and a second call
// failed); the primary domain cannot be deleted (403, not 404); a missing
// required query parameter is refused. Run by TestAPI.
func testMachinesAndApps(t *testing.T, h *harness) {
	m := h.obj("machines.create", map[string]any{"name": "rotator"})
	first := str(m["secret_key"])
	if s := h.obj("machines.getSecretKey", map[string]any{"machine_id": m["id"]}); s["secret"] != first || first == "" {
		t.Errorf("getSecretKey: %v, issued %q", s, first)
	}
	h.fail("machines.rotateSecretKey", map[string]any{"machine_id": m["id"], "previous_token_ttl": -1}, 422, "form_param_value_invalid")
	rot := h.obj("machines.rotateSecretKey", map[string]any{"machine_id": m["id"], "previous_token_ttl": 0})
	if rot["secret"] == first || str(rot["secret"]) == "" {
		t.Errorf("rotate: %v", rot)
	}
	if s := h.obj("machines.getSecretKey", map[string]any{"machine_id": m["id"]}); s["secret"] != rot["secret"] {
		t.Errorf("getSecretKey after rotate: %v", s)
	}
	h.fail("machines.getSecretKey", map[string]any{"machine_id": "mch_missing"}, 404, "resource_not_found")

	// Scopes: shown in scoped_machines, addressed by the other machine's id
	// (before: deleteScope was always 404, scoped_machines empty items).
	peer := h.obj("machines.create", map[string]any{"name": "peer-x"})
	sc := h.obj("machines.createScope", map[string]any{"machine_id": m["id"], "to_machine_id": peer["id"]})
	if sc["from_machine_id"] != m["id"] || sc["to_machine_id"] != peer["id"] {
		t.Errorf("scope: %v", sc)
	}
	h.fail("machines.createScope", map[string]any{"machine_id": m["id"], "to_machine_id": peer["id"]}, 400, "duplicate_record")
	h.fail("machines.createScope", map[string]any{"machine_id": m["id"], "to_machine_id": m["id"]}, 422, "form_param_value_invalid")
	if g := h.obj("machines.get", map[string]any{"machine_id": m["id"]}); len(g["scoped_machines"].([]any)) != 1 || field(g["scoped_machines"].([]any)[0], "id") != peer["id"] {
		t.Errorf("scoped_machines: %v", g["scoped_machines"])
	}
	withScope := h.obj("machines.create", map[string]any{"name": "born-scoped", "scoped_machines": []string{str(peer["id"])}})
	if sm := withScope["scoped_machines"].([]any); len(sm) != 1 || field(sm[0], "name") != "peer-x" {
		t.Errorf("scoped_machines at create: %v", sm)
	}
	if d := h.obj("machines.deleteScope", map[string]any{"machine_id": m["id"], "other_machine_id": peer["id"]}); d["deleted"] != true {
		t.Errorf("deleteScope: %v", d)
	}
	h.fail("machines.deleteScope", map[string]any{"machine_id": m["id"], "other_machine_id": peer["id"]}, 404, "resource_not_found")
	h.obj("machines.delete", map[string]any{"machine_id": peer["id"]})
	if g := h.obj("machines.get", map[string]any{"machine_id": withScope["id"]}); len(g["scoped_machines"].([]any)) != 0 {
		t.Errorf("scoped_machines after the peer was deleted: %v", g["scoped_machines"])
	}

	app := h.obj("oauthApplications.create", map[string]any{"name": "Portal", "redirect_uris": []string{"https://portal.example.com/cb"}})
	fapi := "https://" + h.in.Emulator.FrontendAPI()
	if app["authorize_url"] != fapi+"/oauth/authorize" || app["token_fetch_url"] != fapi+"/oauth/token" ||
		app["callback_url"] != "https://portal.example.com/cb" || app["scopes"] != "profile email" {
		t.Errorf("oauth application: %v", app)
	}
	for range 2 {
		h.ok("oauthApplications.revokeToken", map[string]any{"oauth_application_id": app["id"], "token": "whatever"})
	}
	h.fail("oauthApplications.revokeToken", map[string]any{"oauth_application_id": app["id"]}, 422, "form_param_missing")

	primary := str(field(h.list("domains.list", nil)[0], "id"))
	h.fail("domains.delete", map[string]any{"domain_id": primary}, 403, "operation_not_allowed_on_primary_domain")

	// (core's client refuses to send these; raw requests.)
	for _, path := range []string{"/v1/m2m_tokens", "/v1/api_keys"} {
		if w := rawDo(t, h.in.Emulator, http.MethodGet, path, h.in.SecretKey, ""); w.Code != 422 || errCode(t, w) != "form_param_missing" {
			t.Errorf("GET %s without subject: %d %s", path, w.Code, w.Body)
		}
	}
}

// SAML connections and satellite domains carry what Clerk derives for them:
// the service provider URLs on the instance's Frontend API, the satellite's
// Frontend API URL and CNAME targets (before: empty strings).
func TestGenericDerivedFields(t *testing.T) {
	h := newHarness(t)
	s := h.obj("samlConnections.create", map[string]any{"name": "Okta", "provider": "saml_okta", "domain": "corp.example.com"})
	fapi := "https://" + h.in.Emulator.FrontendAPI()
	if s["acs_url"] != fapi+"/v1/saml/acs/"+str(s["id"]) || s["sp_entity_id"] == "" || s["sp_metadata_url"] == "" {
		t.Errorf("saml SP urls: %v %v %v", s["acs_url"], s["sp_entity_id"], s["sp_metadata_url"])
	}
	if ds := toStrings(s["domains"]); !slices.Equal(ds, []string{"corp.example.com"}) {
		t.Errorf("saml domains: %v", s["domains"])
	}
	if g := h.obj("samlConnections.get", map[string]any{"saml_connection_id": s["id"]}); g["acs_url"] != s["acs_url"] {
		t.Errorf("get: %v", g["acs_url"])
	}
	d := h.obj("domains.add", map[string]any{"name": "sat.example.com", "is_satellite": true})
	if d["frontend_api_url"] != "https://clerk.sat.example.com" || len(d["cname_targets"].([]any)) == 0 {
		t.Errorf("satellite: %v", d)
	}
}

// include_missing_member_with_elevated_permissions answers on its own
// (before, only include_members_count brought the field).
func TestOrganizationMissingElevatedMember(t *testing.T) {
	h := newHarness(t)
	uid := str(h.obj("users.create", map[string]any{"external_id": "m"})["id"])
	oid := str(h.obj("organizations.create", map[string]any{"name": "NoAdmin"})["id"])
	h.obj("organizationMemberships.create", map[string]any{"organization_id": oid, "user_id": uid, "role": "org:member"})
	q := map[string]any{"organization_id": oid, "include_missing_member_with_elevated_permissions": true}
	if o := h.obj("organizations.get", q); o["missing_member_with_elevated_permissions"] != true || o["members_count"] != nil {
		t.Errorf("get: %v", o)
	}
	h.obj("organizationMemberships.update", map[string]any{"organization_id": oid, "user_id": uid, "role": "org:admin"})
	if l := h.list("organizations.list", map[string]any{"include_missing_member_with_elevated_permissions": true}); len(l) != 1 || field(l[0], "missing_member_with_elevated_permissions") != false {
		t.Errorf("list: %v", l)
	}
	if o := h.obj("organizations.get", map[string]any{"organization_id": oid}); o["missing_member_with_elevated_permissions"] != nil {
		t.Errorf("not asked for: %v", o["missing_member_with_elevated_permissions"])
	}
}

// The default roles and the system permissions are listed and read like
// created ones (before, lists held only created records), cannot be changed
// or deleted, and system permissions can be given to created roles, which
// then count as elevated.
func TestBuiltinRolesAndPermissions(t *testing.T) {
	h := newHarness(t)
	roles := h.list("organizationRoles.list", nil)
	if got := keysOf(roles, "key"); !slices.Equal(got, []string{"org:admin", "org:member"}) {
		t.Fatalf("default roles: %v", got)
	}
	if ps := field(roles[0], "permissions").([]any); len(ps) != 6 || field(ps[0], "type") != "system" {
		t.Errorf("admin permissions: %v", ps)
	}
	perms := h.list("organizationPermissions.list", map[string]any{"limit": 100})
	if len(perms) != 6 || !slices.Contains(keysOf(perms, "key"), "org:sys_memberships:manage") {
		t.Errorf("system permissions: %v", keysOf(perms, "key"))
	}
	if r := h.obj("organizationRoles.get", map[string]any{"organization_role_id": "role_admin"}); r["key"] != "org:admin" {
		t.Errorf("get role_admin: %v", r)
	}
	h.fail("organizationRoles.update", map[string]any{"organization_role_id": "role_member", "name": "Peon"}, 403, "operation_not_allowed")
	h.fail("organizationRoles.delete", map[string]any{"organization_role_id": "role_admin"}, 403, "operation_not_allowed")
	h.fail("organizationPermissions.delete", map[string]any{"permission_id": builtinPermissionID("org:sys_profile:delete")}, 403, "operation_not_allowed")
	h.fail("organizationPermissions.create", map[string]any{"name": "x", "key": "org:sys_profile:manage"}, 422, "form_param_format_invalid")

	// A created role with the system permission to manage members is elevated.
	mgr := h.obj("organizationRoles.create", map[string]any{"name": "Manager", "key": "org:manager",
		"permissions": []string{builtinPermissionID("org:sys_memberships:manage")}})
	if ps := mgr["permissions"].([]any); len(ps) != 1 || field(ps[0], "key") != "org:sys_memberships:manage" {
		t.Errorf("manager permissions: %v", ps)
	}
	uid := str(h.obj("users.create", map[string]any{"external_id": "mgr"})["id"])
	oid := str(h.obj("organizations.create", map[string]any{"name": "Managed"})["id"])
	h.obj("organizationMemberships.create", map[string]any{"organization_id": oid, "user_id": uid, "role": "org:manager"})
	if o := h.obj("organizations.get", map[string]any{"organization_id": oid, "include_members_count": true}); o["missing_member_with_elevated_permissions"] != false {
		t.Errorf("a manager is elevated: %v", o["missing_member_with_elevated_permissions"])
	}
	h.obj("organizationRoles.assignPermission", map[string]any{"organization_role_id": mgr["id"], "permission_id": builtinPermissionID("org:sys_domains:read")})
}

// Agent tasks act for an existing user and carry their ids; proxy checks
// and domain changes take URLs of domains the instance has. Before, any
// body was kept and the task ids were empty.
func TestGenericAgentTasksAndInstanceChanges(t *testing.T) {
	h := newHarness(t)
	uid := str(h.obj("users.create", map[string]any{"email_address": []string{"agent-owner@example.com"}})["id"])
	task := func(obo map[string]any, redirect string) map[string]any {
		return map[string]any{"on_behalf_of": obo, "permissions": "*", "agent_name": "bot", "task_description": "d", "redirect_url": redirect}
	}
	h.fail("agentTasks.create", task(map[string]any{"user_id": "user_missing"}, "https://app.example.com"), 404, "resource_not_found")
	h.fail("agentTasks.create", task(map[string]any{"identifier": "nobody@example.com"}, "https://app.example.com"), 404, "resource_not_found")
	h.fail("agentTasks.create", task(map[string]any{}, "https://app.example.com"), 422, "form_param_missing")
	h.fail("agentTasks.create", task(map[string]any{"user_id": uid}, "not a url"), 422, "form_param_format_invalid")
	at := h.obj("agentTasks.create", task(map[string]any{"identifier": "agent-owner@example.com"}, "https://app.example.com"))
	if str(at["agent_task_id"]) == "" || str(at["task_id"]) == "" || str(at["agent_id"]) == "" {
		t.Errorf("agent task: %v", at)
	}
	h.obj("agentTasks.revoke", map[string]any{"agent_task_id": at["agent_task_id"]})

	h.fail("proxyChecks.verify", map[string]any{"domain_id": "dmn_missing", "proxy_url": "https://p.example.com/__clerk"}, 404, "resource_not_found")
	h.fail("proxyChecks.verify", map[string]any{"proxy_url": "nope"}, 422, "form_param_format_invalid")
	h.fail("instanceSettings.changeDomain", map[string]any{"home_url": "nope"}, 422, "form_param_format_invalid")
	h.ok("instanceSettings.changeDomain", map[string]any{"home_url": "https://www.example.com"})
}

// An update keeps what it does not name: an OAuth application's scopes, a
// role set's type and key.
func TestGenericUpdateKeepsDerivedFields(t *testing.T) {
	h := newHarness(t)
	app := h.obj("oauthApplications.create", map[string]any{"name": "A", "scopes": "profile email openid"})
	if up := h.obj("oauthApplications.update", map[string]any{"oauth_application_id": app["id"], "name": "B"}); up["scopes"] != "profile email openid" || up["authorize_url"] != app["authorize_url"] {
		t.Errorf("update lost fields: %v", up)
	}
	rs := h.obj("roleSets.create", map[string]any{"name": "Team Set", "default_role_key": "org:member", "creator_role_key": "org:admin",
		"roles": []string{"org:member", "org:admin"}, "type": "initial"})
	if rs["key"] != "role_set:team_set" {
		t.Errorf("derived key: %v", rs["key"])
	}
	if up := h.obj("roleSets.update", map[string]any{"role_set_key_or_id": rs["id"], "name": "Renamed"}); up["type"] != "initial" || up["key"] != "role_set:team_set" {
		t.Errorf("role set update: %v %v", up["type"], up["key"])
	}
}

// A role in use cannot be deleted (the spec: creator role, domain default
// role, members, invitations); renaming its key carries the new key to the
// instance settings and (in the emulator) to memberships and invitations.
// Before, deleting left memberships naming a role that no longer existed.
func TestGenericRoleInUse(t *testing.T) {
	h := newHarness(t)
	role := h.obj("organizationRoles.create", map[string]any{"name": "Lead", "key": "org:lead"})
	uid := str(h.obj("users.create", map[string]any{"external_id": "lead"})["id"])
	oid := str(h.obj("organizations.create", map[string]any{"name": "Leads"})["id"])
	h.obj("organizationMemberships.create", map[string]any{"organization_id": oid, "user_id": uid, "role": "org:lead"})
	h.fail("organizationRoles.delete", map[string]any{"organization_role_id": role["id"]}, 422, "organization_role_in_use")

	h.obj("organizationRoles.update", map[string]any{"organization_role_id": role["id"], "key": "org:head"})
	ms := h.list("organizationMemberships.list", map[string]any{"organization_id": oid})
	if len(ms) != 1 || field(ms[0], "role") != "org:head" || field(ms[0], "role_name") != "Lead" {
		t.Errorf("membership after the key changed: %v", ms)
	}
	h.obj("organizationMemberships.delete", map[string]any{"organization_id": oid, "user_id": uid})
	inv := h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "l@example.com", "role": "org:head"})
	h.fail("organizationRoles.delete", map[string]any{"organization_role_id": role["id"]}, 422, "organization_role_in_use")
	h.obj("organizationInvitations.revoke", map[string]any{"organization_id": oid, "invitation_id": inv["id"]})
	h.obj("instanceSettings.updateOrganizationSettings", map[string]any{"creator_role_id": "org:head"})
	h.fail("organizationRoles.delete", map[string]any{"organization_role_id": role["id"]}, 422, "organization_role_in_use")
	h.obj("instanceSettings.updateOrganizationSettings", map[string]any{"creator_role_id": "org:admin"})
	h.obj("organizationRoles.delete", map[string]any{"organization_role_id": role["id"]})
}

// A locked user cannot sign in, as a banned one cannot (before: sessions
// were created for locked users).
func TestLockedUserGetsNoSession(t *testing.T) {
	h := newHarness(t)
	uid := str(h.obj("users.create", map[string]any{"external_id": "locked"})["id"])
	h.obj("users.lock", map[string]any{"user_id": uid})
	h.fail("sessions.create", map[string]any{"user_id": uid}, 403, "user_locked")
	h.obj("users.unlock", map[string]any{"user_id": uid})
	h.obj("sessions.create", map[string]any{"user_id": uid})
}
