package urlparse

import (
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// urlCases are the edge cases compared with net/url: what a request URL,
// a Host header, a configured origin or a redirect URL may hold.
var urlCases = []string{
	"", "*", "/", "//", "///", "////x", "?", "#", "?#", "/?", "/#", "/?a=1#f",
	"http://example.com", "HTTP://Example.COM/", "https://example.com/a/b?c=d&e#frag",
	"https://app.example.com:8443/p", "http://[::1]:3000/x", "http://[fe80::1%25en0]/",
	"http://[fe80::1%25%65n0]:80/", "http://[fe80::1%en0]/", "http://[fe80::1%25]/",
	"http://[::ffff:1.2.3.4]/", "http://[1.2.3.4]/", "http://[::1", "http://[::1]x/",
	"http://[::1]:/", "http://x[::1]/", "http://[1:2:3:4:5:6:7:8:9]/", "http://[1::2::3]/",
	"http://[12345::]/", "http://[::1.2.3]/", "http://[::1.2.3.04]/", "http://[1:2:3:4:5:6:7::]/",
	"http://[1:2:3:4:5:6:1.2.3.4]/", "http://[1:2:3:4:5:1.2.3.4]/", "http://[::g]/", "http://[:1]/",
	"http://[1:]/", "http://[%2541]/", "http://[]/", "http://[%]/", "http://[fe80::1%25a b]/",
	"http://[fe80::1%25%20]/", "http://[fe80::1%25%0a]/", "http://[v1.x]/",
	"http://user@host/", "http://user:pass@host/", "http://us%40er:p%3Ass@host/", "http://u:@h/",
	"http://:p@h/", "http://a@b@host/", "http://a b@host/", "http://us%zzer@host/", "http://u:p%zz@h/",
	"http://ü@h/", "http://h:80:90/", "ftp://h:80:90/", "mongodb://h1:1,h2:2/db", "http://h:x/",
	"http://h:/", "http://h:080/", "http://ex%41mple.com/", "http://ex%c3%a9.com/", "http://ex%zz.com/",
	"http://exa mple.com/", "http://ex<am>ple.com/", "http://ex\"ample/", "http://éxample.com/",
	"http://example.com/a%2Fb", "http://example.com/a%2fb", "http://example.com/%zz", "http://example.com/%",
	"http://example.com/%4", "http://example.com/a b", "http://example.com/a;b,c", "/a?b?c", "/a??",
	"/a?", "/a?b=c?", "http://example.com/é", "http://example.com/#a%20b", "http://example.com/#a b",
	"http://example.com/#%zz", "http://example.com/#a#b", "http://example.com/#!()*'", "/x#",
	"http://example.com/\x00", "http://example.com/\x7f", "http://example.com/\ttab", "\nhttp://x/",
	"http://exa\rmple.com/", "mailto:a@b.com", "http:opaque?q", "http:/path", "http:", "http:?",
	"HtTp:/x?y", "1http://x/", "+x:y", ":foo", "a:b", "./a:b", "a/b:c", "//host/path", "//host",
	"///x", "//user@h:1/p", "//[::1]:8/p", "x", "a%20b", "a+b", "/%2e%2e/", "/a/../b", "http://h/p?q=1;2",
	"https://example.com?__clerk_redirect_url=http%3A%2F%2Fx%2F&a=1&a=2", "http://h/p?%zz=1&k=%zz&=v&k",
	"http://h/p?a=1&&b=2&", "http://h/p?a+b=c+d&%2B=%2b", "cache_object:foo/bar", "http://h/ ?x",
	"http://%41:%42@h/", "http://h/%e2%82%ac", "https://example.com:443", "http://0x7f.1/",
	"http://[::1%25eth0]:8080/", "http://[::1%25eth%250]/", "http://[fe80::1%25%C3%A9]/", "s3://b/k",
	"http://h/a%00b", "http://h/p#f%00", "http://h?q#f?g", "http://h/?#", "http://h/ü?ü=ü#ü",
	"http://[::]:0/", "http://[::]/", "http://[::1]]/", "http://[[::1]/", "http://h]/", "http://h[/",
}

func sameURL(t *testing.T, raw string) {
	t.Helper()
	want, werr := url.Parse(raw)
	got, gerr := Parse(raw)
	if (werr == nil) != (gerr == nil) {
		t.Fatalf("Parse(%q): error %v, net/url's %v", raw, gerr, werr)
	}
	if werr != nil {
		if gerr.Error() != werr.Error() {
			t.Fatalf("Parse(%q): error %q, net/url's %q", raw, gerr, werr)
		}
		if g, w := errors.Unwrap(gerr), errors.Unwrap(werr); g.Error() != w.Error() {
			t.Fatalf("Parse(%q): inner error %q, net/url's %q", raw, g, w)
		}
		return
	}
	sameFields(t, raw, got, want)
}

func sameFields(t *testing.T, raw string, got *URL, want *url.URL) {
	t.Helper()
	type fields struct {
		Scheme, Opaque, Host, Path, RawPath, RawQuery, Fragment, RawFragment string
		ForceQuery, OmitHost                                                 bool
		User, Pass                                                           string
		HasUser, HasPass                                                     bool
		Hostname, Port, String, Redacted, EscapedPath, EscapedFragment       string
		Query                                                                map[string][]string
	}
	g := fields{Scheme: got.Scheme, Opaque: got.Opaque, Host: got.Host, Path: got.Path, RawPath: got.RawPath,
		RawQuery: got.RawQuery, Fragment: got.Fragment, RawFragment: got.RawFragment, ForceQuery: got.ForceQuery,
		OmitHost: got.OmitHost, HasUser: got.User != nil, Hostname: got.Hostname(), Port: got.Port(),
		String: got.String(), Redacted: got.Redacted(), EscapedPath: got.EscapedPath(),
		EscapedFragment: got.EscapedFragment(), Query: got.Query()}
	if got.User != nil {
		g.User, g.Pass, g.HasPass = got.User.Username, got.User.Password, got.User.PasswordSet
	}
	w := fields{Scheme: want.Scheme, Opaque: want.Opaque, Host: want.Host, Path: want.Path, RawPath: want.RawPath,
		RawQuery: want.RawQuery, Fragment: want.Fragment, RawFragment: want.RawFragment, ForceQuery: want.ForceQuery,
		OmitHost: want.OmitHost, HasUser: want.User != nil, Hostname: want.Hostname(), Port: want.Port(),
		String: want.String(), Redacted: want.Redacted(), EscapedPath: want.EscapedPath(),
		EscapedFragment: want.EscapedFragment(), Query: want.Query()}
	w.User = want.User.Username()
	w.Pass, w.HasPass = want.User.Password()
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("Parse(%q):\n got %+v\nwant %+v", raw, g, w)
	}
}

