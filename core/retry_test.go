package core

import (
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
