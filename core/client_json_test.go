package core

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// paramsReference is how paramsMap decoded JSON params with encoding/json
// (before minijson): the behaviour decodeParams keeps.
func paramsReference(raw []byte) (map[string]any, string) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, "params must be a JSON object: " + err.Error()
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, "params must be one JSON object: there is more after it"
	}
	if m == nil {
		m = map[string]any{}
	}
	return m, ""
}

func checkParamsLikeReference(t *testing.T, raw []byte) {
	t.Helper()
	if len(bytes.TrimSpace(raw)) == 0 {
		return // paramsMap answers {} before decoding
	}
	want, wantErr := paramsReference(raw)
	got, err := decodeParams("op", raw)
	if wantErr != "" {
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Fatalf("decodeParams(%q) = %v, %v; want the error %q", raw, got, err, wantErr)
		}
		// The prefix says which mistake it is; the rest is the JSON
		// parser's words, which for a cut input differ: a Decoder says
		// "unexpected EOF", Unmarshal (and minijson) "unexpected end
		// of JSON input".
		prefix := wantErr[:strings.Index(wantErr, ": ")]
		if !strings.HasPrefix(pe.Problem, prefix) {
			t.Fatalf("decodeParams(%q): %q, want %q", raw, pe.Problem, wantErr)
		}
		if !strings.HasSuffix(wantErr, "unexpected EOF") && pe.Problem != wantErr {
			t.Fatalf("decodeParams(%q): %q, want %q", raw, pe.Problem, wantErr)
		}
		return
	}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeParams(%q) = %#v, %v; want %#v", raw, got, err, want)
	}
}

func TestDecodeParamsMatchesDecoder(t *testing.T) {
	for _, s := range []string{
		`{}`, `null`, ` {"a":1} `, `{"a":1}` + "\n\t ", `{"n":12345678901234567890123,"f":1.50,"e":-1e-7}`,
		`{"a":{"b":[1,"x",true,null,{}]},"a":2}`, `{"s":"\u00e9\ud83d\ude00\n"}`,
		`{"a":1} {"b":2}`, `{"a":1}x`, `{"a":1}}`, `null null`, `nullx`,
		`[1,2]`, `[1,2] x`, `"str"`, `1`, `-1 2`, `true`, `false x`, `1x`,
		`{`, `{"a":`, `{"a" 1}`, `{"a":1,}`, `{'a':1}`, `x`, `{"a":01}`, `{"a":1e400}`,
	} {
		checkParamsLikeReference(t, []byte(s))
	}
}

func FuzzDecodeParams(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":1} {}`, `[1]`, `null`, `1x`, `{"a":[{"b":null}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		checkParamsLikeReference(t, raw)
	})
}

