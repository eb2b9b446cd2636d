package clerkwasm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

type vector struct {
	name  string
	token string
	opts  func(*core.VerifyOptions) // per-vector options for the native run
}

func claimsAt(now time.Time, edit func(map[string]any)) map[string]any {
	c := testkeys.SessionClaims(now)
	if edit != nil {
		edit(c)
	}
	return c
}

// vectors cover every check of the verifier: each is run natively and
// through the module, and the two must agree exactly.
func vectors() []vector {
	now := fixedNow
	s := now.Unix()
	mint := func(edit func(map[string]any)) string { return testkeys.Mint(claimsAt(now, edit), "", "") }
	return []vector{
		{name: "valid", token: mint(nil)},
		{name: "RS384 token, RS256 key", token: testkeys.Mint(claimsAt(now, nil), "", "RS384")},
		{name: "RS512 token, RS256 key", token: testkeys.Mint(claimsAt(now, nil), "", "RS512")},
		{name: "v2 org claims", token: mint(func(c map[string]any) {
			c["v"] = 2
			c["o"] = map[string]any{"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}
			c["fea"] = "o:invoices"
			c["pla"] = "u:pro"
		})},
		{name: "v1 org claims", token: mint(func(c map[string]any) {
			c["org_id"], c["org_slug"], c["org_role"] = "org_2", "beta", "org:member"
			c["org_permissions"] = []string{"org:sys_memberships:read"}
		})},
		{name: "actor and fva", token: mint(func(c map[string]any) {
			c["act"] = map[string]any{"sub": "user_admin", "sid": "sess_x"}
			c["fva"] = []int{3, -1}
		})},
		{name: "escapes in claims", token: mint(func(c map[string]any) { c["sub"] = "user_\"<&>\u2028\n" })},
		{name: "expired", token: mint(func(c map[string]any) { c["exp"] = s - 10 })},
		{name: "expired within skew", token: mint(func(c map[string]any) { c["exp"] = s - 3 })},
		{name: "not active yet", token: mint(func(c map[string]any) { c["nbf"] = s + 60 })},
		{name: "iat in the future", token: mint(func(c map[string]any) { c["iat"] = s + 60 })},
		{name: "missing sub", token: mint(func(c map[string]any) { delete(c, "sub") })},
		{name: "exp not a number", token: mint(func(c map[string]any) { c["exp"] = "soon" })},
		{name: "azp not authorized", token: mint(func(c map[string]any) { c["azp"] = "https://evil.example" })},
		{name: "wrong key", token: testkeys.Secondary.WithKID(testkeys.Primary.KID).Mint(claimsAt(now, nil), "")},
		{name: "tampered payload", token: tamper(mint(nil))},
		{name: "alg none", token: testkeys.Unsigned(`{"alg":"none","typ":"JWT"}`, `{"sub":"user_1"}`, "")},
		{name: "HS256", token: testkeys.Unsigned(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"user_1"}`, "c2ln")},
		{name: "lowercase alg", token: testkeys.Unsigned(`{"alg":"rs256","typ":"JWT"}`, `{"sub":"user_1"}`, "c2ln")},
		{name: "two parts", token: "abc.def"},
		{name: "bad base64", token: "a!b.c@d.e#f"},
		{name: "bad json", token: testkeys.Unsigned(`{"alg":`, `{}`, "c2ln")},
		{name: "empty", token: ""},
		{name: "audience mismatch", token: mint(func(c map[string]any) { c["aud"] = "other" }),
			opts: func(o *core.VerifyOptions) { o.Audience = []string{"mine"} }},
		{name: "RSA 4096", token: testkeys.RSA4096.WithKID(testkeys.Primary.KID).Mint(claimsAt(now, nil), "")},
	}
}

func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	c := claimsAt(fixedNow, func(c map[string]any) { c["sub"] = "user_evil" })
	b, _ := json.Marshal(c)
	return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
}

// publicClaims drops what only core can fill (unexported fields), so that
// native and plugin claims compare field by field.
func publicClaims(c *core.Claims) *core.Claims {
	if c == nil {
		return nil
	}
	return &core.Claims{Subject: c.Subject, SessionID: c.SessionID, AuthorizedParty: c.AuthorizedParty,
		Issuer: c.Issuer, SessionStatus: c.SessionStatus, ID: c.ID, Audience: c.Audience, Expiry: c.Expiry,
		NotBefore: c.NotBefore, IssuedAt: c.IssuedAt, FactorVerificationAge: c.FactorVerificationAge,
		Actor: normJSON(c.Actor), Version: c.Version, OrgID: c.OrgID, OrgSlug: c.OrgSlug, OrgRole: c.OrgRole,
		OrgPermissions: c.OrgPermissions, Features: c.Features, Plans: c.Plans, KeyID: c.KeyID,
		Algorithm: c.Algorithm, Raw: normJSON(c.Raw)}
}

func normJSON(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return b
}

type outcome struct {
	claims  *core.Claims
	reason  string
	message string
}

func outcomeOf(c *core.Claims, err error) outcome {
	if err != nil {
		var te *core.TokenVerificationError
		if !errors.As(err, &te) {
			return outcome{reason: "NOT A TOKEN ERROR", message: err.Error()}
		}
		return outcome{reason: te.Reason, message: te.Message}
	}
	return outcome{claims: publicClaims(c)}
}

func compareVectors(t *testing.T, h *Host, native func(v vector) outcome, vs []vector) {
	t.Helper()
	for _, v := range vs {
		t.Run(v.name, func(t *testing.T) {
			want := native(v)
			if strings.HasPrefix(v.name, "valid") && want.claims == nil {
				t.Fatalf("vector %q should verify natively: %+v", v.name, want)
			}
			if v.name == "expired" && want.reason != core.ReasonTokenExpired {
				t.Fatalf("vector expired: native reason %q", want.reason)
			}
			var got outcome
			if v.opts != nil {
				o := core.VerifyOptions{}
				v.opts(&o)
				raw, err := h.VerifyTokenJSON(context.Background(), verifyInput(v.token, o))
				if err == nil {
					var c *core.Claims
					c, err = decodeClaims(raw)
					mustf(t, err, "decode")
					got = outcomeOf(c, nil)
				} else {
					got = outcomeOf(nil, err)
				}
			} else {
				got = outcomeOf(h.VerifyToken(context.Background(), v.token))
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("plugin and native differ\nplugin: %+v\nnative: %+v", describe(got), describe(want))
			}
			// A second run answers from the caches and must not change.
			if v.opts == nil {
				again := outcomeOf(h.VerifyToken(context.Background(), v.token))
				if !reflect.DeepEqual(again, want) {
					t.Fatalf("second run differs: %+v", describe(again))
				}
			}
		})
	}
}

func describe(o outcome) string {
	if o.claims != nil {
		b, _ := json.Marshal(o.claims)
		return "claims " + string(b)
	}
	return o.reason + ": " + o.message
}

func TestVerifyVectorsMatchNative(t *testing.T) {
	parties := []string{"https://app.example.com"}
	modes := []struct {
		name               string
		declined, jsonPath bool
		declineFlags       uint32
	}{
		{name: "host signature check"},
		{name: "declined, pure guest", declined: true},
		// A module without clerk_check_session_token: the claims come
		// back as JSON from clerk_verify_session_token.
		{name: "claims as JSON", jsonPath: true},
		// Hosts predating the check_rsa flags: the guest falls back.
		{name: "host without the base64 signature flag", declineFlags: abi.HashFlagBase64Sig},
		{name: "host without the message flags", declineFlags: abi.HashFlagBase64Sig | abi.HashFlagMessage},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), AuthorizedParties: parties,
				Now: func() time.Time { return fixedNow }, DisableSignatureCheck: m.declined, PoolSize: 1})
			if !h.fast.hasCheck {
				t.Fatal("the module lacks clerk_check_session_token")
			}
			h.fast.hasCheck = !m.jsonPath
			h.declineRSAFlags = m.declineFlags
			nv := core.NewVerifier(core.VerifierConfig{})
			native := func(v vector) outcome {
				o := core.VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(), AuthorizedParties: parties,
					Now: func() time.Time { return fixedNow }}
				if v.opts != nil {
					v.opts(&o)
				}
				return outcomeOf(nv.Verify(context.Background(), v.token, o))
			}
			compareVectors(t, h, native, vectors())
			// Unless declined, signatures reach the host still encoded.
			if encoded := h.encodedSigChecks.Load(); (encoded > 0) != (!m.declined && m.declineFlags == 0) {
				t.Fatalf("%d checks with the base64url signature flag", encoded)
			}
		})
	}
}

func verifyInput(token string, o core.VerifyOptions) abi.VerifyTokenInput {
	return abi.VerifyTokenInput{Token: token, AuthorizedParties: o.AuthorizedParties, Audience: o.Audience}
}

// TestVerifyThroughJWKS loads the keys through the host's HTTP function:
// the JWKS request carries the host's secret key, and the guest fetches it
// once per instance.
func TestVerifyThroughJWKS(t *testing.T) {
	const secret = "sk_test_jwks_secret_value"
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/jwks" || r.Header.Get("Authorization") != "Bearer "+secret {
			http.Error(w, `{"errors":[{"code":"unauthorized","message":"bad"}]}`, http.StatusUnauthorized)
			return
		}
		hits.Add(1)
		_, _ = w.Write(testkeys.JWKS(testkeys.Primary, testkeys.Secondary))
	}))
	defer srv.Close()
	h := newHost(t, Options{SecretKey: secret, APIURL: srv.URL, Now: func() time.Time { return fixedNow }, PoolSize: 1})
	nv := core.NewVerifier(core.VerifierConfig{})
	native := func(v vector) outcome {
		o := core.VerifyOptions{SecretKey: secret, APIURL: srv.URL, Now: func() time.Time { return fixedNow }}
		if v.opts != nil {
			v.opts(&o)
		}
		return outcomeOf(nv.Verify(context.Background(), v.token, o))
	}
	vs := vectors()
	vs = append(vs,
		vector{name: "secondary key", token: testkeys.Secondary.Mint(claimsAt(fixedNow, nil), "")},
		vector{name: "unknown kid", token: testkeys.Mint(claimsAt(fixedNow, nil), "ins_unknown", "")})
	compareVectors(t, h, native, vs)
	if hits.Load() == 0 {
		t.Fatal("the JWKS was never fetched through the host")
	}

	// A wrong secret is Clerk's secret-key-invalid, from the plugin too.
	bad := newHost(t, Options{SecretKey: "sk_test_wrong", APIURL: srv.URL, Now: func() time.Time { return fixedNow }, PoolSize: 1})
	_, err := bad.VerifyToken(context.Background(), testkeys.Mint(claimsAt(fixedNow, nil), "", ""))
	if r := core.TokenErrorReason(err); r != core.ReasonSecretKeyInvalid {
		t.Fatalf("wrong secret: reason %q (%v), want %s", r, err, core.ReasonSecretKeyInvalid)
	}
}

// TestRealClock checks the guest sees the real time, not wazero's default
// of 2022 (under which a token that expired in 2025 would verify).
func TestRealClock(t *testing.T) {
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1})
	past := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := h.VerifyToken(context.Background(), testkeys.Mint(claimsAt(past, nil), "", ""))
	if r := core.TokenErrorReason(err); r != core.ReasonTokenExpired {
		t.Fatalf("token from 2025: reason %q (%v), want token-expired", r, err)
	}
	fresh := testkeys.Mint(claimsAt(time.Now(), nil), "", "")
	if _, err := h.VerifyToken(context.Background(), fresh); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
}

// TestCacheHitRechecksExpiry moves the guest's clock past exp: the cached
// result must not be served.
func TestCacheHitRechecksExpiry(t *testing.T) {
	var now atomic.Int64
	now.Store(fixedNow.UnixNano())
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1,
		Now: func() time.Time { return time.Unix(0, now.Load()) }})
	tok := testkeys.Mint(claimsAt(fixedNow, nil), "", "")
	for i := 0; i < 3; i++ {
		if _, err := h.VerifyToken(context.Background(), tok); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	now.Store(fixedNow.Add(2 * time.Minute).UnixNano())
	_, err := h.VerifyToken(context.Background(), tok)
	if r := core.TokenErrorReason(err); r != core.ReasonTokenExpired {
		t.Fatalf("after exp: reason %q (%v), want token-expired", r, err)
	}
}

func testkeysRSA4096PEM() string { return testkeys.RSA4096.PublicPEM() }

func rsa4096Token() string {
	return testkeys.RSA4096.Mint(claimsAt(time.Now(), nil), "")
}

// TestCheckAndVerifyShareTheCache: clerk_check_session_token stores a cache
// entry without the claims; clerk_verify_session_token must still answer
// the claims for that token (not the bare success), and the check export
// must answer its own result from an entry the other stored.
func TestCheckAndVerifyShareTheCache(t *testing.T) {
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1, Now: func() time.Time { return fixedNow }})
	ctx := context.Background()
	want, err := core.NewVerifier(core.VerifierConfig{}).Verify(ctx, testkeys.Mint(claimsAt(fixedNow, nil), "", ""),
		core.VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(), Now: func() time.Time { return fixedNow }})
	mustf(t, err, "native")
	for i, order := range [][2]string{
		{abi.ExportCheckSessionToken, abi.ExportVerifySessionToken},
		{abi.ExportVerifySessionToken, abi.ExportCheckSessionToken},
	} {
		// A distinct token per order, so that neither starts cached.
		tok := testkeys.Mint(claimsAt(fixedNow, func(c map[string]any) { c["jti"] = fmt.Sprint("order", i) }), "", "")
		for round := 0; round < 2; round++ {
			for _, export := range order {
				out, err := h.CallExport(ctx, export, []byte(tok))
				mustf(t, err, "%s", export)
				if export == abi.ExportCheckSessionToken {
					if string(out) != abi.CheckOK {
						t.Fatalf("order %d round %d: %s answered %s", i, round, export, out)
					}
					continue
				}
				res, err := decodeResult(out)
				mustf(t, err, "%s", export)
				c, err := decodeClaims(res)
				mustf(t, err, "%s claims %s", export, res)
				if c.Subject != want.Subject || c.Expiry != want.Expiry || len(c.Raw) == 0 {
					t.Fatalf("order %d round %d: %s answered %s", i, round, export, res)
				}
			}
		}
	}
}

// TestCachedTokensKeepTheirIdentity alternates two tokens of the same
// length through the same input buffer: the guest keeps copies of the
// tokens it caches (it verifies views of the buffer), so each is answered
// with its own claims.
func TestCachedTokensKeepTheirIdentity(t *testing.T) {
	for _, jsonPath := range []bool{false, true} {
		h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1, Now: func() time.Time { return fixedNow }})
		h.fast.hasCheck = !jsonPath
		subs := []string{"user_aaaaaaaaaaaaaaaaaaaaaaaaaaa", "user_bbbbbbbbbbbbbbbbbbbbbbbbbbb"}
		var toks []string
		for _, sub := range subs {
			toks = append(toks, testkeys.Mint(claimsAt(fixedNow, func(c map[string]any) { c["sub"] = sub }), "", ""))
		}
		if len(toks[0]) != len(toks[1]) {
			t.Fatal("the tokens must have the same length")
		}
		for round := 0; round < 4; round++ {
			for i, tok := range toks {
				c, err := h.VerifyToken(context.Background(), tok)
				mustf(t, err, "json=%v round %d token %d", jsonPath, round, i)
				if c.Subject != subs[i] {
					t.Fatalf("json=%v round %d: token %d answered as %q", jsonPath, round, i, c.Subject)
				}
			}
		}
	}
}

// TestMemoryCapacityFromMax: the instance's memory is created with the
// whole MemoryLimitMiB of capacity, so that the guest growing it never
// moves (copies) it; without the option a large growth moves it. The
// plugin works as usual either way.
func TestMemoryCapacityFromMax(t *testing.T) {
	const limitMiB = 48
	for _, fromMax := range []bool{false, true} {
		h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1, MemoryLimitMiB: limitMiB,
			MemoryCapacityFromMax: fromMax})
		inst := <-h.fast.idle
		before, ok := inst.mem.Read(0, 1)
		if _, grown := inst.mem.Grow(16 << 4); !ok || !grown { // 16 MiB in 64 KiB pages
			t.Fatalf("MemoryCapacityFromMax %v: growing the memory by 16 MiB failed", fromMax)
		}
		after, _ := inst.mem.Read(0, 1)
		h.fast.idle <- inst
		if moved := &before[0] != &after[0]; moved == fromMax {
			t.Fatalf("MemoryCapacityFromMax %v: growing moved the memory: %v", fromMax, moved)
		}
		if _, err := h.VerifyToken(context.Background(), testkeys.Mint(claimsAt(time.Now(), nil), "", "")); err != nil {
			t.Fatalf("MemoryCapacityFromMax %v: %v", fromMax, err)
		}
	}
}
