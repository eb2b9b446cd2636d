package main

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"testing"
)

// webhookInput and decodeWebhookInputRef are the encoding/json code
// decodeWebhookInput replaced, kept as its reference.
type webhookInput struct {
	Body    *string                    `json:"body"`
	Headers map[string]json.RawMessage `json:"headers"`
}

func decodeWebhookInputRef(data []byte) (string, map[string][]string, string) {
	var in webhookInput
	if err := json.Unmarshal(data, &in); err != nil || in.Body == nil {
		if err == nil {
			err = errors.New(`"body" is missing`)
		}
		return "", nil, `verify_webhook: want {"body","headers"}: ` + err.Error()
	}
	headers := map[string][]string{}
	for k, raw := range in.Headers {
		var one string
		if json.Unmarshal(raw, &one) == nil {
			headers[k] = []string{one}
			continue
		}
		var many []string
		if err := json.Unmarshal(raw, &many); err != nil {
			return "", nil, "verify_webhook: header " + strconv.Quote(k) + ": want a string or a list of strings"
		}
		headers[k] = many
	}
	return *in.Body, headers, ""
}

var webhookInputCases = []string{
	`{"body":"{}","headers":{"svix-id":"1","svix-signature":["v1,a","v1,b"],"x":null,"y":[null],"z":[]}}`, `{"body":""}`, `{}`, `null`, `[]`,
	`{"body":null}`, `{"body":1}`, `{"body":"x","body":null}`, `{"BODY":"x"}`, `{"body":"x","headers":"h"}`, `{"body":"x","headers":{"a":1}}`,
	`{"body":"x","headers":{"a":[1]}}`, `{"body":"x","headers":{"a":{}}}`, `{"body":"x","headers":{"a":"1"},"headers":{"b":"2","a":["3"]}}`,
	`{"body":"x","headers":null}`, `{"body":"x","headers":{"a":"1"},"headers":null,"headers":{"c":"2"}}`, `{"body":"x"`, `{"headers":[1e400]}`,
}

func TestDecodeWebhookInputMatchesEncodingJSON(t *testing.T) {
	for _, c := range webhookInputCases {
		checkWebhookInput(t, []byte(c))
	}
}

func checkWebhookInput(t *testing.T, data []byte) {
	t.Helper()
	wb, wh, wmsg := decodeWebhookInputRef(data)
	b, h, msg := decodeWebhookInput(data)
	if wmsg != "" && msg != "" {
		if wmsg != msg && !multipleBadHeaders(data) {
			t.Fatalf("decodeWebhookInput(%q) = %q, encoding/json %q", data, msg, wmsg)
		}
		return
	}
	if msg != wmsg || b != wb || !reflect.DeepEqual(h, wh) {
		t.Fatalf("decodeWebhookInput(%q) = %q, %#v, %q; encoding/json %q, %#v, %q", data, b, h, msg, wb, wh, wmsg)
	}
}

// multipleBadHeaders: the reference names whichever bad header its map
// iteration meets first; decodeWebhookInput the first in the input.
func multipleBadHeaders(data []byte) bool {
	var in struct {
		Headers map[string]json.RawMessage `json:"headers"`
	}
	_ = json.Unmarshal(data, &in)
	bad := 0
	for _, raw := range in.Headers {
		var one string
		var many []string
		if json.Unmarshal(raw, &one) != nil && json.Unmarshal(raw, &many) != nil {
			bad++
		}
	}
	return bad > 1
}

func FuzzDecodeWebhookInput(f *testing.F) {
	for _, c := range webhookInputCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkWebhookInput(t, data) })
}

// manyHeadersInput is a verify_webhook input whose headers object has n
// distinct names: a request's headers are the sender's choice, so the
// decoder must stay linear in their count.
func manyHeadersInput(n int) []byte {
	b := []byte(`{"body":"{}","headers":{`)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `"X-H`+strconv.Itoa(i)+`":"v"`...)
	}
	return append(b, "}}"...)
}

// BenchmarkDecodeWebhookInputManyHeaders: 20,000 headers (0.3 MB, within
// net/http's default 1 MB of headers), against the encoding/json code it
// replaced (BenchmarkDecodeWebhookInputManyHeadersRef).
func BenchmarkDecodeWebhookInputManyHeaders(b *testing.B) {
	data := manyHeadersInput(20000)
	for b.Loop() {
		if _, h, msg := decodeWebhookInput(data); msg != "" || len(h) != 20000 {
			b.Fatal(msg, len(h))
		}
	}
}

func BenchmarkDecodeWebhookInputManyHeadersRef(b *testing.B) {
	data := manyHeadersInput(20000)
	for b.Loop() {
		if _, h, msg := decodeWebhookInputRef(data); msg != "" || len(h) != 20000 {
			b.Fatal(msg, len(h))
		}
	}
}
