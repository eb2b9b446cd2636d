package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
	clerkwasm "github.com/clerkscript/clerkscript/wasm/host"
)

// The plugin itself is exercised by wasm/host's tests; these check the
// command's usage contract without building the module.
func TestWasmUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"wasm"},
		{"wasm", "nope"},
		{"wasm", "build"},
		{"wasm", "build", "-o", "x.wasm", "--abi", "wasi"},
		{"wasm", "verify", "tok"},
		{"wasm", "verify", "--module", "/nonexistent/clerk.wasm", "--jwt-key", "x"},
		{"wasm", "verify", "--module", "m.wasm"},
		{"wasm", "verify", "--module", "m.wasm", "--clock-skew", "-1s", "tok"},
	} {
		var out, errb bytes.Buffer
		if code := dispatch(context.Background(), args, strings.NewReader(""), &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errb.String())
		}
		if errb.Len() == 0 {
			t.Errorf("%q: no message on stderr", args)
		}
	}
}

// 'wasm verify' keeps the output and exit contract of 'verify': the same
// cases give byte-identical stdout and the same exit status. The runs share
// the compilation cache in the user cache directory (one under os.TempDir
// here, kept across test runs: wazero keys it by the module's content and
// its own version): the module is compiled once, then loaded.
func TestWasmVerifyMatchesVerify(t *testing.T) {
	cleanClerkEnv(t)
	fixClocks(t)
	cacheHome := filepath.Join(os.TempDir(), "clerkscript-test-cache")
	t.Setenv("XDG_CACHE_HOME", cacheHome)
	module := filepath.Join(t.TempDir(), "clerk.wasm")
	if err := clerkwasm.BuildModule(context.Background(), clerkwasm.BuildOptions{Output: module}); err != nil {
		t.Fatalf("building the module: %v", err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, []byte(testkeys.Primary.PublicPEM()), 0o600); err != nil {
		t.Fatal(err)
	}
	good := testkeys.Primary.Mint(testkeys.SessionClaims(cliNow), "")
	expired := testkeys.Primary.Mint(testkeys.SessionClaims(cliNow.Add(-time.Hour)), "")
	forged := testkeys.Secondary.Mint(testkeys.SessionClaims(cliNow), "")
	for _, tc := range [][]string{
		{"--jwt-key", keyFile, "--json", good},
		{"--jwt-key", keyFile, good},
		{"--jwt-key", keyFile, "--json", expired},
		{"--jwt-key", keyFile, "--json", forged},
		{"--jwt-key", keyFile, "--authorized-party", "https://other.example", "--json", good},
		{"--jwt-key", keyFile, "--clock-skew", "0s", "--json", "a.b.c"},
	} {
		nc, nout, _ := runVerifyCLI(t, "", append([]string{"verify"}, tc...)...)
		wc, wout, werr := runVerifyCLI(t, "", append([]string{"wasm", "verify", "--module", module}, tc...)...)
		if nc != wc || nout != wout {
			t.Errorf("%v:\nnative exit %d %q\nwasm   exit %d %q (stderr %q)", tc, nc, nout, wc, wout, werr)
		}
	}
	if ents, err := os.ReadDir(filepath.Join(cacheHome, "clerkscript", "wasm")); err != nil || len(ents) == 0 {
		t.Errorf("no compilation cache in the user cache directory (%v)", err)
	}
}
