package job

import (
	"context"
	"errors"
	"sync"

	"github.com/clerkscript/clerkscript/core"
)

// Tracker follows the Backend API requests made for one item, so the engine
// knows whether sending the item again could apply something twice. Before
// the item's first non-idempotent request (a POST: BAPI has no idempotency
// keys) leaves, a "send" record is made durable in the journal; from then
// on the item counts as possibly applied unless the request is known to
// have been refused (not sent, a 4xx, a 503).
//
// Requests report to the tracker either through [TrackingTransport] (Go
// callers pass the item's context to their client) or by calling Before
// and After around each call (the JS runtime).
type Tracker struct {
	j   *Job
	key string

	mu       sync.Mutex
	seen     int  // requests seen
	inflight int  // non-idempotent requests in flight
	applied  bool // a non-idempotent request was or may have been applied
	marked   bool // the "send" record is durable
}

// Idempotent reports whether a request with this HTTP method cannot apply
// anything twice when sent again.
func Idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS":
		return true
	}
	return false
}

// Before is called before a request of the item leaves. For a
// non-idempotent method it makes the journal say so first; an error means
// the request must not be sent.
func (t *Tracker) Before(method string) error {
	t.mu.Lock()
	t.seen++
	if Idempotent(method) {
		t.mu.Unlock()
		return nil
	}
	t.inflight++
	mark := !t.marked
	t.marked = true
	t.mu.Unlock()
	if mark && t.j.journal != nil {
		if err := t.j.journal.Sending(t.j.name, t.key, method); err != nil {
			t.mu.Lock()
			t.inflight--
			t.marked = false
			t.mu.Unlock()
			return err
		}
	}
	return nil
}

// After is called with the outcome of a request announced with Before.
func (t *Tracker) After(method string, status int, err error) {
	if Idempotent(method) {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.inflight--
	if !refused(status, err) {
		t.applied = true
	}
}

// refused reports whether a request's outcome proves it was not applied.
func refused(status int, err error) bool {
	if err != nil {
		if core.IsNotSent(err) {
			return true
		}
		var apiErr *core.APIError
		if !errors.As(err, &apiErr) {
			return false
		}
		status = apiErr.StatusCode
	}
	return status == 503 || (status >= 400 && status < 500)
}

// Unsafe reports whether sending the item again could apply a
// non-idempotent request twice.
func (t *Tracker) Unsafe() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.applied || t.inflight > 0
}

// Seen reports whether any request of the item was reported.
func (t *Tracker) Seen() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen > 0
}

// reset forgets what was applied: reconcile confirmed nothing was.
func (t *Tracker) reset() {
	t.mu.Lock()
	t.applied = false
	t.mu.Unlock()
}

type trackerKey struct{}

// WithTracker returns a context whose requests (through a
// TrackingTransport) are reported to t.
func WithTracker(ctx context.Context, t *Tracker) context.Context {
	return context.WithValue(ctx, trackerKey{}, t)
}

// TrackerFrom returns the tracker of ctx, or nil.
func TrackerFrom(ctx context.Context) *Tracker {
	t, _ := ctx.Value(trackerKey{}).(*Tracker)
	return t
}

// TrackingTransport reports every request made with an item's context (see
// Spec.Do) to the item's Tracker. Wrap the client's transport with it and
// set Options.Tracked, and the engine retries and re-sends items whose
// requests were all idempotent.
func TrackingTransport(base core.Transport) core.Transport { return trackingTransport{base} }

type trackingTransport struct{ base core.Transport }

func (tt trackingTransport) RoundTrip(ctx context.Context, req *core.HTTPRequest) (*core.HTTPResponse, error) {
	t := TrackerFrom(ctx)
	if t == nil {
		return tt.base.RoundTrip(ctx, req)
	}
	if err := t.Before(req.Method); err != nil {
		return nil, &core.NotSentError{Err: err}
	}
	resp, err := tt.base.RoundTrip(ctx, req)
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	t.After(req.Method, status, err)
	return resp, err
}
