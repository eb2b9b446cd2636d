package emulator

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/ratelimit"
)

// Emulator is one in-memory Clerk instance. It is an http.Handler serving the
// Backend API under /v1; all methods are safe for concurrent use.
type Emulator struct {
	// mu guards st: handlers of GET operations run with it read-locked (in
	// parallel), the others with it locked.
	mu  sync.RWMutex
	st  *state
	key *rsa.PrivateKey

	secretKey     string
	explicitKey   bool // the secret key came from WithSecretKey; Load keeps it
	now           func() time.Time
	tokenLifetime time.Duration
	router        *router
	limiter       *rateLimiter
	faults        *faultInjector
	hooks         *hooks
	traceN        atomic.Uint64

	reqIP, reqUA string // of the request being handled under the write lock, for events
}

// handlerFunc serves one operation. It runs with the state lock held and
// returns the response value (encoded as JSON) or a Clerk error.
type handlerFunc func(e *Emulator, rq *request) (any, *apiError)

// handlers maps operation names (core's "resource.method") to their
// emulation. Operations missing here are served generically from the spec
// (generic.go).
var handlers = map[string]handlerFunc{}

func register(m map[string]handlerFunc) {
	for k, v := range m {
		handlers[k] = v
	}
}

// Implemented reports whether the emulator has a handler of its own for the
// named operation; every other operation is emulated generically from the
// spec (records kept, responses shaped by the response schema).
func Implemented(name string) bool { _, ok := handlers[name]; return ok }

// RateLimit is an instance-wide request budget: Requests per Window.
type RateLimit struct {
	Requests int
	Window   time.Duration
}

// ParseRateLimit reads "N/D" ("100/10s", "1000/10s", "5/1m") with
// ratelimit.ParseRate, the parser `clerkscript run --rate` uses. "0", "off"
// or "none" disables the limit.
func ParseRateLimit(s string) (RateLimit, error) {
	s = strings.TrimSpace(s)
	if s == "0" || s == "off" || s == "none" {
		return RateLimit{}, nil
	}
	n, win, err := ratelimit.ParseRate(s)
	if err != nil {
		return RateLimit{}, err
	}
	return RateLimit{Requests: n, Window: win}, nil
}

type config struct {
	secretKey     string
	seed          int64
	now           func() time.Time
	key           *rsa.PrivateKey
	rate          RateLimit
	endpointScale float64
	faults        Faults
	tokenLifetime time.Duration

	webhookURLs   []string
	webhookSecret string
	webhookScale  float64
	webhookFaults WebhookFaults
	webhookLog    func(Delivery)
	eventLog      int
}

// Option configures New and Start.
type Option func(*config)

// WithSecretKey sets the secret key requests must carry. Default: a key
// derived from the seed ("sk_test_...").
func WithSecretKey(k string) Option { return func(c *config) { c.secretKey = k } }

// WithSeed seeds ids, tokens and fault selection, so a run can be reproduced.
// Default 1.
func WithSeed(seed int64) Option { return func(c *config) { c.seed = seed } }

// WithClock injects the time source (timestamps, token iat/exp, rate-limit
// windows). Default time.Now.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSigningKey sets the instance's RSA key instead of generating one.
func WithSigningKey(k *rsa.PrivateKey) Option { return func(c *config) { c.key = k } }

// WithRateLimit sets the instance-wide limit. Default 100 requests / 10 s,
// Clerk's figure for development instances.
func WithRateLimit(rl RateLimit) Option { return func(c *config) { c.rate = rl } }

// WithEndpointLimitScale scales Clerk's per-endpoint limits (invitation
// creation per hour, user updates per user per 10 s): 0.01 turns 100/hour into
// 1/hour for a test. 0 disables them. Default 1.
func WithEndpointLimitScale(f float64) Option { return func(c *config) { c.endpointScale = f } }

// WithoutRateLimits disables every rate limit.
func WithoutRateLimits() Option {
	return func(c *config) { c.rate = RateLimit{}; c.endpointScale = 0 }
}

// WithFaults sets the initial fault injection (see SetFaults).
func WithFaults(f Faults) Option { return func(c *config) { c.faults = f } }

