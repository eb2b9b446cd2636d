package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// fakeClock is a settable clock: time moves only when a test says so.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness calls operations through core.Client, checks every success against
// the spec's response schema and records which operations were exercised.
type harness struct {
	t      *testing.T
	in     *Instance
	clock  *fakeClock
	mu     sync.Mutex
	called map[string]bool
}

// sharedKey avoids generating an RSA key per test; tests that need their own
// instance key pass WithSigningKey themselves.
var sharedKey = sync.OnceValue(func() *Emulator {
	e, err := New()
	if err != nil {
		panic(err)
	}
	return e
})

func newHarness(t *testing.T, opts ...Option) *harness {
	clk := newFakeClock()
	base := []Option{WithClock(clk.Now), WithSigningKey(sharedKey().SigningKey()), WithSecretKey("sk_test_emulator")}
	in := Start(t, append(base, opts...)...)
	return &harness{t: t, in: in, clock: clk, called: map[string]bool{}}
}

func decode(t testing.TB, b []byte) any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %q: %v", b, err)
	}
	return v
}

// ok calls an operation that must succeed and returns its decoded body.
func (h *harness) ok(name string, params any) any {
	h.t.Helper()
	raw, err := h.in.Client.Call(context.Background(), name, params)
	if err != nil {
		h.t.Fatalf("%s(%v): %v", name, params, err)
	}
	checkResponse(h.t, name, raw)
	h.mu.Lock()
	h.called[name] = true
	h.mu.Unlock()
	return decode(h.t, raw)
}

func (h *harness) obj(name string, params any) map[string]any {
	h.t.Helper()
	m, ok := h.ok(name, params).(map[string]any)
	if !ok {
		h.t.Fatalf("%s: response is not an object", name)
	}
	return m
}

func (h *harness) list(name string, params any) []any {
	h.t.Helper()
	switch v := h.ok(name, params).(type) {
	case []any:
		return v
	case map[string]any:
		if d, ok := v["data"].([]any); ok {
			return d
		}
	}
	h.t.Fatalf("%s: response is not a list", name)
	return nil
}

// fail calls an operation that must fail with status and code.
func (h *harness) fail(name string, params any, status int, code string) *core.APIError {
	h.t.Helper()
	_, err := h.in.Client.Call(context.Background(), name, params, core.WithRetry(core.RetryConfig{Disabled: true}))
	var ae *core.APIError
	if !errors.As(err, &ae) {
		h.t.Fatalf("%s(%v): want HTTP %d %s, got %v", name, params, status, code, err)
	}
	if ae.StatusCode != status || ae.Code() != code {
		h.t.Fatalf("%s(%v): want HTTP %d %s, got %v", name, params, status, code, ae)
	}
	if ae.TraceID == "" {
		h.t.Errorf("%s: error without clerk_trace_id", name)
	}
	for _, it := range ae.Errors {
		if it.Message == "" || it.LongMessage == "" {
			h.t.Errorf("%s: error item without message or long_message: %+v", name, it)
		}
	}
	return ae
}

func str(v any) string { s, _ := v.(string); return s }

func field(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}
