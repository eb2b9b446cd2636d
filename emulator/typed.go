package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/golang-jwt/jwt/v5"
)

// Operations on the emulator's typed records (users, organizations, sessions,
// identifications) that the generic emulation cannot serve.

func init() {
	register(map[string]handlerFunc{
		"users.replaceMetadata":               (*Emulator).replaceUserMetadata,
		"organizations.replaceMetadata":       (*Emulator).replaceOrgMetadata,
		"users.bulkBan":                       bulkBan(true),
		"users.bulkUnban":                     bulkBan(false),
		"users.removePassword":                (*Emulator).removePassword,
		"users.setPasswordCompromised":        passwordCompromised(true),
		"users.unsetPasswordCompromised":      passwordCompromised(false),
		"users.replaceEmailAddress":           replaceIdent("email_address"),
		"users.replacePhoneNumber":            replaceIdent("phone_number"),
		"users.getOAuthAccessToken":           (*Emulator).oauthAccessTokens,
		"organizationDomains.verifyOwnership": (*Emulator).verifyDomainOwnership,
		"sessions.refresh":                    (*Emulator).refreshSession,
		"sessions.verify":                     deprecated("POST /sessions/{session_id}/verify"),
		"clients.list":                        deprecated("GET /clients"),
		"clients.get":                         (*Emulator).getClient,
		"clients.verify":                      (*Emulator).verifyClient,
		"emailAddresses.prepareVerification":  prepareVerification("email_address"),
		"phoneNumbers.prepareVerification":    prepareVerification("phone_number"),
		"emailAddresses.attemptVerification":  attemptVerification("email_address"),
		"phoneNumbers.attemptVerification":    attemptVerification("phone_number"),
	})
}

// replaceUserMetadata replaces (not merges) each metadata object given.
func (e *Emulator) replaceUserMetadata(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, metadataKeys))
	pub, hasPub := f.obj("public_metadata")
	priv, hasPriv := f.obj("private_metadata")
	unsafe, hasUnsafe := f.obj("unsafe_metadata")
	if f.err != nil {
		return nil, f.err
	}
	e.st.Users.update(u, func() {
		if hasPub {
			u.PublicMetadata = metaOf(pub)
		}
		if hasPriv {
			u.PrivateMetadata = metaOf(priv)
		}
		if hasUnsafe {
			u.UnsafeMetadata = metaOf(unsafe)
		}
		u.UpdatedAt = rq.now.UnixMilli()
	})
	return e.userOut(u), nil
}

func (e *Emulator) replaceOrgMetadata(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("public_metadata", "private_metadata")))
	pub, hasPub := f.obj("public_metadata")
	priv, hasPriv := f.obj("private_metadata")
	if f.err != nil {
		return nil, f.err
	}
	e.st.Orgs.update(o, func() {
		if hasPub {
			o.PublicMetadata = pub
		}
		if hasPriv {
			o.PrivateMetadata = priv
		}
		o.UpdatedAt = rq.now.UnixMilli()
	})
	return e.orgOut(o, false), nil
}

// bulkBan bans or unbans up to 100 users; every id must exist, or nothing
// changes.
func bulkBan(ban bool) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		f := rq.body
		f.only(e.bodyKeys(rq, keySet("user_ids")))
		ids, ok := f.strs("user_ids")
		if f.err != nil {
			return nil, f.err
		}
		if !ok || len(ids) == 0 {
			return nil, errMissing("user_ids")
		}
		if len(ids) > 100 {
			return nil, errBadRequest("bulk_size_exceeded", "Parameters exceed the maximum allowed bulk processing size of 100")
		}
		var users []*userRec
		for _, id := range ids {
			u := e.st.Users.get(id)
			if u == nil {
				return nil, errNotFound("user " + id)
			}
			if !slices.Contains(users, u) {
				users = append(users, u)
			}
		}
		now := rq.now.UnixMilli()
		out := make([]userJSON, len(users))
		for i, u := range users {
			e.st.Users.update(u, func() { u.Banned, u.UpdatedAt = ban, now })
			if ban {
				e.endSessions(u.ID, "revoked", now)
			}
			out[i] = e.userOut(u)
		}
		return out, nil
	}
}

func (e *Emulator) removePassword(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("sign_out_of_other_sessions")))
	signOut := f.boolOr("sign_out_of_other_sessions", false)
	if f.err != nil {
		return nil, f.err
	}
	if u.PasswordDigest == "" {
		return nil, errBadRequest("password_not_set", "This user has no password.")
	}
	now := rq.now.UnixMilli()
	e.st.Users.update(u, func() {
		u.PasswordDigest, u.PasswordHasher, u.PasswordUpdatedAt, u.PasswordCompromised = "", "", nil, false
		u.UpdatedAt = now
	})
	if signOut {
		e.endSessions(u.ID, "revoked", now)
	}
	return e.userOut(u), nil
}

