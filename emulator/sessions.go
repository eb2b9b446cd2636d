package emulator

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"strings"

	"github.com/clerkscript/clerkscript/core"
	"github.com/golang-jwt/jwt/v5"
)

func init() {
	register(map[string]handlerFunc{
		"sessions.create":                  (*Emulator).createSession,
		"sessions.get":                     (*Emulator).getSession,
		"sessions.list":                    (*Emulator).listSessions,
		"sessions.revoke":                  (*Emulator).revokeSession,
		"sessions.createToken":             (*Emulator).createSessionToken,
		"sessions.createTokenFromTemplate": (*Emulator).createTemplateToken,
		"jwks.getJWKS":                     func(e *Emulator, _ *request) (any, *apiError) { return e.jwks(), nil },
		"jwtTemplates.create":              (*Emulator).createJWTTemplate,
		"jwtTemplates.get":                 (*Emulator).getJWTTemplate,
		"jwtTemplates.list":                (*Emulator).listJWTTemplates,
		"jwtTemplates.update":              (*Emulator).updateJWTTemplate,
		"jwtTemplates.delete":              (*Emulator).deleteJWTTemplate,
	})
}

// ---- keys ----

// KeyID is the kid of the instance's signing key.
func (e *Emulator) KeyID() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.st.Instance.ID
}

// JWKS returns the instance's JSON Web Key Set, as GET /v1/jwks serves it.
func (e *Emulator) JWKS() map[string]any {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.jwks()
}

