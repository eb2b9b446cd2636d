package emulator

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Webhooks: what happens in the emulator is announced as Clerk announces it,
// through Svix-signed POSTs (svix-id, svix-timestamp, svix-signature "v1,"
// HMAC-SHA256 over "id.timestamp.body" with the base64-decoded whsec_
// secret). Events are emitted under the instance lock, so their order is the
// order of the changes; each endpoint has one sender that delivers them in
// that order, retrying a failed delivery on Svix's schedule before moving on.

// SvixRetrySchedule is the wait before each retry of a failed delivery, as
// Svix documents it (immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
// 10 h). WithWebhookRetryScale shrinks it for tests.
var SvixRetrySchedule = []time.Duration{5 * time.Second, 5 * time.Minute, 30 * time.Minute,
	2 * time.Hour, 5 * time.Hour, 10 * time.Hour, 10 * time.Hour}

// webhookTimeout bounds one delivery attempt, as Svix's 15 s.
const webhookTimeout = 15 * time.Second

// Event is one webhook event as emitted.
type Event struct {
	ID        string          // the svix-id: "msg_...", the same on every attempt
	Type      string          // "user.created", ...
	Timestamp time.Time       // when it was emitted (svix-timestamp of the first attempt)
	Body      json.RawMessage // the payload as signed
}

// Delivery is one attempt to deliver an event to an endpoint.
type Delivery struct {
	EventID  string    `json:"event_id"`
	Type     string    `json:"type"`
	URL      string    `json:"url"`
	Attempt  int       `json:"attempt"` // 1 for the first
	Status   int       `json:"status"`  // HTTP status, 0 when no response
	Error    string    `json:"error,omitempty"`
	OK       bool      `json:"ok"`
	Final    bool      `json:"final"`              // no further attempt will be made
	Injected string    `json:"injected,omitempty"` // "duplicate" or "delay" when a fault was injected
	At       time.Time `json:"at"`
}

// WebhookFaults injects what Svix can do to deliveries: a share of events
// delivered twice (same svix-id), and a share delayed.
type WebhookFaults struct {
	DuplicateRate float64       // 0..1
	DelayRate     float64       // 0..1
	Delay         time.Duration // how long a delayed delivery waits (default 2 s)
}

// WithWebhookURL adds an endpoint that receives every event; repeatable.
func WithWebhookURL(u string) Option {
	return func(c *config) { c.webhookURLs = append(c.webhookURLs, u) }
}

// WithWebhookSecret sets the whsec_ signing secret (default: random).
func WithWebhookSecret(s string) Option { return func(c *config) { c.webhookSecret = s } }

// WithWebhookRetryScale scales SvixRetrySchedule (0.001 turns 5 s into
// 5 ms). Default 1.
func WithWebhookRetryScale(f float64) Option { return func(c *config) { c.webhookScale = f } }

// WithWebhookFaults injects duplicate and delayed deliveries.
func WithWebhookFaults(f WebhookFaults) Option { return func(c *config) { c.webhookFaults = f } }

// WithWebhookLog calls log after every delivery attempt (from the sender's
// goroutine).
func WithWebhookLog(log func(Delivery)) Option { return func(c *config) { c.webhookLog = log } }

// WithEventLog keeps the last n events (and deliveries) for Events,
// Deliveries and WaitEvent; -1 keeps all. Default 1000.
func WithEventLog(n int) Option { return func(c *config) { c.eventLog = n } }

type hooks struct {
	secret    string // whsec_...
	key       []byte
	instance  func() string
	endpoints []*endpoint
	scale     float64
	faults    WebhookFaults
	log       func(Delivery)
	keep      int

	mu         sync.Mutex
	ids        idGen // message ids, apart from the instance's so records keep theirs
	rng        *mrand.Rand
	events     []Event
	deliveries []Delivery
	dropped    int           // events no longer kept
	changed    chan struct{} // closed and replaced on every new event or delivery
	closed     bool
	wg         sync.WaitGroup
}

type endpoint struct {
	url    string
	client *http.Client
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{}
	stop   chan struct{}
}

func newWebhookSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "whsec_" + base64.StdEncoding.EncodeToString(b)
}

func decodeWebhookSecret(s string) ([]byte, error) {
	raw := strings.TrimPrefix(s, "whsec_")
	key, err := base64.StdEncoding.DecodeString(raw)
	if err != nil || len(key) < 16 {
		return nil, errors.New("emulator: the webhook secret must be whsec_ followed by base64 of at least 16 bytes")
	}
	return key, nil
}

