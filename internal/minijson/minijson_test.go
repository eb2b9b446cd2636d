package minijson

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// decodeCases are inputs whose decoding (value or error message) must
// match json.Unmarshal into an any.
var decodeCases = []string{
	``, ` `, `null`, `true`, `false`, `0`, `-0`, `1`, `-1`, `1.5`, `1e3`, `1E+3`, `1e-3`, `-0.0e0`,
	`123456789012345678901234567890`, `1e400`, `-1e400`, `[1e400,"x",1e999]`, `{"a":1e400}`, `4.9e-324`, `1e-400`,
	`""`, `"a"`, `"\u00e9"`, `"\ud83d\ude00"`, `"\ud83d"`, `"\ude00"`, `"\ud83dx"`, `"\ud83d\u0041"`,
	`"\"\\\/\b\f\n\r\t"`, "\"\xff\"", "\"a\xc3\"", "\"\xed\xa0\x80\"", "\"\u2028\"", `"\u0000"`,
	`{}`, `[]`, ` { } `, `[ ]`, `{"a":1,"a":2}`, `{"a":{"b":[1,2,{"c":null}]}}`, `[[],{},""]`,
	`{"\u0061":1,"a":2}`, "{\"\xff\":1}",
	// syntax errors
	`tr`, `tru`, `trux`, `truex`, `t`, `f`, `fals`, `falsy`, `n`, `nul`, `nulL`, `-`, `-a`, `--1`, `+1`, `01`, `-01`,
	`1.`, `1.a`, `.5`, `1e`, `1e+`, `1ea`, `1e+a`, `1.5e`, `0x1`, `1 2`, `[1 2]`, `NaN`, `Infinity`,
	`"\`, `"\u`, `"\u12`, `"\u12x4"`, `"\x"`, `"\'"`, "\"\x01\"", "\"\t\"", `"a`, `'a'`,
	`{`, `{"a"`, `{"a":`, `{"a":1`, `{"a":1,`, `{"a":1,}`, `{"a" 1}`, `{1:1}`, `{a:1}`, `{"a":1}}`, `{"a"::1}`,
	`[`, `[1`, `[1,`, `[1,]`, `[,1]`, `[1x`, `]`, `}`, `[}`, `{]`, `[1]]`, "\xff", "\x00", `"a"x`, `"a" "b"`,
	"[1,\n2\t]\r\n", "\ufeff1", `{"a":1 , "b" : [ 2 , 3 ] }`, `{"a":-}`, `[tru]`, `{"a":nul}`, `{"a":"\q"}`,
}

func unmarshalAny(data []byte, useNumber bool) (any, error) {
	var v any
	if !useNumber {
		err := json.Unmarshal(data, &v)
		return v, err
	}
	if !json.Valid(data) { // syntax errors as Unmarshal words them
		return nil, json.Unmarshal(data, new(any))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	err := dec.Decode(&v)
	return v, err
}

func checkDecode(t *testing.T, data []byte, useNumber bool) {
	t.Helper()
	want, wantErr := unmarshalAny(data, useNumber)
	var got any
	var err error
	if useNumber {
		got, err = DecodeUseNumber(data)
	} else {
		got, err = Decode(data)
	}
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("Decode(%q) err = %v, encoding/json err = %v", data, err, wantErr)
	}
	if err != nil {
		if err.Error() != wantErr.Error() {
			t.Fatalf("Decode(%q) err = %q, encoding/json %q", data, err, wantErr)
		}
		if Valid(data) != json.Valid(data) {
			t.Fatalf("Valid(%q) = %v, json.Valid %v", data, Valid(data), json.Valid(data))
		}
		return
	}
	if !reflect.DeepEqual(got, want) || !sameZeroSigns(got, want) {
		t.Fatalf("Decode(%q) = %#v, encoding/json %#v", data, got, want)
	}
	if !Valid(data) {
		t.Fatalf("Valid(%q) = false", data)
	}
}

