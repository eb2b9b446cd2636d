package plugin

import (
	"encoding/base64"
	"encoding/json"

	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/minijson"
)

// The ABI's JSON, written without encoding/json: linking it (and the reflect
// and fmt it brings) would add about 1 MB to the guest module. Decoders
// behave as json.Unmarshal into the abi types, error messages included, and
// encoders as json.Marshal, byte for byte; abijson_test.go holds each to
// encoding/json.

// fieldFn decodes one member of a struct; st and path name it in errors.
type fieldFn func(v minijson.Value, errs *minijson.Errs)

// decodeFields decodes the members of an object (or null) whose keys match
// names (as encoding/json matches them) with the functions of fns.
func decodeFields(data []byte, typ string, names []string, fns []fieldFn) error {
	var errs minijson.Errs
	err := minijson.ScanStruct(data, typ, func(key []byte, esc bool, v minijson.Value) {
		k := minijson.Unquote(key, esc)
		for i, name := range names {
			if minijson.FieldIs(k, name) {
				fns[i](v, &errs)
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return errs.Err()
}

// nested decodes a struct-typed member at path.
func nested(v minijson.Value, errs *minijson.Errs, parent, path, typ string, names []string, fns []fieldFn) {
	switch v.Kind {
	case minijson.Object:
		_ = minijson.ScanObject(v.Raw, func(key []byte, esc bool, m minijson.Value) {
			k := minijson.Unquote(key, esc)
			for i, name := range names {
				if minijson.FieldIs(k, name) {
					fns[i](m, errs)
					return
				}
			}
		})
	case minijson.Null:
	default:
		errs.Add(minijson.TypeError(v, parent, path, typ))
	}
}

//go:noinline // one closure body for every field, not one per call site
func str(dst *string, st, path string) fieldFn {
	return func(v minijson.Value, errs *minijson.Errs) { errs.Add(v.ToString(dst, st, path)) }
}

//go:noinline // one closure body for every field, not one per call site
func strs(dst *[]string, st, path string) fieldFn {
	return func(v minijson.Value, errs *minijson.Errs) { errs.Add(v.ToStrings(dst, st, path)) }
}

//go:noinline // one closure body for every field, not one per call site
func boolean(dst *bool, st, path string) fieldFn {
	return func(v minijson.Value, errs *minijson.Errs) { errs.Add(v.ToBool(dst, st, path)) }
}

//go:noinline // one closure body for every field, not one per call site
func int64Of(dst *int64, st, path string) fieldFn {
	return func(v minijson.Value, errs *minijson.Errs) { errs.Add(v.ToInt64(dst, st, path, "int64")) }
}

//go:noinline // one closure body for every field, not one per call site
func intOf(dst *int, st, path string) fieldFn {
	return func(v minijson.Value, errs *minijson.Errs) {
		n := int64(*dst)
		errs.Add(v.ToInt64(&n, st, path, "int"))
		*dst = int(n)
	}
}

//go:noinline // one closure body for every field, not one per call site
func int64Ptr(dst **int64, st, path string) fieldFn {
	return func(v minijson.Value, errs *minijson.Errs) { errs.Add(v.ToInt64Ptr(dst, st, path)) }
}

//go:noinline // one closure body for every field, not one per call site
func headers(dst *map[string][]string, st, path string) fieldFn {
	return func(v minijson.Value, errs *minijson.Errs) { errs.Add(v.ToStringsMap(dst, st, path)) }
}

//go:noinline // one closure body for every field, not one per call site
func bytesOf(dst *[]byte, st, path string) fieldFn {
	return func(v minijson.Value, errs *minijson.Errs) { errs.Add(v.ToBytes(dst, st, path)) }
}

//go:noinline // one closure body for every field, not one per call site
func raw(dst *json.RawMessage) fieldFn {
	return func(v minijson.Value, _ *minijson.Errs) { v.ToRaw(dst) }
}

// DecodeConfig decodes clerk_configure's input.
func DecodeConfig(data []byte) (abi.Config, error) {
	var c abi.Config
	const st = "Config"
	err := decodeFields(data, "abi.Config",
		[]string{"jwt_key", "authorized_parties", "audience", "clock_skew_ms", "issuer", "cache_size", "publishable_key", "domain",
			"is_satellite", "satellite_auto_sync", "proxy_url", "sign_in_url", "accepts_token", "accept_pending_sessions"},
		[]fieldFn{str(&c.JWTKey, st, "jwt_key"), strs(&c.AuthorizedParties, st, "authorized_parties"), strs(&c.Audience, st, "audience"),
			int64Ptr(&c.ClockSkewMs, st, "clock_skew_ms"), str(&c.Issuer, st, "issuer"), intOf(&c.CacheSize, st, "cache_size"),
			str(&c.PublishableKey, st, "publishable_key"), str(&c.Domain, st, "domain"), boolean(&c.IsSatellite, st, "is_satellite"),
			boolean(&c.SatelliteAutoSync, st, "satellite_auto_sync"), str(&c.ProxyURL, st, "proxy_url"), str(&c.SignInURL, st, "sign_in_url"),
			strs(&c.AcceptsToken, st, "accepts_token"), boolean(&c.AcceptPendingSessions, st, "accept_pending_sessions")})
	return c, err
}

// DecodeVerifyTokenInput decodes clerk_verify_token's input.
func DecodeVerifyTokenInput(data []byte) (abi.VerifyTokenInput, error) {
	var in abi.VerifyTokenInput
	const st = "VerifyTokenInput"
	err := decodeFields(data, "abi.VerifyTokenInput", []string{"token", "authorized_parties", "audience", "clock_skew_ms"},
		[]fieldFn{str(&in.Token, st, "token"), strs(&in.AuthorizedParties, st, "authorized_parties"), strs(&in.Audience, st, "audience"),
			int64Ptr(&in.ClockSkewMs, st, "clock_skew_ms")})
	return in, err
}

// requestFields are the members of an abi.Request below prefix.
func requestFields(r *abi.Request, prefix string) ([]string, []fieldFn) {
	const st = "Request"
	return []string{"method", "url", "headers"},
		[]fieldFn{str(&r.Method, st, prefix+"method"), str(&r.URL, st, prefix+"url"), headers(&r.Headers, st, prefix+"headers")}
}

// DecodeRequest decodes an abi.Request (the Extism plugin's
// authenticate_request input).
func DecodeRequest(data []byte) (abi.Request, error) {
	var r abi.Request
	names, fns := requestFields(&r, "")
	err := decodeFields(data, "abi.Request", names, fns)
	return r, err
}

// DecodeAuthenticateRequestInput decodes clerk_authenticate_request's input.
func DecodeAuthenticateRequestInput(data []byte) (abi.AuthenticateRequestInput, error) {
	var in abi.AuthenticateRequestInput
	names, fns := requestFields(&in.Request, "request.")
	err := decodeFields(data, "abi.AuthenticateRequestInput", []string{"request"}, []fieldFn{
		func(v minijson.Value, errs *minijson.Errs) {
			nested(v, errs, "AuthenticateRequestInput", "request", "abi.Request", names, fns)
		}})
	return in, err
}

// DecodeWebhookInput decodes clerk_verify_webhook's input.
func DecodeWebhookInput(data []byte) (abi.WebhookInput, error) {
	var in abi.WebhookInput
	const st = "WebhookInput"
	err := decodeFields(data, "abi.WebhookInput", []string{"secret", "headers", "body", "now_unix"},
		[]fieldFn{str(&in.Secret, st, "secret"), headers(&in.Headers, st, "headers"), bytesOf(&in.Body, st, "body"),
			int64Of(&in.NowUnix, st, "now_unix")})
	return in, err
}

// DecodeCallInput decodes clerk_call's input.
func DecodeCallInput(data []byte) (abi.CallInput, error) {
	var in abi.CallInput
	const st = "CallInput"
	err := decodeFields(data, "abi.CallInput", []string{"operation", "params"},
		[]fieldFn{str(&in.Operation, st, "operation"), raw(&in.Params)})
	return in, err
}

// DecodeHTTPResponse decodes the host's http_response.
func DecodeHTTPResponse(data []byte) (abi.HTTPResponse, error) {
	var r abi.HTTPResponse
	const st = "HTTPResponse"
	err := decodeFields(data, "abi.HTTPResponse", []string{"status", "headers", "body", "error"},
		[]fieldFn{intOf(&r.Status, st, "status"), headers(&r.Headers, st, "headers"), bytesOf(&r.Body, st, "body"),
			func(v minijson.Value, errs *minijson.Errs) {
				switch v.Kind {
				case minijson.Null:
					r.Error = nil
					return
				case minijson.Object:
					if r.Error == nil {
						r.Error = new(abi.HTTPError)
					}
				}
				e := r.Error
				if e == nil {
					e = new(abi.HTTPError)
				}
				nested(v, errs, st, "error", "abi.HTTPError", []string{"message", "not_sent"},
					[]fieldFn{str(&e.Message, "HTTPError", "error.message"), boolean(&e.NotSent, "HTTPError", "error.not_sent")})
			}})
	return r, err
}

// AppendError appends e as json.Marshal encodes an *abi.Error.
func AppendError(b []byte, e *abi.Error) ([]byte, error) {
	if e == nil {
		return append(b, "null"...), nil
	}
	w := minijson.Writer{B: b}
	w.Str(`{"kind":`, e.Kind)
	w.Str(`,"code":`, e.Code)
	w.Str(`,"message":`, e.Message)
	if e.Status != 0 {
		w.Int(`,"status":`, int64(e.Status))
	}
	if e.Action != "" {
		w.Str(`,"action":`, e.Action)
	}
	if len(e.Errors) > 0 {
		w.Lit(`,"errors":[`)
		for i, it := range e.Errors {
			lit := `,{"code":`
			if i == 0 {
				lit = lit[1:]
			}
			w.Str(lit, it.Code)
			w.Str(`,"message":`, it.Message)
			if it.LongMessage != "" {
				w.Str(`,"long_message":`, it.LongMessage)
			}
			if len(it.Meta) > 0 {
				if w.Raw(`,"meta":`, it.Meta); w.Err != nil {
					return w.B, w.Err
				}
			}
			w.Lit("}")
		}
		w.Lit("]")
	}
	if e.TraceID != "" {
		w.Str(`,"clerk_trace_id":`, e.TraceID)
	}
	if e.RetryAfterMs != 0 {
		w.Int(`,"retry_after_ms":`, e.RetryAfterMs)
	}
	w.Lit("}")
	return w.B, nil
}

// MarshalHTTPRequest encodes an abi.HTTPRequest as json.Marshal does.
func MarshalHTTPRequest(r abi.HTTPRequest) []byte {
	w := minijson.Writer{B: make([]byte, 0, 64+len(r.Path)+len(r.Query)+base64.StdEncoding.EncodedLen(len(r.Body)))}
	w.Str(`{"method":`, r.Method)
	w.Str(`,"path":`, r.Path)
	if r.Query != "" {
		w.Str(`,"query":`, r.Query)
	}
	if r.ContentType != "" {
		w.Str(`,"content_type":`, r.ContentType)
	}
	if len(r.Body) > 0 {
		w.Lit(`,"body":"`)
		w.B = base64.StdEncoding.AppendEncode(w.B, r.Body)
		w.Lit(`"`)
	}
	w.Lit("}")
	return w.B
}

// MarshalWebhookEvent encodes an abi.WebhookEvent as json.Marshal does.
func MarshalWebhookEvent(ev abi.WebhookEvent) ([]byte, error) {
	w := minijson.Writer{B: make([]byte, 0, 128+len(ev.Data)+len(ev.EventAttributes))}
	w.Str(`{"id":`, ev.ID)
	w.Int(`,"timestamp":`, ev.TimestampUnix)
	w.Str(`,"type":`, ev.Type)
	w.Str(`,"object":`, ev.Object)
	w.Raw(`,"data":`, ev.Data)
	if len(ev.EventAttributes) > 0 {
		w.Raw(`,"event_attributes":`, ev.EventAttributes)
	}
	if ev.InstanceID != "" {
		w.Str(`,"instance_id":`, ev.InstanceID)
	}
	if ev.EventTimestamp != 0 {
		w.Int(`,"event_timestamp":`, ev.EventTimestamp)
	}
	if w.Err != nil {
		return nil, w.Err
	}
	w.Lit("}")
	return w.B, nil
}
