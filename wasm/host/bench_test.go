package clerkwasm

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// The verification benchmarks share one token: a typical v1 session token
// signed with the 2048-bit primary key, verified networkless (PEM key).
// It lives an hour: on a busy machine a benchmark run outlasts the 60 s of a
// real session token.
func benchToken(int) string {
	c := testkeys.SessionClaims(time.Now())
	c["exp"] = time.Now().Unix() + 3600
	return testkeys.Mint(c, "", "")
}

// freshTokens returns the token of the fresh-verification benchmarks: one
// token, with every cache turned off (TokenCacheSize -1), so each run does
// the whole verification.
func freshTokens(b *testing.B) []string {
	tok := benchToken(0)
	toks := make([]string, b.N)
	for i := range toks {
		toks[i] = tok
	}
	return toks
}

func BenchmarkVerifyNativeFresh(b *testing.B) {
	toks := freshTokens(b)
	v := core.NewVerifier(core.VerifierConfig{TokenCacheSize: -1})
	opts := core.VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(context.Background(), toks[i], opts); err != nil {
			b.Fatal(err)
		}
	}
}

func benchWasmFresh(b *testing.B, declined bool) { benchWasmFreshPath(b, declined, false) }

// benchWasmFreshPath, with jsonPath, uses clerk_verify_session_token (the
// claims encoded as JSON by the guest and decoded by the host, what a
// module without clerk_check_session_token gets) instead of
// clerk_check_session_token (the host decodes the token natively).
func benchWasmFreshPath(b *testing.B, declined, jsonPath bool) {
	toks := freshTokens(b)
	h := newHost(b, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1, TokenCacheSize: -1,
		DisableSignatureCheck: declined})
	h.fast.hasCheck = !jsonPath
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.VerifyToken(context.Background(), toks[i]); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyWasmFreshHostCheck: the guest parses and checks the
// claims; the host hashes, decodes the signature, checks it natively, and
// decodes the claims from the token natively.
func BenchmarkVerifyWasmFreshHostCheck(b *testing.B) { benchWasmFresh(b, false) }

// BenchmarkVerifyWasmFreshJSON is the host-check path with the claims
// crossing as JSON.
func BenchmarkVerifyWasmFreshJSON(b *testing.B) { benchWasmFreshPath(b, false, true) }

// BenchmarkVerifyWasmFreshDeclined: the host declines, the guest runs
// crypto/rsa itself (what any host without check_rsa gets).
func BenchmarkVerifyWasmFreshDeclined(b *testing.B) { benchWasmFresh(b, true) }

func BenchmarkVerifyNativeCacheHit(b *testing.B) {
	tok := benchToken(0)
	v := core.NewVerifier(core.VerifierConfig{})
	opts := core.VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := v.Verify(context.Background(), tok, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyWasmCacheHit is Host.VerifyToken on a token seen before:
// pool acquire, copy in, the guest's cached result bytes, the host's
// decoded-claims cache.
func BenchmarkVerifyWasmCacheHit(b *testing.B) {
	tok := benchToken(0)
	h := newHost(b, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1})
	if _, err := h.VerifyToken(context.Background(), tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.VerifyToken(context.Background(), tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyWasmCacheHitRaw is the bare export on one instance: write
// the token, call clerk_verify_session_token, read the result view.
func BenchmarkVerifyWasmCacheHitRaw(b *testing.B) {
	tok := []byte(benchToken(0))
	h := newHost(b, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1})
	inst := <-h.fast.idle
	defer func() { h.fast.idle <- inst }()
	ctx := context.Background()
	if _, err := inst.invoke(ctx, abi.ExportVerifySessionToken, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := inst.invokeView(ctx, abi.ExportVerifySessionToken, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCallExportSmall is the fixed cost of a JSON export: a tiny input
// rejected after decoding.
func BenchmarkCallExportSmall(b *testing.B) {
	h := newHost(b, Options{PoolSize: 1})
	in := []byte(`{"operation":""}`)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := h.CallExport(context.Background(), abi.ExportCall, in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPoolAcquireRelease(b *testing.B) {
	h := newHost(b, Options{PoolSize: 1})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inst, err := h.fast.acquire(ctx)
		if err != nil {
			b.Fatal(err)
		}
		h.fast.release(inst, false)
	}
}

// BenchmarkInstantiate is one new instance from the compiled module
// (instantiate, _initialize, ABI check, configure).
func BenchmarkInstantiate(b *testing.B) {
	h := newHost(b, Options{PoolSize: 1})
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		inst, err := h.fast.newInstance(ctx)
		if err != nil {
			b.Fatal(err)
		}
		_ = inst.mod.Close(ctx)
	}
}

// BenchmarkNewHostCold compiles the module from scratch each time: a
// process start without a compilation cache.
func BenchmarkNewHostCold(b *testing.B) {
	mod := moduleBytes(b)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		c := wazero.NewCompilationCache()
		h, err := New(ctx, Options{Module: mod, CompilationCache: c, PoolSize: 1}) // the fast pool only
		if err != nil {
			b.Fatal(err)
		}
		_ = h.Close(ctx)
		_ = c.Close(ctx)
	}
}

// BenchmarkNewHostDirCache starts from a warm CompilationCacheDir, as a
// second process does.
func BenchmarkNewHostDirCache(b *testing.B) {
	mod := moduleBytes(b)
	ctx := context.Background()
	dir := filepath.Join(b.TempDir(), "cache")
	warm, err := New(ctx, Options{Module: mod, CompilationCacheDir: dir, PoolSize: 1})
	if err != nil {
		b.Fatal(err)
	}
	_ = warm.Close(ctx)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h, err := New(ctx, Options{Module: mod, CompilationCacheDir: dir, PoolSize: 1})
		if err != nil {
			b.Fatal(err)
		}
		_ = h.Close(ctx)
	}
}

// BenchmarkModuleSize reports the stripped module's size (the build the
// tests use: -ldflags=-s -w).
func BenchmarkModuleSize(b *testing.B) {
	mod := moduleBytes(b)
	st, err := os.Stat(filepath.Join(buildDir, "clerk.wasm"))
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		_ = len(mod)
	}
	b.ReportMetric(float64(st.Size())/1e6, "MB")
}
