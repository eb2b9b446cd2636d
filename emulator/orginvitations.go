package emulator

import (
	"fmt"
	"slices"
	"strings"
)

func init() {
	register(map[string]handlerFunc{
		"organizationInvitations.create":     (*Emulator).createOrgInvitation,
		"organizationInvitations.bulkCreate": (*Emulator).bulkCreateOrgInvitations,
		"organizationInvitations.get":        (*Emulator).getOrgInvitation,
		"organizationInvitations.list":       (*Emulator).listOrgInvitations,
		"organizationInvitations.listPending": func(e *Emulator, rq *request) (any, *apiError) {
			rq.query.Set("status", "pending")
			return e.listOrgInvitations(rq)
		},
		"organizationInvitations.getAll":   (*Emulator).listAllOrgInvitations,
		"organizationInvitations.revoke":   (*Emulator).revokeOrgInvitation,
		"users.getOrganizationInvitations": (*Emulator).listUserOrgInvitations,
		"organizationDomains.create":       (*Emulator).createOrgDomain,
		"organizationDomains.list":         (*Emulator).listOrgDomains,
		"organizationDomains.listAll":      (*Emulator).listAllOrgDomains,
		"organizationDomains.update":       (*Emulator).updateOrgDomain,
		"organizationDomains.delete":       (*Emulator).deleteOrgDomain,
	})
}

type inviterJSON struct {
	UserID     string  `json:"user_id"`
	FirstName  *string `json:"first_name"`
	LastName   *string `json:"last_name"`
	ImageURL   string  `json:"image_url"`
	HasImage   bool    `json:"has_image"`
	Identifier string  `json:"identifier"`
}

type publicOrgJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	ImageURL string `json:"image_url"`
	HasImage bool   `json:"has_image"`
}

type orgInvitationJSON struct {
	Object                 string         `json:"object"`
	ID                     string         `json:"id"`
	EmailAddress           string         `json:"email_address"`
	Role                   string         `json:"role"`
	RoleName               string         `json:"role_name"`
	OrganizationID         string         `json:"organization_id"`
	InviterID              *string        `json:"inviter_id"`
	PublicInviterData      *inviterJSON   `json:"public_inviter_data"`
	Status                 string         `json:"status"`
	PublicMetadata         map[string]any `json:"public_metadata"`
	PrivateMetadata        map[string]any `json:"private_metadata"`
	URL                    *string        `json:"url"`
	ExpiresAt              *int64         `json:"expires_at"`
	CreatedAt              int64          `json:"created_at"`
	UpdatedAt              int64          `json:"updated_at"`
	PublicOrganizationData *publicOrgJSON `json:"public_organization_data,omitempty"`
}

func (e *Emulator) orgInvitationOut(inv *orgInvitationRec, withOrg bool) orgInvitationJSON {
	st := expiringStatus(inv.Status, inv.ExpiresAt, e.nowMs())
	out := orgInvitationJSON{Object: "organization_invitation", ID: inv.ID, EmailAddress: inv.Email, Role: inv.Role,
		RoleName: e.roleName(inv.Role), OrganizationID: inv.OrgID, InviterID: inv.InviterID, Status: st,
		PublicMetadata: emptyIfNil(inv.PublicMetadata), PrivateMetadata: emptyIfNil(inv.PrivateMetadata),
		ExpiresAt: inv.ExpiresAt, CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt}
	if st == "pending" {
		out.URL = ptr(e.ticketURL(inv.Ticket))
	}
	if inv.InviterID != nil {
		if u := e.st.Users.get(*inv.InviterID); u != nil {
			out.PublicInviterData = &inviterJSON{UserID: u.ID, FirstName: u.FirstName, LastName: u.LastName,
				ImageURL: u.imageURL(), HasImage: u.HasImage, Identifier: deref(e.identifierOf(u))}
		}
	}
	if withOrg {
		if o := e.st.Orgs.get(inv.OrgID); o != nil {
			oj := e.orgOut(o, false)
			out.PublicOrganizationData = &publicOrgJSON{ID: o.ID, Name: o.Name, Slug: o.Slug, ImageURL: oj.ImageURL, HasImage: o.HasImage}
		}
	}
	return out
}

