package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
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
