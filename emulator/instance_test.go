package emulator

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// Instance is this package's test instance. Its tests cannot use
// emulatortest.Start (emulatortest imports this package), so they start one
// here; an event that never comes fails at the test binary's -timeout.
type Instance struct {
	URL, SecretKey string
	Client         *core.Client
	Emulator       *Emulator
}

func Start(t testing.TB, opts ...Option) *Instance {
	t.Helper()
	e, err := New(append([]Option{WithoutRateLimits(), WithEventLog(-1)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(func() { srv.Close(); _ = e.Close() })
	cfg := core.DefaultClientConfig().WithSecretKey(e.SecretKey()).WithAPIURL(srv.URL)
	return &Instance{URL: srv.URL, SecretKey: e.SecretKey(), Client: core.NewClient(cfg), Emulator: e}
}

func (in *Instance) WaitEvent(t testing.TB, typ string, match func(Event) bool) Event {
	t.Helper()
	ev, err := in.Emulator.WaitEvent(context.Background(), typ, match)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (in *Instance) WaitDelivery(t testing.TB, match func(Delivery) bool) Delivery {
	t.Helper()
	d, err := in.Emulator.WaitDelivery(context.Background(), match)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
