package core

import (
	"encoding/json"
	"strings"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// TokenType names the kind of credential a request carried, with
// @clerk/backend's strings.
type TokenType string

const (
	TokenTypeSession TokenType = "session_token"
	TokenTypeAPIKey  TokenType = "api_key"
	TokenTypeM2M     TokenType = "m2m_token"
	TokenTypeOAuth   TokenType = "oauth_token"
	// TokenTypeAny, in AuthenticateOptions.AcceptsToken, accepts every type.
	TokenTypeAny TokenType = "any"
)

func (t TokenType) valid() bool {
	switch t {
	case TokenTypeSession, TokenTypeAPIKey, TokenTypeM2M, TokenTypeOAuth, TokenTypeAny:
		return true
	}
	return false
}

func (t TokenType) isMachine() bool {
	return t == TokenTypeAPIKey || t == TokenTypeM2M || t == TokenTypeOAuth
}

// AuthObject is what RequestState.ToAuth returns: who the request is
// authenticated as. For session tokens the session fields are set; for
// machine tokens (API keys, M2M tokens, OAuth access tokens) the machine
// fields. An unauthenticated object has IsAuthenticated false and every
// identity field empty. It marshals to the JSON shape of @clerk/backend's
// auth objects (camelCase, null for empty fields).
type AuthObject struct {
	TokenType       TokenType
	IsAuthenticated bool

	// Session tokens.
	UserID                string
	SessionID             string
	SessionStatus         string // "active", "pending" or ""
	OrgID                 string
	OrgRole               string // prefixed: "org:admin"
	OrgSlug               string
	OrgPermissions        []string
	FactorVerificationAge *[2]int         // minutes since first/second factor verification, -1 never
	Actor                 json.RawMessage // act claim of an impersonation session
	SessionClaims         *Claims

	// Machine tokens. UserID and OrgID above are also set for API keys
	// whose subject is a user or an organization, and UserID for OAuth
	// tokens.
	ID        string          // ak_..., mt_..., oat_... (or jti of a machine JWT)
	Subject   string          // user_..., org_..., mch_...
	Scopes    []string        // granted scopes
	Name      string          // API key name
	Claims    json.RawMessage // custom claims of an API key or M2M token
	MachineID string          // M2M: the machine the token belongs to
	ClientID  string          // OAuth: the OAuth application's client id
}

// ReverificationPolicy says how recently a factor must have been verified:
// Level is "first_factor", "second_factor" or "multi_factor".
type ReverificationPolicy struct {
	Level        string
	AfterMinutes int
}

// The presets of Clerk's reverification helpers.
var (
	ReverificationStrictMFA = ReverificationPolicy{Level: "multi_factor", AfterMinutes: 10}
	ReverificationStrict    = ReverificationPolicy{Level: "second_factor", AfterMinutes: 10}
	ReverificationModerate  = ReverificationPolicy{Level: "second_factor", AfterMinutes: 60}
	ReverificationLax       = ReverificationPolicy{Level: "second_factor", AfterMinutes: 1440}
)

// HasParams is the question asked of AuthObject.Has. Every field that is set
// must hold (they are ANDed); at least one must be set.
type HasParams struct {
	Role           string // "org:admin" or "admin"
	Permission     string // "org:invoices:read" or "invoices:read"
	Feature        string // "dashboard", "org:dashboard" or "user:dashboard"
	Plan           string // "pro", "org:pro" or "user:pro"
	Reverification *ReverificationPolicy
}

// Has reports whether the session is authorized for p, with the current
// @clerk/backend semantics: every asked dimension (role/permission,
// feature/plan, reverification) must pass, missing data fails closed, and
// nothing is granted to signed-out or machine auth objects.
func (a *AuthObject) Has(p HasParams) bool {
	if a == nil || !a.IsAuthenticated || a.TokenType != TokenTypeSession || a.UserID == "" {
		return false
	}
	results := []checkResult{a.checkOrg(p), a.checkBilling(p), a.checkReverification(p)}
	passed := false
	for _, r := range results {
		switch r {
		case checkFail:
			return false
		case checkPass:
			passed = true
		}
	}
	return passed
}

type checkResult int

const (
	checkSkip checkResult = iota
	checkPass
	checkFail
)

func prefixWithOrg(s string) string {
	for strings.HasPrefix(s, "org:") {
		s = s[4:]
	}
	return "org:" + s
}

func (a *AuthObject) checkOrg(p HasParams) checkResult {
	if p.Role == "" && p.Permission == "" {
		return checkSkip
	}
	if a.OrgID == "" {
		return checkFail
	}
	if p.Role != "" && (a.OrgRole == "" || prefixWithOrg(a.OrgRole) != prefixWithOrg(p.Role)) {
		return checkFail
	}
	if p.Permission != "" {
		want := prefixWithOrg(p.Permission)
		found := false
		for _, have := range a.OrgPermissions {
			if have == want {
				found = true
				break
			}
		}
		if !found {
			return checkFail
		}
	}
	return checkPass
}

func (a *AuthObject) checkBilling(p HasParams) checkResult {
	if p.Feature == "" && p.Plan == "" {
		return checkSkip
	}
	var features, plans []string
	if a.SessionClaims != nil {
		features, plans = a.SessionClaims.Features, a.SessionClaims.Plans
	}
	if p.Feature != "" && !hasScoped(features, p.Feature) {
		return checkFail
	}
	if p.Plan != "" && !hasScoped(plans, p.Plan) {
		return checkFail
	}
	return checkPass
}

// hasScoped looks up "name", "org:name" or "user:name" in a fea/pla list of
// "scope:name" entries (scope o, u, ou or uo). An unknown scope in the
// question fails closed.
func hasScoped(list []string, asked string) bool {
	scope, id, explicit := strings.Cut(asked, ":")
	if !explicit {
		id = scope
	}
	wantOrg, wantUser := true, true
	if explicit {
		switch scope {
		case "org", "o":
			wantUser = false
		case "user", "u":
			wantOrg = false
		default:
			return false
		}
	}
	for _, e := range list {
		s, name, ok := strings.Cut(e, ":")
		if !ok || name != id {
			continue
		}
		isOrg := s == "o" || s == "ou" || s == "uo"
		isUser := s == "u" || s == "ou" || s == "uo"
		if (wantOrg && isOrg) || (wantUser && isUser) {
			return true
		}
	}
	return false
}

func (a *AuthObject) checkReverification(p HasParams) checkResult {
	if p.Reverification == nil {
		return checkSkip
	}
	fva := a.FactorVerificationAge
	pol := *p.Reverification
	if fva == nil || pol.AfterMinutes <= 0 {
		return checkFail
	}
	f1, f2 := fva[0], fva[1]
	if f1 < -1 || f2 < -1 || (f1 == -1 && f2 == -1) {
		return checkFail
	}
	fresh1 := f1 != -1 && pol.AfterMinutes > f1
	fresh2 := f2 != -1 && pol.AfterMinutes > f2
	ok := false
	switch pol.Level {
	case "first_factor":
		ok = fresh1
	case "second_factor":
		switch {
		case f2 == -1:
			ok = fresh1
		default:
			ok = fresh2
		}
	case "multi_factor":
		switch {
		case f2 == -1:
			ok = fresh1
		case f1 == -1:
			ok = false
		default:
			ok = fresh1 && fresh2
		}
	default:
		return checkFail
	}
	if ok {
		return checkPass
	}
	return checkFail
}

// sessionAuthObject builds the auth object of verified session claims. A
// pending session (sts "pending") is signed out unless acceptPending.
func sessionAuthObject(c *Claims, acceptPending bool) *AuthObject {
	if c.SessionStatus == "pending" && !acceptPending {
		return &AuthObject{TokenType: TokenTypeSession, SessionStatus: "pending"}
	}
	return &AuthObject{
		TokenType:             TokenTypeSession,
		IsAuthenticated:       true,
		UserID:                c.Subject,
		SessionID:             c.SessionID,
		SessionStatus:         c.SessionStatus,
		OrgID:                 c.OrgID,
		OrgRole:               c.OrgRole,
		OrgSlug:               c.OrgSlug,
		OrgPermissions:        c.OrgPermissions,
		FactorVerificationAge: c.FactorVerificationAge,
		Actor:                 c.Actor,
		SessionClaims:         c,
	}
}

// MarshalJSON renders the object as @clerk/backend does (functions left
// out): session objects carry the session fields, machine objects those of
// their token type; empty values are null.
func (a *AuthObject) MarshalJSON() ([]byte, error) {
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
		tt = string(a.TokenType)
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
			fva = []any{a.FactorVerificationAge[0], a.FactorVerificationAge[1]}
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
		return minijson.Marshal(m)
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
	return minijson.Marshal(m)
}

// AppendJSON appends MarshalJSON's encoding (minijson.Appender).
func (a *AuthObject) AppendJSON(dst []byte) ([]byte, error) {
	if a == nil {
		return append(dst, "null"...), nil
	}
	b, err := a.MarshalJSON()
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}