var orgInvitationKeys = keySet("email_address", "inviter_user_id", "role", "public_metadata", "private_metadata",
	"redirect_url", "expires_in_days", "notify")

type orgInvitationInput struct {
	email, role, inviter, redirect string
	pub, priv                      map[string]any
	days                           int64
	notify                         bool
}

func (e *Emulator) readOrgInvitation(rq *request, f *form, o *orgRec) orgInvitationInput {
	f.only(e.bodyKeys(rq, orgInvitationKeys))
	in := orgInvitationInput{days: 30}
	in.email = f.reqStr("email_address")
	in.role = f.reqStr("role")
	in.inviter = f.strOr("inviter_user_id", "")
	in.redirect = f.strOr("redirect_url", "")
	in.pub, _ = f.obj("public_metadata")
	in.priv, _ = f.obj("private_metadata")
	in.notify = f.boolOr("notify", true)
	if d := f.intp("expires_in_days"); d != nil {
		if *d < 1 || *d > 365 {
			f.fail(errValue(f.name("expires_in_days"), "expires_in_days must be between 1 and 365."))
		}
		in.days = *d
	}
	if f.err != nil {
		return in
	}
	if !validEmail(in.email) {
		f.fail(errFormat(f.name("email_address"), fmt.Sprintf("%q is not a valid email address.", in.email)))
	} else if err := e.checkRole(f.name("role"), in.role); err != nil {
		f.fail(err)
	} else if in.inviter != "" && e.st.Users.get(in.inviter) == nil {
		f.fail(errNotFound("user " + in.inviter))
	} else if in.redirect != "" && !validURL(in.redirect) {
		f.fail(errFormat(f.name("redirect_url"), "redirect_url must be an absolute URL."))
	} else if id := e.st.identByValue("email_address", in.email); id != nil && e.membershipOf(o.ID, id.UserID) != nil {
		f.fail(errBadRequest("already_a_member_in_organization", fmt.Sprintf("%s is already a member of the organization.", in.email)))
	} else if e.pendingOrgInvitation(o.ID, in.email) != nil {
		f.fail(errBadRequest("organization_invitation_not_unique", fmt.Sprintf("There is already a pending invitation for %s in this organization.", in.email)))
	}
	return in
}

func (e *Emulator) pendingOrgInvitation(orgID, email string) *orgInvitationRec {
	now := e.nowMs()
	for _, inv := range e.st.OrgInvitations.all() {
		if inv.OrgID == orgID && strings.EqualFold(inv.Email, email) && expiringStatus(inv.Status, inv.ExpiresAt, now) == "pending" {
			return inv
		}
	}
	return nil
}

func (e *Emulator) commitOrgInvitation(o *orgRec, in orgInvitationInput, now int64) *orgInvitationRec {
	s := e.st
	exp := now + in.days*86_400_000
	inv := &orgInvitationRec{ID: s.OrgInvitations.newID(), Seq: s.IDs.seq(), OrgID: o.ID, Email: in.email, Role: in.role,
		Status: "pending", PublicMetadata: in.pub, PrivateMetadata: in.priv, RedirectURL: in.redirect,
		Ticket: s.IDs.token(32), ExpiresAt: &exp, CreatedAt: now, UpdatedAt: now}
	if in.inviter != "" {
		inv.InviterID = &in.inviter
	}
	s.OrgInvitations.insert(inv)
	if in.notify {
		e.sendEmail("organization_invitation", in.email, "", "You're invited to join "+o.Name, map[string]any{
			"organization_id": o.ID, "organization_name": o.Name, "invitation_id": inv.ID,
			"action_url": e.ticketURL(inv.Ticket)})
	}
	return inv
}