// sameZeroSigns tells -0 from 0, which reflect.DeepEqual does not.
func sameZeroSigns(a, b any) bool {
	switch a := a.(type) {
	case float64:
		return math.Signbit(a) == math.Signbit(b.(float64))
	case []any:
		for i := range a {
			if !sameZeroSigns(a[i], b.([]any)[i]) {
				return false
			}
		}
	case map[string]any:
		for k := range a {
			if !sameZeroSigns(a[k], b.(map[string]any)[k]) {
				return false
			}
		}
	}
	return true
}

func TestDecodeMatchesEncodingJSON(t *testing.T) {
	for _, c := range decodeCases {
		checkDecode(t, []byte(c), false)
		checkDecode(t, []byte(c), true)
	}
}

func TestDecodeDepthLimit(t *testing.T) {
	for _, n := range []int{MaxDepth - 1, MaxDepth, MaxDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			close := "]"
			if open != "[" {
				close = "}"
			}
			data := []byte(strings.Repeat(open, n) + strings.Repeat(close, n))
			checkDecode(t, data, false)
		}
	}
	// Mixed nesting past the limit fails on the first bracket too deep.
	data := []byte(strings.Repeat(`[{"a":`, MaxDepth/2+1))
	checkDecode(t, data, false)
}

func TestDecodeEmptyArrayIsNotNil(t *testing.T) {
	v, err := Decode([]byte(`[]`))
	if err != nil || v.([]any) == nil {
		t.Fatalf("Decode([]) = %#v, %v; want a non-nil empty slice, as encoding/json", v, err)
	}
}

var marshalCases = []any{
	nil, true, false, "", "plain", "<script>&</script>", "\u2028\u2029", "a\x00\x01\x1f\x7f\b\f\n\r\t\"\\",
	"\xff", "a\xc3", "\xed\xa0\x80", "é😀", "\U0010ffff",
	0.0, math.Copysign(0, -1), 1.0, -1.5, 1e20, 1e21, 999999999999999999999.0, 1e-6, 1e-7, 0.000001234, 1.7976931348623157e308,
	5e-324, 123456789.123, 1e100, -1e-100, 0.1, 100.0,
	float32(1e21), float32(1e-7), float32(3.4028235e38), float32(0.1), float32(1e20), float32(1.0000001e-6),
	int(-5), int8(-128), int16(300), int32(-7), int64(math.MinInt64), uint(7), uint8(255), uint16(65535), uint32(1 << 31), uint64(math.MaxUint64),
	json.Number("12"), json.Number("-1.5e+10"), json.Number(""), json.Number("01"), json.Number("1."), json.Number("x"), json.Number(" 1"),
	json.RawMessage(nil), json.RawMessage(`{ "a" : [ 1 , "<&>\u2028" ] , "b":"` + "\u2028\u2029" + `" }`), json.RawMessage(`1 2`),
	json.RawMessage(`{`), json.RawMessage(` "x" `), json.RawMessage("\"\xff\""), json.RawMessage(``),
	[]any(nil), []any{}, []any{1.0, "a", nil, []any{true}, map[string]any{}}, []string(nil), []string{}, []string{"a", "<"},
	map[string]any(nil), map[string]any{}, map[string]any{"b": 1.0, "a": "x", "": nil, "<": []any{}, "\xff": 2.0, "é": 3.0, "Z": 4.0},
	map[string]string(nil), map[string]string{"z": "1", "a": "\u2028"},
	map[string]json.RawMessage{"k": json.RawMessage(`[ 1 ]`), "a": nil},
	math.NaN(), math.Inf(1), math.Inf(-1), float32(math.Inf(-1)), []any{math.NaN()}, map[string]any{"a": math.Inf(1)},
	map[string]any{"n": json.Number("1e")}, []any{json.RawMessage(`[`)},
}

