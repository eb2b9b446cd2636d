package core

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// A small JSON scanner for token headers and claims. Decoding a 300-byte
// claims object through encoding/json costs about a third of an RSA
// verification; walking the bytes once and keeping the raw value of each
// member we care about costs a fraction of that. It accepts exactly the JSON
// grammar (RFC 8259) that encoding/json accepts; a differential fuzz target
// (FuzzScanJSON) holds it to that.

// Kinds of JSON values, as reported by scanValue.
const (
	jsonString byte = 's'
	jsonNumber byte = 'n'
	jsonObject byte = 'o'
	jsonArray  byte = 'a'
	jsonBool   byte = 'b'
	jsonNull   byte = 'z'
)

// maxJSONDepth matches encoding/json's nesting limit.
const maxJSONDepth = 10000

var errJSONSyntax = errors.New("invalid JSON")

// jsonValue is the raw text of a JSON value and its kind. kind 0 means the
// member was absent.
type jsonValue struct {
	raw  []byte
	kind byte
	esc  bool // a string value containing escapes or non-ASCII bytes
}

func (v jsonValue) present() bool { return v.kind != 0 }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// scanObject walks data, which must hold exactly one JSON object (and
// whitespace), calling fn for each member in order. key is the raw key text
// between the quotes; keyEsc says it needs unescaping (see unquote).
func scanObject(data []byte, fn func(key []byte, keyEsc bool, v jsonValue)) error {
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errJSONSyntax
	}
	end, err := scanObjectAt(data, i, 0, fn)
	if err != nil {
		return err
	}
	if skipSpace(data, end) != len(data) {
		return errJSONSyntax
	}
	return nil
}

// scanObjectAt scans the object starting at data[i] == '{' and returns the
// index after its closing brace.
func scanObjectAt(data []byte, i, depth int, fn func(key []byte, keyEsc bool, v jsonValue)) (int, error) {
	if depth >= maxJSONDepth {
		return 0, errJSONSyntax
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, errJSONSyntax
		}
		kend, kesc, err := scanPlainString(data, i)
		if err != nil {
			return 0, err
		}
		key := data[i+1 : kend-1]
		i = skipSpace(data, kend)
		if i >= len(data) || data[i] != ':' {
			return 0, errJSONSyntax
		}
		i = skipSpace(data, i+1)
		vstart := i
		var vend int
		var kind byte
		var vesc bool
		if i < len(data) && data[i] == '"' {
			vend, vesc, err = scanPlainString(data, i)
			kind = jsonString
		} else {
			vend, kind, vesc, err = scanValue(data, i, depth+1)
		}
		if err != nil {
			return 0, err
		}
		if fn != nil {
			fn(key, kesc, jsonValue{raw: data[vstart:vend], kind: kind, esc: vesc})
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return 0, errJSONSyntax
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, errJSONSyntax
		}
	}
}

// scanArray walks the JSON array in raw, calling fn for each element.
func scanArray(raw []byte, fn func(v jsonValue)) error {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		return errJSONSyntax
	}
	end, err := scanArrayAt(raw, i, 0, fn)
	if err != nil {
		return err
	}
	if skipSpace(raw, end) != len(raw) {
		return errJSONSyntax
	}
	return nil
}

func scanArrayAt(data []byte, i, depth int, fn func(v jsonValue)) (int, error) {
	if depth >= maxJSONDepth {
		return 0, errJSONSyntax
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		return i + 1, nil
	}
	for {
		vstart := i
		vend, kind, vesc, err := scanValue(data, i, depth+1)
		if err != nil {
			return 0, err
		}
		if fn != nil {
			fn(jsonValue{raw: data[vstart:vend], kind: kind, esc: vesc})
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return 0, errJSONSyntax
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1, nil
		default:
			return 0, errJSONSyntax
		}
	}
}

// scanValue scans the value starting at data[i] and returns the index after
// it, its kind and, for strings, whether it needs unescaping.
func scanValue(data []byte, i, depth int) (end int, kind byte, esc bool, err error) {
	if i >= len(data) {
		return 0, 0, false, errJSONSyntax
	}
	switch c := data[i]; {
	case c == '"':
		end, esc, err = scanString(data, i)
		return end, jsonString, esc, err
	case c == '{':
		end, err = scanObjectAt(data, i, depth, nil)
		return end, jsonObject, false, err
	case c == '[':
		end, err = scanArrayAt(data, i, depth, nil)
		return end, jsonArray, false, err
	case c == '-' || (c >= '0' && c <= '9'):
		end, err = scanNumber(data, i)
		return end, jsonNumber, false, err
	case c == 't':
		return scanLiteral(data, i, "true", jsonBool)
	case c == 'f':
		return scanLiteral(data, i, "false", jsonBool)
	case c == 'n':
		return scanLiteral(data, i, "null", jsonNull)
	}
	return 0, 0, false, errJSONSyntax
}

