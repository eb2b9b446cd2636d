package core

import (
	"context"
	"crypto"
	"crypto/rsa"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// countingChecker counts RSA checks, so tests can tell a cache hit (no RSA)
// from a fresh verification.
type countingChecker struct {
	mu sync.Mutex
	n  int
}

func (c *countingChecker) CheckRSA(_ crypto.Hash, _ *rsa.PublicKey, _, _ []byte) (bool, bool) {
	c.mu.Lock()
	c.n++
	c.mu.Unlock()
	return false, true // decline: Go checks
}

func (c *countingChecker) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestTokenCacheHitRechecksOptionsAndTime(t *testing.T) {
	clk := newVerifyClock()
	rsaChecks := &countingChecker{}
	v := NewVerifier(VerifierConfig{Clock: clk, SignatureChecker: rsaChecks})
	ctx := context.Background()
	tok := mint(map[string]any{"aud": "api"})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}

	first, err := v.Verify(ctx, tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	second, err := v.Verify(ctx, tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	if first != second || rsaChecks.count() != 1 {
		t.Fatalf("second verification was not a cache hit (%d RSA checks)", rsaChecks.count())
	}

	// The caller's options apply to a hit exactly as to a fresh check.
	for _, tc := range []struct {
		name   string
		edit   func(*VerifyOptions)
		reason string
	}{
		{"parties", func(o *VerifyOptions) { o.AuthorizedParties = []string{"https://other.example"} }, ReasonTokenInvalidAuthorizedParties},
		{"audience", func(o *VerifyOptions) { o.Audience = []string{"web"} }, ReasonTokenVerificationFailed},
		{"issuer", func(o *VerifyOptions) { o.Issuer = "https://clerk.other.example" }, ReasonTokenInvalidIssuer},
		{"header type", func(o *VerifyOptions) { o.HeaderType = []string{"at+jwt"} }, ReasonTokenInvalid},
		{"another PEM key", func(o *VerifyOptions) { o.JWTKey = testkeys.Secondary.PublicPEM() }, ReasonTokenInvalidSignature},
		{"no key at all", func(o *VerifyOptions) { o.JWTKey = "" }, ReasonJWKFailedToResolve},
		{"issued in the future for a strict caller", func(o *VerifyOptions) {
			o.ClockSkew = NoClockSkew
			o.Now = func() time.Time { return testNow.Add(-time.Second) }
		}, ReasonTokenIatInTheFuture},
	} {
		o := opts
		tc.edit(&o)
		_, err := v.Verify(ctx, tok, o)
		if err == nil {
			t.Fatalf("%s: cached token accepted", tc.name)
		}
		wantReason(t, err, tc.reason)
	}
	// The entry survives other callers' rejections.
	if c, err := v.Verify(ctx, tok, opts); err != nil || c != first {
		t.Fatalf("after rejections: %v", err)
	}

	// Expiry is checked against the clock on every hit.
	clk.Advance(64 * time.Second) // exp is now+60, skew 5 s
	if _, err := v.Verify(ctx, tok, opts); err != nil {
		t.Fatalf("within the skew: %v", err)
	}
	clk.Advance(time.Second)
	_, err = v.Verify(ctx, tok, opts)
	wantReason(t, err, ReasonTokenExpired)
}

func TestTokenCacheNotActiveYetIsRecheckedToo(t *testing.T) {
	clk := newVerifyClock()
	v := NewVerifier(VerifierConfig{Clock: clk})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	// Cached while valid for a lenient caller, then presented to a strict one.
	tok := mint(map[string]any{"nbf": testNow.Unix() + 30})
	lenient := opts
	lenient.ClockSkew = time.Minute
	if _, err := v.Verify(context.Background(), tok, lenient); err != nil {
		t.Fatal(err)
	}
	_, err := v.Verify(context.Background(), tok, opts)
	wantReason(t, err, ReasonTokenNotActiveYet)
}

func TestTokenCacheRejectedTokensAreNotCached(t *testing.T) {
	rsaChecks := &countingChecker{}
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), SignatureChecker: rsaChecks})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(), AuthorizedParties: []string{"https://x.example"}}
	tok := mint(nil)
	for range 2 {
		_, err := v.Verify(context.Background(), tok, opts)
		wantReason(t, err, ReasonTokenInvalidAuthorizedParties)
	}
	if rsaChecks.count() != 2 || v.cache.len() != 0 {
		t.Fatalf("rejected token cached (%d RSA checks, %d entries)", rsaChecks.count(), v.cache.len())
	}
}

