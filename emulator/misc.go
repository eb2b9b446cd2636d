package emulator

import (
	"fmt"
	"strings"
)

func init() {
	register(map[string]handlerFunc{
		"allowlistIdentifiers.create":         (*Emulator).createAllow,
		"allowlistIdentifiers.list":           (*Emulator).listAllow,
		"allowlistIdentifiers.delete":         listIdentDelete(func(s *state) *table[*listIdentRec] { return s.Allowlist }, "allowlist_identifier"),
		"blocklistIdentifiers.create":         (*Emulator).createBlock,
		"blocklistIdentifiers.list":           (*Emulator).listBlock,
		"blocklistIdentifiers.delete":         listIdentDelete(func(s *state) *table[*listIdentRec] { return s.Blocklist }, "blocklist_identifier"),
		"redirectUrls.create":                 (*Emulator).createRedirect,
		"redirectUrls.list":                   (*Emulator).listRedirects,
		"redirectUrls.get":                    (*Emulator).getRedirect,
		"redirectUrls.delete":                 (*Emulator).deleteRedirect,
		"signInTokens.create":                 (*Emulator).createSignInToken,
		"signInTokens.revoke":                 (*Emulator).revokeSignInToken,
		"testingTokens.create":                (*Emulator).createTestingToken,
		"actorTokens.create":                  (*Emulator).createActorToken,
		"actorTokens.revoke":                  (*Emulator).revokeActorToken,
		"waitlistEntries.create":              (*Emulator).createWaitlistEntry,
		"waitlistEntries.bulkCreate":          (*Emulator).bulkCreateWaitlistEntries,
		"waitlistEntries.list":                (*Emulator).listWaitlist,
		"waitlistEntries.delete":              (*Emulator).deleteWaitlistEntry,
		"waitlistEntries.invite":              (*Emulator).inviteWaitlistEntry,
		"waitlistEntries.reject":              (*Emulator).rejectWaitlistEntry,
		"instanceSettings.get":                (*Emulator).getInstance,
		"instanceSettings.update":             (*Emulator).updateInstance,
		"instanceSettings.updateRestrictions": (*Emulator).updateRestrictions,
		"instanceSettings.getOrganizationSettings": func(e *Emulator, _ *request) (any, *apiError) {
			return e.orgSettingsOut(), nil
		},
		"instanceSettings.updateOrganizationSettings": (*Emulator).updateOrgSettings,
	})
}

// ---- allow-list and block-list ----

type listIdentJSON struct {
	Object         string `json:"object"`
	ID             string `json:"id"`
	InvitationID   string `json:"invitation_id,omitempty"`
	Identifier     string `json:"identifier"`
	IdentifierType string `json:"identifier_type"`
	InstanceID     string `json:"instance_id"`
	CreatedAt      int64  `json:"created_at"`
	UpdatedAt      int64  `json:"updated_at"`
}

func (e *Emulator) listIdentOut(obj string, r *listIdentRec) listIdentJSON {
	return listIdentJSON{Object: obj, ID: r.ID, InvitationID: r.InvitationID, Identifier: r.Identifier,
		IdentifierType: r.Type, InstanceID: e.st.Instance.ID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// identifierType classifies an allow/block-list identifier. "*@example.com"
// (a whole domain) counts as an email address, as in Clerk's dashboard.
func identifierType(s string) (string, bool) {
	switch {
	case strings.HasPrefix(s, "*@") && strings.Contains(s[2:], "."):
		return "email_address", true
	case validEmail(s):
		return "email_address", true
	case validPhone(s):
		return "phone_number", true
	case web3Re().MatchString(s):
		return "web3_wallet", true
	}
	return "", false
}

func (e *Emulator) addListIdent(rq *request, m *table[*listIdentRec], obj string, keys map[string]bool) (any, *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keys))
	ident := f.reqStr("identifier")
	f.boolp("notify")
	if f.err != nil {
		return nil, f.err
	}
	typ, ok := identifierType(ident)
	if !ok {
		return nil, errFormat("identifier", fmt.Sprintf("%q is not an email address, a *@domain, an E.164 phone number or a web3 wallet.", ident))
	}
	for _, r := range m.all() {
		if strings.EqualFold(r.Identifier, ident) {
			return nil, errDuplicate(fmt.Sprintf("The identifier %s is already on the list.", ident), nil)
		}
	}
	s := e.st
	now := rq.now.UnixMilli()
	r := &listIdentRec{ID: m.newID(), Seq: s.IDs.seq(), Identifier: ident, Type: typ, CreatedAt: now, UpdatedAt: now}
	m.insert(r)
	return e.listIdentOut(obj, r), nil
}

