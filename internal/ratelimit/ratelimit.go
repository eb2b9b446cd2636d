package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// Limiter paces requests so that at most Limit of them fall in any
// window of length Window, the way Clerk counts them per instance. It is a
// sliding log rather than a token bucket: a bucket that starts full lets
// 2×Limit requests into one window (a full burst, then the refill), which a
// server counting a sliding window answers with a storm of 429s.
//
// A request holds its slot from the moment it is sent until Window after its
// response arrived: the server saw the request somewhere in between, so
// stamping the completion time is the conservative choice and needs no clock
// agreement with the server. When a 429 arrives anyway (another process uses
// the same key, or a per-endpoint limit), every request waits for its
// Retry-After, not only the one that got it.
type Limiter struct {
	limit  int
	window time.Duration
	now    func() time.Time

	mu          sync.Mutex
	inflight    int
	stamps      []time.Time // completion times, oldest first
	pausedUntil time.Time
	changed     chan struct{}
	throttled   int // 429 responses seen
}

// New allows limit requests per window. now may be nil (real
// time).
func New(limit int, window time.Duration, now func() time.Time) *Limiter {
	if limit < 1 {
		limit = 1
	}
	if window <= 0 {
		window = time.Second
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{limit: limit, window: window, now: now, changed: make(chan struct{})}
}

// Default returns Clerk's per-instance limit for a secret key:
// production keys (sk_live_) 1000 requests per 10 s, others 100 per 10 s.
func Default(secretKey string) (int, time.Duration) {
	if strings.HasPrefix(secretKey, "sk_live_") {
		return 1000, 10 * time.Second
	}
	return 100, 10 * time.Second
}

// ParseRate reads "N/duration" ("100/10s", "1000/10s", "100/1h") or "N/s".
func ParseRate(s string) (int, time.Duration, error) {
	n, d, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, 0, fmt.Errorf("rate %q: want N/duration, e.g. 100/10s", s)
	}
	limit, err := strconv.Atoi(strings.TrimSpace(n))
	if err != nil || limit < 1 {
		return 0, 0, fmt.Errorf("rate %q: %q is not a positive integer", s, n)
	}
	d = strings.TrimSpace(d)
	if d != "" && (d[0] < '0' || d[0] > '9') {
		d = "1" + d
	}
	win, err := time.ParseDuration(d)
	if err != nil || win <= 0 {
		return 0, 0, fmt.Errorf("rate %q: %q is not a positive duration", s, d)
	}
	return limit, win, nil
}

// Limit returns the configured limit and window.
func (l *Limiter) Limit() (int, time.Duration) { return l.limit, l.window }

// Throttled returns how many 429 responses the limiter has seen.
func (l *Limiter) Throttled() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.throttled
}

// reserve decides at time now: either it takes a slot (wait 0, ok) or says
// how long to wait before asking again (0 with ok=false means "until a
// request completes").
func (l *Limiter) reserve(now time.Time) (ok bool, wait time.Duration) {
	if now.Before(l.pausedUntil) {
		return false, l.pausedUntil.Sub(now)
	}
	cut := now.Add(-l.window)
	i := 0
	for i < len(l.stamps) && !l.stamps[i].After(cut) {
		i++
	}
	if i > 0 {
		l.stamps = append(l.stamps[:0], l.stamps[i:]...)
	}
	if l.inflight+len(l.stamps) < l.limit {
		l.inflight++
		return true, 0
	}
	if len(l.stamps) == 0 {
		return false, 0
	}
	return false, l.stamps[0].Add(l.window).Sub(now)
}

// Acquire waits for a slot. The caller must call Done exactly once after
// the request finished.
func (l *Limiter) Acquire(ctx context.Context) error {
	for {
		l.mu.Lock()
		ok, wait := l.reserve(l.now())
		changed := l.changed
		l.mu.Unlock()
		if ok {
			return nil
		}
		var t *time.Timer
		var timer <-chan time.Time
		if wait > 0 {
			t = time.NewTimer(wait)
			timer = t.C
		}
		select {
		case <-ctx.Done():
		case <-changed:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// Done releases the slot taken by Acquire. A 429 (status) pauses every
// request for retryAfter (1 s when the server gave none).
func (l *Limiter) Done(status int, retryAfter time.Duration) {
	l.mu.Lock()
	now := l.now()
	l.inflight--
	l.stamps = append(l.stamps, now)
	if status == 429 {
		l.throttled++
		if retryAfter <= 0 {
			retryAfter = time.Second
		}
		if until := now.Add(retryAfter); until.After(l.pausedUntil) {
			l.pausedUntil = until
		}
	}
	close(l.changed)
	l.changed = make(chan struct{})
	l.mu.Unlock()
}

// Transport sends requests through a Limiter and caps how many are
// in flight at once, whatever the script does (a Promise.all of ten thousand
// calls queues here, off the JS thread). Retries made by core.Client go
// through it again, so they are paced too.
type Transport struct {
	base    core.Transport
	limiter *Limiter
	slots   chan struct{}
}

// NewTransport wraps base. limiter may be nil (no pacing); maxInFlight
// < 1 means no cap.
func NewTransport(base core.Transport, limiter *Limiter, maxInFlight int) *Transport {
	t := &Transport{base: base, limiter: limiter}
	if maxInFlight > 0 {
		t.slots = make(chan struct{}, maxInFlight)
	}
	return t
}

// RoundTrip implements core.Transport. Waiting for a slot is not sending:
// a context cancelled while waiting reports a *core.NotSentError.
func (t *Transport) RoundTrip(ctx context.Context, req *core.HTTPRequest) (*core.HTTPResponse, error) {
	if t.slots != nil {
		select {
		case t.slots <- struct{}{}:
			defer func() { <-t.slots }()
		case <-ctx.Done():
			return nil, &core.NotSentError{Err: ctx.Err()}
		}
	}
	if t.limiter != nil {
		if err := t.limiter.Acquire(ctx); err != nil {
			return nil, &core.NotSentError{Err: err}
		}
	}
	resp, err := t.base.RoundTrip(ctx, req)
	if t.limiter != nil {
		status := 0
		var ra time.Duration
		if err == nil && resp != nil {
			status = resp.StatusCode
			if status == 429 {
				ra = parseRetryAfterSeconds(resp.Header.Get("Retry-After"))
			}
		}
		t.limiter.Done(status, ra)
	}
	return resp, err
}

func parseRetryAfterSeconds(v string) time.Duration {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f <= 0 {
		return 0
	}
	if f > 86400 {
		f = 86400
	}
	return time.Duration(f * float64(time.Second))
}
