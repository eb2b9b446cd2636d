package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// redirectingAPI is an "API" that answers everything with a 307 to another
// port of the same host, and that target, which counts requests carrying an
// Authorization header.
func redirectingAPI(t *testing.T) (apiURL string, apiHits, targetHits, targetAuth *atomic.Int64) {
	t.Helper()
	apiHits, targetHits, targetAuth = new(atomic.Int64), new(atomic.Int64), new(atomic.Int64)
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		if r.Header.Get("Authorization") != "" {
			targetAuth.Add(1)
		}
		_, _ = w.Write([]byte(`{"data":[],"total_count":0,"keys":[]}`))
	}))
	t.Cleanup(target.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiHits.Add(1)
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(api.Close)
	return api.URL, apiHits, targetHits, targetAuth
}

// No front end of the CLI follows a redirect from the API URL with the
// secret key, and none takes it for success.
func TestCLIRedirectsNeverFollowed(t *testing.T) {
	script := filepath.Join(t.TempDir(), "list.js")
	if err := os.WriteFile(script, []byte(`const r = await clerk.users.list(); console.log("got", JSON.stringify(r));`), 0o600); err != nil {
		t.Fatal(err)
	}
	good := testkeys.Primary.Mint(testkeys.SessionClaims(time.Now()), "")
	for _, tc := range []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"api", []string{"api", "users.list"}, 1, "redirect to http://127.0.0.1:"},
		{"api --all", []string{"api", "users.list", "--all"}, 1, "not followed"},
		{"run", []string{"run", script}, 1, "redirect"},
		{"verify with JWKS", []string{"verify", good}, 2, "jwk"},
		{"auth with JWKS", []string{"auth", "--url", "https://app.example.com/", "--header", "Authorization: Bearer " + good,
			"--publishable-key", "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k"}, -1, ""},
	} {
		cleanClerkEnv(t)
		apiURL, apiHits, targetHits, targetAuth := redirectingAPI(t)
		t.Setenv("CLERK_SECRET_KEY", "sk_test_redirect")
		t.Setenv("CLERK_API_URL", apiURL)
		code, out, errOut := runCLI(t, "", tc.args...)
		if tc.wantCode >= 0 && (code != tc.wantCode || !strings.Contains(out+errOut, tc.want)) {
			t.Errorf("%s: exit %d, stdout %q stderr %q; want %d and %q", tc.name, code, out, errOut, tc.wantCode, tc.want)
		}
		if apiHits.Load() == 0 || targetHits.Load() != 0 || targetAuth.Load() != 0 {
			t.Errorf("%s: API hits %d, redirect target hits %d (%d with Authorization)", tc.name, apiHits.Load(), targetHits.Load(), targetAuth.Load())
		}
		if strings.Contains(out+errOut, "sk_test_redirect") {
			t.Errorf("%s: the secret key is printed", tc.name)
		}
	}
}

// countingClock advances only when the client sleeps: retries are counted,
// never waited for.
type countingClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps int
}

func (c *countingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *countingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps++
	c.now = c.now.Add(d)
	return ctx.Err()
}

func useCountingClock(t *testing.T) *countingClock {
	clk := &countingClock{now: time.Unix(1_800_000_000, 0)}
	old := cliClock
	cliClock = clk
	t.Cleanup(func() { cliClock = old })
	return clk
}

// An API URL nobody listens on fails after a few attempts, each wait
// announced on stderr, for api and run alike.
func TestCLIUnreachableAPIFailsVisibly(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	script := filepath.Join(t.TempDir(), "list.js")
	if err := os.WriteFile(script, []byte(`await clerk.users.list();`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"api", "users.list"}, {"run", script}} {
		cleanClerkEnv(t)
		clk := useCountingClock(t)
		t.Setenv("CLERK_SECRET_KEY", "sk_test_unreachable")
		t.Setenv("CLERK_API_URL", closed)
		code, _, errOut := runCLI(t, "", args...)
		notices := strings.Count(errOut, "; retrying in ")
		if code != 1 || !strings.Contains(errOut, "connection refused") || !strings.Contains(errOut, "after 4 attempts") {
			t.Errorf("%q: exit %d stderr %q, want 1, connection refused after 4 attempts", args, code, errOut)
		}
		if notices != 3 || clk.sleeps != 3 {
			t.Errorf("%q: %d retry notices for %d waits, want 3 of each:\n%s", args, notices, clk.sleeps, errOut)
		}
	}
}

// api --timeout ends a call that gets no answer, saying so.
func TestAPITimeout(t *testing.T) {
	cleanClerkEnv(t)
	release := make(chan struct{})
	var started atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started.Add(1)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	t.Setenv("CLERK_SECRET_KEY", "sk_test_x")
	code, _, errOut := runCLI(t, "", "api", "users.list", "--api-url", srv.URL, "--timeout", "100ms")
	if code != 1 || !strings.Contains(errOut, "--timeout 100ms reached") || started.Load() == 0 {
		t.Errorf("exit %d stderr %q, want 1 and the timeout named", code, errOut)
	}
	code, _, errOut = runCLI(t, "", "api", "users.list", "--api-url", srv.URL, "--timeout", "5")
	if code != 2 || !strings.Contains(errOut, `invalid value "5" for --timeout: a duration needs a unit`) {
		t.Errorf("--timeout 5: exit %d stderr %q", code, errOut)
	}
}
