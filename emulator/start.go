package emulator

import (
	"net/http/httptest"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// Instance is a running emulator for a Go test.
type Instance struct {
	URL       string // base URL without /v1, for core's WithAPIURL
	SecretKey string
	Client    *core.Client // configured for URL and SecretKey
	Emulator  *Emulator
	Server    *httptest.Server
}

// Start runs an emulator on a loopback httptest server for the duration of
// the test. Unlike New, it starts without rate limits, so unrelated tests are
// not slowed by 429s; pass WithRateLimit or WithEndpointLimitScale to test
// them. The server is closed by t.Cleanup.
func Start(t testing.TB, opts ...Option) *Instance {
	t.Helper()
	e, err := New(append([]Option{WithoutRateLimits()}, opts...)...)
	if err != nil {
		t.Fatalf("emulator.Start: %v", err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	client := core.NewClient(core.NewClientConfig().
		WithSecretKey(e.SecretKey()).
		WithAPIURL(srv.URL).
		WithTransport(core.NewHTTPTransport(srv.Client())))
	return &Instance{URL: srv.URL, SecretKey: e.SecretKey(), Client: client, Emulator: e, Server: srv}
}
