package core

import (
	"encoding/json"
	"reflect"
	"testing"
)

var jwksJSONCases = []string{
	`{"keys":[{"kid":"k1","kty":"RSA","alg":"RS256","use":"sig","n":"AQAB","e":"AQAB","x5c":["x"]}]}`,
	`{"keys":[]}`, `{"keys":null}`, `{}`, `null`, `[]`, `"x"`, `{"keys":{}}`, `{"keys":"x"}`, `{"keys":[1]}`, `{"keys":[null,{"kid":"a"}]}`,
	`{"keys":[{"kid":1}]}`, `{"keys":[{"KID":"a","Kty":"b"}]}`, `{"KEYS":[{"kid":"a"}],"keys":[{"kid":"b"}]}`, `{"keys":[{"n":null,"e":true}]}`,
	`{"keys":[{"kid":"a"}`, `{"keys":[{"kid":"a"}]} x`, `{"keys":[[]]}`, `{"keys":[{"kid":"a","kid":"b"}],"other":1e400}`,
}

func checkJWKSJSON(t *testing.T, data []byte) {
	t.Helper()
	var want struct {
		Keys []jwk `json:"keys"`
	}
	wantErr := json.Unmarshal(data, &want)
	got, err := decodeJWKS(data)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("decodeJWKS(%q) err = %v, encoding/json %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want.Keys) {
		t.Fatalf("decodeJWKS(%q) = %#v, encoding/json %#v", data, got, want.Keys)
	}
}

func TestJWKSJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range jwksJSONCases {
		checkJWKSJSON(t, []byte(c))
	}
}

func FuzzJWKSJSON(f *testing.F) {
	for _, c := range jwksJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkJWKSJSON(t, data) })
}
