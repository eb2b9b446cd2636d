package minijson

import (
	"encoding/json"
	"testing"
)

var benchClaims = []byte(`{"azp":"https://app.example.com","exp":1700000060,"fva":[0,-1],"iat":1700000000,"iss":"https://clerk.example.com",` +
	`"nbf":1699999990,"sid":"sess_2abc","sts":"active","sub":"user_2abc","v":2,"o":{"id":"org_1","rol":"admin","slg":"acme","per":"read,write","fpm":"3"},` +
	`"pla":"u:pro","fea":"o:sso,u:export","name":"Ada \u00e9 <x>"}`)

func BenchmarkDecode(b *testing.B) {
	b.Run("minijson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(benchClaims); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v any
			if err := json.Unmarshal(benchClaims, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkMarshal(b *testing.B) {
	v, _ := Decode(benchClaims)
	b.Run("minijson", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
