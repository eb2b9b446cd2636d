package clerkwasm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// A module (another version, or a broken build) may answer any code with
// the "config" kind: a short one must not panic the host.
func TestErrorFromShortConfigCode(t *testing.T) {
	for _, code := range []string{"", "a", "jwk-", "token", "abcde", "token-x", "jwk-local-invalid"} {
		err := errorFrom(&abi.Error{Kind: abi.KindConfig, Code: code, Message: "m"})
		var te *core.TokenVerificationError
		isToken := errors.As(err, &te)
		want := strings.HasPrefix(code, "jwk-") && len(code) > 4 || strings.HasPrefix(code, "token-")
		if isToken != want {
			t.Errorf("code %q: token error %v, want %v (%v)", code, isToken, want, err)
		}
	}
}

// A guest that asks again and again without collecting the answers must
// not make the host keep them all: only the last one can be collected.
func TestUncollectedResponsesAreBounded(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, memoryModule)
	mustf(t, err, "instantiate")
	p, err := newAPIProxy(Options{}.withDefaults()) // no secret key: every request is refused, not sent
	mustf(t, err, "proxy")
	req := []byte(`{"method":"GET","path":"/jwks"}`)
	if !mod.Memory().Write(0, req) {
		t.Fatal("write")
	}
	var last uint64
	for i := 0; i < 500; i++ {
		stack := []uint64{0, uint64(len(req))}
		p.httpRequest(ctx, mod, stack)
		if stack[0] == 0 {
			t.Fatal("http_request answered nothing")
		}
		last = stack[0]
	}
	held := 0
	p.pending.Range(func(any, any) bool { held++; return true })
	if held != 1 {
		t.Fatalf("the host holds %d uncollected responses of one instance, want 1", held)
	}
	// The last one is still collectable, once.
	h, n := abi.Unpack(last)
	for i, want := range []uint64{1, 0} {
		stack := []uint64{uint64(h), 1024, uint64(n)}
		p.httpResponse(ctx, mod, stack)
		if stack[0] != want {
			t.Fatalf("collect #%d: %d, want %d", i, stack[0], want)
		}
	}
	out, _ := mod.Memory().Read(1024, n)
	var resp abi.HTTPResponse
	if err := json.Unmarshal(out, &resp); err != nil || resp.Error == nil || !resp.Error.NotSent {
		t.Fatalf("collected %s", out)
	}
	p.forget(mod)
	held = 0
	p.pending.Range(func(any, any) bool { held++; return true })
	if held != 0 {
		t.Fatalf("%d responses left after forget", held)
	}
}

// Requests a hostile guest could craft that the first allow-list test does
// not cover: an encoded backslash hiding a dot segment, and control bytes
// in the content type (net/http would refuse them only after the request
// counted as possibly sent).
func TestAllowListEncodedBackslashAndControlBytes(t *testing.T) {
	api := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) })
	p, err := newAPIProxy(Options{SecretKey: "sk_test_allow", APIURL: api.URL}.withDefaults())
	mustf(t, err, "proxy")
	for _, req := range []abi.HTTPRequest{
		{Method: "GET", Path: "/users/%5c..%5c..%5cjwks"},
		{Method: "GET", Path: "/users/..%5Cx"},
		{Method: "POST", Path: "/users", ContentType: "multipart/form-data; boundary=a\x00b"},
		{Method: "POST", Path: "/users", ContentType: "multipart/form-data; boundary=a\x7fb"},
		{Method: "POST", Path: "/users", ContentType: "multipart/form-data; boundary=\xc3\xa9"},
	} {
		b, _ := json.Marshal(req)
		resp := p.do(context.Background(), b)
		if resp.Error == nil || !resp.Error.NotSent || !strings.HasPrefix(resp.Error.Message, "refused by the host") {
			t.Errorf("%s %q %q: not refused: %+v", req.Method, req.Path, req.ContentType, resp.Error)
		}
	}
	if api.hits.Load() != 0 {
		t.Fatalf("%d requests reached the API", api.hits.Load())
	}
	// Still allowed: encoded characters that are not separators.
	b, _ := json.Marshal(abi.HTTPRequest{Method: "GET", Path: "/users/a%2Eb%20c"})
	if resp := p.do(context.Background(), b); resp.Error != nil || resp.Status != 200 {
		t.Fatalf("good request: %+v", resp.Error)
	}
}