func passwordCompromised(set bool) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		u, err := e.userParam(rq)
		if err != nil {
			return nil, err
		}
		f := rq.body
		f.only(e.bodyKeys(rq, keySet("revoke_all_sessions")))
		revoke := f.boolOr("revoke_all_sessions", false)
		if f.err != nil {
			return nil, f.err
		}
		if u.PasswordDigest == "" {
			return nil, errBadRequest("password_not_set", "This user has no password.")
		}
		now := rq.now.UnixMilli()
		e.st.Users.update(u, func() { u.PasswordCompromised, u.UpdatedAt = set, now })
		if set && revoke {
			e.endSessions(u.ID, "revoked", now)
		}
		return e.userOut(u), nil
	}
}

// replaceIdent replaces a user's email addresses (or phone numbers) with one
// new primary identification.
func replaceIdent(kind string) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		u, err := e.userParam(rq)
		if err != nil {
			return nil, err
		}
		f := rq.body
		value := f.reqStr(kind)
		status := f.strOr("identification_status", "verified")
		f.boolp("notify_primary_email_address_changed")
		f.boolp("reserved_for_second_factor")
		f.boolp("default_second_factor")
		if f.err != nil {
			return nil, f.err
		}
		if kind == "email_address" && !validEmail(value) {
			return nil, errFormat(kind, fmt.Sprintf("%q is not a valid email address.", value))
		}
		if kind == "phone_number" && !validPhone(value) {
			return nil, errFormat(kind, fmt.Sprintf("%q is not a valid phone number; use E.164, such as +15555550100.", value))
		}
		if o := e.st.identByValue(kind, value); o != nil && o.UserID != u.ID {
			return nil, errIdentifierExists(kind, "That identifier is taken. Please try another.")
		}
		s := e.st
		now := rq.now.UnixMilli()
		old := u.EmailIDs
		if kind == "phone_number" {
			old = u.PhoneIDs
		}
		olds := make([]*identRec, 0, len(old))
		for _, id := range old {
			if r := s.Idents.get(id); r != nil {
				olds = append(olds, r)
			}
		}
		r := &identRec{ID: s.Idents.newID(), Seq: s.IDs.seq(), UserID: u.ID, Kind: kind, Value: value,
			Verified: status == "verified", Reserved: status == "reserved", CreatedAt: now, UpdatedAt: now}
		s.Users.update(u, func() {
			for _, o := range olds {
				dropIdent(u, o, now)
			}
			for _, o := range olds {
				s.Idents.remove(o)
			}
			s.Idents.insert(r)
			if kind == "email_address" {
				u.EmailIDs, u.PrimaryEmailID = []string{r.ID}, &r.ID
			} else {
				u.PhoneIDs, u.PrimaryPhoneID = []string{r.ID}, &r.ID
			}
		})
		return identOut(r), nil
	}
}

// oauthAccessTokens: the emulator has no OAuth connections, so a user has no
// tokens for any provider.
func (e *Emulator) oauthAccessTokens(rq *request) (any, *apiError) {
	if _, err := e.userParam(rq); err != nil {
		return nil, err
	}
	return listAll(rq, []any{})
}

// verifyDomainOwnership marks a domain verified: the emulator cannot look
// up DNS, so ownership is taken as proven.
func (e *Emulator) verifyDomainOwnership(rq *request) (any, *apiError) {
	d, err := e.orgDomainParam(rq)
	if err != nil {
		return nil, err
	}
	e.st.OrgDomains.update(d, func() { d.Verified, d.UpdatedAt = true, rq.now.UnixMilli() })
	return e.orgDomainOut(d), nil
}

func deprecated(what string) handlerFunc {
	return func(*Emulator, *request) (any, *apiError) {
		return nil, newErr(http.StatusGone, "operation_deprecated", "operation deprecated",
			what+" is deprecated and no longer available.", nil)
	}
}

// refreshSession mints a new session token from an expired one of the same
// session, as the Backend API does for a server that holds the refresh token.
func (e *Emulator) refreshSession(rq *request) (any, *apiError) {
	ss, err := e.sessionParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	expired := f.reqStr("expired_token")
	f.reqStr("refresh_token")
	f.reqStr("request_origin")
	format := f.strOr("format", "token")
	if f.err != nil {
		return nil, f.err
	}
	tok, perr := jwt.Parse(expired, func(*jwt.Token) (any, error) { return &e.key.PublicKey, nil },
		jwt.WithoutClaimsValidation(), jwt.WithValidMethods([]string{"RS256"}))
	claims, _ := tokClaims(tok)
	if perr != nil || claims["sid"] != ss.ID {
		return nil, errValue("expired_token", "expired_token is not a token of this session.")
	}
	if st := sessionStatus(ss, rq.now.UnixMilli()); st != "active" {
		return nil, errBadRequest("session_not_active", fmt.Sprintf("The session is %s and cannot be refreshed.", st))
	}
	rq2 := *rq
	rq2.body = newForm(nil)
	out, aerr := e.createSessionToken(&rq2)
	if aerr != nil {
		return nil, aerr
	}
	if format == "cookie" {
		jwtStr := out.(map[string]any)["jwt"].(string)
		return map[string]any{"cookies": []string{"__session=" + jwtStr + "; Path=/; Secure; SameSite=Lax"}}, nil
	}
	return out, nil
}

