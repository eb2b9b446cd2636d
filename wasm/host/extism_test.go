package clerkwasm

// Tests of the Extism build (wasm/extism) with the real Extism Go host SDK:
// the plugin is loaded from a manifest and nothing else, as any Extism user
// would load it.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	extism "github.com/extism/go-sdk"
	"github.com/tetratelabs/wazero"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator/emulatortest"
	"github.com/clerkscript/clerkscript/internal/testkeys"
	"github.com/clerkscript/clerkscript/internal/verdict"
)

var (
	extismOnce  sync.Once
	extismBytes []byte
	extismErr   error
	// extismCache is shared by every Extism plugin of the tests, so the
	// module compiles once per test binary.
	extismCache = wazero.NewCompilationCache()
)

// extismModule builds wasm/extism once per test binary, next to the native
// module.
func extismModule(tb testing.TB) []byte {
	tb.Helper()
	moduleBytes(tb) // creates buildDir
	extismOnce.Do(func() {
		out := filepath.Join(buildDir, "clerk-extism.wasm")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if extismErr = BuildModule(ctx, BuildOptions{Output: out, ABI: ABIExtism}); extismErr != nil {
			return
		}
		extismBytes, extismErr = os.ReadFile(out)
	})
	if extismErr != nil {
		tb.Fatalf("building the Extism module: %v", extismErr)
	}
	return extismBytes
}

// extismSetup is what a test varies about the plugin.
type extismSetup struct {
	config       map[string]string
	allowedHosts []string
	// now, when set, is the plugin's wall clock; nil is the real clock.
	// fakeClock keeps wazero's default (fake) clock instead.
	now       func() time.Time
	fakeClock bool
}

// newExtism loads the plugin with the Go SDK from a manifest.
func newExtism(tb testing.TB, s extismSetup) *extism.Plugin {
	tb.Helper()
	ctx := context.Background()
	mc := wazero.NewModuleConfig().WithSysNanotime().WithSysNanosleep()
	switch {
	case s.fakeClock:
	case s.now != nil:
		now := s.now
		mc = mc.WithWalltime(func() (int64, int32) { t := now(); return t.Unix(), int32(t.Nanosecond()) }, 1)
	default:
		mc = mc.WithSysWalltime()
	}
	manifest := extism.Manifest{Wasm: []extism.Wasm{extism.WasmData{Data: extismModule(tb)}},
		Config: s.config, AllowedHosts: s.allowedHosts}
	p, err := extism.NewPlugin(ctx, manifest, extism.PluginConfig{EnableWasi: true, ModuleConfig: mc,
		RuntimeConfig: wazero.NewRuntimeConfig().WithCompilationCache(extismCache)}, nil)
	if err != nil {
		tb.Fatalf("extism.NewPlugin: %v", err)
	}
	tb.Cleanup(func() { _ = p.Close(ctx) })
	return p
}

// callExtism calls fn; a plugin error comes back as err.
func callExtism(tb testing.TB, p *extism.Plugin, fn string, in []byte) ([]byte, error) {
	tb.Helper()
	rc, out, err := p.Call(fn, in)
	if err == nil && rc != 0 {
		tb.Fatalf("%s: return code %d without an error", fn, rc)
	}
	return out, err
}

func jsonInput(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	mustf(tb, err, "encode input")
	return b
}

// nativeVerdict is the JSON `clerkscript verify --json` prints for the
// native verification of token.
func nativeVerdict(tb testing.TB, token string, o core.VerifyOptions) (out []byte, configErr bool) {
	tb.Helper()
	c, err := core.NewVerifier(core.VerifierConfig{}).Verify(context.Background(), token, o)
	if err != nil {
		te := asTokenError(tb, err)
		return verdict.SignedOut(te), te.IsConfigurationError()
	}
	return verdict.SignedIn(c), false
}

func asTokenError(tb testing.TB, err error) *core.TokenVerificationError {
	tb.Helper()
	te, ok := err.(*core.TokenVerificationError)
	if !ok {
		tb.Fatalf("not a token error: %v", err)
	}
	return te
}