// A response bigger than an instance's memory can take is refused by the
// host with a message naming the limit, instead of killing the instance
// with "out of memory" when it allocates the buffer.
func TestOversizedResponseRefused(t *testing.T) {
	body := `{"data":"` + strings.Repeat("x", 24<<20) + `"}`
	api := newRecordingServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	})
	h := newHost(t, Options{SecretKey: "sk_test_big", APIURL: api.URL, PoolSize: 1, MemoryLimitMiB: 48,
		Retry: &core.RetryConfig{Disabled: true}})
	_, err := h.Call(context.Background(), "users.list", nil)
	var e *Error
	if !errors.As(err, &e) || e.Kind != abi.KindTransport || !strings.Contains(e.Message, "exceeds") {
		t.Fatalf("err = %v, want a transport error naming the limit", err)
	}
	if d := h.discarded.Load(); d != 0 {
		t.Fatalf("%d instances discarded: the guest died on the response", d)
	}
}

// ABI.md is the contract for hosts in other runtimes: every export and
// import of the module is documented under its name, and the exports have
// the signatures the document gives.
func TestABIDocumentMatchesModule(t *testing.T) {
	doc, err := os.ReadFile("../ABI.md")
	mustf(t, err, "ABI.md")
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCompilationCache(sharedCache))
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, moduleBytes(t))
	mustf(t, err, "compile")
	documented := func(name string) bool { return strings.Contains(string(doc), "`"+name) }
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	for name, fn := range cm.ExportedFunctions() {
		if !documented(name) {
			t.Errorf("export %s is not in ABI.md", name)
		}
		params, results := fn.ParamTypes(), fn.ResultTypes()
		var wantP, wantR []api.ValueType
		switch name {
		case "_initialize":
		case abi.ExportMalloc:
			wantP, wantR = []api.ValueType{i32}, []api.ValueType{i32}
		case abi.ExportFree:
			wantP = []api.ValueType{i32}
		case abi.ExportABIVersion:
			wantR = []api.ValueType{i32}
		default:
			wantP, wantR = []api.ValueType{i32, i32}, []api.ValueType{i64}
		}
		if string(params) != string(wantP) || string(results) != string(wantR) {
			t.Errorf("export %s: (%v) -> %v, ABI.md says (%v) -> %v", name, params, results, wantP, wantR)
		}
	}
	for _, fn := range cm.ImportedFunctions() {
		mod, name, _ := fn.Import()
		if mod != abi.ImportModule {
			continue
		}
		if !documented(name + "(") {
			t.Errorf("import %s.%s is not in ABI.md", mod, name)
		}
	}
	// Every error code the guest's source can answer is documented.
	re := regexp.MustCompile(`Code: "([a-z_]+)"|RequestErr\("([a-z_]+)"|"code":"([a-z_]+)"`)
	for _, f := range []string{"../internal/plugin/envelope.go", "../internal/plugin/plugin.go", "../guest/verify.go",
		"../guest/call.go", "../guest/mem.go"} {
		src, err := os.ReadFile(f)
		mustf(t, err, "%s", f)
		for _, m := range re.FindAllStringSubmatch(string(src), -1) {
			code := m[1] + m[2] + m[3]
			if !strings.Contains(string(doc), "`"+code+"`") {
				t.Errorf("error code %q of %s is not in ABI.md", code, f)
			}
		}
	}
}