func TestParseMatchesNetURL(t *testing.T) {
	for _, raw := range urlCases {
		sameURL(t, raw)
	}
}

// TestEditedURLMatchesNetURL: core replaces the host and scheme of a
// request URL with its Host and X-Forwarded-* headers (unchecked), and
// its query with a re-encoded one, before String.
func TestEditedURLMatchesNetURL(t *testing.T) {
	hosts := []string{"", "example.com", "h:80", "[::1]:3", "a b", "é.com", "x/y?z#", "%41", "<>\"", "h\x00"}
	for _, raw := range []string{"/", "/p?q=1", "http://h/a%2Fb#f", "*", "a:b", "mailto:x", "//u:p@h/"} {
		for _, h := range hosts {
			sameEdited(t, raw, h, "https", "a=1&b=%20")
			sameEdited(t, raw, h, "", "")
		}
	}
}

func sameEdited(t *testing.T, raw, host, scheme, query string) {
	t.Helper()
	want, werr := url.Parse(raw)
	got, gerr := Parse(raw)
	if werr != nil || gerr != nil {
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("Parse(%q): error %v, net/url's %v", raw, gerr, werr)
		}
		return
	}
	want.Host, got.Host = host, host
	want.Scheme, got.Scheme = scheme, scheme
	want.RawQuery, got.RawQuery = query, query
	sameFields(t, raw+" (edited)", got, want)
}

var queryCases = []string{
	"", "a", "a=", "=a", "&", "&&", "a=1&a=2&b", "a=1;b=2", "a;b", "x=%zz&y=1", "%zz=1", "a=%4", "a=%",
	"a+b=c+d", "%2B=%2b", "a=b=c", "k=%e2%82%ac", "k=\x00", "a=1&b=%zz&c;d&e=%", "a=%zz&c;d", "é=ü",
	"__clerk_redirect_url=http%3A%2F%2Fx%2F%3Fa%3D1", "a=1&&b=2&", "=&=", "%20=%20",
}

