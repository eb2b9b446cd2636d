package core

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

func TestJWKSFetchAndTTL(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	clk := newVerifyClock()
	v := NewVerifier(VerifierConfig{Clock: clk, TokenCacheSize: -1})
	ctx := context.Background()

	for i := range 3 {
		if _, err := v.Verify(ctx, mint(map[string]any{"jti": i}), srv.opts()); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.requests.Load(); n != 1 {
		t.Fatalf("%d JWKS requests for 3 verifications, want 1", n)
	}
	if got := srv.lastAuth.Load(); got != "Bearer "+testSecretKey {
		t.Fatalf("Authorization %q", got)
	}
	if got := srv.lastPath.Load(); got != "/v1/jwks" {
		t.Fatalf("path %q", got)
	}

	clk.Advance(defaultJWKSTTL - time.Second)
	if _, err := v.Verify(ctx, mint(map[string]any{"exp": clk.Now().Unix() + 60}), srv.opts()); err != nil {
		t.Fatal(err)
	}
	if n := srv.requests.Load(); n != 1 {
		t.Fatalf("refetched before the TTL: %d requests", n)
	}
	clk.Advance(time.Second)
	if _, err := v.Verify(ctx, mint(map[string]any{"exp": clk.Now().Unix() + 60}), srv.opts()); err != nil {
		t.Fatal(err)
	}
	if n := srv.requests.Load(); n != 2 {
		t.Fatalf("%d requests after the TTL, want 2", n)
	}
}

func TestJWKSScopes(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	ctx := context.Background()
	tok := mint(nil)
	a := srv.opts()
	b := srv.opts()
	b.SecretKey = "sk_test_another_instance"
	c := srv.opts()
	c.APIVersion = "v1"
	for _, o := range []VerifyOptions{a, b, c, a, b} {
		if _, err := v.Verify(ctx, tok, o); err != nil {
			t.Fatal(err)
		}
	}
	// a and c are one scope (v1 is the default); b is another instance.
	if n := srv.requests.Load(); n != 2 {
		t.Fatalf("%d requests, want one per scope (2)", n)
	}
}

func TestJWKSThroughClient(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	client := NewClient(NewClientConfig().WithSecretKey(testSecretKey).WithAPIURL(srv.URL).WithHeader("X-Test", "1"))
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	for range 2 {
		if _, err := v.Verify(context.Background(), mint(nil), VerifyOptions{Client: client, SecretKey: "ignored"}); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.requests.Load(); n != 1 {
		t.Fatalf("%d requests", n)
	}
}

func TestJWKSRotationAndUnknownKidThrottle(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	clk := newVerifyClock()
	v := NewVerifier(VerifierConfig{Clock: clk, TokenCacheSize: -1})
	ctx := context.Background()
	if _, err := v.Verify(ctx, mint(nil), srv.opts()); err != nil {
		t.Fatal(err)
	}

	// Clerk rotates: the new key appears in the JWKS.
	srv.setBody(testkeys.JWKS(testkeys.Primary, testkeys.Secondary))
	rotated := func() string {
		return testkeys.Secondary.Mint(claimsAt(map[string]any{"exp": clk.Now().Unix() + 60}), "")
	}
	// Within the refetch interval of the first fetch, an unknown kid is a
	// mismatch without a request.
	clk.Advance(defaultKidRefetchInterval - time.Second)
	_, err := v.Verify(ctx, rotated(), srv.opts())
	te := wantReason(t, err, ReasonJWKKidMismatch)
	if !strings.Contains(te.Message, `kid="ins_test_secondary"`) {
		t.Fatalf("message %q", te.Message)
	}
	if n := srv.requests.Load(); n != 1 {
		t.Fatalf("%d requests, want 1 (throttled)", n)
	}
	// After it, one refetch picks the new key up.
	clk.Advance(time.Second)
	if _, err := v.Verify(ctx, rotated(), srv.opts()); err != nil {
		t.Fatal(err)
	}
	if n := srv.requests.Load(); n != 2 {
		t.Fatalf("%d requests, want 2", n)
	}

	// Made-up kids: at most one request per interval, however many tokens.
	for i := range 50 {
		tok := testkeys.Primary.WithKID("ins_bogus_"+string(rune('a'+i%26))).Mint(claimsAt(map[string]any{"exp": clk.Now().Unix() + 60}), "")
		_, err := v.Verify(ctx, tok, srv.opts())
		wantReason(t, err, ReasonJWKKidMismatch)
		clk.Advance(time.Second) // 50 s in all: 5 intervals of 10 s
	}
	if n := srv.requests.Load(); n < 3 || n > 2+5 {
		t.Fatalf("%d requests for 50 unknown kids over 50 s, want at most one per 10 s", n)
	}

	// No kid at all never reaches the network.
	before := srv.requests.Load()
	_, err = v.Verify(ctx, testkeys.Primary.MintHeader(map[string]any{"typ": "JWT"}, claimsAt(nil), ""), srv.opts())
	wantReason(t, err, ReasonJWKKidMismatch)
	if srv.requests.Load() != before {
		t.Fatal("a token without kid caused a JWKS request")
	}
}

func TestJWKSUnthrottled(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), KidRefetchInterval: -1})
	for range 3 {
		_, err := v.Verify(context.Background(), testkeys.Primary.WithKID("other").Mint(claimsAt(nil), ""), srv.opts())
		wantReason(t, err, ReasonJWKKidMismatch)
	}
	if n := srv.requests.Load(); n != 3 {
		t.Fatalf("%d requests, want 3 with the throttle off", n)
	}
}

