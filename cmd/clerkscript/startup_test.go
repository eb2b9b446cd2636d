package main

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
	clerkwasm "github.com/clerkscript/clerkscript/wasm/host"
)

// maxInitBytes bounds what one clerkscript package may allocate while it
// initialises. Every command pays every linked package's initialisation
// (wasm verify pays jsbind's, run pays the emulator's), so heavy
// package-level state (compiled JavaScript, compiled regular expressions,
// decoded tables) is built on first use instead. Compiling the three
// built-in JavaScript programs at init allocated 1.2 MB.
const maxInitBytes = 256 << 10

// TestPackageInitIsLight re-executes the test binary with
// GODEBUG=inittrace=1, which makes the Go runtime report each package's
// initialisation (bytes and allocations are deterministic, unlike its
// clock time), and checks the clerkscript packages against maxInitBytes.
func TestPackageInitIsLight(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("re-executing the test binary: %v\n%s", err, stderr.String())
	}
	seen := 0
	sc := bufio.NewScanner(bytes.NewReader(stderr.Bytes()))
	for sc.Scan() {
		// init github.com/x/y @1.2 ms, 0.3 ms clock, 1234 bytes, 5 allocs
		f := strings.Fields(sc.Text())
		if len(f) < 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		pkg := f[1]
		if !strings.HasPrefix(pkg, "github.com/clerkscript/clerkscript/") || pkg == "github.com/clerkscript/clerkscript/internal/testkeys" {
			continue // dependencies, and the tests' fixed keys (not in the command)
		}
		seen++
		n, err := strconv.Atoi(f[7])
		if err != nil {
			t.Fatalf("unexpected inittrace line %q", sc.Text())
		}
		if n > maxInitBytes {
			t.Errorf("%s allocates %d bytes while initialising (at most %d): build that state on first use", pkg, n, maxInitBytes)
		}
	}
	if seen < 4 {
		t.Fatalf("inittrace reported %d clerkscript packages; stderr:\n%s", seen, stderr.String())
	}
}

// BenchmarkProcessStart is the start of a clerkscript process doing
// nothing ('version'), package initialisation included: the floor of every
// command. (It re-executes the test binary, whose initialisation also
// covers the test files' packages.)
func BenchmarkProcessStart(b *testing.B) {
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperClerkscript$")
		cmd.Env = append(os.Environ(), "CLERKSCRIPT_HELPER=1", `CLERKSCRIPT_ARGS=["version"]`)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("%v\n%s", err, out)
		}
	}
}

// BenchmarkWasmVerifyCached is a second (or later) 'clerkscript wasm verify'
// process: the clerkscript binary and the module are built, a first run
// fills the compilation cache, and each iteration is one process verifying
// a token (wall time per op; cpu-ms/op is the process's user+system time).
func BenchmarkWasmVerifyCached(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "clerkscript")
	goCmd, err := exec.LookPath("go")
	if err != nil { // go test puts $GOROOT/bin on PATH
		b.Skipf("no go command to build clerkscript with: %v", err)
	}
	if out, err := exec.Command(goCmd, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		b.Fatalf("building clerkscript: %v\n%s", err, out)
	}
	module := filepath.Join(dir, "clerk.wasm")
	if err := clerkwasm.BuildModule(context.Background(), clerkwasm.BuildOptions{Output: module}); err != nil {
		b.Fatalf("building the module: %v", err)
	}
	keyFile := filepath.Join(dir, "key.pem")
	if err := os.WriteFile(keyFile, []byte(testkeys.Primary.PublicPEM()), 0o600); err != nil {
		b.Fatal(err)
	}
	tok := testkeys.Primary.Mint(testkeys.SessionClaims(time.Now()), "")
	cacheHome := filepath.Join(dir, "cache")
	run := func() *os.ProcessState {
		cmd := exec.Command(bin, "wasm", "verify", "--module", module, "--jwt-key", keyFile, tok)
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cacheHome)
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("wasm verify: %v\n%s", err, out)
		}
		return cmd.ProcessState
	}
	run() // compiles the module into the cache
	var cpu time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		st := run()
		cpu += st.UserTime() + st.SystemTime()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
