package emulator

import (
	"bytes"
	"strings"
	"testing"
)

// testGeneric drives generically emulated operations through their life
// cycle; every success is checked against its response schema by the
// harness (run by TestAPI).
func testGeneric(t *testing.T, h *harness) {
	u := h.obj("users.create", map[string]any{"external_id": "key-owner"})

	// API keys: create, read, secret, verify, revoke, update, delete.
	k := h.obj("apiKeys.create", map[string]any{"name": "ci", "subject": str(u["id"])})
	kid, secret := str(k["id"]), str(k["secret"])
	if !strings.HasPrefix(kid, "ak_") || secret == "" || k["name"] != "ci" {
		t.Fatalf("apiKeys.create: %v", k)
	}
	if g := h.obj("apiKeys.get", map[string]any{"apiKeyID": kid}); g["name"] != "ci" || g["subject"] != str(u["id"]) {
		t.Errorf("apiKeys.get: %v", g)
	}
	if s := h.obj("apiKeys.getSecret", map[string]any{"apiKeyID": kid}); s["secret"] != secret {
		t.Errorf("apiKeys.getSecret: %v, want the secret issued at create", s)
	}
	if l := h.list("apiKeys.list", map[string]any{"subject": str(u["id"])}); len(l) != 1 {
		t.Errorf("apiKeys.list: %v", l)
	}
	if v := h.obj("apiKeys.verify", map[string]any{"secret": secret}); v["id"] != kid {
		t.Errorf("apiKeys.verify: %v", v)
	}
	h.fail("apiKeys.verify", map[string]any{"secret": "ak_wrong"}, 404, "resource_not_found")
	if r := h.obj("apiKeys.revoke", map[string]any{"apiKeyID": kid, "revocation_reason": "rotated"}); r["revoked"] != true {
		t.Errorf("apiKeys.revoke: %v", r)
	}
	h.fail("apiKeys.verify", map[string]any{"secret": secret}, 401, "token_invalid")
	if up := h.obj("apiKeys.update", map[string]any{"apiKeyID": kid, "description": "renamed"}); up["description"] != "renamed" {
		t.Errorf("apiKeys.update: %v", up)
	}
	h.obj("apiKeys.delete", map[string]any{"apiKeyID": kid})
	h.fail("apiKeys.get", map[string]any{"apiKeyID": kid}, 404, "resource_not_found")

	// Request bodies are checked against the request schema.
	h.fail("machines.create", map[string]any{"name": "m", "surprise": 1}, 422, "form_param_unknown")
	h.fail("organizationPermissions.create", map[string]any{"name": "Read"}, 422, "form_param_missing")
	h.fail("machines.create", map[string]any{"name": 7}, 422, "form_param_type_invalid")

	// Roles and permissions are announced as Clerk announces them.
	role := h.obj("organizationRoles.create", map[string]any{"name": "Editor", "key": "org:editor", "description": "edits"})
	ev := h.in.WaitEvent(t, "role.created", nil)
	if !bytes.Contains(ev.Body, []byte(str(role["id"]))) {
		t.Errorf("role.created: %s", ev.Body)
	}
	perm := h.obj("organizationPermissions.create", map[string]any{"name": "Read", "key": "org:posts:read", "description": "reads"})
	withPerm := h.obj("organizationRoles.assignPermission", map[string]any{"organization_role_id": str(role["id"]), "permission_id": str(perm["id"])})
	if ps := withPerm["permissions"].([]any); len(ps) != 1 || field(ps[0], "key") != "org:posts:read" {
		t.Errorf("assignPermission: %v", withPerm["permissions"])
	}
	h.fail("organizationRoles.assignPermission", map[string]any{"organization_role_id": str(role["id"]), "permission_id": str(perm["id"])}, 400, "duplicate_record")
	without := h.obj("organizationRoles.removePermission", map[string]any{"organization_role_id": str(role["id"]), "permission_id": str(perm["id"])})
	if ps := without["permissions"].([]any); len(ps) != 0 {
		t.Errorf("removePermission: %v", ps)
	}
	h.obj("organizationRoles.delete", map[string]any{"organization_role_id": str(role["id"])})
	h.in.WaitEvent(t, "role.deleted", nil)

	// Nested collections hang from an existing parent.
	m := h.obj("machines.create", map[string]any{"name": "worker"})
	other := h.obj("machines.create", map[string]any{"name": "peer"})
	h.obj("machines.createScope", map[string]any{"machine_id": str(m["id"]), "to_machine_id": str(other["id"])})
	h.fail("machines.createScope", map[string]any{"machine_id": "mch_missing", "to_machine_id": str(other["id"])}, 404, "resource_not_found")

	// Singletons: read defaults, then what was written.
	h.obj("instanceSettings.updateProtect", map[string]any{"rules_enabled": true})
	if p := h.obj("instanceSettings.getProtect", nil); p["rules_enabled"] != true {
		t.Errorf("instance protect: %v", p)
	}

	// Satellite domains show in domains.list after the instance's own.
	h.obj("domains.add", map[string]any{"name": "satellite.example.com", "is_satellite": true})
	if ds := h.list("domains.list", nil); len(ds) != 2 || field(ds[1], "name") != "satellite.example.com" {
		t.Errorf("domains.list: %v", ds)
	}

	// Generic records survive a save and load.
	var buf bytes.Buffer
	if err := h.in.Emulator.Save(&buf); err != nil {
		t.Fatal(err)
	}
	e2 := mustNew()
	if err := e2.Load(&buf); err != nil {
		t.Fatal(err)
	}
	if r := e2.st.Generic.get(str(m["id"])); r == nil || r.Data["name"] != "worker" {
		t.Errorf("machine after load: %+v", r)
	}
}
