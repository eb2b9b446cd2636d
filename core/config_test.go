package core

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// A configuration mistake (an API URL without a scheme, a key with a
// newline) can never succeed: it must fail on the first attempt with an
// error naming the problem, not be retried for MaxElapsedTime.
func TestConfigErrorsFailFast(t *testing.T) {
	for _, tc := range []struct {
		url, key, header, version, want string
	}{
		{url: "http://127.0.0.1:1", version: "../x", want: "API version"},
		{url: "http://127.0.0.1:1", version: "v1?x=1", want: "API version"},
		{url: "http://127.0.0.1:1", version: "v1/../../admin", want: "API version"},
		{url: "http://127.0.0.1:1", version: "%2e%2e", want: "API version"},
		{url: "http://127.0.0.1:1", version: "v1#frag", want: "API version"},
		{url: "localhost:8080", want: "API URL"},
		{url: "api.clerk.com", want: "API URL"},
		{url: "http://a b", want: "API URL"},
		{url: "ftp://x", want: "API URL"},
		{url: "http://", want: "API URL"},
		{url: "http://127.0.0.1:1", key: "sk_test_a\nbc", want: "secret key"},
		{url: "http://127.0.0.1:1", header: "X-App: a\r\nb", want: `"X-App"`},
	} {
		clk := newFakeClock()
		var sent atomic.Int32
		key := tc.key
		if key == "" {
			key = "sk_test_abc"
		}
		cfg := NewClientConfig().WithSecretKey(key).WithAPIURL(tc.url).WithClock(clk).
			WithTransport(TransportFunc(func(ctx context.Context, r *HTTPRequest) (*HTTPResponse, error) {
				sent.Add(1)
				return NewHTTPTransport(nil).RoundTrip(ctx, r)
			}))
		if tc.header != "" {
			k, v, _ := strings.Cut(tc.header, ": ")
			cfg = cfg.WithHeader(k, v)
		}
		if tc.version != "" {
			cfg = cfg.WithAPIVersion(tc.version)
		}
		_, err := NewClient(cfg).Call(context.Background(), "users.list", nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err %v, want one naming %s", tc, err, tc.want)
		}
		if sent.Load() != 0 || clk.total() != 0 {
			t.Errorf("%+v: %d attempts, slept %v: a configuration error was retried", tc, sent.Load(), clk.total())
		}
		if err != nil && strings.Contains(err.Error(), "a\nbc") {
			t.Errorf("the secret key leaked: %v", err)
		}
	}
	// A per-call header is checked too.
	clk := newFakeClock()
	c := NewClient(NewClientConfig().WithSecretKey("sk_test_abc").WithAPIURL("http://127.0.0.1:1").WithClock(clk))
	_, err := c.Call(context.Background(), "users.list", nil, WithHeader("X-Bad", "a\nb"))
	if err == nil || !strings.Contains(err.Error(), `"X-Bad"`) || clk.total() != 0 {
		t.Errorf("per-call header: err %v slept %v", err, clk.total())
	}
}

// CLERK_API_URL=https://api.clerk.com/ is a natural way to write it; it
// must not turn every path into //v1/....
func TestEnvAPIURLTrailingSlash(t *testing.T) {
	t.Setenv("CLERK_API_URL", " http://127.0.0.1:9/ ")
	t.Setenv("CLERK_API_VERSION", "/v1/")
	c := NewClient(NewClientConfig())
	if got := c.url(&builtRequest{path: "/users"}); got != "http://127.0.0.1:9/v1/users" {
		t.Errorf("url %q", got)
	}
}

// An API URL that points at a web page (an app, a proxy's login page)
// answers 200 with HTML: that is an error naming the URL, not an empty
// result or a JSON decoding error; an operation whose answer is markup
// (the interstitial) still gets it.
func TestNonJSONAnswerIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("\n<!doctype html><html>sign in</html>"))
	}))
	defer srv.Close()
	u := strings.Replace(srv.URL, "http://", "http://user:hunter2@", 1)
	c := NewClient(NewClientConfig().WithSecretKey("sk_test_abc").WithAPIURL(u))
	for _, op := range []string{"users.list", "users.create"} {
		_, err := c.Call(context.Background(), op, nil)
		if err == nil || !strings.Contains(err.Error(), "not JSON (text/html)") || !strings.Contains(err.Error(), "user:xxxxx@") {
			t.Errorf("%s: err %v, want one saying the answer is not JSON, naming the URL (redacted)", op, err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the URL's password leaked: %v", op, err)
		}
	}
	raw, err := c.Call(context.Background(), "miscellaneous.getPublicInterstitial", nil)
	if err != nil || !strings.Contains(string(raw), "<html>") {
		t.Errorf("interstitial: %q, %v", raw, err)
	}
}
