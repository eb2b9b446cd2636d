package minijson

import (
	"encoding/base64"
	"encoding/json"
	"unicode/utf8"
)

// Helpers for hand-written typed decoders that behave as json.Unmarshal into
// a struct: ScanStruct walks the members, FieldIs matches a key to a field
// name as encoding/json does, and the To* methods store a member into a Go
// value, returning the error encoding/json would give (a wrong kind, a
// number that does not fit, bad base64), which Errs keeps the first of.
// null leaves a scalar as it is and sets a slice, map or pointer to nil, as
// encoding/json does.

// Errs keeps the first error of a typed decode: encoding/json reports the
// first and decodes on.
type Errs struct{ err error }

// Add keeps err if it is the first.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func (e *Errs) Add(err error) {
	if e.err == nil && err != nil {
		e.err = err
	}
}

// Err is the first error added.
func (e *Errs) Err() error { return e.err }

// FieldIs reports whether the unquoted member key selects the struct field
// whose JSON name is name (ASCII): as encoding/json matches it, exactly or
// else case-insensitively, with U+017F (ſ) folding to s and U+212A (K) to k.
func FieldIs(key, name string) bool {
	if key == name {
		return true
	}
	j := 0
	for i := 0; i < len(key); {
		if j >= len(name) {
			return false
		}
		c := key[i]
		want := upper(name[j])
		if c < utf8.RuneSelf {
			if upper(c) != want {
				return false
			}
			i++
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(key[i:])
		switch {
		case r == '\u017f' && want == 'S', r == '\u212a' && want == 'K':
		default:
			return false
		}
		i += size
		j++
	}
	return j == len(name)
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// ToString stores a string member in dst.
func (v Value) ToString(dst *string, strct, field string) error {
	switch v.Kind {
	case String:
		*dst = v.Str()
	case Null, 0:
	default:
		return TypeError(v, strct, field, "string")
	}
	return nil
}

// ToBool stores a bool member in dst.
func (v Value) ToBool(dst *bool, strct, field string) error {
	switch v.Kind {
	case Bool:
		*dst = v.Raw[0] == 't'
	case Null, 0:
	default:
		return TypeError(v, strct, field, "bool")
	}
	return nil
}

// ToInt64 stores an integer member in dst; typ is the Go type's name for
// errors ("int64", or "int": both are 64 bits wide on every platform this
// module builds for).
func (v Value) ToInt64(dst *int64, strct, field, typ string) error {
	switch v.Kind {
	case Number:
		n, ok := v.Int()
		if !ok {
			return &UnmarshalTypeError{Value: "number " + string(v.Raw), Type: typ, Struct: strct, Field: field}
		}
		*dst = n
	case Null, 0:
	default:
		return TypeError(v, strct, field, typ)
	}
	return nil
}

// ToInt64Ptr stores an integer member in a new *int64 (nil for null).
func (v Value) ToInt64Ptr(dst **int64, strct, field string) error {
	switch v.Kind {
	case Null:
		*dst = nil
		return nil
	case 0:
		return nil
	}
	var n int64
	if *dst != nil {
		n = **dst
	}
	if err := v.ToInt64(&n, strct, field, "int64"); err != nil {
		return err
	}
	*dst = &n
	return nil
}

// ToBytes stores a base64 (standard alphabet, padded) string member in dst,
// as encoding/json decodes a []byte.
func (v Value) ToBytes(dst *[]byte, strct, field string) error {
	switch v.Kind {
	case String:
		s := v.Str()
		b := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
		n, err := base64.StdEncoding.Decode(b, []byte(s))
		if err != nil {
			return err
		}
		*dst = b[:n]
	case Null:
		*dst = nil
	case 0:
	default:
		return TypeError(v, strct, field, "[]uint8")
	}
	return nil
}

// ToRaw stores a copy of the member's text in dst, null included, as
// json.RawMessage does.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func (v Value) ToRaw(dst *json.RawMessage) {
	if v.Kind != 0 {
		*dst = append(json.RawMessage(nil), v.Raw...)
	}
}

// ToStrings stores an array of strings in dst as encoding/json does,
// decoding into the elements of the slice already there (up to its
// capacity), so that a null element keeps what a duplicate member put there.
func (v Value) ToStrings(dst *[]string, strct, field string) error {
	switch v.Kind {
	case 0:
		return nil
	case Null:
		*dst = nil
		return nil
	case Array:
	default:
		return TypeError(v, strct, field, "[]string")
	}
	out := (*dst)[:0]
	var errs Errs
	_ = ScanArray(v.Raw, func(e Value) {
		i := len(out)
		if i < cap(out) {
			out = out[:i+1]
		} else {
			out = append(out, "")
		}
		errs.Add(e.ToString(&out[i], strct, field))
	})
	if len(out) == 0 {
		out = make([]string, 0)
	}
	*dst = out
	return errs.Err()
}

// ToStringsMap stores an object of arrays of strings in dst, as
// encoding/json decodes a map[string][]string (into a new map: the decoders
// here start from zero values).
func (v Value) ToStringsMap(dst *map[string][]string, strct, field string) error {
	switch v.Kind {
	case Null:
		*dst = nil
		return nil
	case Object:
	case 0:
		return nil
	default:
		return TypeError(v, strct, field, "map[string][]string")
	}
	m := *dst
	if m == nil {
		m = make(map[string][]string)
	}
	var errs Errs
	_ = ScanObject(v.Raw, func(key []byte, esc bool, e Value) {
		var l []string
		errs.Add(e.ToStrings(&l, strct, field))
		m[Unquote(key, esc)] = l
	})
	*dst = m
	return errs.Err()
}
