package plugin

import (
	"encoding/base64"
	"encoding/json"
	"strconv"

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

// appendKey appends `,"name":` (without the comma for the first member).
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func appendKey(b []byte, first bool, name string) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, '"')
	b = append(b, name...)
	return append(b, '"', ':')
}

// AppendError appends e as json.Marshal encodes an *abi.Error.
func AppendError(b []byte, e *abi.Error) ([]byte, error) {
	if e == nil {
		return append(b, "null"...), nil
	}
	b = append(b, `{"kind":`...)
	b = minijson.AppendString(b, e.Kind)
	b = append(b, `,"code":`...)
	b = minijson.AppendString(b, e.Code)
	b = append(b, `,"message":`...)
	b = minijson.AppendString(b, e.Message)
	if e.Status != 0 {
		b = appendKey(b, false, "status")
		b = strconv.AppendInt(b, int64(e.Status), 10)
	}
	if e.Action != "" {
		b = appendKey(b, false, "action")
		b = minijson.AppendString(b, e.Action)
	}
	if len(e.Errors) > 0 {
		b = append(b, `,"errors":[`...)
		for i, it := range e.Errors {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"code":`...)
			b = minijson.AppendString(b, it.Code)
			b = append(b, `,"message":`...)
			b = minijson.AppendString(b, it.Message)
			if it.LongMessage != "" {
				b = appendKey(b, false, "long_message")
				b = minijson.AppendString(b, it.LongMessage)
			}
			if len(it.Meta) > 0 {
				b = appendKey(b, false, "meta")
				var err error
				if b, err = minijson.AppendRaw(b, it.Meta); err != nil {
					return b, err
				}
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if e.TraceID != "" {
		b = appendKey(b, false, "clerk_trace_id")
		b = minijson.AppendString(b, e.TraceID)
	}
	if e.RetryAfterMs != 0 {
		b = appendKey(b, false, "retry_after_ms")
		b = strconv.AppendInt(b, e.RetryAfterMs, 10)
	}
	return append(b, '}'), nil
}

// MarshalHTTPRequest encodes an abi.HTTPRequest as json.Marshal does.
func MarshalHTTPRequest(r abi.HTTPRequest) []byte {
	b := make([]byte, 0, 64+len(r.Path)+len(r.Query)+base64.StdEncoding.EncodedLen(len(r.Body)))
	b = append(b, `{"method":`...)
	b = minijson.AppendString(b, r.Method)
	b = append(b, `,"path":`...)
	b = minijson.AppendString(b, r.Path)
	if r.Query != "" {
		b = append(b, `,"query":`...)
		b = minijson.AppendString(b, r.Query)
	}
	if r.ContentType != "" {
		b = append(b, `,"content_type":`...)
		b = minijson.AppendString(b, r.ContentType)
	}
	if len(r.Body) > 0 {
		b = append(b, `,"body":"`...)
		b = base64.StdEncoding.AppendEncode(b, r.Body)
		b = append(b, '"')
	}
	return append(b, '}')
}

// MarshalWebhookEvent encodes an abi.WebhookEvent as json.Marshal does.
func MarshalWebhookEvent(ev abi.WebhookEvent) ([]byte, error) {
	b := append(make([]byte, 0, 128+len(ev.Data)+len(ev.EventAttributes)), `{"id":`...)
	b = minijson.AppendString(b, ev.ID)
	b = append(b, `,"timestamp":`...)
	b = strconv.AppendInt(b, ev.TimestampUnix, 10)
	b = append(b, `,"type":`...)
	b = minijson.AppendString(b, ev.Type)
	b = append(b, `,"object":`...)
	b = minijson.AppendString(b, ev.Object)
	b = append(b, `,"data":`...)
	var err error
	if b, err = minijson.AppendRaw(b, ev.Data); err != nil {
		return nil, err
	}
	if len(ev.EventAttributes) > 0 {
		b = append(b, `,"event_attributes":`...)
		if b, err = minijson.AppendRaw(b, ev.EventAttributes); err != nil {
			return nil, err
		}
	}
	if ev.InstanceID != "" {
		b = append(b, `,"instance_id":`...)
		b = minijson.AppendString(b, ev.InstanceID)
	}
	if ev.EventTimestamp != 0 {
		b = append(b, `,"event_timestamp":`...)
		b = strconv.AppendInt(b, ev.EventTimestamp, 10)
	}
	return append(b, '}'), nil
}
