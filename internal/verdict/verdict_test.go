package verdict

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// verdict is the shape encoding/json encoded before SignedIn and SignedOut
// were written by hand.
type verdict struct {
	Status  string          `json:"status"`
	Reason  *string         `json:"reason"`
	Message *string         `json:"message"`
	Claims  json.RawMessage `json:"claims"`
}

// reference is what encoding/json makes of the same verdict: the CLI's
// output before this package existed.
func reference(raw json.RawMessage) []byte {
	if raw == nil {
		raw = json.RawMessage("null")
	}
	b, err := json.Marshal(verdict{Status: "signed-in", Claims: raw})
	if err != nil {
		return nil
	}
	return b
}

func TestSignedInMatchesEncodingJSON(t *testing.T) {
	for _, raw := range []string{"", `{}`, `{"sub":"user_1","exp":1}`, "{ \"sub\" : \"a<b>&c\u2028\u2029\",\n \"n\": [1, 2] }",
		`{"s":"\u003c already escaped"}`, `{"é":"日本"}`} {
		var r json.RawMessage
		if raw != "" {
			r = json.RawMessage(raw)
		}
		want := reference(r)
		if got := SignedIn(&core.Claims{Raw: r}); !bytes.Equal(got, want) {
			t.Errorf("raw %q:\n got %s\nwant %s", raw, got, want)
		}
	}
}

func TestSignedOut(t *testing.T) {
	got := string(SignedOut(&core.TokenVerificationError{Reason: "token-expired", Message: "JWT is expired.", Action: "Sign in again."}))
	want := `{"status":"signed-out","reason":"token-expired","message":"JWT is expired. Sign in again.","claims":null}`
	if got != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	for _, te := range []core.TokenVerificationError{{Reason: "a<b>", Message: "\"q\" & \u2028 \xff\n"}, {}, {Message: "m", Action: "<act>"}} {
		msg := te.Message
		if te.Action != "" {
			msg += " " + te.Action
		}
		want, _ := json.Marshal(verdict{Status: "signed-out", Reason: &te.Reason, Message: &msg, Claims: json.RawMessage("null")})
		if got := SignedOut(&te); !bytes.Equal(got, want) {
			t.Fatalf("SignedOut(%+v) = %s, encoding/json %s", te, got, want)
		}
	}
}

// FuzzSignedIn holds the hand-written encoder to encoding/json for any
// valid JSON payload.
func FuzzSignedIn(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":"<>&"}`, "{\"a\":\"\u2028\"}", `[1, 2 ,3]`, `"x"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		want := reference(json.RawMessage(s))
		if got := SignedIn(&core.Claims{Raw: json.RawMessage(s)}); !bytes.Equal(got, want) {
			t.Fatalf("raw %q:\n got %s\nwant %s", s, got, want)
		}
	})
}
