package plugin

import (
	"errors"
	"strconv"
	"strings"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// OK wraps an already-encoded JSON value in the native ABI's success
// envelope without re-encoding it.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func OK(v []byte) []byte {
	out := make([]byte, 0, len(v)+24)
	out = append(out, `{"ok":true,"result":`...)
	out = append(out, v...)
	return append(out, '}')
}

// Err is the native ABI's failure envelope.
func Err(e *abi.Error) []byte {
	b := append(make([]byte, 0, 128), `{"ok":false`...)
	if e != nil {
		var err error
		b = append(b, `,"error":`...)
		if b, err = AppendError(b, e); err != nil {
			return []byte(`{"ok":false,"error":{"kind":"internal","code":"encode_failed","message":"cannot encode the error"}}`)
		}
	}
	return append(b, '}')
}

// RequestErr is a failure envelope of kind request.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func RequestErr(code, msg string) []byte {
	return Err(&abi.Error{Kind: abi.KindRequest, Code: code, Message: msg})
}

// ErrorOf maps any error of core to the one error shape.
func ErrorOf(err error) *abi.Error {
	var te *core.TokenVerificationError
	if errors.As(err, &te) {
		kind := abi.KindToken
		if te.IsConfigurationError() {
			kind = abi.KindConfig
		}
		return &abi.Error{Kind: kind, Code: te.Reason, Message: te.Message, Action: te.Action}
	}
	var ae *core.APIError
	if errors.As(err, &ae) {
		e := &abi.Error{Kind: abi.KindAPI, Status: ae.StatusCode, Message: ae.Error(), TraceID: ae.TraceID,
			RetryAfterMs: ae.RetryAfter.Milliseconds()}
		for _, it := range ae.Errors {
			e.Errors = append(e.Errors, abi.APIErrorItem{Code: it.Code, Message: it.Message,
				LongMessage: it.LongMessage, Meta: it.Meta})
		}
		if len(ae.Errors) > 0 {
			e.Code = ae.Errors[0].Code
		} else {
			e.Code = "http_" + strconv.Itoa(ae.StatusCode)
		}
		return e
	}
	var ue *core.UnknownOperationError
	if errors.As(err, &ue) {
		return &abi.Error{Kind: abi.KindRequest, Code: "unknown_operation", Message: ue.Error()}
	}
	var pe *core.ParamError
	if errors.As(err, &pe) {
		return &abi.Error{Kind: abi.KindRequest, Code: "invalid_params", Message: pe.Error()}
	}
	var tre *core.TransportError
	if errors.As(err, &tre) {
		return &abi.Error{Kind: abi.KindTransport, Code: "transport_failed", Message: tre.Error()}
	}
	return &abi.Error{Kind: abi.KindInternal, Code: "error", Message: strings.TrimPrefix(err.Error(), "clerk: ")}
}
