//go:build !wasip1

package core

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
)

// Natively, Client.Call also takes Go values beyond decoded JSON (structs
// as params, typed slices, Stringers as scalars): they go through
// encoding/json and reflect here, as they always did. The wasm guest only
// ever passes decoded JSON, and its build (params_wasip1.go) links neither.

// otherParams encodes params of another type than the ones paramsMap
// knows (nil for a nil pointer: no params).
func otherParams(params any) ([]byte, error) {
	if rv := reflect.ValueOf(params); rv.Kind() == reflect.Pointer && rv.IsNil() {
		return nil, nil
	}
	return json.Marshal(params)
}

// otherScalar formats a scalar of another Go type: a fmt.Stringer.
func otherScalar(v any) (string, error) {
	if x, ok := v.(fmt.Stringer); ok {
		// A nil pointer with a value-receiver String method would panic.
		if rv := reflect.ValueOf(v); rv.Kind() == reflect.Pointer && rv.IsNil() {
			return "", errors.New(notScalar + "got a nil " + fmt.Sprintf("%T", v))
		}
		return x.String(), nil
	}
	return "", errors.New(notScalar + "got " + fmt.Sprintf("%T", v))
}

// otherSlice returns the items of a slice of another Go type ([]int...).
func otherSlice(v any) ([]any, bool) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice {
		return nil, false
	}
	out := make([]any, rv.Len())
	for i := range out {
		out[i] = rv.Index(i).Interface()
	}
	return out, true
}

// otherMarshal encodes a body holding other Go values (a struct, a File,
// a typed slice) as it always was, with encoding/json. (err is minijson's,
// which encoding/json repeats for the values both know, NaN say.)
func otherMarshal(v any, err error) ([]byte, error) {
	_ = err
	return json.Marshal(v)
}
