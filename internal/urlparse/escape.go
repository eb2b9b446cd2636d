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
// net/url's rules (RFC 3986, with its historical deviations): see
// needsEscapeSpec in escape_test.go, which TestEscapeTable holds the table
// to.
func needsEscape(c byte, p part) bool { return unescaped[c]&(1<<(p-1)) == 0 }

// unescaped has bit p-1 set for the bytes part p holds unescaped.
var unescaped = [256]uint8{
	'!':  0x4c,
	'"':  0x0c,
	'$':  0x5f,
	'&':  0x5f,
	'\'': 0x0c,
	'(':  0x4c,
	')':  0x4c,
	'*':  0x4c,
	'+':  0x5f,
	',':  0x5d,
	'-':  0x7f,
	'.':  0x7f,
	'/':  0x41,
	'0':  0x7f,
	'1':  0x7f,
	'2':  0x7f,
	'3':  0x7f,
	'4':  0x7f,
	'5':  0x7f,
	'6':  0x7f,
	'7':  0x7f,
	'8':  0x7f,
	'9':  0x7f,
	':':  0x4f,
	';':  0x5d,
	'<':  0x0c,
	'=':  0x5f,
	'>':  0x0c,
	'?':  0x40,
	'@':  0x43,
	'A':  0x7f,
	'B':  0x7f,
	'C':  0x7f,
	'D':  0x7f,
	'E':  0x7f,
	'F':  0x7f,
	'G':  0x7f,
	'H':  0x7f,
	'I':  0x7f,
	'J':  0x7f,
	'K':  0x7f,
	'L':  0x7f,
	'M':  0x7f,
	'N':  0x7f,
	'O':  0x7f,
	'P':  0x7f,
	'Q':  0x7f,
	'R':  0x7f,
	'S':  0x7f,
	'T':  0x7f,
	'U':  0x7f,
	'V':  0x7f,
	'W':  0x7f,
	'X':  0x7f,
	'Y':  0x7f,
	'Z':  0x7f,
	'[':  0x0c,
	']':  0x0c,
	'_':  0x7f,
	'a':  0x7f,
	'b':  0x7f,
	'c':  0x7f,
	'd':  0x7f,
	'e':  0x7f,
	'f':  0x7f,
	'g':  0x7f,
	'h':  0x7f,
	'i':  0x7f,
	'j':  0x7f,
	'k':  0x7f,
	'l':  0x7f,
	'm':  0x7f,
	'n':  0x7f,
	'o':  0x7f,
	'p':  0x7f,
	'q':  0x7f,
	'r':  0x7f,
	's':  0x7f,
	't':  0x7f,
	'u':  0x7f,
	'v':  0x7f,
	'w':  0x7f,
	'x':  0x7f,
	'y':  0x7f,
	'z':  0x7f,
	'~':  0x7f,
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// hexVal is the value of a hex digit: bit 6 is set for letters (A-F and
// a-f alike), whose low nibble counts from 1.
func hexVal(c byte) byte { return 9*(c>>6) + c&15 }

// escapeError is net/url's EscapeError: a bad or forbidden "%xx".
type escapeError string

func (e escapeError) Error() string { return "invalid URL escape " + quote(string(e)) }

// hostCharError is net/url's InvalidHostError.
type hostCharError string

func (e hostCharError) Error() string {
	return "invalid character " + quote(string(e)) + " in host name"
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
	b := make([]byte, 0, len(s)-2*escapes)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%':
			b = append(b, hexVal(s[i+1])<<4|hexVal(s[i+2]))
			i += 2
		case c == '+' && p == partQuery:
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	return string(b), nil
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

// quote is strconv.Quote.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func quote(s string) string { return strconv.Quote(s) }
