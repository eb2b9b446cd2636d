package minijson

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// The scanner walks the bytes once, keeping the raw text of each value:
// decoding a 300-byte claims object through encoding/json costs about a
// third of an RSA verification, walking it costs a fraction of that. It
// accepts exactly the JSON grammar (RFC 8259) that encoding/json accepts and
// fails with the same messages (FuzzDecode holds it to that).

// Kind is the kind of a JSON value.
type Kind byte

// The kinds of JSON values. The zero Kind is an absent member.
const (
	String Kind = 's'
	Number Kind = 'n'
	Object Kind = 'o'
	Array  Kind = 'a'
	Bool   Kind = 'b'
	Null   Kind = 'z'
)

// MaxDepth is encoding/json's nesting limit: deeper input is a syntax error.
const MaxDepth = 10000

// A SyntaxError is a description of a JSON syntax error, worded as
// encoding/json's *json.SyntaxError.
type SyntaxError struct {
	_      [0]func() // incomparable: no equality function in the wasm module
	msg    string
	Offset int64 // the offset of the byte where the error was found
}

func (e *SyntaxError) Error() string { return e.msg }

// The contexts of syntax errors, as encoding/json words them.
const (
	ctxBeginValue = "looking for beginning of value"
	ctxBeginKey   = "looking for beginning of object key string"
	ctxAfterKey   = "after object key"
	ctxAfterPair  = "after object key:value pair"
	ctxAfterElem  = "after array element"
	ctxAfterTop   = "after top-level value"
	ctxString     = "in string literal"
	ctxEsc        = "in string escape code"
	ctxEscU       = "in \\u hexadecimal character escape"
	ctxNeg        = "in numeric literal"
	ctxDot        = "after decimal point in numeric literal"
	ctxExp        = "in exponent of numeric literal"
	ctxDepth      = "exceeded max depth"
)

// synErr is the syntax error at data[i] in context ctx. At the end of the
// input, encoding/json reports the error a space would cause in the middle
// of a token (a literal, number or escape: inToken), and "unexpected end of
// JSON input" elsewhere.
func synErr(data []byte, i int, ctx string, inToken bool) error {
	if i >= len(data) {
		if !inToken {
			return &SyntaxError{msg: "unexpected end of JSON input", Offset: int64(len(data))}
		}
		return &SyntaxError{msg: "invalid character ' ' " + ctx, Offset: int64(len(data))}
	}
	return &SyntaxError{msg: "invalid character " + quoteChar(data[i]) + " " + ctx, Offset: int64(i) + 1}
}

// quoteChar is encoding/json's quoting of a byte in error messages.
func quoteChar(c byte) string {
	switch c {
	case '\'':
		return `'\''`
	case '"':
		return `'"'`
	}
	s := strconv.Quote(string(rune(c))) // 0xff is quoted as 'ÿ', as encoding/json does
	return "'" + s[1:len(s)-1] + "'"
}

// Value is the raw text of a JSON value and its kind. Kind 0 means the
// member was absent.
type Value struct {
	Raw  []byte // the value's text, quotes included for strings
	Kind Kind
	Esc  bool // a string holding escapes or non-ASCII bytes
}

// Present reports whether the member was there (null included).
func (v Value) Present() bool { return v.Kind != 0 }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// ScanObject walks data, which must hold exactly one JSON object (and
// whitespace), calling fn for each member in order. key is the raw key text
// between the quotes; keyEsc says it needs unescaping (see Unquote and
// KeyIs). The error is a *SyntaxError; fn is called for the members before
// a syntax error, so a decoder must check the error before using what fn
// found. Valid JSON that is not an object is an *UnmarshalTypeError (with
// Type "object": set it to the Go type's name for encoding/json's message).
func ScanObject(data []byte, fn func(key []byte, keyEsc bool, v Value)) error {
	i := skipSpace(data, 0)
	if i >= len(data) {
		return synErr(data, i, ctxBeginValue, false)
	}
	if data[i] != '{' {
		if _, _, err := scanTop(data); err != nil {
			return err
		}
		return typeErrKind(data[i], "object")
	}
	end, err := scanObjectAt(data, i, 0, fn)
	if err != nil {
		return err
	}
	if j := skipSpace(data, end); j != len(data) {
		return synErr(data, j, ctxAfterTop, false)
	}
	return nil
}

// ScanStruct is ScanObject with encoding/json's rules for decoding into a
// struct: null is no members, and valid JSON of another kind is an
// *UnmarshalTypeError naming typ (the Go type, e.g. "abi.Config").
func ScanStruct(data []byte, typ string, fn func(key []byte, keyEsc bool, v Value)) error {
	err := ScanObject(data, fn)
	if te, ok := err.(*UnmarshalTypeError); ok {
		if te.Value == "null" {
			return nil
		}
		te.Type = typ
	}
	return err
}

