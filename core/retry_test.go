package core

import (
	"github.com/cenkalti/backoff/v4"

	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

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

// The backoff keeps cenkalti/backoff's arithmetic (the client used it): a
// wait in [0.75·i, 1.25·i+1ns), the interval growing by Exponent up to
// MaxInterval, and Stop once the wait would end after MaxElapsedTime.
func TestBackoffSchedule(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		random   float64
		want     time.Duration
	}{
		{time.Second, 0, 750 * time.Millisecond},
		{time.Second, 0.5, time.Second}, // 750ms + 0.5·(500ms+1ns), truncated
		{time.Second, 0.999999999, 1250 * time.Millisecond},
		{4, 0.5, 4}, // 3 + 0.5·(2+1)
		{0, 0.7, 0},
	} {
		if got := jitteredWait(tc.interval, backoffJitter, tc.random); got != tc.want {
			t.Errorf("jitteredWait(%v, %v) = %v, want %v", tc.interval, tc.random, got, tc.want)
		}
	}
	clk := newFakeClock()
	rc := RetryConfig{InitialInterval: time.Second, Exponent: 2, MaxInterval: 5 * time.Second, MaxElapsedTime: 20 * time.Second}
	b := newBackoff(rc, clk)
	for i, base := range []time.Duration{1, 2, 4, 5, 5} {
		base *= time.Second
		w := b.NextBackOff()
		if w < base*3/4 || w > base*5/4+1 {
			t.Fatalf("wait %d = %v, want within 25%% of %v", i, w, base)
		}
	}
	clk.now = clk.now.Add(19 * time.Second)
	if w := b.NextBackOff(); w != stopBackoff {
		t.Errorf("after 19s of 20s: wait %v, want stopBackoff", w)
	}
}

// backoffClock is cenkalti/backoff's Clock over the tests' fake clock.
type backoffClock struct{ c *fakeClock }

func (b backoffClock) Now() time.Time { return b.c.Now() }

// TestBackoffMatchesCenkalti holds expBackoff to the library it replaced
// (kept as a test dependency for this): with the randomization factor at 0
// both produce the same schedule, growth, cap and stop included.
func TestBackoffMatchesCenkalti(t *testing.T) {
	for _, rc := range []RetryConfig{
		{InitialInterval: 500 * time.Millisecond, Exponent: 1.5, MaxInterval: 30 * time.Second, MaxElapsedTime: 2 * time.Minute},
		{InitialInterval: time.Second, Exponent: 2, MaxInterval: 5 * time.Second, MaxElapsedTime: 20 * time.Second},
		{InitialInterval: 3 * time.Millisecond, Exponent: 3.7, MaxInterval: time.Hour, MaxElapsedTime: 0},
	} {
		ours, theirs := newFakeClock(), newFakeClock()
		b := newBackoff(rc, ours)
		b.jitter = 0
		lib := backoff.NewExponentialBackOff()
		lib.InitialInterval, lib.Multiplier, lib.MaxInterval = rc.InitialInterval, rc.Exponent, rc.MaxInterval
		lib.MaxElapsedTime, lib.RandomizationFactor = rc.MaxElapsedTime, 0
		lib.Clock = backoffClock{theirs}
		lib.Reset()
		for i := 0; i < 40; i++ {
			got, want := b.NextBackOff(), lib.NextBackOff()
			if want == backoff.Stop {
				want = stopBackoff
			}
			if got != want {
				t.Fatalf("%+v: wait %d = %v, cenkalti/backoff says %v", rc, i, got, want)
			}
			if got == stopBackoff {
				break
			}
			ours.now, theirs.now = ours.now.Add(got), theirs.now.Add(got)
		}
	}
}