func TestJWKSConcurrentMissesCollapse(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	srv.gate = make(chan struct{})
	srv.arrived = make(chan struct{}, 100)
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := func() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := v.Verify(context.Background(), mint(nil), srv.opts())
			errs <- err
		}()
	}
	start()
	<-srv.arrived // the first fetch is in flight and held
	for range n - 1 {
		start()
	}
	close(srv.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.requests.Load(); got != 1 {
		t.Fatalf("%d JWKS requests for %d concurrent verifications, want 1", got, n)
	}
}

func TestJWKSCallerCancelDoesNotFailOthers(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	srv.gate = make(chan struct{})
	srv.arrived = make(chan struct{}, 10)
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := v.Verify(ctx, mint(nil), srv.opts())
		done <- err
	}()
	<-srv.arrived
	cancel()
	err := <-done
	te := wantReason(t, err, ReasonJWKRemoteFailedToLoad)
	if !errors.Is(te, context.Canceled) {
		t.Fatalf("cause %v", te.Err)
	}
	close(srv.gate)
	// The detached fetch completes and serves the next caller.
	if _, err := v.Verify(context.Background(), mint(nil), srv.opts()); err != nil {
		t.Fatal(err)
	}
	if n := srv.requests.Load(); n > 2 {
		t.Fatalf("%d requests", n)
	}
}

func TestJWKSErrors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		statuses []int
		body     string
		reason   string
		requests int64
		msg      string
	}{
		{name: "401 is not retried", statuses: []int{401}, reason: ReasonSecretKeyInvalid, requests: 1, msg: "Secret key invalid"},
		{name: "500s are retried", statuses: []int{500, 502}, body: string(testkeys.JWKS(testkeys.Primary)), requests: 3},
		{name: "503 then success", statuses: []int{503}, body: string(testkeys.JWKS(testkeys.Primary)), requests: 2},
		{name: "persistent 500 gives up", statuses: []int{500, 500, 500, 500, 500, 500, 500}, reason: ReasonJWKRemoteFailedToLoad, requests: 5, msg: "with code=500"},
		{name: "404", statuses: []int{404}, reason: ReasonJWKRemoteFailedToLoad, requests: 1, msg: "code=404"},
		{name: "empty keys", body: `{"keys":[]}`, reason: ReasonJWKRemoteFailedToLoad, requests: 1, msg: "did not contain any signing keys"},
		{name: "no keys member", body: `{}`, reason: ReasonJWKRemoteFailedToLoad, requests: 1},
		{name: "not JSON", body: `<html>`, reason: ReasonJWKRemoteFailedToLoad, requests: 1, msg: "not valid JSON"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newJWKSServer(t, []byte(tc.body))
			srv.failNext(tc.statuses...)
			v := NewVerifier(VerifierConfig{Clock: newVerifyClock()})
			_, err := v.Verify(context.Background(), mint(nil), srv.opts())
			if tc.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				te := wantReason(t, err, tc.reason)
				if !strings.Contains(te.Message, tc.msg) {
					t.Fatalf("message %q does not contain %q", te.Message, tc.msg)
				}
				if !te.IsConfigurationError() {
					t.Fatal("not a configuration error")
				}
			}
			if n := srv.requests.Load(); n != tc.requests {
				t.Fatalf("%d requests, want %d", n, tc.requests)
			}
		})
	}
}

func TestJWKSNetworkError(t *testing.T) {
	srv := newJWKSServer(t, nil)
	srv.Close() // connection refused
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), JWKSRetry: RetryConfig{MaxAttempts: 2, InitialInterval: time.Millisecond}})
	_, err := v.Verify(context.Background(), mint(nil), srv.opts())
	te := wantReason(t, err, ReasonJWKRemoteFailedToLoad)
	if !strings.Contains(te.Message, srv.URL+"/v1/jwks") {
		t.Fatalf("message %q does not name the URL", te.Message)
	}
}

func TestJWKSFailureKeepsPreviousKeys(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	clk := newVerifyClock()
	v := NewVerifier(VerifierConfig{Clock: clk, TokenCacheSize: -1})
	ctx := context.Background()
	if _, err := v.Verify(ctx, mint(nil), srv.opts()); err != nil {
		t.Fatal(err)
	}
	// An unknown-kid refetch that fails leaves the known keys usable.
	clk.Advance(defaultKidRefetchInterval)
	srv.failNext(404)
	_, err := v.Verify(ctx, testkeys.Secondary.Mint(claimsAt(nil), ""), srv.opts())
	wantReason(t, err, ReasonJWKRemoteFailedToLoad)
	if _, err := v.Verify(ctx, mint(nil), srv.opts()); err != nil {
		t.Fatalf("known key after a failed refetch: %v", err)
	}
}