func (e *Emulator) createAllow(rq *request) (any, *apiError) {
	return e.addListIdent(rq, e.st.Allowlist, "allowlist_identifier", keySet("identifier", "notify"))
}

func (e *Emulator) createBlock(rq *request) (any, *apiError) {
	return e.addListIdent(rq, e.st.Blocklist, "blocklist_identifier", keySet("identifier"))
}

func (e *Emulator) listIdents(rq *request, m *table[*listIdentRec], obj string) (any, *apiError) {
	items := values(m)
	out := make([]listIdentJSON, len(items))
	for i, r := range items {
		out[i] = e.listIdentOut(obj, r)
	}
	if rq.op.HasParam("limit") {
		return listAll(rq, out)
	}
	return listResponse(rq, out, len(out))
}

func (e *Emulator) listAllow(rq *request) (any, *apiError) {
	return e.listIdents(rq, e.st.Allowlist, "allowlist_identifier")
}

func (e *Emulator) listBlock(rq *request) (any, *apiError) {
	return e.listIdents(rq, e.st.Blocklist, "blocklist_identifier")
}

func listIdentDelete(pick func(*state) *table[*listIdentRec], obj string) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		m := pick(e.st)
		id := rq.param("identifier_id")
		if m.get(id) == nil {
			return nil, errNotFound(strings.ReplaceAll(obj, "_", " ") + " " + id)
		}
		m.remove(m.get(id))
		return deletedJSON{ID: id, Object: obj, Deleted: true}, nil
	}
}

// ---- redirect URLs ----

