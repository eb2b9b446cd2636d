//go:build wasip1

// The exports are reached through //go:wasmexport, which staticcheck does
// not see as a use.
//
//lint:file-ignore U1000 wasmexport roots

package main

import (
	"context"
	"encoding/json"
	"time"
	"unsafe"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// hostKey is the placeholder secret key of the guest's client: core refuses
// to send without one, the transport never forwards it, and the host adds
// the real key. It is not a secret.
const hostKey = "sk_host_managed"

// plugin is the instance's state: one per module instance, set by
// clerk_configure. A reactor runs one export at a time, so it needs no lock.
type plugin struct {
	cfg      abi.Config
	client   *core.Client
	verifier *core.Verifier
	opts     core.VerifyOptions
	cache    *resultCache
	auth     *core.Authenticator // built on first use
	authErr  error
	// now is the time of the call in progress: read once per call (a WASI
	// clock read costs a fifth of a microsecond) and handed to core
	// through nowFn, a method value made once so that no call allocates.
	now   time.Time
	nowFn func() time.Time
}

var state = newPlugin(abi.Config{})

// setSkew stores d in o, where core reads 0 as "the default".
func setSkew(o *core.VerifyOptions, d time.Duration) {
	if d == 0 {
		d = core.NoClockSkew
	}
	o.ClockSkew = d
}

// skewOf reads a clock skew in milliseconds, Clerk's default when nil.
func skewOf(ms *int64) time.Duration {
	if ms == nil {
		return 5 * time.Second
	}
	return time.Duration(*ms) * time.Millisecond
}

func newPlugin(cfg abi.Config) *plugin {
	client := core.NewClient(core.NewClientConfig().
		WithSecretKey(hostKey).
		WithAPIURL(guestAPIURL).
		WithAPIVersion(core.DefaultAPIVersion).
		WithTransport(hostTransport{}).
		// The host retries (with the rate limiter and Retry-After) and
		// bounds the call: retrying here too would multiply attempts.
		WithRetry(core.RetryConfig{Disabled: true}).
		WithTimeout(0))
	p := &plugin{cfg: cfg, client: client}
	p.nowFn = p.callTime
	p.verifier = core.NewVerifier(core.VerifierConfig{
		SignatureChecker: hostChecker{},
		TokenCacheSize:   cfg.CacheSize, // -1 turns core's cache off as well
		TokenCacheBytes:  cacheBytes(cfg.CacheSize),
	})
	p.opts = verifyOptions(cfg, client)
	size := cfg.CacheSize
	if size == 0 {
		size = 10000
	}
	p.cache = newResultCache(size, cacheBytes(size), skewOf(cfg.ClockSkewMs))
	return p
}

func (p *plugin) callTime() time.Time { return p.now }

func verifyOptions(cfg abi.Config, client *core.Client) core.VerifyOptions {
	o := core.VerifyOptions{
		JWTKey:            cfg.JWTKey,
		SecretKey:         hostKey,
		Client:            client,
		AuthorizedParties: cfg.AuthorizedParties,
		Audience:          cfg.Audience,
		Issuer:            cfg.Issuer,
	}
	setSkew(&o, skewOf(cfg.ClockSkewMs))
	return o
}

//go:wasmexport clerk_configure
func clerkConfigure(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	var cfg abi.Config
	if err := json.Unmarshal(in, &cfg); err != nil {
		return result(requestErr("invalid_json", "configure: "+err.Error()))
	}
	if cfg.ClockSkewMs != nil && (*cfg.ClockSkewMs < 0 || *cfg.ClockSkewMs > 3600_000) {
		return result(requestErr("invalid_config", "configure: clock_skew_ms must be between 0 and 3600000"))
	}
	if cfg.CacheSize < -1 || cfg.CacheSize > 1_000_000 {
		return result(requestErr("invalid_config", "configure: cache_size must be -1 (off), 0 (default) or up to 1000000"))
	}
	state = newPlugin(cfg)
	return result(okResult([]byte(`{"abi_version":` + itoa(int(abi.Version)) + `}`)))
}

// clerkVerifySessionToken is the hot path: the input is the bare token and
// a verified token seen before is answered from stored result bytes, with
// only the time checks redone (no JSON, no base64, no RSA).
//
//go:wasmexport clerk_verify_session_token
func clerkVerifySessionToken(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	now := time.Now()
	if e := state.cache.get(in, now); e != nil && e.out != nil {
		return result(e.out)
	}
	return result(state.verify(viewString(in), state.opts, now, true, true))
}

// checkOK is the success result of clerk_check_session_token.
var checkOK = []byte(abi.CheckOK)

// clerkCheckSessionToken verifies like clerk_verify_session_token but
// answers success with abi.CheckOK instead of the claims: encoding them as
// JSON here and decoding that in the host costs more than the host decoding
// the token it holds natively (core.DecodeVerifiedClaims).
//
//go:wasmexport clerk_check_session_token
func clerkCheckSessionToken(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	now := time.Now()
	if state.cache.get(in, now) != nil {
		return result(checkOK)
	}
	return result(state.verify(viewString(in), state.opts, now, true, false))
}

//go:wasmexport clerk_verify_token
func clerkVerifyToken(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	var req abi.VerifyTokenInput
	if err := json.Unmarshal(in, &req); err != nil {
		return result(requestErr("invalid_json", "verifyToken: "+err.Error()))
	}
	opts, cacheable := state.opts, true
	if req.AuthorizedParties != nil {
		opts.AuthorizedParties, cacheable = req.AuthorizedParties, false
	}
	if req.Audience != nil {
		opts.Audience, cacheable = req.Audience, false
	}
	if req.ClockSkewMs != nil {
		if *req.ClockSkewMs < 0 || *req.ClockSkewMs > 3600_000 {
			return result(requestErr("invalid_params", "verifyToken: clock_skew_ms must be between 0 and 3600000"))
		}
		setSkew(&opts, skewOf(req.ClockSkewMs))
		cacheable = false
	}
	now := time.Now()
	if cacheable {
		if e := state.cache.get(unsafe.Slice(unsafe.StringData(req.Token), len(req.Token)), now); e != nil && e.out != nil {
			return result(e.out)
		}
	}
	return result(state.verify(req.Token, opts, now, cacheable, true))
}

// viewString views an input buffer as a string without copying it: the
// token of a call is read, never kept (verify copies it when caching).
func viewString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// verify verifies token and answers the encoded claims, or with encode
// false checkOK. A cacheable success is remembered; an entry stored without
// the claims (by clerk_check_session_token) serves only that export until
// clerk_verify_session_token replaces it.
//
// A cacheable call skips core's verified-token cache: the result cache in
// front of it answers repeated tokens, and a token that core keeps nothing
// of may be a view of the input buffer (copying it costs a microsecond).
// Calls with per-call options are not cacheable here and use core's cache.
func (p *plugin) verify(token string, opts core.VerifyOptions, now time.Time, cacheable, encode bool) []byte {
	p.now, opts.Now = now, p.nowFn
	opts.SkipTokenCache = cacheable
	claims, err := p.verifier.Verify(context.Background(), token, opts)
	if err != nil {
		return errResult(errorOf(err))
	}
	var out []byte
	if encode {
		out = okResult(appendClaims(make([]byte, 0, 2*len(claims.Raw)+256), claims))
	}
	if cacheable {
		p.cache.put(token, out, claims, now)
	}
	if out == nil {
		return checkOK
	}
	return out
}
