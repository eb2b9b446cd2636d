package core

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net/textproto"
	"sort"
	"strings"
	"testing"
)

// multipartReference is what multipartBody wrote with mime/multipart
// before it was written out by hand (for the wasm module's size): the
// tests below hold the two to the same bytes.
func multipartReference(t *testing.T, fields map[string]any, boundary string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	if err := w.SetBoundary(boundary); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if f, ok := asFile(fields[k]); ok {
			name := f.Filename
			if name == "" {
				name = k
			}
			h := make(textproto.MIMEHeader)
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="%s"; filename="%s"`, escapeQuotes(k), escapeQuotes(name)))
			ct := f.ContentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			h.Set("Content-Type", ct)
			pw, err := w.CreatePart(h)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = pw.Write(f.Data)
			continue
		}
		s, err := scalarString(fields[k])
		if err != nil {
			t.Fatal(err)
		}
		if err := w.WriteField(k, s); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

func TestMultipartBodyMatchesMimeMultipart(t *testing.T) {
	cases := []map[string]any{
		{},
		{"file": File{Filename: "a.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n--x")}},
		{"file": &File{Data: []byte{}}},
		{"b": "two", "a": "one", "n": 3, "t": true, "file": File{Filename: `q"uo\te.txt`, Data: []byte("hello\r\n")}},
		{`we"ird\name`: "v", "ünï": "ç"},
		{"file": map[string]any{"data": "aGVsbG8=", "filename": "h.txt", "content_type": "text/plain"}, "z": ""},
	}
	for i, fields := range cases {
		const boundary = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"
		got, gotCT, err := multipartBodyWith("op", fields, boundary)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		want, wantCT := multipartReference(t, fields, boundary)
		if !bytes.Equal(got, want) || gotCT != wantCT {
			t.Errorf("case %d:\ngot  %q\n     %q\nwant %q\n     %q", i, got, gotCT, want, wantCT)
		}
	}
	// The random boundary is what mime/multipart makes: 60 hex digits,
	// different each time, and a reader splits the body on it.
	body, ct, err := multipartBody("op", map[string]any{"a": "1", "b": "2"})
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		t.Fatal(err)
	}
	b := params["boundary"]
	if len(b) != 60 || strings.Trim(b, "0123456789abcdef") != "" {
		t.Errorf("boundary %q: want 60 lower-case hex digits", b)
	}
	if _, ct2, _ := multipartBody("op", map[string]any{"a": "1"}); ct2 == ct {
		t.Error("two bodies got the same boundary")
	}
	r := multipart.NewReader(bytes.NewReader(body), b)
	var names []string
	for {
		p, err := r.NextPart()
		if err != nil {
			break
		}
		names = append(names, p.FormName())
	}
	if strings.Join(names, ",") != "a,b" {
		t.Errorf("parts read back: %v, want a,b", names)
	}
}

func TestCanonicalHeaderKeyMatchesTextproto(t *testing.T) {
	for _, k := range []string{
		"", "a", "A", "content-type", "CONTENT-TYPE", "Content-Type", "x-clerk-auth-status",
		"-leading", "trailing-", "a--b", "with space", "tab\tkey", "ünicode", "x_under_score",
		"Sec-WebSocket-Key", "1abc", "a.b~c|d", "colon:key", "quote\"key", "\x7f",
	} {
		if got, want := canonicalHeaderKey(k), textproto.CanonicalMIMEHeaderKey(k); got != want {
			t.Errorf("canonicalHeaderKey(%q) = %q, textproto says %q", k, got, want)
		}
	}
}

func FuzzCanonicalHeaderKey(f *testing.F) {
	for _, s := range []string{"content-type", "X-CLERK", "a b", "é", "x-\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, k string) {
		if got, want := canonicalHeaderKey(k), textproto.CanonicalMIMEHeaderKey(k); got != want {
			t.Fatalf("canonicalHeaderKey(%q) = %q, textproto says %q", k, got, want)
		}
	})
}

// escapeQuotes and urlAlphabet are the strings.Replacers they replaced.
func TestHandReplacersMatchStringsReplacer(t *testing.T) {
	quotes := strings.NewReplacer("\\", "\\\\", `"`, "\\\"")
	alphabet := strings.NewReplacer("+", "-", "/", "_")
	for _, s := range []string{"", "plain", `a"b`, `a\b`, `\"\\""`, "é\"\\", "a+b/c==", "++//", "ab-_"} {
		if got, want := escapeQuotes(s), quotes.Replace(s); got != want {
			t.Errorf("escapeQuotes(%q) = %q, want %q", s, got, want)
		}
		if got, want := urlAlphabet(s), alphabet.Replace(s); got != want {
			t.Errorf("urlAlphabet(%q) = %q, want %q", s, got, want)
		}
	}
}

// A CR, LF or other control character in a file part's field name,
// filename or content type is refused (it would go into the part's header
// lines), naming the field and which of the three it was.
func TestMultipartBodyRefusesControlCharacters(t *testing.T) {
	for _, c := range []struct {
		fields map[string]any
		want   string
	}{
		{map[string]any{"f\r\nX-Injected: 1": File{Data: []byte("x")}}, `op: parameter "f\r\nX-Injected: 1": the file's field name contains a control character`},
		{map[string]any{"file": File{Filename: "a\n.txt", Data: []byte("x")}}, `op: parameter "file": the file's filename contains a control character`},
		{map[string]any{"file": &File{ContentType: "text/plain\r\nX: y", Data: []byte("x")}}, `op: parameter "file": the file's content_type contains a control character`},
	} {
		_, _, err := multipartBodyWith("op", c.fields, "b")
		var pe *ParamError
		if !errors.As(err, &pe) || err.Error() != c.want {
			t.Errorf("%q: error %v, want a ParamError %q", c.fields, err, c.want)
		}
	}
}
