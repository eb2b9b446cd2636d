package core

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"
)

// A configuration mistake (an API URL without a scheme, a key with a
// newline) can never succeed: it must fail on the first attempt with an
// error naming the problem, not be retried for MaxElapsedTime.
func TestConfigErrorsFailFast(t *testing.T) {
	for _, tc := range []struct {
		url, key, header, want string
	}{
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

// Retry-After comes from the server: hostile values must give 0 or a sane
// positive wait, never a negative or overflowing one.
func TestParseRetryAfterHostile(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for in, want := range map[string]time.Duration{
		"NaN": 0, "nan": 0, "-Inf": 0, "Inf": 24 * time.Hour, "1e9": 24 * time.Hour,
		"-5": 0, "garbage": 0, "2.5": 2500 * time.Millisecond, "7": 7 * time.Second,
	} {
		if got := ParseRetryAfter(in, now); got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

// "." and ".." are valid path-escaped strings but dot segments: a proxy
// normalising /organizations/org_1/memberships/.. would turn a membership
// delete into an organization delete.
func TestPathParamDotSegmentsRejected(t *testing.T) {
	var hits atomic.Int32
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }, newFakeClock())
	for _, id := range []string{".", ".."} {
		_, err := c.Call(context.Background(), "organizationMemberships.delete",
			map[string]any{"organization_id": "org_1", "user_id": id})
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != "user_id" {
			t.Errorf("user_id %q: err %v, want a ParamError on user_id", id, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent", hits.Load())
	}
	// A dot inside an id is fine.
	if _, err := c.Call(context.Background(), "users.get", map[string]any{"user_id": "a..b"}); err != nil {
		t.Errorf("a..b: %v", err)
	}
}

// A filename or content type with CR/LF would inject headers into the
// multipart part.
func TestMultipartRejectsHeaderInjection(t *testing.T) {
	var hits atomic.Int32
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }, newFakeClock())
	for _, f := range []map[string]any{
		{"filename": "a.png\r\nContent-Type: text/html", "data": "AAAA"},
		{"filename": "a.png", "content_type": "image/png\r\nX-Evil: 1", "data": "AAAA"},
	} {
		_, err := c.Call(context.Background(), "users.setProfileImage", map[string]any{"user_id": "user_1", "file": f})
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != "file" {
			t.Errorf("%v: err %v, want a ParamError on file", f, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent", hits.Load())
	}
}

// JSON params with trailing content ({"a":1}{"b":2}) are a mistake, not
// an object followed by noise to ignore.
func TestParamsTrailingJSONRejected(t *testing.T) {
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {}, newFakeClock())
	_, err := c.Call(context.Background(), "users.get", []byte(`{"user_id":"user_1"} {"user_id":"user_2"}`))
	var pe *ParamError
	if !errors.As(err, &pe) {
		t.Errorf("err %v, want a ParamError", err)
	}
}

// A response over the size cap will be over it again: replaying the GET
// would download it MaxElapsedTime's worth of times.
func TestOversizedResponseNotRetried(t *testing.T) {
	old := maxResponseBytes
	maxResponseBytes = 16
	t.Cleanup(func() { maxResponseBytes = old })
	var hits atomic.Int32
	clk := newFakeClock()
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`[` + strings.Repeat(`1,`, 20) + `1]`))
	}, clk)
	_, err := c.Call(context.Background(), "users.list", nil, WithRetry(RetryConfig{MaxAttempts: 3}))
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("err %v", err)
	}
	if hits.Load() != 1 || clk.total() != 0 {
		t.Errorf("%d attempts, slept %v", hits.Load(), clk.total())
	}
}

// Error() ends up on a terminal (clerkscript api prints it): what the
// server sent must not carry escape sequences or line breaks into it.
func TestAPIErrorStripsControlCharacters(t *testing.T) {
	e := newAPIError("users.get", &HTTPResponse{StatusCode: 400, Header: Header{"Clerk-Trace-Id": {"t\x1b]0;x\x07"}},
		Body: []byte(`{"errors":[{"code":"c\u001b[2J","message":"m","long_message":"line1\nline2\u001b[31m"}]}`)}, time.Now())
	s := e.Error()
	if strings.ContainsAny(s, "\x1b\x07\n") {
		t.Errorf("Error() = %q", s)
	}
	if !strings.Contains(s, "line1 line2") {
		t.Errorf("Error() = %q lost the message", s)
	}
	// A long non-JSON body is cut on a character boundary.
	e = newAPIError("users.get", &HTTPResponse{StatusCode: 502, Body: []byte(strings.Repeat("a", 199) + strings.Repeat("é", 10))}, time.Now())
	if s := e.Error(); !utf8.ValidString(s) {
		t.Errorf("Error() = %q is not valid UTF-8", s)
	}
}

// A nil pointer whose type has a value-receiver String method must be an
// error, not a panic inside fmt.Stringer.
func TestNilStringerParamIsAnError(t *testing.T) {
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {}, newFakeClock())
	var when *time.Time
	for _, params := range []map[string]any{
		{"user_id": when},
		{"user_id": "u", "file": when},
	} {
		_, err := c.Call(context.Background(), "users.get", params)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("%v: err %v, want a ParamError", params, err)
		}
	}
	_, err := c.Call(context.Background(), "users.list", map[string]any{"limit": when})
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Param != "limit" {
		t.Errorf("query: err %v, want a ParamError on limit", err)
	}
}
