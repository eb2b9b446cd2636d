package main

import (
	"strings"
	"testing"
)

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
