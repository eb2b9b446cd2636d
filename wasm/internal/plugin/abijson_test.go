package plugin

import (
	"github.com/clerkscript/clerkscript/internal/minijson/minijsontest"

	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/clerkscript/clerkscript/internal/abi"
)

// abiDecodeCases are inputs for every decoder: each must give the value and
// error json.Unmarshal gives into the abi type.
var abiDecodeCases = []string{
	`{}`, `null`, `[]`, `"x"`, `1`, `{`, `{} x`,
	`{"jwt_key":"k","authorized_parties":["a"],"audience":null,"clock_skew_ms":5000,"issuer":"i","cache_size":3,"publishable_key":"pk","domain":"d",` +
		`"is_satellite":true,"satellite_auto_sync":false,"proxy_url":"p","sign_in_url":"s","accepts_token":["any"],"accept_pending_sessions":true}`,
	`{"clock_skew_ms":1.5}`, `{"clock_skew_ms":"1"}`, `{"clock_skew_ms":null}`, `{"cache_size":1e3}`, `{"cache_size":-1}`, `{"authorized_parties":"a"}`,
	`{"audience":[1]}`, `{"is_satellite":"true"}`, `{"JWT_KEY":"x","jwt_key":"y"}`, `{"jwt_key":1,"cache_size":"x"}`,
	`{"token":"t","authorized_parties":["a","b"],"audience":["x"],"clock_skew_ms":0}`, `{"token":null}`, `{"Token":5}`,
	`{"request":{"method":"GET","url":"https://x/y","headers":{"Cookie":["a=b"],"X":null}}}`, `{"request":null}`, `{"request":[]}`,
	`{"request":{"method":1}}`, `{"request":{"headers":{"a":[1]}}}`, `{"request":{"headers":[]}}`, `{"method":"GET","url":"u","headers":{"a":["b"]}}`,
	`{"method":[],"url":1}`, `{"headers":{"a":"b"}}`,
	`{"secret":"whsec_x","headers":{"svix-id":["1"]},"body":"eyJhIjoxfQ==","now_unix":1700000000}`, `{"body":"!!"}`, `{"body":"YQ"}`,
	`{"body":1}`, `{"now_unix":1.5}`, `{"secret":1,"body":"!!"}`, `{"body":null}`,
	`{"operation":"GetUser","params":{"user_id":"u"}}`, `{"params":null}`, `{"operation":1,"params":[1e400]}`,
	`{"status":200,"headers":{"Content-Type":["application/json"]},"body":"e30="}`, `{"error":{"message":"m","not_sent":true}}`, `{"error":null}`,
	`{"error":"x"}`, `{"error":{"message":1}}`, `{"error":{"not_sent":"x"}}`, `{"status":"200"}`, `{"status":1e2}`, `{"error":{},"error":null}`,
}

func checkABIDecoders(t *testing.T, data []byte) {
	t.Helper()
	minijsontest.SameDecode(t, "DecodeConfig", data, DecodeConfig)
	minijsontest.SameDecode(t, "DecodeVerifyTokenInput", data, DecodeVerifyTokenInput)
	minijsontest.SameDecode(t, "DecodeRequest", data, DecodeRequest)
	minijsontest.SameDecode(t, "DecodeAuthenticateRequestInput", data, DecodeAuthenticateRequestInput)
	minijsontest.SameDecode(t, "DecodeWebhookInput", data, DecodeWebhookInput)
	minijsontest.SameDecode(t, "DecodeCallInput", data, DecodeCallInput)
	minijsontest.SameDecode(t, "DecodeHTTPResponse", data, DecodeHTTPResponse)
}

func TestABIDecodersMatchEncodingJSON(t *testing.T) {
	for _, c := range abiDecodeCases {
		checkABIDecoders(t, []byte(c))
	}
}

func FuzzABIDecoders(f *testing.F) {
	for _, c := range abiDecodeCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkABIDecoders(t, data) })
}

func randString(r *rand.Rand) string {
	const alphabet = "aZ0<>&\"\\/\n\x01\x7f"
	var b []byte
	for range r.IntN(6) {
		switch r.IntN(6) {
		case 0:
			b = append(b, "\u2028é😀"...)
		case 1:
			b = append(b, 0xff)
		default:
			b = append(b, alphabet[r.IntN(len(alphabet))])
		}
	}
	return string(b)
}

func randRaw(r *rand.Rand) json.RawMessage {
	switch r.IntN(4) {
	case 0:
		return nil
	case 1:
		return json.RawMessage(`{ "a" : [1, "<\u2028>"] }`)
	case 2:
		return json.RawMessage(`null`)
	}
	b, _ := json.Marshal(randString(r))
	return b
}

func TestABIEncodersMatchEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		e := &abi.Error{Kind: randString(r), Code: randString(r), Message: randString(r), Action: randString(r), TraceID: randString(r)}
		if r.IntN(2) == 0 {
			e.Status, e.RetryAfterMs = r.IntN(600)-1, r.Int64N(5)-1
		}
		for range r.IntN(3) {
			e.Errors = append(e.Errors, abi.APIErrorItem{Code: randString(r), Message: randString(r), LongMessage: randString(r), Meta: randRaw(r)})
		}
		if r.IntN(3) == 0 {
			e.Errors = []abi.APIErrorItem{}
		}
		want, _ := json.Marshal(abi.Result{Error: e})
		if got := Err(e); string(got) != string(want) {
			t.Fatalf("Err(%#v) = %s, encoding/json %s", e, got, want)
		}
		req := abi.HTTPRequest{Method: randString(r), Path: randString(r), Query: randString(r), ContentType: randString(r), Body: []byte(randString(r))}
		want, _ = json.Marshal(req)
		if got := MarshalHTTPRequest(req); string(got) != string(want) {
			t.Fatalf("MarshalHTTPRequest(%#v) = %s, encoding/json %s", req, got, want)
		}
		ev := abi.WebhookEvent{ID: randString(r), TimestampUnix: r.Int64() - r.Int64(), Type: randString(r), Object: randString(r),
			Data: randRaw(r), EventAttributes: randRaw(r), InstanceID: randString(r), EventTimestamp: r.Int64N(3) - 1}
		want, werr := json.Marshal(ev)
		got, err := MarshalWebhookEvent(ev)
		if string(got) != string(want) || (err == nil) != (werr == nil) {
			t.Fatalf("MarshalWebhookEvent(%#v) = %s, %v; encoding/json %s, %v", ev, got, err, want, werr)
		}
	}
	if got, want := string(Err(nil)), `{"ok":false}`; got != want {
		t.Fatalf("Err(nil) = %s, want %s", got, want)
	}
	bad := &abi.Error{Errors: []abi.APIErrorItem{{Meta: json.RawMessage(`{`)}}}
	if _, werr := json.Marshal(abi.Result{Error: bad}); werr == nil || string(Err(bad)) != `{"ok":false,"error":{"kind":"internal","code":"encode_failed","message":"cannot encode the error"}}` {
		t.Fatalf("Err with invalid meta = %s (encoding/json err %v)", Err(bad), werr)
	}
	if _, err := MarshalWebhookEvent(abi.WebhookEvent{Data: json.RawMessage(`{`)}); err == nil {
		t.Fatal("MarshalWebhookEvent accepted invalid data")
	}
}
