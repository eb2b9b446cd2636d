package core

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// Machine token error codes (@clerk/backend's
// MachineTokenVerificationErrorCode); they become the RequestState reason.
// A rejected token is ReasonTokenInvalid, a rejected secret key
// ReasonSecretKeyInvalid.
const (
	MachineReasonUnexpectedError         = "unexpected-error"
	MachineReasonTokenVerificationFailed = "token-verification-failed"
)

// machineEndpoint is where each opaque machine token is verified. The paths
// are the spec's, below the version prefix (the client adds /v1);
// @clerk/backend calls them without it, which BAPI also serves. body opens
// the request's JSON object up to the token's value.
type machineEndpoint struct {
	_                    [0]func() // incomparable: no equality function in the wasm module
	path, body, notFound string
}

// machineEndpointOf is the endpoint of a machine token type (a switch, not
// a map: no map built at start-up).
func machineEndpointOf(t TokenType) machineEndpoint {
	switch t {
	case TokenTypeM2M:
		return machineEndpoint{path: "/m2m_tokens/verify", body: `{"token":`, notFound: "Machine token not found"}
	case TokenTypeOAuth:
		return machineEndpoint{path: "/oauth_applications/access_tokens/verify", body: `{"access_token":`, notFound: "OAuth token not found"}
	}
	return machineEndpoint{path: "/api_keys/verify", body: `{"secret":`, notFound: "API key not found"}
}

func machineError(t TokenType, code, msg string, status int) RequestState {
	st := "n/a"
	if status != 0 {
		st = strconv.Itoa(status)
	}
	return signedOutState(t, code, msg+" (code="+code+", status="+st+")", nil)
}

// verifyMachine verifies a machine token of type t: opaque tokens through
// the Backend API, machine JWTs locally.
func (a *Authenticator) verifyMachine(ctx context.Context, token string, t TokenType) RequestState {
	if opaqueMachineTokenType(token) == "" {
		return a.verifyMachineJWT(ctx, token, t)
	}
	ep := machineEndpointOf(t)
	client := a.client
	if t == TokenTypeM2M {
		client = a.machineClient
	}
	if client == nil {
		return machineError(t, MachineReasonUnexpectedError, "Machine tokens are verified by the Backend API, which needs a secret key", 0)
	}
	body := minijson.Writer{}
	body.Str(ep.body, token)
	body.Lit("}")
	// Verifying is read-only, so a replay after a timeout is harmless.
	resp, err := client.Raw(ctx, "POST", ep.path, nil, body.B, WithReplayNonIdempotent())
	if err != nil {
		ae, ok := AsAPIError(err)
		switch {
		case !ok:
			return machineError(t, MachineReasonUnexpectedError, "Unexpected error", 0)
		case ae.StatusCode == 401:
			msg := "Invalid secret key"
			if len(ae.Errors) > 0 && ae.Errors[0].Message != "" {
				msg = ae.Errors[0].Message
			}
			return machineError(t, ReasonSecretKeyInvalid, msg, 401)
		case ae.StatusCode == 404:
			return machineError(t, ReasonTokenInvalid, ep.notFound, 404)
		default:
			return machineError(t, MachineReasonUnexpectedError, "Unexpected error", ae.StatusCode)
		}
	}
	m, err := decodeMachineVerification(resp.Body)
	if err != nil {
		return machineError(t, MachineReasonUnexpectedError, "Unexpected error", resp.StatusCode)
	}
	// BAPI answers 404 for revoked and expired tokens; should a 200 say
	// otherwise, the token is still not accepted.
	if m.Revoked || m.Expired {
		return machineError(t, ReasonTokenInvalid, "Machine token is revoked or expired", resp.StatusCode)
	}
	if string(m.Claims) == "null" {
		m.Claims = nil
	}
	auth := &AuthObject{TokenType: t, IsAuthenticated: true, ID: m.ID, Subject: m.Subject, Scopes: m.Scopes, Claims: m.Claims}
	a.fillMachineIdentity(auth, m.Name, m.ClientID)
	s := newState(StatusSignedIn, t, "", "", nil)
	s.Token, s.auth = token, auth
	return s
}

func (a *Authenticator) fillMachineIdentity(auth *AuthObject, name, clientID string) {
	switch auth.TokenType {
	case TokenTypeAPIKey:
		auth.Name = name
		switch {
		case strings.HasPrefix(auth.Subject, "user_"):
			auth.UserID = auth.Subject
		case strings.HasPrefix(auth.Subject, "org_"):
			auth.OrgID = auth.Subject
		}
	case TokenTypeM2M:
		auth.MachineID = auth.Subject
	case TokenTypeOAuth:
		auth.UserID = auth.Subject
		auth.ClientID = clientID
	}
}