// jwks is JWKS with the lock held (Load swaps the key and the instance).
func (e *Emulator) jwks() map[string]any {
	pub := &e.key.PublicKey
	return map[string]any{"keys": []map[string]any{{
		"use": "sig", "kty": "RSA", "kid": e.st.Instance.ID, "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}

// PublicKeyPEM returns the instance's public key in PEM (PKIX), the value
// Clerk's dashboard shows as CLERK_JWT_KEY.
func (e *Emulator) PublicKeyPEM() string {
	der, err := x509.MarshalPKIXPublicKey(&e.SigningKey().PublicKey)
	if err != nil {
		panic("emulator: marshalling an RSA public key: " + err.Error()) // cannot happen for RSA
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// PublishableKey returns the instance's publishable key: "pk_test_" and the
// base64 of "<frontend API>$", as Clerk encodes it.
func (e *Emulator) PublishableKey() string {
	return core.BuildPublishableKey(e.FrontendAPI(), false)
}

// SigningKey returns the instance's private key, for tests that mint tokens
// the emulator's API would not (expired, wrong claims).
func (e *Emulator) SigningKey() *rsa.PrivateKey {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.key
}

// ---- sessions ----

type sessionJSON struct {
	Object                   string         `json:"object"`
	ID                       string         `json:"id"`
	UserID                   string         `json:"user_id"`
	ClientID                 string         `json:"client_id"`
	Actor                    map[string]any `json:"actor"`
	Status                   string         `json:"status"`
	LastActiveOrganizationID *string        `json:"last_active_organization_id"`
	LastActiveAt             int64          `json:"last_active_at"`
	ExpireAt                 int64          `json:"expire_at"`
	AbandonAt                int64          `json:"abandon_at"`
	UpdatedAt                int64          `json:"updated_at"`
	CreatedAt                int64          `json:"created_at"`
}

// sessionStatus derives expiry from expire_at, as Clerk reports it.
func sessionStatus(s *sessionRec, now int64) string {
	if s.Status == "active" && now >= s.ExpireAt {
		return "expired"
	}
	return s.Status
}

func (e *Emulator) sessionOut(s *sessionRec) sessionJSON {
	return sessionJSON{Object: "session", ID: s.ID, UserID: s.UserID, ClientID: s.ClientID, Actor: s.Actor,
		Status: sessionStatus(s, e.nowMs()), LastActiveOrganizationID: s.ActiveOrgID, LastActiveAt: s.LastActiveAt,
		ExpireAt: s.ExpireAt, AbandonAt: s.AbandonAt, UpdatedAt: s.UpdatedAt, CreatedAt: s.CreatedAt}
}

func (e *Emulator) createSession(rq *request) (any, *apiError) {
	s := e.st
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("user_id", "active_organization_id")))
	uid := f.reqStr("user_id")
	org := f.str("active_organization_id")
	if f.err != nil {
		return nil, f.err
	}
	u := s.Users.get(uid)
	if u == nil {
		return nil, errNotFound("user " + uid)
	}
	if u.Banned {
		return nil, newErr(403, "user_banned", "user is banned", "The user is banned and cannot sign in.", nil)
	}
	if u.Locked {
		return nil, newErr(403, "user_locked", "user is locked", "The user is locked and cannot sign in until unlocked.", nil)
	}
	if org != nil && e.membershipOf(*org, uid) == nil {
		return nil, errValue("active_organization_id", fmt.Sprintf("User %s is not a member of organization %s.", uid, *org))
	}
	now := rq.now.UnixMilli()
	ss := &sessionRec{ID: s.Sessions.newID(), Seq: s.IDs.seq(), UserID: uid, ClientID: s.IDs.next("client"),
		Status: "active", ActiveOrgID: org, LastActiveAt: now, ExpireAt: now + 7*86_400_000,
		AbandonAt: now + 30*86_400_000, CreatedAt: now, UpdatedAt: now}
	s.Sessions.insert(ss)
	u.LastSignInAt, u.LastActiveAt = &now, &now
	return e.sessionOut(ss), nil
}

func (e *Emulator) sessionParam(rq *request) (*sessionRec, *apiError) {
	id := rq.param("session_id")
	ss := e.st.Sessions.get(id)
	if ss == nil {
		return nil, errNotFound("session " + id)
	}
	return ss, nil
}

func (e *Emulator) getSession(rq *request) (any, *apiError) {
	ss, err := e.sessionParam(rq)
	if err != nil {
		return nil, err
	}
	return e.sessionOut(ss), nil
}

var sessionStatuses = []string{"active", "revoked", "ended", "expired", "removed", "abandoned", "replaced", "pending"}

func (e *Emulator) listSessions(rq *request) (any, *apiError) {
	client, user, status := rq.q("client_id"), rq.q("user_id"), rq.q("status")
	if client == "" && user == "" {
		return nil, errQuery("user_id", "Either user_id or client_id must be given.")
	}
	if status != "" && !strings.Contains(","+strings.Join(sessionStatuses, ",")+",", ","+status+",") {
		return nil, errQuery("status", "status must be one of "+strings.Join(sessionStatuses, ", ")+".")
	}
	now := rq.now.UnixMilli()
	var items []sessionJSON
	all := values(e.st.Sessions)
	for i := len(all) - 1; i >= 0; i-- { // newest first
		ss := all[i]
		if (client == "" || ss.ClientID == client) && (user == "" || ss.UserID == user) &&
			(status == "" || sessionStatus(ss, now) == status) {
			items = append(items, e.sessionOut(ss))
		}
	}
	return listAll(rq, items)
}

func (e *Emulator) revokeSession(rq *request) (any, *apiError) {
	ss, err := e.sessionParam(rq)
	if err != nil {
		return nil, err
	}
	if st := sessionStatus(ss, rq.now.UnixMilli()); st != "active" && st != "pending" {
		return nil, errBadRequest("session_not_active", fmt.Sprintf("The session is %s and cannot be revoked.", st))
	}
	e.st.Sessions.update(ss, func() { ss.Status, ss.UpdatedAt = "revoked", rq.now.UnixMilli() })
	return e.sessionOut(ss), nil
}

func (e *Emulator) activeSession(rq *request) (*sessionRec, *apiError) {
	ss, err := e.sessionParam(rq)
	if err != nil {
		return nil, err
	}
	if st := sessionStatus(ss, rq.now.UnixMilli()); st != "active" {
		return nil, newErr(404, "resource_not_found", "not found", fmt.Sprintf("The session is %s; tokens are only issued for active sessions.", st), nil)
	}
	return ss, nil
}

func (e *Emulator) sign(claims jwt.MapClaims, method jwt.SigningMethod, key any) (string, *apiError) {
	tok := jwt.NewWithClaims(method, claims)
	tok.Header["typ"] = "JWT"
	if method == jwt.SigningMethodRS256 {
		tok.Header["kid"] = e.st.Instance.ID
		tok.Header["cat"] = "cl_B7d4PD111AAA"
	}
	s, err := tok.SignedString(key)
	if err != nil {
		return "", newErr(500, "internal_clerk_error", "signing failed", "The emulator could not sign the token: "+err.Error(), nil)
	}
	return s, nil
}

func (e *Emulator) createSessionToken(rq *request) (any, *apiError) {
	ss, err := e.activeSession(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("expires_in_seconds")))
	life := int64(e.tokenLifetime.Seconds())
	if p := f.intp("expires_in_seconds"); p != nil {
		if *p < 30 || *p > 315_360_000 {
			f.fail(errValue("expires_in_seconds", "expires_in_seconds must be at least 30."))
		}
		life = *p
	}
	if f.err != nil {
		return nil, f.err
	}
	iat := rq.now.Unix()
	claims := jwt.MapClaims{
		"iss": "https://" + e.frontendAPI(), "sub": ss.UserID, "sid": ss.ID,
		"iat": iat, "nbf": iat - 10, "exp": iat + life,
		"jti": e.st.IDs.token(20), "sts": "active", "v": 2,
		"fva": []int64{(rq.now.UnixMilli() - ss.CreatedAt) / 60_000, -1},
	}
	if len(e.st.Instance.AllowedOrigins) > 0 {
		claims["azp"] = e.st.Instance.AllowedOrigins[0]
	}
	if ss.Actor != nil {
		claims["act"] = ss.Actor
	}
	if ss.ActiveOrgID != nil {
		if m := e.membershipOf(*ss.ActiveOrgID, ss.UserID); m != nil {
			o := e.st.Orgs.get(m.OrgID)
			claims["o"] = map[string]any{"id": o.ID, "slg": o.Slug, "rol": strings.TrimPrefix(m.Role, "org:")}
		}
	}
	jwtStr, aerr := e.sign(claims, jwt.SigningMethodRS256, e.key)
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"object": "token", "jwt": jwtStr}, nil
}

// ---- JWT templates ----

type jwtTemplateJSON struct {
	Object           string         `json:"object"`
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Claims           map[string]any `json:"claims"`
	Lifetime         int64          `json:"lifetime"`
	AllowedClockSkew int64          `json:"allowed_clock_skew"`
	CustomSigningKey bool           `json:"custom_signing_key"`
	SigningAlgorithm string         `json:"signing_algorithm"`
	CreatedAt        int64          `json:"created_at"`
	UpdatedAt        int64          `json:"updated_at"`
}

func jwtTemplateOut(t *jwtTemplateRec) jwtTemplateJSON {
	return jwtTemplateJSON{Object: "jwt_template", ID: t.ID, Name: t.Name, Claims: emptyIfNil(t.Claims),
		Lifetime: t.Lifetime, AllowedClockSkew: t.AllowedClockSkew, CustomSigningKey: t.CustomSigningKey,
		SigningAlgorithm: t.SigningAlgorithm, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}

var reservedClaims = []string{"azp", "exp", "iat", "iss", "jti", "nbf", "sid", "sub"}

var jwtTemplateKeys = keySet("name", "claims", "lifetime", "allowed_clock_skew", "custom_signing_key", "signing_algorithm", "signing_key")

// readJWTTemplate validates a create or update body into t.
func (e *Emulator) readJWTTemplate(rq *request, t *jwtTemplateRec) *apiError {
	f := rq.body
	f.only(e.bodyKeys(rq, jwtTemplateKeys))
	t.Name = f.reqStr("name")
	claims, present := f.obj("claims")
	if f.err == nil && (!present || claims == nil) {
		f.fail(errMissing("claims"))
	}
	t.Claims = claims
	if p := f.intp("lifetime"); p != nil {
		if *p < 30 || *p > 315_360_000 {
			f.fail(errValue("lifetime", "lifetime must be between 30 and 315360000 seconds."))
		}
		t.Lifetime = *p
	}
	if p := f.intp("allowed_clock_skew"); p != nil {
		if *p < 0 || *p > 300 {
			f.fail(errValue("allowed_clock_skew", "allowed_clock_skew must be between 0 and 300 seconds."))
		}
		t.AllowedClockSkew = *p
	}
	t.CustomSigningKey = f.boolOr("custom_signing_key", false)
	t.SigningAlgorithm = f.strOr("signing_algorithm", "RS256")
	key := f.strOr("signing_key", "")
	if f.err != nil {
		return f.err
	}
	for _, k := range reservedClaims {
		if _, ok := t.Claims[k]; ok {
			return errValue("claims", fmt.Sprintf("The claim %q is reserved and set by Clerk.", k))
		}
	}
	if t.CustomSigningKey {
		// The emulator can sign with a custom key only for HMAC, which needs
		// no key parsing; other algorithms would need the key's format.
		if !strings.HasPrefix(t.SigningAlgorithm, "HS") || jwt.GetSigningMethod(t.SigningAlgorithm) == nil {
			return errValue("signing_algorithm", "The emulator supports custom signing keys with HS256, HS384 and HS512 only.")
		}
		if key == "" {
			return formErr("form_conditional_param_missing", "signing_key", "is missing", "signing_key must be included when custom_signing_key is true.")
		}
		t.SigningKey = key
	} else if t.SigningAlgorithm != "RS256" {
		return errValue("signing_algorithm", "Without a custom signing key, templates are signed with the instance key (RS256).")
	}
	for _, o := range e.st.JWTTemplates.all() {
		if o.ID != t.ID && o.Name == t.Name {
			return errIdentifierExists("name", fmt.Sprintf("A JWT template named %s already exists.", t.Name))
		}
	}
	return nil
}

func (e *Emulator) createJWTTemplate(rq *request) (any, *apiError) {
	now := rq.now.UnixMilli()
	t := &jwtTemplateRec{Lifetime: 60, AllowedClockSkew: 5, CreatedAt: now, UpdatedAt: now}
	if err := e.readJWTTemplate(rq, t); err != nil {
		return nil, err
	}
	t.ID = e.st.JWTTemplates.newID()
	t.Seq = e.st.IDs.seq()
	e.st.JWTTemplates.insert(t)
	return jwtTemplateOut(t), nil
}

func (e *Emulator) jwtTemplateParam(rq *request) (*jwtTemplateRec, *apiError) {
	id := rq.param("template_id")
	t := e.st.JWTTemplates.get(id)
	if t == nil {
		return nil, errNotFound("JWT template " + id)
	}
	return t, nil
}

func (e *Emulator) getJWTTemplate(rq *request) (any, *apiError) {
	t, err := e.jwtTemplateParam(rq)
	if err != nil {
		return nil, err
	}
	return jwtTemplateOut(t), nil
}

func (e *Emulator) listJWTTemplates(rq *request) (any, *apiError) {
	items := values(e.st.JWTTemplates)
	out := make([]jwtTemplateJSON, len(items))
	for i, t := range items {
		out[i] = jwtTemplateOut(t)
	}
	return listAll(rq, out)
}

func (e *Emulator) updateJWTTemplate(rq *request) (any, *apiError) {
	t0, err := e.jwtTemplateParam(rq)
	if err != nil {
		return nil, err
	}
	t := *t0
	t.Lifetime, t.AllowedClockSkew, t.SigningKey = 60, 5, ""
	if err := e.readJWTTemplate(rq, &t); err != nil {
		return nil, err
	}
	t.UpdatedAt = rq.now.UnixMilli()
	*t0 = t
	return jwtTemplateOut(t0), nil
}

func (e *Emulator) deleteJWTTemplate(rq *request) (any, *apiError) {
	t, err := e.jwtTemplateParam(rq)
	if err != nil {
		return nil, err
	}
	e.st.JWTTemplates.remove(e.st.JWTTemplates.get(t.ID))
	return deletedJSON{ID: t.ID, Object: "jwt_template", Deleted: true}, nil
}

var shortcodeRe = lazyRegexp(`\{\{\s*([a-z_]+(?:\.[A-Za-z0-9_]+)*)\s*\}\}`)

// templateValues resolves the shortcodes Clerk documents for JWT templates
// ({{user.id}}, {{user.public_metadata.plan}}, {{org.slug}}, ...).
func (e *Emulator) templateValues(ss *sessionRec) map[string]any {
	u := e.st.Users.get(ss.UserID)
	uj, _ := json.Marshal(e.userOut(u))
	var um map[string]any
	_ = json.Unmarshal(uj, &um)
	user := map[string]any{"id": u.ID, "external_id": u.ExternalID, "first_name": u.FirstName, "last_name": u.LastName,
		"username": u.Username, "image_url": um["image_url"], "has_image": u.HasImage,
		"public_metadata": um["public_metadata"], "unsafe_metadata": um["unsafe_metadata"],
		"created_at": u.CreatedAt / 1000, "updated_at": u.UpdatedAt / 1000, "two_factor_enabled": um["two_factor_enabled"],
		"primary_email_address": nil, "primary_phone_number": nil, "email_verified": false, "phone_number_verified": false}
	if u.FirstName != nil || u.LastName != nil {
		user["full_name"] = strings.TrimSpace(deref(u.FirstName) + " " + deref(u.LastName))
	}
	if u.PrimaryEmailID != nil {
		if r := e.st.Idents.get(*u.PrimaryEmailID); r != nil {
			user["primary_email_address"], user["email_verified"] = r.Value, r.Verified
		}
	}
	if u.PrimaryPhoneID != nil {
		if r := e.st.Idents.get(*u.PrimaryPhoneID); r != nil {
			user["primary_phone_number"], user["phone_number_verified"] = r.Value, r.Verified
		}
	}
	vals := map[string]any{"user": user, "session": map[string]any{"id": ss.ID, "actor": ss.Actor}}
	if ss.ActiveOrgID != nil {
		if m := e.membershipOf(*ss.ActiveOrgID, ss.UserID); m != nil {
			o := e.st.Orgs.get(m.OrgID)
			vals["org"] = map[string]any{"id": o.ID, "name": o.Name, "slug": o.Slug, "role": m.Role,
				"public_metadata": emptyIfNil(o.PublicMetadata), "image_url": e.orgOut(o, false).ImageURL}
			vals["org_membership"] = map[string]any{"public_metadata": emptyIfNil(m.PublicMetadata)}
		}
	}
	return vals
}

func lookupPath(vals map[string]any, path string) any {
	var cur any = vals
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

// renderClaims replaces shortcodes: a string that is exactly one shortcode
// takes the value (with its JSON type); shortcodes inside longer strings are
// interpolated as text; missing values are null.
func renderClaims(v any, vals map[string]any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, vv := range x {
			out[k] = renderClaims(vv, vals)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, vv := range x {
			out[i] = renderClaims(vv, vals)
		}
		return out
	case string:
		if m := shortcodeRe().FindStringSubmatch(x); m != nil && m[0] == strings.TrimSpace(x) {
			return lookupPath(vals, m[1])
		}
		return shortcodeRe().ReplaceAllStringFunc(x, func(s string) string {
			m := shortcodeRe().FindStringSubmatch(s)
			switch v := lookupPath(vals, m[1]).(type) {
			case nil:
				return ""
			case string:
				return v
			case *string:
				return deref(v)
			default:
				b, _ := json.Marshal(v)
				return string(b)
			}
		})
	}
	return v
}

func (e *Emulator) createTemplateToken(rq *request) (any, *apiError) {
	ss, err := e.activeSession(rq)
	if err != nil {
		return nil, err
	}
	name := rq.param("template_name")
	var t *jwtTemplateRec
	for _, c := range e.st.JWTTemplates.all() {
		if c.Name == name {
			t = c
		}
	}
	if t == nil {
		return nil, errNotFound("JWT template " + name)
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("expires_in_seconds")))
	life := t.Lifetime
	if p := f.intp("expires_in_seconds"); p != nil {
		life = *p
	}
	if f.err != nil {
		return nil, f.err
	}
	claims := jwt.MapClaims{}
	if rendered, ok := renderClaims(t.Claims, e.templateValues(ss)).(map[string]any); ok {
		for k, v := range rendered {
			claims[k] = v
		}
	}
	iat := rq.now.Unix()
	claims["iss"], claims["sub"], claims["sid"] = "https://"+e.frontendAPI(), ss.UserID, ss.ID
	claims["iat"], claims["nbf"], claims["exp"] = iat, iat-t.AllowedClockSkew, iat+life
	claims["jti"] = e.st.IDs.token(20)
	var (
		jwtStr string
		aerr   *apiError
	)
	if t.CustomSigningKey {
		jwtStr, aerr = e.sign(claims, jwt.GetSigningMethod(t.SigningAlgorithm), []byte(t.SigningKey))
	} else {
		jwtStr, aerr = e.sign(claims, jwt.SigningMethodRS256, e.key)
	}
	if aerr != nil {
		return nil, aerr
	}
	return map[string]any{"object": "token", "jwt": jwtStr}, nil
}
