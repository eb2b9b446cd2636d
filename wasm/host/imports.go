package clerkwasm

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// instantiateImports defines the "clerk" host module: http_request,
// http_response and check_rsa (see wasm/ABI.md). They are GoModuleFunctions
// (stack-based, no reflection) because check_rsa sits on the hot path.
func (h *Host) instantiateImports(ctx context.Context, rt wazero.Runtime) error {
	i32, i64 := api.ValueTypeI32, api.ValueTypeI64
	_, err := rt.NewHostModuleBuilder(abi.ImportModule).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(h.api.httpRequest), []api.ValueType{i32, i32}, []api.ValueType{i64}).
		WithParameterNames("req_ptr", "req_len").
		Export(abi.ImportHTTPRequest).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(h.api.httpResponse), []api.ValueType{i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("handle", "buf_ptr", "buf_len").
		Export(abi.ImportHTTPResponse).
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(h.checkRSA),
			[]api.ValueType{i32, i32, i32, i32, i32, i32, i32, i32}, []api.ValueType{i32}).
		WithParameterNames("hash", "n_ptr", "n_len", "e", "digest_ptr", "digest_len", "sig_ptr", "sig_len").
		Export(abi.ImportCheckRSA).
		Instantiate(ctx)
	return err
}

// checkRSA verifies a PKCS #1 v1.5 signature natively (about 13 times
// faster than crypto/rsa inside wasm). Parsed keys are cached by modulus.
func (h *Host) checkRSA(_ context.Context, m api.Module, stack []uint64) {
	ans := abi.RSADeclined
	defer func() { stack[0] = uint64(ans) }()
	if h.opts.DisableSignatureCheck {
		return
	}
	var hash crypto.Hash
	id := uint32(stack[0])
	if id&h.declineRSAFlags != 0 {
		return
	}
	message := id&abi.HashFlagMessage != 0
	encodedSig := id&abi.HashFlagBase64Sig != 0
	switch id &^ (abi.HashFlagMessage | abi.HashFlagBase64Sig) {
	case abi.HashSHA256:
		hash = crypto.SHA256
	case abi.HashSHA384:
		hash = crypto.SHA384
	case abi.HashSHA512:
		hash = crypto.SHA512
	default:
		return
	}
	mem := m.Memory()
	n, ok1 := mem.Read(uint32(stack[1]), uint32(stack[2]))
	digest, ok2 := mem.Read(uint32(stack[4]), uint32(stack[5]))
	sig, ok3 := mem.Read(uint32(stack[6]), uint32(stack[7]))
	e := uint32(stack[3])
	// Keys outside 2048..8192 bits, or odd exponents, are the guest's
	// problem: declining keeps the host's work bounded.
	if !ok1 || !ok2 || !ok3 || len(n) < 256 || len(n) > 1024 || e < 3 || e&1 == 0 {
		return
	}
	var sigBuf [1024]byte
	if encodedSig {
		// Unpadded base64url, decoded leniently (trailing bits ignored)
		// exactly as the guest's own decoder would. A signature longer
		// than the modulus cannot verify.
		if base64.RawURLEncoding.DecodedLen(len(sig)) > len(n) {
			ans = abi.RSAInvalid
			return
		}
		h.encodedSigChecks.Add(1)
		k, err := base64.RawURLEncoding.Decode(sigBuf[:], sig)
		if err != nil {
			ans = abi.RSAInvalid
			return
		}
		sig = sigBuf[:k]
	}
	var sum [sha512.Size]byte
	if message {
		// The guest passed the signed message: hash it here, natively.
		if len(digest) > abi.MaxSignedMessage {
			return
		}
		switch hash {
		case crypto.SHA256:
			d := sha256.Sum256(digest)
			digest = sum[:copy(sum[:], d[:])]
		case crypto.SHA384:
			d := sha512.Sum384(digest)
			digest = sum[:copy(sum[:], d[:])]
		default:
			d := sha512.Sum512(digest)
			digest = sum[:copy(sum[:], d[:])]
		}
	} else if len(digest) != hash.Size() {
		return
	}
	pub := h.rsaKey(n, int(e))
	if rsa.VerifyPKCS1v15(pub, hash, digest, sig) == nil {
		ans = abi.RSAValid
	} else {
		ans = abi.RSAInvalid
	}
}

type rsaKeyID struct {
	n string
	e int
}

var (
	rsaKeysMu sync.RWMutex
	rsaKeys   = map[rsaKeyID]*rsa.PublicKey{}
)

func (h *Host) rsaKey(n []byte, e int) *rsa.PublicKey {
	rsaKeysMu.RLock()
	pub := rsaKeys[rsaKeyID{string(n), e}] // no allocation for the lookup
	rsaKeysMu.RUnlock()
	if pub != nil {
		return pub
	}
	pub = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: e}
	rsaKeysMu.Lock()
	if len(rsaKeys) >= 256 {
		clear(rsaKeys)
	}
	rsaKeys[rsaKeyID{string(n), e}] = pub
	rsaKeysMu.Unlock()
	return pub
}

