//go:build !wasip1

package core

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
)

func init() {
	defaultTransport = func() Transport { return NewHTTPTransport(nil) }
}

// MaxResponseBytes caps a response body read by the net/http transport.
const MaxResponseBytes = 64 << 20

// maxResponseBytes is MaxResponseBytes, lowered by tests.
var maxResponseBytes int64 = MaxResponseBytes

// NewHTTPTransport adapts an *http.Client (nil means http.DefaultTransport
// with no overall timeout). The client is copied and its CheckRedirect
// replaced, whatever it was: a redirect is returned as the response (which
// the Client reports as an error), never followed, because following it
// would send the request's Authorization header (the secret key) to
// wherever the redirect points. Every net/http request of this module goes
// through here.
func NewHTTPTransport(c *http.Client) Transport {
	cc := http.Client{}
	if c != nil {
		cc = *c
	}
	cc.CheckRedirect = refuseRedirect
	return &httpTransport{c: &cc}
}

func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

type httpTransport struct{ c *http.Client }

func (t *httpTransport) RoundTrip(ctx context.Context, r *HTTPRequest) (*HTTPResponse, error) {
	// Whether any byte of the request was written decides if a failure may
	// be replayed for a non-idempotent operation.
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{
		WroteHeaders: func() { wrote.Store(true) },
		WroteRequest: func(httptrace.WroteRequestInfo) { wrote.Store(true) },
	}
	ctx = httptrace.WithClientTrace(ctx, trace)
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return nil, &NotSentError{Err: err}
	}
	for k, v := range r.Header {
		req.Header[k] = v
	}
	resp, err := t.c.Do(req)
	if err != nil {
		if !wrote.Load() && notSentCause(err) {
			return nil, &NotSentError{Err: err, permanent: permanentCause(err)}
		}
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > maxResponseBytes {
		return nil, errResponseTooLarge
	}
	return &HTTPResponse{StatusCode: resp.StatusCode, Header: Header(resp.Header), Body: b}, nil
}

// notSentCause reports errors that can only happen before the request is
// on the wire: dialing and TLS failures. A context deadline before writing
// counts too (nothing was sent).
func notSentCause(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var rec tls.RecordHeaderError
	if errors.As(err, &rec) || errors.Is(err, http.ErrSchemeMismatch) {
		return true
	}
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return true
	}
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// permanentCause reports failures before sending that the same request
// would meet again at once: the host does not exist, the server's
// certificate does not verify, the server does not speak TLS.
func permanentCause(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) && dns.IsNotFound {
		return true
	}
	var rec tls.RecordHeaderError
	if errors.As(err, &rec) || errors.Is(err, http.ErrSchemeMismatch) {
		return true
	}
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) {
		return true
	}
	var ua x509.UnknownAuthorityError
	var hn x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &ua) || errors.As(err, &hn) || errors.As(err, &ci)
}
