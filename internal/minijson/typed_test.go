package minijson

import (
	"encoding/json"
	"reflect"
	"testing"
)

type typedInner struct {
	Method  string              `json:"method"`
	Headers map[string][]string `json:"headers"`
}

type typedT struct {
	S     string              `json:"secret"`
	B     bool                `json:"is_on,omitempty"`
	I     int                 `json:"cache_size"`
	I64   int64               `json:"now_unix"`
	P     *int64              `json:"clock_skew_ms"`
	L     []string            `json:"list"`
	M     map[string][]string `json:"headers"`
	Raw   json.RawMessage     `json:"params"`
	Bytes []byte              `json:"body"`
	In    typedInner          `json:"request"`
	K     string              `json:"key"`
}

// decodeTyped is a hand decoder of typedT written with the helpers, as the
// guest's decoders are.
func decodeTyped(data []byte) (typedT, error) {
	var t typedT
	var errs Errs
	err := ScanStruct(data, "minijson.typedT", func(key []byte, esc bool, v Value) {
		k := Unquote(key, esc)
		const st = "typedT"
		switch {
		case FieldIs(k, "secret"):
			errs.Add(v.ToString(&t.S, st, "secret"))
		case FieldIs(k, "is_on"):
			errs.Add(v.ToBool(&t.B, st, "is_on"))
		case FieldIs(k, "cache_size"):
			n := int64(t.I)
			errs.Add(v.ToInt64(&n, st, "cache_size", "int"))
			t.I = int(n)
		case FieldIs(k, "now_unix"):
			errs.Add(v.ToInt64(&t.I64, st, "now_unix", "int64"))
		case FieldIs(k, "clock_skew_ms"):
			errs.Add(v.ToInt64Ptr(&t.P, st, "clock_skew_ms"))
		case FieldIs(k, "list"):
			errs.Add(v.ToStrings(&t.L, st, "list"))
		case FieldIs(k, "headers"):
			errs.Add(v.ToStringsMap(&t.M, st, "headers"))
		case FieldIs(k, "params"):
			v.ToRaw(&t.Raw)
		case FieldIs(k, "body"):
			errs.Add(v.ToBytes(&t.Bytes, st, "body"))
		case FieldIs(k, "key"):
			errs.Add(v.ToString(&t.K, st, "key"))
		case FieldIs(k, "request"):
			if v.Kind != Object && v.Kind != Null {
				errs.Add(TypeError(v, st, "request", "minijson.typedInner"))
				return
			}
			_ = ScanStruct(v.Raw, "", func(key []byte, esc bool, v Value) {
				k := Unquote(key, esc)
				switch {
				case FieldIs(k, "method"):
					errs.Add(v.ToString(&t.In.Method, "typedInner", "request.method"))
				case FieldIs(k, "headers"):
					errs.Add(v.ToStringsMap(&t.In.Headers, "typedInner", "request.headers"))
				}
			})
		}
	})
	if err != nil {
		return typedT{}, err
	}
	return t, errs.Err()
}

var typedCases = []string{
	`{}`, `null`, `[]`, `"x"`, `1`, `{"secret":"s","is_on":true,"cache_size":5,"now_unix":-7,"clock_skew_ms":0,"list":["a",null],"headers":{"A":["1","2"],"b":null},"params":{"x":[1e400]},"body":"aGk=","request":{"method":"GET","headers":{"h":["v"]}},"key":"k"}`,
	`{"secret":1}`, `{"secret":null}`, `{"secret":"a","secret":"b"}`, `{"SECRET":"x","secret":"y","Secret":"z"}`, `{"ſecret":"k"}`, `{"KEY":"k"}`, "{\"\u212aey\":\"k\"}", `{"\u017Fecret":"k"}`,
	`{"secret\u0000":"k"}`, `{"is_on":"true"}`, `{"is_on":1}`, `{"cache_size":1.5}`, `{"cache_size":1e3}`, `{"cache_size":99999999999999999999}`, `{"cache_size":"1"}`,
	`{"now_unix":-0}`, `{"clock_skew_ms":null}`, `{"clock_skew_ms":1.5}`, `{"clock_skew_ms":"1"}`, `{"list":"x"}`, `{"list":[1]}`, `{"list":[[]]}`, `{"list":null}`, `{"list":[]}`,
	`{"headers":[]}`, `{"headers":{"a":1}}`, `{"headers":{"a":[1]}}`, `{"headers":{"a":["x",1e400]}}`, `{"headers":null}`, `{"headers":{"a":null,"a":["x"]}}`, `{"list":["a","b","c"],"list":[null,1,"y"],"list":[null,null,null,null,null]}`,
	`{"params":null}`, `{"params":"x"}`, `{"body":"!!!"}`, `{"body":"YQ"}`, "{\"body\":\"YQ=\\n=\"}", `{"body":1}`, `{"body":null}`, `{"body":""}`,
	`{"request":[]}`, `{"request":null}`, `{"request":{"method":1}}`, `{"request":{"headers":{"a":[1]}}}`, `{"secret":1,"body":"!!"}`, `{"body":"!!","secret":1}`,
	`{"secret":1,`, `{"secret":1} x`, `{"unknown":[1e400],"x":{}}`,
}

func checkTyped(t *testing.T, data []byte) {
	t.Helper()
	var want typedT
	wantErr := json.Unmarshal(data, &want)
	got, err := decodeTyped(data)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("decodeTyped(%q) err = %v, encoding/json %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeTyped(%q) = %#v, encoding/json %#v", data, got, want)
	}
}

func TestTypedHelpersMatchEncodingJSON(t *testing.T) {
	for _, c := range typedCases {
		checkTyped(t, []byte(c))
	}
}

func FuzzTyped(f *testing.F) {
	for _, c := range typedCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkTyped(t, data) })
}
