package pdk

import (
	"encoding/json"
	"testing"
)

func TestHTTPRequestJSONMatchesEncodingJSON(t *testing.T) {
	for _, r := range []HTTPRequest{
		{},
		{Method: "GET", URL: "https://api.clerk.com/v1/users?limit=1&x=<y>"},
		{Method: "POST", URL: "u", Headers: map[string]string{"Authorization": "Bearer sk_x", "Content-Type": "application/json", "A": "\u2028\xff"}},
		{Method: "P", Headers: map[string]string{}},
	} {
		want, _ := json.Marshal(r)
		if got := r.appendJSON(nil); string(got) != string(want) {
			t.Fatalf("appendJSON(%#v) = %s, encoding/json %s", r, got, want)
		}
	}
}