func newHooks(c *config, instance func() string) (*hooks, error) {
	secret := c.webhookSecret
	if secret == "" {
		secret = newWebhookSecret()
	}
	key, err := decodeWebhookSecret(secret)
	if err != nil {
		return nil, err
	}
	if !(c.webhookScale >= 0) {
		return nil, fmt.Errorf("emulator: webhook retry scale %v must be 0 or more", c.webhookScale)
	}
	f := c.webhookFaults
	if !(f.DuplicateRate >= 0 && f.DuplicateRate <= 1 && f.DelayRate >= 0 && f.DelayRate <= 1) || f.Delay < 0 {
		return nil, errors.New("emulator: webhook fault rates must be between 0 and 1 and the delay not negative")
	}
	if f.Delay == 0 {
		f.Delay = 2 * time.Second
	}
	h := &hooks{secret: secret, key: key, instance: instance, scale: c.webhookScale, faults: f,
		log: c.webhookLog, keep: c.eventLog, changed: make(chan struct{}),
		rng: mrand.New(mrand.NewPCG(uint64(c.seed), 0x77686b)), ids: idGen{Seed: c.seed ^ 0x77686b}}
	for _, u := range c.webhookURLs {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return nil, fmt.Errorf("emulator: webhook URL %q must be an absolute http(s) URL", u)
		}
		// A 3xx is a failed delivery, as in Svix: redirects are not followed.
		client := &http.Client{Timeout: webhookTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		ep := &endpoint{url: u, client: client,
			wake: make(chan struct{}, 1), stop: make(chan struct{})}
		h.endpoints = append(h.endpoints, ep)
		h.wg.Add(1)
		go h.send(ep)
	}
	return h, nil
}

// active reports whether events are wanted at all (an endpoint or a log).
func (h *hooks) active() bool { return h != nil && (len(h.endpoints) > 0 || h.keep != 0) }

// emit records an event and queues it for every endpoint. It runs under the
// emulator's write lock, which orders events as the changes they announce.
func (e *Emulator) emit(typ string, data any) {
	h := e.hooks
	now := e.now()
	payload := map[string]any{
		"data": data, "object": "event", "type": typ, "timestamp": now.UnixMilli(),
		"instance_id": e.st.Instance.ID,
		"event_attributes": map[string]any{"http_request": map[string]any{
			"client_ip": e.reqIP, "user_agent": e.reqUA}},
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return // the outputs are plain structs and maps; cannot happen
	}
	h.mu.Lock()
	ev := Event{ID: h.ids.next("msg"), Type: typ, Timestamp: now, Body: body}
	if h.keep != 0 {
		h.events = append(h.events, ev)
		if h.keep > 0 && len(h.events) > h.keep {
			n := len(h.events) - h.keep
			h.events = append(h.events[:0:0], h.events[n:]...)
			h.dropped += n
		}
	}
	h.notifyLocked()
	h.mu.Unlock()
	for _, ep := range h.endpoints {
		ep.mu.Lock()
		ep.queue = append(ep.queue, ev)
		ep.mu.Unlock()
		select {
		case ep.wake <- struct{}{}:
		default:
		}
	}
}

func (h *hooks) notifyLocked() {
	close(h.changed)
	h.changed = make(chan struct{})
}

// sign returns the Svix headers for body.
func (h *hooks) sign(id string, ts time.Time, body []byte) http.Header {
	t := strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(id + "." + t + "."))
	m.Write(body)
	sig := "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
	hd := http.Header{}
	hd.Set("Content-Type", "application/json")
	hd.Set("User-Agent", "Svix-Webhooks/1.0 (clerkscript emulator)")
	hd.Set("svix-id", id)
	hd.Set("svix-timestamp", t)
	hd.Set("svix-signature", sig)
	return hd
}

// send is an endpoint's sender: events in order, each retried on the
// schedule until delivered or given up.
func (h *hooks) send(ep *endpoint) {
	defer h.wg.Done()
	for {
		ep.mu.Lock()
		var ev Event
		has := len(ep.queue) > 0
		if has {
			ev = ep.queue[0]
			ep.queue = ep.queue[1:]
		}
		ep.mu.Unlock()
		if !has {
			select {
			case <-ep.wake:
				continue
			case <-ep.stop:
				return
			}
		}
		if !h.deliver(ep, ev) {
			return
		}
	}
}

// deliver sends ev to ep until it is accepted or the schedule runs out; it
// returns false when the hooks were closed.
func (h *hooks) deliver(ep *endpoint, ev Event) bool {
	h.mu.Lock()
	dup := h.faults.DuplicateRate > 0 && h.rng.Float64() < h.faults.DuplicateRate
	delay := h.faults.DelayRate > 0 && h.rng.Float64() < h.faults.DelayRate
	h.mu.Unlock()
	if delay && !h.wait(ep, h.faults.Delay) {
		return false
	}
	for attempt := 1; ; attempt++ {
		d := h.attempt(ep, ev, attempt)
		if delay && attempt == 1 {
			d.Injected = "delay"
		}
		if d.OK && dup {
			h.record(d)
			dup = false
			d = h.attempt(ep, ev, attempt)
			d.Injected = "duplicate"
		}
		final := d.OK || attempt > len(SvixRetrySchedule)
		d.Final = final
		h.record(d)
		if final {
			return true
		}
		wait := time.Duration(float64(SvixRetrySchedule[attempt-1]) * h.scale)
		if !h.wait(ep, wait) {
			return false
		}
	}
}

