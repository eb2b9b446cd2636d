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
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
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
	var req abi.CallInput
	if err := json.Unmarshal(in, &req); err != nil {
		return result(requestErr("invalid_json", "call: "+err.Error()))
	}
	if req.Operation == "" {
		return result(requestErr("invalid_params", `call: "operation" is required`))
	}
	var params any
	if len(req.Params) > 0 && string(req.Params) != "null" {
		params = req.Params
	}
	out, err := state.client.Call(context.Background(), req.Operation, params)
	if err != nil {
		return result(errResult(errorOf(err)))
	}
	return result(okResult(out))
}

//go:wasmexport clerk_verify_webhook
func clerkVerifyWebhook(ptr, n uint32) uint64 {
	in, ok := input(ptr, n)
	if !ok {
		return result(badPointer)
	}
	var req abi.WebhookInput
	if err := json.Unmarshal(in, &req); err != nil {
		return result(requestErr("invalid_json", "verifyWebhook: "+err.Error()))
	}
	h := core.Header{}
	for k, vs := range req.Headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	now := time.Now()
	if req.NowUnix != 0 {
		now = time.Unix(req.NowUnix, 0)
	}
	ev, err := core.VerifyWebhook(req.Secret, h, req.Body, now)
	if err != nil {
		return result(errResult(webhookError(err)))
	}
	b, err := json.Marshal(abi.WebhookEvent{ID: ev.ID, TimestampUnix: ev.Timestamp.Unix(), Type: ev.Type,
		Object: ev.Object, Data: ev.Data, EventAttributes: ev.EventAttributes, InstanceID: ev.InstanceID,
		EventTimestamp: ev.EventTimestamp})
	if err != nil {
		return result(errResult(&abi.Error{Kind: abi.KindInternal, Code: "encode_failed", Message: err.Error()}))
	}
	return result(okResult(b))
}

func webhookError(err error) *abi.Error {
	var we *core.WebhookVerificationError
	if errors.As(err, &we) {
		return &abi.Error{Kind: abi.KindWebhook, Code: we.Reason, Message: we.Message}
	}
	return errorOf(err)
}
