package jsbind

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"testing"

	"github.com/clerkscript/clerkscript/core"

	"github.com/dop251/goja"
)

// fromWireReference is the decoder fromWire used before jsonDecoder, built
// on json.Decoder.Token: slow, but its behaviour comes from encoding/json,
// so the fuzz test holds the fast decoder to it.
func fromWireReference(vm *goja.Runtime, data []byte, sh shape) (goja.Value, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return goja.Null(), nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(vm, dec, sh, shapeFree(sh), 0)
	if err != nil {
		return nil, fmt.Errorf("decoding response: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("decoding response: trailing data after the JSON value")
	}
	return v, nil
}

func decodeValue(vm *goja.Runtime, dec *json.Decoder, sh shape, free bool, depth int) (goja.Value, error) {
	if depth > maxJSONDepth {
		return nil, errors.New("JSON nested too deeply")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			obj := vm.NewObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				name := key
				childFree := free
				var fsh shape
				if !free {
					name = snakeToCamel(key)
					fsh = shapeField(sh, key)
					childFree = shapeFree(fsh) || isFreeFormKey(key) && (fsh == nil || shapeKind(fsh) == "object" || shapeKind(fsh) == "")
				}
				val, err := decodeValue(vm, dec, fsh, childFree, depth+1)
				if err != nil {
					return nil, err
				}
				if err := obj.Set(name, val); err != nil {
					return nil, err
				}
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return obj, nil
		case '[':
			var items []any
			el := shapeElem(sh)
			for dec.More() {
				val, err := decodeValue(vm, dec, el, free, depth+1)
				if err != nil {
					return nil, err
				}
				items = append(items, val)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			if items == nil {
				items = []any{}
			}
			return vm.NewArray(items...), nil
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case string:
		return vm.ToValue(t), nil
	case json.Number:
		if i, err := t.Int64(); err == nil && i >= -(1<<53) && i <= 1<<53 {
			return vm.ToValue(i), nil
		}
		f, err := strconv.ParseFloat(string(t), 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, err
		}
		// Out of range becomes ±Infinity (or 0), as JSON.parse does.
		return vm.ToValue(f), nil
	case bool:
		return vm.ToValue(t), nil
	case nil:
		return goja.Null(), nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// FuzzJSONDecoderMatchesReference: on any input the fast decoder accepts
// exactly what the encoding/json-based one accepts, and both produce the
// same JS value (compared as JSON.stringify output, which keeps key order).
func FuzzJSONDecoderMatchesReference(f *testing.F) {
	for _, s := range []string{
		`{"a_b":{"c_d":[1,2.5,"x",null,true]},"public_metadata":{"k_k":1}}`,
		`{"s":"caf\u00e9 \"q\" \\ \/ \ud83d\ude00","t":"naïve"}`,
		`[1e999, -1e-999, 9007199254740993, -0, 0.1, 1E+2, 123456789012345678901234567890]`,
		`{"a":1,"a":2,"b":{}}`, `[]`, `"x"`, `null`, `true`, `false`,
		`{"a":1,}`, `[1,]`, `[01]`, `{"a" 1}`, `[1 2]`, `"\x"`, "\"a\tb\"", "\"\xff\"", `-`, `1.`, `1e`, `tru`, `{"a":1} x`,
		`{"user_id":"u","email_addresses":[{"email_address":"a@b.c","verification":null}],"unsafe_metadata":{"x_y":[{"p_q":1}]}}`,
	} {
		f.Add([]byte(s))
	}
	vm := goja.New()
	stringify, _ := goja.AssertFunction(vm.Get("JSON").ToObject(vm).Get("stringify"))
	text := func(v goja.Value) string {
		s, err := stringify(goja.Undefined(), v)
		if err != nil {
			return "error: " + err.Error()
		}
		return s.String()
	}
	op, ok := core.LookupOperation("users.get")
	if !ok {
		f.Fatal("users.get is not in the operation table")
	}
	shapes := []shape{nil, freeShape{}, newOpShape(op)}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, sh := range shapes {
			got, err := fromWire(vm, data, sh)
			want, werr := fromWireReference(vm, data, sh)
			if (err != nil) != (werr != nil) {
				t.Fatalf("%q: error %v, reference error %v", data, err, werr)
			}
			if err == nil && text(got) != text(want) {
				t.Fatalf("%q:\n got  %s\n want %s", data, text(got), text(want))
			}
		}
	})
}

func BenchmarkDecodeClaims(b *testing.B) {
	raw := []byte(`{"azp":"https://app.example.com","exp":1778543999,"fva":[0,-1],"iat":1778543939,"iss":"https://clerk.example.com","nbf":1778543929,"sid":"sess_2abc","sub":"user_2xyz","v":2,"o":{"id":"org_1","rol":"admin","slg":"acme"}}`)
	vm := goja.New()
	b.Run("fast", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := decodeJSON(vm, raw, nil, true); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reference", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := fromWireReference(vm, raw, freeShape{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
