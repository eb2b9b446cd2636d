//go:build !wasip1

package core

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// redirectPair starts a server that records every request it gets (the
// target) and an "API" that answers every request with status, pointing at
// the target: another port of the same host.
func redirectPair(t *testing.T, status int) (api string, target *atomic.Int64) {
	t.Helper()
	target = new(atomic.Int64)
	tgt := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target.Add(1)
		_, _ = w.Write([]byte(`{"data":[],"total_count":0}`))
	}))
	t.Cleanup(tgt.Close)
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, tgt.URL+r.URL.Path, status)
	}))
	t.Cleanup(src.Close)
	return src.URL, target
}

// No client built on NewHTTPTransport follows a redirect, whatever the
// *http.Client it was given, and a 3xx is an error naming the redirect.
func TestRedirectNeverFollowed(t *testing.T) {
	follows := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return nil }}
	for _, status := range []int{301, 302, 303, 307, 308} {
		for name, tr := range map[string]Transport{
			"default":                   nil,
			"NewHTTPTransport(nil)":     NewHTTPTransport(nil),
			"NewHTTPTransport(&Client)": NewHTTPTransport(&http.Client{}),
			"a client that follows":     NewHTTPTransport(follows),
		} {
			api, target := redirectPair(t, status)
			cfg := NewClientConfig().WithSecretKey("sk_test_redirect").WithAPIURL(api).WithClock(newFakeClock())
			if tr != nil {
				cfg = cfg.WithTransport(tr)
			}
			_, err := NewClient(cfg).Call(context.Background(), "users.list", nil)
			ae, ok := AsAPIError(err)
			if !ok || ae.StatusCode != status {
				t.Errorf("%d, %s: err = %v, want an APIError %d", status, name, err, status)
				continue
			}
			if n := target.Load(); n != 0 {
				t.Errorf("%d, %s: the redirect target got %d requests", status, name, n)
			}
			msg := err.Error()
			if !strings.Contains(msg, "redirect to http://127.0.0.1:") || !strings.Contains(msg, "not followed") || strings.Contains(msg, "sk_test_redirect") {
				t.Errorf("%d, %s: message %q", status, name, msg)
			}
		}
	}
	// The caller's client is not modified.
	if follows.CheckRedirect(nil, nil) != nil {
		t.Error("the caller's CheckRedirect was replaced")
	}
}

// Every net/http request of the module goes through NewHTTPTransport: no
// other code builds a client, uses http.DefaultClient or decides about
// redirects, so the refusal above holds for every front end.
func TestOneHTTPClientConstructor(t *testing.T) {
	banned := regexp.MustCompile(`http\.Client\{|http\.DefaultClient|http\.(Get|Post|Head|PostForm)\(|CheckRedirect|\.Client\(\)`)
	root := ".."
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); n == "node_modules" || n == "testdata" || (strings.HasPrefix(n, ".") && n != "..") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || filepath.Clean(path) == filepath.Join("..", "core", "transport_nethttp.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(b), "\n") {
			if l := strings.TrimSpace(line); strings.HasPrefix(l, "//") || strings.Contains(l, "NewHTTPTransport(") {
				continue // a client handed to NewHTTPTransport is made safe there
			}
			if banned.MatchString(line) {
				t.Errorf("%s:%d: %s (send requests through core.NewHTTPTransport, which refuses redirects)", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// An address that cannot be reached fails within a few attempts, and each
// wait is announced through the retry hook; failures that a retry cannot
// cure are not retried at all.
func TestUnreachableFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(plain.Close)
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(tlsSrv.Close)
	var dials atomic.Int64
	noSuchHost := NewHTTPTransport(&http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			dials.Add(1)
			return nil, &net.DNSError{Err: "no such host", Name: "api.example.invalid", IsNotFound: true}
		},
	}})

	for _, tc := range []struct {
		name      string
		url       string
		transport Transport
		retry     *RetryConfig
		attempts  int
		want      string
	}{
		{"connection refused", closed, nil, nil, defaultMaxConnectionAttempts, "connection refused"},
		{"connection refused, own cap", closed, nil, &RetryConfig{MaxConnectionAttempts: 2}, 2, "connection refused"},
		{"unknown host", "http://api.example.invalid", noSuchHost, nil, 1, "no such host"},
		{"certificate not trusted", tlsSrv.URL, nil, nil, 1, "certificate"},
		{"TLS to a plain HTTP server", strings.Replace(plain.URL, "http:", "https:", 1), nil, nil, 1, "HTTP response to HTTPS client"},
	} {
		clk := newFakeClock()
		var events []RetryEvent
		cfg := NewClientConfig().WithSecretKey("sk_test_abc").WithAPIURL(tc.url).WithClock(clk).
			WithRetryHook(func(e RetryEvent) { events = append(events, e) })
		if tc.transport != nil {
			cfg = cfg.WithTransport(tc.transport)
		}
		if tc.retry != nil {
			cfg = cfg.WithRetry(*tc.retry)
		}
		_, err := NewClient(cfg).Call(context.Background(), "users.list", nil)
		var te *TransportError
		if !errors.As(err, &te) || te.Attempts != tc.attempts || !IsNotSent(err) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want a not-sent TransportError after %d attempts mentioning %q", tc.name, err, tc.attempts, tc.want)
			continue
		}
		if len(events) != tc.attempts-1 || len(clk.sleeps) != tc.attempts-1 {
			t.Errorf("%s: %d retry events and %d waits, want %d of each", tc.name, len(events), len(clk.sleeps), tc.attempts-1)
		}
		for i, e := range events {
			if e.Attempt != i+1 || e.Operation != "users.list" || e.Wait != clk.sleeps[i] || !IsNotSent(e.Err) || strings.Contains(e.Err.Error(), "sk_test_abc") {
				t.Errorf("%s: event %d = %+v", tc.name, i, e)
			}
		}
	}
	if dials.Load() != 1 {
		t.Errorf("unknown host dialled %d times, want 1", dials.Load())
	}
}