func (e *Emulator) createOrgInvitation(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	in := e.readOrgInvitation(rq, rq.body, o)
	if rq.body.err != nil {
		return nil, rq.body.err
	}
	return e.orgInvitationOut(e.commitOrgInvitation(o, in, rq.now.UnixMilli()), false), nil
}

func (e *Emulator) bulkCreateOrgInvitations(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	if err := checkBulk(rq, 10); err != nil {
		return nil, err
	}
	ins := make([]orgInvitationInput, len(rq.items))
	seen := map[string]bool{}
	for i, f := range rq.items {
		ins[i] = e.readOrgInvitation(rq, f, o)
		if f.err != nil {
			return nil, f.err
		}
		if seen[strings.ToLower(ins[i].email)] {
			return nil, errBadRequest("organization_invitation_not_unique", fmt.Sprintf("%s appears more than once in the request.", ins[i].email))
		}
		seen[strings.ToLower(ins[i].email)] = true
	}
	now := rq.now.UnixMilli()
	out := make([]orgInvitationJSON, len(ins))
	for i, in := range ins {
		out[i] = e.orgInvitationOut(e.commitOrgInvitation(o, in, now), false)
	}
	return map[string]any{"data": out, "total_count": len(out)}, nil
}

func (e *Emulator) orgInvitationParam(rq *request) (*orgInvitationRec, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	id := rq.param("invitation_id")
	inv := e.st.OrgInvitations.get(id)
	if inv == nil || inv.OrgID != o.ID {
		return nil, errNotFound("organization invitation " + id)
	}
	return inv, nil
}

func (e *Emulator) getOrgInvitation(rq *request) (any, *apiError) {
	inv, err := e.orgInvitationParam(rq)
	if err != nil {
		return nil, err
	}
	return e.orgInvitationOut(inv, false), nil
}

func (e *Emulator) orgInvitationList(rq *request, withOrg bool, keep func(*orgInvitationRec) bool) (any, *apiError) {
	now := rq.now.UnixMilli()
	statuses := rq.qList("status")
	for _, st := range statuses {
		if !slices.Contains([]string{"pending", "accepted", "revoked", "expired"}, st) {
			return nil, errQuery("status", "status must be one of pending, accepted, revoked, expired.")
		}
	}
	query := rq.q("query")
	email := rq.q("email_address")
	var items []*orgInvitationRec
	for _, inv := range values(e.st.OrgInvitations) {
		if !keep(inv) {
			continue
		}
		if len(statuses) > 0 && !slices.Contains(statuses, expiringStatus(inv.Status, inv.ExpiresAt, now)) {
			continue
		}
		if query != "" && !containsFold(inv.Email, query) {
			continue
		}
		if email != "" && !strings.EqualFold(inv.Email, email) {
			continue
		}
		items = append(items, inv)
	}
	if err := orderBy(rq, items, "-created_at", map[string]orderKey[*orgInvitationRec]{
		"created_at":    func(i *orgInvitationRec) string { return num(i.CreatedAt) },
		"email_address": func(i *orgInvitationRec) string { return strings.ToLower(i.Email) },
	}); err != nil {
		return nil, err
	}
	pg, err := page(rq, items)
	if err != nil {
		return nil, err
	}
	out := make([]orgInvitationJSON, len(pg))
	for i, inv := range pg {
		out[i] = e.orgInvitationOut(inv, withOrg)
	}
	return map[string]any{"data": out, "total_count": len(items)}, nil
}

func (e *Emulator) listOrgInvitations(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	return e.orgInvitationList(rq, false, func(inv *orgInvitationRec) bool { return inv.OrgID == o.ID })
}

func (e *Emulator) listAllOrgInvitations(rq *request) (any, *apiError) {
	return e.orgInvitationList(rq, true, func(*orgInvitationRec) bool { return true })
}

