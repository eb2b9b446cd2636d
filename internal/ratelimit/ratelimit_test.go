package ratelimit

import (
	"testing"
	"time"
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
