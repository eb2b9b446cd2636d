package clerkwasm

// The conformance list (wasm/conformance.json, described in ABI.md §7) is
// what a host author runs against their host: inputs and the exact results
// a correct host obtains from the module. This test runs it against this
// host, so the list cannot drift from the module. With -update-conformance
// it rewrites the file's results from this host (review the diff).

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/testkeys"
	"github.com/tetratelabs/wazero"
)

var (
	updateConformance   = flag.Bool("update-conformance", false, "rewrite wasm/conformance.json's results from this host")
	conformanceSkeleton = flag.Bool("conformance-skeleton", false, "rewrite wasm/conformance.json's inputs (then run with -update-conformance)")
)

const conformancePath = "../conformance.json"

type conformance struct {
	About    []string          `json:"about"`
	Clock    time.Time         `json:"clock"`
	KeyPEM   string            `json:"key_pem"`
	Tokens   map[string]string `json:"tokens"`
	Cases    []confCase        `json:"cases"`
	CheckRSA []confRSA         `json:"check_rsa"`
}

type confCase struct {
	Name string `json:"name"`
	// Configure is the clerk_configure input sent before the call.
	Configure json.RawMessage `json:"configure"`
	Export    string          `json:"export"`
	Input     string          `json:"input"`
	// HTTP, when set, is the one http_request the call makes: what the
	// guest asks for, and what the host answers.
	HTTP   *confHTTP       `json:"http,omitempty"`
	Result json.RawMessage `json:"result"`
}

type confHTTP struct {
	Request  abi.HTTPRequest  `json:"request"`
	Response abi.HTTPResponse `json:"response"`
}

// confRSA is one check_rsa call over the named token's signing input
// (message form) or its SHA-256 (digest form) and its signature as text
// (base64url form) or decoded (raw form), with the conformance key.
type confRSA struct {
	Name    string `json:"name"`
	Hash    uint32 `json:"hash"`
	Token   string `json:"token"`
	Buf     string `json:"buf"`               // "message" or "digest"
	Sig     string `json:"sig"`               // "base64url" or "raw"
	Tamper  bool   `json:"tamper,omitempty"`  // flip one bit of the signing input
	Expects uint32 `json:"expects"`           // 1 valid, 0 invalid, 2 declined
	Comment string `json:"comment,omitempty"` // why
}