func (h *hooks) wait(ep *endpoint, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-ep.stop:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ep.stop:
		return false
	}
}

func (h *hooks) attempt(ep *endpoint, ev Event, n int) Delivery {
	// Svix signs each attempt with its own timestamp.
	ts := time.Now()
	d := Delivery{EventID: ev.ID, Type: ev.Type, URL: ep.url, Attempt: n, At: ts}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-ep.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(ev.Body))
	if err != nil {
		d.Error = err.Error()
		return d
	}
	req.Header = h.sign(ev.ID, ts, ev.Body)
	resp, err := ep.client.Do(req)
	if err != nil {
		d.Error = err.Error()
		return d
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	d.Status = resp.StatusCode
	d.OK = resp.StatusCode >= 200 && resp.StatusCode < 300
	if !d.OK {
		d.Error = "HTTP " + strconv.Itoa(resp.StatusCode)
	}
	return d
}

func (h *hooks) record(d Delivery) {
	h.mu.Lock()
	if h.keep != 0 {
		h.deliveries = append(h.deliveries, d)
		if h.keep > 0 && len(h.deliveries) > h.keep {
			n := len(h.deliveries) - h.keep
			h.deliveries = append(h.deliveries[:0:0], h.deliveries[n:]...)
		}
	}
	h.notifyLocked()
	h.mu.Unlock()
	if h.log != nil {
		h.log(d)
	}
}

func (h *hooks) close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.mu.Unlock()
	for _, ep := range h.endpoints {
		close(ep.stop)
	}
	h.wg.Wait()
	for _, ep := range h.endpoints {
		ep.client.CloseIdleConnections()
	}
}

// WebhookSecret returns the whsec_ secret deliveries are signed with.
func (e *Emulator) WebhookSecret() string { return e.hooks.secret }

// WebhookURLs returns the endpoints events are delivered to.
func (e *Emulator) WebhookURLs() []string {
	out := make([]string, len(e.hooks.endpoints))
	for i, ep := range e.hooks.endpoints {
		out[i] = ep.url
	}
	return out
}

// Events returns the kept events, oldest first.
func (e *Emulator) Events() []Event {
	h := e.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Event(nil), h.events...)
}

// Deliveries returns the kept delivery attempts, oldest first.
func (e *Emulator) Deliveries() []Delivery {
	h := e.hooks
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Delivery(nil), h.deliveries...)
}

// WaitEvent returns the first kept event of type typ for which match (nil:
// any) is true, waiting for it to be emitted until ctx ends.
func (e *Emulator) WaitEvent(ctx context.Context, typ string, match func(Event) bool) (Event, error) {
	h := e.hooks
	seen := 0
	for {
		h.mu.Lock()
		start := max(seen-h.dropped, 0)
		evs := h.events[start:]
		ch := h.changed
		seen = h.dropped + len(h.events)
		h.mu.Unlock()
		for _, ev := range evs {
			if ev.Type == typ && (match == nil || match(ev)) {
				return ev, nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, fmt.Errorf("emulator: no %s event: %w", typ, ctx.Err())
		}
	}
}

// WaitDelivery returns the first kept delivery attempt for which match is
// true, waiting for it until ctx ends.
func (e *Emulator) WaitDelivery(ctx context.Context, match func(Delivery) bool) (Delivery, error) {
	h := e.hooks
	for {
		h.mu.Lock()
		ds := h.deliveries
		ch := h.changed
		h.mu.Unlock()
		for _, d := range ds {
			if match(d) {
				return d, nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return Delivery{}, fmt.Errorf("emulator: no matching delivery: %w", ctx.Err())
		}
	}
}

// Close stops the webhook senders (pending deliveries are abandoned).
func (e *Emulator) Close() error {
	e.hooks.close()
	return nil
}

// serveInspect answers GET /_emulator/webhooks: the kept events and delivery
// attempts, for `curl` or a dashboard. It needs the secret key like the API.
func (e *Emulator) serveInspect(w http.ResponseWriter, r *http.Request) {
	if aerr := e.authenticate(r); aerr != nil {
		e.writeErr(w, aerr, nil)
		return
	}
	type evJSON struct {
		ID        string          `json:"id"`
		Type      string          `json:"type"`
		Timestamp int64           `json:"timestamp"`
		Payload   json.RawMessage `json:"payload"`
	}
	evs := e.Events()
	out := struct {
		Endpoints  []string   `json:"endpoints"`
		Events     []evJSON   `json:"events"`
		Deliveries []Delivery `json:"deliveries"`
	}{Endpoints: e.WebhookURLs(), Events: make([]evJSON, len(evs)), Deliveries: e.Deliveries()}
	for i, ev := range evs {
		out.Events[i] = evJSON{ev.ID, ev.Type, ev.Timestamp.UnixMilli(), ev.Body}
	}
	if out.Deliveries == nil {
		out.Deliveries = []Delivery{}
	}
	e.writeJSON(w, http.StatusOK, out, nil)
}
