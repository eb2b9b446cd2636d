package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

func TestAuthCommand(t *testing.T) {
	t.Setenv("CLERK_SECRET_KEY", "sk_live_cli")
	t.Setenv("CLERK_JWT_KEY", "")
	t.Setenv("CLERK_PUBLISHABLE_KEY", "")
	t.Setenv("CLERK_API_URL", "http://127.0.0.1:1") // never reached: the JWT key verifies
	keyFile := filepath.Join(t.TempDir(), "jwt.pem")
	if err := os.WriteFile(keyFile, []byte(testkeys.Primary.PublicPEM()), 0o600); err != nil {
		t.Fatal(err)
	}
	pk := core.BuildPublishableKey("clerk.example.com", true)
	// The CLI verifies with the real clock: mint around it.
	now := time.Now().Unix()
	tok := testkeys.Mint(map[string]any{"sub": "user_1", "sid": "sess_1", "iss": "https://clerk.example.com",
		"iat": now - 5, "exp": now + 600, "org_id": "org_1", "org_role": "org:admin"}, "", "")
	base := []string{"auth", "--url", "https://app.example.com/dashboard", "--jwt-key", keyFile, "--publishable-key", pk}

	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := dispatch(context.Background(), append(append([]string{}, base...), args...), strings.NewReader(""), &out, &errb)
		return code, out.String(), errb.String()
	}

	code, out, _ := run("--header", "Authorization: Bearer "+tok, "--json")
	var m map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &m) != nil || len(m) != 6 || m["status"] != "signed-in" {
		t.Fatalf("signed in: %d %s", code, out)
	}
	if a := m["auth"].(map[string]any); a["userId"] != "user_1" || a["orgRole"] != "org:admin" {
		t.Errorf("auth = %v", a)
	}
	if strings.Count(strings.TrimSpace(out), "\n") != 0 {
		t.Errorf("--json printed more than one line: %q", out)
	}

	code, out, _ = run("--json")
	if code != 1 || !strings.Contains(out, `"reason":"session-token-and-uat-missing"`) {
		t.Errorf("signed out: %d %s", code, out)
	}

	code, out, _ = run("--cookie", "__session="+tok, "--header", "Sec-Fetch-Dest: document", "--json")
	if code != 3 || !strings.Contains(out, `"status":"handshake"`) || !strings.Contains(out, `"Location":["https://clerk.example.com/v1/client/handshake?`) {
		t.Errorf("handshake: %d %s", code, out)
	}

	code, out, _ = run("--cookie", "__session="+tok, "--cookie", "__client_uat="+strconv.FormatInt(now-100, 10))
	if code != 0 || !strings.Contains(out, "status:     signed-in") || !strings.Contains(out, "user_1") {
		t.Errorf("human output: %d %s", code, out)
	}

	if code, _, errs := run("--accepts-token", "cookies"); code != 2 || !strings.Contains(errs, "unknown token type") {
		t.Errorf("bad accepts: %d %s", code, errs)
	}
	if code, _, errs := run("--header", "nocolon"); code != 2 || !strings.Contains(errs, "want 'Name: value'") {
		t.Errorf("bad header: %d %s", code, errs)
	}
	if code, _, errs := run("--publishable-key", "pk_live_bad"); code != 2 || !strings.Contains(errs, "Publishable key not valid") {
		t.Errorf("bad pk: %d %s", code, errs)
	}
	var out2, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"auth"}, strings.NewReader(""), &out2, &errb); code != 2 || !strings.Contains(errb.String(), "--url is required") {
		t.Errorf("no url: %d %s", code, errb.String())
	}
	if strings.Contains(errb.String()+out, "sk_live_cli") {
		t.Error("the secret key was printed")
	}
}