func tokClaims(t *jwt.Token) (jwt.MapClaims, bool) {
	if t == nil {
		return nil, false
	}
	c, ok := t.Claims.(jwt.MapClaims)
	return c, ok
}

// getClient serves a client from the sessions that carry its id.
func (e *Emulator) getClient(rq *request) (any, *apiError) {
	id := rq.param("client_id")
	var sess []*sessionRec
	for _, s := range e.st.Sessions.all() {
		if s.ClientID == id {
			sess = append(sess, s)
		}
	}
	if len(sess) == 0 {
		return nil, errNotFound("client " + id)
	}
	sortBySeq(sess)
	return e.clientOut(id, sess), nil
}

func (e *Emulator) clientOut(id string, sess []*sessionRec) map[string]any {
	ids := make([]string, len(sess))
	outs := make([]any, len(sess))
	var last any
	for i, s := range sess {
		ids[i] = s.ID
		outs[i] = e.sessionOut(s)
		if s.Status == "active" {
			last = s.ID
		}
	}
	return map[string]any{"object": "client", "id": id, "session_ids": ids, "sessions": outs,
		"sign_in_id": nil, "sign_up_id": nil, "last_active_session_id": last, "last_authentication_strategy": nil,
		"created_at": sess[0].CreatedAt, "updated_at": sess[len(sess)-1].UpdatedAt}
}

// verifyClient: client tokens are issued by the Frontend API, which the
// emulator does not serve, so no token verifies.
func (e *Emulator) verifyClient(rq *request) (any, *apiError) {
	f := rq.body
	f.reqStr("token")
	if f.err != nil {
		return nil, f.err
	}
	return nil, errNotFound("client for this token (the emulator issues no client tokens)")
}

// verificationCode is the code Clerk's test mode accepts; the emulator
// sends it (as email.created / sms.created) and accepts only it.
const verificationCode = "424242"

func prepareVerification(kind string) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		r, err := e.identParam(rq, kind)
		if err != nil {
			return nil, err
		}
		if r.Verified {
			return nil, errBadRequest("verification_already_verified", "This "+strings.ReplaceAll(kind, "_", " ")+" is already verified.")
		}
		now := rq.now.UnixMilli()
		exp := now + 10*60_000
		vid := e.st.IDs.next("ver")
		e.st.Idents.update(r, func() { r.VerificationID, r.VerificationExpireAt, r.UpdatedAt = vid, exp, now })
		strategy := "email_code"
		if kind == "email_address" {
			e.sendEmail("verification_code", r.Value, r.UserID, verificationCode+" is your verification code",
				map[string]any{"otp_code": verificationCode})
		} else {
			strategy = "phone_code"
			e.sendSMS("verification_code", r, verificationCode+" is your verification code")
		}
		return map[string]any{"object": "verification_otp", "id": vid, "status": "unverified", "strategy": strategy,
			"attempts": 0, "expire_at": exp}, nil
	}
}

func attemptVerification(kind string) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		r, err := e.identParam(rq, kind)
		if err != nil {
			return nil, err
		}
		f := rq.body
		vid := f.reqStr("verification_id")
		code := f.reqStr("code")
		if f.err != nil {
			return nil, f.err
		}
		if r.VerificationID == "" || r.VerificationID != vid {
			return nil, errNotFound("verification " + vid)
		}
		now := rq.now.UnixMilli()
		if now > r.VerificationExpireAt {
			return nil, errBadRequest("verification_expired", "This verification has expired; prepare a new one.")
		}
		if code != verificationCode {
			return nil, formErr("form_code_incorrect", "code", "is incorrect", "The verification code is incorrect.")
		}
		e.st.Idents.update(r, func() { r.Verified, r.Reserved, r.VerificationID, r.UpdatedAt = true, false, "", now })
		strategy := "email_code"
		if kind == "phone_number" {
			strategy = "phone_code"
		}
		return map[string]any{"object": "verification_otp", "id": vid, "status": "verified", "strategy": strategy,
			"attempts": 1, "expire_at": r.VerificationExpireAt}, nil
	}
}
