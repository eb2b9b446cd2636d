package core

import (
	"encoding/json"
	"reflect"
	"testing"
)

// decodeUnverifiedRef is the encoding/json code decodeUnverifiedJSON
// replaced, kept as the reference it is held to.
func decodeUnverifiedRef(hb, pb []byte) (*unverifiedJWT, bool) {
	var h struct {
		Typ any `json:"typ"`
		Cat any `json:"cat"`
	}
	var p map[string]json.RawMessage
	if json.Unmarshal(hb, &h) != nil || json.Unmarshal(pb, &p) != nil || p == nil {
		return nil, false
	}
	u := &unverifiedJWT{}
	u.typ, _ = h.Typ.(string)
	u.cat, _ = h.Cat.(string)
	str := func(k string) string {
		var s string
		_ = json.Unmarshal(p[k], &s)
		return s
	}
	num := func(k string) (float64, bool) {
		var f float64
		if raw, ok := p[k]; ok && json.Unmarshal(raw, &f) == nil {
			return f, true
		}
		return 0, false
	}
	u.sub, u.iss, u.sid = str("sub"), str("iss"), str("sid")
	u.iat, u.hasIat = num("iat")
	u.exp, u.hasExp = num("exp")
	if raw, ok := p["iss"]; ok {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			u.issIsTrue = truthy(v)
		}
	}
	return u, true
}

var unverifiedJSONCases = [][2]string{
	{`{"typ":"JWT","cat":"cl_B7d4PD333AAA","alg":"RS256"}`, `{"sub":"user_1","iss":"https://x","sid":"sess_1","iat":1,"exp":2.5}`},
	{`{"TYP":"a","typ":"b","Cat":1}`, `{"sub":1,"iss":true,"iat":null,"exp":"1","Sub":"x"}`},
	{`{"typ":1e400}`, `{}`}, {`{"ſyp":"x"}`, `{"iat":1e400,"iss":[1e400]}`}, {`null`, `{}`}, {`{}`, `null`}, {`[]`, `{}`}, {`{}`, `[]`},
	{`{"typ":"a"`, `{}`}, {`{}`, `{"sub":"a","sub":"b","iss":0,"iss":"","exp":-0}`}, {`{"x":1e400}`, `{"y":1e400}`}, {`{"typ":["a"]}`, `{"iss":{}}`},
}

func checkUnverifiedJSON(t *testing.T, hb, pb []byte) {
	t.Helper()
	want, wantOK := decodeUnverifiedRef(hb, pb)
	got, ok := decodeUnverifiedJSON(hb, pb)
	if ok != wantOK || ok && !reflect.DeepEqual(*got, *want) {
		t.Fatalf("decodeUnverifiedJSON(%q, %q) = %+v, %v; encoding/json %+v, %v", hb, pb, got, ok, want, wantOK)
	}
}

func TestDecodeUnverifiedMatchesEncodingJSON(t *testing.T) {
	for _, c := range unverifiedJSONCases {
		checkUnverifiedJSON(t, []byte(c[0]), []byte(c[1]))
	}
}

func FuzzDecodeUnverifiedJSON(f *testing.F) {
	for _, c := range unverifiedJSONCases {
		f.Add([]byte(c[0]), []byte(c[1]))
	}
	f.Fuzz(func(t *testing.T, hb, pb []byte) { checkUnverifiedJSON(t, hb, pb) })
}