func checkMarshal(t *testing.T, v any) {
	t.Helper()
	want, wantErr := json.Marshal(v)
	got, err := Marshal(v)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("Marshal(%#v) = %q, %v; encoding/json %q, %v", v, got, err, want, wantErr)
	}
	if err != nil {
		if err.Error() != wantErr.Error() {
			t.Fatalf("Marshal(%#v) err = %q, encoding/json %q", v, err, wantErr)
		}
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Marshal(%#v) = %s, encoding/json %s", v, got, want)
	}
	// Append adds to what is there and leaves it on error.
	pre := []byte("x")
	if out, err := Append(pre, v); err != nil || string(out) != "x"+string(want) {
		t.Fatalf("Append(x, %#v) = %q, %v", v, out, err)
	}
}

func TestMarshalMatchesEncodingJSON(t *testing.T) {
	for _, v := range marshalCases {
		checkMarshal(t, v)
	}
}

func TestMarshalFloatsMatchEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		f := math.Float64frombits(r.Uint64())
		checkMarshal(t, f)
		checkMarshal(t, float32(f))
		checkMarshal(t, math.Float32frombits(r.Uint32()))
		e := math.Pow(10, float64(r.IntN(60)-30))
		checkMarshal(t, r.Float64()*e)
		checkMarshal(t, float32(r.Float64()*e))
	}
	for _, f := range []float64{1e21, math.Nextafter(1e21, 0), 1e-6, math.Nextafter(1e-6, 0), 1e-7, 1e-10, 1e-100, 1.5e300} {
		checkMarshal(t, f)
		checkMarshal(t, -f)
		checkMarshal(t, float32(f))
	}
}

type appender struct{ s string }

func (a appender) AppendJSON(dst []byte) ([]byte, error) { return AppendString(dst, a.s), nil }

func TestMarshalAppenderAndUnsupported(t *testing.T) {
	got, err := Marshal(map[string]any{"x": appender{"<"}, "l": []any{appender{"a"}}})
	if err != nil || string(got) != `{"l":["a"],"x":"\u003c"}` {
		t.Fatalf("Marshal with an Appender = %s, %v", got, err)
	}
	for _, v := range []any{struct{}{}, []int{1}, map[int]string{}, new(string), complex(1, 2), []any{1.0, struct{}{}}} {
		if out, err := Marshal(v); !errors.Is(err, ErrUnsupportedType) {
			t.Errorf("Marshal(%#v) = %q, %v; want ErrUnsupportedType", v, out, err)
		}
	}
}

func TestCompactMatchesEncodingJSON(t *testing.T) {
	for _, c := range append(decodeCases, " { \"a\" : [ 1 , \"<&> \u2028\" ] } ") {
		var want bytes.Buffer
		wantErr := json.Compact(&want, []byte(c))
		got, err := AppendCompact([]byte("p"), []byte(c))
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("AppendCompact(%q) err = %v, json.Compact %v", c, err, wantErr)
		}
		if err == nil && string(got) != "p"+want.String() {
			t.Fatalf("AppendCompact(%q) = %q, json.Compact %q", c, got, want.String())
		}
	}
}

