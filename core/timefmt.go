package core

import "time"

// time.Parse costs the wasm guest about 0.07-0.1 MB of code (its layout
// interpreter, zone-name parsing, the zone database lookups) for the four
// fixed layouts of an HTTP date in Retry-After. parseHTTPDate reads those
// layouts by hand and builds the time with time.Date; FuzzParseHTTPDate
// holds it to the time package. (time.Time.Format stays linked whatever
// core does: any struct holding a time.Time that is stored in an interface
// makes Time.String, and so Format, reachable through the runtime's own
// Stringer call when it prints a panic value.)

// httpDateLayouts are time.RFC1123, time.RFC1123Z, time.RFC850 and
// time.ANSIC, in the order ParseRetryAfter tries them, one byte per field:
// a Mon, A Monday, d 02, _ _2, b Jan, Y 2006, y 06, H 15, M 04, S 05,
// Z MST, z -0700; the other bytes (", :-") are literal.
var httpDateLayouts = [...]string{"a, d b Y H:M:S Z", "a, d b Y H:M:S z", "A, d-b-y H:M:S Z", "a b _ H:M:S Y"}

// parseHTTPDate reads v as time.Parse reads it with time.RFC1123,
// time.RFC1123Z, time.RFC850 and time.ANSIC, taking the first layout that
// fits, in a process whose local time zone is UTC (as in the wasm guest):
// the same instant, or false where all four fail. As time.Parse does, it
// ignores the weekday, takes a zone name as UTC (and "GMT+h" as UTC as
// well: time.Parse keeps the clock and only labels it) and accepts
// fractional seconds.
func parseHTTPDate(v string) (time.Time, bool) {
	for _, layout := range httpDateLayouts {
		if t, ok := parseDateLayout(layout, v); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

var (
	shortDayNames   = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	longDayNames    = [...]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	shortMonthNames = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

func parseDateLayout(layout, v string) (time.Time, bool) {
	year, month, day := 0, -1, -1
	var hour, minute, sec, nsec int
	zoneOffset := -1
	var ok bool
	for i := 0; i < len(layout); i++ {
		switch c := layout[i]; c {
		case ',', ' ', ':', '-':
			if v, ok = skipLiteral(v, layout[i:i+1]); !ok {
				return time.Time{}, false
			}
		case 'a', 'A':
			names := shortDayNames[:]
			if c == 'A' {
				names = longDayNames[:]
			}
			if _, v, ok = lookupName(names, v); !ok {
				return time.Time{}, false
			}
		case 'b':
			if month, v, ok = lookupName(shortMonthNames[:], v); !ok {
				return time.Time{}, false
			}
			month++
		case 'd', '_':
			if c == '_' && len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
			if day, v, ok = getTwoDigits(v, c == 'd'); !ok {
				return time.Time{}, false
			}
		case 'Y':
			if len(v) < 4 || !isDigitAt(v, 0) {
				return time.Time{}, false
			}
			if year, ok = timeAtoi(v[:4]); !ok {
				return time.Time{}, false
			}
			v = v[4:]
		case 'y':
			if len(v) < 2 {
				return time.Time{}, false
			}
			if year, ok = timeAtoi(v[:2]); !ok {
				return time.Time{}, false
			}
			v = v[2:]
			if year >= 69 {
				year += 1900
			} else {
				year += 2000
			}
		case 'H', 'M', 'S':
			var n, limit int
			if n, v, ok = getTwoDigits(v, c != 'H'); !ok {
				return time.Time{}, false
			}
			switch c {
			case 'H':
				hour, limit = n, 24
			case 'M':
				minute, limit = n, 60
			default:
				sec, limit = n, 60
			}
			if n >= limit {
				return time.Time{}, false
			}
			// A fraction of a second is read after the seconds all the
			// same, though the layout has none.
			if c == 'S' && len(v) >= 2 && (v[0] == '.' || v[0] == ',') && isDigitAt(v, 1) {
				n := 2
				for n < len(v) && isDigitAt(v, n) {
					n++
				}
				digits := v[1:min(n, 10)]
				nsec, _ = timeAtoi(digits)
				for range 9 - len(digits) {
					nsec *= 10
				}
				v = v[n:]
			}
		case 'Z':
			if len(v) >= 3 && v[:3] == "UTC" {
				v = v[3:]
				break
			}
			n, ok := zoneNameLen(v)
			if !ok {
				return time.Time{}, false
			}
			v = v[n:] // the clock is read as UTC whatever the name
		case 'z':
			if len(v) < 5 {
				return time.Time{}, false
			}
			hr, _, ok1 := getTwoDigits(v[1:3], true)
			mm, _, ok2 := getTwoDigits(v[3:5], true)
			if !ok1 || !ok2 || hr > 24 || mm > 60 || v[0] != '+' && v[0] != '-' {
				return time.Time{}, false
			}
			zoneOffset = (hr*60 + mm) * 60
			if v[0] == '-' {
				zoneOffset = -zoneOffset
			}
			v = v[5:]
		}
	}
	if v != "" {
		return time.Time{}, false // extra text
	}
	if day < 1 || day > daysInMonth(month, year) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if zoneOffset != -1 {
		t = t.Add(-time.Duration(zoneOffset) * time.Second)
	}
	return t, true
}

// skipLiteral is time's skip: a space in the layout matches one or more
// spaces (or the end of v), other bytes themselves.
func skipLiteral(v, lit string) (string, bool) {
	for len(lit) > 0 {
		if lit[0] == ' ' {
			if len(v) > 0 && v[0] != ' ' {
				return v, false
			}
			for len(lit) > 0 && lit[0] == ' ' {
				lit = lit[1:]
			}
			for len(v) > 0 && v[0] == ' ' {
				v = v[1:]
			}
			continue
		}
		if len(v) == 0 || v[0] != lit[0] {
			return v, false
		}
		lit, v = lit[1:], v[1:]
	}
	return v, true
}

// lookupName matches the start of v against names, ignoring ASCII case.
func lookupName(names []string, v string) (int, string, bool) {
	for i, name := range names {
		if len(v) >= len(name) && equalFoldASCII(v[:len(name)], name) {
			return i, v[len(name):], true
		}
	}
	return -1, v, false
}

func equalFoldASCII(a, b string) bool {
	for i := 0; i < len(a); i++ {
		c1, c2 := a[i], b[i]
		if c1 != c2 {
			c1 |= 'a' - 'A'
			c2 |= 'a' - 'A'
			if c1 != c2 || c1 < 'a' || c1 > 'z' {
				return false
			}
		}
	}
	return true
}

func isDigitAt(s string, i int) bool { return i < len(s) && '0' <= s[i] && s[i] <= '9' }

// getTwoDigits reads one or two digits (exactly two when fixed).
func getTwoDigits(s string, fixed bool) (int, string, bool) {
	if !isDigitAt(s, 0) {
		return 0, s, false
	}
	if !isDigitAt(s, 1) {
		if fixed {
			return 0, s, false
		}
		return int(s[0] - '0'), s[1:], true
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), s[2:], true
}

// timeAtoi is time's atoi for the short fields it is given here: an
// optional sign, then digits only (none at all reads as 0).
func timeAtoi(s string) (int, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		neg = s[0] == '-'
		s = s[1:]
	}
	x := 0
	for i := 0; i < len(s); i++ {
		if !isDigitAt(s, i) {
			return 0, false
		}
		x = x*10 + int(s[i]-'0')
	}
	if neg {
		x = -x
	}
	return x, true
}

// zoneNameLen is the length of the time zone name at the start of v, as
// time.Parse recognizes one (its parseTimeZone).
func zoneNameLen(v string) (int, bool) {
	if len(v) < 3 {
		return 0, false
	}
	if len(v) >= 4 && (v[:4] == "ChST" || v[:4] == "MeST") {
		return 4, true
	}
	if v[:3] == "GMT" {
		if len(v) == 3 {
			return 3, true
		}
		return 3 + signedOffsetLen(v[3:]), true
	}
	if v[0] == '+' || v[0] == '-' {
		n := signedOffsetLen(v)
		return n, n > 0
	}
	upper := 0
	for upper < 6 && upper < len(v) && 'A' <= v[upper] && v[upper] <= 'Z' {
		upper++
	}
	switch upper {
	case 5:
		if v[4] == 'T' {
			return 5, true
		}
	case 4:
		if v[3] == 'T' || v[:4] == "WITA" {
			return 4, true
		}
	case 3:
		return 3, true
	}
	return 0, false
}

// signedOffsetLen is the length of a "+h"/"-h" offset of 0 to 23 hours at
// the start of v, 0 if there is none (time's parseSignedOffset).
func signedOffsetLen(v string) int {
	if v[0] != '-' && v[0] != '+' {
		return 0
	}
	n := 1
	x := uint64(0)
	for n < len(v) && isDigitAt(v, n) {
		if x > 1<<63/10 {
			return 0
		}
		x = x*10 + uint64(v[n]-'0')
		if x > 1<<63 {
			return 0
		}
		n++
	}
	if n == 1 || x > 23 {
		return 0
	}
	return n
}

func daysInMonth(month, year int) int {
	switch time.Month(month) {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