// verifyMachineJWT verifies an M2M JWT (subject mch_, category absent or
// cl_B7d4PD333AAA) or an OAuth access token JWT (typ at+jwt) with the
// instance key, and the same claim checks as session tokens.
func (a *Authenticator) verifyMachineJWT(ctx context.Context, token string, t TokenType) RequestState {
	u, derr := decodeUnverified(token)
	if derr != nil {
		return signedOutState(t, derr.Reason, fullMessage(derr, carrierHeader), nil)
	}
	typs := []string{"JWT"}
	switch t {
	case TokenTypeM2M:
		if u.cat != "" && u.cat != m2mJWTCategory {
			return signedOutState(t, ReasonTokenInvalid, "Invalid M2M JWT category. (reason=token-invalid, token-carrier=header)", nil)
		}
	case TokenTypeOAuth:
		typs = []string{"at+jwt", "application/at+jwt"}
	default:
		return signedOutState(t, MachineReasonTokenVerificationFailed,
			"Invalid JWT type: "+orMissing(u.typ)+". Expected one of: at+jwt, application/at+jwt for OAuth, or sub starting with 'mch_' for M2M", nil)
	}
	payload, terr := a.verifySignedJWTTyp(ctx, token, "JWT", typs)
	if terr != nil {
		return signedOutState(t, terr.Reason, fullMessage(terr, carrierHeader), nil)
	}
	var rc rawClaims
	if scanClaims(payload, &rc) != nil {
		return signedOutState(t, ReasonTokenInvalid, fullMessage(errUndecodable, carrierHeader), nil)
	}
	c := buildClaims(&rc, payload)
	vo := a.verifyOptions()
	if err := checkClaims(c, &vo, a.now()); err != nil {
		return signedOutState(t, err.Reason, fullMessage(err, carrierHeader), nil)
	}
	extra := decodeMachineExtra(payload)
	auth := &AuthObject{TokenType: t, IsAuthenticated: true, ID: c.ID, Subject: c.Subject}
	switch s := extra.Scopes.(type) {
	case string:
		auth.Scopes = strings.Fields(s)
	case []any:
		for _, x := range s {
			if str, ok := x.(string); ok {
				auth.Scopes = append(auth.Scopes, str)
			}
		}
	}
	if auth.Scopes == nil && extra.Scope != "" {
		auth.Scopes = strings.Fields(extra.Scope)
	}
	if auth.Scopes == nil && t == TokenTypeM2M {
		auth.Scopes = c.Audience
	}
	if t == TokenTypeM2M && extra.Claims != nil {
		auth.Claims, _ = minijson.Marshal(extra.Claims)
	}
	a.fillMachineIdentity(auth, extra.Name, extra.ClientID)
	st := newState(StatusSignedIn, t, "", "", nil)
	st.Token, st.auth = token, auth
	return st
}

func orMissing(s string) string {
	if s == "" {
		return "missing"
	}
	return s
}

// machineVerification is the Backend API's answer to a machine token
// verification.
type machineVerification struct {
	ID       string          `json:"id"`
	Subject  string          `json:"subject"`
	Name     string          `json:"name"`
	Scopes   []string        `json:"scopes"`
	Claims   json.RawMessage `json:"claims"`
	ClientID string          `json:"client_id"`
	Revoked  bool            `json:"revoked"`
	Expired  bool            `json:"expired"`
}

// decodeMachineVerification decodes the answer as json.Unmarshal would
// (machine_json_test.go holds it to that) without linking encoding/json.
func decodeMachineVerification(body []byte) (machineVerification, error) {
	var m machineVerification
	var errs minijson.Errs
	const st = "machineVerification"
	err := minijson.ScanStruct(body, "core."+st, func(key []byte, esc bool, v minijson.Value) {
		k := minijson.Unquote(key, esc)
		switch {
		case minijson.FieldIs(k, "id"):
			errs.Add(v.ToString(&m.ID, st, "id"))
		case minijson.FieldIs(k, "subject"):
			errs.Add(v.ToString(&m.Subject, st, "subject"))
		case minijson.FieldIs(k, "name"):
			errs.Add(v.ToString(&m.Name, st, "name"))
		case minijson.FieldIs(k, "scopes"):
			errs.Add(v.ToStrings(&m.Scopes, st, "scopes"))
		case minijson.FieldIs(k, "claims"):
			v.ToRaw(&m.Claims)
		case minijson.FieldIs(k, "client_id"):
			errs.Add(v.ToString(&m.ClientID, st, "client_id"))
		case minijson.FieldIs(k, "revoked"):
			errs.Add(v.ToBool(&m.Revoked, st, "revoked"))
		case minijson.FieldIs(k, "expired"):
			errs.Add(v.ToBool(&m.Expired, st, "expired"))
		}
	})
	if err == nil {
		err = errs.Err()
	}
	return m, err
}

// machineExtra holds the claims of a machine JWT beyond the standard ones.
type machineExtra struct {
	Scope    string `json:"scope"`
	Scopes   any    `json:"scopes"`
	ClientID string `json:"client_id"`
	Name     string `json:"name"`
	Claims   any    `json:"claims"`
}

// decodeMachineExtra decodes the extras of a verified payload as
// json.Unmarshal would, errors ignored: a member of the wrong type is left
// out and the others are kept.
func decodeMachineExtra(payload []byte) machineExtra {
	var x machineExtra
	_ = minijson.ScanStruct(payload, "", func(key []byte, esc bool, v minijson.Value) {
		k := minijson.Unquote(key, esc)
		switch {
		case minijson.FieldIs(k, "scope"):
			_ = v.ToString(&x.Scope, "", "")
		case minijson.FieldIs(k, "scopes"):
			x.Scopes, _ = v.Decode()
		case minijson.FieldIs(k, "client_id"):
			_ = v.ToString(&x.ClientID, "", "")
		case minijson.FieldIs(k, "name"):
			_ = v.ToString(&x.Name, "", "")
		case minijson.FieldIs(k, "claims"):
			x.Claims, _ = v.Decode()
		}
	})
	return x
}
