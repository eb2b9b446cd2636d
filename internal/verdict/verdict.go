// Package verdict encodes the outcome of a session-token verification as
// the one JSON object `clerkscript verify --json` prints, so that the CLI
// and the Extism plugin's verify_token answer byte for byte the same:
//
//	{"status":"signed-in","reason":null,"message":null,"claims":{...payload...}}
//	{"status":"signed-out","reason":"token-expired","message":"...","claims":null}
//
// The message of a rejection is Clerk's message followed by its action,
// when it has one.
package verdict

import (
	"bytes"
	"encoding/json"

	"github.com/clerkscript/clerkscript/core"
)

type verdict struct {
	Status  string          `json:"status"`
	Reason  *string         `json:"reason"`
	Message *string         `json:"message"`
	Claims  json.RawMessage `json:"claims"`
}

const signedInPrefix = `{"status":"signed-in","reason":null,"message":null,"claims":`

// SignedIn encodes a successful verification. It is written without
// reflection (encoding/json costs tens of microseconds inside wasm) and
// gives what encoding/json gives: the payload compacted, with <, >, & and
// U+2028/U+2029 escaped.
func SignedIn(c *core.Claims) []byte {
	if len(c.Raw) == 0 {
		return []byte(signedInPrefix + "null}")
	}
	var compact bytes.Buffer
	compact.Grow(len(c.Raw))
	if err := json.Compact(&compact, c.Raw); err != nil {
		// Raw is the payload core decoded, so it is valid JSON; should
		// it not be, encoding/json's own error path decides.
		b, merr := json.Marshal(verdict{Status: "signed-in", Claims: c.Raw})
		if merr != nil {
			return SignedOut(&core.TokenVerificationError{Reason: core.ReasonTokenInvalid, Message: merr.Error()})
		}
		return b
	}
	out := bytes.NewBuffer(make([]byte, 0, len(signedInPrefix)+compact.Len()+16))
	out.WriteString(signedInPrefix)
	json.HTMLEscape(out, compact.Bytes())
	out.WriteByte('}')
	return out.Bytes()
}

// SignedOut encodes a rejection.
func SignedOut(te *core.TokenVerificationError) []byte {
	msg := te.Message
	if te.Action != "" {
		msg += " " + te.Action
	}
	reason := te.Reason
	b, err := json.Marshal(verdict{Status: "signed-out", Reason: &reason, Message: &msg, Claims: json.RawMessage("null")})
	if err != nil { // cannot happen: two strings
		return []byte(`{"status":"signed-out","reason":"token-invalid","message":"cannot encode the verdict","claims":null}`)
	}
	return b
}

// JSON encodes claims (te nil) or the rejection te.
func JSON(c *core.Claims, te *core.TokenVerificationError) []byte {
	if te != nil {
		return SignedOut(te)
	}
	return SignedIn(c)
}
