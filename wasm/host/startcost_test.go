package clerkwasm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
)

// compileOnlyEnv makes the test binary a one-shot process that opens the
// compilation cache in $CLERKWASM_COMPILE_CACHE, compiles the module
// $CLERKWASM_COMPILE_ONLY with it and exits (see TestMain): the start-up
// cost of a process that loads a module from wazero's cache.
const compileOnlyEnv = "CLERKWASM_COMPILE_ONLY"

func compileOnly(module, cacheDir string) error {
	ctx := context.Background()
	bin, err := os.ReadFile(module)
	if err != nil {
		return err
	}
	cache, err := wazero.NewCompilationCacheWithDir(cacheDir)
	if err != nil {
		return err
	}
	r := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().WithCompilationCache(cache))
	defer r.Close(ctx)
	_, err = r.CompileModule(ctx, bin)
	return err
}

// BenchmarkCompileCachedProcess times one fresh process per op that loads
// a module from a warm wazero compilation cache (the first process filled
// it), with wazero's public API, as every clerkscript wasm verify and
// every New does. module=go-runtime is testdata/goruntime, the Go runtime
// alone: the floor of any module built by Go, whatever it contains.
// module=none starts the process and exits (the process's own cost).
// wazero decodes and validates every function of the module even on a
// cache hit, then reads and checksums the cached machine code, so the cost
// follows the module's size.
func BenchmarkCompileCachedProcess(b *testing.B) {
	dir := b.TempDir()
	floor := filepath.Join(dir, "goruntime.wasm")
	build := exec.Command(goTool(), "build", "-buildmode=c-shared", "-ldflags=-s -w", "-o", floor, "./testdata/goruntime")
	build.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("building testdata/goruntime: %v\n%s", err, out)
	}
	plugin := filepath.Join(dir, "clerk.wasm")
	if err := os.WriteFile(plugin, moduleBytes(b), 0o600); err != nil {
		b.Fatal(err)
	}
	for _, m := range []struct{ name, path string }{{"none", ""}, {"go-runtime", floor}, {"clerk", plugin}} {
		b.Run("module="+m.name, func(b *testing.B) {
			cacheDir := filepath.Join(dir, "cache-"+m.name)
			run := func() *os.ProcessState {
				cmd := exec.Command(os.Args[0], "-test.run=^$")
				cmd.Env = append(os.Environ(), compileOnlyEnv+"="+m.path, "CLERKWASM_COMPILE_CACHE="+cacheDir)
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("compiling %s: %v\n%s", m.name, err, out)
				}
				return cmd.ProcessState
			}
			run() // fills the cache
			var cpu time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				st := run()
				cpu += st.UserTime() + st.SystemTime()
			}
			b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			if m.path != "" {
				st, err := os.Stat(m.path)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(st.Size())/1e6, "module-MB")
			}
		})
	}
}

// compileOnlyMain is TestMain's one-shot mode; it reports whether it ran.
func compileOnlyMain() bool {
	module, ok := os.LookupEnv(compileOnlyEnv)
	if !ok {
		return false
	}
	if module != "" {
		if err := compileOnly(module, os.Getenv("CLERKWASM_COMPILE_CACHE")); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(0)
	return true
}