// TestExtismModuleImports: the module imports nothing but WASI and
// extism:host/env, so any Extism host instantiates it, and it exports the
// four plugin functions with Extism's signature () -> i32.
func TestExtismModuleImports(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(extismCache))
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, extismModule(t))
	mustf(t, err, "compile")
	seen := map[string]bool{}
	for _, fn := range cm.ImportedFunctions() {
		mod, name, _ := fn.Import()
		seen[mod] = true
		if mod != "wasi_snapshot_preview1" && mod != "extism:host/env" {
			t.Errorf("import %s.%s: only wasi_snapshot_preview1 and extism:host/env are allowed", mod, name)
		}
	}
	if !seen["extism:host/env"] {
		t.Fatal("no extism:host/env import: not an Extism plugin")
	}
	for _, name := range []string{"verify_token", "authenticate_request", "verify_webhook", "call"} {
		fn, ok := cm.ExportedFunctions()[name]
		if !ok {
			t.Errorf("export %s is missing", name)
			continue
		}
		if len(fn.ParamTypes()) != 0 || string(fn.ResultTypes()) != string([]byte{0x7f}) {
			t.Errorf("export %s: (%v) -> %v, want () -> i32", name, fn.ParamTypes(), fn.ResultTypes())
		}
	}
}

// TestExtismVerifyTokenCorpus runs the native path's token corpus through
// the Extism plugin: every verdict is byte for byte the one of
// `clerkscript verify --json` natively and through the native-ABI plugin.
func TestExtismVerifyTokenCorpus(t *testing.T) {
	parties := []string{"https://app.example.com"}
	clock := func() time.Time { return fixedNow }
	p := newExtism(t, extismSetup{now: clock, config: map[string]string{
		"jwt_key": testkeys.Primary.PublicPEM(), "authorized_parties": strings.Join(parties, ",")}})
	// The corpus's one vector with per-call options gets its own plugin.
	pAud := newExtism(t, extismSetup{now: clock, config: map[string]string{
		"jwt_key": testkeys.Primary.PublicPEM(), "authorized_parties": parties[0], "audience": "mine"}})
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), AuthorizedParties: parties, Now: clock, PoolSize: 1})
	signedIn := 0
	for _, v := range vectors() {
		t.Run(v.name, func(t *testing.T) {
			o := core.VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(), AuthorizedParties: parties, Now: clock}
			plug := p
			if v.opts != nil {
				v.opts(&o)
				plug = pAud
			}
			want, configErr := nativeVerdict(t, v.token, o)
			if configErr {
				t.Fatalf("corpus vector is a configuration error natively: %s", want)
			}
			for run := range 2 { // the second run answers from the result cache
				got, err := callExtism(t, plug, "verify_token", []byte(v.token))
				mustf(t, err, "verify_token run %d", run)
				if !bytes.Equal(got, want) {
					t.Fatalf("run %d:\nextism %s\nnative %s", run, got, want)
				}
			}
			if v.opts == nil {
				c, err := h.VerifyToken(context.Background(), v.token)
				var viaABI []byte
				if err != nil {
					viaABI = verdict.SignedOut(asTokenError(t, err))
				} else {
					viaABI = verdict.SignedIn(c)
				}
				if !bytes.Equal(viaABI, want) {
					t.Fatalf("native ABI %s\nnative     %s", viaABI, want)
				}
			}
			if bytes.Contains(want, []byte(`"signed-in"`)) {
				signedIn++
			}
		})
	}
	if signedIn < 5 {
		t.Fatalf("only %d vectors signed in: the corpus does not exercise success", signedIn)
	}
}

