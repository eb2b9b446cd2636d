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
	b, err := a.AppendJSON(nil)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendJSON appends MarshalJSON's encoding (minijson.Appender). The members
// are written in sorted order, as encoding/json writes a map.
func (a *AuthObject) AppendJSON(dst []byte) ([]byte, error) {
	if a == nil {
		return append(dst, "null"...), nil
	}
	w := minijson.Writer{B: dst}
	raw := func(lit string, r json.RawMessage) {
		if len(r) == 0 {
			w.StrOrNull(lit, "")
		} else {
			w.Raw(lit, r)
		}
	}
	if !a.TokenType.isMachine() {
		raw(`{"actor":`, a.Actor)
		if fva := a.FactorVerificationAge; fva != nil {
			w.Int(`,"factorVerificationAge":[`, int64(fva[0]))
			w.Int(",", int64(fva[1]))
			w.Lit("]")
		} else {
			w.Lit(`,"factorVerificationAge":null`)
		}
		w.Bool(`,"isAuthenticated":`, a.IsAuthenticated)
		w.StrOrNull(`,"orgId":`, a.OrgID)
		w.Strs(`,"orgPermissions":`, a.OrgPermissions)
		w.StrOrNull(`,"orgRole":`, a.OrgRole)
		w.StrOrNull(`,"orgSlug":`, a.OrgSlug)
		var claims json.RawMessage
		if a.SessionClaims != nil && a.IsAuthenticated {
			claims = a.SessionClaims.Raw
		}
		raw(`,"sessionClaims":`, claims)
		w.StrOrNull(`,"sessionId":`, a.SessionID)
		w.StrOrNull(`,"sessionStatus":`, a.SessionStatus)
		w.StrOrNull(`,"tokenType":`, string(a.TokenType))
		w.StrOrNull(`,"userId":`, a.UserID)
	} else {
		w.Lit("{")
		if a.TokenType == TokenTypeAPIKey || a.TokenType == TokenTypeM2M {
			raw(`"claims":`, a.Claims)
			w.Lit(",")
		}
		if a.TokenType == TokenTypeOAuth {
			w.StrOrNull(`"clientId":`, a.ClientID)
			w.Lit(",")
		}
		w.StrOrNull(`"id":`, a.ID)
		w.Bool(`,"isAuthenticated":`, a.IsAuthenticated)
		if a.TokenType == TokenTypeM2M {
			w.StrOrNull(`,"machineId":`, a.MachineID)
		}
		if a.TokenType == TokenTypeAPIKey {
			w.StrOrNull(`,"name":`, a.Name)
			w.StrOrNull(`,"orgId":`, a.OrgID)
		}
		switch {
		case !a.IsAuthenticated:
			w.Lit(`,"scopes":null`)
		case a.Scopes == nil:
			w.Lit(`,"scopes":[]`)
		default:
			w.Strs(`,"scopes":`, a.Scopes)
		}
		w.StrOrNull(`,"subject":`, a.Subject)
		w.StrOrNull(`,"tokenType":`, string(a.TokenType))
		if a.TokenType == TokenTypeAPIKey || a.TokenType == TokenTypeOAuth {
			w.StrOrNull(`,"userId":`, a.UserID)
		}
	}
	if w.Err != nil {
		return dst, w.Err
	}
	w.Lit("}")
	return w.B, nil
}
