package core

import (
	"encoding/json"
	"testing"
)

// The JSON encodings of RequestState and AuthObject are written without
// encoding/json (the wasm guest must not link it); these tests hold them to
// the encoding/json versions they replaced, kept below as references.

func TestRequestStateJSONMatchesEncodingJSON(t *testing.T) {
	fva := [2]int{3, -1}
	claims := &Claims{Raw: json.RawMessage(` {"sub":"user_<1>","sid":"sess_1","x":"\u2028&"} `)}
	auths := []*AuthObject{
		{TokenType: TokenTypeSession, IsAuthenticated: true, UserID: "user_1", SessionID: "sess_1", SessionStatus: "active",
			OrgID: "org_1", OrgRole: "org:admin", OrgSlug: "a<b>&c", OrgPermissions: []string{"org:x:read", "\u2029"},
			FactorVerificationAge: &fva, Actor: json.RawMessage(`{"sub":"user_2"}`), SessionClaims: claims},
		{TokenType: TokenTypeSession, IsAuthenticated: false, SessionClaims: claims, OrgPermissions: []string{}},
		{},
		{TokenType: TokenTypeAPIKey, IsAuthenticated: true, ID: "ak_1", Subject: "user_1", Scopes: nil, Name: "n\xff", Claims: json.RawMessage(`{"a" : 1}`), UserID: "user_1"},
		{TokenType: TokenTypeAPIKey, IsAuthenticated: false},
		{TokenType: TokenTypeM2M, IsAuthenticated: true, ID: "mt_1", Subject: "mch_1", Scopes: []string{"mch_2"}, MachineID: "mch_1"},
		{TokenType: TokenTypeOAuth, IsAuthenticated: true, ID: "oat_1", UserID: "user_1", ClientID: "client_1", Scopes: []string{"email"}},
		{TokenType: TokenTypeOAuth, IsAuthenticated: false, ID: "oat_1", Scopes: []string{"email"}},
		{TokenType: TokenTypeM2M, IsAuthenticated: true, Claims: json.RawMessage(`{"b":[1, 2]}`), Scopes: []string{}, Name: "n"},
		{TokenType: TokenTypeAny, IsAuthenticated: true, ID: "x", Subject: "s", UserID: "u"},
		{TokenType: TokenTypeSession, IsAuthenticated: true, SessionClaims: &Claims{}, Actor: json.RawMessage{}, OrgPermissions: []string{}},
	}
	for i, a := range auths {
		got, err := a.MarshalJSON()
		want, werr := authObjectJSONRef(a)
		if err != nil || werr != nil || string(got) != string(want) {
			t.Fatalf("auth %d: MarshalJSON = %s, %v\nencoding/json   %s, %v", i, got, err, want, werr)
		}
		viaMarshal, err := json.Marshal(a)
		if err != nil || string(viaMarshal) != string(want) {
			t.Fatalf("auth %d: json.Marshal = %s, %v", i, viaMarshal, err)
		}
	}
	// Invalid raw JSON: the same first error as encoding/json.
	for i, a := range []*AuthObject{
		{TokenType: TokenTypeSession, Actor: json.RawMessage(`{`), SessionClaims: &Claims{Raw: json.RawMessage(`[`)}, IsAuthenticated: true},
		{TokenType: TokenTypeSession, SessionClaims: &Claims{Raw: json.RawMessage(`[`)}, IsAuthenticated: true},
		{TokenType: TokenTypeAPIKey, Claims: json.RawMessage(`nul`)},
	} {
		got, err := a.MarshalJSON()
		_, werr := authObjectJSONRef(a)
		if err == nil || werr == nil || got != nil || err.Error() != werr.Error() {
			t.Fatalf("bad auth %d: MarshalJSON = %s, %v; encoding/json %v", i, got, err, werr)
		}
	}
	states := []RequestState{
		{Status: StatusSignedIn, TokenType: TokenTypeSession, Claims: claims, Headers: Header{"Set-Cookie": {"a=<b>", "c"}}},
		{Status: StatusSignedIn, TokenType: TokenTypeAPIKey, auth: auths[3]},
		{Status: StatusSignedOut, Reason: "token-invalid", Message: "bad \"token\" <x>", TokenType: TokenTypeOAuth},
		{Status: StatusSignedOut, Reason: "session-token-and-uat-missing"},
		{Status: StatusHandshake, Reason: "dev-browser-sync", Headers: Header{"Location": {"https://x/?a=1&b=2"}, "Cache-Control": {"no-store"}}},
	}
	for i, s := range states {
		got, err := s.MarshalJSON()
		want, werr := requestStateJSONRef(s)
		if err != nil || werr != nil || string(got) != string(want) {
			t.Fatalf("state %d: MarshalJSON = %s, %v\nencoding/json    %s, %v", i, got, err, want, werr)
		}
	}
}

