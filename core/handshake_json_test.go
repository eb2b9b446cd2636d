package core

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

var handshakeJSONCases = []string{
	`{"directives":["a=1","b"],"handshake":["__session=x"],"cookies":["c"]}`, `{"directives":null}`, `{}`, `null`, `[]`, `{"cookies":"x"}`,
	`{"cookies":[1]}`, `{"Cookies":["a"],"cookies":[null,"b"]}`, `{"ſookies":1}`, `{"handshake":[]}`, `{"x":1e400}`, `{"cookies":["a"]`,
	`{"typ":"JWT","alg":"RS256","kid":"ins_1"}`, `{"typ":null,"alg":null}`, `{"TYP":1}`, `{"alg":[1e400]}`, `{"alg":{"b":1,"a":"<"}}`, `{"kid":1}`,
	`{"typ":"a","Typ":null}`, `{"kid":null,"Kid":"k"}`, `"x"`,
}

func checkHandshakeJSON(t *testing.T, data []byte) {
	t.Helper()
	for _, name := range []string{"directives", "handshake", "cookies"} {
		var wantErr error
		var wantL []string
		switch name {
		case "directives":
			var one struct {
				F []string `json:"directives"`
			}
			wantErr, wantL = json.Unmarshal(data, &one), one.F
		case "handshake":
			var one struct {
				F []string `json:"handshake"`
			}
			wantErr, wantL = json.Unmarshal(data, &one), one.F
		default:
			var one struct {
				F []string `json:"cookies"`
			}
			wantErr, wantL = json.Unmarshal(data, &one), one.F
		}
		got, err := stringsMember(data, name)
		if (err == nil) != (wantErr == nil) || err == nil && !reflect.DeepEqual(got, wantL) {
			t.Fatalf("stringsMember(%q, %s) = %#v, %v; encoding/json %#v, %v", data, name, got, err, wantL, wantErr)
		}
	}
	var want signedJWTHeader
	wantOK := json.Unmarshal(data, &want) == nil
	got, ok := decodeSignedJWTHeader(data)
	if ok != wantOK || ok && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeSignedJWTHeader(%q) = %#v, %v; encoding/json %#v, %v", data, got, ok, want, wantOK)
	}
	if ok && got.Alg != nil {
		a, aerr := json.Marshal(want.Alg)
		b, berr := minijson.Marshal(got.Alg)
		if string(a) != string(b) || (aerr == nil) != (berr == nil) {
			t.Fatalf("alg %#v: minijson %s, encoding/json %s", got.Alg, b, a)
		}
	}
}

func TestHandshakeJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range handshakeJSONCases {
		checkHandshakeJSON(t, []byte(c))
	}
}

func FuzzHandshakeJSON(f *testing.F) {
	for _, c := range handshakeJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkHandshakeJSON(t, data) })
}
