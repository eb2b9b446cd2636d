package clerkwasm

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

func TestManyGoroutinesOneHost(t *testing.T) {
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 3})
	now := time.Now()
	good := make([]string, 5)
	for i := range good {
		c := claimsAt(now, nil)
		c["sub"] = "user_" + strconv.Itoa(i)
		good[i] = testkeys.Mint(c, "", "")
	}
	expired := testkeys.Mint(claimsAt(now.Add(-time.Hour), nil), "", "")
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 40; i++ {
				k := (g + i) % len(good)
				c, err := h.VerifyToken(context.Background(), good[k])
				if err != nil || c.Subject != "user_"+strconv.Itoa(k) {
					errs <- errors.New("good token: " + errString(err))
					return
				}
				if _, err := h.VerifyToken(context.Background(), expired); core.TokenErrorReason(err) != core.ReasonTokenExpired {
					errs <- errors.New("expired token: " + errString(err))
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if n := h.instantiated.Load(); n > 3 {
		t.Fatalf("%d instances made for a pool of 3", n)
	}
	if d := h.discarded.Load(); d != 0 {
		t.Fatalf("%d instances discarded under plain load", d)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestMalformedCalls feeds bad pointers, lengths and JSON straight to the
// exports: each must answer the error shape without trapping, and the
// instance must stay in service.
func TestMalformedCalls(t *testing.T) {
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1})
	ctx := context.Background()
	// Raw pointer abuse, below the typed API.
	inst := <-h.fast.idle // taken out of the pool for raw calls, put back below
	type raw struct {
		name     string
		ptr, n   uint32
		wantCode string
	}
	_, err := inst.invoke(ctx, abi.ExportVerifyToken, []byte(`{"token":"x"}`)) // sets up the scratch buffer
	mustf(t, err, "warm up")
	cases := []raw{
		{"null pointer", 0, 10, "bad_pointer"},
		{"pointer not from malloc", inst.scratch + 1, 4, "bad_pointer"},
		{"length past the buffer", inst.scratch, inst.scratchCap + 1, "bad_pointer"},
		{"pointer past memory", 0xfffffff0, 100, "bad_pointer"},
	}
	for _, c := range cases {
		for _, export := range []string{abi.ExportVerifyToken, abi.ExportVerifySessionToken, abi.ExportCall,
			abi.ExportVerifyWebhook, abi.ExportAuthenticateRequest, abi.ExportConfigure, abi.ExportCheckSessionToken} {
			inst.stack[0], inst.stack[1] = uint64(c.ptr), uint64(c.n)
			if err := inst.fns[export].CallWithStack(ctx, inst.stack); err != nil {
				t.Fatalf("%s %s: trapped: %v", export, c.name, err)
			}
			rp, rn := abi.Unpack(inst.stack[0])
			view, ok := inst.mem.Read(rp, rn)
			if !ok {
				t.Fatalf("%s %s: result out of range", export, c.name)
			}
			var r abi.Result
			if err := json.Unmarshal(view, &r); err != nil || r.OK || r.Error == nil || r.Error.Code != c.wantCode {
				t.Fatalf("%s %s: result %s", export, c.name, view)
			}
		}
	}
	// clerk_malloc refuses absurd sizes instead of trapping.
	for _, size := range []uint64{0, abi.MaxInput + 1, 1<<32 - 1} {
		inst.stack[0] = size
		mustf(t, inst.malloc.CallWithStack(ctx, inst.stack), "malloc(%d)", size)
		if inst.stack[0] != 0 {
			t.Fatalf("malloc(%d) = %#x, want 0", size, inst.stack[0])
		}
	}
	inst.stack[0] = 12345 // freeing an unknown pointer is a no-op
	mustf(t, inst.free.CallWithStack(ctx, inst.stack), "free(unknown)")
	h.fast.idle <- inst

	// Bad JSON through every JSON export.
	for _, export := range []string{abi.ExportVerifyToken, abi.ExportCall, abi.ExportVerifyWebhook,
		abi.ExportConfigure, abi.ExportAuthenticateRequest} {
		for _, in := range []string{"", "{", "[]", `{"token":5}`, "\x00\xff", `{"operation":""}`} {
			out, err := h.CallExport(ctx, export, []byte(in))
			if err != nil {
				t.Fatalf("%s(%q): %v", export, in, err)
			}
			var r abi.Result
			if err := json.Unmarshal(out, &r); err != nil {
				t.Fatalf("%s(%q): malformed envelope %s", export, in, out)
			}
			if export != abi.ExportAuthenticateRequest && export != abi.ExportConfigure && r.OK {
				t.Fatalf("%s(%q): accepted: %s", export, in, out)
			}
		}
	}
	// Configure through CallExport changed that instance's settings; the
	// healthy check below uses a fresh host state only through VerifyToken,
	// which must still work on the same, undiscarded instance.
	if h.discarded.Load() != 0 {
		t.Fatalf("%d instances discarded by malformed input", h.discarded.Load())
	}
	if h.instantiated.Load() != 2 { // one per pool
		t.Fatalf("%d instances made; malformed input must not need new ones", h.instantiated.Load())
	}
}

// FuzzABI throws arbitrary bytes at every entry point of the module through
// one host: none may trap, and every answer must be the envelope.
func FuzzABI(f *testing.F) {
	tok := testkeys.Mint(claimsAt(time.Now(), nil), "", "")
	seeds := []string{"", "{}", "null", tok, `{"token":"` + tok + `"}`, `{"operation":"users.list","params":{"limit":1}}`,
		`{"secret":"whsec_AAAA","headers":{"svix-id":["1"]},"body":"e30="}`, `{"request":{"method":"GET","url":"/"}}`,
		"a.b.c", "\xff\xfe\x00"}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s))
	}
	var once sync.Once
	var h *Host
	f.Fuzz(func(t *testing.T, which uint8, in []byte) {
		once.Do(func() {
			var err error
			h, err = New(context.Background(), Options{Module: moduleBytes(t), CompilationCache: sharedCache,
				InterruptibleCompilationCache: sharedSlowCache, JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1})
			if err != nil {
				t.Fatal(err)
			}
		})
		exports := []string{abi.ExportVerifyToken, abi.ExportVerifySessionToken, abi.ExportCall,
			abi.ExportVerifyWebhook, abi.ExportAuthenticateRequest, abi.ExportCheckSessionToken}
		export := exports[int(which)%len(exports)]
		out, err := h.CallExport(context.Background(), export, in)
		if err != nil {
			t.Fatalf("%s(%q): %v", export, in, err)
		}
		var r abi.Result
		if err := json.Unmarshal(out, &r); err != nil || r.OK == (r.Error != nil) {
			t.Fatalf("%s(%q): bad envelope %s", export, in, out)
		}
	})
}

