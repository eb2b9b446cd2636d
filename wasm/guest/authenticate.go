//go:build wasip1

// The exports are reached through //go:wasmexport, which staticcheck does
// not see as a use.
//
//lint:file-ignore U1000 wasmexport roots

package main

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// authenticator builds the instance's core.Authenticator on first use: it
// shares the plugin's verifier (JWKS cache, host signature check) and
// client (Backend API through the host, for machine tokens, handshake
// nonces and refreshes).
func (p *plugin) authenticator() (*core.Authenticator, error) {
	if p.auth != nil || p.authErr != nil {
		return p.auth, p.authErr
	}
	o := core.AuthenticateOptions{
		JWTKey: p.cfg.JWTKey, PublishableKey: p.cfg.PublishableKey, Domain: p.cfg.Domain,
		IsSatellite: p.cfg.IsSatellite, SatelliteAutoSync: p.cfg.SatelliteAutoSync, ProxyURL: p.cfg.ProxyURL, SignInURL: p.cfg.SignInURL,
		AuthorizedParties: p.cfg.AuthorizedParties, Audience: p.cfg.Audience,
		ClockSkew: p.opts.ClockSkew, Client: p.client, Verifier: p.verifier,
	}
	for _, t := range p.cfg.AcceptsToken {
		o.AcceptsToken = append(o.AcceptsToken, core.TokenType(t))
	}
	p.auth, p.authErr = core.NewAuthenticator(o)
	return p.auth, p.authErr
}

//go:wasmexport clerk_authenticate_request
func clerkAuthenticateRequest(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	var req abi.AuthenticateRequestInput
	if err := json.Unmarshal(in, &req); err != nil {
		return result(requestErr("invalid_json", "authenticateRequest: "+err.Error()))
	}
	a, err := state.authenticator()
	if err == nil {
		var rs core.RequestState
		rs, err = a.Authenticate(context.Background(), core.Request{Method: req.Request.Method,
			URL: req.Request.URL, Headers: req.Request.Headers})
		if err == nil {
			b, merr := json.Marshal(rs)
			if merr != nil {
				return result(errResult(&abi.Error{Kind: abi.KindInternal, Code: "encode_failed", Message: merr.Error()}))
			}
			return result(okResult(b))
		}
	}
	var ce *core.AuthConfigError
	if errors.As(err, &ce) {
		return result(errResult(&abi.Error{Kind: abi.KindConfig, Code: "invalid_config", Message: ce.Error()}))
	}
	return result(errResult(errorOf(err)))
}
