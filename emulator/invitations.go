package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

func init() {
	register(map[string]handlerFunc{
		"invitations.create":     (*Emulator).createInvitation,
		"invitations.bulkCreate": (*Emulator).bulkCreateInvitations,
		"invitations.list":       (*Emulator).listInvitations,
		"invitations.revoke":     (*Emulator).revokeInvitation,
	})
}

type invitationJSON struct {
	Object         string         `json:"object"`
	ID             string         `json:"id"`
	EmailAddress   string         `json:"email_address"`
	PublicMetadata map[string]any `json:"public_metadata"`
	Revoked        bool           `json:"revoked"`
	Status         string         `json:"status"`
	URL            string         `json:"url,omitempty"`
	ExpiresAt      *int64         `json:"expires_at"`
	CreatedAt      int64          `json:"created_at"`
	UpdatedAt      int64          `json:"updated_at"`
}

func (e *Emulator) ticketURL(ticket string) string {
	return "https://" + e.frontendAPI() + "/v1/tickets/accept?ticket=" + ticket
}

// status derives "expired" from expires_at, as Clerk reports it.
func expiringStatus(status string, expiresAt *int64, now int64) string {
	if status == "pending" && expiresAt != nil && now >= *expiresAt {
		return "expired"
	}
	return status
}

func (e *Emulator) invitationOut(inv *invitationRec) invitationJSON {
	st := expiringStatus(inv.Status, inv.ExpiresAt, e.nowMs())
	out := invitationJSON{Object: "invitation", ID: inv.ID, EmailAddress: inv.Email,
		PublicMetadata: emptyIfNil(inv.PublicMetadata), Revoked: inv.Status == "revoked", Status: st,
		ExpiresAt: inv.ExpiresAt, CreatedAt: inv.CreatedAt, UpdatedAt: inv.UpdatedAt}
	if st == "pending" {
		out.URL = e.ticketURL(inv.Ticket)
	}
	return out
}

var invitationKeys = keySet("email_address", "public_metadata", "redirect_url", "notify", "ignore_existing",
	"expires_in_days", "template_slug")

// invitationInput is one validated invitation request.
type invitationInput struct {
	email          string
	meta           map[string]any
	redirect       string
	ignoreExisting bool
	expiresInDays  int64
	notify         bool
	template       string
}

func (e *Emulator) readInvitation(rq *request, f *form) invitationInput {
	f.only(e.bodyKeys(rq, invitationKeys))
	in := invitationInput{expiresInDays: 30, template: "invitation"}
	in.email = f.reqStr("email_address")
	in.meta, _ = f.obj("public_metadata")
	in.redirect = f.strOr("redirect_url", "")
	in.notify = f.boolOr("notify", true)
	in.ignoreExisting = f.boolOr("ignore_existing", false)
	if d := f.intp("expires_in_days"); d != nil {
		if *d < 1 || *d > 365 {
			f.fail(errValue(f.name("expires_in_days"), "expires_in_days must be between 1 and 365."))
		}
		in.expiresInDays = *d
	}
	if t := f.str("template_slug"); t != nil && *t != "invitation" && *t != "waitlist_invitation" {
		f.fail(errValue(f.name("template_slug"), "template_slug must be invitation or waitlist_invitation."))
	} else if t != nil {
		in.template = *t
	}
	if f.err == nil && !validEmail(in.email) {
		f.fail(errFormat(f.name("email_address"), fmt.Sprintf("%q is not a valid email address.", in.email)))
	}
	if f.err == nil && in.redirect != "" && !validURL(in.redirect) {
		f.fail(errFormat(f.name("redirect_url"), "redirect_url must be an absolute URL."))
	}
	return in
}

func (e *Emulator) pendingInvitation(email string, now int64) *invitationRec {
	for _, inv := range e.st.invByEmail.get(strings.ToLower(email)) {
		if expiringStatus(inv.Status, inv.ExpiresAt, now) == "pending" {
			return inv
		}
	}
	return nil
}

// checkInvitation applies Clerk's rules: no existing user with the address;
// no pending invitation unless ignore_existing.
func (e *Emulator) checkInvitation(in invitationInput, bulk bool, now int64) *apiError {
	if id := e.st.identByValue("email_address", in.email); id != nil && (bulk || !in.ignoreExisting) {
		return errIdentifierExists("email_address", fmt.Sprintf("A user with the email address %s already exists.", in.email))
	}
	if !in.ignoreExisting && e.pendingInvitation(in.email, now) != nil {
		return errDuplicate(fmt.Sprintf("There are already pending invitations for the following email addresses: %s", in.email),
			map[string]any{"email_addresses": []string{in.email}})
	}
	return nil
}