// apiProxy is the host side of http_request: it turns the guest's
// description of a Backend API request into a real request with the secret
// key, against the pinned base URL only, without redirects, under the
// host-wide rate limiter and retry policy.
type apiProxy struct {
	client *core.Client // nil without a secret key
	base   *url.URL
	handle atomic.Uint32
	// pending holds the response each instance has yet to collect: one
	// at most, because an instance runs one call at a time and collects
	// before asking again; a guest that does not cannot pile them up.
	pending sync.Map // api.Module -> *pendingResponse
	// maxResponse bounds a response as handed to the guest (JSON, body in
	// base64): the guest holds it, the decoded body and its result at
	// once, and a Go guest at its memory cap dies.
	maxResponse int
}

type pendingResponse struct {
	handle uint32
	out    []byte
}

func newAPIProxy(o Options) (*apiProxy, error) {
	base, err := url.Parse(strings.TrimRight(o.APIURL, "/"))
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" || base.User != nil ||
		base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("clerkwasm: APIURL %q must be an absolute http(s) URL without credentials, query or fragment", o.APIURL)
	}
	p := &apiProxy{base: base, maxResponse: int(o.MemoryLimitMiB) << 20 / 8}
	if o.SecretKey == "" {
		return p, nil
	}
	// NewHTTPTransport copies the client and refuses redirects.
	t := &pinnedTransport{inner: core.NewHTTPTransport(o.HTTPClient), base: base}
	if o.RateLimit > 0 {
		t.limiter = newRateLimiter(o.RateLimit, o.RateBurst, time.Now)
	}
	cfg := core.NewClientConfig().WithSecretKey(o.SecretKey).WithAPIURL(base.String()).
		WithAPIVersion(core.DefaultAPIVersion).WithTransport(t)
	if o.Retry != nil {
		cfg = cfg.WithRetry(*o.Retry)
	}
	p.client = core.NewClient(cfg)
	return p, nil
}

// forget drops the response an instance never collected.
func (p *apiProxy) forget(m api.Module) { p.pending.Delete(m) }

func (p *apiProxy) httpRequest(ctx context.Context, m api.Module, stack []uint64) {
	ptr, n := uint32(stack[0]), uint32(stack[1])
	stack[0] = 0
	if n == 0 || n > abi.MaxInput {
		return
	}
	view, ok := m.Memory().Read(ptr, n)
	if !ok {
		return
	}
	resp := p.do(ctx, append([]byte(nil), view...))
	out, err := json.Marshal(resp)
	if err != nil {
		out, _ = json.Marshal(abi.HTTPResponse{Error: &abi.HTTPError{Message: "encoding the response: " + err.Error()}})
	}
	if p.maxResponse > 0 && len(out) > p.maxResponse {
		out, _ = json.Marshal(abi.HTTPResponse{Error: &abi.HTTPError{Message: fmt.Sprintf(
			"refused by the host: the API answered %d with a %d-byte body, which exceeds the plugin's limit of %d bytes as JSON (Options.MemoryLimitMiB/8)",
			resp.Status, len(resp.Body), p.maxResponse)}})
	}
	h := p.handle.Add(1)
	if h == 0 {
		h = p.handle.Add(1)
	}
	p.pending.Store(m, &pendingResponse{h, out})
	stack[0] = abi.Pack(h, uint32(len(out)))
}

func (p *apiProxy) httpResponse(_ context.Context, m api.Module, stack []uint64) {
	h, ptr, n := uint32(stack[0]), uint32(stack[1]), uint32(stack[2])
	stack[0] = 0
	v, ok := p.pending.Load(m)
	if !ok || v.(*pendingResponse).handle != h || !p.pending.CompareAndDelete(m, v) {
		return
	}
	out := v.(*pendingResponse).out
	if uint32(len(out)) != n || !m.Memory().Write(ptr, out) {
		return
	}
	stack[0] = 1
}

func refused(format string, args ...any) *abi.HTTPResponse {
	return &abi.HTTPResponse{Error: &abi.HTTPError{Message: "refused by the host: " + fmt.Sprintf(format, args...), NotSent: true}}
}

