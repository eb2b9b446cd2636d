// Package urlparse parses URLs and query strings exactly as net/url does,
// without net/url: net/url formats its errors with fmt (and so links fmt
// and reflect), which the wasm guest cannot afford. It covers what core
// and the wasm plugins need: Parse, String, Redacted, Hostname, Port,
// query strings (ParseQuery, Values.Encode) and the escaping functions.
//
// The results, accepted inputs and error texts are net/url's (Go 1.26,
// with its default GODEBUG settings: strict colons in http(s) hosts, at
// most 10000 query parameters); the tests compare the two natively, on a
// table of edge cases and with fuzz targets. Values converts to and from
// url.Values (same map type).
package urlparse

import (
	"errors"
	"strings"
)

// URL is the subset of url.URL's fields Parse fills, with the same
// meaning.
type URL struct {
	Scheme      string
	Opaque      string    // encoded opaque data (scheme:opaque)
	User        *Userinfo // nil when the URL has no userinfo
	Host        string    // host or host:port, IPv6 in brackets
	Path        string    // decoded
	RawPath     string    // the encoded path, when not the default encoding
	RawQuery    string    // without the '?'
	Fragment    string    // decoded, without the '#'
	RawFragment string    // the encoded fragment, when not the default encoding
	ForceQuery  bool      // a '?' with an empty query
	OmitHost    bool      // "scheme:/path" (no authority)
	_           noEq
}

// noEq makes a struct incomparable: the compiler then emits no equality
// function for it, which the wasm guest would carry for every struct it
// allocates (a few hundred bytes each).
type noEq [0]func()

// Userinfo is url.Userinfo: a user name and an optional password.
type Userinfo struct {
	Username    string
	Password    string
	PasswordSet bool
	_           noEq
}

func (u *Userinfo) encode() string {
	s := escape(u.Username, partUserinfo)
	if u.PasswordSet {
		s += ":" + escape(u.Password, partUserinfo)
	}
	return s
}

// Error is url.Error: the operation, the URL and the problem; its text is
// the same ("parse \"x\": problem").
type Error struct {
	Op  string
	URL string
	Err error
	_   noEq
}

func (e *Error) Error() string { return e.Op + " " + quote(e.URL) + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Parse is url.Parse: it parses an absolute URL or a relative reference.
func Parse(raw string) (*URL, error) {
	rest, frag, _ := strings.Cut(raw, "#")
	u, err := parse(rest)
	if err != nil {
		return nil, &Error{Op: "parse", URL: rest, Err: err}
	}
	if frag == "" {
		return u, nil
	}
	if u.Fragment, err = unescape(frag, partFragment); err != nil {
		return nil, &Error{Op: "parse", URL: raw, Err: err}
	}
	if escape(u.Fragment, partFragment) != frag {
		u.RawFragment = frag
	}
	return u, nil
}

func hasCTL(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// splitScheme splits "scheme:rest"; without a valid scheme it returns ""
// and raw.
func splitScheme(raw string) (scheme, rest string, err error) {
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return "", raw, nil
			}
		case c == ':':
			if i == 0 {
				return "", "", errors.New("missing protocol scheme")
			}
			return raw[:i], raw[i+1:], nil
		default:
			return "", raw, nil
		}
	}
	return "", raw, nil
}

