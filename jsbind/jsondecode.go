package jsbind

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/dop251/goja"
)

// jsonDecoder builds goja values straight from JSON bytes. It replaced a
// decoder driven by json.Decoder.Token (one interface value and often an
// allocation per token) and json.Unmarshal into maps for token claims (a Go
// map built only to be copied, its key order lost): decoding a session
// token's claims was a tenth of clerk.verifyToken's time from JS. Strings
// with escapes or invalid UTF-8 are rare and go through encoding/json, so
// they decode exactly as before; FuzzJSONDecoderMatchesReference compares
// the two decoders on arbitrary input.
type jsonDecoder struct {
	vm   *goja.Runtime
	data []byte
	pos  int
}

// decodeJSON decodes one JSON value filling the whole of data (surrounding
// whitespace aside), renaming keys snake→camel by sh as fromWire documents.
func decodeJSON(vm *goja.Runtime, data []byte, sh shape, free bool) (goja.Value, error) {
	d := jsonDecoder{vm: vm, data: data}
	d.skipSpace()
	v, err := d.value(sh, free, 0)
	if err != nil {
		return nil, err
	}
	d.skipSpace()
	if d.pos < len(d.data) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return v, nil
}

func (d *jsonDecoder) skipSpace() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) errorf(format string, a ...any) error {
	return fmt.Errorf("offset %d: %s", d.pos, fmt.Sprintf(format, a...))
}

func (d *jsonDecoder) value(sh shape, free bool, depth int) (goja.Value, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	if d.pos >= len(d.data) {
		return nil, d.errorf("unexpected end of JSON")
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		return d.object(sh, free, depth)
	case c == '[':
		return d.array(sh, free, depth)
	case c == '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return d.vm.ToValue(s), nil
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case c == 't':
		return d.literal("true", d.vm.ToValue(true))
	case c == 'f':
		return d.literal("false", d.vm.ToValue(false))
	case c == 'n':
		return d.literal("null", goja.Null())
	default:
		return nil, d.errorf("invalid character %q looking for a value", c)
	}
}

func (d *jsonDecoder) literal(word string, v goja.Value) (goja.Value, error) {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		return nil, d.errorf("invalid literal, want %s", word)
	}
	d.pos += len(word)
	return v, nil
}

func (d *jsonDecoder) object(sh shape, free bool, depth int) (goja.Value, error) {
	d.pos++ // {
	obj := d.vm.NewObject()
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return obj, nil
	}
	for {
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return nil, d.errorf("object key is not a string")
		}
		key, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return nil, d.errorf("missing ':' after object key")
		}
		d.pos++
		d.skipSpace()
		name := key
		childFree := free
		var fsh shape
		if !free {
			name = snakeToCamel(key)
			fsh = shapeField(sh, key)
			childFree = shapeFree(fsh) || isFreeFormKey(key) && (fsh == nil || shapeKind(fsh) == "object" || shapeKind(fsh) == "")
		}
		val, err := d.value(fsh, childFree, depth+1)
		if err != nil {
			return nil, err
		}
		if err := obj.Set(name, val); err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errorf("unexpected end of JSON in object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case '}':
			d.pos++
			return obj, nil
		default:
			return nil, d.errorf("invalid character %q after object value", d.data[d.pos])
		}
	}
}

func (d *jsonDecoder) array(sh shape, free bool, depth int) (goja.Value, error) {
	d.pos++ // [
	items := []any{}
	el := shapeElem(sh)
	d.skipSpace()
	if d.pos < len(d.data) && d.data[d.pos] == ']' {
		d.pos++
		return d.vm.NewArray(items...), nil
	}
	for {
		val, err := d.value(el, free, depth+1)
		if err != nil {
			return nil, err
		}
		items = append(items, val)
		d.skipSpace()
		if d.pos >= len(d.data) {
			return nil, d.errorf("unexpected end of JSON in array")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
			d.skipSpace()
		case ']':
			d.pos++
			return d.vm.NewArray(items...), nil
		default:
			return nil, d.errorf("invalid character %q after array element", d.data[d.pos])
		}
	}
}

// str reads a string literal. The common case (no escapes, valid UTF-8) is
// a plain copy; anything else is handed to encoding/json, which also
// rejects control characters and replaces invalid UTF-8 with U+FFFD.
func (d *jsonDecoder) str() (string, error) {
	start := d.pos
	i := start + 1
	plain, ascii := true, true
	for ; i < len(d.data); i++ {
		c := d.data[i]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain = false
			i++ // skip the escaped character (it may be a quote)
			continue
		}
		if c < 0x20 {
			plain = false
		}
		if c >= 0x80 {
			ascii = false
		}
	}
	if i >= len(d.data) {
		return "", d.errorf("unterminated string")
	}
	d.pos = i + 1
	raw := d.data[start+1 : i]
	if plain && (ascii || utf8.Valid(raw)) {
		return string(raw), nil
	}
	var s string
	if err := json.Unmarshal(d.data[start:i+1], &s); err != nil {
		return "", fmt.Errorf("offset %d: %w", start, err)
	}
	return s, nil
}

// number reads a JSON number: integers within ±2^53 stay exact integers,
// others are float64 (out of range becomes ±Infinity or 0, as JSON.parse
// does).
func (d *jsonDecoder) number() (goja.Value, error) {
	start := d.pos
	p := d.pos
	digits := func() int {
		n := 0
		for p < len(d.data) && d.data[p] >= '0' && d.data[p] <= '9' {
			p++
			n++
		}
		return n
	}
	if d.data[p] == '-' {
		p++
	}
	if p < len(d.data) && d.data[p] == '0' {
		p++
	} else if digits() == 0 {
		d.pos = p
		return nil, d.errorf("invalid number")
	}
	integer := true
	if p < len(d.data) && d.data[p] == '.' {
		p++
		integer = false
		if digits() == 0 {
			d.pos = p
			return nil, d.errorf("invalid number: no digits after '.'")
		}
	}
	if p < len(d.data) && (d.data[p] == 'e' || d.data[p] == 'E') {
		p++
		integer = false
		if p < len(d.data) && (d.data[p] == '+' || d.data[p] == '-') {
			p++
		}
		if digits() == 0 {
			d.pos = p
			return nil, d.errorf("invalid number: no digits in exponent")
		}
	}
	d.pos = p
	if integer && p-start <= 16 {
		// Up to 15 digits (and a sign) is always within ±2^53: skip
		// strconv and its string copy, the common case of timestamps.
		var n int64
		i := start
		if d.data[i] == '-' {
			i++
		}
		for ; i < p; i++ {
			n = n*10 + int64(d.data[i]-'0')
		}
		if d.data[start] == '-' {
			n = -n
		}
		if p-start <= 15 || d.data[start] == '-' {
			return d.vm.ToValue(n), nil
		}
	}
	text := string(d.data[start:p])
	if integer {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil && i >= -(1<<53) && i <= 1<<53 {
			return d.vm.ToValue(i), nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return nil, err
	}
	return d.vm.ToValue(f), nil
}