func scanLiteral(data []byte, i int, lit string, kind byte) (int, byte, bool, error) {
	if len(data)-i < len(lit) || string(data[i:i+len(lit)]) != lit {
		return 0, 0, false, errJSONSyntax
	}
	return i + len(lit), kind, false, nil
}

// plainStringByte marks the bytes a JSON string holds as they are: not a
// quote, backslash, control character or non-ASCII byte. Scanning a run of
// them is one table load per byte, which matters under wasm, where the
// general loop below costs several times more per byte.
var plainStringByte = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// scanPlainString is scanString with the common case (no escapes, ASCII)
// inlined into the caller: under wasm a call costs as much as scanning a
// dozen bytes.
func scanPlainString(data []byte, i int) (end int, esc bool, err error) {
	j := i + 1
	for j < len(data) && plainStringByte[data[j]] {
		j++
	}
	if j < len(data) && data[j] == '"' {
		return j + 1, false, nil
	}
	return scanString(data, i)
}

// scanString scans the string starting at data[i] == '"'. esc reports
// escapes or bytes >= 0x80 (which unquote must check for valid UTF-8).
func scanString(data []byte, i int) (end int, esc bool, err error) {
	i++
	for i < len(data) {
		c := data[i]
		if plainStringByte[c] {
			i++
			continue
		}
		switch {
		case c == '"':
			return i + 1, esc, nil
		case c == '\\':
			esc = true
			if i+1 >= len(data) {
				return 0, false, errJSONSyntax
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(data) {
					return 0, false, errJSONSyntax
				}
				for _, h := range data[i+2 : i+6] {
					if unhex(h) < 0 {
						return 0, false, errJSONSyntax
					}
				}
				i += 6
			default:
				return 0, false, errJSONSyntax
			}
		case c < 0x20:
			return 0, false, errJSONSyntax
		default:
			esc = true // >= 0x80
			i++
		}
	}
	return 0, false, errJSONSyntax
}

func scanNumber(data []byte, i int) (int, error) {
	if data[i] == '-' {
		i++
	}
	if i >= len(data) {
		return 0, errJSONSyntax
	}
	switch {
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		return 0, errJSONSyntax
	}
	if i < len(data) && data[i] == '.' {
		i++
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == start {
			return 0, errJSONSyntax
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		if i == start {
			return 0, errJSONSyntax
		}
	}
	return i, nil
}

func unhex(c byte) rune {
	switch {
	case c >= '0' && c <= '9':
		return rune(c - '0')
	case c >= 'a' && c <= 'f':
		return rune(c - 'a' + 10)
	case c >= 'A' && c <= 'F':
		return rune(c - 'A' + 10)
	}
	return -1
}

// str returns the Go string of a string value ("" for other kinds).
func (v jsonValue) str() string {
	if v.kind != jsonString {
		return ""
	}
	return unquote(v.raw[1:len(v.raw)-1], v.esc)
}

// unquote decodes the text between a JSON string's quotes (already checked
// by scanString) the way encoding/json does: invalid UTF-8 bytes and lone
// surrogates become U+FFFD.
func unquote(s []byte, esc bool) string {
	if !esc || (!hasByte(s, '\\') && utf8.Valid(s)) {
		return string(s)
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			switch s[i+1] {
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				r := hex4(s[i+2:])
				i += 6
				if utf16.IsSurrogate(r) {
					if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
						if r2 := utf16.DecodeRune(r, hex4(s[i+2:])); r2 != utf8.RuneError {
							b = utf8.AppendRune(b, r2)
							i += 6
							continue
						}
					}
					r = utf8.RuneError
				}
				b = utf8.AppendRune(b, r)
				continue
			default: // '"', '\\', '/'
				b = append(b, s[i+1])
			}
			i += 2
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = utf8.AppendRune(b, utf8.RuneError)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(b)
}

func hex4(s []byte) rune {
	return unhex(s[0])<<12 | unhex(s[1])<<8 | unhex(s[2])<<4 | unhex(s[3])
}

func hasByte(s []byte, c byte) bool {
	for _, x := range s {
		if x == c {
			return true
		}
	}
	return false
}

// num returns a number value as float64; ok is false for other kinds and
// for numbers outside float64's range (which JSON.parse would turn into
// Infinity, a value no token should carry).
func (v jsonValue) num() (float64, bool) {
	if v.kind != jsonNumber {
		return 0, false
	}
	// Fast path for the integers NumericDates nearly always are (exact in
	// float64 up to 15 digits).
	if r := v.raw; len(r) <= 15 {
		n, neg, i := int64(0), false, 0
		if r[0] == '-' {
			neg, i = true, 1
		}
		for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
			n = n*10 + int64(r[i]-'0')
		}
		if i == len(r) {
			if neg {
				n = -n
			}
			return float64(n), true
		}
	}
	f, err := strconv.ParseFloat(string(v.raw), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// keyIs reports whether a member key equals name, unescaping if needed.
func keyIs(key []byte, esc bool, name string) bool {
	if !esc {
		return string(key) == name
	}
	return unquote(key, true) == name
}
