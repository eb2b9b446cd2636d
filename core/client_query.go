package core

import (
	"net/url"
	"slices"
	"strings"
)

// The request URL's query and path segments are escaped here as net/url
// does (TestQueryEncodingMatchesNetURL, FuzzQueryEncoding): the functions
// of net/url (and the fmt its errors bring) would cost the wasm guest
// about 600 KB. The url.Values type itself costs nothing.

// encodeQuery is url.Values.Encode: "k=v" pairs sorted by key (values in
// their order), keys and values escaped by escapeQuery.
func encodeQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		ek := escapeQuery(k)
		for _, s := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(ek)
			b.WriteByte('=')
			b.WriteString(escapeQuery(s))
		}
	}
	return b.String()
}

// escapeQuery is url.QueryEscape: every byte but letters, digits and
// "-_.~" percent-encoded, a space as '+'.
func escapeQuery(s string) string { return escapeURLPart(s, false) }

// escapePathSegment is url.PathEscape: as escapeQuery, but "$&+:=@" are
// left alone and a space is "%20".
func escapePathSegment(s string) string { return escapeURLPart(s, true) }

func escapeURLPart(s string, segment bool) string {
	keep := func(c byte) bool {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			return true
		case c == '-' || c == '_' || c == '.' || c == '~':
			return true
		}
		return segment && (c == '$' || c == '&' || c == '+' || c == ':' || c == '=' || c == '@')
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if !keep(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case keep(c):
			b = append(b, c)
		case c == ' ' && !segment:
			b = append(b, '+')
		default:
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}
