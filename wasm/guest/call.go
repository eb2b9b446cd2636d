//go:build wasip1

// The exports are reached through //go:wasmexport, which staticcheck does
// not see as a use.
//
//lint:file-ignore U1000 wasmexport roots
package main

import (
	"time"

	"github.com/clerkscript/clerkscript/wasm/internal/plugin"
)

// clerkCall runs any operation of the table by name with flat snake_case
// JSON params, as core.Client.Call does.
//
//go:wasmexport clerk_call
func clerkCall(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	req, err := plugin.DecodeCallInput(in)
	if err != nil {
		return result(plugin.RequestErr("invalid_json", "call: "+err.Error()))
	}
	out, e := state.Call(req)
	if e != nil {
		return result(plugin.Err(e))
	}
	return result(plugin.OK(out))
}

//go:wasmexport clerk_verify_webhook
func clerkVerifyWebhook(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	req, err := plugin.DecodeWebhookInput(in)
	if err != nil {
		return result(plugin.RequestErr("invalid_json", "verifyWebhook: "+err.Error()))
	}
	now := time.Now()
	if req.NowUnix != 0 {
		now = time.Unix(req.NowUnix, 0)
	}
	out, e := plugin.VerifyWebhook(req.Secret, req.Headers, req.Body, now)
	if e != nil {
		return result(plugin.Err(e))
	}
	return result(plugin.OK(out))
}
