package core

import (
	"net/url"
	"strings"
	"testing"
)

// The hand-written escaping must be byte for byte net/url's: the request
// URL is what the server (and a signature, a cache key, a log) sees.
func TestQueryEncodingMatchesNetURL(t *testing.T) {
	var all strings.Builder
	for c := 0; c < 256; c++ {
		all.WriteByte(byte(c))
	}
	for _, s := range []string{
		"", "plain", "a b", "a+b", "a&b=c", "100%", "%zz", "é", "日本", "\x00\x7f\xff",
		"-_.~", "$&+,/:;=?@", "!'()*", "[]{}|\\^`\"<>#", all.String(),
	} {
		if got, want := escapeQuery(s), url.QueryEscape(s); got != want {
			t.Errorf("escapeQuery(%q) = %q, want %q", s, got, want)
		}
		if got, want := escapePathSegment(s), url.PathEscape(s); got != want {
			t.Errorf("escapePathSegment(%q) = %q, want %q", s, got, want)
		}
	}
	for _, v := range []url.Values{
		nil,
		{},
		{"a": nil},
		{"a": {}},
		{"limit": {"10"}, "offset": {"0"}},
		{"email_address": {"a@b.c", "d e@f.g"}, "": {""}, "order_by": {"-created_at"}},
		{"b": {"2", "1"}, "a": {"x"}, "a b": {"&"}, "é": {"ü"}, "A": {"upper"}},
		{"k": {"", ""}},
	} {
		if got, want := encodeQuery(v), v.Encode(); got != want {
			t.Errorf("encodeQuery(%v) = %q, want %q", v, got, want)
		}
	}
}

func FuzzQueryEncoding(f *testing.F) {
	f.Add("a b", "c&d=e")
	f.Add("", "%2F/é")
	f.Add("\x00", "\xff+")
	f.Fuzz(func(t *testing.T, k, v string) {
		if got, want := escapeQuery(v), url.QueryEscape(v); got != want {
			t.Fatalf("escapeQuery(%q) = %q, want %q", v, got, want)
		}
		if got, want := escapePathSegment(v), url.PathEscape(v); got != want {
			t.Fatalf("escapePathSegment(%q) = %q, want %q", v, got, want)
		}
		q := url.Values{k: {v, k}, v: {k}, "z": {v}}
		if got, want := encodeQuery(q), q.Encode(); got != want {
			t.Fatalf("encodeQuery(%v) = %q, want %q", q, got, want)
		}
	})
}
