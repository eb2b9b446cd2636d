package main

import (
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// The bare base64 body of the PEM key (what CLERK_JWT_KEY sometimes holds)
// nearly always contains "/", which must not make --jwt-key take it for a
// missing file.
func TestVerifyBareBase64JWTKey(t *testing.T) {
	cleanClerkEnv(t)
	fixClocks(t)
	var body strings.Builder
	for _, l := range strings.Split(testkeys.Primary.PublicPEM(), "\n") {
		if !strings.HasPrefix(l, "-----") {
			body.WriteString(strings.TrimSpace(l))
		}
	}
	if !strings.Contains(body.String(), "/") {
		t.Fatal("the test key's base64 has no '/': this test would not exercise the path check")
	}
	good := testkeys.Primary.Mint(testkeys.SessionClaims(cliNow), "")
	code, out, errOut := runVerifyCLI(t, "", "verify", "--jwt-key", body.String(), "--json", good)
	if code != 0 || decodeOne(t, out).Status != "signed-in" {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	// A long body without "/" is one path segment over NAME_MAX: still
	// the key, not a file error.
	long := strings.Repeat("QUJD", 80)
	if got, err := readKeyArg(long); err != nil || got != long {
		t.Errorf("readKeyArg(300 base64 chars) = %q, %v", got, err)
	}
	// A path that does not exist is still reported as one.
	code, _, errOut = runVerifyCLI(t, "", "verify", "--jwt-key", "./keys/missing.pem", good)
	if code != 2 || !strings.Contains(errOut, "does not exist") {
		t.Errorf("missing file: exit %d stderr %q", code, errOut)
	}
}
