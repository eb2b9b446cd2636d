package core

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// The client's messages are built without fmt (it would cost the wasm
// guest ~330 KB); these pin them to the fmt formats they replaced.
// badAPIURL is a URL net/url refuses (a variable: staticcheck flags the
// literal passed to url.Parse, which is the point here).
var badAPIURL = "https://a b"

func TestClientMessagesMatchFmt(t *testing.T) {
	items := []APIErrorItem{{Code: "form_identifier_exists", Message: "taken", LongMessage: "That email \"a\" is taken."}, {Code: "c2", Message: "m2"}}
	for _, e := range []*APIError{
		{Operation: "users.create", StatusCode: 422, Errors: items, TraceID: "tr", RetryAfter: 1500 * time.Millisecond},
		{StatusCode: 502, Body: []byte("<html>bad gateway</html>")},
		{Operation: "GET /jwks", StatusCode: 429, RetryAfter: 2 * time.Minute},
		{Operation: "users.get", StatusCode: 301, Header: Header{"Location": {"https://example.com/x"}}},
		{Operation: "users.get", StatusCode: 302},
		{Operation: "users.get", StatusCode: 404, TraceID: "t"},
	} {
		var b strings.Builder
		b.WriteString("clerk: ")
		if e.Operation != "" {
			fmt.Fprintf(&b, "%s: ", e.Operation)
		}
		fmt.Fprintf(&b, "HTTP %d", e.StatusCode)
		if e.StatusCode >= 300 && e.StatusCode < 400 {
			b.WriteString(": the API URL answered with a redirect")
			if loc := e.Header.Get("Location"); loc != "" {
				fmt.Fprintf(&b, " to %s", loc)
			}
			b.WriteString(", which is not followed (it would send the secret key there); check the API URL")
		} else {
			for i, it := range e.Errors {
				if i > 0 {
					b.WriteString(";")
				}
				msg := it.LongMessage
				if msg == "" {
					msg = it.Message
				}
				fmt.Fprintf(&b, " %s: %s", it.Code, msg)
			}
			if len(e.Errors) == 0 && len(e.Body) > 0 {
				fmt.Fprintf(&b, ": %s", e.Body)
			}
			if e.RetryAfter > 0 {
				fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
			}
			if e.TraceID != "" {
				fmt.Fprintf(&b, " [trace %s]", e.TraceID)
			}
		}
		if got := e.Error(); got != b.String() {
			t.Errorf("APIError.Error() = %q, want %q", got, b.String())
		}
	}

	cause := errors.New("dial tcp: refused")
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&TransportError{Operation: "users.get", Attempts: 1, Err: cause}, fmt.Sprintf("clerk: %s: %v", "users.get", cause)},
		{&TransportError{Operation: "users.get", Attempts: 3, Err: cause}, fmt.Sprintf("clerk: %s: %v (after %d attempts)", "users.get", cause, 3)},
		{&TransportError{Operation: "GET /jwks", Attempts: 2}, fmt.Sprintf("clerk: %s: %v (after %d attempts)", "GET /jwks", error(nil), 2)},
		{&ParamError{Operation: "users.get", Problem: "p"}, fmt.Sprintf("%s: %s", "users.get", "p")},
		{&ParamError{Operation: "users.get", Param: "a\"b\n", Problem: "is required"}, fmt.Sprintf("%s: parameter %q: %s", "users.get", "a\"b\n", "is required")},
		{&UnknownOperationError{Name: "users.lsit\x00é"}, fmt.Sprintf("unknown operation %q", "users.lsit\x00é")},
		{&UnknownOperationError{Name: "x", Suggestions: []string{"users.list", "users.get"}}, fmt.Sprintf("unknown operation %q; did you mean users.list, users.get?", "x")},
		{checkAPIVersion("v1?x=1"), fmt.Sprintf("clerk: invalid API version %q (CLERK_API_VERSION or WithAPIVersion): want a path segment such as v1 (letters, digits, '.', '-', '_')", "v1?x=1")},
		{checkAPIVersion(".."), fmt.Sprintf("clerk: invalid API version %q (CLERK_API_VERSION or WithAPIVersion): want a path segment such as v1", "..")},
		{checkHeaders(Header{"Bad Name": {"v"}}), fmt.Sprintf("clerk: invalid header name %q", "Bad Name")},
		{checkAPIURL("ftp://user:pw@h.example/x"), fmt.Sprintf("clerk: invalid API URL %q (CLERK_API_URL or WithAPIURL): want http:// or https:// and a host, e.g. https://api.clerk.com", "ftp://user:xxxxx@h.example/x")},
		{checkAPIURL("https://api.example?x=1"), fmt.Sprintf("clerk: invalid API URL %q (CLERK_API_URL or WithAPIURL): it must not have a query or fragment", "https://api.example?x=1")},
		{checkAPIURL(badAPIURL), fmt.Sprintf("clerk: invalid API URL (CLERK_API_URL or WithAPIURL): %v", func() error { _, err := url.Parse(badAPIURL); return err }())},
		{checkHeaders(Header{"X-A": {"a\nb"}}), fmt.Sprintf("clerk: header %q: the value contains a control character", "X-A")},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("got %v, want %q", tc.err, tc.want)
		}
	}
}