func TestVerifyWebhookThroughModule(t *testing.T) {
	h := newHost(t, Options{PoolSize: 1})
	key := []byte("0123456789abcdef0123456789abcdef")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	body := []byte(`{"type":"user.created","object":"event","data":{"id":"user_1"},"timestamp":1700000000000}`)
	now := time.Unix(1700000000, 0)
	sign := func(id string, ts int64, b []byte) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + string(b)))
		return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	}
	hdr := http.Header{}
	hdr.Set("svix-id", "msg_1")
	hdr.Set("svix-timestamp", strconv.FormatInt(now.Unix(), 10))
	hdr.Set("svix-signature", "v1,bogus "+sign("msg_1", now.Unix(), body))
	ev, err := h.VerifyWebhook(context.Background(), secret, hdr, body, now)
	mustf(t, err, "VerifyWebhook")
	native, err := core.VerifyWebhook(secret, core.Header(hdr), body, now)
	mustf(t, err, "native VerifyWebhook")
	if ev.ID != native.ID || ev.Type != native.Type || string(ev.Data) != string(native.Data) ||
		!ev.Timestamp.Equal(native.Timestamp) || ev.EventTimestamp != native.EventTimestamp {
		t.Fatalf("plugin %+v, native %+v", ev, native)
	}
	// Stale timestamp and tampered body: the same reasons as natively.
	for name, tc := range map[string]struct {
		body []byte
		now  time.Time
	}{
		"stale":    {body, now.Add(time.Hour)},
		"tampered": {[]byte(`{"type":"user.deleted"}`), now},
	} {
		_, err := h.VerifyWebhook(context.Background(), secret, hdr, tc.body, tc.now)
		_, nerr := core.VerifyWebhook(secret, core.Header(hdr), tc.body, tc.now)
		var pe, ne *core.WebhookVerificationError
		if !errors.As(err, &pe) || !errors.As(nerr, &ne) || *pe != *ne {
			t.Fatalf("%s: plugin %v, native %v", name, err, nerr)
		}
	}
}

func TestAuthenticateRequestMatchesNative(t *testing.T) {
	pk := core.BuildPublishableKey("clerk.example.com", false)
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PublishableKey: pk, PoolSize: 1,
		Now: func() time.Time { return fixedNow }})
	good := testkeys.Mint(claimsAt(fixedNow, nil), "", "")
	expired := testkeys.Mint(claimsAt(fixedNow.Add(-time.Hour), nil), "", "")
	for name, set := range map[string]func(*http.Request){
		"bearer":         func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+good) },
		"expired bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+expired) },
		"no token":       func(*http.Request) {},
		"cookie":         func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "__session", Value: good}) },
	} {
		r := httptest.NewRequest("GET", "https://app.example.com/dashboard", nil)
		set(r)
		got, err := h.AuthenticateRequest(context.Background(), r)
		mustf(t, err, "%s: plugin", name)
		rs, err := core.AuthenticateRequest(context.Background(), core.RequestFromHTTP(r), core.AuthenticateOptions{
			JWTKey: testkeys.Primary.PublicPEM(), PublishableKey: pk, Now: func() time.Time { return fixedNow }})
		mustf(t, err, "%s: native", name)
		want, _ := json.Marshal(rs)
		if string(got) != string(want) {
			t.Fatalf("%s:\nplugin %s\nnative %s", name, got, want)
		}
		if name == "bearer" && rs.Status != "signed-in" {
			t.Fatalf("bearer: native status %s", rs.Status)
		}
	}
}

