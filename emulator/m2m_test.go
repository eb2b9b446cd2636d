package emulator

import (
	"net/http"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// as runs f with the harness's client authenticated by key.
func (h *harness) as(key string, f func()) {
	saved := h.in.Client
	h.in.Client = core.NewClient(core.NewClientConfig().WithSecretKey(key).WithAPIURL(h.in.URL).
		WithTransport(core.NewHTTPTransport(http.DefaultClient)))
	defer func() { h.in.Client = saved }()
	f()
}

// M2M tokens are made with a machine's secret key and carry its scopes; a
// machine verifies only tokens granting it access; a machine's key lists
// only its tokens. Before, tokens were made with the instance key, had no
// subject or scopes, and any key verified any token. Run by TestAPI.
func testM2M(t *testing.T, h *harness) {
	a := h.obj("machines.create", map[string]any{"name": "m2m-a"})
	b := h.obj("machines.create", map[string]any{"name": "m2m-b"})
	c := h.obj("machines.create", map[string]any{"name": "m2m-c"})
	h.obj("machines.createScope", map[string]any{"machine_id": a["id"], "to_machine_id": b["id"]})
	aKey, bKey, cKey := str(a["secret_key"]), str(b["secret_key"]), str(c["secret_key"])

	h.fail("m2mTokens.create", map[string]any{}, 401, "machine_secret_key_required")
	var tok map[string]any
	h.as(aKey, func() {
		tok = h.obj("m2mTokens.create", map[string]any{"seconds_until_expiration": 3600, "claims": map[string]any{"job": "sync"}})
		if tok["subject"] != a["id"] || len(toStrings(tok["scopes"])) != 1 || toStrings(tok["scopes"])[0] != b["id"] || str(tok["token"]) == "" {
			t.Errorf("token: %v", tok)
		}
		if l := h.obj("m2mTokens.list", map[string]any{"subject": a["id"]}); len(l["m2m_tokens"].([]any)) != 1 {
			t.Errorf("a's tokens: %v", l)
		}
		h.fail("m2mTokens.list", map[string]any{"subject": b["id"]}, 403, "operation_not_allowed")
		// A machine key is for m2m tokens only.
		h.fail("users.list", nil, 401, "clerk_key_invalid")
	})
	h.as(bKey, func() {
		if v := h.obj("m2mTokens.verify", map[string]any{"token": tok["token"]}); v["subject"] != a["id"] {
			t.Errorf("verify by b: %v", v)
		}
	})
	h.as(cKey, func() {
		h.fail("m2mTokens.verify", map[string]any{"token": tok["token"]}, 401, "token_invalid")
	})
	h.obj("m2mTokens.verify", map[string]any{"token": tok["token"]})
	if l := h.obj("m2mTokens.list", map[string]any{"subject": a["id"]}); len(l["m2m_tokens"].([]any)) != 1 {
		t.Errorf("a's tokens with the instance key: %v", l)
	}
	h.obj("m2mTokens.revoke", map[string]any{"m2m_token_id": tok["id"]})
	h.as(bKey, func() {
		h.fail("m2mTokens.verify", map[string]any{"token": tok["token"]}, 401, "token_invalid")
	})
	h.fail("m2mTokens.verify", map[string]any{"token": "mt_unknown"}, 404, "resource_not_found")
	h.as("ak_not_a_machine_key", func() {
		h.fail("m2mTokens.list", map[string]any{"subject": a["id"]}, 401, "clerk_key_invalid")
	})
}