func TestScanObjectMembers(t *testing.T) {
	data := []byte(` {"a":"x","b\u0063":[1,{"d":2}],"n":null,"t":true,"num":-1.5e2,"s":"\u00e9"} `)
	var keys []string
	var kinds []Kind
	var vals []string
	err := ScanObject(data, func(key []byte, esc bool, v Value) {
		keys = append(keys, Unquote(key, esc))
		kinds = append(kinds, v.Kind)
		vals = append(vals, string(v.Raw))
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(keys, ",") != "a,bc,n,t,num,s" || string(kinds) != "saznns"[:0]+"sazbns" ||
		strings.Join(vals, " ") != `"x" [1,{"d":2}] null true -1.5e2 "\u00e9"` {
		t.Fatalf("members %q %q %q", keys, kinds, vals)
	}
	var te *UnmarshalTypeError
	if err := ScanObject([]byte(`[1]`), nil); !errors.As(err, &te) || err.Error() != "json: cannot unmarshal array into Go value of type object" {
		t.Fatalf("ScanObject([1]) = %v", err)
	}
	if err := ScanArray([]byte(`{} `), nil); !errors.As(err, &te) || te.Value != "object" {
		t.Fatalf("ScanArray({}) = %v", err)
	}
	if err := ScanObject([]byte(`{"a":1} x`), nil); err == nil || err.Error() != "invalid character 'x' after top-level value" {
		t.Fatalf("ScanObject trailing = %v", err)
	}
}

func TestValueAccessors(t *testing.T) {
	var got []string
	err := ScanArray([]byte(`["a",1,true,null,[],{},"\u0041",12345678901234567890,1.0,-0]`), func(v Value) {
		n, nok := v.Int()
		b, bok := v.Bool()
		f, fok := v.Num()
		d, _ := v.Decode()
		dj, _ := json.Marshal(d)
		got = append(got, v.KindName()+"|"+v.Str()+"|"+boolStr(nok)+itoa(n)+"|"+boolStr(bok)+boolStr(b)+"|"+boolStr(fok)+string(must(Marshal(f)))+"|"+string(dj))
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"string|a|F0|FF|F0|\"a\"", "number||T1|FF|T1|1", "bool||F0|TT|F0|true", "null||F0|FF|F0|null",
		"array||F0|FF|F0|[]", "object||F0|FF|F0|{}", "string|A|F0|FF|F0|\"A\"",
		"number||F0|FF|T12345678901234567000|12345678901234567000", "number||F0|FF|T1|1", "number||T0|FF|T-0|-0",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("accessors:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestStringsMatchesEncodingJSON(t *testing.T) {
	type S struct {
		L []string `json:"l"`
	}
	for _, c := range []string{`null`, `[]`, `["a","b"]`, `["a",null,"c"]`, `["a",1]`, `"x"`, `{}`, `[true]`, `[[]]`, `1`} {
		var want S
		wantErr := json.Unmarshal([]byte(`{"l":`+c+`}`), &want)
		var v Value
		_ = ScanObject([]byte(`{"l":`+c+`}`), func(key []byte, esc bool, val Value) { v = val })
		got, err := v.Strings("S", "l")
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("Strings(%s) err = %v, encoding/json %v", c, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want.L) {
			t.Fatalf("Strings(%s) = %#v, encoding/json %#v", c, got, want.L)
		}
	}
}

func boolStr(b bool) string {
	if b {
		return "T"
	}
	return "F"
}

func itoa(n int64) string { return string(must(Marshal(n))) }

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

func FuzzDecode(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecode(t, data, false)
		checkDecode(t, data, true)
		var want bytes.Buffer
		wantErr := json.Compact(&want, data)
		got, err := AppendCompact(nil, data)
		if (err == nil) != (wantErr == nil) || err == nil && !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("AppendCompact(%q) = %q, %v; json.Compact %q, %v", data, got, err, want.Bytes(), wantErr)
		}
	})
}

// FuzzMarshal encodes what decoding the input gives (maps, slices, every
// float, strings with any bytes) and the input as a string and raw message.
func FuzzMarshal(f *testing.F) {
	for _, c := range decodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkMarshal(t, string(data))
		checkMarshal(t, json.RawMessage(data))
		checkMarshal(t, json.Number(data))
		checkMarshal(t, map[string]string{string(data): string(data), "k": ""})
		if len(data) >= 8 {
			bits := uint64(0)
			for _, b := range data[:8] {
				bits = bits<<8 | uint64(b)
			}
			checkMarshal(t, math.Float64frombits(bits))
			checkMarshal(t, math.Float32frombits(uint32(bits)))
		}
		for _, useNumber := range []bool{false, true} {
			v, err := decode(data, useNumber)
			if err != nil {
				continue
			}
			checkMarshal(t, v)
		}
	})
}
