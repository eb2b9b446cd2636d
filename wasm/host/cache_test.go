package clerkwasm

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestDefaultCompilationCacheDir(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	t.Setenv("HOME", home)
	dir := DefaultCompilationCacheDir()
	if runtime.GOOS == "linux" && !strings.HasPrefix(dir, filepath.Join(home, "clerkscript", "wasm")+string(filepath.Separator)) {
		t.Fatalf("dir %q is not under the user cache directory %s", dir, home)
	}
	key := filepath.Base(dir)
	if !strings.HasPrefix(key, "wazero-") || !strings.HasSuffix(key, "-"+runtime.GOOS+"-"+runtime.GOARCH) {
		t.Fatalf("key %q does not name the wazero version and the platform", key)
	}
	// A test binary carries no module versions, so the key falls back to
	// the executable's fingerprint: never a bare, shared "dev".
	if v := wazeroVersion(); v == "dev" || v == "dev-" || v == "" {
		t.Fatalf("version part %q would be shared by every wazero", v)
	}
}

// TestCompilationCacheByDefault: with no cache option, a Host's pools
// keep their compiled code under DefaultCompilationCacheDir (one directory
// per pool kind); NoCompilationCache and a read-only cache home compile in
// memory; an explicit directory that cannot be created is an error. (That
// a warm directory makes New fast is BenchmarkNewHostDirCache's figure.)
func TestCompilationCacheByDefault(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", home)
	for _, interruptible := range []bool{false, true} {
		h := &Host{opts: Options{}.withDefaults()}
		c, err := h.compilationCache(interruptible)
		mustf(t, err, "compilationCache")
		if c == nil || len(h.ownedCaches) != 1 {
			t.Fatalf("interruptible=%v: no cache by default", interruptible)
		}
		h.closeCaches()
	}
	for _, sub := range []string{"fast", "interruptible"} {
		if st, err := os.Stat(filepath.Join(DefaultCompilationCacheDir(), sub)); err != nil || !st.IsDir() {
			t.Fatalf("%s cache directory: %v", sub, err)
		}
	}

	h := &Host{opts: Options{NoCompilationCache: true}.withDefaults()}
	if c, err := h.compilationCache(false); c != nil || err != nil {
		t.Fatalf("NoCompilationCache: %v, %v", c, err)
	}

	ro := filepath.Join(t.TempDir(), "ro")
	mustf(t, os.Mkdir(ro, 0o500), "mkdir")
	t.Setenv("XDG_CACHE_HOME", ro)
	if os.Getuid() != 0 { // root writes anywhere
		h = &Host{opts: Options{}.withDefaults()}
		if c, err := h.compilationCache(false); c != nil || err != nil {
			t.Fatalf("read-only cache home: %v, %v (want in-memory)", c, err)
		}
		h = &Host{opts: Options{CompilationCacheDir: filepath.Join(ro, "x")}.withDefaults()}
		if _, err := h.compilationCache(false); err == nil {
			t.Fatal("an explicit directory that cannot be created: no error")
		}
	}
}
