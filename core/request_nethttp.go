//go:build !wasip1

package core

import (
	"net/http"
)

// RequestFromHTTP adapts an incoming *http.Request to the portable Request
// view. Server-side requests carry only a path in r.URL, so the URL is
// completed from r.Host and the connection's TLS state; Go also moves the
// Host header out of r.Header, so it is put back. The headers are shared,
// not copied: the view is read-only.
func RequestFromHTTP(r *http.Request) Request {
	u := *r.URL
	if u.Host == "" {
		u.Host = r.Host
	}
	if u.Scheme == "" {
		u.Scheme = "http"
		if r.TLS != nil {
			u.Scheme = "https"
		}
	}
	h := map[string][]string(r.Header)
	if r.Host != "" && len(r.Header.Values("Host")) == 0 {
		h = make(map[string][]string, len(r.Header)+1)
		for k, v := range r.Header {
			h[k] = v
		}
		h["Host"] = []string{r.Host}
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	return Request{Method: method, URL: u.String(), Headers: h}
}
