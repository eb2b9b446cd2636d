package emulator

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// rateLimiter enforces an instance-wide fixed window and Clerk's per-endpoint
// limits. Fixed windows are what a client sees from Clerk: a burst is
// accepted until the budget is spent, then everything waits for the window
// to end (Retry-After counts down to it).
type rateLimiter struct {
	mu      sync.Mutex
	inst    RateLimit
	scale   float64
	windows map[string]*rateWindow
	sweepAt int // sweep ended windows when the map reaches this size
}

type rateWindow struct {
	start, end time.Time
	n          int
}

// endpointLimit is one of Clerk's per-endpoint limits (system-limits docs),
// keyed by "METHOD path-template". perUser counts per user_id path parameter.
type endpointLimit struct {
	requests int
	window   time.Duration
	perUser  bool
}

var endpointLimits = map[string]endpointLimit{
	"POST /invitations":                                      {100, time.Hour, false},
	"POST /invitations/bulk":                                 {25, time.Hour, false},
	"POST /organizations/{organization_id}/invitations":      {250, time.Hour, false},
	"POST /organizations/{organization_id}/invitations/bulk": {50, time.Hour, false},
	"PATCH /users/{user_id}":                                 {10, 10 * time.Second, true},
	"PATCH /users/{user_id}/metadata":                        {10, 10 * time.Second, true},
	"PUT /users/{user_id}/metadata":                          {10, 10 * time.Second, true},
}

func newRateLimiter(inst RateLimit, scale float64) *rateLimiter {
	return &rateLimiter{inst: inst, scale: scale, windows: map[string]*rateWindow{}, sweepAt: 1024}
}

// take counts one request in the window key; when the budget is spent it
// returns how long until the window ends.
func (l *rateLimiter) take(key string, limit int, win time.Duration, now time.Time) (time.Duration, bool) {
	w := l.windows[key]
	if w == nil || !now.Before(w.end) {
		if w == nil && len(l.windows) >= l.sweepAt {
			l.sweep(now)
		}
		w = &rateWindow{start: now, end: now.Add(win)}
		l.windows[key] = w
	}
	if w.n >= limit {
		return w.end.Sub(now), false
	}
	w.n++
	return 0, true
}

// sweep drops ended windows. Per-user windows are keyed by the user_id in
// the path, which the caller chooses (even ids of no user), so without it the
// map would grow with every id ever seen. Sweeping when the map has doubled
// keeps the cost amortized O(1) per request.
func (l *rateLimiter) sweep(now time.Time) {
	for k, w := range l.windows {
		if !now.Before(w.end) {
			delete(l.windows, k)
		}
	}
	l.sweepAt = max(1024, 2*len(l.windows))
}

func (l *rateLimiter) allow(op *core.Operation, params map[string]string, now time.Time) (time.Duration, *apiError) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inst.Requests > 0 {
		if wait, ok := l.take("instance", l.inst.Requests, l.inst.Window, now); !ok {
			return wait, errTooMany(fmt.Sprintf("The instance-wide limit of %d requests per %s was exceeded.", l.inst.Requests, l.inst.Window))
		}
	}
	el, ok := endpointLimits[op.HTTPMethod+" "+op.Path]
	if !ok || l.scale <= 0 {
		return 0, nil
	}
	limit := max(1, int(math.Round(float64(el.requests)*l.scale)))
	key := op.HTTPMethod + " " + op.Path
	if el.perUser {
		key += " " + params["user_id"]
	}
	if wait, ok := l.take(key, limit, el.window, now); !ok {
		return wait, errTooMany(fmt.Sprintf("The limit of %d requests per %s for %s %s was exceeded.", limit, el.window, op.HTTPMethod, op.Path))
	}
	return 0, nil
}

func errTooMany(long string) *apiError {
	return newErr(http.StatusTooManyRequests, "too_many_requests", "Too many requests", long, nil)
}
