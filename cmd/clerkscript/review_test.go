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

// Parameters that do not fit the operation are usage errors (exit 2, as
// --help promises), found before any request.
func TestAPIUsageErrorsExit2(t *testing.T) {
	srv, reqs := apiServer(t, 200, `{}`)
	t.Setenv("CLERK_SECRET_KEY", "sk_test_x")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"api", "users.get"}, `"user_id": is required`},
		{[]string{"api", "users.get", "--param", "user_id=.."}, `"user_id"`},
		{[]string{"api", "users.list", "--param", "nope=1"}, `"nope": unknown parameter`},
		{[]string{"api", "users.get", "--data", `{"user_id":"user_1"} {"user_id":"user_2"}`}, "--data"},
		{[]string{"api", "users.create", "--param", `email_address:=["a@b.co"] x`}, "email_address"},
	} {
		code, _, errOut := runCLI(t, "", append(tc.args, "--api-url", srv.URL)...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d stderr %q, want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if len(*reqs) != 0 {
		t.Errorf("%d requests sent", len(*reqs))
	}
}

// A bad --api-url fails at once with a message naming it.
func TestAPIBadURLFailsFast(t *testing.T) {
	t.Setenv("CLERK_SECRET_KEY", "sk_test_x")
	code, _, errOut := runCLI(t, "", "api", "users.list", "--api-url", "localhost:8080")
	if code == 0 || !strings.Contains(errOut, "invalid API URL") {
		t.Errorf("exit %d stderr %q", code, errOut)
	}
}
