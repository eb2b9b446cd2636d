package emulator

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSplitObject(t *testing.T) {
	type kv struct{ k, v string }
	good := map[string][]kv{
		`{}`:      nil,
		` { } `:   nil,
		`{"a":1}`: {{"a", "1"}},
		`{"a" : {"b":[1,"}]"]} , "c\u0041":null}`: {{"a", `{"b":[1,"}]"]}`}, {"cA", "null"}},
		"{\"s\":\"x\\\"}\"}":                      {{"s", `"x\"}"`}},
	}
	for in, want := range good {
		var got []kv
		end, err := splitObject([]byte(in), func(k string, v []byte) error {
			got = append(got, kv{k, string(v)})
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if strings.TrimSpace(in[end:]) != "" || len(got) != len(want) {
			t.Errorf("%s: end %d, got %q", in, end, got)
			continue
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: member %d = %q, want %q", in, i, got[i], want[i])
			}
		}
	}
	for _, in := range []string{``, `[]`, `{`, `{"a"}`, `{"a":}`, `{"a":1 "b":2}`, `{"a":1,}`, `{a:1}`, `{"a":"x}`, `{"a":{"b":1}`, `{"a":1`} {
		if _, err := splitObject([]byte(in), func(string, []byte) error { return nil }); err == nil {
			t.Errorf("%q: no error", in)
		}
	}
}

// FuzzSplitObject: whenever the split succeeds and every value is valid
// JSON, the object was valid JSON, with the same members.
func FuzzSplitObject(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"b":[{"c":"}"}]}`, `{"a\"":"\\"}`, `{"a":1 "b":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		members := map[string]json.RawMessage{}
		dup := false
		end, err := splitObject(data, func(k string, v []byte) error {
			if !json.Valid(v) {
				return errInvalid
			}
			if _, ok := members[k]; ok {
				dup = true
			}
			members[k] = json.RawMessage(v)
			return nil
		})
		if err != nil {
			return
		}
		if !json.Valid(data[:end]) {
			t.Fatalf("split accepted invalid JSON %q", data[:end])
		}
		var want map[string]json.RawMessage
		if err := json.Unmarshal(data[:end], &want); err != nil {
			t.Fatal(err)
		}
		if !dup && len(want) != len(members) {
			t.Fatalf("%q: %d members, json finds %d", data[:end], len(members), len(want))
		}
		for k, v := range want {
			if !dup && string(members[k]) != string(v) {
				t.Fatalf("%q: member %q = %q, json finds %q", data[:end], k, members[k], v)
			}
		}
	})
}

var errInvalid = jsonErr("invalid value")

type jsonErr string

func (e jsonErr) Error() string { return string(e) }
