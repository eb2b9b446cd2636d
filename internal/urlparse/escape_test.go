package urlparse

import "testing"

// needsEscapeSpec is the rule the unescaped table encodes: net/url's
// shouldEscape (RFC 3986, with its historical deviations).
func needsEscapeSpec(c byte, p part) bool {
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

func TestEscapeTable(t *testing.T) {
	for c := 0; c < 256; c++ {
		for p := partPath; p <= partFragment; p++ {
			if got, want := needsEscape(byte(c), p), needsEscapeSpec(byte(c), p); got != want {
				t.Errorf("needsEscape(%q, %d) = %v, want %v", rune(c), p, got, want)
			}
		}
	}
}
