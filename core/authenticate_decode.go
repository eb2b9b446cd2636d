package core

import (
	"strings"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// unverifiedJWT is what the request-level decisions read from a token
// before (or instead of) verifying it: the cookie logic compares iat with
// __client_uat and iss with the instance, and routing looks at typ, cat and
// sub. Nothing here is trusted for authentication.
type unverifiedJWT struct {
	_         [0]func() // incomparable: no equality function in the wasm module
	typ, cat  string
	sub, iss  string
	sid       string
	iat, exp  float64
	hasIat    bool
	hasExp    bool
	issIsTrue bool // iss present and truthy, as JS tests it
}

// decodeUnverified splits and decodes a JWT the way @clerk/backend's
// decodeJwt does, returning its token-invalid errors.
func decodeUnverified(token string) (*unverifiedJWT, *TokenVerificationError) {
	if len(token) > maxTokenLength {
		return nil, errTooLarge
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errInvalidForm
	}
	hb, err1 := decodeB64Loose(parts[0])
	pb, err2 := decodeB64Loose(parts[1])
	_, err3 := decodeB64Loose(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errUndecodable
	}
	u, ok := decodeUnverifiedJSON(hb, pb)
	if !ok {
		return nil, errUndecodable
	}
	return u, nil
}

// decodeUnverifiedJSON reads the header and payload JSON as the
// encoding/json code it replaced did (authenticate_decode_test.go holds it
// to that): header fields matched case-insensitively, payload keys exactly,
// the last of duplicates winning, a null number read as 0.
func decodeUnverifiedJSON(hb, pb []byte) (*unverifiedJWT, bool) {
	u := &unverifiedJWT{}
	ok := true
	err := minijson.ScanStruct(hb, "", func(key []byte, esc bool, v minijson.Value) {
		k := minijson.Unquote(key, esc)
		var dst *string
		switch {
		case minijson.FieldIs(k, "typ"):
			dst = &u.typ
		case minijson.FieldIs(k, "cat"):
			dst = &u.cat
		default:
			return
		}
		if _, err := v.Decode(); err != nil {
			ok = false
		}
		*dst = ""
		if v.Kind == minijson.String {
			*dst = v.Str()
		}
	})
	if err != nil || !ok {
		return nil, false
	}
	var sub, iss, sid, iat, exp minijson.Value
	err = minijson.ScanObject(pb, func(key []byte, esc bool, v minijson.Value) {
		switch minijson.Unquote(key, esc) {
		case "sub":
			sub = v
		case "iss":
			iss = v
		case "sid":
			sid = v
		case "iat":
			iat = v
		case "exp":
			exp = v
		}
	})
	if err != nil {
		return nil, false
	}
	num := func(v minijson.Value) (float64, bool) {
		if v.Kind == minijson.Null {
			return 0, true // encoding/json leaves a float64 as it is for null
		}
		return v.Num()
	}
	u.sub, u.iss, u.sid = sub.Str(), iss.Str(), sid.Str()
	u.iat, u.hasIat = num(iat)
	u.exp, u.hasExp = num(exp)
	if iss.Present() {
		if v, err := iss.Decode(); err == nil {
			u.issIsTrue = truthy(v)
		}
	}
	return u, true
}

// decodeB64Loose accepts base64url with or without padding, and the standard
// alphabet too: @clerk/backend's decoder is that forgiving.
func decodeB64Loose(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	s = urlAlphabet(s)
	return decodeB64URL(s)
}

func truthy(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case float64:
		return x != 0
	}
	return true
}

// isSessionJWTCategory reports the JWT categories (header "cat") of session
// tokens; anything else (an M2M JWT's cl_B7d4PD333AAA) is not a session
// token.
func isSessionJWTCategory(cat string) bool {
	return cat == "cl_B7d4PD111AAA" || cat == "cl_I7d4PD111III"
}

const m2mJWTCategory = "cl_B7d4PD333AAA"

// machineJWTType returns the machine token type of a JWT: OAuth for typ
// at+jwt, M2M for a subject starting mch_; "" for anything else.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func (u *unverifiedJWT) machineJWTType() TokenType {
	switch {
	case u.typ == "at+jwt" || u.typ == "application/at+jwt":
		return TokenTypeOAuth
	case strings.HasPrefix(u.sub, "mch_"):
		return TokenTypeM2M
	}
	return ""
}

// notSessionJWT reports a machine JWT or a non-session category.
func (u *unverifiedJWT) notSessionJWT() bool {
	return u.machineJWTType() != "" || (u.cat != "" && !isSessionJWTCategory(u.cat))
}

// opaqueMachineTokenType routes opaque machine tokens by prefix.
func opaqueMachineTokenType(token string) TokenType {
	switch {
	case strings.HasPrefix(token, "mt_"):
		return TokenTypeM2M
	case strings.HasPrefix(token, "oat_"):
		return TokenTypeOAuth
	case strings.HasPrefix(token, "ak_"):
		return TokenTypeAPIKey
	}
	return ""
}

// detectTokenType classifies a header token: opaque machine tokens by
// prefix, machine JWTs by typ/sub, everything else as a session token.
func detectTokenType(token string) TokenType {
	if t := opaqueMachineTokenType(token); t != "" {
		return t
	}
	if u, err := decodeUnverified(token); err == nil {
		if t := u.machineJWTType(); t != "" {
			return t
		}
	}
	return TokenTypeSession
}

// BearerToken extracts the token of an Authorization header as
// @clerk/backend does, which splits the value on " " with a limit of 2: the
// second part after a "Bearer" scheme (case-sensitive: "bearer x" gives
// ""), the whole value when there is no second part (a bare token; also
// "Bearer " and "Bearer  x", which then fail verification as
// token-invalid), and "" for any other scheme ("Basic ..."). It is the one
// parser of the header in this module: AuthenticateRequest, clerkhttp, the
// wasm host's middleware and the CLI use it.
func BearerToken(authorization string) string { return parseAuthorizationHeader(authorization) }

func parseAuthorizationHeader(h string) string {
	if h == "" {
		return ""
	}
	scheme, rest, found := strings.Cut(h, " ")
	if !found {
		return scheme
	}
	token, _, _ := strings.Cut(rest, " ")
	if token == "" {
		return scheme
	}
	if scheme == "Bearer" {
		return token
	}
	return ""
}
