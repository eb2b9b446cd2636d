package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	h := newHarness(t)
	uid, oid, sid := mintSession(t, h)
	h.obj("users.updateMetadata", map[string]any{"user_id": uid, "public_metadata": map[string]any{"big": 12345678901234567}})
	h.obj("users.update", map[string]any{"user_id": uid, "password": "a long enough secret"})
	h.ok("invitations.create", map[string]any{"email_address": "saved@example.com"})
	tok := str(h.obj("sessions.createToken", map[string]any{"session_id": sid})["jwt"])

	path := filepath.Join(t.TempDir(), "state.json")
	if err := h.in.Emulator.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if bytes.Contains(raw, []byte("a long enough secret")) {
		t.Fatal("the state file holds a plaintext password")
	}

	// A fresh emulator with another key and seed takes over the saved instance.
	h2 := newHarness(t, WithSeed(99))
	h2.in.Emulator.explicitKey = false // let the file's secret key apply
	if err := h2.in.Emulator.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	if h2.in.Emulator.SecretKey() != h.in.Emulator.SecretKey() {
		t.Errorf("secret key not restored")
	}
	got := h2.obj("users.get", map[string]any{"user_id": uid})
	if got["password_enabled"] != true || field(got, "public_metadata", "big") == nil {
		t.Errorf("user after load: %v", got)
	}
	var n json.Number = field(got, "public_metadata", "big").(json.Number)
	if n.String() != "12345678901234567" {
		t.Errorf("metadata number changed to %s", n)
	}
	if fmt.Sprint(len(h2.list("organizationMemberships.list", map[string]any{"organization_id": oid}))) != "1" {
		t.Errorf("membership lost")
	}
	// Tokens minted before the save still verify against the loaded JWKS.
	if _, err := core.NewVerifier(core.VerifierConfig{}).Verify(context.Background(), tok,
		core.VerifyOptions{Client: h2.in.Client, Now: h.clock.Now}); err != nil {
		t.Errorf("old token after load: %v", err)
	}
	// Ids continue the saved sequence instead of colliding.
	u2 := h2.obj("users.create", map[string]any{"external_id": "after-load"})
	if u2["id"] == uid {
		t.Error("id reused after load")
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	e, _ := newTestEmulator(t)
	var good bytes.Buffer
	if err := e.Save(&good); err != nil {
		t.Fatal(err)
	}
	var sf map[string]any
	_ = json.Unmarshal(good.Bytes(), &sf)
	mutate := func(f func(m map[string]any)) string {
		var m map[string]any
		_ = json.Unmarshal(good.Bytes(), &m)
		f(m)
		b, _ := json.Marshal(m)
		return string(b)
	}
	cases := map[string]string{
		"not json":      "{",
		"empty":         "",
		"version":       mutate(func(m map[string]any) { m["version"] = 7 }),
		"no state":      mutate(func(m map[string]any) { delete(m, "state") }),
		"bad key":       mutate(func(m map[string]any) { m["signing_key"] = "nope" }),
		"unknown field": mutate(func(m map[string]any) { m["surprise"] = 1 }),
		"bad secret":    mutate(func(m map[string]any) { m["secret_key"] = "pk_test_x" }),
		"null user": mutate(func(m map[string]any) {
			m["state"].(map[string]any)["users"] = map[string]any{"user_1": nil}
		}),
		"dangling membership": mutate(func(m map[string]any) {
			m["state"].(map[string]any)["organization_memberships"] = map[string]any{"orgmem_1": map[string]any{"id": "orgmem_1", "organization_id": "org_x", "user_id": "user_x"}}
		}),
		"trailing data": good.String() + "{}",
	}
	before := e.SecretKey()
	for name, in := range cases {
		if err := e.Load(strings.NewReader(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if e.SecretKey() != before {
		t.Error("a rejected file changed the emulator")
	}
	if err := e.LoadFile(filepath.Join(t.TempDir(), "missing.json")); err == nil || !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing file: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func FuzzLoad(f *testing.F) {
	e := mustNew()
	var good bytes.Buffer
	_ = e.Save(&good)
	f.Add(good.Bytes())
	f.Add([]byte(`{"version":1,"state":{}}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		em := mustNew()
		if err := em.Load(bytes.NewReader(data)); err != nil {
			return
		}
		// A state that loads must serve requests without panicking.
		for _, p := range []string{"/v1/users", "/v1/invitations", "/v1/organizations", "/v1/organization_memberships", "/v1/jwks"} {
			rawDo(t, em, "GET", p, em.SecretKey(), "")
		}
	})
}

func FuzzRequestBody(f *testing.F) {
	f.Add(uint8(1), "/v1/users", `{"email_address":["a@b.co"],"public_metadata":{"x":[1,{"y":null}]}}`)
	f.Add(uint8(1), "/v1/invitations/bulk", `[{"email_address":"a@b.co"},{"email_address":"c@d.co","expires_in_days":3}]`)
	f.Add(uint8(2), "/v1/users/user_1/metadata", `{"public_metadata":{"a":{"b":null}}}`)
	f.Add(uint8(0), "/v1/users?limit=3&order_by=-username&email_address=x", ``)
	f.Add(uint8(1), "/v1/organizations", `{"name":"x","slug":"Y"}`)
	e := mustNew(WithoutRateLimits())
	methods := []string{"GET", "POST", "PATCH", "PUT", "DELETE"}
	f.Fuzz(func(t *testing.T, m uint8, path, body string) {
		u, err := url.ParseRequestURI(path)
		if err != nil || u.Host != "" || strings.ContainsAny(path, " \r\n\t#") {
			return
		}
		method := methods[int(m)%len(methods)]
		w := rawDo(t, e, method, path, "sk_test_k", body)
		if w.Code >= 500 && w.Code != 501 {
			t.Fatalf("%s %s %q: %d %s", method, path, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			errCode(t, w) // every error is a ClerkErrors body
		}
	})
}

func FuzzParseRateLimit(f *testing.F) {
	for _, s := range []string{"100/10s", "5/s", "0", "x/y", "1/1h30m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rl, err := ParseRateLimit(s)
		if err == nil && (rl.Requests < 0 || (rl.Requests > 0 && rl.Window <= 0)) {
			t.Fatalf("%q parsed to %+v", s, rl)
		}
		if _, err := ParseFaultKinds(s); err == nil {
			_ = err
		}
	})
}
