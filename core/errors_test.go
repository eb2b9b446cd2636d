package core

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Error() ends up on a terminal (clerkscript api prints it): what the
// server sent must not carry escape sequences or line breaks into it.
func TestAPIErrorStripsControlCharacters(t *testing.T) {
	e := newAPIError("users.get", &HTTPResponse{StatusCode: 400, Header: Header{"Clerk-Trace-Id": {"t\x1b]0;x\x07"}},
		Body: []byte(`{"errors":[{"code":"c\u001b[2J","message":"m","long_message":"line1\nline2\u001b[31m"}]}`)}, time.Now())
	s := e.Error()
	if strings.ContainsAny(s, "\x1b\x07\n") {
		t.Errorf("Error() = %q", s)
	}
	if !strings.Contains(s, "line1 line2") {
		t.Errorf("Error() = %q lost the message", s)
	}
	// A long non-JSON body is cut on a character boundary.
	e = newAPIError("users.get", &HTTPResponse{StatusCode: 502, Body: []byte(strings.Repeat("a", 199) + strings.Repeat("é", 10))}, time.Now())
	if s := e.Error(); !utf8.ValidString(s) {
		t.Errorf("Error() = %q is not valid UTF-8", s)
	}
}

// manyItemsAPIError is an error response listing n errors: the body is the
// server's (or whatever answers at the API URL), up to 64 MB.
func manyItemsAPIError(n int) *APIError {
	items := make([]APIErrorItem, n)
	for i := range items {
		items[i] = APIErrorItem{Code: "form_param_invalid", Message: "is invalid"}
	}
	return &APIError{Operation: "users.create", StatusCode: 422, Errors: items}
}

// TestAPIErrorManyItemsLinear: Error() builds the list in one growing
// buffer. Concatenating it item by item copied the message so far for each
// item: 40,000 items (a 1 MB body) took 16 s, 80,000 took 48 s. The
// allocation count (deterministic, unlike a duration) tells the two apart:
// one or more per item against a few dozen for the buffer's growth.
func TestAPIErrorManyItemsLinear(t *testing.T) {
	e := manyItemsAPIError(2000)
	want := "clerk: users.create: HTTP 422" + strings.Repeat(" form_param_invalid: is invalid;", 1999) + " form_param_invalid: is invalid"
	if got := e.Error(); got != want {
		t.Fatalf("Error() = %.200q..., want %.200q...", got, want)
	}
	if allocs := testing.AllocsPerRun(3, func() { _ = e.Error() }); allocs > 100 {
		t.Errorf("Error() of 2,000 items: %v allocations, want a few dozen (the message is rebuilt per item)", allocs)
	}
}

func BenchmarkAPIErrorManyItems(b *testing.B) {
	e := manyItemsAPIError(20000)
	for b.Loop() {
		_ = e.Error()
	}
}
