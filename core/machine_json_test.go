package core

import (
	"github.com/clerkscript/clerkscript/internal/minijson/minijsontest"

	"encoding/json"
	"reflect"
	"testing"
)

var machineJSONCases = []string{
	`{"id":"ak_1","subject":"user_1","name":"n","scopes":["a","b"],"claims":{"x":[1,2]},"client_id":"c","revoked":false,"expired":false}`,
	`{"ID":"x","Subject":"s","SCOPES":null,"claims":null,"ſcopes":["k"]}`, `{"revoked":"yes"}`, `{"scopes":"a b"}`, `{"scopes":[1]}`,
	`{"scope":"a b","scopes":["c",1e400],"claims":{"n":1e400,"s":"<x>"},"name":5,"client_id":"c"}`, `{"scopes":"x y","claims":[true]}`,
	`[]`, `null`, `{`, `{"id":1,"name":"n"}`, `{"claims":1.50}`, `{"Claims":{"b":1,"a":2}}`, `{"expired":true,"revoked":null}`,
}

func checkMachineJSON(t *testing.T, data []byte) {
	t.Helper()
	minijsontest.SameDecode(t, "decodeMachineVerification", data, decodeMachineVerification)
	if !json.Valid(data) || data[0] != '{' {
		return // the extras are read from verified claims: an object
	}
	var wantX machineExtra
	_ = json.Unmarshal(data, &wantX)
	gotX := decodeMachineExtra(data)
	if !reflect.DeepEqual(gotX, wantX) {
		t.Fatalf("decodeMachineExtra(%q) = %#v, encoding/json %#v", data, gotX, wantX)
	}
}

func TestMachineJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range machineJSONCases {
		checkMachineJSON(t, []byte(c))
	}
}

func FuzzMachineJSON(f *testing.F) {
	for _, c := range machineJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkMachineJSON(t, data) })
}
