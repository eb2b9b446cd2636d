package core

import (
	"context"
	"errors"
	"strings"
)

// Header is a set of HTTP header fields with canonical keys. It mirrors
// net/http.Header without importing net/http, so core stays small when built
// for wasip1.
type Header map[string][]string

// Get returns the first value of key, or "". (Get, Set and Add are not
// inlined: in the wasm guest each inlined copy, a map access and the
// key's canonicalisation, cost about 0.2 KB at every one of their calls.)
//
//go:noinline
func (h Header) Get(key string) string {
	if v := h[canonicalHeaderKey(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces the values of key.
//
//go:noinline
func (h Header) Set(key, value string) { h[canonicalHeaderKey(key)] = []string{value} }

// Add appends a value to key.
//
//go:noinline
func (h Header) Add(key, value string) {
	k := canonicalHeaderKey(key)
	h[k] = append(h[k], value)
}

// Del removes key.
func (h Header) Del(key string) { delete(h, canonicalHeaderKey(key)) }

// Clone returns a deep copy.
func (h Header) Clone() Header {
	out := make(Header, len(h))
	for k, v := range h {
		out[k] = append([]string(nil), v...)
	}
	return out
}

// HTTPRequest is the request a Transport sends. URL is absolute.
type HTTPRequest struct {
	Method string
	URL    string
	Header Header
	Body   []byte
}

// HTTPResponse is what a Transport returns: the whole body is read.
type HTTPResponse struct {
	StatusCode int
	Header     Header
	Body       []byte
}

// Transport sends one HTTP request. Natively it is backed by net/http
// (NewHTTPTransport); inside the wasm guest it asks the host to make the
// request. Implementations must honour ctx.
//
// A Transport reports failures that happened before any byte of the request
// was written as a *NotSentError, so that the client can retry them even for
// non-idempotent operations. Any other error is treated as "the request may
// have been processed".
type Transport interface {
	RoundTrip(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error)
}

// TransportFunc adapts a function to Transport.
type TransportFunc func(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error)

// RoundTrip calls f.
func (f TransportFunc) RoundTrip(ctx context.Context, req *HTTPRequest) (*HTTPResponse, error) {
	return f(ctx, req)
}

// NotSentError wraps a transport failure that happened before the request
// left the machine (DNS, connection refused, TLS handshake): replaying it can
// never apply a write twice.
type NotSentError struct {
	Err error
	// permanent marks a failure that retrying cannot cure: an unknown
	// host, a certificate that does not verify.
	permanent bool
}

func (e *NotSentError) Error() string { return "request not sent: " + e.Err.Error() }
func (e *NotSentError) Unwrap() error { return e.Err }

// errResponseTooLarge is a response over the transport's size cap. The
// same request would get the same response, so it is never retried.
var errResponseTooLarge = errors.New("response body exceeds 64 MiB")

// IsNotSent reports whether err says the request never left the machine.
func IsNotSent(err error) bool {
	var ns *NotSentError
	return errors.As(err, &ns)
}

// canonicalHeaderKey is net/textproto's CanonicalMIMEHeaderKey (the key
// net/http uses): the first letter and each letter after a hyphen upper
// case, the rest lower case; a key holding a byte that cannot appear in a
// header field name (a space, a control or non-ASCII byte) is returned
// unchanged. It is written out here because net/textproto links the net
// package into the wasm module (TestCanonicalHeaderKeyMatchesTextproto).
func canonicalHeaderKey(s string) string {
	upper, canonical := true, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !headerFieldByte(c) {
			return s
		}
		if upper && 'a' <= c && c <= 'z' || !upper && 'A' <= c && c <= 'Z' {
			canonical = false
		}
		upper = c == '-'
	}
	if canonical {
		return s
	}
	var buf [64]byte // most keys fit: the only allocation is the result
	b := append(buf[:0], s...)
	upper = true
	for i, c := range b {
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		} else if !upper && 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
		upper = c == '-'
	}
	return string(b)
}

// headerFieldByte reports whether c may appear in a header field name
// (RFC 9110 tchar).
func headerFieldByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c < 128 && strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}