type redirectJSON struct {
	Object    string `json:"object"`
	ID        string `json:"id"`
	URL       string `json:"url"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
}

func redirectOut(r *redirectRec) redirectJSON {
	return redirectJSON{Object: "redirect_url", ID: r.ID, URL: r.URL, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func (e *Emulator) createRedirect(rq *request) (any, *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("url")))
	u := f.reqStr("url")
	if f.err != nil {
		return nil, f.err
	}
	if !validURL(u) {
		return nil, errFormat("url", fmt.Sprintf("%q is not an absolute URL (scheme://host/path, or a native app scheme).", u))
	}
	for _, r := range e.st.RedirectURLs.all() {
		if r.URL == u {
			return nil, errDuplicate(fmt.Sprintf("The redirect URL %s already exists.", u), nil)
		}
	}
	s := e.st
	now := rq.now.UnixMilli()
	r := &redirectRec{ID: s.RedirectURLs.newID(), Seq: s.IDs.seq(), URL: u, CreatedAt: now, UpdatedAt: now}
	s.RedirectURLs.insert(r)
	return redirectOut(r), nil
}

func (e *Emulator) listRedirects(rq *request) (any, *apiError) {
	items := values(e.st.RedirectURLs)
	out := make([]redirectJSON, len(items))
	for i, r := range items {
		out[i] = redirectOut(r)
	}
	return listAll(rq, out)
}

func (e *Emulator) getRedirect(rq *request) (any, *apiError) {
	r := e.st.RedirectURLs.get(rq.param("id"))
	if r == nil {
		return nil, errNotFound("redirect URL " + rq.param("id"))
	}
	return redirectOut(r), nil
}

func (e *Emulator) deleteRedirect(rq *request) (any, *apiError) {
	id := rq.param("id")
	if e.st.RedirectURLs.get(id) == nil {
		return nil, errNotFound("redirect URL " + id)
	}
	e.st.RedirectURLs.remove(e.st.RedirectURLs.get(id))
	return deletedJSON{ID: id, Object: "redirect_url", Deleted: true}, nil
}

// ---- sign-in, testing and actor tokens ----

type signInTokenJSON struct {
	Object    string  `json:"object"`
	ID        string  `json:"id"`
	Status    string  `json:"status"`
	UserID    string  `json:"user_id"`
	Token     string  `json:"token,omitempty"`
	URL       *string `json:"url"`
	CreatedAt int64   `json:"created_at"`
	UpdatedAt int64   `json:"updated_at"`
}

func (e *Emulator) signInTokenOut(t *tokenRec, withToken bool) signInTokenJSON {
	out := signInTokenJSON{Object: "sign_in_token", ID: t.ID, Status: t.Status, UserID: t.UserID,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if withToken {
		out.Token = t.Token
		out.URL = ptr(e.ticketURL(t.Token))
	}
	return out
}

func (e *Emulator) createSignInToken(rq *request) (any, *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("user_id", "org_id", "expires_in_seconds")))
	uid := f.reqStr("user_id")
	org := f.strOr("org_id", "")
	exp := int64(30 * 24 * 3600)
	if p := f.intp("expires_in_seconds"); p != nil {
		if *p < 1 || *p > 315_360_000 {
			f.fail(errValue("expires_in_seconds", "expires_in_seconds must be positive."))
		}
		exp = *p
	}
	if f.err != nil {
		return nil, f.err
	}
	if e.st.Users.get(uid) == nil {
		return nil, errNotFound("user " + uid)
	}
	if org != "" && e.st.Orgs.get(org) == nil {
		return nil, errNotFound("organization " + org)
	}
	s := e.st
	now := rq.now.UnixMilli()
	t := &tokenRec{ID: s.SignInTokens.newID(), Seq: s.IDs.seq(), UserID: uid, Token: s.IDs.token(48), Status: "pending",
		ExpiresAt: now + exp*1000, CreatedAt: now, UpdatedAt: now}
	s.SignInTokens.insert(t)
	return e.signInTokenOut(t, true), nil
}

func (e *Emulator) revokeSignInToken(rq *request) (any, *apiError) {
	id := rq.param("sign_in_token_id")
	t := e.st.SignInTokens.get(id)
	if t == nil {
		return nil, errNotFound("sign-in token " + id)
	}
	if t.Status != "pending" {
		return nil, errBadRequest("sign_in_token_cannot_be_revoked", fmt.Sprintf("The sign-in token is %s and can no longer be revoked.", t.Status))
	}
	t.Status = "revoked"
	t.UpdatedAt = rq.now.UnixMilli()
	return e.signInTokenOut(t, false), nil
}

func (e *Emulator) createTestingToken(rq *request) (any, *apiError) {
	// Testing tokens last an hour, like Clerk's.
	exp := rq.now.Add(3600 * 1e9).Unix()
	return map[string]any{"object": "testing_token", "token": fmt.Sprintf("%d-%s", rq.now.Unix(), e.st.IDs.token(32)), "expires_at": exp}, nil
}

type actorTokenJSON struct {
	Object    string         `json:"object"`
	ID        string         `json:"id"`
	Status    string         `json:"status"`
	UserID    string         `json:"user_id"`
	Actor     map[string]any `json:"actor"`
	Token     string         `json:"token,omitempty"`
	URL       string         `json:"url,omitempty"`
	CreatedAt int64          `json:"created_at"`
	UpdatedAt int64          `json:"updated_at"`
}

func (e *Emulator) actorTokenOut(t *tokenRec, withToken bool) actorTokenJSON {
	out := actorTokenJSON{Object: "actor_token", ID: t.ID, Status: t.Status, UserID: t.UserID, Actor: emptyIfNil(t.Actor),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
	if withToken {
		out.Token = t.Token
		out.URL = e.ticketURL(t.Token)
	}
	return out
}

func (e *Emulator) createActorToken(rq *request) (any, *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("user_id", "actor", "expires_in_seconds", "session_max_duration_in_seconds")))
	uid := f.reqStr("user_id")
	actor, _ := f.obj("actor")
	exp := int64(3600)
	if p := f.intp("expires_in_seconds"); p != nil {
		exp = *p
	}
	f.intp("session_max_duration_in_seconds")
	if f.err != nil {
		return nil, f.err
	}
	if actor == nil {
		return nil, errMissing("actor")
	}
	if sub, _ := actor["sub"].(string); sub == "" {
		return nil, errValue("actor", "actor must hold a sub claim naming the impersonating user.")
	}
	if e.st.Users.get(uid) == nil {
		return nil, errNotFound("user " + uid)
	}
	s := e.st
	now := rq.now.UnixMilli()
	t := &tokenRec{ID: s.ActorTokens.newID(), Seq: s.IDs.seq(), UserID: uid, Actor: actor, Token: s.IDs.token(48),
		Status: "pending", ExpiresAt: now + exp*1000, CreatedAt: now, UpdatedAt: now}
	s.ActorTokens.insert(t)
	return e.actorTokenOut(t, true), nil
}

func (e *Emulator) revokeActorToken(rq *request) (any, *apiError) {
	id := rq.param("actor_token_id")
	t := e.st.ActorTokens.get(id)
	if t == nil {
		return nil, errNotFound("actor token " + id)
	}
	if t.Status != "pending" {
		return nil, errBadRequest("actor_token_cannot_be_revoked", fmt.Sprintf("The actor token is %s and can no longer be revoked.", t.Status))
	}
	t.Status = "revoked"
	t.UpdatedAt = rq.now.UnixMilli()
	return e.actorTokenOut(t, false), nil
}

// ---- waitlist ----

type waitlistJSON struct {
	Object       string          `json:"object"`
	ID           string          `json:"id"`
	EmailAddress string          `json:"email_address"`
	Status       string          `json:"status"`
	IsLocked     bool            `json:"is_locked"`
	CreatedAt    int64           `json:"created_at"`
	UpdatedAt    int64           `json:"updated_at"`
	Invitation   *invitationJSON `json:"invitation"`
}

func (e *Emulator) waitlistOut(w *waitlistRec) waitlistJSON {
	out := waitlistJSON{Object: "waitlist_entry", ID: w.ID, EmailAddress: w.Email, Status: w.Status,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	if inv := e.st.Invitations.get(w.InvitationID); inv != nil {
		out.Invitation = ptr(e.invitationOut(inv))
	}
	return out
}

func (e *Emulator) waitlistByEmail(email string) *waitlistRec {
	for _, w := range e.st.Waitlist.all() {
		if strings.EqualFold(w.Email, email) {
			return w
		}
	}
	return nil
}

// addWaitlist is idempotent: an address already on the list returns its entry.
func (e *Emulator) addWaitlist(f *form, now int64) (*waitlistRec, *apiError) {
	email := f.reqStr("email_address")
	f.boolp("notify")
	if f.err != nil {
		return nil, f.err
	}
	if !validEmail(email) {
		return nil, errFormat(f.name("email_address"), fmt.Sprintf("%q is not a valid email address.", email))
	}
	if w := e.waitlistByEmail(email); w != nil {
		return w, nil
	}
	s := e.st
	w := &waitlistRec{ID: s.Waitlist.newID(), Seq: s.IDs.seq(), Email: email, Status: "pending", CreatedAt: now, UpdatedAt: now}
	s.Waitlist.insert(w)
	return w, nil
}

func (e *Emulator) createWaitlistEntry(rq *request) (any, *apiError) {
	rq.body.only(e.bodyKeys(rq, keySet("email_address", "notify")))
	if rq.body.err != nil {
		return nil, rq.body.err
	}
	w, err := e.addWaitlist(rq.body, rq.now.UnixMilli())
	if err != nil {
		return nil, err
	}
	return e.waitlistOut(w), nil
}

func (e *Emulator) bulkCreateWaitlistEntries(rq *request) (any, *apiError) {
	if err := checkBulk(rq, 50); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, f := range rq.items {
		f.only(e.bodyKeys(rq, keySet("email_address", "notify")))
		email := f.reqStr("email_address")
		f.boolp("notify")
		if f.err != nil {
			return nil, f.err
		}
		if !validEmail(email) {
			return nil, errFormat(f.name("email_address"), fmt.Sprintf("%q is not a valid email address.", email))
		}
		if seen[strings.ToLower(email)] {
			return nil, formErr("form_param_duplicate", fmt.Sprintf("[%d].email_address", i), "duplicate",
				fmt.Sprintf("%s appears more than once in the request.", email))
		}
		seen[strings.ToLower(email)] = true
	}
	now := rq.now.UnixMilli()
	out := make([]waitlistJSON, len(rq.items))
	for i, f := range rq.items {
		w, err := e.addWaitlist(f, now)
		if err != nil {
			return nil, err
		}
		out[i] = e.waitlistOut(w)
	}
	return out, nil
}

func (e *Emulator) listWaitlist(rq *request) (any, *apiError) {
	query, status := rq.q("query"), rq.q("status")
	var items []*waitlistRec
	for _, w := range values(e.st.Waitlist) {
		if (query == "" || containsFold(w.Email, query)) && (status == "" || w.Status == status) {
			items = append(items, w)
		}
	}
	if err := orderBy(rq, items, "-created_at", map[string]orderKey[*waitlistRec]{
		"created_at":    func(w *waitlistRec) string { return num(w.CreatedAt) },
		"email_address": func(w *waitlistRec) string { return strings.ToLower(w.Email) },
		"invited_at": func(w *waitlistRec) string {
			if inv := e.st.Invitations.get(w.InvitationID); inv != nil {
				return num(inv.CreatedAt)
			}
			return ""
		},
	}); err != nil {
		return nil, err
	}
	pg, err := page(rq, items)
	if err != nil {
		return nil, err
	}
	out := make([]waitlistJSON, len(pg))
	for i, w := range pg {
		out[i] = e.waitlistOut(w)
	}
	return map[string]any{"data": out, "total_count": len(items)}, nil
}

func (e *Emulator) waitlistParam(rq *request) (*waitlistRec, *apiError) {
	id := rq.param("waitlist_entry_id")
	w := e.st.Waitlist.get(id)
	if w == nil {
		return nil, errNotFound("waitlist entry " + id)
	}
	return w, nil
}

func (e *Emulator) deleteWaitlistEntry(rq *request) (any, *apiError) {
	w, err := e.waitlistParam(rq)
	if err != nil {
		return nil, err
	}
	e.st.Waitlist.remove(e.st.Waitlist.get(w.ID))
	return deletedJSON{ID: w.ID, Object: "waitlist_entry", Deleted: true}, nil
}

func (e *Emulator) inviteWaitlistEntry(rq *request) (any, *apiError) {
	w, err := e.waitlistParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("ignore_existing")))
	ignore := f.boolOr("ignore_existing", false)
	if f.err != nil {
		return nil, f.err
	}
	now := rq.now.UnixMilli()
	in := invitationInput{email: w.Email, ignoreExisting: ignore, expiresInDays: 30, notify: true, template: "waitlist_invitation"}
	if err := e.checkInvitation(in, false, now); err != nil {
		return nil, err
	}
	inv := e.commitInvitation(in, now)
	e.st.Waitlist.update(w, func() { w.InvitationID, w.Status, w.UpdatedAt = inv.ID, "invited", now })
	return e.waitlistOut(w), nil
}

func (e *Emulator) rejectWaitlistEntry(rq *request) (any, *apiError) {
	w, err := e.waitlistParam(rq)
	if err != nil {
		return nil, err
	}
	e.st.Waitlist.update(w, func() { w.Status, w.UpdatedAt = "rejected", rq.now.UnixMilli() })
	return e.waitlistOut(w), nil
}

// ---- instance settings ----

func (e *Emulator) getInstance(*request) (any, *apiError) {
	in := e.st.Instance
	return map[string]any{"object": "instance", "id": in.ID, "environment_type": "development",
		"allowed_origins": append([]string{}, in.AllowedOrigins...), "workspace_id": nil}, nil
}

func (e *Emulator) updateInstance(rq *request) (any, *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("test_mode", "hibp", "support_email", "clerk_js_version", "development_origin",
		"allowed_origins", "cookieless_dev", "url_based_session_syncing", "preferred_sign_in_strategy_when_password_required")))
	in := e.st.Instance
	if b := f.boolp("test_mode"); b != nil {
		in.TestMode = *b
	}
	if b := f.boolp("hibp"); b != nil {
		in.HIBP = *b
	}
	if f.has("support_email") {
		in.SupportEmail = f.str("support_email")
		if in.SupportEmail != nil && !validEmail(*in.SupportEmail) {
			f.fail(errFormat("support_email", "support_email must be an email address."))
		}
	}
	f.str("clerk_js_version")
	if p := f.str("development_origin"); p != nil {
		in.DevelopmentOrigin = *p
	}
	if origins, ok := f.strs("allowed_origins"); ok {
		for _, o := range origins {
			if !validURL(o) {
				f.fail(errFormat("allowed_origins", fmt.Sprintf("%q is not an origin such as https://example.com.", o)))
			}
		}
		in.AllowedOrigins = origins
	}
	f.boolp("cookieless_dev")
	f.boolp("url_based_session_syncing")
	f.str("preferred_sign_in_strategy_when_password_required")
	if f.err != nil {
		return nil, f.err
	}
	e.st.Instance = in
	return nil, nil
}

func (e *Emulator) restrictionsOut() map[string]any {
	in := e.st.Instance
	return map[string]any{"object": "instance_restrictions", "allowlist": in.Allowlist, "blocklist": in.Blocklist,
		"allowlist_blocklist_disabled_on_sign_in": in.AllowlistBlocklistDisabledOnSignIn,
		"block_email_subaddresses":                in.BlockEmailSubaddresses,
		"block_disposable_email_domains":          in.BlockDisposableEmailDomains}
}

func (e *Emulator) updateRestrictions(rq *request) (any, *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("allowlist", "blocklist", "allowlist_blocklist_disabled_on_sign_in",
		"block_email_subaddresses", "block_disposable_email_domains")))
	in := e.st.Instance
	for k, dst := range map[string]*bool{"allowlist": &in.Allowlist, "blocklist": &in.Blocklist,
		"allowlist_blocklist_disabled_on_sign_in": &in.AllowlistBlocklistDisabledOnSignIn,
		"block_email_subaddresses":                &in.BlockEmailSubaddresses,
		"block_disposable_email_domains":          &in.BlockDisposableEmailDomains} {
		if b := f.boolp(k); b != nil {
			*dst = *b
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	e.st.Instance = in
	return e.restrictionsOut(), nil
}

func (e *Emulator) orgSettingsOut() map[string]any {
	in := e.st.Instance
	return map[string]any{"object": "organization_settings", "enabled": in.OrgsEnabled,
		"max_allowed_memberships": in.OrgMaxAllowedMemberships, "max_allowed_roles": 10, "max_allowed_domains": 10,
		"max_allowed_permissions": 50, "creator_role": in.OrgCreatorRole, "admin_delete_enabled": in.OrgAdminDeleteEnabled,
		"domains_enabled": in.OrgDomainsEnabled, "slug_disabled": in.OrgSlugDisabled,
		"domains_enrollment_modes": append([]string{}, in.OrgDomainsEnrollmentModes...),
		"domains_default_role":     in.OrgDomainsDefaultRole}
}

func (e *Emulator) updateOrgSettings(rq *request) (any, *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("enabled", "max_allowed_memberships", "admin_delete_enabled", "domains_enabled",
		"slug_disabled", "domains_enrollment_modes", "creator_role_id", "domains_default_role_id")))
	in := e.st.Instance
	for k, dst := range map[string]*bool{"enabled": &in.OrgsEnabled, "admin_delete_enabled": &in.OrgAdminDeleteEnabled,
		"domains_enabled": &in.OrgDomainsEnabled, "slug_disabled": &in.OrgSlugDisabled} {
		if b := f.boolp(k); b != nil {
			*dst = *b
		}
	}
	if m := f.intp("max_allowed_memberships"); m != nil {
		if *m < 0 {
			f.fail(errValue("max_allowed_memberships", "max_allowed_memberships must be 0 (unlimited) or more."))
		}
		in.OrgMaxAllowedMemberships = *m
	}
	if modes, ok := f.strs("domains_enrollment_modes"); ok {
		in.OrgDomainsEnrollmentModes = modes
	}
	for k, dst := range map[string]*string{"creator_role_id": &in.OrgCreatorRole, "domains_default_role_id": &in.OrgDomainsDefaultRole} {
		if p := f.str(k); p != nil {
			if err := e.checkRole(k, *p); err != nil {
				f.fail(err)
			}
			*dst = *p
		}
	}
	if f.err != nil {
		return nil, f.err
	}
	e.st.Instance = in
	return e.orgSettingsOut(), nil
}
