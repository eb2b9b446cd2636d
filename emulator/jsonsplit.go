package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// splitObject walks the JSON object at the start of data (after optional
// white space) and calls visit with each member's key and the raw bytes of
// its value, without decoding the values: a state file's tables are split
// into records in one fast pass and the records decoded on every core. It
// returns the offset just past the closing brace.
//
// Only the structure is checked here (strings, brackets, commas, colons);
// each value must still be decoded by encoding/json, which rejects anything
// else that is not valid JSON.
func splitObject(data []byte, visit func(key string, val []byte) error) (int, error) {
	return splitObjectN(data, func(key string, rest []byte) (int, error) {
		end, err := scanValue(rest, 0)
		if err != nil {
			return 0, fmt.Errorf("%q: %w", key, err)
		}
		return end, visit(key, rest[:end])
	})
}

// splitObjectN is splitObject for visitors that find the end of the value
// themselves: visit gets the data from the value on and returns the value's
// length. A state file's big values (the state, each table) are read this
// way, so their bytes are scanned once, by the reader of the records, not
// once more per level to find where they end.
func splitObjectN(data []byte, visit func(key string, rest []byte) (int, error)) (int, error) {
	return splitObjectB(data, func(key, rest []byte) (int, error) { return visit(string(key), rest) })
}

// splitObjectB is splitObjectN with the key as bytes: a plain key (every id)
// is a slice of data, so a million records' keys cost no allocation.
func splitObjectB(data []byte, visit func(key, rest []byte) (int, error)) (int, error) {
	i := skipWS(data, 0)
	if i >= len(data) || data[i] != '{' {
		return 0, errors.New("want a JSON object")
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return 0, fmt.Errorf("want a string key at offset %d", i)
		}
		end, err := scanString(data, i)
		if err != nil {
			return 0, err
		}
		key, err := unquoteKeyB(data[i:end])
		if err != nil {
			return 0, fmt.Errorf("bad key at offset %d: %w", i, err)
		}
		i = skipWS(data, end)
		if i >= len(data) || data[i] != ':' {
			return 0, fmt.Errorf("want ':' after key %q", key)
		}
		i = skipWS(data, i+1)
		if i >= len(data) {
			return 0, fmt.Errorf("%q: missing value", key)
		}
		n, err := visit(key, data[i:])
		if err != nil {
			return 0, err
		}
		i = skipWS(data, i+n)
		if i >= len(data) {
			return 0, errors.New("unexpected end of JSON object")
		}
		switch data[i] {
		case '}':
			return i + 1, nil
		case ',':
			i = skipWS(data, i+1)
		default:
			return 0, fmt.Errorf("want ',' or '}' after the value of %q", key)
		}
	}
}

func skipWS(data []byte, i int) int {
	for i < len(data) {
		switch data[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// scanString returns the offset just past the string starting at data[i]
// (a '"').
func scanString(data []byte, i int) (int, error) {
	j := i + 1
	for {
		// The closing quote is the first one not escaped: found with
		// IndexByte (vectorised), then checked for an odd run of
		// backslashes before it.
		k := bytes.IndexByte(data[j:], '"')
		if k < 0 {
			return 0, errors.New("unterminated string")
		}
		q := j + k
		bs := 0
		for p := q - 1; p > i && data[p] == '\\'; p-- {
			bs++
		}
		if bs%2 == 0 {
			return q + 1, nil
		}
		j = q + 1
	}
}

// scanValue returns the offset just past the value starting at data[i].
func scanValue(data []byte, i int) (int, error) {
	if i >= len(data) {
		return 0, errors.New("missing value")
	}
	switch data[i] {
	case '"':
		return scanString(data, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(data); j++ {
			switch data[j] {
			case '"':
				end, err := scanString(data, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errors.New("unterminated object or array")
	}
	j := i
	for j < len(data) {
		c := data[j]
		if c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r' {
			break
		}
		j++
	}
	if j == i {
		return 0, fmt.Errorf("missing value at offset %d", i)
	}
	return j, nil
}

// unquoteKeyB decodes a quoted key; plain printable ASCII (every id) needs
// no decoder and is returned as a slice of q.
func unquoteKeyB(q []byte) ([]byte, error) {
	for _, c := range q[1 : len(q)-1] {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			k, err := unquoteKey(q)
			return []byte(k), err
		}
	}
	return q[1 : len(q)-1], nil
}

// unquoteKey decodes a quoted key; plain printable ASCII (every id) needs no
// decoder.
func unquoteKey(q []byte) (string, error) {
	plain := true
	for _, c := range q[1 : len(q)-1] {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		return string(q[1 : len(q)-1]), nil
	}
	var k string
	err := json.Unmarshal(q, &k)
	return k, err
}

// unmarshalStrict decodes one value as the state file requires: unknown
// fields are errors and numbers keep their exact text.
func unmarshalStrict(b []byte, v any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		return err
	}
	if d.More() {
		return errors.New("data after the value")
	}
	return nil
}