// TestExtismRealClockRequired: under wazero's default clock (2022) expired
// tokens would verify; the plugin refuses to work instead.
func TestExtismRealClockRequired(t *testing.T) {
	p := newExtism(t, extismSetup{fakeClock: true, config: map[string]string{"jwt_key": testkeys.Primary.PublicPEM()}})
	_, err := callExtism(t, p, "verify_token", []byte(testkeys.Mint(claimsAt(fixedNow, nil), "", "")))
	if err == nil || !strings.Contains(err.Error(), "fake clock") {
		t.Fatalf("verify_token under a fake clock: %v, want a plugin error about the clock", err)
	}
	// With the real clock, a token expired an hour ago is rejected.
	real := newExtism(t, extismSetup{config: map[string]string{"jwt_key": testkeys.Primary.PublicPEM()}})
	out, err := callExtism(t, real, "verify_token", []byte(testkeys.Mint(claimsAt(time.Now().Add(-2*time.Hour), nil), "", "")))
	mustf(t, err, "verify_token")
	if !bytes.Contains(out, []byte(`"reason":"token-expired"`)) {
		t.Fatalf("expired token under the real clock: %s", out)
	}
}

// TestExtismBadConfig: a missing or malformed configuration is a plugin
// error naming the key, never an output, and never shows a secret.
func TestExtismBadConfig(t *testing.T) {
	const secret = "sk_test_do_not_print_me"
	tok := []byte(testkeys.Mint(claimsAt(time.Now(), nil), "", ""))
	cases := []struct {
		fn, key string
		config  map[string]string
		in      []byte
	}{
		{"verify_token", "jwt_key", map[string]string{}, tok},
		{"verify_token", "jwt_key", map[string]string{"jwt_key": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"}, tok},
		{"verify_token", "clock_skew_ms", map[string]string{"jwt_key": testkeys.Primary.PublicPEM(), "clock_skew_ms": "soon"}, tok},
		{"verify_token", "cache_size", map[string]string{"jwt_key": testkeys.Primary.PublicPEM(), "cache_size": "-7"}, tok},
		{"verify_token", "authorized_parties", map[string]string{"jwt_key": testkeys.Primary.PublicPEM(), "authorized_parties": "app.example.com/x"}, tok},
		{"verify_token", "api_url", map[string]string{"secret_key": secret, "api_url": "ftp://x"}, tok},
		{"verify_token", "secret_key", map[string]string{"secret_key": "pk_test_wrongkind"}, tok},
		{"authenticate_request", "is_satellite", map[string]string{"jwt_key": testkeys.Primary.PublicPEM(), "is_satellite": "maybe"},
			[]byte(`{"method":"GET","url":"https://app.example.com/","headers":{}}`)},
		{"authenticate_request", "publishable_key", map[string]string{"jwt_key": testkeys.Primary.PublicPEM(), "publishable_key": "nope"},
			[]byte(`{"method":"GET","url":"https://app.example.com/","headers":{}}`)},
		{"authenticate_request", "accepts_token", map[string]string{"jwt_key": testkeys.Primary.PublicPEM(), "accepts_token": "cookie"},
			[]byte(`{"method":"GET","url":"https://app.example.com/","headers":{}}`)},
		{"verify_webhook", "webhook_secret", map[string]string{}, []byte(`{"body":"{}","headers":{}}`)},
		{"verify_webhook", "webhook_secret", map[string]string{"webhook_secret": "secret"}, []byte(`{"body":"{}","headers":{}}`)},
		{"call", "secret_key", map[string]string{}, []byte(`{"operation":"users.list"}`)},
	}
	for _, c := range cases {
		t.Run(c.fn+" "+c.key, func(t *testing.T) {
			p := newExtism(t, extismSetup{config: c.config})
			out, err := callExtism(t, p, c.fn, c.in)
			if err == nil {
				t.Fatalf("no plugin error; output %s", out)
			}
			if !strings.Contains(err.Error(), "config "+c.key) {
				t.Fatalf("error %q does not name %s", err, c.key)
			}
			if strings.Contains(err.Error(), secret) || bytes.Contains(out, []byte(secret)) {
				t.Fatalf("the secret key leaked: %v / %s", err, out)
			}
		})
	}
	// A missing publishable key is core's configuration error, also a
	// plugin error.
	p := newExtism(t, extismSetup{config: map[string]string{"jwt_key": testkeys.Primary.PublicPEM()}})
	if _, err := callExtism(t, p, "authenticate_request", []byte(`{"method":"GET","url":"https://app.example.com/","headers":{}}`)); err == nil ||
		!strings.Contains(err.Error(), "config") {
		t.Fatalf("authenticate_request without publishable_key: %v", err)
	}
	// Malformed input is a plugin error too.
	if _, err := callExtism(t, p, "authenticate_request", []byte(`{"method":`)); err == nil {
		t.Fatal("malformed authenticate_request input: no error")
	}
}

// jwksServer serves the test JWKS to requests with the right secret key.
func jwksServer(t *testing.T, secret string) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/v1/jwks" || r.Header.Get("Authorization") != "Bearer "+secret {
			http.Error(w, `{"errors":[{"code":"unauthorized","message":"bad"}]}`, http.StatusUnauthorized)
			return
		}
		_, _ = w.Write(testkeys.JWKS(testkeys.Primary, testkeys.Secondary))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// TestExtismVerifyThroughJWKS: without jwt_key, the JWKS comes through
// Extism's http_request, within allowed_hosts, with the configured key.
func TestExtismVerifyThroughJWKS(t *testing.T) {
	const secret = "sk_test_jwks_secret_value"
	srv, hits := jwksServer(t, secret)
	clock := func() time.Time { return fixedNow }
	p := newExtism(t, extismSetup{now: clock, allowedHosts: []string{"127.0.0.1"},
		config: map[string]string{"secret_key": secret, "api_url": srv.URL}})
	for _, tok := range []string{testkeys.Mint(claimsAt(fixedNow, nil), "", ""),
		testkeys.Secondary.Mint(claimsAt(fixedNow, nil), ""),
		testkeys.Mint(claimsAt(fixedNow, func(c map[string]any) { c["exp"] = fixedNow.Unix() - 60 }), "", "")} {
		want, _ := nativeVerdict(t, tok, core.VerifyOptions{SecretKey: secret, APIURL: srv.URL, Now: clock})
		got, err := callExtism(t, p, "verify_token", []byte(tok))
		mustf(t, err, "verify_token")
		if !bytes.Equal(got, want) {
			t.Fatalf("extism %s\nnative %s", got, want)
		}
	}
	if hits.Load() == 0 {
		t.Fatal("the JWKS was never fetched")
	}
	// A wrong secret key is a configuration problem: a plugin error.
	bad := newExtism(t, extismSetup{now: clock, allowedHosts: []string{"127.0.0.1"},
		config: map[string]string{"secret_key": "sk_test_wrong", "api_url": srv.URL}})
	_, err := callExtism(t, bad, "verify_token", []byte(testkeys.Mint(claimsAt(fixedNow, nil), "", "")))
	if err == nil || !strings.Contains(err.Error(), "config secret_key") || strings.Contains(err.Error(), "sk_test_wrong") {
		t.Fatalf("wrong secret key: %v", err)
	}
}

// TestExtismAllowedHosts: a host outside the manifest's allowed_hosts is
// refused by the Extism host before any connection.
func TestExtismAllowedHosts(t *testing.T) {
	const secret = "sk_test_allowed_hosts"
	srv, hits := jwksServer(t, secret)
	for name, hosts := range map[string][]string{"other host": {"api.clerk.com"}, "none": nil} {
		p := newExtism(t, extismSetup{allowedHosts: hosts, config: map[string]string{"secret_key": secret, "api_url": srv.URL}})
		_, err := callExtism(t, p, "call", []byte(`{"operation":"users.list"}`))
		if err == nil || !strings.Contains(err.Error(), "not allowed") {
			t.Fatalf("%s: call to %s: %v, want the host's refusal", name, srv.URL, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the refused host got %d requests", n)
	}
}

// TestExtismCall runs Backend API operations against the emulator through
// the Extism plugin; an API error is an output with Clerk's errors[].
func TestExtismCall(t *testing.T) {
	emu := emulatortest.Start(t)
	p := newExtism(t, extismSetup{allowedHosts: []string{"127.0.0.1"},
		config: map[string]string{"secret_key": emu.SecretKey, "api_url": emu.URL}})
	created, err := callExtism(t, p, "call", jsonInput(t, map[string]any{"operation": "users.create",
		"params": map[string]any{"email_address": []string{"ada@example.com"}, "first_name": "Ada"}}))
	mustf(t, err, "users.create")
	var u struct {
		ID        string `json:"id"`
		FirstName string `json:"first_name"`
	}
	mustf(t, json.Unmarshal(created, &u), "decode %s", created)
	if !strings.HasPrefix(u.ID, "user_") || u.FirstName != "Ada" {
		t.Fatalf("created %s", created)
	}
	got, err := callExtism(t, p, "call", jsonInput(t, map[string]any{"operation": "users.getUser", "params": map[string]any{"user_id": u.ID}}))
	mustf(t, err, "users.getUser")
	native, err := emu.Client.Call(context.Background(), "users.get", map[string]any{"user_id": u.ID})
	mustf(t, err, "native users.get")
	if !bytes.Equal(got, native) {
		t.Fatalf("extism %s\nnative %s", got, native)
	}

	out, err := callExtism(t, p, "call", []byte(`{"operation":"users.get","params":{"user_id":"user_missing"}}`))
	mustf(t, err, "users.get missing")
	var apiErr struct {
		Error struct {
			Kind   string `json:"kind"`
			Code   string `json:"code"`
			Status int    `json:"status"`
			Errors []struct {
				Code string `json:"code"`
			} `json:"errors"`
		} `json:"error"`
	}
	mustf(t, json.Unmarshal(out, &apiErr), "decode %s", out)
	if e := apiErr.Error; e.Kind != "api" || e.Status != 404 || e.Code != "resource_not_found" || len(e.Errors) == 0 ||
		e.Errors[0].Code != "resource_not_found" {
		t.Fatalf("missing user: %s", out)
	}
	out, err = callExtism(t, p, "call", []byte(`{"operation":"users.nope"}`))
	mustf(t, err, "unknown operation")
	if !bytes.Contains(out, []byte(`"code":"unknown_operation"`)) {
		t.Fatalf("unknown operation: %s", out)
	}
}

// TestExtismAuthenticateRequest: the output is what `clerkscript auth
// --json` prints, i.e. core's request state as it marshals.
func TestExtismAuthenticateRequest(t *testing.T) {
	pk := core.BuildPublishableKey("clerk.example.com", false)
	clock := func() time.Time { return fixedNow }
	p := newExtism(t, extismSetup{now: clock, config: map[string]string{
		"jwt_key": testkeys.Primary.PublicPEM(), "publishable_key": pk}})
	good := testkeys.Mint(claimsAt(fixedNow, nil), "", "")
	expired := testkeys.Mint(claimsAt(fixedNow.Add(-time.Hour), nil), "", "")
	statuses := map[string]bool{}
	for name, headers := range map[string]map[string][]string{
		"bearer":         {"Authorization": {"Bearer " + good}},
		"expired bearer": {"Authorization": {"Bearer " + expired}},
		"no token":       {},
		"cookie":         {"Cookie": {"__session=" + good}},
	} {
		req := map[string]any{"method": "GET", "url": "https://app.example.com/dashboard", "headers": headers}
		got, err := callExtism(t, p, "authenticate_request", jsonInput(t, req))
		mustf(t, err, "%s", name)
		rs, err := core.AuthenticateRequest(context.Background(), core.Request{Method: "GET",
			URL: "https://app.example.com/dashboard", Headers: headers},
			core.AuthenticateOptions{JWTKey: testkeys.Primary.PublicPEM(), PublishableKey: pk, Now: clock})
		mustf(t, err, "%s: native", name)
		want, _ := json.Marshal(rs)
		if !bytes.Equal(got, want) {
			t.Fatalf("%s:\nextism %s\nnative %s", name, got, want)
		}
		statuses[string(rs.Status)] = true
	}
	if !statuses["signed-in"] || !statuses["signed-out"] {
		t.Fatalf("statuses seen: %v", statuses)
	}
}

// TestExtismVerifyWebhook: a valid delivery answers the event, as the
// native ABI does; a rejected one answers {"error":{"kind":"webhook"}}.
func TestExtismVerifyWebhook(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	p := newExtism(t, extismSetup{config: map[string]string{"webhook_secret": secret}})
	h := newHost(t, Options{PoolSize: 1})
	body := `{"type":"user.created","object":"event","data":{"id":"user_1"},"timestamp":1700000000000}`
	now := time.Now()
	m := hmac.New(sha256.New, key)
	m.Write([]byte("msg_1." + strconv.FormatInt(now.Unix(), 10) + "." + body))
	sig := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	headers := map[string]any{"svix-id": "msg_1", "svix-timestamp": strconv.FormatInt(now.Unix(), 10),
		"svix-signature": []string{"v1,bogus " + sig}}
	got, err := callExtism(t, p, "verify_webhook", jsonInput(t, map[string]any{"body": body, "headers": headers}))
	mustf(t, err, "verify_webhook")
	hdr := http.Header{"Svix-Id": {"msg_1"}, "Svix-Timestamp": {strconv.FormatInt(now.Unix(), 10)}, "Svix-Signature": {"v1,bogus " + sig}}
	in := map[string]any{"secret": secret, "headers": hdr, "body": []byte(body)}
	env, err := h.CallExport(context.Background(), "clerk_verify_webhook", jsonInput(t, in))
	mustf(t, err, "native ABI")
	want, ok := bytes.CutPrefix(env, []byte(`{"ok":true,"result":`))
	if !ok {
		t.Fatalf("native ABI: %s", env)
	}
	want = bytes.TrimSuffix(want, []byte("}"))
	if !bytes.Equal(got, want) {
		t.Fatalf("extism %s\nnative %s", got, want)
	}
	got, err = callExtism(t, p, "verify_webhook", jsonInput(t, map[string]any{"body": body + " ", "headers": headers}))
	mustf(t, err, "tampered")
	if !bytes.HasPrefix(got, []byte(`{"error":{"kind":"webhook","code":"no-matching-signature"`)) {
		t.Fatalf("tampered body: %s", got)
	}
	if _, err := callExtism(t, p, "verify_webhook", []byte(`{"headers":{}}`)); err == nil {
		t.Fatal("no body: no plugin error")
	}
}

// benchExtism verifies through the Extism Go SDK, the plugin loaded from a
// manifest with the given config: the host side is Extism's (no native
// signature check), so the guest runs crypto/rsa itself.
func benchExtism(b *testing.B, config map[string]string, toks func(int) string) {
	config["jwt_key"] = testkeys.Primary.PublicPEM()
	p := newExtism(b, extismSetup{config: config})
	if out, err := callExtism(b, p, "verify_token", []byte(toks(0))); err != nil || !bytes.Contains(out, []byte(`"signed-in"`)) {
		b.Fatalf("verify_token: %s %v", out, err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := callExtism(b, p, "verify_token", []byte(toks(i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyExtismFresh: every cache off (cache_size -1), the whole
// verification each time, as BenchmarkVerifyWasmFreshDeclined and
// BenchmarkVerifyNativeFresh.
func BenchmarkVerifyExtismFresh(b *testing.B) {
	tok := benchToken(0)
	benchExtism(b, map[string]string{"cache_size": "-1"}, func(int) string { return tok })
}

// BenchmarkVerifyExtismCacheHit: a token seen before, answered from the
// plugin's result cache (the repeated-token case).
func BenchmarkVerifyExtismCacheHit(b *testing.B) {
	tok := benchToken(0)
	benchExtism(b, map[string]string{}, func(int) string { return tok })
}