func sameQuery(t *testing.T, q string) {
	t.Helper()
	want, werr := url.ParseQuery(q)
	got, gerr := ParseQuery(q)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("ParseQuery(%q): error %v, net/url's %v", q, gerr, werr)
	}
	if !reflect.DeepEqual(map[string][]string(got), map[string][]string(want)) {
		t.Fatalf("ParseQuery(%q) = %v, net/url's %v", q, got, want)
	}
	if g, w := got.Encode(), want.Encode(); g != w {
		t.Fatalf("Encode(ParseQuery(%q)) = %q, net/url's %q", q, g, w)
	}
	if g, w := QueryEscape(q), url.QueryEscape(q); g != w {
		t.Fatalf("QueryEscape(%q) = %q, net/url's %q", q, g, w)
	}
	if g, w := PathEscape(q), url.PathEscape(q); g != w {
		t.Fatalf("PathEscape(%q) = %q, net/url's %q", q, g, w)
	}
	gu, gerr := QueryUnescape(q)
	wu, werr := url.QueryUnescape(q)
	if gu != wu || (gerr == nil) != (werr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("QueryUnescape(%q) = %q, %v; net/url's %q, %v", q, gu, gerr, wu, werr)
	}
	gu, gerr = PathUnescape(q)
	wu, werr = url.PathUnescape(q)
	if gu != wu || (gerr == nil) != (werr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("PathUnescape(%q) = %q, %v; net/url's %q, %v", q, gu, gerr, wu, werr)
	}
}

func TestParseQueryMatchesNetURL(t *testing.T) {
	for _, q := range queryCases {
		sameQuery(t, q)
	}
	// The parameter limit: net/url then returns an empty map.
	sameQuery(t, strings.Repeat("a=1&", 9999)+"b")
	sameQuery(t, strings.Repeat("a=1&", 10000))
}

// TestEscapeEveryByte compares the escaping of each byte in each part.
func TestEscapeEveryByte(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	s := string(all)
	sameQuery(t, s)
	u := &URL{Path: s, Fragment: s, User: &Userinfo{Username: s, Password: s, PasswordSet: true}, Host: s, Scheme: "http"}
	w := &url.URL{Path: s, Fragment: s, User: url.UserPassword(s, s), Host: s, Scheme: "http"}
	if g, w := u.String(), w.String(); g != w {
		t.Fatalf("String of every byte:\n got %q\nwant %q", g, w)
	}
}

func TestValuesMethods(t *testing.T) {
	v := Values{}
	w := url.Values{}
	for _, op := range []func(Values, url.Values){
		func(v Values, w url.Values) { v.Add("a", "1"); w.Add("a", "1") },
		func(v Values, w url.Values) { v.Add("a", "2"); w.Add("a", "2") },
		func(v Values, w url.Values) { v.Set("b", "x y"); w.Set("b", "x y") },
		func(v Values, w url.Values) { v.Add("", "&="); w.Add("", "&=") },
		func(v Values, w url.Values) { v.Del("zz"); w.Del("zz") },
	} {
		op(v, w)
		if v.Encode() != w.Encode() || v.Get("a") != w.Get("a") || v.Has("b") != w.Has("b") || v.Get("c") != w.Get("c") {
			t.Fatalf("Values %v and url.Values %v differ: %q vs %q", v, w, v.Encode(), w.Encode())
		}
	}
	v.Del("a")
	if v.Has("a") || v.Get("a") != "" {
		t.Fatalf("Del kept a: %v", v)
	}
	if (Values{}).Encode() != "" {
		t.Fatal("empty Values encode to something")
	}
}

func FuzzParseURL(f *testing.F) {
	for _, c := range urlCases {
		f.Add(c, "", "")
	}
	f.Add("/p?q", "h:1", "https")
	f.Add("/", "[::1]", "HTTP")
	f.Fuzz(func(t *testing.T, raw, host, scheme string) {
		sameURL(t, raw)
		sameEdited(t, raw, host, scheme, host)
	})
}

func FuzzParseQuery(f *testing.F) {
	for _, c := range queryCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, q string) {
		sameQuery(t, q)
	})
}

const benchURL = "https://app.example.com:8443/dashboard/orgs/acme?tab=1&__clerk_db_jwt=dvb_2abc&x=%20y#top"

func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		u, err := Parse(benchURL)
		if err != nil || u.Query().Get("tab") != "1" {
			b.Fatal(u, err)
		}
	}
}

func BenchmarkParseNetURL(b *testing.B) {
	for b.Loop() {
		u, err := url.Parse(benchURL)
		if err != nil || u.Query().Get("tab") != "1" {
			b.Fatal(u, err)
		}
	}
}

func TestAppendQueryMatchesNetURL(t *testing.T) {
	var all []byte
	for c := 0; c < 256; c++ {
		all = append(all, byte(c))
	}
	pairs := [][2]string{{"a", "1"}, {"", ""}, {"x y", "&=+%"}, {string(all), "é/?#"}}
	var b []byte
	var want []string
	for _, p := range pairs {
		b = AppendQuery(b, p[0], p[1])
		want = append(want, url.Values{p[0]: {p[1]}}.Encode())
	}
	if got, w := string(b), strings.Join(want, "&"); got != w {
		t.Fatalf("AppendQuery = %q, net/url %q", got, w)
	}
}