func parse(raw string) (*URL, error) {
	if hasCTL(raw) {
		return nil, errors.New("net/url: invalid control character in URL")
	}
	u := &URL{}
	if raw == "*" {
		u.Path = "*"
		return u, nil
	}
	scheme, rest, err := splitScheme(raw)
	if err != nil {
		return nil, err
	}
	u.Scheme = strings.ToLower(scheme)
	if strings.HasSuffix(rest, "?") && strings.Count(rest, "?") == 1 {
		u.ForceQuery = true
		rest = rest[:len(rest)-1]
	} else {
		rest, u.RawQuery, _ = strings.Cut(rest, "?")
	}
	if !strings.HasPrefix(rest, "/") {
		if u.Scheme != "" {
			u.Opaque = rest
			return u, nil
		}
		// "a:b/c" would read as a scheme: a relative reference's first
		// segment cannot hold a colon.
		if seg, _, _ := strings.Cut(rest, "/"); strings.Contains(seg, ":") {
			return nil, errors.New("first path segment in URL cannot contain colon")
		}
	}
	if (u.Scheme != "" || !strings.HasPrefix(rest, "///")) && strings.HasPrefix(rest, "//") {
		authority := rest[2:]
		rest = ""
		if i := strings.IndexByte(authority, '/'); i >= 0 {
			authority, rest = authority[:i], authority[i:]
		}
		if u.User, u.Host, err = parseAuthority(u.Scheme, authority); err != nil {
			return nil, err
		}
	} else if u.Scheme != "" && strings.HasPrefix(rest, "/") {
		u.OmitHost = true
	}
	if u.Path, err = unescape(rest, partPath); err != nil {
		return nil, err
	}
	if escape(u.Path, partPath) != rest {
		u.RawPath = rest
	}
	return u, nil
}

func parseAuthority(scheme, authority string) (*Userinfo, string, error) {
	at := strings.LastIndexByte(authority, '@')
	host, err := parseHost(scheme, authority[at+1:])
	if err != nil {
		return nil, "", err
	}
	if at < 0 {
		return nil, host, nil
	}
	info := authority[:at]
	if !validUserinfo(info) {
		return nil, "", errors.New("net/url: invalid userinfo")
	}
	name, pass, hasPass := strings.Cut(info, ":")
	if name, err = unescape(name, partUserinfo); err != nil {
		return nil, "", err
	}
	if hasPass {
		if pass, err = unescape(pass, partUserinfo); err != nil {
			return nil, "", err
		}
	}
	return &Userinfo{Username: name, Password: pass, PasswordSet: hasPass}, host, nil
}

// validUserinfo: RFC 3986's userinfo characters, plus '@' (net/url lets
// "a@b@host" through, taking the last '@').
func validUserinfo(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9':
		case strings.IndexByte("-._:~!$&'()*+,;=%@", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// validPort: "" or ":" followed by digits only.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	if p[0] != ':' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return true
}

func parseHost(scheme, host string) (string, error) {
	open := strings.LastIndexByte(host, '[')
	switch {
	case open > 0:
		return "", errors.New("invalid IP-literal")
	case open == 0:
		// "[v6]" or "[v6%25zone]", then an optional port.
		closing := strings.LastIndexByte(host, ']')
		if closing < 0 {
			return "", errors.New("missing ']' in host")
		}
		port := host[closing+1:]
		if !validPort(port) {
			return "", errors.New("invalid port " + quote(port) + " after host")
		}
		// A valid port is ASCII digits: unescaping leaves it as is.
		name := host[1:closing]
		var addr string
		if z := strings.Index(name, "%25"); z >= 0 {
			a, err := unescape(name[:z], partHost)
			if err != nil {
				return "", err
			}
			zone, err := unescape(name[z:], partZone)
			if err != nil {
				return "", err
			}
			addr = a + zone
		} else {
			var err error
			if addr, err = unescape(name, partHost); err != nil {
				return "", err
			}
		}
		is4, err := checkIPLiteral(addr)
		if err != nil {
			return "", &wrapped{prefix: "invalid host: ", err: err}
		}
		if is4 {
			return "", errors.New("invalid IP-literal")
		}
		return "[" + addr + "]" + port, nil
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		// Other schemes may list hosts ("h1:1,h2:2"): only the last
		// colon starts the port there.
		if scheme != "http" && scheme != "https" {
			i = strings.LastIndexByte(host, ':')
		}
		if port := host[i:]; !validPort(port) {
			return "", errors.New("invalid port " + quote(port) + " after host")
		}
	}
	return unescape(host, partHost)
}

// wrapped is fmt.Errorf(prefix+"%w", err).
type wrapped struct {
	prefix string
	err    error
	_      noEq
}

func (e *wrapped) Error() string { return e.prefix + e.err.Error() }
func (e *wrapped) Unwrap() error { return e.err }

// Hostname is url.URL.Hostname: the host without port or IPv6 brackets.
func (u *URL) Hostname() string {
	h, _ := splitHostPort(u.Host)
	return h
}

// Port is url.URL.Port: the digits after the host's last colon, or "".
func (u *URL) Port() string {
	_, p := splitHostPort(u.Host)
	return p
}

func splitHostPort(hostPort string) (host, port string) {
	host = hostPort
	if c := strings.LastIndexByte(host, ':'); c >= 0 && validPort(host[c:]) {
		host, port = host[:c], host[c+1:]
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		host = host[1 : len(host)-1]
	}
	return host, port
}

// Query is url.URL.Query: the parsed query, bad pairs dropped.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func (u *URL) Query() Values {
	v, _ := ParseQuery(u.RawQuery)
	return v
}