func TestConformanceList(t *testing.T) {
	if *conformanceSkeleton {
		writeConformanceSkeleton(t)
	}
	raw, err := os.ReadFile(conformancePath)
	mustf(t, err, "read")
	var c conformance
	mustf(t, json.Unmarshal(raw, &c), "decode %s", conformancePath)
	if len(c.Cases) < 10 || len(c.CheckRSA) < 4 {
		t.Fatalf("the list has %d cases and %d check_rsa cases", len(c.Cases), len(c.CheckRSA))
	}
	if c.KeyPEM != testkeys.Primary.PublicPEM() {
		t.Fatal("key_pem is not the test key")
	}

	// The Backend API behind this host answers what the current case says,
	// after checking the request is the one the case describes.
	var mu sync.Mutex
	var cur *confHTTP
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		body, _ := io.ReadAll(r.Body)
		got = append(got, r.Method+" "+r.URL.EscapedPath()+"?"+r.URL.RawQuery+" "+r.Header.Get("Content-Type")+" "+string(body))
		if cur == nil || cur.Response.Error != nil {
			http.Error(w, "unexpected request", http.StatusTeapot)
			return
		}
		w.WriteHeader(cur.Response.Status)
		_, _ = w.Write(cur.Response.Body)
	}))
	defer srv.Close()
	h := newHost(t, Options{SecretKey: "sk_test_conformance", APIURL: srv.URL, PoolSize: 1,
		Now: func() time.Time { return c.Clock }})
	ctx := context.Background()
	// One instance for configure and the call (the host would route
	// clerk_configure, clerk_call and clerk_verify_webhook to its other
	// pool).
	inst := <-h.fast.idle
	defer func() { h.fast.idle <- inst }()
	changed := false
	for i := range c.Cases {
		cs := &c.Cases[i]
		t.Run(cs.Name, func(t *testing.T) {
			mu.Lock()
			cur, got = cs.HTTP, nil
			mu.Unlock()
			out, err := inst.invoke(ctx, abi.ExportConfigure, cs.Configure)
			mustf(t, err, "configure")
			if !bytes.HasPrefix(out, []byte(`{"ok":true`)) {
				t.Fatalf("configure: %s", out)
			}
			out, err = inst.invoke(ctx, cs.Export, []byte(cs.Input))
			mustf(t, err, "%s", cs.Export)
			mu.Lock()
			requests := got
			mu.Unlock()
			if cs.HTTP != nil && cs.HTTP.Response.Error == nil {
				r := cs.HTTP.Request
				want := r.Method + " /v1" + r.Path + "?" + r.Query + " " + r.ContentType + " " + string(r.Body)
				if len(requests) != 1 || requests[0] != want {
					t.Errorf("requests %q, want [%q]", requests, want)
				}
			} else if len(requests) != 0 {
				t.Errorf("unexpected requests %q", requests)
			}
			var want bytes.Buffer
			if err := json.Compact(&want, cs.Result); err != nil && !*updateConformance {
				t.Fatalf("result is not JSON: %v", err)
			}
			if *updateConformance {
				if !bytes.Equal(want.Bytes(), out) {
					cs.Result, changed = append(json.RawMessage(nil), out...), true
				}
				return
			}
			if !bytes.Equal(out, want.Bytes()) {
				t.Fatalf("result\n got %s\nwant %s", out, want.Bytes())
			}
		})
	}

	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, memoryModule)
	mustf(t, err, "instantiate")
	mem := mod.Memory()
	n := testkeys.Primary.Private.N.Bytes()
	for _, rc := range c.CheckRSA {
		tok, ok := c.Tokens[rc.Token]
		if !ok {
			t.Fatalf("%s: no token %q", rc.Name, rc.Token)
		}
		dot := strings.LastIndexByte(tok, '.')
		msg, sig := []byte(tok[:dot]), []byte(tok[dot+1:])
		if rc.Tamper {
			msg[len(msg)-1] ^= 1
		}
		buf := msg
		if rc.Buf == "digest" {
			d := sha256.Sum256(msg)
			buf = d[:]
		}
		if rc.Sig == "raw" {
			sig, err = base64.RawURLEncoding.DecodeString(string(sig))
			mustf(t, err, "%s: signature", rc.Name)
		}
		const nAt, bufAt, sigAt = 0, 2048, 8192
		if !mem.Write(nAt, n) || !mem.Write(bufAt, buf) || !mem.Write(sigAt, sig) {
			t.Fatal("write")
		}
		stack := []uint64{uint64(rc.Hash), nAt, uint64(len(n)), 65537, bufAt, uint64(len(buf)), sigAt, uint64(len(sig))}
		h.checkRSA(ctx, mod, stack)
		if g := uint32(stack[0]); g != rc.Expects {
			t.Errorf("check_rsa %s: %d, want %d", rc.Name, g, rc.Expects)
		}
	}

	if *updateConformance && changed {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		mustf(t, enc.Encode(c), "encode")
		mustf(t, os.WriteFile(conformancePath, b.Bytes(), 0o644), "write")
		t.Log("rewrote", conformancePath)
	}
}

