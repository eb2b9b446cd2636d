package jsbind

import (
	"context"
	"errors"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/dop251/goja"
)

// installVerify registers clerk.verifyToken, clerk.authenticateRequest and
// clerk.webhooks.verify.
func (r *Runtime) installVerify() {
	vm := r.vm
	r.verifier = r.opts.Verifier
	if r.verifier == nil {
		r.verifier = core.NewVerifier(core.VerifierConfig{})
	}
	r.installAuthenticate()
	_ = r.clerkObj.Set("verifyToken", func(call goja.FunctionCall) goja.Value {
		token := call.Argument(0)
		if goja.IsUndefined(token) || goja.IsNull(token) || token.String() == "" {
			return r.rejected(&ConversionError{Problem: "clerk.verifyToken(token, opts): token is required"})
		}
		opts, err := r.verifyOptions(call.Argument(1))
		if err != nil {
			return r.rejected(err)
		}
		tok := token.String()
		v := r.verifier
		// Like @clerk/backend, resolve with the token's payload, keys and
		// their order as they are in the JWT.
		convert := func(res any) (goja.Value, error) {
			return decodeJSON(vm, res.(*core.Claims).Raw, nil, true)
		}
		if opts.JWTKey != "" {
			// With a PEM key verification never touches the network and
			// takes tens of microseconds: run it inline rather than pay a
			// goroutine and a trip through the loop.
			p, resolve, reject := vm.NewPromise()
			claims, err := v.Verify(r.ctx, tok, opts)
			if err == nil {
				var cv goja.Value
				if cv, err = convert(claims); err == nil {
					_ = resolve(cv)
					return vm.ToValue(p)
				}
			}
			_ = reject(r.toJSError(err, vm.CaptureCallStack(16, nil)))
			return vm.ToValue(p)
		}
		return r.async(func(ctx context.Context) (any, error) {
			return v.Verify(ctx, tok, opts)
		}, convert)
	})

	webhooks, _ := r.clerkObj.Get("webhooks").(*goja.Object)
	if webhooks == nil {
		webhooks = vm.NewObject()
		_ = r.clerkObj.Set("webhooks", webhooks)
	}
	_ = webhooks.Set("verify", func(call goja.FunctionCall) goja.Value {
		body := call.Argument(0)
		if goja.IsUndefined(body) || goja.IsNull(body) {
			r.throw(&ConversionError{Problem: "clerk.webhooks.verify(payload, headers, opts): payload (the raw body string) is required"})
		}
		hdrs, ok := call.Argument(1).(*goja.Object)
		if !ok {
			r.throw(&ConversionError{Problem: "clerk.webhooks.verify(payload, headers, opts): headers must be an object"})
		}
		h := core.Header{}
		for _, k := range hdrs.Keys() {
			h.Set(k, hdrs.Get(k).String())
		}
		secret := r.opts.Verify.WebhookSecret
		if o, ok := call.Argument(2).(*goja.Object); ok {
			if s := o.Get("secret"); s != nil && !goja.IsUndefined(s) {
				secret = s.String()
			}
		}
		if secret == "" {
			r.throw(errors.New("clerk.webhooks.verify: no signing secret (set CLERK_WEBHOOK_SIGNING_SECRET or pass {secret})"))
		}
		ev, err := core.VerifyWebhook(secret, h, []byte(body.String()), r.now())
		if err != nil {
			panic(r.verifyError(err, "WebhookVerificationError"))
		}
		v, err := fromWire(vm, ev.Raw, freeShape{})
		if err != nil {
			r.throw(err)
		}
		return v
	})
}

// stringsOption reads an option that is a string or an array of strings
// (authorizedParties, audience, acceptsToken); absent, undefined and null
// give nil.
func (r *Runtime) stringsOption(o *goja.Object, name string) ([]string, error) {
	x := o.Get(name)
	if x == nil || goja.IsUndefined(x) || goja.IsNull(x) {
		return nil, nil
	}
	if s, ok := x.Export().(string); ok {
		return []string{s}, nil
	}
	var out []string
	if err := r.vm.ExportTo(x, &out); err != nil {
		return nil, &ConversionError{Path: name, Problem: "must be a string or an array of strings"}
	}
	return out, nil
}

// verifyOptions reads @clerk/backend's verifyToken options: jwtKey,
// secretKey, authorizedParties, audience, clockSkewInMs, issuer.
func (r *Runtime) verifyOptions(v goja.Value) (core.VerifyOptions, error) {
	opts := core.VerifyOptions{
		JWTKey:            r.opts.Verify.JWTKey,
		AuthorizedParties: r.opts.Verify.AuthorizedParties,
		Client:            r.client,
		Now:               r.now,
	}
	o, ok := v.(*goja.Object)
	if !ok {
		if !goja.IsUndefined(v) && !goja.IsNull(v) {
			return opts, &ConversionError{Problem: "verifyToken options must be an object"}
		}
		return opts, nil
	}
	str := func(name string) (string, bool) {
		x := o.Get(name)
		if x == nil || goja.IsUndefined(x) || goja.IsNull(x) {
			return "", false
		}
		return x.String(), true
	}
	list := func(name string) ([]string, error) { return r.stringsOption(o, name) }
	if s, ok := str("jwtKey"); ok {
		opts.JWTKey = s
	}
	if s, ok := str("secretKey"); ok {
		opts.SecretKey = s
		opts.Client = nil
		if r.client != nil {
			opts.APIURL = r.client.Config().APIURL()
		}
	}
	if s, ok := str("issuer"); ok {
		opts.Issuer = s
	}
	var err error
	if ap, lerr := list("authorizedParties"); lerr != nil {
		return opts, lerr
	} else if ap != nil {
		opts.AuthorizedParties = ap
	}
	if opts.Audience, err = list("audience"); err != nil {
		return opts, err
	}
	if x := o.Get("clockSkewInMs"); x != nil && !goja.IsUndefined(x) {
		ms := x.ToInteger()
		if ms <= 0 {
			opts.ClockSkew = core.NoClockSkew
		} else {
			opts.ClockSkew = time.Duration(ms) * time.Millisecond
		}
	}
	return opts, nil
}

// verifyError builds the JS error of a failed verification: an Error named
// name with Clerk's reason (token-expired, ...) and action.
func (r *Runtime) verifyError(err error, name string) *goja.Object {
	obj := r.newError("Error", err.Error())
	_ = obj.Set("name", name)
	var te *core.TokenVerificationError
	var we *core.WebhookVerificationError
	switch {
	case errors.As(err, &te):
		_ = obj.Set("reason", te.Reason)
		if te.Action != "" {
			_ = obj.Set("action", te.Action)
		}
	case errors.As(err, &we):
		_ = obj.Set("reason", we.Reason)
	}
	return obj
}