func (e *Emulator) listUserOrgInvitations(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	var emails []string
	for _, id := range u.EmailIDs {
		if r := e.st.Idents.get(id); r != nil {
			emails = append(emails, strings.ToLower(r.Value))
		}
	}
	return e.orgInvitationList(rq, true, func(inv *orgInvitationRec) bool {
		return slices.Contains(emails, strings.ToLower(inv.Email))
	})
}

func (e *Emulator) revokeOrgInvitation(rq *request) (any, *apiError) {
	inv, err := e.orgInvitationParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("requesting_user_id")))
	if uid := f.strOr("requesting_user_id", ""); uid != "" && e.st.Users.get(uid) == nil {
		return nil, errNotFound("user " + uid)
	}
	if f.err != nil {
		return nil, f.err
	}
	switch inv.Status {
	case "revoked":
		return nil, errBadRequest("invitation_already_revoked", "This invitation has already been revoked.")
	case "accepted":
		return nil, errBadRequest("invitation_already_accepted", "This invitation has already been accepted.")
	}
	e.st.OrgInvitations.update(inv, func() { inv.Status, inv.UpdatedAt = "revoked", rq.now.UnixMilli() })
	return e.orgInvitationOut(inv, false), nil
}

// ---- organization domains ----

type domainVerificationJSON struct {
	Status     string `json:"status"`
	Strategy   string `json:"strategy"`
	Attempts   *int   `json:"attempts"`
	ExpireAt   *int64 `json:"expire_at"`
	VerifiedAt *int64 `json:"verified_at"`
}

type orgDomainJSON struct {
	Object                  string                  `json:"object"`
	ID                      string                  `json:"id"`
	OrganizationID          string                  `json:"organization_id"`
	Name                    string                  `json:"name"`
	EnrollmentMode          string                  `json:"enrollment_mode"`
	AffiliationEmailAddress *string                 `json:"affiliation_email_address"`
	AffiliationVerification *domainVerificationJSON `json:"affiliation_verification"`
	OwnershipVerification   *domainVerificationJSON `json:"ownership_verification"`
	Verification            *domainVerificationJSON `json:"verification"`
	TotalPendingInvitations int                     `json:"total_pending_invitations"`
	TotalPendingSuggestions int                     `json:"total_pending_suggestions"`
	PublicOrganizationData  *publicOrgJSON          `json:"public_organization_data"`
	CreatedAt               int64                   `json:"created_at"`
	UpdatedAt               int64                   `json:"updated_at"`
}

func (e *Emulator) orgDomainOut(d *orgDomainRec) orgDomainJSON {
	out := orgDomainJSON{Object: "organization_domain", ID: d.ID, OrganizationID: d.OrgID, Name: d.Name,
		EnrollmentMode: d.EnrollmentMode, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.Verified {
		v := &domainVerificationJSON{Status: "verified", Strategy: "admin", VerifiedAt: ptr(d.UpdatedAt)}
		out.AffiliationVerification, out.Verification = v, v
	}
	if o := e.st.Orgs.get(d.OrgID); o != nil {
		out.PublicOrganizationData = &publicOrgJSON{ID: o.ID, Name: o.Name, Slug: o.Slug, ImageURL: e.orgOut(o, false).ImageURL, HasImage: o.HasImage}
	}
	return out
}

var enrollmentModes = []string{"manual_invitation", "automatic_invitation", "automatic_suggestion"}

func (e *Emulator) createOrgDomain(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	s := e.st
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("name", "enrollment_mode", "verified")))
	name := strings.ToLower(f.reqStr("name"))
	mode := f.strOr("enrollment_mode", "manual_invitation")
	verified := f.boolOr("verified", true)
	if f.err != nil {
		return nil, f.err
	}
	if !strings.Contains(name, ".") || strings.ContainsAny(name, " @/") {
		return nil, errFormat("name", fmt.Sprintf("%q is not a valid domain name.", name))
	}
	if !slices.Contains(enrollmentModes, mode) {
		return nil, errValue("enrollment_mode", "enrollment_mode must be one of "+strings.Join(enrollmentModes, ", ")+".")
	}
	for _, d := range s.OrgDomains.all() {
		if d.Name == name {
			return nil, errDuplicate(fmt.Sprintf("The domain %s is already in use by an organization.", name), nil)
		}
	}
	now := rq.now.UnixMilli()
	d := &orgDomainRec{ID: s.OrgDomains.newID(), Seq: s.IDs.seq(), OrgID: o.ID, Name: name, EnrollmentMode: mode,
		Verified: verified, CreatedAt: now, UpdatedAt: now}
	s.OrgDomains.insert(d)
	return e.orgDomainOut(d), nil
}