func (e *Emulator) commitInvitation(in invitationInput, now int64) *invitationRec {
	s := e.st
	exp := now + in.expiresInDays*86_400_000
	inv := &invitationRec{ID: s.Invitations.newID(), Seq: s.IDs.seq(), Email: in.email, PublicMetadata: in.meta,
		RedirectURL: in.redirect, Status: "pending", Ticket: s.IDs.token(32), ExpiresAt: &exp, CreatedAt: now, UpdatedAt: now}
	s.Invitations.insert(inv)
	if in.notify {
		e.sendEmail(in.template, in.email, "", "You're invited to join", map[string]any{
			"invitation_id": inv.ID, "action_url": e.ticketURL(inv.Ticket)})
	}
	return inv
}

func (e *Emulator) createInvitation(rq *request) (any, *apiError) {
	in := e.readInvitation(rq, rq.body)
	if rq.body.err != nil {
		return nil, rq.body.err
	}
	now := rq.now.UnixMilli()
	if err := e.checkInvitation(in, false, now); err != nil {
		return nil, err
	}
	return e.invitationOut(e.commitInvitation(in, now)), nil
}

// checkBulk validates a bulk body's size: 1 to max items.
func checkBulk(rq *request, maxItems int) *apiError {
	if !rq.array {
		return errBadRequest("request_body_invalid", "The request body must be a JSON array of items.")
	}
	if len(rq.items) == 0 {
		return formErr("form_param_missing", "", "missing data", "The request body must hold at least one item.")
	}
	if len(rq.items) > maxItems {
		return newErr(http.StatusBadRequest, "bulk_size_exceeded", "bulk size exceeded",
			fmt.Sprintf("Parameters exceed the maximum allowed bulk processing size of %d", maxItems), nil)
	}
	return nil
}

// bulkCreateInvitations is all-or-nothing: every item is checked before any
// is created, and duplicates are reported together in meta.email_addresses.
func (e *Emulator) bulkCreateInvitations(rq *request) (any, *apiError) {
	if err := checkBulk(rq, 10); err != nil {
		return nil, err
	}
	now := rq.now.UnixMilli()
	ins := make([]invitationInput, len(rq.items))
	seen := map[string]bool{}
	var dups []string
	for i, f := range rq.items {
		ins[i] = e.readInvitation(rq, f)
		if f.err != nil {
			return nil, f.err
		}
		key := strings.ToLower(ins[i].email)
		if seen[key] {
			return nil, formErr("form_param_duplicate", fmt.Sprintf("[%d].email_address", i), "duplicate",
				fmt.Sprintf("%s appears more than once in the request.", ins[i].email))
		}
		seen[key] = true
		if e.st.identByValue("email_address", ins[i].email) != nil {
			return nil, errIdentifierExists(fmt.Sprintf("[%d].email_address", i), fmt.Sprintf("A user with the email address %s already exists.", ins[i].email))
		}
		if !ins[i].ignoreExisting && e.pendingInvitation(ins[i].email, now) != nil {
			dups = append(dups, ins[i].email)
		}
	}
	if len(dups) > 0 {
		return nil, errDuplicate("There are already pending invitations for the following email addresses: "+strings.Join(dups, ", "),
			map[string]any{"email_addresses": dups})
	}
	out := make([]invitationJSON, len(ins))
	for i, in := range ins {
		out[i] = e.invitationOut(e.commitInvitation(in, now))
	}
	return out, nil
}

func (e *Emulator) listInvitations(rq *request) (any, *apiError) {
	now := rq.now.UnixMilli()
	status := rq.q("status")
	switch status {
	case "", "pending", "accepted", "revoked", "expired":
	default:
		return nil, errQuery("status", "status must be one of pending, accepted, revoked, expired.")
	}
	query := rq.q("query")
	var items []*invitationRec
	for _, inv := range values(e.st.Invitations) {
		if status != "" && expiringStatus(inv.Status, inv.ExpiresAt, now) != status {
			continue
		}
		if query != "" && !containsFold(inv.Email, query) {
			continue
		}
		items = append(items, inv)
	}
	if err := orderBy(rq, items, "-created_at", map[string]orderKey[*invitationRec]{
		"created_at":    func(i *invitationRec) string { return num(i.CreatedAt) },
		"email_address": func(i *invitationRec) string { return strings.ToLower(i.Email) },
		"expires_at":    func(i *invitationRec) string { return nump(i.ExpiresAt) },
	}); err != nil {
		return nil, err
	}
	pg, err := page(rq, items)
	if err != nil {
		return nil, err
	}
	out := make([]invitationJSON, len(pg))
	for i, inv := range pg {
		out[i] = e.invitationOut(inv)
	}
	return listResponse(rq, out, len(items))
}

func (e *Emulator) revokeInvitation(rq *request) (any, *apiError) {
	id := rq.param("invitation_id")
	inv := e.st.Invitations.get(id)
	if inv == nil {
		return nil, errNotFound("invitation " + id)
	}
	switch inv.Status {
	case "revoked":
		return nil, errBadRequest("invitation_already_revoked", "This invitation has already been revoked.")
	case "accepted":
		return nil, errBadRequest("invitation_already_accepted", "This invitation has already been accepted.")
	}
	inv.Status = "revoked"
	inv.UpdatedAt = rq.now.UnixMilli()
	return e.invitationOut(inv), nil
}
