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
