package core

import (
	"errors"
	"time"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// Reasons a session token is rejected. The strings are Clerk's own
// (@clerk/backend's TokenVerificationErrorReason, plus jwk-local-invalid from
// the PHP SDK), so code that switches on them works with Clerk's vocabulary;
// token-invalid-issuer is ours (no Clerk SDK checks iss exactly). See
// docs/VERIFICATION.md for where each is produced.
const (
	ReasonTokenExpired                  = "token-expired"
	ReasonTokenInvalid                  = "token-invalid"
	ReasonTokenInvalidAlgorithm         = "token-invalid-algorithm"
	ReasonTokenInvalidAuthorizedParties = "token-invalid-authorized-parties"
	ReasonTokenInvalidSignature         = "token-invalid-signature"
	ReasonTokenNotActiveYet             = "token-not-active-yet"
	ReasonTokenIatInTheFuture           = "token-iat-in-the-future"
	ReasonTokenVerificationFailed       = "token-verification-failed"
	ReasonTokenInvalidIssuer            = "token-invalid-issuer"
	ReasonSecretKeyInvalid              = "secret-key-invalid"
	ReasonJWKLocalInvalid               = "jwk-local-invalid"
	ReasonJWKRemoteFailedToLoad         = "jwk-remote-failed-to-load"
	ReasonJWKFailedToResolve            = "jwk-failed-to-resolve"
	ReasonJWKKidMismatch                = "jwk-kid-mismatch"
)

const (
	actionEnsureClerkJWT      = "Make sure that this is a valid Clerk-generated JWT."
	actionContactSupport      = "Contact support@clerk.com"
	actionSetClerkJWTKey      = "Set the CLERK_JWT_KEY environment variable."
	actionSetClerkSecretKey   = "Set the CLERK_SECRET_KEY environment variable."
	actionKidMismatch         = "Go to your Dashboard and validate your secret and public keys are correct. Contact support@clerk.com if the issue persists."
	msgInvalidForm            = "Invalid JWT form. A JWT consists of three parts separated by dots."
	msgUndecodable            = "Invalid JWT form. The header, payload, or signature could not be decoded."
	msgSignatureInvalid       = "JWT signature is invalid."
	msgLocalKeyInvalid        = "The provided PEM Public Key is not in the proper format."
	msgFailedToResolve        = "Failed to resolve JWK during verification."
	msgNoSigningKeys          = "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com."
	dateLayoutUTC             = "Mon, 02 Jan 2006 15:04:05 GMT" // JavaScript's Date.toUTCString
	supportedAlgorithmsList   = "RS256,RS384,RS512"
	maxTokenLength            = 256 << 10
	defaultClockSkew          = 5 * time.Second
	defaultJWKSTTL            = 5 * time.Minute
	defaultKidRefetchInterval = 10 * time.Second
	defaultTokenCacheSize     = 10000
)

// TokenVerificationError is a rejected token: Clerk's reason id, a precise
// message and, for some reasons, an action telling the operator what to do.
// It never contains a secret key; it may quote claims of the (unverified)
// token, as Clerk's SDKs do.
type TokenVerificationError struct {
	Reason  string
	Message string
	Action  string
	// Err is the underlying cause (a transport or API error while loading
	// the JWKS), when there is one.
	Err error
}

// Error returns "<message> [<action>] (reason=<reason>)", the shape of
// @clerk/backend's getFullMessage without the token carrier.
func (e *TokenVerificationError) Error() string {
	msg := e.Message
	if e.Action != "" {
		msg += " " + e.Action
	}
	return msg + " (reason=" + e.Reason + ")"
}

func (e *TokenVerificationError) Unwrap() error { return e.Err }

// IsConfigurationError reports reasons that say nothing about the token and
// everything about the verifier's setup or its access to Clerk: a bad or
// missing key, an invalid secret key, a JWKS that cannot be loaded.
func (e *TokenVerificationError) IsConfigurationError() bool {
	switch e.Reason {
	case ReasonJWKLocalInvalid, ReasonJWKFailedToResolve, ReasonSecretKeyInvalid, ReasonJWKRemoteFailedToLoad:
		return true
	}
	return false
}

// TokenErrorReason returns the reason of a *TokenVerificationError in err's
// chain, or "".
func TokenErrorReason(err error) string {
	var te *TokenVerificationError
	if errors.As(err, &te) {
		return te.Reason
	}
	return ""
}

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func tokenErr(reason, msg, action string) *TokenVerificationError {
	return &TokenVerificationError{Reason: reason, Message: msg, Action: action}
}

// Rejections that carry no variable part are allocated once.
var (
	errInvalidForm     = tokenErr(ReasonTokenInvalid, msgInvalidForm, "")
	errUndecodable     = tokenErr(ReasonTokenInvalid, msgUndecodable, "")
	errTooLarge        = tokenErr(ReasonTokenInvalid, "Invalid JWT form. The token is larger than 256 KiB.", "")
	errM2MCategory     = tokenErr(ReasonTokenInvalid, "Invalid session token category.", actionEnsureClerkJWT)
	errSignature       = tokenErr(ReasonTokenInvalidSignature, msgSignatureInvalid, "")
	errFailedToResolve = tokenErr(ReasonJWKFailedToResolve, msgFailedToResolve, actionSetClerkJWTKey)
)

// jsJSON renders a raw claim value as JSON.stringify would in Clerk's
// messages; an absent value prints as undefined.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func jsJSON(v minijson.Value) string {
	if !v.Present() {
		return "undefined"
	}
	return string(v.Raw)
}

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func quoteJSON(s string) string {
	return string(minijson.AppendString(nil, s))
}

func jsonStrings(list []string) string {
	if list == nil {
		list = []string{}
	}
	b, _ := minijson.Append(nil, list)
	return string(b)
}

func jsDate(ms float64) string {
	return time.UnixMilli(int64(ms)).UTC().Format(dateLayoutUTC)
}
