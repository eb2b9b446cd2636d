package ratelimit

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

func TestRateLimiterSlidingWindow(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := New(3, 10*time.Second, nil)
	for i := 0; i < 3; i++ {
		if ok, _ := l.reserve(t0); !ok {
			t.Fatalf("request %d refused", i)
		}
	}
	// All three in flight: wait for a completion, not for a time.
	if ok, wait := l.reserve(t0); ok || wait != 0 {
		t.Fatalf("4th: ok=%v wait=%v", ok, wait)
	}
	// The first completes at t0+1s: its slot frees at t0+11s.
	l.now = func() time.Time { return t0.Add(time.Second) }
	l.Done(200, 0)
	if ok, wait := l.reserve(t0.Add(2 * time.Second)); ok || wait != 9*time.Second {
		t.Fatalf("at +2s: ok=%v wait=%v, want 9s", ok, wait)
	}
	if ok, _ := l.reserve(t0.Add(11*time.Second + time.Millisecond)); !ok {
		t.Fatal("slot not freed after the window")
	}
}

func TestRateLimiter429PausesEveryone(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := New(100, time.Second, func() time.Time { return t0 })
	if ok, _ := l.reserve(t0); !ok {
		t.Fatal("refused")
	}
	l.Done(429, 7*time.Second)
	if ok, wait := l.reserve(t0.Add(time.Second)); ok || wait != 6*time.Second {
		t.Fatalf("during the pause: ok=%v wait=%v", ok, wait)
	}
	if ok, _ := l.reserve(t0.Add(7 * time.Second)); !ok {
		t.Fatal("still paused after Retry-After")
	}
	if l.Throttled() != 1 {
		t.Fatalf("throttled = %d", l.Throttled())
	}
}

func TestParseRate(t *testing.T) {
	for _, c := range []struct {
		in    string
		n     int
		w     time.Duration
		isErr bool
	}{{"100/10s", 100, 10 * time.Second, false}, {"100/h", 100, time.Hour, false}, {" 5 / 1m ", 5, time.Minute, false},
		{"100", 0, 0, true}, {"0/1s", 0, 0, true}, {"x/1s", 0, 0, true}, {"5/-1s", 0, 0, true}} {
		n, w, err := ParseRate(c.in)
		if (err != nil) != c.isErr || n != c.n || w != c.w {
			t.Errorf("ParseRate(%q) = %d, %v, %v", c.in, n, w, err)
		}
	}
	if n, w := Default("sk_live_x"); n != 1000 || w != 10*time.Second {
		t.Errorf("live default %d/%v", n, w)
	}
	if n, _ := Default("sk_test_x"); n != 100 {
		t.Errorf("test default %d", n)
	}
}

// A wait abandoned by its caller takes no slot: the next caller gets the
// one the abandoned wait would have used. (The wasm host's former token
// bucket kept the token of a cancelled wait.)
func TestAcquireCancelledTakesNoSlot(t *testing.T) {
	t0 := time.Unix(1000, 0)
	now := t0
	l := New(1, time.Minute, func() time.Time { return now })
	if err := l.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Acquire(ctx); err == nil {
		t.Fatal("a cancelled wait acquired")
	}
	l.Done(200, 0)
	now = t0.Add(time.Minute + time.Millisecond)
	if ok, _ := l.reserve(now); !ok {
		t.Fatal("the cancelled wait kept a slot")
	}
}

// Retry-After goes through core.ParseRetryAfter: NaN and garbage pause for
// the default second, an HTTP date for the time until it.
func TestTransportRetryAfter(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, c := range []struct {
		header string
		want   time.Duration
	}{
		{"NaN", time.Second},
		{"soon", time.Second},
		{"3", 3 * time.Second},
		{t0.Add(20 * time.Second).Format(http.TimeFormat), 20 * time.Second},
	} {
		l := New(100, time.Second, func() time.Time { return t0 })
		tr := NewTransport(roundTripFunc(func(context.Context, *core.HTTPRequest) (*core.HTTPResponse, error) {
			h := core.Header{}
			h.Set("Retry-After", c.header)
			return &core.HTTPResponse{StatusCode: 429, Header: h}, nil
		}), l, 0)
		if _, err := tr.RoundTrip(context.Background(), &core.HTTPRequest{}); err != nil {
			t.Fatal(err)
		}
		if ok, wait := l.reserve(t0); ok || wait != c.want {
			t.Errorf("Retry-After %q: ok=%v wait=%v, want %v", c.header, ok, wait, c.want)
		}
	}
}

type roundTripFunc func(context.Context, *core.HTTPRequest) (*core.HTTPResponse, error)

func (f roundTripFunc) RoundTrip(ctx context.Context, r *core.HTTPRequest) (*core.HTTPResponse, error) {
	return f(ctx, r)
}
