package core

import (
	"testing"
	"time"
)

// refParseHTTPDate is what ParseRetryAfter did with the time package, in a
// process whose local zone is UTC (the wasm guest's).
func refParseHTTPDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC1123, time.RFC1123Z, time.RFC850, time.ANSIC} {
		if t, err := time.ParseInLocation(layout, v, time.UTC); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func checkParseHTTPDate(t *testing.T, v string) bool {
	t.Helper()
	got, ok := parseHTTPDate(v)
	want, wantOK := refParseHTTPDate(v)
	if ok != wantOK || !got.Equal(want) {
		t.Fatalf("parseHTTPDate(%q) = %v, %v; time.Parse: %v, %v", v, got, ok, want, wantOK)
	}
	return ok
}

var httpDateCases = []struct {
	v  string
	ok bool
}{
	{"Wed, 21 Oct 2015 07:28:00 GMT", true},
	{"Wed, 21 Oct 2015 07:28:00 UTC", true},
	{"Wed, 21 Oct 2015 07:28:00 PST", true},
	{"Wed, 21 Oct 2015 07:28:00 GMT+3", true},
	{"Wed, 21 Oct 2015 07:28:00 GMT-23", true},
	{"Wed, 21 Oct 2015 07:28:00 GMT+24", false},
	{"Wed, 21 Oct 2015 07:28:00 +03", true},
	{"Wed, 21 Oct 2015 07:28:00 CEST", true},
	{"Wed, 21 Oct 2015 07:28:00 ACWST", true},
	{"Wed, 21 Oct 2015 07:28:00 WITA", true},
	{"Wed, 21 Oct 2015 07:28:00 ChST", true},
	{"Wed, 21 Oct 2015 07:28:00 ABCD", false},
	{"Wed, 21 Oct 2015 07:28:00 AB", false},
	{"Wed, 21 Oct 2015 07:28:00 ABCDEF", false},
	{"Wed, 21 Oct 2015 07:28:00 -0700", true},
	{"Wed, 21 Oct 2015 07:28:00 +2460", true},
	{"Wed, 21 Oct 2015 07:28:00 +2461", false},
	{"Wed, 21 Oct 2015 07:28:00 -07", true}, // a zone name for RFC 1123
	{"Wed, 21 Oct 2015 07:28:00.123456789123 GMT", true},
	{"Wed, 21 Oct 2015 07:28:00,5 -0100", true},
	{"Wed, 21 Oct 2015 07:28:00. GMT", false},
	{"wED, 21 oCT 2015 07:28:00 GMT", true},
	{"Sun, 21 Oct 2015 07:28:00 GMT", true}, // the weekday is not checked
	{"Wed,  21   Oct 2015  7:28:00   GMT", true},
	{"Wed,21 Oct 2015 07:28:00 GMT", false},
	{"Wed, 1 Oct 2015 07:28:00 GMT", false},
	{"Wed, 29 Feb 2016 07:28:00 GMT", true},
	{"Wed, 29 Feb 2015 07:28:00 GMT", false},
	{"Wed, 31 Apr 2015 07:28:00 GMT", false},
	{"Wed, 00 Oct 2015 07:28:00 GMT", false},
	{"Wed, 21 Oct 2015 24:00:00 GMT", false},
	{"Wed, 21 Oct 2015 07:60:00 GMT", false},
	{"Wed, 21 Oct 2015 07:28:60 GMT", false},
	{"Wed, 21 Oct 2015 07:28:00 GMT ", false},
	{"Wed, 21 Oct 2015 07:28:00 GMTx", false},
	{"Wed, 21 Oct 2015 07:28:00", false},
	{"Wednesday, 21-Oct-15 07:28:00 GMT", true},
	{"Wednesday, 21-Oct-69 07:28:00 GMT", true},
	{"Wednesday, 21-Oct--1 07:28:00 GMT", true},
	{"Wednesday, 21-Oct-+5 07:28:00 GMT", true},
	{"Wednesday, 21-Oct-1x 07:28:00 GMT", false},
	{"Wed Oct 21 07:28:00 2015", true},
	{"Wed Oct  1 07:28:00 2015", true},
	{"Wed Oct 1 07:28:00 2015", true},
	{"Wed Oct 21 07:28:00 +015", false},
	{"", false},
	{"Wed", false},
}

func TestParseHTTPDateMatchesTime(t *testing.T) {
	for _, c := range httpDateCases {
		if ok := checkParseHTTPDate(t, c.v); ok != c.ok {
			t.Errorf("parseHTTPDate(%q) ok = %v, want %v", c.v, ok, c.ok)
		}
	}
}

// FuzzParseHTTPDate: Retry-After dates read as the time package reads them.
func FuzzParseHTTPDate(f *testing.F) {
	for _, c := range httpDateCases {
		f.Add(c.v)
	}
	f.Fuzz(func(t *testing.T, v string) { checkParseHTTPDate(t, v) })
}
