package core

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// APIError is the one error type for a Backend API response with a status of
// 400 or more. It carries everything Clerk sent: the HTTP status, the
// errors[] array, the trace id, Retry-After, and the raw body (useful when
// the body is not JSON, for example an HTML page from a proxy).
type APIError struct {
	Operation  string         // the operation name ("users.create"), or "METHOD /path" for raw requests
	StatusCode int            // HTTP status
	Errors     []APIErrorItem // Clerk's errors[], empty when the body was not a ClerkErrors object
	TraceID    string         // clerk_trace_id from the body, else the Clerk-Trace-Id header
	RetryAfter time.Duration  // parsed Retry-After header, 0 when absent
	Body       []byte         // the raw response body
	Header     Header         // the response headers
}

// APIErrorItem is one entry of Clerk's errors[] array.
type APIErrorItem struct {
	Code        string          `json:"code"`
	Message     string          `json:"message"`
	LongMessage string          `json:"long_message,omitempty"`
	Meta        json.RawMessage `json:"meta,omitempty"`
}

func (e *APIError) Error() string {
	// Built by string concatenation (one runtime call per line):
	// strings.Builder.WriteString, inlined at each of these calls, made
	// this the largest function of core in the wasm guest (14 KB).
	s := "clerk: "
	if e.Operation != "" {
		s += e.Operation + ": "
	}
	s += "HTTP " + strconv.Itoa(e.StatusCode)
	if e.StatusCode >= 300 && e.StatusCode < 400 {
		// The Backend API does not redirect: the base URL is wrong (a
		// website, a proxy, http:// for https://).
		s += ": the API URL answered with a redirect"
		if loc := e.Header.Get("Location"); loc != "" {
			s += " to " + snippet([]byte(loc), 200)
		}
		return s + ", which is not followed (it would send the secret key there); check the API URL"
	}
	if len(e.Errors) > 0 {
		s += errorItems(e.Errors)
	} else if len(e.Body) > 0 {
		s += ": " + snippet(e.Body, 200)
	}
	if e.RetryAfter > 0 {
		s += " (retry after " + e.RetryAfter.String() + ")"
	}
	if e.TraceID != "" {
		s += " [trace " + oneLine(e.TraceID) + "]"
	}
	return s
}

// Code returns the code of the first error item, or "".
func (e *APIError) Code() string {
	if len(e.Errors) == 0 {
		return ""
	}
	return e.Errors[0].Code
}

// HasCode reports whether any error item carries code.
func (e *APIError) HasCode(code string) bool {
	for _, it := range e.Errors {
		if it.Code == code {
			return true
		}
	}
	return false
}

// AsAPIError returns the *APIError in err's chain, if any.
func AsAPIError(err error) (*APIError, bool) {
	var ae *APIError
	ok := errors.As(err, &ae)
	return ae, ok
}

// IsNotFound reports a 404 (resource_not_found and friends).
func IsNotFound(err error) bool {
	ae, ok := AsAPIError(err)
	return ok && ae.StatusCode == 404
}

// IsIdentifierExists reports Clerk's form_identifier_exists (an email, phone
// or username is already taken).
func IsIdentifierExists(err error) bool { return HasErrorCode(err, "form_identifier_exists") }

// IsDuplicate reports duplicate_record (for example a pending invitation for
// the same address).
func IsDuplicate(err error) bool { return HasErrorCode(err, "duplicate_record") }

// IsRateLimited reports a 429.
func IsRateLimited(err error) bool {
	ae, ok := AsAPIError(err)
	return ok && ae.StatusCode == 429
}

// HasErrorCode reports whether err is an *APIError with an item of this code.
func HasErrorCode(err error, code string) bool {
	ae, ok := AsAPIError(err)
	return ok && ae.HasCode(code)
}

// newAPIError decodes a non-2xx response. Bodies that are not ClerkErrors
// (HTML from a proxy, an empty body) still give a usable error.
func newAPIError(op string, resp *HTTPResponse, now time.Time) *APIError {
	e := &APIError{Operation: op, StatusCode: resp.StatusCode, Body: resp.Body, Header: resp.Header}
	if items, traceID, ok := decodeClerkErrors(resp.Body); ok {
		e.Errors = items
		e.TraceID = traceID
	}
	if e.TraceID == "" && resp.Header != nil {
		e.TraceID = resp.Header.Get("Clerk-Trace-Id")
	}
	if resp.Header != nil {
		e.RetryAfter = ParseRetryAfter(resp.Header.Get("Retry-After"), now)
	}
	return e
}

