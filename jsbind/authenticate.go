package jsbind

import (
	"context"
	"encoding/json"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/dop251/goja"
)

// installAuthenticate registers clerk.authenticateRequest(request, opts):
// request is {method, url, headers}; it resolves with the request state
// {status, reason, message, tokenType, headers, auth}, as
// `clerkscript auth --json` prints it (the token itself is left out).
func (r *Runtime) installAuthenticate() {
	vm := r.vm
	_ = r.clerkObj.Set("authenticateRequest", func(call goja.FunctionCall) goja.Value {
		req, err := r.authRequest(call.Argument(0))
		if err != nil {
			return r.rejected(err)
		}
		opts, err := r.authOptions(call.Argument(1))
		if err != nil {
			return r.rejected(err)
		}
		return r.async(func(ctx context.Context) (any, error) {
			st, err := core.AuthenticateRequest(ctx, req, opts)
			if err != nil {
				return nil, err
			}
			return json.Marshal(st)
		}, func(res any) (goja.Value, error) {
			return fromWire(vm, res.([]byte), freeShape{})
		})
	})
}

func (r *Runtime) authRequest(v goja.Value) (core.Request, error) {
	o, ok := v.(*goja.Object)
	if !ok {
		return core.Request{}, &ConversionError{Problem: "clerk.authenticateRequest(request, opts): request must be {method, url, headers}"}
	}
	req := core.Request{Method: "GET", Headers: map[string][]string{}}
	if m := o.Get("method"); m != nil && !goja.IsUndefined(m) {
		req.Method = m.String()
	}
	u := o.Get("url")
	if u == nil || goja.IsUndefined(u) || u.String() == "" {
		return core.Request{}, &ConversionError{Path: "request.url", Problem: "is required"}
	}
	req.URL = u.String()
	if h, ok := o.Get("headers").(*goja.Object); ok {
		for _, k := range h.Keys() {
			hv := h.Get(k)
			if arr, ok := hv.(*goja.Object); ok && arr.ClassName() == "Array" {
				var vals []string
				if err := r.vm.ExportTo(arr, &vals); err != nil {
					return core.Request{}, &ConversionError{Path: "request.headers." + k, Problem: "must be a string or an array of strings"}
				}
				req.Headers[k] = vals
				continue
			}
			req.Headers[k] = []string{hv.String()}
		}
	}
	return req, nil
}

// authOptions reads @clerk/backend's authenticateRequest options.
func (r *Runtime) authOptions(v goja.Value) (core.AuthenticateOptions, error) {
	d := r.opts.Verify
	opts := core.AuthenticateOptions{
		SecretKey:         d.SecretKey,
		JWTKey:            d.JWTKey,
		PublishableKey:    d.PublishableKey,
		AuthorizedParties: d.AuthorizedParties,
		Client:            r.client,
		Verifier:          r.verifier,
		Now:               r.now,
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if !goja.IsUndefined(v) && !goja.IsNull(v) {
			return opts, &ConversionError{Problem: "authenticateRequest options must be an object"}
		}
		return opts, nil
	}
	strs := map[string]*string{
		"secretKey": &opts.SecretKey, "jwtKey": &opts.JWTKey, "publishableKey": &opts.PublishableKey,
		"domain": &opts.Domain, "proxyUrl": &opts.ProxyURL, "signInUrl": &opts.SignInURL,
		"machineSecretKey": &opts.MachineSecretKey,
	}
	for name, dst := range strs {
		if x := o.Get(name); x != nil && !goja.IsUndefined(x) && !goja.IsNull(x) {
			*dst = x.String()
		}
	}
	bools := map[string]*bool{"isSatellite": &opts.IsSatellite, "satelliteAutoSync": &opts.SatelliteAutoSync}
	for name, dst := range bools {
		if x := o.Get(name); x != nil && !goja.IsUndefined(x) {
			*dst = x.ToBoolean()
		}
	}
	list := func(name string) ([]string, error) { return r.stringsOption(o, name) }
	var err error
	if ap, lerr := list("authorizedParties"); lerr != nil {
		return opts, lerr
	} else if ap != nil {
		opts.AuthorizedParties = ap
	}
	if opts.ProxyOrigins, err = list("proxyOrigins"); err != nil {
		return opts, err
	}
	if opts.Audience, err = list("audience"); err != nil {
		return opts, err
	}
	tts, err := list("acceptsToken")
	if err != nil {
		return opts, err
	}
	for _, t := range tts {
		opts.AcceptsToken = append(opts.AcceptsToken, core.TokenType(t))
	}
	if x := o.Get("clockSkewInMs"); x != nil && !goja.IsUndefined(x) {
		if ms := x.ToInteger(); ms <= 0 {
			opts.ClockSkew = core.NoClockSkew
		} else {
			opts.ClockSkew = time.Duration(ms) * time.Millisecond
		}
	}
	return opts, nil
}
