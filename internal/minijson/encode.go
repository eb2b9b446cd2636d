package minijson

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
	"unsafe"
)

// An Appender appends its own JSON encoding to dst, as a json.Marshaler
// returns it. Marshal trusts it to append valid, compact JSON.
type Appender interface {
	AppendJSON(dst []byte) ([]byte, error)
}

// An UnsupportedValueError is a value JSON cannot hold (NaN, ±Inf), worded
// as encoding/json's *json.UnsupportedValueError.
type UnsupportedValueError struct {
	Str string
}

func (e *UnsupportedValueError) Error() string { return "json: unsupported value: " + e.Str }

// ErrUnsupportedType is Marshal's error for a type it does not encode (see
// the package documentation for the list).
var ErrUnsupportedType = errors.New("minijson: unsupported type")

// Marshal returns the JSON encoding of v, byte for byte json.Marshal's.
func Marshal(v any) ([]byte, error) {
	return Append(nil, v)
}

// Append appends the JSON encoding of v to dst as Marshal does. On error,
// dst is returned unchanged.
func Append(dst []byte, v any) ([]byte, error) {
	var c cycles
	out, err := appendValue(dst, v, &c)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// startDetectingCyclesAfter is encoding/json's: below that many nested maps
// and slices no cycle is looked for.
const startDetectingCyclesAfter = 1000

// cycles is encoding/json's cycle check: a map or []any found inside itself
// is an error instead of endless recursion (a fatal stack overflow). As in
// encoding/json, only the maps and slices nested deeper than
// startDetectingCyclesAfter are remembered, by address (and length for a
// slice), while they are being encoded. They are kept in a list (a map
// type cost the wasm guest 4.7 KB): a value nested that deep is rare, and
// one nested deeper than a few thousand levels costs a scan per level.
type cycles struct {
	level int
	open  [][2]uintptr
}

// enter counts one more level of nesting for the map or slice at key and
// reports a cycle (typ names its type, as encoding/json does) when it is
// already being encoded. The caller calls leave when done. (Not inlined:
// one copy keeps the wasm module small.)
//
//go:noinline
func (c *cycles) enter(key [2]uintptr, typ string) error {
	c.level++
	if c.level <= startDetectingCyclesAfter {
		return nil
	}
	for _, k := range c.open {
		if k == key {
			return &UnsupportedValueError{Str: "encountered a cycle via " + typ}
		}
	}
	c.open = append(c.open, key)
	return nil
}

func (c *cycles) leave() {
	if c.level > startDetectingCyclesAfter {
		c.open = c.open[:len(c.open)-1]
	}
	c.level--
}

func appendValue(dst []byte, v any, c *cycles) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return appendLit(dst, "null"), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case string:
		return AppendString(dst, v), nil
	case float64:
		return AppendFloat(dst, v, 64)
	case float32:
		return AppendFloat(dst, float64(v), 32)
	case int, int8, int16, int32, int64:
		return strconv.AppendInt(dst, signed(v), 10), nil
	case uint, uint8, uint16, uint32, uint64:
		return strconv.AppendUint(dst, unsigned(v), 10), nil
	case json.Number:
		return appendNumber(dst, v)
	case json.RawMessage:
		return appendRaw(dst, v)
	case []any:
		if v == nil {
			return appendLit(dst, "null"), nil
		}
		key := [2]uintptr{uintptr(unsafe.Pointer(unsafe.SliceData(v))), uintptr(len(v))}
		if err := c.enter(key, "[]interface {}"); err != nil {
			return dst, err
		}
		dst = appendLit(dst, "[")
		for i, e := range v {
			if i > 0 {
				dst = appendLit(dst, ",")
			}
			var err error
			if dst, err = appendValue(dst, e, c); err != nil {
				return dst, err
			}
		}
		c.leave()
		return appendLit(dst, "]"), nil
	case []string:
		if v == nil {
			return appendLit(dst, "null"), nil
		}
		dst = appendLit(dst, "[")
		for i, e := range v {
			if i > 0 {
				dst = appendLit(dst, ",")
			}
			dst = AppendString(dst, e)
		}
		return appendLit(dst, "]"), nil
	case map[string]any:
		return appendMap(dst, v, c)
	case map[string]string:
		return appendValue(dst, anyMap(v), c)
	case map[string]json.RawMessage:
		return appendValue(dst, anyMap(v), c)
	case map[string][]string:
		return appendValue(dst, anyMap(v), c)
	case Appender:
		return v.AppendJSON(dst)
	}
	return dst, ErrUnsupportedType
}

// signed and unsigned widen the small integer types (one case each in
// appendValue's switch keeps the module small).
func signed(v any) int64 {
	switch v := v.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	case int8:
		return int64(v)
	case int16:
		return int64(v)
	case int32:
		return int64(v)
	}
	return 0
}

func unsigned(v any) uint64 {
	switch v := v.(type) {
	case uint:
		return uint64(v)
	case uint8:
		return uint64(v)
	case uint16:
		return uint64(v)
	case uint32:
		return uint64(v)
	case uint64:
		return v
	}
	return 0
}