// ScanArray walks the JSON array in data, calling fn for each element, as
// ScanObject does for objects.
func ScanArray(data []byte, fn func(v Value)) error {
	i := skipSpace(data, 0)
	if i >= len(data) {
		return synErr(data, i, ctxBeginValue, false)
	}
	if data[i] != '[' {
		if _, _, err := scanTop(data); err != nil {
			return err
		}
		return typeErrKind(data[i], "array")
	}
	end, err := scanArrayAt(data, i, 0, fn)
	if err != nil {
		return err
	}
	if j := skipSpace(data, end); j != len(data) {
		return synErr(data, j, ctxAfterTop, false)
	}
	return nil
}

// typeErrKind is the error of ScanObject/ScanArray given valid JSON of
// another kind, starting with c: an *UnmarshalTypeError whose Type the
// caller may set to its Go type's name.
func typeErrKind(c byte, typ string) error {
	return &UnmarshalTypeError{Value: Value{Kind: kindOf(c)}.KindName(), Type: typ}
}

func kindOf(c byte) Kind {
	switch c {
	case '"':
		return String
	case '{':
		return Object
	case '[':
		return Array
	case 't', 'f':
		return Bool
	case 'n':
		return Null
	}
	return Number
}

// scanTop checks that data holds exactly one JSON value and returns it.
func scanTop(data []byte) (Value, int, error) {
	i := skipSpace(data, 0)
	end, kind, esc, err := scanValue(data, i, 0)
	if err != nil {
		return Value{}, 0, err
	}
	if j := skipSpace(data, end); j != len(data) {
		return Value{}, 0, synErr(data, j, ctxAfterTop, false)
	}
	return Value{Raw: data[i:end], Kind: kind, Esc: esc}, i, nil
}

// Valid reports whether data is one valid JSON value, as json.Valid.
func Valid(data []byte) bool {
	_, _, err := scanTop(data)
	return err == nil
}

// scanObjectAt scans the object starting at data[i] == '{' and returns the
// index after its closing brace.
func scanObjectAt(data []byte, i, depth int, fn func(key []byte, keyEsc bool, v Value)) (int, error) {
	if depth >= MaxDepth {
		return 0, synErr(data, i, ctxDepth, false)
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, synErr(data, i, ctxBeginKey, false)
		}
		kend, kesc, err := scanPlainString(data, i)
		if err != nil {
			return 0, err
		}
		key := data[i+1 : kend-1]
		i = skipSpace(data, kend)
		if i >= len(data) || data[i] != ':' {
			return 0, synErr(data, i, ctxAfterKey, false)
		}
		i = skipSpace(data, i+1)
		vstart := i
		var vend int
		var kind Kind
		var vesc bool
		if i < len(data) && data[i] == '"' {
			vend, vesc, err = scanPlainString(data, i)
			kind = String
		} else {
			vend, kind, vesc, err = scanValue(data, i, depth+1)
		}
		if err != nil {
			return 0, err
		}
		if fn != nil {
			fn(key, kesc, Value{Raw: data[vstart:vend], Kind: kind, Esc: vesc})
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return 0, synErr(data, i, ctxAfterPair, false)
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return i + 1, nil
		default:
			return 0, synErr(data, i, ctxAfterPair, false)
		}
	}
}

func scanArrayAt(data []byte, i, depth int, fn func(v Value)) (int, error) {
	if depth >= MaxDepth {
		return 0, synErr(data, i, ctxDepth, false)
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
			fn(Value{Raw: data[vstart:vend], Kind: kind, Esc: vesc})
		}
		i = skipSpace(data, vend)
		if i >= len(data) {
			return 0, synErr(data, i, ctxAfterElem, false)
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case ']':
			return i + 1, nil
		default:
			return 0, synErr(data, i, ctxAfterElem, false)
		}
	}
}

// scanValue scans the value starting at data[i] and returns the index after
// it, its kind and, for strings, whether it needs unescaping.
func scanValue(data []byte, i, depth int) (end int, kind Kind, esc bool, err error) {
	if i >= len(data) {
		return 0, 0, false, synErr(data, i, ctxBeginValue, false)
	}
	switch c := data[i]; {
	case c == '"':
		end, esc, err = scanString(data, i)
		return end, String, esc, err
	case c == '{':
		end, err = scanObjectAt(data, i, depth, nil)
		return end, Object, false, err
	case c == '[':
		end, err = scanArrayAt(data, i, depth, nil)
		return end, Array, false, err
	case c == '-' || (c >= '0' && c <= '9'):
		end, err = scanNumber(data, i)
		return end, Number, false, err
	case c == 't':
		end, err = scanLiteral(data, i, "true")
		return end, Bool, false, err
	case c == 'f':
		end, err = scanLiteral(data, i, "false")
		return end, Bool, false, err
	case c == 'n':
		end, err = scanLiteral(data, i, "null")
		return end, Null, false, err
	}
	return 0, 0, false, synErr(data, i, ctxBeginValue, false)
}

