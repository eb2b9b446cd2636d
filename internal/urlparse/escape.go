package urlparse

import (
	"strconv"
	"strings"
)

// part names the URL component a string is escaped for or unescaped
// from: each allows a different set of bytes unescaped.
type part uint8

const (
	partPath     part = iota + 1 // a whole path ("/a/b")
	partSegment                  // one path segment (PathEscape)
	partHost                     // host[:port]
	partZone                     // an IPv6 zone identifier (after %25)
	partUserinfo                 // user name or password
	partQuery                    // a query key or value (QueryEscape)
	partFragment                 // the fragment
)

// needsEscape reports whether c must be percent-encoded in part p, with
// net/url's rules (RFC 3986, with its historical deviations).
func needsEscape(c byte, p part) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return false
	}
	if p == partHost || p == partZone {
		// Sub-delimiters, the port's colon, IPv6 brackets and the three
		// bytes Parse would otherwise refuse (hosts cannot escape ASCII).
		switch c {
		case '!', '$', '&', '\'', '(', ')', '*', '+', ',', ';', '=', ':', '[', ']', '<', '>', '"':
			return false
		}
	}
	switch c {
	case '-', '_', '.', '~':
		return false
	case '$', '&', '+', ',', '/', ':', ';', '=', '?', '@':
		switch p {
		case partPath:
			return c == '?'
		case partSegment:
			return c == '/' || c == ';' || c == ',' || c == '?'
		case partUserinfo:
			return c == '@' || c == '/' || c == '?' || c == ':'
		case partQuery:
			return true
		case partFragment:
			return false
		}
	}
	if p == partFragment {
		switch c {
		case '!', '(', ')', '*':
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func hexVal(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// escapeError is net/url's EscapeError: a bad or forbidden "%xx".
type escapeError string

func (e escapeError) Error() string { return "invalid URL escape " + strconv.Quote(string(e)) }

// hostCharError is net/url's InvalidHostError.
type hostCharError string

func (e hostCharError) Error() string {
	return "invalid character " + strconv.Quote(string(e)) + " in host name"
}

// unescape decodes the percent-escapes of s (and '+' as a space in a
// query), with net/url's checks for part p.
func unescape(s string, p part) (string, error) {
	escapes, plus := 0, false
	for i := 0; i < len(s); {
		switch c := s[i]; c {
		case '%':
			escapes++
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				bad := s[i:]
				if len(bad) > 3 {
					bad = bad[:3]
				}
				return "", escapeError(bad)
			}
			// A host may escape only non-ASCII bytes, and "%25" (the
			// zone separator of RFC 6874); a zone may escape what a host
			// could hold unescaped, and spaces.
			if p == partHost && hexVal(s[i+1]) < 8 && s[i:i+3] != "%25" {
				return "", escapeError(s[i : i+3])
			}
			if p == partZone {
				v := hexVal(s[i+1])<<4 | hexVal(s[i+2])
				if s[i:i+3] != "%25" && v != ' ' && needsEscape(v, partHost) {
					return "", escapeError(s[i : i+3])
				}
			}
			i += 3
		case '+':
			plus = p == partQuery
			i++
		default:
			if (p == partHost || p == partZone) && c < 0x80 && needsEscape(c, p) {
				return "", hostCharError(s[i : i+1])
			}
			i++
		}
	}
	if escapes == 0 && !plus {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s) - 2*escapes)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			b.WriteByte(hexVal(s[i+1])<<4 | hexVal(s[i+2]))
			i += 2
		case c == '+' && p == partQuery:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

const upperHex = "0123456789ABCDEF"

// escape percent-encodes what part p cannot hold (a query encodes spaces
// as '+').
func escape(s string, p part) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; needsEscape(c, p) && !(c == ' ' && p == partQuery) {
			n++
		}
	}
	if n == 0 && (p != partQuery || strings.IndexByte(s, ' ') < 0) {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ' && p == partQuery:
			b = append(b, '+')
		case needsEscape(c, p):
			b = append(b, '%', upperHex[c>>4], upperHex[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// QueryEscape is url.QueryEscape: s escaped for a query key or value.
func QueryEscape(s string) string { return escape(s, partQuery) }

// PathEscape is url.PathEscape: s escaped for one path segment.
func PathEscape(s string) string { return escape(s, partSegment) }

// QueryUnescape is url.QueryUnescape: "%AB" decoded, '+' read as a space.
func QueryUnescape(s string) (string, error) { return unescape(s, partQuery) }

// PathUnescape is url.PathUnescape: "%AB" decoded, '+' kept.
func PathUnescape(s string) (string, error) { return unescape(s, partSegment) }
