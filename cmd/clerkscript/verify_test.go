package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

var cliNow = time.Unix(1_750_000_000, 0)

func fixClocks(t *testing.T) {
	oldV, oldW := verifyNow, webhookNow
	verifyNow = func() time.Time { return cliNow }
	webhookNow = func() time.Time { return cliNow }
	t.Cleanup(func() { verifyNow, webhookNow = oldV, oldW })
}

func cleanClerkEnv(t *testing.T) {
	for _, k := range []string{"CLERK_SECRET_KEY", "CLERK_JWT_KEY", "CLERK_API_URL", "CLERK_API_VERSION", "CLERK_WEBHOOK_SIGNING_SECRET"} {
		t.Setenv(k, "")
	}
}

func runVerifyCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

type verifyJSON struct {
	Status  string          `json:"status"`
	Reason  *string         `json:"reason"`
	Message *string         `json:"message"`
	Claims  json.RawMessage `json:"claims"`
}

func decodeOne(t *testing.T, s string) verifyJSON {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	var v verifyJSON
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("output %q: %v", s, err)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value in %q", s)
	}
	return v
}

func TestVerifyCommand(t *testing.T) {
	cleanClerkEnv(t)
	fixClocks(t)
	pemKey := testkeys.Primary.PublicPEM()
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, []byte(pemKey), 0o600); err != nil {
		t.Fatal(err)
	}
	good := testkeys.Primary.Mint(testkeys.SessionClaims(cliNow), "")
	expired := testkeys.Primary.Mint(testkeys.SessionClaims(cliNow.Add(-time.Hour)), "")

	for _, tc := range []struct {
		name   string
		stdin  string
		args   []string
		code   int
		status string
		reason string
	}{
		{"signed in, PEM literal", "", []string{"verify", "--jwt-key", pemKey, "--json", good}, 0, "signed-in", ""},
		{"signed in, key file, flags after the token", "", []string{"verify", good, "--jwt-key", keyFile, "--json"}, 0, "signed-in", ""},
		{"token on stdin with Bearer", "Bearer " + good + "\n", []string{"verify", "--jwt-key", keyFile, "--json", "-"}, 0, "signed-in", ""},
		{"expired", "", []string{"verify", "--jwt-key", keyFile, "--json", expired}, 1, "signed-out", "token-expired"},
		{"wrong party", "", []string{"verify", "--jwt-key", keyFile, "--authorized-party", "https://other.example", "--json", good}, 1, "signed-out", "token-invalid-authorized-parties"},
		{"party listed", "", []string{"verify", "--jwt-key", keyFile, "--authorized-party", "https://x.example", "--authorized-party", "https://app.example.com", "--json", good}, 0, "signed-in", ""},
		{"issuer", "", []string{"verify", "--jwt-key", keyFile, "--issuer", "https://clerk.evil.example", "--json", good}, 1, "signed-out", "token-invalid-issuer"},
		{"garbage token", "", []string{"verify", "--jwt-key", keyFile, "--json", "abc"}, 1, "signed-out", "token-invalid"},
		{"bad key is a configuration error", "", []string{"verify", "--jwt-key", "bm90IGEga2V5", "--json", good}, 2, "signed-out", "jwk-local-invalid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runVerifyCLI(t, tc.stdin, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, out, errOut)
			}
			v := decodeOne(t, out)
			if v.Status != tc.status {
				t.Fatalf("status %q", v.Status)
			}
			if tc.reason == "" {
				if v.Reason != nil || v.Message != nil {
					t.Fatalf("reason/message not null: %s", out)
				}
				var c map[string]any
				if err := json.Unmarshal(v.Claims, &c); err != nil || c["sub"] != "user_2abcDEFghiJKLmnoPQRstuVWXyz" {
					t.Fatalf("claims %s", v.Claims)
				}
				return
			}
			if v.Reason == nil || *v.Reason != tc.reason || v.Message == nil || *v.Message == "" {
				t.Fatalf("reason %v message %v, want %s", v.Reason, v.Message, tc.reason)
			}
			if string(v.Claims) != "null" {
				t.Fatalf("claims %s for a rejected token", v.Claims)
			}
		})
	}
}