// validEncoded: s is an encoding of a path or fragment that String may
// keep (RFC 3986's pchar, brackets, escapes).
func validEncoded(s string, p part) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '@', '[', ']', '%':
		default:
			if needsEscape(c, p) {
				return false
			}
		}
	}
	return true
}

// EscapedPath is url.URL.EscapedPath: RawPath when it still encodes Path,
// else Path escaped.
func (u *URL) EscapedPath() string {
	if u.RawPath != "" && validEncoded(u.RawPath, partPath) {
		if p, err := unescape(u.RawPath, partPath); err == nil && p == u.Path {
			return u.RawPath
		}
	}
	if u.Path == "*" {
		return "*"
	}
	return escape(u.Path, partPath)
}

// EscapedFragment is url.URL.EscapedFragment.
func (u *URL) EscapedFragment() string {
	if u.RawFragment != "" && validEncoded(u.RawFragment, partFragment) {
		if f, err := unescape(u.RawFragment, partFragment); err == nil && f == u.Fragment {
			return u.RawFragment
		}
	}
	return escape(u.Fragment, partFragment)
}

// String is url.URL.String: the URL reassembled.
func (u *URL) String() string {
	b := buf(make([]byte, 0, len(u.Scheme)+len(u.Opaque)+len(u.Host)+len(u.Path)+len(u.RawQuery)+len(u.RawFragment)+16))
	if u.Scheme != "" {
		b.add(u.Scheme)
		b.add(":")
	}
	if u.Opaque != "" {
		b.add(u.Opaque)
	} else {
		if (u.Scheme != "" || u.Host != "" || u.User != nil) && !(u.OmitHost && u.Host == "" && u.User == nil) {
			if u.Host != "" || u.Path != "" || u.User != nil {
				b.add("//")
			}
			if u.User != nil {
				b.add(u.User.encode())
				b.add("@")
			}
			b.add(escape(u.Host, partHost))
		}
		path := u.EscapedPath()
		if path != "" && path[0] != '/' && u.Host != "" {
			b.add("/")
		}
		if len(b) == 0 {
			// "./a:b", or the first segment would read as a scheme.
			if seg, _, _ := strings.Cut(path, "/"); strings.Contains(seg, ":") {
				b.add("./")
			}
		}
		b.add(path)
	}
	if u.ForceQuery || u.RawQuery != "" {
		b.add("?")
		b.add(u.RawQuery)
	}
	if u.Fragment != "" {
		b.add("#")
		b.add(u.EscapedFragment())
	}
	return string(b)
}

// Redacted is url.URL.Redacted: String with any password replaced by
// "xxxxx".
func (u *URL) Redacted() string {
	if u == nil {
		return ""
	}
	r := *u
	if r.User != nil && r.User.PasswordSet {
		r.User = &Userinfo{Username: r.User.Username, Password: "xxxxx", PasswordSet: true}
	}
	return r.String()
}

// buf is a []byte with an add that is not inlined: in the wasm module each
// inlined append costs hundreds of bytes.
type buf []byte

//go:noinline
func (b *buf) add(s string) { *b = append(*b, s...) }
