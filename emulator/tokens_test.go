package emulator

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/golang-jwt/jwt/v5"
)

// mintSession creates a user in an org and an active session for them.
func mintSession(t *testing.T, h *harness) (userID, orgID, sessionID string) {
	t.Helper()
	u := h.obj("users.create", map[string]any{"email_address": []string{"tok@example.com"}, "first_name": "Tok",
		"public_metadata": map[string]any{"plan": "pro"}})
	o := h.obj("organizations.create", map[string]any{"name": "Token Org", "created_by": u["id"]})
	s := h.obj("sessions.create", map[string]any{"user_id": u["id"], "active_organization_id": o["id"]})
	return str(u["id"]), str(o["id"]), str(s["id"])
}

func TestSessionTokenVerifiesThroughJWKS(t *testing.T) {
	h := newHarness(t)
	uid, oid, sid := mintSession(t, h)
	tok := str(h.obj("sessions.createToken", map[string]any{"session_id": sid})["jwt"])

	// Through the emulator's JWKS endpoint, with core's verifier.
	v := core.NewVerifier(core.VerifierConfig{})
	claims, err := v.Verify(context.Background(), tok, core.VerifyOptions{
		Client: h.in.Client, Now: h.clock.Now, Issuer: h.in.Emulator.Issuer()})
	if err != nil {
		t.Fatalf("verify via JWKS: %v", err)
	}
	if claims.Subject != uid || claims.SessionID != sid || claims.OrgID != oid || claims.OrgRole != "org:admin" ||
		claims.SessionStatus != "active" || claims.Version != 2 || claims.KeyID != h.in.Emulator.KeyID() {
		t.Errorf("claims: %+v", claims)
	}
	if claims.Expiry-claims.IssuedAt != 60 || claims.IssuedAt-claims.NotBefore != 10 {
		t.Errorf("exp/iat/nbf: %d %d %d", claims.Expiry, claims.IssuedAt, claims.NotBefore)
	}
	var hdr map[string]any
	seg, _ := jwt.NewParser().DecodeSegment(strings.Split(tok, ".")[0])
	_ = json.Unmarshal(seg, &hdr)
	if hdr["alg"] != "RS256" || hdr["typ"] != "JWT" || hdr["cat"] != "cl_B7d4PD111AAA" {
		t.Errorf("header: %v", hdr)
	}

	// Networkless, with the PEM key the CLI prints.
	if _, err := v.Verify(context.Background(), tok, core.VerifyOptions{JWTKey: h.in.Emulator.PublicKeyPEM(), Now: h.clock.Now}); err != nil {
		t.Fatalf("verify with PEM: %v", err)
	}
	// Expired after its lifetime (plus the default 5 s skew).
	later := func() time.Time { return h.clock.Now().Add(2 * time.Minute) }
	if _, err := v.Verify(context.Background(), tok, core.VerifyOptions{JWTKey: h.in.Emulator.PublicKeyPEM(), Now: later}); err == nil {
		t.Fatal("an expired token verified")
	}
	// Another instance's key rejects it.
	other, err := New()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok, core.VerifyOptions{JWTKey: other.PublicKeyPEM(), Now: h.clock.Now}); err == nil {
		t.Fatal("a token verified with another instance's key")
	}
}

func TestTemplateTokenClaims(t *testing.T) {
	h := newHarness(t)
	_, _, sid := mintSession(t, h)
	h.obj("jwtTemplates.create", map[string]any{"name": "app", "lifetime": 600, "allowed_clock_skew": 7,
		"claims": map[string]any{"email": "{{user.primary_email_address}}", "plan": "{{user.public_metadata.plan}}",
			"hello": "Hi {{user.first_name}}!", "org": "{{org.slug}}", "missing": "{{user.nope}}", "static": 3}})
	tok := str(h.obj("sessions.createTokenFromTemplate", map[string]any{"session_id": sid, "template_name": "app"})["jwt"])
	claims, err := core.NewVerifier(core.VerifierConfig{}).Verify(context.Background(), tok,
		core.VerifyOptions{JWTKey: h.in.Emulator.PublicKeyPEM(), Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := claims.Map()
	want := map[string]any{"email": "tok@example.com", "plan": "pro", "hello": "Hi Tok!", "org": "token-org", "missing": nil, "static": 3.0}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("claim %s = %v, want %v", k, m[k], v)
		}
	}
	if claims.Expiry-claims.IssuedAt != 600 || claims.IssuedAt-claims.NotBefore != 7 {
		t.Errorf("lifetime/skew not applied: %d %d %d", claims.IssuedAt, claims.NotBefore, claims.Expiry)
	}

	// HS256 custom key: verifiable with the shared secret, not the JWKS.
	h.obj("jwtTemplates.create", map[string]any{"name": "hmac", "claims": map[string]any{"x": 1},
		"custom_signing_key": true, "signing_algorithm": "HS256", "signing_key": "s3cret-s3cret-s3cret-s3cret-s3cret"})
	ht := str(h.obj("sessions.createTokenFromTemplate", map[string]any{"session_id": sid, "template_name": "hmac"})["jwt"])
	parsed, err := jwt.Parse(ht, func(*jwt.Token) (any, error) { return []byte("s3cret-s3cret-s3cret-s3cret-s3cret"), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithTimeFunc(h.clock.Now))
	if err != nil || !parsed.Valid {
		t.Fatalf("HS256 template token: %v", err)
	}
	h.fail("jwtTemplates.create", map[string]any{"name": "es", "claims": map[string]any{}, "custom_signing_key": true,
		"signing_algorithm": "ES256", "signing_key": "x"}, 422, "form_param_value_invalid")
}

func TestPublishableKey(t *testing.T) {
	e, _ := newTestEmulator(t)
	pk := e.PublishableKey()
	if !strings.HasPrefix(pk, "pk_test_") {
		t.Fatalf("publishable key %q", pk)
	}
	parsed, err := core.ParsePublishableKey(pk)
	if err != nil {
		t.Fatalf("core cannot parse %q: %v", pk, err)
	}
	host := parsed.FrontendAPI
	if parsed.InstanceType != core.InstanceDevelopment || host != e.FrontendAPI() || "https://"+host != e.Issuer() {
		t.Errorf("publishable key names %q, issuer is %q", host, e.Issuer())
	}
}
