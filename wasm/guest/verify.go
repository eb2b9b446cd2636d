//go:build wasip1

// The exports are reached through //go:wasmexport, which staticcheck does
// not see as a use.
//
//lint:file-ignore U1000 wasmexport roots
package main

import (
	"strconv"
	"time"
	"unsafe"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/wasm/internal/plugin"
)

// hostKey is the placeholder secret key of the guest's client: core refuses
// to send without one, the transport never forwards it, and the host adds
// the real key. It is not a secret.
const hostKey = "sk_host_managed"

// state is the instance's plugin, replaced by clerk_configure. A reactor
// runs one export at a time, so it needs no lock.
var state = newPlugin(abi.Config{})

func newPlugin(cfg abi.Config) *plugin.Plugin {
	return plugin.New(cfg, plugin.Env{Transport: hostTransport{}, Checker: hostChecker{},
		SecretKey: hostKey, APIURL: guestAPIURL, PlaceholderAPIURL: true})
}

//go:wasmexport clerk_configure
func clerkConfigure(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	cfg, err := plugin.DecodeConfig(in)
	if err != nil {
		return result(plugin.RequestErr("invalid_json", "configure: "+err.Error()))
	}
	if msg := plugin.CheckConfig(cfg); msg != "" {
		return result(plugin.RequestErr("invalid_config", "configure: "+msg))
	}
	state = newPlugin(cfg)
	return result(plugin.OK([]byte(`{"abi_version":` + strconv.Itoa(int(abi.Version)) + `}`)))
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
	if out, _ := state.Cached(in, now); out != nil {
		return result(out)
	}
	return result(verify(viewString(in), state.Opts, now, true, true))
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
	if _, hit := state.Cached(in, now); hit {
		return result(checkOK)
	}
	return result(verify(viewString(in), state.Opts, now, true, false))
}

//go:wasmexport clerk_verify_token
func clerkVerifyToken(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	req, err := plugin.DecodeVerifyTokenInput(in)
	if err != nil {
		return result(plugin.RequestErr("invalid_json", "verifyToken: "+err.Error()))
	}
	opts, cacheable := state.Opts, true
	if req.AuthorizedParties != nil {
		opts.AuthorizedParties, cacheable = req.AuthorizedParties, false
	}
	if req.Audience != nil {
		opts.Audience, cacheable = req.Audience, false
	}
	if req.ClockSkewMs != nil {
		if *req.ClockSkewMs < 0 || *req.ClockSkewMs > 3600_000 {
			return result(plugin.RequestErr("invalid_params", "verifyToken: clock_skew_ms must be between 0 and 3600000"))
		}
		plugin.SetSkew(&opts, plugin.SkewOf(req.ClockSkewMs))
		cacheable = false
	}
	now := time.Now()
	if cacheable {
		if out, _ := state.Cached(unsafe.Slice(unsafe.StringData(req.Token), len(req.Token)), now); out != nil {
			return result(out)
		}
	}
	return result(verify(req.Token, opts, now, cacheable, true))
}

// viewString views an input buffer as a string without copying it: the
// token of a call is read, never kept (verify copies it when caching).
func viewString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// verify answers the encoded claims, or with encode false checkOK. An
// entry stored without the claims (by clerk_check_session_token) serves
// only that export until clerk_verify_session_token replaces it.
func verify(token string, opts core.VerifyOptions, now time.Time, cacheable, encode bool) []byte {
	var enc func(*core.Claims) []byte
	if encode {
		enc = plugin.EncodeClaimsResult
	}
	out, _, err := state.Verify(token, opts, now, cacheable, enc)
	if err != nil {
		return plugin.Err(state.ErrorOf(err))
	}
	if out == nil {
		return checkOK
	}
	return out
}

//go:wasmexport clerk_authenticate_request
func clerkAuthenticateRequest(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	req, err := plugin.DecodeAuthenticateRequestInput(in)
	if err != nil {
		return result(plugin.RequestErr("invalid_json", "authenticateRequest: "+err.Error()))
	}
	out, e := state.Authenticate(req.Request)
	if e != nil {
		return result(plugin.Err(e))
	}
	return result(plugin.OK(out))
}