func scanLiteral(data []byte, i int, lit string) (int, error) {
	for k := 1; k < len(lit); k++ {
		if i+k >= len(data) || data[i+k] != lit[k] {
			return 0, synErr(data, i+k, "in literal "+lit+" (expecting '"+lit[k:k+1]+"')", true)
		}
	}
	return i + len(lit), nil
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
// escapes or bytes >= 0x80 (which Unquote must check for valid UTF-8).
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
				return 0, false, synErr(data, i+1, ctxEsc, true)
			}
			switch data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				for k := i + 2; k < i+6; k++ {
					if k >= len(data) || unhex(data[k]) < 0 {
						return 0, false, synErr(data, k, ctxEscU, true)
					}
				}
				i += 6
			default:
				return 0, false, synErr(data, i+1, ctxEsc, true)
			}
		case c < 0x20:
			return 0, false, synErr(data, i, ctxString, false)
		default:
			esc = true // >= 0x80
			i++
		}
	}
	return 0, false, synErr(data, i, ctxString, false)
}

func scanNumber(data []byte, i int) (int, error) {
	if data[i] == '-' {
		i++
	}
	switch {
	case i >= len(data):
		return 0, synErr(data, i, ctxNeg, true)
	case data[i] == '0':
		i++
	case data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		return 0, synErr(data, i, ctxNeg, true)
	}
	if i < len(data) && data[i] == '.' {
		i++
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			return 0, synErr(data, i, ctxDot, true)
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i >= len(data) || data[i] < '0' || data[i] > '9' {
			return 0, synErr(data, i, ctxExp, true)
		}
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	}
	return i, nil
}

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
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

// Str returns the Go string of a string value ("" for other kinds).
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func (v Value) Str() string {
	if v.Kind != String {
		return ""
	}
	return Unquote(v.Raw[1:len(v.Raw)-1], v.Esc)
}

// Unquote decodes the text between a JSON string's quotes (already checked
// by the scanner) the way encoding/json does: invalid UTF-8 bytes and lone
// surrogates become U+FFFD. esc false promises plain ASCII without escapes.
func Unquote(s []byte, esc bool) string {
	if !esc || (!hasByte(s, '\\') && utf8.Valid(s)) {
		return string(s)
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\':
			if s[i+1] != 'u' {
				b = append(b, unescapeByte(s[i+1]))
				i += 2
				continue
			}
			r := hex4(s[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				r2 := utf8.RuneError
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2 = utf16.DecodeRune(r, hex4(s[i+2:])); r2 != utf8.RuneError {
						i += 6
					}
				}
				r = r2
			}
			b = utf8.AppendRune(b, r)
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			r, size := utf8.DecodeRune(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, "\uFFFD"...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
	}
	return string(b)
}

// unescapeByte is the byte of a one-letter escape (\b, \f, \n, \r, \t, \",
// \\ or \/) of a string the scanner accepted.
func unescapeByte(c byte) byte {
	switch c {
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return c // '"', '\\', '/'
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

// Num returns a number value as float64; ok is false for other kinds and
// for numbers outside float64's range (which encoding/json rejects).
func (v Value) Num() (float64, bool) {
	if v.Kind != Number {
		return 0, false
	}
	// Fast path for the integers NumericDates nearly always are (exact in
	// float64 up to 15 digits).
	if r := v.Raw; len(r) <= 15 {
		n, neg, i := int64(0), false, 0
		if r[0] == '-' {
			neg, i = true, 1
		}
		for ; i < len(r) && r[i] >= '0' && r[i] <= '9'; i++ {
			n = n*10 + int64(r[i]-'0')
		}
		if i == len(r) {
			f := float64(n)
			if neg {
				f = -f // -0 stays -0, as strconv.ParseFloat has it
			}
			return f, true
		}
	}
	f, err := strconv.ParseFloat(string(v.Raw), 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// KeyIs reports whether a member key equals name, unescaping if needed.
func KeyIs(key []byte, esc bool, name string) bool {
	if !esc {
		return string(key) == name
	}
	return Unquote(key, true) == name
}
