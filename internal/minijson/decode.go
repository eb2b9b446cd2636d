package minijson

import (
	"encoding/json"
	"strconv"
)

// An UnmarshalTypeError is a JSON value that does not fit the Go value it
// is decoded into, worded as encoding/json's *json.UnmarshalTypeError.
type UnmarshalTypeError struct {
	_      [0]func() // incomparable: no equality function in the wasm module
	Value  string    // "string", "number", "number 1e400", "bool", "array", "object"
	Type   string    // the Go type, as reflect.Type.String() prints it
	Struct string    // the innermost Go struct type's name, if any
	Field  string    // the dotted path of JSON keys to the value, if any
}

func (e *UnmarshalTypeError) Error() string {
	if e.Struct != "" || e.Field != "" {
		return "json: cannot unmarshal " + e.Value + " into Go struct field " + e.Struct + "." + e.Field + " of type " + e.Type
	}
	return "json: cannot unmarshal " + e.Value + " into Go value of type " + e.Type
}

// TypeError is the error encoding/json gives for the value v decoded into a
// field of Go type typ (e.g. "[]string"), at the path field (dotted JSON
// keys) of the struct named strct (e.g. "abi.Config").
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func TypeError(v Value, strct, field, typ string) error {
	return &UnmarshalTypeError{Value: v.KindName(), Struct: strct, Field: field, Type: typ}
}

// KindName is how encoding/json names the kind of a value in its errors.
func (v Value) KindName() string {
	switch v.Kind {
	case String:
		return "string"
	case Number:
		return "number"
	case Bool:
		return "bool"
	case Array:
		return "array"
	case Object:
		return "object"
	case Null:
		return "null"
	}
	return "nothing"
}

// Decode decodes data as json.Unmarshal does into an any: objects become
// map[string]any, arrays []any, numbers float64. Syntax errors are
// *SyntaxError; a number outside float64's range is an *UnmarshalTypeError.
func Decode(data []byte) (any, error) {
	return decode(data, false)
}

// DecodeUseNumber is Decode with json.Number for numbers, as a json.Decoder
// with UseNumber.
func DecodeUseNumber(data []byte) (any, error) {
	return decode(data, true)
}

func decode(data []byte, useNumber bool) (any, error) {
	v, _, err := scanTop(data) // encoding/json checks the syntax first
	if err != nil {
		return nil, err
	}
	d := builder{useNumber: useNumber}
	out, _ := d.value(v.Raw, 0)
	if d.err != nil {
		return nil, d.err
	}
	return out, nil
}

// Decode decodes the value as Decode does, except that with a number
// outside float64's range the value is returned along with the error, with
// nil in the number's place, as json.Unmarshal leaves it.
func (v Value) Decode() (any, error) {
	if v.Kind == 0 {
		return nil, nil
	}
	d := builder{}
	out, _ := d.value(v.Raw, 0)
	return out, d.err
}

// builder turns JSON already checked by the scanner into Go values.
type builder struct {
	useNumber bool
	err       error // the first number outside float64's range
}

func (d *builder) value(data []byte, i int) (any, int) {
	i = skipSpace(data, i)
	switch c := data[i]; c {
	case '"':
		end, esc, _ := scanPlainString(data, i)
		return Unquote(data[i+1:end-1], esc), end
	case '{':
		m := make(map[string]any)
		i = skipSpace(data, i+1)
		if data[i] == '}' {
			return m, i + 1
		}
		for {
			kend, kesc, _ := scanPlainString(data, i)
			key := Unquote(data[i+1:kend-1], kesc)
			i = skipSpace(data, kend) // at ':'
			var v any
			v, i = d.value(data, i+1)
			m[key] = v
			i = skipSpace(data, i)
			if data[i] == '}' {
				return m, i + 1
			}
			i = skipSpace(data, i+1) // past ','
		}
	case '[':
		a := make([]any, 0)
		i = skipSpace(data, i+1)
		if data[i] == ']' {
			return a, i + 1
		}
		for {
			var v any
			v, i = d.value(data, i)
			a = append(a, v)
			i = skipSpace(data, i)
			if data[i] == ']' {
				return a, i + 1
			}
			i++ // past ','
		}
	case 't':
		return true, i + 4
	case 'f':
		return false, i + 5
	case 'n':
		return nil, i + 4
	}
	end, _ := scanNumber(data, i)
	raw := data[i:end]
	if d.useNumber {
		return json.Number(raw), end
	}
	f, ok := Value{Raw: raw, Kind: Number}.Num()
	if !ok {
		if d.err == nil {
			d.err = &UnmarshalTypeError{Value: "number " + string(raw), Type: "float64"}
		}
		return nil, end
	}
	return f, end
}

// Int returns an integer number value as encoding/json decodes it into an
// int64: ok is false for other kinds, fractions, exponents and overflow.
func (v Value) Int() (int64, bool) {
	if v.Kind != Number {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v.Raw), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// Bool returns a bool value; ok is false for other kinds.
func (v Value) Bool() (val, ok bool) {
	if v.Kind != Bool {
		return false, false
	}
	return v.Raw[0] == 't', true
}

// Strings decodes an array of strings as encoding/json decodes it into a
// nil []string: nil for null, an error (naming the struct, field and type as
// TypeError does) for anything else.
func (v Value) Strings(strct, field string) ([]string, error) {
	var l []string
	err := v.ToStrings(&l, strct, field)
	return l, err
}

// DecodeObject decodes data as json.Unmarshal does into a map[string]any:
// nil for null, an *UnmarshalTypeError for another kind of value.
func DecodeObject(data []byte) (map[string]any, error) {
	v, _, err := scanTop(data)
	if err != nil {
		return nil, err
	}
	switch v.Kind {
	case Null:
		return nil, nil
	case Object:
	default:
		return nil, &UnmarshalTypeError{Value: v.KindName(), Type: "map[string]interface {}"}
	}
	d := builder{}
	out, _ := d.value(v.Raw, 0)
	if d.err != nil {
		return nil, d.err
	}
	return out.(map[string]any), nil
}