// The JSON body is encoded by minijson (no encoding/json in the wasm
// guest) for the values the guest and core's own callers pass: byte for
// byte encoding/json's, without the native fallback.
func TestMarshalBodyMatchesEncodingJSON(t *testing.T) {
	decoded, err := minijson.DecodeUseNumber([]byte(`{"email_address":["a@b.c"],"public_metadata":{"k":[1,2.5e3,null,true,"<&>"]},"n":12345678901234567890}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []any{
		decoded,
		// jsbind's values
		map[string]any{"i": int64(-3), "f": 1.25, "b": false, "s": "é\u2028", "nil": nil, "arr": []any{int64(1), "x"}},
		// sessions.refresh's request headers (handshake.go)
		map[string]any{"session_id": "sess_1", "request_headers": map[string][]string{"Cookie": {"a=b"}, "X": nil, "Y": {}}},
		map[string]any{"h": Header{"Accept": {"*/*", "text/html"}}, "none": map[string][]string(nil)},
		[]any{map[string]any{"email_address": "a@b.c"}},
	} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		shared := v
		if m, ok := v.(map[string]any); ok {
			shared = withHeaderLists(m)
		}
		got, err := minijson.Marshal(shared)
		if err != nil || string(got) != string(want) {
			t.Errorf("minijson(%v) = %s, %v; want %s", v, got, err, want)
		}
		if got, err := marshalBody(v); err != nil || string(got) != string(want) {
			t.Errorf("marshalBody(%v) = %s, %v; want %s", v, got, err, want)
		}
	}
	// withHeaderLists leaves the caller's map alone.
	m := map[string]any{"h": map[string][]string{"a": {"b"}}}
	withHeaderLists(m)
	if _, same := m["h"].(map[string][]string); !same {
		t.Error("withHeaderLists changed its argument")
	}
	// Natively, other Go values still go through encoding/json; NaN is
	// refused either way.
	type point struct{ X int }
	other := map[string]any{"f": File{Filename: "a.txt", Data: []byte("hi")}, "p": point{1}, "t": []int{1, 2}}
	if got, err := marshalBody(other); err != nil || string(got) != `{"f":{"filename":"a.txt","data":"aGk="},"p":{"X":1},"t":[1,2]}` {
		t.Errorf("marshalBody(%v) = %s, %v", other, got, err)
	}
	if _, err := marshalBody(map[string]any{"x": math.NaN()}); err == nil || !strings.Contains(err.Error(), "unsupported value: NaN") {
		t.Errorf("NaN: err %v", err)
	}
}

// clerkErrorsReference is newAPIError's decoding with encoding/json, as it
// was: decodeClerkErrors must agree with it.
func clerkErrorsReference(body []byte) ([]APIErrorItem, string, bool) {
	var b struct {
		Errors  []APIErrorItem `json:"errors"`
		TraceID string         `json:"clerk_trace_id"`
	}
	if json.Unmarshal(body, &b) != nil {
		return nil, "", false
	}
	return b.Errors, b.TraceID, true
}

func checkClerkErrorsLikeReference(t *testing.T, body []byte) {
	t.Helper()
	wantItems, wantTrace, wantOK := clerkErrorsReference(body)
	items, trace, ok := decodeClerkErrors(body)
	if ok != wantOK || trace != wantTrace || !reflect.DeepEqual(items, wantItems) {
		t.Fatalf("decodeClerkErrors(%q) = %#v, %q, %v; want %#v, %q, %v", body, items, trace, ok, wantItems, wantTrace, wantOK)
	}
}

func TestDecodeClerkErrorsMatchesEncodingJSON(t *testing.T) {
	for _, s := range []string{
		`{"errors":[{"code":"form_identifier_exists","message":"taken","long_message":"That email is taken.","meta":{"param_name":"email_address"}}],"clerk_trace_id":"t1"}`,
		`{"errors":[]}`, `{"errors":null}`, `{"errors":[null,{}]}`, `{}`, `null`, ` null `, `[]`, `"x"`, `1`, ``, `<html>`,
		`{"errors":[{"code":1}]}`, `{"errors":{}}`, `{"errors":["x"]}`, `{"clerk_trace_id":5}`, `{"clerk_trace_id":null}`,
		`{"ERRORS":[{"CODE":"c","Message":"m","LONG_MESSAGE":"l","Meta":null}],"Clerk_Trace_ID":"T"}`,
		`{"errors":[{"code":"a","meta":[1, 2 ]},{"code":"b"}],"errors":[{"message":"m"}]}`,
		`{"errors":[{"code":"a"},{"code":"b"},{"code":"c"}],"errors":[{"message":"x"}],"errors":[{},{}]}`,
		`{"errors":[{"code":"a"}],"errors":null,"errors":[{"message":"m"}]}`,
		`{"err\u006frs":[{"c\u006fde":"\u00e9\ud800"}],"clerK_trace_id":"kelvin","erroſ":[]}`,
		`{"errors":[{"code":"a","other":{"x":[true]}}],"unknown":1}`, `{"errors":[{"code":"a"}]} x`, `{"errors":[{"code":"a"}`,
		`{"errors":[{"code":"a","message":true}],"clerk_trace_id":"t"}`,
	} {
		checkClerkErrorsLikeReference(t, []byte(s))
	}
}

func FuzzDecodeClerkErrors(f *testing.F) {
	for _, s := range []string{
		`{"errors":[{"code":"c","message":"m","long_message":"l","meta":{"k":1}}],"clerk_trace_id":"t"}`,
		`{"errors":[{"code":"a"},{}],"errors":[null],"Errors":[{"Meta":null}]}`, `null`, `{"errors":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkClerkErrorsLikeReference(t, body)
	})
}
