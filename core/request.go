package core

import (
	"errors"
	"strings"

	"github.com/clerkscript/clerkscript/internal/urlparse"
)

// Request is the portable view of an incoming HTTP request that
// AuthenticateRequest needs: method, absolute URL and headers (cookies
// included, in the Cookie header). It is plain data so that the wasm plugin
// can receive it as JSON and the JS binding can build it from an object;
// RequestFromHTTP (native builds) adapts a *http.Request.
//
// Header names may use any case. A URL without scheme and host ("/path?q")
// is completed from the Host (or X-Forwarded-Host) header.
type Request struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Headers map[string][]string `json:"headers"`
}

// Header returns the first value of the named header (case-insensitive), or
// "".
func (r *Request) Header(name string) string {
	if vs := r.headerValues(name); len(vs) > 0 {
		return vs[0]
	}
	return ""
}

func (r *Request) headerValues(name string) []string {
	if vs, ok := r.Headers[name]; ok {
		return vs
	}
	if vs, ok := r.Headers[canonicalHeaderKey(name)]; ok {
		return vs
	}
	for k, vs := range r.Headers {
		if strings.EqualFold(k, name) {
			return vs
		}
	}
	return nil
}

// Cookies parses the Cookie header(s). When a name appears twice the first
// value wins, as in the cookie parser @clerk/backend uses; values are
// unquoted and percent-decoded.
func (r *Request) Cookies() map[string]string {
	return parseCookieHeader(strings.Join(r.headerValues("Cookie"), "; "))
}

// parseCookieHeader splits a Cookie header into name/value pairs. Malformed
// pairs (no "=") are skipped rather than failing the whole header: browsers
// send what they have, and one bad cookie must not sign a user out.
func parseCookieHeader(h string) map[string]string {
	out := map[string]string{}
	for len(h) > 0 {
		var pair string
		pair, h, _ = strings.Cut(h, ";")
		name, value, ok := strings.Cut(pair, "=")
		if !ok {
			continue
		}
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if _, seen := out[name]; seen {
			continue
		}
		value = strings.TrimSpace(value)
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		if strings.IndexByte(value, '%') >= 0 {
			if dec, err := urlparse.PathUnescape(value); err == nil {
				value = dec
			}
		}
		out[name] = value
	}
	return out
}

// clerkURL is the request URL as the browser saw it: behind a proxy the
// X-Forwarded-Host and X-Forwarded-Proto headers (first value of each) win
// over the URL and Host header, as in @clerk/backend's ClerkRequest.
func (r *Request) clerkURL() (*urlparse.URL, error) {
	if strings.TrimSpace(r.URL) == "" {
		return nil, errors.New("clerk: invalid request: the URL is empty")
	}
	u, err := urlparse.Parse(r.URL)
	if err != nil {
		return nil, errors.New("clerk: invalid request URL " + quote(r.URL) + ": " + errors.Unwrap(err).Error())
	}
	host := firstCSV(r.Header("X-Forwarded-Host"))
	if host == "" {
		host = r.Header("Host")
	}
	proto := firstCSV(r.Header("X-Forwarded-Proto"))
	out := *u
	if host != "" {
		out.Host = host
	}
	if proto != "" {
		out.Scheme = proto
	}
	if out.Host == "" {
		return nil, errors.New("clerk: invalid request: URL " + quote(r.URL) + " is not absolute and there is no Host header")
	}
	if out.Scheme == "" {
		out.Scheme = "http"
	}
	out.Scheme = strings.ToLower(out.Scheme)
	if out.Scheme != "http" && out.Scheme != "https" {
		return nil, errors.New("clerk: invalid request: URL scheme " + quote(out.Scheme) + " is not http or https")
	}
	return &out, nil
}

func firstCSV(v string) string {
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

// origin returns scheme://host of u.
func origin(u *urlparse.URL) string { return u.Scheme + "://" + u.Host }
