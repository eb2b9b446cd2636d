package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator/emulatortest"
)

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestAPIList(t *testing.T) {
	code, out, _ := runCLI(t, "", "api", "--list")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 240 {
		t.Fatalf("%d operations listed, want at least 240", len(lines))
	}
	if !sort.StringsAreSorted(lines) {
		t.Error("--list output is not sorted")
	}
	seen := map[string]string{}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 4 || (f[3] != "-" && f[3] != "deprecated") {
			t.Fatalf("bad line %q", l)
		}
		seen[f[0]] = l
	}
	for _, want := range []string{
		"users.list\tGET\t/users\t-",
		"invitations.bulkCreate\tPOST\t/invitations/bulk\t-",
		"organizationMemberships.updateMetadata\tPATCH\t/organizations/{organization_id}/memberships/{user_id}/metadata\t-",
		"sessions.verify\tPOST\t/sessions/{session_id}/verify\tdeprecated",
	} {
		name := strings.SplitN(want, "\t", 2)[0]
		if seen[name] != want {
			t.Errorf("line for %s = %q, want %q", name, seen[name], want)
		}
	}
}

type captured struct {
	method, path, query, body string
	header                    http.Header
}

func apiServer(t *testing.T, status int, resp string) (*httptest.Server, *[]captured) {
	t.Helper()
	var reqs []captured
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs = append(reqs, captured{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(b), r.Header.Clone()})
		w.WriteHeader(status)
		io.WriteString(w, resp)
	}))
	t.Cleanup(srv.Close)
	return srv, &reqs
}

func TestAPICall(t *testing.T) {
	srv, reqs := apiServer(t, 200, `[{"id":"user_1"}]`)
	t.Setenv("CLERK_SECRET_KEY", "sk_test_cli")
	code, out, errOut := runCLI(t, "", "api", "users.list", "--param", "limit=5", "--param", "email_address=a@b.co",
		"--param", "email_address=c@d.co", "--api-url", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.TrimSpace(out) != `[{"id":"user_1"}]` {
		t.Errorf("stdout %q", out)
	}
	r := (*reqs)[0]
	if r.method != "GET" || r.path != "/v1/users" || !strings.Contains(r.query, "limit=5") ||
		!strings.Contains(r.query, "email_address=a%40b.co") || !strings.Contains(r.query, "email_address=c%40d.co") {
		t.Errorf("request %+v", r)
	}
	if r.header.Get("Authorization") != "Bearer sk_test_cli" {
		t.Error("secret key not sent")
	}
}

func TestAPIDataFileAndBulk(t *testing.T) {
	srv, reqs := apiServer(t, 200, `[]`)
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("sk_test_fromfile\n"), 0o600)
	data := filepath.Join(dir, "invites.json")
	os.WriteFile(data, []byte(`[{"email_address":"a@example.com"},{"email_address":"b@example.com"}]`), 0o600)
	t.Setenv("CLERK_SECRET_KEY", "")
	code, _, errOut := runCLI(t, "", "api", "invitations.bulkCreate", "--data", "@"+data, "--secret-key-file", keyFile, "--api-url", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := (*reqs)[0]
	var body []map[string]any
	if err := json.Unmarshal([]byte(r.body), &body); err != nil || len(body) != 2 || r.path != "/v1/invitations/bulk" {
		t.Fatalf("request %+v (%v)", r, err)
	}
	if r.header.Get("Authorization") != "Bearer sk_test_fromfile" {
		t.Error("--secret-key-file not used")
	}
}

func TestAPIErrors(t *testing.T) {
	srv, _ := apiServer(t, 422, `{"errors":[{"code":"form_identifier_exists","message":"taken","long_message":"That email address is taken."}],"clerk_trace_id":"tr1"}`)
	t.Setenv("CLERK_SECRET_KEY", "sk_test_secretvalue")
	code, _, errOut := runCLI(t, "", "api", "users.create", "--data", `{"email_address":["a@b.co"]}`, "--api-url", srv.URL)
	if code != 1 || !strings.Contains(errOut, "form_identifier_exists") || !strings.Contains(errOut, "That email address is taken.") {
		t.Errorf("exit %d stderr %q", code, errOut)
	}
	if strings.Contains(errOut, "sk_test_secretvalue") {
		t.Error("secret key printed")
	}
	code, _, errOut = runCLI(t, "", "api", "users.create", "--json", "--data", `{}`, "--api-url", srv.URL)
	var raw map[string]any
	if code != 1 || json.Unmarshal([]byte(errOut), &raw) != nil || raw["clerk_trace_id"] != "tr1" {
		t.Errorf("--json error: exit %d stderr %q", code, errOut)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"api", "users.lst"}, "did you mean users.list"},
		{[]string{"api", "users.list", "--param", "limit=five"}, `"five" is not a number`},
		{[]string{"api", "users.list", "--data", "{bad"}, "not valid JSON"},
		{[]string{"api", "users.get"}, `"user_id": is required`},
		{[]string{"api", "users.get"}, `Run 'clerkscript api users.get --describe' for its parameters.`},
		{[]string{"api", "users.list", "--all", "--param", "limit=-1"}, `Run 'clerkscript api users.list --describe'`},
		{[]string{"api", "users.list", "--param", "noequals"}, "want key=value"},
		{[]string{"api"}, "missing OPERATION"},
	} {
		code, _, errOut := runCLI(t, "", tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d stderr %q, want %q", tc.args, code, errOut, tc.want)
		}
	}
}