// do validates and sends one request.
func (p *apiProxy) do(ctx context.Context, raw []byte) *abi.HTTPResponse {
	var req abi.HTTPRequest
	if err := json.Unmarshal(raw, &req); err != nil {
		return refused("malformed request: %v", err)
	}
	switch req.Method {
	case "GET", "POST", "PUT", "PATCH", "DELETE":
	default:
		return refused("method %q not allowed", req.Method)
	}
	if err := checkPath(req.Path); err != nil {
		return refused("%v", err)
	}
	query, err := url.ParseQuery(req.Query)
	if err != nil {
		return refused("malformed query: %v", err)
	}
	if err := checkContentType(req.ContentType); err != nil {
		return refused("%v", err)
	}
	if p.client == nil {
		return refused("no secret key configured (Options.SecretKey)")
	}
	var body []byte
	if len(req.Body) > 0 {
		body = req.Body
	}
	ctx = context.WithValue(ctx, contentTypeKey{}, req.ContentType)
	resp, err := p.client.Raw(ctx, req.Method, req.Path, query, body)
	if err != nil {
		var ae *core.APIError
		if errors.As(err, &ae) && ae.StatusCode >= 300 && ae.StatusCode < 400 {
			// A Backend API call never redirects; the transport does not
			// follow one (it would send the secret key elsewhere), and
			// passing it on as a response would hide it.
			return &abi.HTTPResponse{Error: &abi.HTTPError{Message: fmt.Sprintf(
				"refused by the host: the API answered %d with a redirect to %q, which is not followed",
				ae.StatusCode, ae.Header.Get("Location"))}}
		}
		if ae != nil {
			return &abi.HTTPResponse{Status: ae.StatusCode, Headers: ae.Header, Body: ae.Body}
		}
		return &abi.HTTPResponse{Error: &abi.HTTPError{Message: err.Error(), NotSent: core.IsNotSent(err)}}
	}
	return &abi.HTTPResponse{Status: resp.StatusCode, Headers: resp.Header, Body: resp.Body}
}

// checkPath accepts an escaped path below the version prefix and nothing
// that could change the host or climb out of it.
func checkPath(path string) error {
	switch {
	case !strings.HasPrefix(path, "/"), strings.HasPrefix(path, "//"):
		return fmt.Errorf("path %q must start with a single /", path)
	case len(path) > 2048:
		return errors.New("path longer than 2048 bytes")
	case strings.ContainsAny(path, "\\?#@ \t\r\n"):
		return fmt.Errorf("path %q contains a forbidden character", path)
	}
	for _, c := range []byte(path) {
		if c < 0x20 || c >= 0x7f {
			return fmt.Errorf("path %q contains a control or non-ASCII byte", path)
		}
	}
	un, err := url.PathUnescape(path)
	if err != nil {
		return fmt.Errorf("path %q: %v", path, err)
	}
	// A backslash counts as a separator: some servers and proxies
	// normalise it (decoded from %5C) to a slash.
	for _, seg := range strings.FieldsFunc(un, func(r rune) bool { return r == '/' || r == '\\' }) {
		if seg == ".." || seg == "." {
			return fmt.Errorf("path %q contains a dot segment", path)
		}
	}
	if strings.Contains(un, "://") {
		return fmt.Errorf("path %q looks like a URL", path)
	}
	return nil
}

func checkContentType(ct string) error {
	switch {
	case ct == "", ct == "application/json", strings.HasPrefix(ct, "multipart/form-data; boundary="):
	default:
		return fmt.Errorf("content type %q not allowed", ct)
	}
	for _, c := range []byte(ct) {
		// net/http would refuse these only while sending, too late to
		// tell the guest that nothing was sent.
		if c < 0x20 || c >= 0x7f {
			return fmt.Errorf("content type %q contains a control or non-ASCII byte", ct)
		}
	}
	return nil
}

type contentTypeKey struct{}

// pinnedTransport is the last line of the allow-list: whatever URL the
// client built, only the configured scheme and host get a request. It also
// applies the rate limiter per attempt and the guest's content type (core's
// Raw assumes JSON; multipart uploads need their boundary).
type pinnedTransport struct {
	inner   core.Transport
	base    *url.URL
	limiter *rateLimiter
}

func (t *pinnedTransport) RoundTrip(ctx context.Context, req *core.HTTPRequest) (*core.HTTPResponse, error) {
	u, err := url.Parse(req.URL)
	if err != nil || u.Scheme != t.base.Scheme || u.Host != t.base.Host || u.User != nil {
		return nil, &core.NotSentError{Err: errors.New("refused by the host: request outside the API base URL")}
	}
	if ct, _ := ctx.Value(contentTypeKey{}).(string); ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if t.limiter != nil {
		if err := t.limiter.wait(ctx); err != nil {
			return nil, &core.NotSentError{Err: err}
		}
	}
	return t.inner.RoundTrip(ctx, req)
}

// rateLimiter is a token bucket shared by every instance of a Host:
// Clerk's rate limit is per secret key, not per instance.
type rateLimiter struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

func newRateLimiter(rate float64, burst int, now func() time.Time) *rateLimiter {
	return &rateLimiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: now(), now: now}
}

// reserve takes a token and says how long to wait before using it.
func (l *rateLimiter) reserve() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if el := now.Sub(l.last).Seconds(); el > 0 {
		l.tokens = min(l.burst, l.tokens+el*l.rate)
	}
	l.last = now
	l.tokens--
	if l.tokens >= 0 {
		return 0
	}
	return time.Duration(-l.tokens / l.rate * float64(time.Second))
}

func (l *rateLimiter) wait(ctx context.Context) error {
	d := l.reserve()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("rate limiter: %w", ctx.Err())
	}
}