func TestTokenCacheDisabled(t *testing.T) {
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	tok := mint(nil)
	a, err1 := v.Verify(context.Background(), tok, opts)
	b, err2 := v.Verify(context.Background(), tok, opts)
	if err1 != nil || err2 != nil || a == b {
		t.Fatalf("cache not disabled: %v %v same=%v", err1, err2, a == b)
	}
}

func TestTokenCacheBounded(t *testing.T) {
	for _, size := range []int{1, 3, 100, 2048} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: size})
			opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
			total := size + size/2 + 5
			if total > 300 {
				total = 300 // enough to exceed small sizes; large ones use put directly
			}
			var last string
			for i := range total {
				last = mint(map[string]any{"jti": fmt.Sprint(i)})
				if _, err := v.Verify(context.Background(), last, opts); err != nil {
					t.Fatal(err)
				}
			}
			// Fill the rest without RSA.
			c, _ := v.Verify(context.Background(), last, opts)
			key, _ := v.pemKey(opts.JWTKey)
			for i := total; i < 2*size+10; i++ {
				v.cache.put(fmt.Sprintf("tok-%d", i), c, key)
			}
			limit := size
			if len(v.cache.shards) > 1 {
				limit = v.cache.per * len(v.cache.shards)
			}
			if n := v.cache.len(); n > limit || n == 0 {
				t.Fatalf("%d entries, limit %d", n, limit)
			}
		})
	}
}

func TestTokenCacheSecondChance(t *testing.T) {
	c := newTokenCache(3, 0)
	cl := &Claims{}
	k := &verifyKey{}
	for _, tok := range []string{"a", "b", "c"} {
		c.put(tok, cl, k)
	}
	c.get("a") // recently used: survives the next eviction
	c.put("d", cl, k)
	if c.get("a") == nil || c.get("b") != nil || c.get("d") == nil {
		t.Fatal("CLOCK eviction did not spare the used entry")
	}
}

func TestTokenCacheDropsKeysThatLeftTheJWKS(t *testing.T) {
	srv := newJWKSServer(t, testkeys.JWKS(testkeys.Primary, testkeys.Secondary))
	clk := newVerifyClock()
	rsaChecks := &countingChecker{}
	v := NewVerifier(VerifierConfig{Clock: clk, SignatureChecker: rsaChecks})
	ctx := context.Background()
	tok := testkeys.Secondary.Mint(claimsAt(map[string]any{"exp": testNow.Unix() + 3600}), "")
	if _, err := v.Verify(ctx, tok, srv.opts()); err != nil {
		t.Fatal(err)
	}
	// A routine refresh with the same keys keeps the entry.
	clk.Advance(defaultJWKSTTL)
	if _, err := v.Verify(ctx, tok, srv.opts()); err != nil {
		t.Fatal(err)
	}
	if rsaChecks.count() != 1 || srv.requests.Load() != 2 {
		t.Fatalf("refresh invalidated the cache: %d RSA checks, %d fetches", rsaChecks.count(), srv.requests.Load())
	}
	// The key is withdrawn: at the next refresh the cached token dies.
	srv.setBody(testkeys.JWKS(testkeys.Primary))
	clk.Advance(defaultJWKSTTL)
	_, err := v.Verify(ctx, tok, srv.opts())
	wantReason(t, err, ReasonJWKKidMismatch)
	if v.cache.len() != 0 {
		t.Fatal("entry of a withdrawn key still cached")
	}
	// Same kid, new key material: the old token does not verify.
	srv.setBody(testkeys.JWKS(testkeys.Primary.WithKID(testkeys.Secondary.KID)))
	clk.Advance(defaultJWKSTTL)
	_, err = v.Verify(ctx, tok, srv.opts())
	wantReason(t, err, ReasonTokenInvalidSignature)
}