func TestMiddleware(t *testing.T) {
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 2})
	app := h.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := ClaimsFromContext(r.Context())
		if !ok {
			http.Error(w, "no claims", 500)
			return
		}
		_, _ = w.Write([]byte(c.Subject))
	}), RequireAuth())
	srv := httptest.NewServer(app)
	defer srv.Close()
	get := func(set func(*http.Request)) *http.Response {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		set(req)
		resp, err := srv.Client().Do(req)
		mustf(t, err, "GET")
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	tok := testkeys.Mint(claimsAt(time.Now(), nil), "", "")
	for name, set := range map[string]func(*http.Request){
		"bearer": func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) },
		"cookie": func(r *http.Request) { r.AddCookie(&http.Cookie{Name: "__session", Value: tok}) },
	} {
		if resp := get(set); resp.StatusCode != 200 {
			t.Fatalf("%s: status %d", name, resp.StatusCode)
		}
	}
	expired := testkeys.Mint(claimsAt(time.Now().Add(-time.Hour), nil), "", "")
	resp := get(func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+expired) })
	if resp.StatusCode != 401 || resp.Header.Get("X-Clerk-Auth-Reason") != core.ReasonTokenExpired ||
		resp.Header.Get("X-Clerk-Auth-Status") != "signed-out" {
		t.Fatalf("expired: %d %v", resp.StatusCode, resp.Header)
	}
	if resp := get(func(*http.Request) {}); resp.StatusCode != 401 {
		t.Fatalf("no token: %d", resp.StatusCode)
	}
	// The scheme is case-sensitive, as in @clerk/backend (core.BearerToken).
	if resp := get(func(r *http.Request) { r.Header.Set("Authorization", "bearer "+tok) }); resp.StatusCode != 401 {
		t.Fatalf("lower-case bearer: %d", resp.StatusCode)
	}
}

// Without RequireAuth a request without a valid token goes on signed out,
// with the debug headers, as clerkhttp does.
func TestMiddlewareDefaultLetsThrough(t *testing.T) {
	h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1})
	srv := httptest.NewServer(h.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := ClaimsFromContext(r.Context()); ok {
			_, _ = w.Write([]byte("signed-in"))
			return
		}
		_, _ = w.Write([]byte("signed-out"))
	})))
	defer srv.Close()
	for name, c := range map[string]struct{ auth, want string }{
		"none":    {"", "signed-out"},
		"expired": {"Bearer " + testkeys.Mint(claimsAt(time.Now().Add(-time.Hour), nil), "", ""), "signed-out"},
		"valid":   {"Bearer " + testkeys.Mint(claimsAt(time.Now(), nil), "", ""), "signed-in"},
	} {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		resp, err := srv.Client().Do(req)
		mustf(t, err, "GET")
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != c.want {
			t.Errorf("%s: %d %q, want 200 %q", name, resp.StatusCode, body, c.want)
		}
		if c.want == "signed-out" && resp.Header.Get(core.HeaderAuthStatus) != "signed-out" {
			t.Errorf("%s: no debug headers: %v", name, resp.Header)
		}
	}
}

// The satellite options reach the guest: with SatelliteAutoSync a cookie-less
// page load on a satellite is a sync handshake, without it signed-out, the
// same as natively.
func TestAuthenticateRequestSatelliteMatchesNative(t *testing.T) {
	pk := core.BuildPublishableKey("clerk.primary.io", true)
	for _, auto := range []bool{false, true} {
		h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PublishableKey: pk, PoolSize: 1,
			IsSatellite: true, Domain: "satellite.io", SatelliteAutoSync: auto, Now: func() time.Time { return fixedNow }})
		r := httptest.NewRequest("GET", "https://satellite.io/", nil)
		r.Header.Set("Sec-Fetch-Dest", "document")
		got, err := h.AuthenticateRequest(context.Background(), r)
		mustf(t, err, "auto=%v: plugin", auto)
		rs, err := core.AuthenticateRequest(context.Background(), core.RequestFromHTTP(r), core.AuthenticateOptions{
			JWTKey: testkeys.Primary.PublicPEM(), PublishableKey: pk, IsSatellite: true, Domain: "satellite.io",
			SatelliteAutoSync: auto, Now: func() time.Time { return fixedNow }})
		mustf(t, err, "auto=%v: native", auto)
		want, _ := json.Marshal(rs)
		if string(got) != string(want) {
			t.Fatalf("auto=%v:\nplugin %s\nnative %s", auto, got, want)
		}
		if wantStatus := map[bool]string{false: "signed-out", true: "handshake"}[auto]; string(rs.Status) != wantStatus {
			t.Fatalf("auto=%v: status %s, want %s", auto, rs.Status, wantStatus)
		}
	}
}