// scalarString formats Go's integers as fmt.Sprint did (floats were and
// are strconv's 'f' format).
func TestScalarStringMatchesFmt(t *testing.T) {
	type named string
	for _, v := range []any{
		"s", true, false, 0, -1, math.MaxInt64, math.MinInt64, int8(-128), int16(300), int32(-7), int64(1) << 62,
		uint(7), uint8(255), uint16(65535), uint32(1) << 31, uint64(math.MaxUint64), time.Second, named("n"),
	} {
		got, err := scalarString(v)
		want := fmt.Sprint(v)
		if _, isNamed := v.(named); isNamed {
			// not a Stringer: refused as before
			if err == nil {
				t.Errorf("scalarString(named) = %q, want an error", got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("scalarString(%#v) = %q, %v; want %q", v, got, err, want)
		}
	}
	for v, want := range map[string]any{
		"got null":      nil,
		"got an object": map[string]any{},
		"got an array":  []any{"a"},
	} {
		if _, err := scalarString(want); err == nil || err.Error() != notScalar+v {
			t.Errorf("scalarString(%#v): err %v, want %q", want, err, notScalar+v)
		}
	}
}

// Natively, query parameters of other slice types still work (reflect in
// params_other.go), item by item.
func TestQueryValuesOtherSlices(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want string
	}{
		{[]any{"a", 1.5, true}, "a|1.5|true"},
		{[]string{"x", "y"}, "x|y"},
		{[]int{1, 2}, "1|2"},
		{[]int64{-3}, "-3"},
		{"one", "one"},
	} {
		got, err := queryValues(tc.v)
		if err != nil || strings.Join(got, "|") != tc.want {
			t.Errorf("queryValues(%#v) = %q, %v; want %q", tc.v, got, err, tc.want)
		}
	}
	if _, err := queryValues([]any{"a", map[string]any{}}); err == nil {
		t.Error("an object in a query array accepted")
	}
}

// An empty array for a query parameter sends nothing, not a bare "?".
func TestEmptyQueryArraySendsNoQuery(t *testing.T) {
	var uri string
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		uri = r.RequestURI
		w.Write([]byte(`[]`))
	}, newFakeClock())
	if _, err := c.Call(context.Background(), "users.list", map[string]any{"email_address": []any{}}); err != nil {
		t.Fatal(err)
	}
	if uri != "/v1/users" {
		t.Errorf("request URI %q, want /v1/users", uri)
	}
	if _, err := c.Call(context.Background(), "users.list", map[string]any{"email_address": []string{}, "user_id": []any{"a b", "c"}}, WithQuery("x", ""), WithQuery("user_id", "d")); err != nil {
		t.Fatal(err)
	}
	if uri != "/v1/users?user_id=a+b&user_id=c&user_id=d&x=" {
		t.Errorf("request URI %q", uri)
	}
}