// WithTokenLifetime sets the lifetime of session tokens minted by
// sessions.createToken. Default 60 s, as Clerk's.
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// New returns an emulator with an empty instance.
func New(opts ...Option) (*Emulator, error) {
	c := config{
		seed:          1,
		now:           time.Now,
		rate:          RateLimit{Requests: 100, Window: 10 * time.Second},
		endpointScale: 1,
		tokenLifetime: 60 * time.Second,
		webhookScale:  1,
	}
	for _, o := range opts {
		o(&c)
	}
	if err := c.faults.validate(); err != nil {
		return nil, err
	}
	if !(c.endpointScale >= 0) || math.IsInf(c.endpointScale, 1) {
		return nil, fmt.Errorf("emulator: endpoint limit scale %v must be a finite number, 0 or more", c.endpointScale)
	}
	key := c.key
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return nil, fmt.Errorf("emulator: generating the signing key: %w", err)
		}
	}
	st := newState(c.seed)
	sk := c.secretKey
	if sk == "" {
		sk = "sk_test_" + st.IDs.token(40)
	}
	e := &Emulator{
		st:            st,
		key:           key,
		secretKey:     sk,
		explicitKey:   c.secretKey != "",
		now:           c.now,
		tokenLifetime: c.tokenLifetime,
		router:        newRouter(core.Operations()),
		limiter:       newRateLimiter(c.rate, c.endpointScale),
		faults:        newFaultInjector(c.seed, c.faults),
	}
	st.emu = e
	h, err := newHooks(&c, func() string { return e.st.Instance.ID })
	if err != nil {
		return nil, err
	}
	e.hooks = h
	return e, nil
}

// SecretKey returns the key requests must carry as "Authorization: Bearer".
func (e *Emulator) SecretKey() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.secretKey // Load may replace it
}

// FrontendAPI returns the instance's frontend API host
// ("<slug>.clerk.accounts.dev"), the iss of its session tokens without the
// scheme.
func (e *Emulator) FrontendAPI() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.frontendAPI()
}

func (e *Emulator) frontendAPI() string { return e.st.Instance.Slug + ".clerk.accounts.dev" }

// Issuer returns the iss claim of the instance's session tokens.
func (e *Emulator) Issuer() string { return "https://" + e.FrontendAPI() }

func (e *Emulator) nowMs() int64 { return e.now().UnixMilli() }

func (e *Emulator) traceID() string {
	return fmt.Sprintf("emu%013x", e.traceN.Add(1))
}

// ServeHTTP serves the Backend API under /v1.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_emulator/webhooks" && r.Method == http.MethodGet {
		e.serveInspect(w, r)
		return
	}
	if rest, ok := strings.CutPrefix(r.URL.Path, "/_emulator/"); ok {
		if kind, rest, ok := strings.Cut(rest, "/"); ok && (kind == "organization_invitations" || kind == "invitations") {
			e.serveEmulatorAccept(w, r, kind, rest) // accept.go
			return
		}
	}
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/v1")
	if !ok || (rest != "" && rest[0] != '/') {
		e.writeErr(w, errNotFound(fmt.Sprintf("%s %s (the Backend API is served under /v1)", r.Method, r.URL.Path)), nil)
		return
	}
	op, params, ok := e.router.match(r.Method, rest)
	if !ok {
		e.writeErr(w, errNotFound(fmt.Sprintf("no operation serves %s %s", r.Method, r.URL.Path)), nil)
		return
	}
	machine := "" // a machine authenticated by its secret key (m2m.go)
	if aerr := e.authenticate(r); aerr != nil {
		if machine = e.machineForKey(op, r); machine == "" {
			e.writeErr(w, aerr, nil)
			return
		}
	}
	now := e.now()
	if op.Name != "jwks.getJWKS" { // Clerk does not limit GET /jwks
		if wait, aerr := e.limiter.allow(op, params, now); aerr != nil {
			e.writeErr(w, aerr, http.Header{"Retry-After": {strconv.Itoa(retryAfterSeconds(wait))}})
			return
		}
	}
	h := handlers[op.Name]
	if h == nil {
		h = genericHandler // served from the spec (generic.go)
	}
	rq, aerr := parseRequest(r, op, params)
	if aerr != nil {
		e.writeErr(w, aerr, nil)
		return
	}
	rq.machine = machine
	fault := e.faults.pick(op.Name)
	if d := e.faults.delay(fault); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch fault {
	case Fault500, Fault502, Fault503, Fault504:
		e.writeFault(w, fault)
		return
	case FaultReset:
		// Aborting the handler closes the connection without a response.
		panic(http.ErrAbortHandler)
	}

	if op.HTTPMethod == http.MethodGet {
		e.mu.RLock()
		rq.now = e.now()
		out, herr := h(e, rq)
		e.mu.RUnlock()
		e.finish(w, op, fault, out, herr)
		return
	}
	e.mu.Lock()
	rq.now = e.now()
	e.reqIP, e.reqUA = clientIP(r), r.UserAgent()
	out, herr := h(e, rq)
	e.mu.Unlock()
	e.finish(w, op, fault, out, herr)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (e *Emulator) finish(w http.ResponseWriter, op *core.Operation, fault FaultKind, out any, herr *apiError) {

	switch fault {
	case FaultApplied:
		e.writeFault(w, Fault500)
		return
	case FaultAppliedReset:
		panic(http.ErrAbortHandler)
	}
	if herr != nil {
		e.writeErr(w, herr, nil)
		return
	}
	e.writeOK(w, op, out)
}

func retryAfterSeconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 1)
}

// authenticate checks "Authorization: Bearer <secret key>" with Clerk's codes.
func (e *Emulator) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return newErr(http.StatusUnauthorized, "authorization_header_format_invalid",
			"Invalid Authorization header format",
			`Invalid Authorization header format. Must be "Bearer <YOUR_API_KEY>"`, nil)
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(e.SecretKey())) != 1 {
		// Never echo the key that was sent.
		return newErr(http.StatusUnauthorized, "clerk_key_invalid", "Secret Key is invalid",
			"The provided Secret Key is invalid. Make sure that your Secret Key is correct.", nil)
	}
	return nil
}

const maxBody = 10 << 20

func parseRequest(r *http.Request, op *core.Operation, params map[string]string) (*request, *apiError) {
	rq := &request{op: op, path: params, query: r.URL.Query(), body: newForm(nil)}
	if r.Body == nil {
		return rq, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		// maxMemory alone only decides what spills to temporary files; the
		// reader bounds the whole body, as for JSON.
		r.Body = http.MaxBytesReader(nil, r.Body, maxBody)
		if err := r.ParseMultipartForm(maxBody); err != nil {
			if _, tooBig := errors.AsType[*http.MaxBytesError](err); tooBig {
				return nil, errTooLarge()
			}
			return nil, errBadRequest("request_body_invalid", "The multipart request body could not be read: "+err.Error())
		}
		m := map[string]any{}
		for k, v := range r.MultipartForm.Value {
			if len(v) > 0 {
				m[k] = v[0]
			}
		}
		rq.files = map[string]upload{}
		for k, fhs := range r.MultipartForm.File {
			if len(fhs) > 0 {
				rq.files[k] = upload{Filename: fhs[0].Filename, ContentType: fhs[0].Header.Get("Content-Type"), Size: int(fhs[0].Size)}
			}
		}
		rq.body = newForm(m)
		return rq, nil
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, errBadRequest("request_body_invalid", "The request body could not be read.")
	}
	if len(raw) > maxBody {
		return nil, errTooLarge()
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return rq, nil
	}
	if ct == "application/x-www-form-urlencoded" {
		// The body was read above, so r.ParseForm would see nothing.
		m, aerr := decodeFormBody(raw)
		if aerr != nil {
			return nil, aerr
		}
		rq.body = newForm(m)
		return rq, nil
	}
	body, items, isArray, aerr := decodeBody(raw)
	if aerr != nil {
		return nil, aerr
	}
	if isArray {
		if op.Body == nil || !op.Body.Array {
			return nil, errBadRequest("request_body_invalid", fmt.Sprintf("The request body of %s must be a JSON object, not an array.", op.Name))
		}
		rq.array = true
		rq.items = items
		return rq, nil
	}
	rq.body = body
	return rq, nil
}

func errTooLarge() *apiError {
	return newErr(http.StatusRequestEntityTooLarge, "request_body_too_large", "request body too large",
		fmt.Sprintf("The request body exceeds %d MiB.", maxBody>>20), nil)
}

