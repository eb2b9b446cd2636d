//go:build wasip1

// The exports are reached through //go:wasmexport, which staticcheck does
// not see as a use.
//
//lint:file-ignore U1000 wasmexport roots
package main

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/verdict"
	"github.com/clerkscript/clerkscript/wasm/extism/pdk"
	"github.com/clerkscript/clerkscript/wasm/internal/plugin"
)

func main() {}

// instance is the plugin's state, built from the manifest's config at the
// first call. Extism calls one function at a time per plugin instance.
var instance struct {
	loaded bool
	s      settings
	p      *plugin.Plugin
	err    error
}

func load() (*settings, *plugin.Plugin, error) {
	if !instance.loaded {
		instance.loaded = true
		instance.s, instance.err = loadSettings(pdk.Config)
		if instance.err == nil {
			s := &instance.s
			instance.p = plugin.New(s.cfg, plugin.Env{Transport: transport{}, SecretKey: s.secretKey, APIURL: s.apiURL})
		}
	}
	return &instance.s, instance.p, instance.err
}

// fail makes the call a plugin error with msg.
func fail(msg string) int32 {
	pdk.SetError(msg)
	return 1
}

// realClockFloor: a wall clock before it is not a real one. wazero's
// default (used by Extism hosts built on it unless told otherwise) starts
// at 2022-01-01 and advances a millisecond per read; under it, expired
// tokens would verify.
var realClockFloor = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func now() (time.Time, bool) {
	t := time.Now()
	return t, !t.Before(realClockFloor)
}

const fakeClock = "the host gives the plugin a fake clock (it reads before 2025): instantiate it with a real wall clock " +
	"(Go SDK: PluginConfig.ModuleConfig = wazero.NewModuleConfig().WithSysWalltime().WithSysNanotime())"

// verify_token: input the token; output the JSON of `clerkscript verify
// --json`. A rejected token is an output (status signed-out); a
// configuration problem is a plugin error naming the key.
//
//go:wasmexport verify_token
func verifyToken() int32 {
	s, p, err := load()
	if err != nil {
		return fail(err.Error())
	}
	if s.cfg.JWTKey == "" && s.secretKey == "" {
		return fail("config jwt_key: set jwt_key (networkless verification) or secret_key (the JWKS is fetched through http_request)")
	}
	t, ok := now()
	if !ok {
		return fail(fakeClock)
	}
	tok := bytes.TrimSpace(pdk.Input())
	if out, _ := p.Cached(tok, t); out != nil {
		pdk.Output(out)
		return 0
	}
	out, _, err := p.Verify(string(tok), p.Opts, t, true, verdict.SignedIn)
	if err != nil {
		var te *core.TokenVerificationError
		if !errors.As(err, &te) {
			return fail(err.Error())
		}
		if te.IsConfigurationError() {
			return fail(configReason(te))
		}
		out = verdict.SignedOut(te)
	}
	pdk.Output(out)
	return 0
}

// configReason names the key behind a configuration-type rejection.
func configReason(te *core.TokenVerificationError) string {
	key := "secret_key"
	switch te.Reason {
	case core.ReasonJWKLocalInvalid:
		key = "jwt_key"
	case core.ReasonJWKRemoteFailedToLoad, core.ReasonJWKFailedToResolve:
		key = "secret_key/api_url (JWKS)"
	}
	msg := te.Message
	if te.Action != "" {
		msg += " " + te.Action
	}
	return "config " + key + ": " + te.Reason + ": " + msg
}

// authenticate_request: input {"method","url","headers"} (headers: name ->
// list of values); output the JSON of `clerkscript auth --json`.
//
//go:wasmexport authenticate_request
func authenticateRequest() int32 {
	_, p, err := load()
	if err != nil {
		return fail(err.Error())
	}
	req, err := plugin.DecodeRequest(pdk.Input())
	if err != nil {
		return fail(`authenticate_request: want {"method","url","headers"}: ` + err.Error())
	}
	if _, ok := now(); !ok {
		return fail(fakeClock)
	}
	out, e := p.Authenticate(req)
	if e != nil {
		if e.Kind == abi.KindConfig {
			return fail("config: " + e.Message)
		}
		return fail(e.Kind + ": " + e.Message)
	}
	pdk.Output(out)
	return 0
}

// verify_webhook: output the event (as clerk_verify_webhook's result) or
// {"error":{"kind":"webhook","code","message"}}.
//
//go:wasmexport verify_webhook
func verifyWebhook() int32 {
	s, _, err := load()
	if err != nil {
		return fail(err.Error())
	}
	if s.webhookSecret == "" {
		return fail("config webhook_secret: set it to the endpoint's signing secret (whsec_...)")
	}
	body, headers, msg := decodeWebhookInput(pdk.Input())
	if msg != "" {
		return fail(msg)
	}
	t, ok := now()
	if !ok {
		return fail(fakeClock)
	}
	out, e := plugin.VerifyWebhook(s.webhookSecret, headers, []byte(body), t)
	if e != nil {
		out = errorOutput(e)
	}
	pdk.Output(out)
	return 0
}

// call: input {"operation","params"}; output the response body (JSON,
// null when empty) or {"error":{...}} with Clerk's errors[].
//
//go:wasmexport call
func call() int32 {
	s, p, err := load()
	if err != nil {
		return fail(err.Error())
	}
	if s.secretKey == "" {
		return fail("config secret_key: call needs the instance's secret key (sk_...)")
	}
	in, err := plugin.DecodeCallInput(pdk.Input())
	if err != nil {
		return fail(`call: want {"operation","params"}: ` + err.Error())
	}
	out, e := p.Call(in)
	if e != nil {
		out = errorOutput(e)
	}
	pdk.Output(out)
	return 0
}

// errorOutput frames an error as an output: an object whose only key is
// "error" (no Backend API response has that shape).
func errorOutput(e *abi.Error) []byte {
	b, err := plugin.AppendError(append(make([]byte, 0, 128), `{"error":`...), e)
	b = append(b, '}')
	if err != nil {
		return []byte(`{"error":{"kind":"internal","code":"encode_failed","message":"cannot encode the error"}}`)
	}
	return b
}

// transport sends the client's requests through Extism's http_request, so
// the manifest's allowed_hosts decides where the plugin may connect. The
// headers are the client's own, the secret key's Authorization included.
type transport struct{}

func (transport) RoundTrip(_ context.Context, req *core.HTTPRequest) (*core.HTTPResponse, error) {
	h := make(map[string]string, len(req.Header))
	for k, vs := range req.Header {
		if len(vs) > 0 {
			h[k] = vs[0]
		}
	}
	status, body, err := pdk.Send(pdk.HTTPRequest{Method: req.Method, URL: req.URL, Headers: h}, req.Body)
	if err != nil {
		return nil, &core.NotSentError{Err: err}
	}
	if status == 0 {
		return nil, errors.New("the host answered http_request without a status")
	}
	return &core.HTTPResponse{StatusCode: status, Header: core.Header{}, Body: body}, nil
}