// FuzzCheckRSA feeds check_rsa what a hostile guest could put in its
// memory: any modulus, exponent, digest or message and signature. It must
// answer one of its three values and never panic.
func FuzzCheckRSA(f *testing.F) {
	n := testkeys.Primary.Private.N.Bytes()
	f.Add(abi.HashSHA256, n, uint32(65537), make([]byte, 32), make([]byte, 256))
	f.Add(abi.HashSHA256|abi.HashFlagMessage|abi.HashFlagBase64Sig, n, uint32(3), []byte("a.b"), []byte("AAAA"))
	even := append([]byte(nil), n...)
	even[len(even)-1] &^= 1
	f.Add(abi.HashSHA512|abi.HashFlagMessage, even, uint32(65537), []byte("a.b"), make([]byte, 256))
	f.Add(abi.HashSHA384, append([]byte{0, 0}, n[2:]...), uint32(1<<31+1), make([]byte, 48), make([]byte, 300))
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, memoryModule)
	mustf(f, err, "instantiate")
	h := &Host{}
	f.Fuzz(func(t *testing.T, id uint32, n []byte, e uint32, digest, sig []byte) {
		if len(n) > 2048 || len(digest) > 8192 || len(sig) > 2048 {
			return
		}
		const nAt, dAt, sAt = 0, 4096, 16384
		mem := mod.Memory()
		if !mem.Write(nAt, n) || !mem.Write(dAt, digest) || !mem.Write(sAt, sig) {
			t.Fatal("write")
		}
		stack := []uint64{uint64(id), nAt, uint64(len(n)), uint64(e), dAt, uint64(len(digest)), sAt, uint64(len(sig))}
		h.checkRSA(ctx, mod, stack)
		if a := uint32(stack[0]); a != abi.RSAValid && a != abi.RSAInvalid && a != abi.RSADeclined {
			t.Fatalf("answer %d", a)
		}
	})
}

// FuzzCheckPath: whatever path the host accepts, the URL it builds stays on
// the pinned host and, even after a server decodes it and resolves dot
// segments (with backslashes as slashes), below the version prefix.
func FuzzCheckPath(f *testing.F) {
	for _, s := range []string{"/users", "/users/%2e%2e/x", "/a/..%5c..%5cb", "//evil", "/@evil", "/%252e%252e/",
		"/x/.%2E/y", "/users/user_1/metadata", "/%zz", "/a%2F..%2F..%2Fb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if checkPath(p) != nil {
			return
		}
		u, err := url.Parse("https://api.clerk.com/v1" + p)
		if err != nil {
			t.Fatalf("accepted %q, which makes no URL: %v", p, err)
		}
		if u.Host != "api.clerk.com" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("accepted %q: URL %s leaves the API", p, u)
		}
		dec, err := url.PathUnescape(u.EscapedPath())
		if err != nil {
			t.Fatalf("accepted %q: %v", p, err)
		}
		clean := path.Clean(strings.ReplaceAll(dec, `\`, "/"))
		if clean != "/v1" && !strings.HasPrefix(clean, "/v1/") {
			t.Fatalf("accepted %q: resolves to %s", p, clean)
		}
	})
}

// An instance that fails mid-call (here: its module closed under it, as a
// trap or deadline leaves it) is replaced, its slot is given back, and its
// uncollected response is dropped: a pool of one keeps serving.
func TestFailedInstanceIsReplaced(t *testing.T) {
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1})
	ctx := context.Background()
	tok := testkeys.Mint(claimsAt(time.Now(), nil), "", "")
	for round := 0; round < 3; round++ {
		inst := <-h.fast.idle
		h.api.pending.Store(inst.mod, &pendingResponse{handle: 1, out: []byte("{}")})
		_ = inst.mod.Close(ctx)
		h.fast.idle <- inst
		if _, err := h.VerifyToken(ctx, tok); err == nil {
			t.Fatal("a closed instance answered")
		} else if ge := (*GuestError)(nil); !errors.As(err, &ge) {
			t.Fatalf("err = %v, want a GuestError", err)
		}
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		c, err := h.VerifyToken(cctx, tok)
		cancel()
		if err != nil || c.Subject == "" {
			t.Fatalf("round %d, after the failure: %v", round, err)
		}
	}
	if d := h.discarded.Load(); d != 3 {
		t.Fatalf("%d instances discarded, want 3", d)
	}
	held := 0
	h.api.pending.Range(func(any, any) bool { held++; return true })
	if held != 0 {
		t.Fatalf("%d responses of discarded instances kept", held)
	}
}