func TestTokenCacheScopedByInstance(t *testing.T) {
	a := newJWKSServer(t, testkeys.JWKS(testkeys.Primary))
	b := newJWKSServer(t, testkeys.JWKS(testkeys.Secondary.WithKID(testkeys.Primary.KID)))
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock()})
	tok := mint(nil)
	if _, err := v.Verify(context.Background(), tok, a.opts()); err != nil {
		t.Fatal(err)
	}
	// Instance b publishes another key under the same kid: the token that
	// instance a's key verified must not pass for b through the cache.
	_, err := v.Verify(context.Background(), tok, b.opts())
	wantReason(t, err, ReasonTokenInvalidSignature)
}

func TestTokenCacheConcurrent(t *testing.T) {
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: 8})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	toks := make([]string, 16)
	for i := range toks {
		toks[i] = mint(map[string]any{"jti": fmt.Sprint(i)})
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 64 {
				tok := toks[(g*7+i)%len(toks)]
				if c, err := v.Verify(context.Background(), tok, opts); err != nil || c.Subject == "" {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := v.cache.len(); n > 8 {
		t.Fatalf("%d entries in a cache of 8", n)
	}
}

// Trailing '=' on the signature still verifies (as with @clerk/backend's
// loose base64), so one token has unboundedly many spellings: they share
// one cache entry instead of each taking room.
func TestTokenCachePaddingVariantsShareAnEntry(t *testing.T) {
	rsaChecks := &countingChecker{}
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), SignatureChecker: rsaChecks})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	tok := mint(nil)
	pad := strings.Repeat("=", 1300)
	for i := 0; i <= 1300; i += 1 + i/50 {
		if _, err := v.Verify(context.Background(), tok+pad[:i], opts); err != nil {
			t.Fatalf("%d '=': %v", i, err)
		}
	}
	if n, c := v.cache.len(), rsaChecks.count(); n != 1 || c != 1 {
		t.Fatalf("%d entries, %d RSA checks, want 1 and 1", n, c)
	}
	if b, _ := v.cache.size(); b != entryCost(tok) {
		t.Fatalf("cache holds %d bytes, want %d (one entry)", b, entryCost(tok))
	}
}

// Large tokens fill the cache up to its byte bound and no further, whatever
// its entry count allows: 1 200 distinct tokens of 14 KiB each would take
// 1 000 entries and 28 MiB counted in entries alone.
func TestTokenCacheBoundedInBytes(t *testing.T) {
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: 1000})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	tok := mint(map[string]any{"pad": strings.Repeat("x", 10<<10)}) // about 14 KiB: cacheable
	c, err := v.Verify(context.Background(), tok, opts)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := v.pemKey(opts.JWTKey)
	_, bound := v.cache.size()
	if want := 1000 * tokenCacheBytesPerEntry; bound > want {
		t.Fatalf("bound %d, want at most %d", bound, want)
	}
	for i := range 1200 {
		v.cache.put(fmt.Sprintf("%s%d", tok, i), c, key)
		if b, _ := v.cache.size(); b > bound {
			t.Fatalf("after %d tokens the cache holds %d bytes, bound %d", i+1, b, bound)
		}
	}
	keyBytes := 0
	for i := range v.cache.shards {
		v.cache.shards[i].m.Range(func(k, _ any) bool { keyBytes += len(k.(string)); return true })
	}
	if keyBytes > bound || keyBytes < bound/4 {
		t.Fatalf("keys hold %d bytes, bound %d: the accounting is off", keyBytes, bound)
	}
	if n := v.cache.len(); n == 0 || n*entryCost(tok) > bound {
		t.Fatalf("%d entries of %d bytes in a bound of %d", n, entryCost(tok), bound)
	}
	// The cache still works: the last token is a hit.
	if v.cache.get(fmt.Sprintf("%s%d", tok, 1199)) == nil {
		t.Fatal("the newest entry was evicted")
	}
}

// BenchmarkVerifyCacheHitPadded is a cache hit on a padded spelling: the
// key is trimmed without allocating.
func BenchmarkVerifyCacheHitPadded(b *testing.B) {
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock()})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	tok := benchToken() + "=="
	if _, err := v.Verify(context.Background(), tok, opts); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(context.Background(), tok, opts); err != nil {
			b.Fatal(err)
		}
	}
}