func TestAPIAllNDJSON(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if r.URL.Query().Get("paginated") != "true" {
			t.Errorf("paginated=true not sent: %s", r.URL.RawQuery)
		}
		if r.URL.Query().Get("offset") == "0" {
			io.WriteString(w, `{"data":[{"id":"inv_1"},{"id":"inv_2"}],"total_count":3}`)
			return
		}
		io.WriteString(w, `{"data":[{"id":"inv_3"}],"total_count":3}`)
	}))
	defer srv.Close()
	t.Setenv("CLERK_SECRET_KEY", "sk_test_x")
	code, out, errOut := runCLI(t, "", "api", "invitations.list", "--all", "--param", "limit=2", "--api-url", srv.URL)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if out != "{\"id\":\"inv_1\"}\n{\"id\":\"inv_2\"}\n{\"id\":\"inv_3\"}\n" || n != 2 {
		t.Fatalf("out %q after %d requests", out, n)
	}
	_ = core.Version
}

// clerkscript api against the emulator: the same binary path a user runs.
func TestAPIAgainstEmulator(t *testing.T) {
	in := emulatortest.Start(t)
	t.Setenv("CLERK_SECRET_KEY", in.SecretKey)
	t.Setenv("CLERK_API_URL", in.URL)
	must := func(args ...string) map[string]any {
		t.Helper()
		code, out, errOut := runCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errOut)
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			t.Fatalf("%v: output %q: %v", args, out, err)
		}
		return v
	}
	u := must("api", "users.create", "--data", `{"email_address":["grace@example.com"],"external_id":"g-1","public_metadata":{"tier":"gold"}}`)
	uid, _ := u["id"].(string)
	if !strings.HasPrefix(uid, "user_") {
		t.Fatalf("user id %q", uid)
	}
	must("api", "users.updateMetadata", "--param", "user_id="+uid, "--param", `private_metadata:={"a":{"b":1}}`)
	got := must("api", "users.get", "--param", "user_id="+uid)
	if pm, _ := got["private_metadata"].(map[string]any); pm["a"] == nil {
		t.Errorf("metadata not merged: %v", got["private_metadata"])
	}
	org := must("api", "organizations.create", "--data", `{"name":"Acme","created_by":"`+uid+`"}`)
	must("api", "organizationMemberships.list", "--param", "organization_id="+org["id"].(string))
	must("api", "invitations.create", "--data", `{"email_address":"new@example.com","notify":false}`)
	code, _, errOut := runCLI(t, "", "api", "invitations.create", "--data", `{"email_address":"new@example.com"}`)
	if code != 1 || !strings.Contains(errOut, "duplicate_record") {
		t.Errorf("duplicate invitation: exit %d %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "", "api", "invitations.list", "--all", "--param", "status=pending")
	if code != 0 || strings.Count(out, "\n") != 1 || !strings.Contains(out, "new@example.com") {
		t.Errorf("invitations --all: exit %d out %q err %s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "", "api", "users.get", "--param", "user_id=user_missing")
	if code != 1 || !strings.Contains(errOut, "resource_not_found") {
		t.Errorf("missing user: exit %d %s", code, errOut)
	}
}