func (e *Emulator) domainList(rq *request, keep func(*orgDomainRec) bool) (any, *apiError) {
	verified := rq.q("verified")
	modes := rq.qList("enrollment_mode")
	query := rq.q("query")
	names := rq.qList("domains")
	var items []*orgDomainRec
	for _, d := range values(e.st.OrgDomains) {
		if !keep(d) || (verified != "" && verified != fmt.Sprint(d.Verified)) ||
			(len(modes) > 0 && !slices.Contains(modes, d.EnrollmentMode)) ||
			(query != "" && !containsFold(d.Name, query)) || (len(names) > 0 && !slices.Contains(names, d.Name)) {
			continue
		}
		items = append(items, d)
	}
	if err := orderBy(rq, items, "-created_at", map[string]orderKey[*orgDomainRec]{
		"created_at": func(d *orgDomainRec) string { return num(d.CreatedAt) },
		"name":       func(d *orgDomainRec) string { return d.Name },
	}); err != nil {
		return nil, err
	}
	pg, err := page(rq, items)
	if err != nil {
		return nil, err
	}
	out := make([]orgDomainJSON, len(pg))
	for i, d := range pg {
		out[i] = e.orgDomainOut(d)
	}
	return map[string]any{"data": out, "total_count": len(items)}, nil
}

func (e *Emulator) listOrgDomains(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	return e.domainList(rq, func(d *orgDomainRec) bool { return d.OrgID == o.ID })
}

func (e *Emulator) listAllOrgDomains(rq *request) (any, *apiError) {
	org := rq.q("organization_id")
	return e.domainList(rq, func(d *orgDomainRec) bool { return org == "" || d.OrgID == org })
}

func (e *Emulator) orgDomainParam(rq *request) (*orgDomainRec, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	id := rq.param("domain_id")
	d := e.st.OrgDomains.get(id)
	if d == nil || d.OrgID != o.ID {
		return nil, errNotFound("organization domain " + id)
	}
	return d, nil
}

func (e *Emulator) updateOrgDomain(rq *request) (any, *apiError) {
	d, err := e.orgDomainParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("enrollment_mode", "verified")))
	mode := f.str("enrollment_mode")
	verified := f.boolp("verified")
	if f.err != nil {
		return nil, f.err
	}
	if mode != nil && !slices.Contains(enrollmentModes, *mode) {
		return nil, errValue("enrollment_mode", "enrollment_mode must be one of "+strings.Join(enrollmentModes, ", ")+".")
	}
	e.st.OrgDomains.update(d, func() {
		if mode != nil {
			d.EnrollmentMode = *mode
		}
		if verified != nil {
			d.Verified = *verified
		}
		d.UpdatedAt = rq.now.UnixMilli()
	})
	return e.orgDomainOut(d), nil
}

func (e *Emulator) deleteOrgDomain(rq *request) (any, *apiError) {
	d, err := e.orgDomainParam(rq)
	if err != nil {
		return nil, err
	}
	e.st.OrgDomains.remove(e.st.OrgDomains.get(d.ID))
	return deletedJSON{ID: d.ID, Object: "organization_domain", Deleted: true}, nil
}
