// Package emulatortest runs the Clerk emulator in Go tests: Start serves a
// stateful instance on loopback for the duration of a test and hands back a
// ready client, and WaitEvent waits for the webhook events it emits. It is
// separate from package emulator, as net/http/httptest is from net/http, so
// that programs embedding the emulator do not link package testing.
package emulatortest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
)

// Instance is a running emulator for a Go test.
type Instance struct {
	URL       string // base URL without /v1, for core's WithAPIURL
	SecretKey string
	Client    *core.Client // configured for URL and SecretKey
	Emulator  *emulator.Emulator
	Server    *httptest.Server
}

// Start runs an emulator on a loopback httptest server for the duration of
// the test. Unlike New, it starts without rate limits, so unrelated tests are
// not slowed by 429s; pass WithRateLimit or WithEndpointLimitScale to test
// them. It keeps every webhook event for WaitEvent; pass WithWebhookURL to
// have them delivered too. The server and the webhook senders are closed by
// t.Cleanup.
func Start(t testing.TB, opts ...emulator.Option) *Instance {
	t.Helper()
	e, err := emulator.New(append([]emulator.Option{emulator.WithoutRateLimits(), emulator.WithEventLog(-1)}, opts...)...)
	if err != nil {
		t.Fatalf("emulatortest.Start: %v", err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); _ = e.Close() })
	client := core.NewClient(core.NewClientConfig().
		WithSecretKey(e.SecretKey()).
		WithAPIURL(srv.URL).
		WithTransport(core.NewHTTPTransport(srv.Client())))
	return &Instance{URL: srv.URL, SecretKey: e.SecretKey(), Client: client, Emulator: e, Server: srv}
}

// WaitEvent returns the first webhook event of type typ (such as
// "user.created") for which match (nil: any) is true, waiting for it to be
// emitted. It fails the test if none comes before the test's deadline (or
// within a minute without one).
func (in *Instance) WaitEvent(t testing.TB, typ string, match func(emulator.Event) bool) emulator.Event {
	t.Helper()
	ctx, cancel := waitContext(t)
	defer cancel()
	ev, err := in.Emulator.WaitEvent(ctx, typ, match)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// WaitDelivery returns the first webhook delivery attempt for which match is
// true, waiting for it; it fails the test as WaitEvent does.
func (in *Instance) WaitDelivery(t testing.TB, match func(emulator.Delivery) bool) emulator.Delivery {
	t.Helper()
	ctx, cancel := waitContext(t)
	defer cancel()
	d, err := in.Emulator.WaitDelivery(ctx, match)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func waitContext(t testing.TB) (context.Context, context.CancelFunc) {
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if d, ok := dt.Deadline(); ok {
			return context.WithDeadline(context.Background(), d.Add(-time.Second))
		}
	}
	return context.WithTimeout(context.Background(), time.Minute)
}