// decodeFormBody reads an application/x-www-form-urlencoded body. A repeated
// key, or one written "key[]", becomes an array; otherwise values are
// strings, which the form readers convert ("true", "3").
func decodeFormBody(raw []byte) (map[string]any, *apiError) {
	vals, err := url.ParseQuery(string(raw))
	if err != nil {
		return nil, errBadRequest("request_body_invalid", "The form-encoded request body could not be read: "+err.Error())
	}
	m := map[string]any{}
	for k, vs := range vals {
		name, isList := strings.CutSuffix(k, "[]")
		if !isList && len(vs) == 1 {
			m[name] = vs[0]
			continue
		}
		list, _ := m[name].([]any)
		for _, v := range vs {
			list = append(list, v)
		}
		m[name] = list
	}
	return m, nil
}

// decodeBody reads a JSON object, or a JSON array of objects (bulk
// endpoints). Numbers stay json.Number so metadata round-trips exactly.
func decodeBody(raw []byte) (*form, []*form, bool, *apiError) {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, nil, false, errBadRequest("request_body_invalid", "The request body is not valid JSON: "+err.Error())
	}
	if d.More() {
		return nil, nil, false, errBadRequest("request_body_invalid", "The request body holds more than one JSON value.")
	}
	switch x := v.(type) {
	case map[string]any:
		return newForm(x), nil, false, nil
	case []any:
		items := make([]*form, len(x))
		for i, it := range x {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, nil, false, errBadRequest("request_body_invalid", fmt.Sprintf("Item %d of the request body is not a JSON object.", i))
			}
			items[i] = newForm(m)
			items[i].prefix = fmt.Sprintf("[%d].", i)
		}
		return nil, items, true, nil
	case nil:
		return newForm(nil), nil, false, nil
	}
	return nil, nil, false, errBadRequest("request_body_invalid", "The request body must be a JSON object.")
}

func (e *Emulator) writeJSON(w http.ResponseWriter, status int, v any, extra http.Header) {
	for k, vs := range extra {
		for _, s := range vs {
			w.Header().Add(k, s)
		}
	}
	// Encoded into a pooled buffer: a response is garbage the moment it is
	// written, and at thousands of requests a second it is most of what the
	// collector would otherwise chase.
	buf := respBufs.Get().(*bytes.Buffer)
	buf.Reset()
	defer func() {
		if buf.Cap() <= 64<<10 {
			respBufs.Put(buf)
		}
	}()
	var b []byte
	if err := json.NewEncoder(buf).Encode(v); err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"code":"internal_clerk_error","message":"internal error","long_message":"the emulator could not encode its response"}]}`)
	} else {
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n")) // Encode ends the value with a newline; Marshal did not
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

var respBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (e *Emulator) writeErr(w http.ResponseWriter, ae *apiError, extra http.Header) {
	tid := e.traceID()
	if extra == nil {
		extra = http.Header{}
	}
	extra.Set("Clerk-Trace-Id", tid)
	e.writeJSON(w, ae.Status, map[string]any{"errors": ae.Items, "clerk_trace_id": tid}, extra)
}

func (e *Emulator) writeOK(w http.ResponseWriter, op *core.Operation, v any) {
	status := op.Response.Status
	if status == 0 {
		status = http.StatusOK
	}
	if v == nil || status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	e.writeJSON(w, status, v, nil)
}

func (e *Emulator) writeFault(w http.ResponseWriter, f FaultKind) {
	switch f {
	case Fault502:
		// A proxy's answer, not Clerk's: a plain body, as a load balancer sends.
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, "<html><body><h1>502 Bad Gateway</h1></body></html>\n")
	case Fault503:
		// maintenance_mode is the code Clerk documents for its 503s.
		e.writeErr(w, newErr(http.StatusServiceUnavailable, "maintenance_mode", "maintenance mode",
			"The service is temporarily unavailable for maintenance (injected fault).", nil), http.Header{"Retry-After": {"1"}})
	case Fault504:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusGatewayTimeout)
		_, _ = io.WriteString(w, "<html><body><h1>504 Gateway Time-out</h1></body></html>\n")
	default:
		e.writeErr(w, newErr(http.StatusInternalServerError, "internal_clerk_error", "Oops, an unexpected error occurred",
			"There was an internal error on our servers. We've been notified and are working on fixing it (injected fault).", nil), nil)
	}
}