// writeConformanceSkeleton regenerates the list's inputs (-conformance-skeleton;
// results come with -update-conformance): the tokens are minted
// deterministically (RSA PKCS #1 v1.5 signatures are), so the file is
// reproducible.
func writeConformanceSkeleton(t *testing.T) {
	now := fixedNow
	s := now.Unix()
	mint := func(edit func(map[string]any)) string { return testkeys.Mint(claimsAt(now, edit), "", "") }
	toks := map[string]string{
		"valid": mint(nil),
		"v2_org": mint(func(c map[string]any) {
			c["v"] = 2
			c["o"] = map[string]any{"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3,1"}
			c["fea"] = "o:invoices,u:profile"
			c["pla"] = "u:pro"
		}),
		"expired":      mint(func(c map[string]any) { c["exp"] = s - 10 }),
		"not_yet":      mint(func(c map[string]any) { c["nbf"] = s + 60 }),
		"other_azp":    mint(func(c map[string]any) { c["azp"] = "https://evil.example" }),
		"wrong_key":    testkeys.Secondary.WithKID(testkeys.Primary.KID).Mint(claimsAt(now, nil), ""),
		"unknown_kid":  testkeys.Mint(claimsAt(now, nil), "ins_unknown", ""),
		"escaped_sub":  mint(func(c map[string]any) { c["sub"] = "user_\"<&>\u2028" }),
		"alg_none":     testkeys.Unsigned(`{"alg":"none","typ":"JWT"}`, `{"sub":"user_1"}`, ""),
		"not_a_jwt":    "abc.def",
		"rs512_signed": testkeys.Mint(claimsAt(now, nil), "", "RS512"),
	}
	pem := testkeys.Primary.PublicPEM()
	cfg := func(v map[string]any) json.RawMessage { b, _ := json.Marshal(v); return b }
	pemCfg := cfg(map[string]any{"jwt_key": pem, "authorized_parties": []string{"https://app.example.com"}})
	jwksCfg := cfg(map[string]any{"authorized_parties": []string{"https://app.example.com"}})
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	var cases []confCase
	for _, name := range []string{"valid", "v2_org", "expired", "not_yet", "other_azp", "wrong_key", "escaped_sub", "alg_none", "not_a_jwt", "rs512_signed"} {
		cases = append(cases, confCase{Name: "verify_session_token " + name, Configure: pemCfg,
			Export: abi.ExportVerifySessionToken, Input: toks[name]})
	}
	cases = append(cases,
		confCase{Name: "check_session_token valid", Configure: pemCfg, Export: abi.ExportCheckSessionToken, Input: toks["valid"]},
		confCase{Name: "check_session_token expired", Configure: pemCfg, Export: abi.ExportCheckSessionToken, Input: toks["expired"]},
		confCase{Name: "verify_token audience override", Configure: pemCfg, Export: abi.ExportVerifyToken,
			Input: js(map[string]any{"token": toks["valid"], "audience": []string{"mine"}})},
		confCase{Name: "verify_token skew override", Configure: pemCfg, Export: abi.ExportVerifyToken,
			Input: js(map[string]any{"token": toks["expired"], "clock_skew_ms": 60000})},
		confCase{Name: "configure out of range", Configure: pemCfg, Export: abi.ExportConfigure, Input: `{"clock_skew_ms":-1}`},
		confCase{Name: "configure not JSON", Configure: pemCfg, Export: abi.ExportConfigure, Input: `{"jwt_key":`},
		confCase{Name: "JWKS through http_request", Configure: jwksCfg, Export: abi.ExportVerifySessionToken, Input: toks["valid"],
			HTTP: &confHTTP{Request: abi.HTTPRequest{Method: "GET", Path: "/jwks"},
				Response: abi.HTTPResponse{Status: 200, Body: testkeys.JWKS(testkeys.Primary)}}},
		confCase{Name: "JWKS without the token's kid", Configure: jwksCfg, Export: abi.ExportVerifySessionToken, Input: toks["unknown_kid"],
			HTTP: &confHTTP{Request: abi.HTTPRequest{Method: "GET", Path: "/jwks"},
				Response: abi.HTTPResponse{Status: 200, Body: testkeys.JWKS(testkeys.Primary)}}},
		confCase{Name: "JWKS request fails", Configure: jwksCfg, Export: abi.ExportVerifySessionToken, Input: toks["valid"],
			HTTP: &confHTTP{Request: abi.HTTPRequest{Method: "GET", Path: "/jwks"},
				Response: abi.HTTPResponse{Status: 404, Body: []byte(`{"errors":[{"code":"resource_not_found","message":"not found"}]}`)}}},
		confCase{Name: "call users.get", Configure: pemCfg, Export: abi.ExportCall, Input: `{"operation":"users.get","params":{"user_id":"user_1"}}`,
			HTTP: &confHTTP{Request: abi.HTTPRequest{Method: "GET", Path: "/users/user_1"},
				Response: abi.HTTPResponse{Status: 200, Body: []byte(`{"object":"user","id":"user_1"}`)}}},
		confCase{Name: "call users.list with query", Configure: pemCfg, Export: abi.ExportCall,
			Input: `{"operation":"users.list","params":{"limit":2,"email_address":["a@example.com"]}}`,
			HTTP: &confHTTP{Request: abi.HTTPRequest{Method: "GET", Path: "/users", Query: "email_address=a%40example.com&limit=2"},
				Response: abi.HTTPResponse{Status: 200, Body: []byte(`[]`)}}},
		confCase{Name: "call users.create body", Configure: pemCfg, Export: abi.ExportCall,
			Input: `{"operation":"users.create","params":{"first_name":"Ada"}}`,
			HTTP: &confHTTP{Request: abi.HTTPRequest{Method: "POST", Path: "/users", ContentType: "application/json", Body: []byte(`{"first_name":"Ada"}`)},
				Response: abi.HTTPResponse{Status: 200, Body: []byte(`{"object":"user","id":"user_2","first_name":"Ada"}`)}}},
		confCase{Name: "call API error", Configure: pemCfg, Export: abi.ExportCall, Input: `{"operation":"users.get","params":{"user_id":"user_x"}}`,
			HTTP: &confHTTP{Request: abi.HTTPRequest{Method: "GET", Path: "/users/user_x"},
				Response: abi.HTTPResponse{Status: 404, Body: []byte(`{"errors":[{"code":"resource_not_found","message":"not found","long_message":"No user user_x"}],"clerk_trace_id":"trace_1"}`)}}},
		confCase{Name: "call unknown operation", Configure: pemCfg, Export: abi.ExportCall, Input: `{"operation":"users.nope"}`},
		confCase{Name: "call missing path parameter", Configure: pemCfg, Export: abi.ExportCall, Input: `{"operation":"users.get","params":{}}`},
	)
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	body := `{"type":"user.created","object":"event","data":{"id":"user_1"},"timestamp":1780315200000}`
	m := hmac.New(sha256.New, key)
	m.Write([]byte("msg_1." + strconv.FormatInt(s, 10) + "." + body))
	sig := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	hook := func(b string, now int64) string {
		return js(map[string]any{"secret": secret, "body": []byte(b), "now_unix": now, "headers": map[string][]string{
			"svix-id": {"msg_1"}, "svix-timestamp": {strconv.FormatInt(s, 10)}, "svix-signature": {"v1,bogus " + sig}}})
	}
	cases = append(cases,
		confCase{Name: "verify_webhook", Configure: pemCfg, Export: abi.ExportVerifyWebhook, Input: hook(body, s)},
		confCase{Name: "verify_webhook tampered", Configure: pemCfg, Export: abi.ExportVerifyWebhook, Input: hook(body+" ", s)},
		confCase{Name: "verify_webhook stale", Configure: pemCfg, Export: abi.ExportVerifyWebhook, Input: hook(body, s+3600)},
		confCase{Name: "authenticate_request bearer", Configure: cfg(map[string]any{"jwt_key": pem,
			"publishable_key": "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"}), Export: abi.ExportAuthenticateRequest,
			Input: js(map[string]any{"request": map[string]any{"method": "GET", "url": "https://app.example.com/x",
				"headers": map[string][]string{"Authorization": {"Bearer " + toks["valid"]}}}})},
		confCase{Name: "authenticate_request no token", Configure: cfg(map[string]any{"jwt_key": pem,
			"publishable_key": "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"}), Export: abi.ExportAuthenticateRequest,
			Input: js(map[string]any{"request": map[string]any{"method": "GET", "url": "https://app.example.com/x", "headers": map[string][]string{}}})},
	)
	for i := range cases {
		cases[i].Result = json.RawMessage("null")
	}
	c := conformance{
		About: []string{
			"Conformance list of the clerkscript wasm plugin ABI (wasm/ABI.md section 7).",
			"For each case: instantiate (or reuse) an instance whose WASI realtime clock reads `clock`, call clerk_configure with `configure`,",
			"then call `export` with the bytes of `input` (UTF-8); the result bytes must equal `result` exactly (JSON shown decoded here: compare",
			"after compacting, or byte for byte against the compact form). With `http`, the call makes exactly one http_request: check the",
			"guest's request JSON against `http.request` and answer `http.response` (body base64 in the JSON, as on the wire).",
			"check_rsa cases call your import directly: n = the modulus of key_pem, e = 65537, buf = the token's signing input",
			"(header.payload) or its SHA-256, sig = the token's third segment as text or decoded; `expects` is the return value.",
		},
		Clock: now, KeyPEM: pem, Tokens: toks, Cases: cases,
		CheckRSA: []confRSA{
			{Name: "message, base64url signature", Hash: 0x305, Token: "valid", Buf: "message", Sig: "base64url", Expects: 1},
			{Name: "message, raw signature", Hash: 0x105, Token: "valid", Buf: "message", Sig: "raw", Expects: 1},
			{Name: "digest, raw signature", Hash: 5, Token: "valid", Buf: "digest", Sig: "raw", Expects: 1},
			{Name: "tampered message", Hash: 0x305, Token: "valid", Buf: "message", Sig: "base64url", Tamper: true, Expects: 0},
			{Name: "signature by another key", Hash: 0x305, Token: "wrong_key", Buf: "message", Sig: "base64url", Expects: 0},
			{Name: "unknown hash id", Hash: 3, Token: "valid", Buf: "digest", Sig: "raw", Expects: 2,
				Comment: "any id or flag the host does not know is declined, never guessed"},
		},
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	mustf(t, enc.Encode(c), "encode")
	mustf(t, os.WriteFile(conformancePath, b.Bytes(), 0o644), "write")
}
