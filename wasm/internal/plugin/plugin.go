// Package plugin is the ABI-independent part of the clerkscript wasm
// plugins: the instance state built from an abi.Config (client, verifier,
// result cache, authenticator) and the operations every build exposes. The
// native-ABI guest (wasm/guest) and the Extism guest (wasm/extism) differ
// only in how bytes cross the boundary, how HTTP leaves the sandbox and how
// results are framed; both drive this package.
//
// Nothing here is wasm-specific, so it is tested natively as well.
package plugin

import (
	"context"
	"crypto"
	"errors"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// Env is what a build provides: how Backend API requests leave the guest
// and, optionally, a host signature check.
type Env struct {
	// Transport sends Backend API requests (the native host's http_request
	// import, or Extism's).
	Transport core.Transport
	// Checker, when set, is asked first to check RSA signatures.
	Checker core.SignatureChecker
	// SecretKey is the key the client puts in Authorization: a placeholder
	// in the native build (the host replaces it), the real key in Extism.
	SecretKey string
	// APIURL is the client's base URL.
	APIURL string
	// PlaceholderAPIURL says that APIURL is a placeholder (the native
	// build: the host owns the real base URL). Messages then name
	// HostAPIURL instead of it.
	PlaceholderAPIURL bool
}

// HostAPIURL stands for the host's Backend API base URL in messages of the
// native build, whose guest never knows it.
const HostAPIURL = "<host API URL>"

// Plugin is one instance's state. A wasm instance runs one export at a
// time, so it needs no lock; it must not be shared between goroutines
// natively either.
type Plugin struct {
	Cfg      abi.Config
	Client   *core.Client
	Verifier *core.Verifier
	Opts     core.VerifyOptions
	cache    *resultCache
	hide     string              // the placeholder base URL, rewritten in messages
	auth     *core.Authenticator // built on first use
	authErr  error
	// now is the time of the call in progress: read once per call (a WASI
	// clock read costs a fifth of a microsecond) and handed to core
	// through nowFn, a method value made once so that no call allocates.
	now   time.Time
	nowFn func() time.Time
}

// SkewOf reads a clock skew in milliseconds, Clerk's default when nil.
func SkewOf(ms *int64) time.Duration {
	if ms == nil {
		return 5 * time.Second
	}
	return time.Duration(*ms) * time.Millisecond
}

// SetSkew stores d in o, where core reads 0 as "the default".
func SetSkew(o *core.VerifyOptions, d time.Duration) {
	if d == 0 {
		d = core.NoClockSkew
	}
	o.ClockSkew = d
}

// CheckConfig returns the message of the first out-of-range value of cfg,
// or "".
func CheckConfig(cfg abi.Config) string {
	if cfg.ClockSkewMs != nil && (*cfg.ClockSkewMs < 0 || *cfg.ClockSkewMs > 3600_000) {
		return "clock_skew_ms must be between 0 and 3600000"
	}
	if cfg.CacheSize < -1 || cfg.CacheSize > 1_000_000 {
		return "cache_size must be -1 (off), 0 (default) or up to 1000000"
	}
	return ""
}

// New builds an instance's state. The client never retries: the native
// host retries (with its rate limiter and Retry-After), and an Extism host
// offers no sleep the guest could trust.
func New(cfg abi.Config, env Env) *Plugin {
	client := core.NewClient(core.NewClientConfig().
		WithSecretKey(env.SecretKey).
		WithAPIURL(env.APIURL).
		WithAPIVersion(core.DefaultAPIVersion).
		WithTransport(env.Transport).
		WithRetry(core.RetryConfig{Disabled: true}).
		WithTimeout(0))
	p := &Plugin{Cfg: cfg, Client: client}
	if env.PlaceholderAPIURL {
		p.hide = strings.TrimRight(env.APIURL, "/")
	}
	p.nowFn = p.callTime
	checker := env.Checker
	p.Verifier = core.NewVerifier(core.VerifierConfig{
		SignatureChecker: checker,
		TokenCacheSize:   cfg.CacheSize, // -1 turns core's cache off as well
		TokenCacheBytes:  cacheBytes(cfg.CacheSize),
	})
	p.Opts = core.VerifyOptions{
		JWTKey:            cfg.JWTKey,
		SecretKey:         env.SecretKey,
		Client:            client,
		AuthorizedParties: cfg.AuthorizedParties,
		Audience:          cfg.Audience,
		Issuer:            cfg.Issuer,
	}
	SetSkew(&p.Opts, SkewOf(cfg.ClockSkewMs))
	size := cfg.CacheSize
	if size == 0 {
		size = 10000
	}
	p.cache = newResultCache(size, cacheBytes(size), SkewOf(cfg.ClockSkewMs))
	return p
}

func (p *Plugin) callTime() time.Time { return p.now }

// Cached returns the stored result bytes of a token verified before and
// still clearly valid at now, and whether there is an entry at all (an
// entry stored without bytes serves only check-style callers).
func (p *Plugin) Cached(token []byte, now time.Time) (out []byte, ok bool) {
	e := p.cache.get(token, now)
	if e == nil {
		return nil, false
	}
	return e.out, true
}

// Verify verifies token with opts at now. On success it returns encode's
// bytes (nil when encode is nil); a cacheable success is remembered under
// the token with those bytes, so that Cached answers it next time.
//
// A cacheable call skips core's verified-token cache: the result cache in
// front of it answers repeated tokens, and a token that core keeps nothing
// of may be a view of the input buffer (copying it costs a microsecond).
// Calls with per-call options are not cacheable here and use core's cache.
func (p *Plugin) Verify(token string, opts core.VerifyOptions, now time.Time, cacheable bool,
	encode func(*core.Claims) []byte) (out []byte, claims *core.Claims, err error) {
	p.now, opts.Now = now, p.nowFn
	opts.SkipTokenCache = cacheable
	claims, err = p.Verifier.Verify(context.Background(), token, opts)
	if err != nil {
		return nil, nil, err
	}
	if encode != nil {
		out = encode(claims)
	}
	if cacheable {
		p.cache.put(token, out, claims, now)
	}
	return out, claims, nil
}

// ErrorOf maps err as the package's ErrorOf does, naming HostAPIURL
// instead of a placeholder base URL.
func (p *Plugin) ErrorOf(err error) *abi.Error {
	e := ErrorOf(err)
	if p.hide != "" {
		e.Message = strings.ReplaceAll(e.Message, p.hide, HostAPIURL)
	}
	return e
}

// EncodeClaimsResult is the native ABI's success result of a verification:
// the claims in the envelope.
func EncodeClaimsResult(c *core.Claims) []byte {
	return OK(AppendClaims(make([]byte, 0, 2*len(c.Raw)+256), c))
}

// Authenticator builds the instance's core.Authenticator on first use: it
// shares the plugin's verifier (JWKS cache, host signature check) and
// client (Backend API through the host, for machine tokens, handshake
// nonces and refreshes).
func (p *Plugin) Authenticator() (*core.Authenticator, error) {
	if p.auth != nil || p.authErr != nil {
		return p.auth, p.authErr
	}
	o := core.AuthenticateOptions{
		JWTKey: p.Cfg.JWTKey, PublishableKey: p.Cfg.PublishableKey, Domain: p.Cfg.Domain,
		IsSatellite: p.Cfg.IsSatellite, SatelliteAutoSync: p.Cfg.SatelliteAutoSync, ProxyURL: p.Cfg.ProxyURL,
		SignInURL: p.Cfg.SignInURL, AuthorizedParties: p.Cfg.AuthorizedParties, Audience: p.Cfg.Audience,
		AcceptPendingSessions: p.Cfg.AcceptPendingSessions,
		ClockSkew:             p.Opts.ClockSkew, Client: p.Client, Verifier: p.Verifier,
	}
	for _, t := range p.Cfg.AcceptsToken {
		o.AcceptsToken = append(o.AcceptsToken, core.TokenType(t))
	}
	p.auth, p.authErr = core.NewAuthenticator(o)
	return p.auth, p.authErr
}

// Authenticate runs authenticateRequest and answers the request state as
// it marshals, or an error (kind config for a bad configuration).
func (p *Plugin) Authenticate(req abi.Request) ([]byte, *abi.Error) {
	a, err := p.Authenticator()
	if err == nil {
		var rs core.RequestState
		rs, err = a.Authenticate(context.Background(), core.Request{Method: req.Method, URL: req.URL, Headers: req.Headers})
		if err == nil {
			b, merr := rs.MarshalJSON()
			if merr != nil {
				return nil, &abi.Error{Kind: abi.KindInternal, Code: "encode_failed", Message: merr.Error()}
			}
			return b, nil
		}
	}
	var ce *core.AuthConfigError
	if errors.As(err, &ce) {
		return nil, &abi.Error{Kind: abi.KindConfig, Code: "invalid_config", Message: ce.Error()}
	}
	return nil, p.ErrorOf(err)
}

// Call runs any operation of the table by name with flat snake_case JSON
// params, as core.Client.Call does, and answers the response body.
func (p *Plugin) Call(in abi.CallInput) ([]byte, *abi.Error) {
	if in.Operation == "" {
		return nil, &abi.Error{Kind: abi.KindRequest, Code: "invalid_params", Message: `call: "operation" is required`}
	}
	var params any
	if len(in.Params) > 0 && string(in.Params) != "null" {
		params = in.Params
	}
	out, err := p.Client.Call(context.Background(), in.Operation, params)
	if err != nil {
		return nil, p.ErrorOf(err)
	}
	if len(out) == 0 {
		out = []byte("null")
	}
	return out, nil
}

// VerifyWebhook checks a Svix-signed webhook and answers the event.
func VerifyWebhook(secret string, headers map[string][]string, body []byte, now time.Time) ([]byte, *abi.Error) {
	h := core.Header{}
	for k, vs := range headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	ev, err := core.VerifyWebhook(secret, h, body, now)
	if err != nil {
		var we *core.WebhookVerificationError
		if errors.As(err, &we) {
			return nil, &abi.Error{Kind: abi.KindWebhook, Code: we.Reason, Message: we.Message}
		}
		return nil, ErrorOf(err)
	}
	b, err := MarshalWebhookEvent(abi.WebhookEvent{ID: ev.ID, TimestampUnix: ev.Timestamp.Unix(), Type: ev.Type,
		Object: ev.Object, Data: ev.Data, EventAttributes: ev.EventAttributes, InstanceID: ev.InstanceID,
		EventTimestamp: ev.EventTimestamp})
	if err != nil {
		return nil, &abi.Error{Kind: abi.KindInternal, Code: "encode_failed", Message: err.Error()}
	}
	return b, nil
}

// HashID maps a hash to the ABI's id (0 for others).
func HashID(h crypto.Hash) uint32 {
	switch h {
	case crypto.SHA256:
		return abi.HashSHA256
	case crypto.SHA384:
		return abi.HashSHA384
	case crypto.SHA512:
		return abi.HashSHA512
	}
	return 0
}
