package core

import (
	"context"
	"os"
	"strings"
	"time"
)

// Version is clerkscript's version, sent in the User-Agent header.
const Version = "0.1.0"

// Defaults used by DefaultClientConfig.
const (
	DefaultAPIURL          = "https://api.clerk.com"
	DefaultAPIVersion      = "v1"
	DefaultClerkAPIVersion = "2026-05-12"
	DefaultTimeout         = 30 * time.Second
)

// Clock abstracts time for retries and caches, so tests run without real
// sleeping.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done (returning ctx.Err()).
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// SystemClock is the real clock.
var SystemClock Clock = realClock{}

// ClientConfig configures a Client. It is immutable: every WithX method
// returns a new value, so a base configuration can be shared and refined.
type ClientConfig struct {
	secretKey       string
	apiURL          string
	apiVersion      string
	clerkAPIVersion string
	userAgent       string
	timeout         time.Duration
	transport       Transport
	retry           RetryConfig
	clock           Clock
	headers         Header
	retryHook       func(RetryEvent)
}

// NewClientConfig returns DefaultClientConfig with what the environment
// sets, as Clerk's SDKs read it: it reads CLERK_SECRET_KEY (the secret
// key), CLERK_API_URL (the API URL) and CLERK_API_VERSION (the path
// version). Use DefaultClientConfig for a configuration that reads nothing
// (a library, a test, a multi-tenant server).
func NewClientConfig() ClientConfig {
	c := DefaultClientConfig().WithSecretKey(os.Getenv("CLERK_SECRET_KEY"))
	// The environment gets the same normalisation as WithAPIURL and
	// WithAPIVersion: "https://api.clerk.com/" must not give "//v1".
	if u := strings.TrimSpace(os.Getenv("CLERK_API_URL")); u != "" {
		c = c.WithAPIURL(u)
	}
	if v := strings.TrimSpace(os.Getenv("CLERK_API_VERSION")); v != "" {
		c = c.WithAPIVersion(v)
	}
	return c
}

// DefaultClientConfig returns the defaults, reading no environment
// variable: no secret key, https://api.clerk.com, path version v1, the
// Clerk-API-Version header 2026-05-12 (the spec this client is generated
// from), a 30 s per-attempt timeout and DefaultRetryConfig.
func DefaultClientConfig() ClientConfig {
	return ClientConfig{
		apiURL:          DefaultAPIURL,
		apiVersion:      DefaultAPIVersion,
		clerkAPIVersion: DefaultClerkAPIVersion,
		userAgent:       "clerkscript/" + Version,
		timeout:         DefaultTimeout,
		retry:           DefaultRetryConfig(),
		clock:           SystemClock,
	}
}

// WithSecretKey sets the secret key sent as "Authorization: Bearer <key>".
func (c ClientConfig) WithSecretKey(key string) ClientConfig {
	c.secretKey = strings.TrimSpace(key)
	return c
}

// WithAPIURL sets the base URL (scheme and host, optionally a path prefix),
// e.g. the emulator's http://127.0.0.1:PORT. Default https://api.clerk.com.
func (c ClientConfig) WithAPIURL(u string) ClientConfig {
	c.apiURL = strings.TrimRight(strings.TrimSpace(u), "/")
	return c
}

// WithAPIVersion sets the path version segment. Default "v1".
func (c ClientConfig) WithAPIVersion(v string) ClientConfig {
	c.apiVersion = strings.Trim(strings.TrimSpace(v), "/")
	return c
}

// WithClerkAPIVersion sets the dated Clerk-API-Version header. Default
// 2026-05-12, the spec the operation table is generated from; override it
// only to pin an older behaviour.
func (c ClientConfig) WithClerkAPIVersion(v string) ClientConfig {
	c.clerkAPIVersion = v
	return c
}

// WithUserAgent replaces the User-Agent (default clerkscript/<version>).
func (c ClientConfig) WithUserAgent(ua string) ClientConfig {
	c.userAgent = ua
	return c
}

// WithTimeout bounds each attempt (not the whole call, which retries bound
// through RetryConfig.MaxElapsedTime). Default 30 s; 0 disables it. In
// GOOS=wasip1 builds the bound is the attempt context's deadline, for the
// transport to honour: no timer cancels the context.
func (c ClientConfig) WithTimeout(d time.Duration) ClientConfig {
	c.timeout = d
	return c
}

// WithTransport sets how requests are sent. Default: net/http in native
// builds; the wasm guest plugs in a transport that asks its host.
func (c ClientConfig) WithTransport(t Transport) ClientConfig {
	c.transport = t
	return c
}

// WithRetry sets the retry policy for every call; a per-call WithRetry
// option overrides it.
func (c ClientConfig) WithRetry(r RetryConfig) ClientConfig {
	c.retry = r
	return c
}

// WithRetryHook sets a function called before each wait between attempts
// (from the calling goroutine, before sleeping), so that a program can show
// why it waits instead of staying silent. The event's error never carries
// the secret key. Default: none.
func (c ClientConfig) WithRetryHook(f func(RetryEvent)) ClientConfig {
	c.retryHook = f
	return c
}

// WithClock injects time (for tests and deterministic runs).
func (c ClientConfig) WithClock(clk Clock) ClientConfig {
	c.clock = clk
	return c
}

// WithHeader adds a header to every request (for example X-Clerk-Application).
// Authorization cannot be set this way.
func (c ClientConfig) WithHeader(key, value string) ClientConfig {
	h := c.headers.Clone()
	if h == nil {
		h = Header{}
	}
	h.Set(key, value)
	c.headers = h
	return c
}

// SecretKeyKind describes the secret key without revealing it: "live",
// "test", "other" or "missing".
func (c ClientConfig) SecretKeyKind() string { return keyKind(c.secretKey) }

// APIURL returns the configured base URL.
func (c ClientConfig) APIURL() string { return c.apiURL }

func keyKind(k string) string {
	switch {
	case k == "":
		return "missing"
	case strings.HasPrefix(k, "sk_live_"):
		return "live"
	case strings.HasPrefix(k, "sk_test_"):
		return "test"
	}
	return "other"
}

// defaultTransport is set by the native build (net/http); nil in wasip1.
var defaultTransport func() Transport