// decodeClerkErrors decodes a ClerkErrors body as json.Unmarshal into
//
//	struct {
//		Errors  []APIErrorItem `json:"errors"`
//		TraceID string         `json:"clerk_trace_id"`
//	}
//
// did (keys matched without regard to case, null leaving a field as it
// is, other members ignored), without encoding/json's reflection
// (TestDecodeClerkErrorsMatchesEncodingJSON, FuzzDecodeClerkErrors). ok is
// false where json.Unmarshal failed: not JSON, or a member of the wrong type.
func decodeClerkErrors(body []byte) (items []APIErrorItem, traceID string, ok bool) {
	ok = true
	err := minijson.ScanObject(body, func(key []byte, esc bool, v minijson.Value) {
		switch name := minijson.Unquote(key, esc); {
		case strings.EqualFold(name, "errors"):
			switch v.Kind {
			case minijson.Null:
				items = nil
			case minijson.Array:
				// Element by element into the slice there is, as
				// encoding/json does (a repeated "errors" key merges).
				n := 0
				_ = minijson.ScanArray(v.Raw, func(e minijson.Value) {
					switch {
					case n < len(items):
					case n < cap(items):
						items = items[:n+1]
					default:
						items = append(items, APIErrorItem{})
					}
					if !decodeErrorItem(&items[n], e) {
						ok = false
					}
					n++
				})
				items = items[:n]
				if n == 0 {
					items = []APIErrorItem{}
				}
			default:
				ok = false
			}
		case strings.EqualFold(name, "clerk_trace_id"):
			if !decodeStringMember(&traceID, v) {
				ok = false
			}
		}
	})
	if err != nil {
		// Valid JSON null decodes into nothing; other values than an
		// object, and syntax errors, are errors.
		var te *minijson.UnmarshalTypeError
		if errors.As(err, &te) && te.Value == "null" {
			return nil, "", true
		}
		return nil, "", false
	}
	if !ok {
		return nil, "", false
	}
	return items, traceID, true
}

// decodeErrorItem decodes one element of errors[] into it as encoding/json
// does (null leaves it as it is); false for a value of the wrong type.
func decodeErrorItem(it *APIErrorItem, v minijson.Value) bool {
	switch v.Kind {
	case minijson.Null:
		return true
	case minijson.Object:
	default:
		return false
	}
	ok := true
	_ = minijson.ScanObject(v.Raw, func(key []byte, esc bool, m minijson.Value) {
		var good bool
		switch name := minijson.Unquote(key, esc); {
		case strings.EqualFold(name, "code"):
			good = decodeStringMember(&it.Code, m)
		case strings.EqualFold(name, "message"):
			good = decodeStringMember(&it.Message, m)
		case strings.EqualFold(name, "long_message"):
			good = decodeStringMember(&it.LongMessage, m)
		case strings.EqualFold(name, "meta"):
			// json.RawMessage keeps the value's text, null included.
			it.Meta = append(it.Meta[:0], m.Raw...)
			good = true
		default:
			good = true
		}
		ok = ok && good
	})
	return ok
}

// decodeStringMember sets *dst from a string member (null leaves it);
// false for another kind.
func decodeStringMember(dst *string, v minijson.Value) bool {
	switch v.Kind {
	case minijson.String:
		*dst = v.Str()
	case minijson.Null:
	default:
		return false
	}
	return true
}

func snippet(b []byte, n int) string {
	s := oneLine(string(b))
	if len(s) > n {
		for n > 0 && !utf8.RuneStart(s[n]) {
			n-- // cut on a character boundary
		}
		s = s[:n] + "…"
	}
	return s
}

// quote is strconv.Quote, not inlined: in the wasm guest each inlined
// copy cost about 0.3 KB at every call.
//
//go:noinline
func quote(s string) string { return strconv.Quote(s) }

// errorItems lists Clerk's errors as APIError.Error shows them: " code:
// message" each, separated by ";". They are the server's, as many as its
// body holds: one growing buffer keeps this linear in their count (a
// string concatenated item by item was quadratic: 16 s for 40,000 items).
func errorItems(items []APIErrorItem) string {
	var b []byte
	for i, it := range items {
		if i > 0 {
			b = append(b, ';')
		}
		msg := it.LongMessage
		if msg == "" {
			msg = it.Message
		}
		// The text is the server's and often reaches a terminal.
		b = append(b, ' ')
		b = append(b, oneLine(it.Code)...)
		b = append(b, ": "...)
		b = append(b, oneLine(msg)...)
	}
	return string(b)
}

// oneLine turns tabs and line breaks into spaces and drops other control
// characters (terminal escape sequences).
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return -1
		}
		return r
	}, s)
}
