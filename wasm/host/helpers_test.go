package clerkwasm

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// The module is built once per test binary and compiled once per pool
// kind: every Host of the tests shares two compilation caches, kept in a
// directory under os.TempDir so that later runs load the compiled code
// instead of compiling it again (seconds per pool). wazero keys the files
// by the module's content and its own version, and writes them atomically.
var (
	buildOnce       sync.Once
	buildDir        string
	wasmBytes       []byte
	buildErr        error
	sharedCache     = testCompilationCache("fast")
	sharedSlowCache = testCompilationCache("interruptible")
)

func testCompilationCache(kind string) wazero.CompilationCache {
	c, err := wazero.NewCompilationCacheWithDir(filepath.Join(os.TempDir(), "clerkscript-test-wazero", kind))
	if err != nil {
		return wazero.NewCompilationCache() // an unwritable temp dir: compile in memory
	}
	return c
}

func TestMain(m *testing.M) {
	compileOnlyMain() // exits when the test binary is BenchmarkCompileCachedProcess's one-shot process
	// New's default compilation cache goes to the user cache directory:
	// keep the tests out of the real one.
	cacheHome, err := os.MkdirTemp("", "clerkwasm-cachehome-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = os.Setenv("XDG_CACHE_HOME", cacheHome)
	code := m.Run()
	_ = os.RemoveAll(cacheHome)
	_ = sharedCache.Close(context.Background())
	_ = sharedSlowCache.Close(context.Background())
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

func moduleBytes(tb testing.TB) []byte {
	tb.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "clerkwasm-test-")
		if buildErr != nil {
			return
		}
		out := filepath.Join(buildDir, "clerk.wasm")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if buildErr = BuildModule(ctx, BuildOptions{Output: out}); buildErr != nil {
			return
		}
		wasmBytes, buildErr = os.ReadFile(out)
	})
	if buildErr != nil {
		tb.Fatalf("building the module: %v", buildErr)
	}
	return wasmBytes
}

// fixedNow is the clock of the vector tests.
var fixedNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func newHost(tb testing.TB, o Options) *Host {
	tb.Helper()
	o.Module = moduleBytes(tb)
	if o.CompilationCache == nil {
		o.CompilationCache = sharedCache
	}
	if o.InterruptibleCompilationCache == nil {
		o.InterruptibleCompilationCache = sharedSlowCache
	}
	h, err := New(context.Background(), o)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { _ = h.Close(context.Background()) })
	return h
}

// instances drains the idle instances of both pools (the host must be
// quiet), hands them to fn, and puts them back.
func (h *Host) instances(fn func(*instance)) {
	for _, p := range []*pool{h.fast, h.slow} {
		if p == nil {
			continue
		}
		var list []*instance
		for {
			select {
			case inst := <-p.idle:
				list = append(list, inst)
				continue
			default:
			}
			break
		}
		for _, inst := range list {
			fn(inst)
			p.idle <- inst
		}
	}
}

func mustf(tb testing.TB, err error, format string, args ...any) {
	tb.Helper()
	if err != nil {
		tb.Fatalf("%s: %v", fmt.Sprintf(format, args...), err)
	}
}
