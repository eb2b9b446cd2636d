package jsbind

import (
	"encoding/json"
	"testing"

	"github.com/dop251/goja"
)

func TestCaseConversion(t *testing.T) {
	for _, c := range []struct{ snake, camel string }{
		{"email_address", "emailAddress"}, {"id", "id"}, {"web3_wallet", "web3Wallet"},
		{"created_at", "createdAt"}, {"public_metadata", "publicMetadata"}, {"totp_secret", "totpSecret"},
	} {
		if got := snakeToCamel(c.snake); got != c.camel {
			t.Errorf("snakeToCamel(%q) = %q, want %q", c.snake, got, c.camel)
		}
		if got := camelToSnake(c.camel); got != c.snake {
			t.Errorf("camelToSnake(%q) = %q, want %q", c.camel, got, c.snake)
		}
	}
	// Keys that cannot round-trip are left alone.
	for _, k := range []string{"_private", "a__b", "part_2", "Upper_case", "trailing_", "dash-key"} {
		if got := snakeToCamel(k); got != k {
			t.Errorf("snakeToCamel(%q) = %q, want it unchanged", k, got)
		}
	}
	if got := camelToSnake("userID"); got != "user_id" {
		t.Errorf("camelToSnake(userID) = %q", got)
	}
}

// FuzzFromWire feeds arbitrary bytes (an API response is untrusted input)
// to the decoder: it must return a value or an error, never panic, and
// valid JSON must decode.
func FuzzFromWire(f *testing.F) {
	f.Add([]byte(`{"a_b":{"c_d":[1,2.5,"x",null,true]},"public_metadata":{"k_k":1}}`))
	f.Add([]byte(`[[[[[]]]]]`))
	f.Add([]byte(`{"x":1} trailing`))
	f.Add([]byte(`9007199254740993`))
	vm := goja.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := fromWire(vm, data, nil)
		if err == nil && v == nil {
			t.Fatal("nil value without error")
		}
		if err != nil && json.Valid(data) && len(data) < 1000 && depthOf(data) < maxJSONDepth {
			t.Fatalf("valid JSON %q rejected: %v", data, err)
		}
	})
}

func depthOf(b []byte) int {
	d, m := 0, 0
	for _, c := range b {
		switch c {
		case '{', '[':
			d++
			m = max(m, d)
		case '}', ']':
			d--
		}
	}
	return m
}

// FuzzCaseRoundTrip: a key snakeToCamel changes must come back unchanged.
func FuzzCaseRoundTrip(f *testing.F) {
	for _, s := range []string{"email_address", "a_b_c", "x", "web3_wallet", "a1_b2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := snakeToCamel(s)
		if c != s && camelToSnake(c) != s {
			t.Fatalf("%q -> %q -> %q", s, c, camelToSnake(c))
		}
	})
}
