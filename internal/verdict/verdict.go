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
	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/minijson"
)

const signedInPrefix = `{"status":"signed-in","reason":null,"message":null,"claims":`

// SignedIn encodes a successful verification. It is written without
// reflection (encoding/json costs tens of microseconds inside wasm, and
// about 1 MB of the module) and gives what encoding/json gives: the payload
// compacted, with <, >, & and U+2028/U+2029 escaped.
func SignedIn(c *core.Claims) []byte {
	if len(c.Raw) == 0 {
		return []byte(signedInPrefix + "null}")
	}
	out := append(make([]byte, 0, len(signedInPrefix)+len(c.Raw)+16), signedInPrefix...)
	out, err := minijson.AppendRaw(out, c.Raw)
	if err != nil {
		// Raw is the payload core decoded, so it is valid JSON; should it
		// not be, the error is encoding/json's.
		return SignedOut(&core.TokenVerificationError{Reason: core.ReasonTokenInvalid, Message: err.Error()})
	}
	return append(out, '}')
}

// SignedOut encodes a rejection.
func SignedOut(te *core.TokenVerificationError) []byte {
	msg := te.Message
	if te.Action != "" {
		msg += " " + te.Action
	}
	b := append(make([]byte, 0, 64+len(msg)), `{"status":"signed-out","reason":`...)
	b = minijson.AppendString(b, te.Reason)
	b = append(b, `,"message":`...)
	b = minijson.AppendString(b, msg)
	return append(b, `,"claims":null}`...)
}

// JSON encodes claims (te nil) or the rejection te.
func JSON(c *core.Claims, te *core.TokenVerificationError) []byte {
	if te != nil {
		return SignedOut(te)
	}
	return SignedIn(c)
}
