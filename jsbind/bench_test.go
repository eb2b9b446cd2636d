package jsbind

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/internal/ratelimit"
	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkAchievedRate runs a job against the emulator's instance limit
// and reports the sustained request rate as a share of that limit: the
// requests after the first window's burst over the time they took (the
// burst is free, so counting it would overstate the rate), and the 429s
// received.
//
//	go test ./jsbind -run '^$' -bench AchievedRate -benchtime 1x
func BenchmarkAchievedRate(b *testing.B) {
	const limit, windows = 100, 5
	window := time.Second
	for i := 0; i < b.N; i++ {
		e, err := emulator.New(emulator.WithRateLimit(emulator.RateLimit{Requests: limit, Window: window}), emulator.WithEndpointLimitScale(0))
		if err != nil {
			b.Fatal(err)
		}
		srv := httptest.NewServer(e)
		lim := ratelimit.New(limit, window, nil)
		tr := ratelimit.NewTransport(core.NewHTTPTransport(&http.Client{}), lim, 10)
		c := core.NewClient(core.NewClientConfig().WithSecretKey(e.SecretKey()).WithAPIURL(srv.URL).WithTransport(tr))
		r, err := New(Options{Client: c})
		if err != nil {
			b.Fatal(err)
		}
		n := limit * (windows + 1)
		start := time.Now()
		err = r.RunScript(context.Background(), "rate.js", fmt.Sprintf(`
const t = [];
await job.run(Array.from({length: %d}, (_, i) => i), async () => { await clerk.users.count(); t.push(Date.now()); }, {concurrency: 10, journal: false});
globalThis.sustainedMs = t[t.length - 1] - t[%d];
`, n, limit-1))
		elapsed := time.Since(start)
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		// Requests after the first window's burst, over the time they took.
		steady := float64(n-limit) / (r.VM().Get("sustainedMs").ToFloat() / 1000)
		b.ReportMetric(100*steady/(float64(limit)/window.Seconds()), "%of-limit")
		b.ReportMetric(float64(lim.Throttled()), "429s")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "req/s")
	}
}

func signedToken(b *testing.B) (string, string) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		b.Fatal(err)
	}
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	now := time.Now()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.com",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	tok.Header["kid"] = "ins_1"
	s, err := tok.SignedString(key)
	if err != nil {
		b.Fatal(err)
	}
	return s, pemKey
}

// BenchmarkVerifyTokenNative and BenchmarkVerifyTokenJS compare one RS256
// verification (verified-token cache off, so every call checks the
// signature) from Go and from a script awaiting clerk.verifyToken.
//
//	go test ./jsbind -run '^$' -bench VerifyToken -benchtime 2s
func BenchmarkVerifyTokenNative(b *testing.B) {
	tok, pemKey := signedToken(b)
	v := core.NewVerifier(core.VerifierConfig{TokenCacheSize: -1})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(ctx, tok, core.VerifyOptions{JWTKey: pemKey}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyTokenJS(b *testing.B) {
	tok, pemKey := signedToken(b)
	v := core.NewVerifier(core.VerifierConfig{TokenCacheSize: -1})
	r, err := New(Options{Verifier: v, Verify: VerifyDefaults{JWTKey: pemKey}, Env: []string{"TOK=" + tok, fmt.Sprintf("N=%d", b.N)}})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	err = r.RunScript(context.Background(), "verify.js", `
const n = Number(env.N);
for (let i = 0; i < n; i++) {
  const c = await clerk.verifyToken(env.TOK);
  if (c.sub !== "user_1") throw new Error("bad claims");
}
`)
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkVerifyTokenRatio measures the same thing as the two benchmarks
// above, interleaved in one process: batches of 100 verifications from JS
// and from Go alternate, and the metric is the median of the per-round
// ratios (JS time over Go time). On a machine shared with other work the
// two separate benchmarks can differ by more than the overhead being
// measured; alternating batches puts both sides under the same load.
//
//	go test ./jsbind -run '^$' -bench VerifyTokenRatio -benchtime 20000x
func BenchmarkVerifyTokenRatio(b *testing.B) {
	const batch = 100
	tok, pemKey := signedToken(b)
	v := core.NewVerifier(core.VerifierConfig{TokenCacheSize: -1})
	r, err := New(Options{Verifier: v, Verify: VerifyDefaults{JWTKey: pemKey}, Env: []string{"TOK=" + tok}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var ratios []float64
	var jsTotal, goTotal time.Duration
	var jsStart time.Time
	vm := r.VM()
	_ = vm.Set("rounds", (b.N+batch-1)/batch)
	_ = vm.Set("batch", batch)
	_ = vm.Set("startJS", func() { jsStart = time.Now() })
	_ = vm.Set("endJSThenGo", func() {
		js := time.Since(jsStart)
		start := time.Now()
		for i := 0; i < batch; i++ {
			if _, err := v.Verify(ctx, tok, core.VerifyOptions{JWTKey: pemKey}); err != nil {
				panic(err)
			}
		}
		native := time.Since(start)
		jsTotal += js
		goTotal += native
		ratios = append(ratios, float64(js)/float64(native))
	})
	b.ResetTimer()
	err = r.RunScript(ctx, "ratio.js", `
for (let k = 0; k < rounds; k++) {
  startJS();
  for (let i = 0; i < batch; i++) {
    const c = await clerk.verifyToken(env.TOK);
    if (c.sub !== "user_1") throw new Error("bad claims");
  }
  endJSThenGo();
}
`)
	if err != nil {
		b.Fatal(err)
	}
	sort.Float64s(ratios)
	b.ReportMetric(ratios[len(ratios)/2], "js/native")
	b.ReportMetric(float64(jsTotal.Nanoseconds())/float64(len(ratios)*batch), "js-ns/op")
	b.ReportMetric(float64(goTotal.Nanoseconds())/float64(len(ratios)*batch), "native-ns/op")
}