func TestVerifyCommandHumanAndUsage(t *testing.T) {
	cleanClerkEnv(t)
	fixClocks(t)
	good := testkeys.Primary.Mint(testkeys.SessionClaims(cliNow), "")
	t.Setenv("CLERK_JWT_KEY", testkeys.Primary.PublicPEM())

	code, out, _ := runVerifyCLI(t, "", "verify", good)
	if code != 0 || !strings.HasPrefix(out, "signed-in\n") || !strings.Contains(out, "user:        user_2abc") || !strings.Contains(out, "(in 1m0s)") {
		t.Fatalf("exit %d\n%s", code, out)
	}
	code, out, _ = runVerifyCLI(t, "", "verify", "--clock-skew", "0", testkeys.Primary.Mint(testkeys.SessionClaims(cliNow.Add(-60*time.Second)), ""))
	if code != 1 || !strings.Contains(out, "reason:  token-expired") {
		t.Fatalf("exit %d\n%s", code, out)
	}

	for _, args := range [][]string{
		{"verify"},
		{"verify", good, good},
		{"verify", "--clock-skew", "soon", good},
		{"verify", "--bogus", good},
		{"verify", "  "},
	} {
		if code, _, errOut := runVerifyCLI(t, "", args...); code != 2 || errOut == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
	t.Setenv("CLERK_JWT_KEY", "")
	if code, _, errOut := runVerifyCLI(t, "", "verify", good); code != 2 || !strings.Contains(errOut, "no key") {
		t.Errorf("without a key: exit %d, stderr %q", code, errOut)
	}
	if code, out, _ := runVerifyCLI(t, "", "verify", "--help"); code != 0 || !strings.Contains(out, "Usage:") {
		t.Errorf("help: %d", code)
	}
}

func TestVerifyCommandJWKS(t *testing.T) {
	cleanClerkEnv(t)
	fixClocks(t)
	var auth string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		if r.URL.Path != "/v1/jwks" {
			http.NotFound(w, r)
			return
		}
		if auth != "Bearer sk_test_cli" {
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"errors":[{"code":"clerk_key_invalid","message":"Secret key invalid"}]}`))
			return
		}
		_, _ = w.Write(testkeys.JWKS(testkeys.Primary))
	}))
	defer srv.Close()
	t.Setenv("CLERK_API_URL", srv.URL)
	t.Setenv("CLERK_SECRET_KEY", "sk_test_cli")
	good := testkeys.Primary.Mint(testkeys.SessionClaims(cliNow), "")
	if code, out, errOut := runVerifyCLI(t, "", "verify", "--json", good); code != 0 {
		t.Fatalf("exit %d %s %s", code, out, errOut)
	}
	t.Setenv("CLERK_SECRET_KEY", "sk_test_wrong")
	code, out, _ := runVerifyCLI(t, "", "verify", "--json", good)
	if v := decodeOne(t, out); code != 2 || v.Reason == nil || *v.Reason != "secret-key-invalid" {
		t.Fatalf("exit %d %s", code, out)
	}
	if strings.Contains(out, "sk_test_wrong") {
		t.Fatal("output leaks the secret key")
	}
}

func TestWebhookCommand(t *testing.T) {
	cleanClerkEnv(t)
	fixClocks(t)
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("cli webhook secret 0123456789"))
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := `{"type":"user.created","object":"event","data":{"id":"user_1"}}`
	ts := strconv.FormatInt(cliNow.Unix(), 10)
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte("msg_1." + ts + "." + body))
	sig := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	hdrs := []string{"--header", "svix-id: msg_1", "--header", "svix-timestamp: " + ts, "--header", "svix-signature: v1,bm9wZQ== " + sig}

	args := append([]string{"webhook", "verify", "--secret-file", secretFile, "--json"}, hdrs...)
	code, out, errOut := runVerifyCLI(t, body, args...)
	if code != 0 {
		t.Fatalf("exit %d %s %s", code, out, errOut)
	}
	var v struct {
		Status string          `json:"status"`
		Reason *string         `json:"reason"`
		ID     string          `json:"id"`
		Type   string          `json:"type"`
		Event  json.RawMessage `json:"event"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Status != "verified" || v.Reason != nil || v.ID != "msg_1" || v.Type != "user.created" || string(v.Event) != body {
		t.Fatalf("%s (%v)", out, err)
	}

	// Human output, secret from the environment.
	t.Setenv("CLERK_WEBHOOK_SIGNING_SECRET", secret)
	code, out, _ = runVerifyCLI(t, body, append([]string{"webhook", "verify"}, hdrs...)...)
	if code != 0 || !strings.Contains(out, "type:      user.created") {
		t.Fatalf("exit %d %s", code, out)
	}
	code, out, _ = runVerifyCLI(t, strings.Replace(body, "user_1", "user_2", 1), append([]string{"webhook", "verify", "--json"}, hdrs...)...)
	if code != 1 || !strings.Contains(out, `"reason":"no-matching-signature"`) {
		t.Fatalf("tampered: exit %d %s", code, out)
	}
	code, out, _ = runVerifyCLI(t, body, "webhook", "verify", "--json", "--header", "svix-id: msg_1")
	if code != 2 || !strings.Contains(out, "svix-timestamp, svix-signature") {
		t.Fatalf("missing headers: exit %d %s", code, out)
	}
	t.Setenv("CLERK_WEBHOOK_SIGNING_SECRET", "")
	if code, _, errOut := runVerifyCLI(t, body, append([]string{"webhook", "verify"}, hdrs...)...); code != 2 || !strings.Contains(errOut, "no signing secret") {
		t.Fatalf("no secret: exit %d %s", code, errOut)
	}
	if code, _, _ := runVerifyCLI(t, "", "webhook", "sign"); code != 2 {
		t.Fatal("unknown sub-command accepted")
	}
	if code, _, _ := runVerifyCLI(t, "", "webhook", "verify", "--header", "nocolon"); code != 2 {
		t.Fatal("bad header accepted")
	}
}