func authObjectJSONRef(a *AuthObject) ([]byte, error) {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	raw := func(r json.RawMessage) any {
		if len(r) == 0 {
			return nil
		}
		return r
	}
	var tt any
	if a.TokenType != "" {
		tt = a.TokenType
	}
	m := map[string]any{"tokenType": tt, "isAuthenticated": a.IsAuthenticated}
	if !a.TokenType.isMachine() {
		var claims any
		if a.SessionClaims != nil && a.IsAuthenticated {
			claims = raw(a.SessionClaims.Raw)
		}
		var perms any
		if a.OrgPermissions != nil {
			perms = a.OrgPermissions
		}
		var fva any
		if a.FactorVerificationAge != nil {
			fva = a.FactorVerificationAge
		}
		m["userId"] = str(a.UserID)
		m["sessionId"] = str(a.SessionID)
		m["sessionStatus"] = str(a.SessionStatus)
		m["orgId"] = str(a.OrgID)
		m["orgRole"] = str(a.OrgRole)
		m["orgSlug"] = str(a.OrgSlug)
		m["orgPermissions"] = perms
		m["factorVerificationAge"] = fva
		m["actor"] = raw(a.Actor)
		m["sessionClaims"] = claims
		return json.Marshal(m)
	}
	var scopes any
	if a.IsAuthenticated {
		scopes = a.Scopes
		if a.Scopes == nil {
			scopes = []string{}
		}
	}
	m["id"] = str(a.ID)
	m["subject"] = str(a.Subject)
	m["scopes"] = scopes
	switch a.TokenType {
	case TokenTypeAPIKey:
		m["name"] = str(a.Name)
		m["claims"] = raw(a.Claims)
		m["userId"] = str(a.UserID)
		m["orgId"] = str(a.OrgID)
	case TokenTypeM2M:
		m["claims"] = raw(a.Claims)
		m["machineId"] = str(a.MachineID)
	case TokenTypeOAuth:
		m["userId"] = str(a.UserID)
		m["clientId"] = str(a.ClientID)
	}
	return json.Marshal(m)
}

func requestStateJSONRef(s RequestState) ([]byte, error) {
	type out struct {
		Status    AuthStatus          `json:"status"`
		Reason    *string             `json:"reason"`
		Message   *string             `json:"message"`
		TokenType *TokenType          `json:"tokenType"`
		Headers   map[string][]string `json:"headers"`
		Auth      json.RawMessage     `json:"auth"`
	}
	o := out{Status: s.Status, Headers: map[string][]string(s.Headers)}
	if a := s.ToAuth(); a != nil {
		o.Auth, _ = authObjectJSONRef(a)
	}
	if o.Headers == nil {
		o.Headers = map[string][]string{}
	}
	if s.Status != StatusSignedIn {
		r, m := s.Reason, s.Message
		o.Reason, o.Message = &r, &m
	}
	if s.TokenType != "" {
		t := s.TokenType
		o.TokenType = &t
	}
	return json.Marshal(o)
}