// anyMap converts a map for appendValue's map[string]any case: one encoder
// for every map type keeps the wasm module small.
func anyMap[V any](m map[string]V) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// appendMap encodes a map (null when nil) with its keys in encoding/json's
// order.
func appendMap(dst []byte, m map[string]any, c *cycles) ([]byte, error) {
	if m == nil {
		return appendLit(dst, "null"), nil
	}
	// A map value is a pointer: its address is the key (^0 in the second
	// word, a length no slice has, keeps it apart from a slice's).
	key := [2]uintptr{*(*uintptr)(unsafe.Pointer(&m)), ^uintptr(0)}
	if err := c.enter(key, "map[string]interface {}"); err != nil {
		return dst, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = appendLit(dst, "{")
	for i, k := range keys {
		if i > 0 {
			dst = appendLit(dst, ",")
		}
		dst = AppendString(dst, k)
		dst = appendLit(dst, ":")
		var err error
		if dst, err = appendValue(dst, m[k], c); err != nil {
			return dst, err
		}
	}
	c.leave()
	return appendLit(dst, "}"), nil
}

// appendNumber is encoding/json's encoding of a json.Number: checked, "" as 0.
func appendNumber(dst []byte, n json.Number) ([]byte, error) {
	if n == "" {
		return append(dst, '0'), nil
	}
	b := []byte(n)
	if end, err := scanNumber(b, 0); err != nil || end != len(b) {
		return dst, errors.New("json: invalid number literal " + strconv.Quote(string(n)))
	}
	return append(dst, n...), nil
}

// AppendRaw appends m as json.Marshal encodes a json.RawMessage: null when
// nil, otherwise checked and compacted with HTML escaping.
func AppendRaw(dst []byte, m json.RawMessage) ([]byte, error) {
	out, err := appendRaw(dst, m)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// appendRaw is encoding/json's encoding of a json.RawMessage: nil as null,
// otherwise checked and compacted with HTML escaping.
func appendRaw(dst []byte, m json.RawMessage) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	if _, _, err := scanTop(m); err != nil {
		return dst, errors.New("json: error calling MarshalJSON for type json.RawMessage: " + err.Error())
	}
	return appendCompact(dst, m, true), nil
}

// AppendCompact appends src, which must be valid JSON, without its
// insignificant whitespace, as json.Compact does.
func AppendCompact(dst, src []byte) ([]byte, error) {
	if _, _, err := scanTop(src); err != nil {
		return dst, err
	}
	return appendCompact(dst, src, false), nil
}

// appendCompact compacts valid JSON; escapeHTML also escapes <, >, & and
// U+2028/U+2029 as encoding/json's encoder does for Marshaler output.
func appendCompact(dst, src []byte, escapeHTML bool) []byte {
	start, inStr := 0, false
	for i := 0; i < len(src); i++ {
		c := src[i]
		if inStr {
			switch {
			case c == '\\':
				i++
			case c == '"':
				inStr = false
			case escapeHTML && (c == '<' || c == '>' || c == '&'):
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
				start = i + 1
			case escapeHTML && c == 0xE2 && i+2 < len(src) && src[i+1] == 0x80 && src[i+2]&^1 == 0xA8:
				dst = append(dst, src[start:i]...)
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[src[i+2]&0xF])
				start = i + 3
				i += 2
			}
			continue
		}
		switch {
		case c == '"':
			inStr = true
		case isSpace(c):
			dst = append(dst, src[start:i]...)
			start = i + 1
		}
	}
	return append(dst, src[start:]...)
}

const hexDigits = "0123456789abcdef"

// htmlSafe marks the ASCII bytes encoding/json writes as they are in a
// string with HTML escaping on.
var htmlSafe = func() (t [utf8.RuneSelf]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()

// shortEscape is the letter of the two-byte escape of an ASCII byte, or 0
// when it takes \u00XX.
func shortEscape(b byte) byte {
	switch b {
	case '\\', '"':
		return b
	case '\b':
		return 'b'
	case '\f':
		return 'f'
	case '\n':
		return 'n'
	case '\r':
		return 'r'
	case '\t':
		return 't'
	}
	return 0
}

// AppendString appends s as a JSON string, escaped as json.Marshal escapes
// it: HTML-safe, U+2028/U+2029 escaped, invalid UTF-8 as \ufffd.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if htmlSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			if e := shortEscape(b); e != 0 {
				dst = append(dst, '\\', e)
			} else {
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 || c == '\u2028' || c == '\u2029' {
			esc := `\ufffd`
			switch c {
			case '\u2028':
				esc = `\u2028`
			case '\u2029':
				esc = `\u2029`
			}
			dst = append(dst, s[start:i]...)
			dst = append(dst, esc...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendFloat appends f as encoding/json encodes a float of the given bit
// size (32 or 64): shortest representation, exponent form below 1e-6 and
// from 1e21 on with a two-digit minimum exponent cleaned up (1e-7, not
// 1e-07). NaN and ±Inf are an *UnsupportedValueError.
func AppendFloat(dst []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, &UnsupportedValueError{Str: strconv.FormatFloat(f, 'g', -1, bits)}
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	dst = strconv.AppendFloat(dst, f, format, -1, bits)
	if format == 'e' {
		n := len(dst)
		if n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, nil
}

// appendLit is append(dst, lit...), not inlined: in the wasm module each
// inlined append costs hundreds of bytes.
//
//go:noinline
func appendLit(dst []byte, lit string) []byte { return append(dst, lit...) }
