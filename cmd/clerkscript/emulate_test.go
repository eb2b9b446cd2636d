package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// syncBuffer lets the test read what the command writes from its goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startEmulate runs the command until the returned stop is called, and
// returns the variables it printed.
func startEmulate(t *testing.T, args ...string) (vars map[string]string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var out, errOut syncBuffer
	done := make(chan int, 1)
	go func() { done <- runEmulate(ctx, args, nil, &out, &errOut) }()
	vars = map[string]string{}
	for vars["CLERK_WEBHOOK_SIGNING_SECRET"] == "" { // the last line printed
		select {
		case code := <-done:
			cancel()
			t.Fatalf("emulate exited with %d: %s", code, errOut.String())
		case <-time.After(10 * time.Millisecond):
		}
		for _, line := range strings.Split(out.String(), "\n") {
			if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(k, "#") {
				vars[k] = v
			}
		}
	}
	return vars, func() (int, string) {
		cancel()
		return <-done, errOut.String()
	}
}

func TestEmulateServesAndSavesState(t *testing.T) {
	state := filepath.Join(t.TempDir(), "emu.json")
	vars, stop := startEmulate(t, "--state", state, "--seed", "7", "--secret-key", "sk_test_cli")
	if vars["CLERK_SECRET_KEY"] != "sk_test_cli" || !strings.HasPrefix(vars["CLERK_PUBLISHABLE_KEY"], "pk_test_") ||
		!strings.Contains(vars["CLERK_JWT_KEY"], "BEGIN PUBLIC KEY") {
		t.Fatalf("printed: %v", vars)
	}
	client := core.NewClient(core.NewClientConfig().WithSecretKey(vars["CLERK_SECRET_KEY"]).WithAPIURL(vars["CLERK_API_URL"]))
	raw, err := client.Call(context.Background(), "users.create", map[string]any{"external_id": "cli-1"})
	if err != nil {
		t.Fatal(err)
	}
	var u struct{ ID string }
	_ = json.Unmarshal(raw, &u)
	if code, errs := stop(); code != 0 || !strings.Contains(errs, "saved state") {
		t.Fatalf("exit %d: %s", code, errs)
	}

	// Restart from the file: the user is still there, under the saved key.
	vars, stop = startEmulate(t, "--state", state)
	defer stop()
	if vars["CLERK_SECRET_KEY"] != "sk_test_cli" {
		t.Errorf("secret key after reload: %s", vars["CLERK_SECRET_KEY"])
	}
	client = core.NewClient(core.NewClientConfig().WithSecretKey(vars["CLERK_SECRET_KEY"]).WithAPIURL(vars["CLERK_API_URL"]))
	if _, err := client.Call(context.Background(), "users.get", map[string]any{"user_id": u.ID}); err != nil {
		t.Fatalf("user lost across restart: %v", err)
	}
}

func TestEmulateRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--rate-limit", "lots"},
		{"--fault-kinds", "500,explode"},
		{"--fault-rate", "1.5"},
		{"--secret-key", "pk_test_x"},
		{"--webhook-url", "localhost:3000/api/webhooks"},
		{"--webhook-secret", "not-base64!"},
		{"--webhook-duplicate-rate", "2"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if code := runEmulate(context.Background(), args, nil, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}

// Flags that parse as floats but mean nothing (NaN, infinities) are refused
// rather than silently disabling faults or setting every limit to 1. The
// context is already cancelled, so a run that wrongly starts ends at once.
func TestEmulateRejectsNonFiniteFlags(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, args := range [][]string{
		{"--fault-rate", "NaN"},
		{"--endpoint-limit-scale", "NaN"},
		{"--endpoint-limit-scale", "+Inf"},
	} {
		var out, errOut bytes.Buffer
		if code := runEmulate(ctx, args, nil, &out, &errOut); code != 2 || errOut.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut.String())
		}
	}
}

// A --state file that cannot be written is reported at startup, before
// anything is served, not after a whole session when the shutdown save fails
// and the state is lost.
func TestEmulateUnwritableStateFailsAtStart(t *testing.T) {
	state := filepath.Join(t.TempDir(), "missing-dir", "emu.json")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut bytes.Buffer
	code := runEmulate(ctx, []string{"--state", state}, nil, &out, &errOut)
	if code != 1 || !strings.Contains(errOut.String(), "missing-dir") {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if out.Len() != 0 {
		t.Fatalf("emulate started serving with an unwritable --state: %q", out.String())
	}
}

// The documented two-liner: events reach the URL, signed with the printed
// secret, and each attempt is logged.
func TestEmulateDeliversWebhooks(t *testing.T) {
	got := make(chan *http.Request, 10)
	bodies := make(chan []byte, 10)
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		bodies <- b
	}))
	defer app.Close()
	vars, stop := startEmulate(t, "--webhook-url", app.URL+"/api/webhooks", "--webhook-secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if vars["CLERK_WEBHOOK_SIGNING_SECRET"] != "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" {
		t.Fatalf("printed: %v", vars)
	}
	client := core.NewClient(core.NewClientConfig().WithSecretKey(vars["CLERK_SECRET_KEY"]).WithAPIURL(vars["CLERK_API_URL"]))
	if _, err := client.Call(context.Background(), "users.create", map[string]any{"external_id": "hooked"}); err != nil {
		t.Fatal(err)
	}
	r, body := <-got, <-bodies
	ev, err := core.VerifyWebhook(vars["CLERK_WEBHOOK_SIGNING_SECRET"], core.Header(r.Header), body, time.Time{})
	if err != nil || ev.Type != "user.created" || r.URL.Path != "/api/webhooks" {
		t.Fatalf("delivery %s %s: %v %v", r.URL.Path, body, ev, err)
	}
	code, errs := stop()
	if code != 0 || !strings.Contains(errs, "webhook user.created "+ev.ID) {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
	if strings.Contains(errs, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") {
		t.Error("the webhook secret is in the log")
	}
}
