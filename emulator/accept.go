package emulator

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/clerkscript/clerkscript/core"
)

// Accepting an organization invitation happens on Clerk's Frontend API: the
// invited person follows the invitation's link and signs up (or signs in and
// accepts it). The emulator serves no Frontend API, so it offers that step as
// AcceptOrganizationInvitation and as
//
//	POST /_emulator/organization_invitations/{invitation_id}/accept
//
// (with the secret key, body optionally {"user_id": "..."}). It does what
// Clerk does on acceptance: the user (the one given, else the one owning the
// invited address, else a new user signed up with it: user.created) joins
// the organization with the invited role and the invitation's metadata
// (organizationMembership.created), and the invitation becomes accepted
// (organizationInvitation.accepted, carrying user_id).

// orgInvitationEventJSON is an organization invitation as webhooks carry it:
// with its organization's public data, and user_id once accepted.
type orgInvitationEventJSON struct {
	orgInvitationJSON
	UserID *string `json:"user_id,omitempty"`
}

func (e *Emulator) orgInvitationEvent(r *orgInvitationRec) any {
	out := orgInvitationEventJSON{orgInvitationJSON: e.orgInvitationOut(r, true)}
	if r.AcceptedUserID != "" {
		out.UserID = &r.AcceptedUserID
	}
	return out
}

// AcceptOrganizationInvitation accepts a pending organization invitation as
// the invited person would through Clerk's Frontend API, and returns the
// invitation as the organizationInvitation.accepted event carries it (JSON).
// userID names the accepting user ("" for the user owning the invited email
// address, or a new one signed up with it); the address must be one of theirs.
func (e *Emulator) AcceptOrganizationInvitation(invitationID, userID string) (json.RawMessage, error) {
	e.mu.Lock()
	out, aerr := e.acceptOrgInvitation(invitationID, userID)
	e.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	return json.Marshal(out)
}

func (e *Emulator) acceptOrgInvitation(invitationID, userID string) (any, *apiError) {
	s := e.st
	now := e.now()
	nowMs := now.UnixMilli()
	inv := s.OrgInvitations.get(invitationID)
	if inv == nil {
		return nil, errNotFound("organization invitation " + invitationID)
	}
	if err := acceptable(inv.Status, inv.ExpiresAt, nowMs); err != nil {
		return nil, err
	}
	o := s.Orgs.get(inv.OrgID)
	if o == nil {
		return nil, errNotFound("organization " + inv.OrgID)
	}
	var u *userRec
	owner := s.identByValue("email_address", inv.Email)
	switch {
	case userID != "":
		if u = s.Users.get(userID); u == nil {
			return nil, errNotFound("user " + userID)
		}
		if owner == nil || owner.UserID != u.ID {
			return nil, errBadRequest("organization_invitation_not_for_user",
				fmt.Sprintf("This invitation is for %s, which is not an email address of user %s.", inv.Email, u.ID))
		}
	case owner != nil:
		if u = s.Users.get(owner.UserID); u == nil {
			return nil, errNotFound("user " + owner.UserID)
		}
	}
	if u != nil && e.membershipOf(o.ID, u.ID) != nil {
		return nil, errBadRequest("already_a_member_in_organization", fmt.Sprintf("User %s is already a member of the organization.", u.ID))
	}
	if o.MaxAllowedMemberships > 0 && int64(e.memberCount(o.ID)) >= o.MaxAllowedMemberships {
		return nil, newErr(http.StatusForbidden, "organization_membership_quota_exceeded", "membership quota exceeded",
			fmt.Sprintf("The organization has reached its limit of %d members.", o.MaxAllowedMemberships), nil)
	}
	if u == nil {
		// A sign-up through the invitation: the address is verified.
		op, _ := core.LookupOperation("users.create")
		rq := &request{op: op, path: map[string]string{}, body: newForm(map[string]any{"email_address": []any{inv.Email}}), now: now}
		created, aerr := e.createUser(rq)
		if aerr != nil {
			return nil, aerr
		}
		u = s.Users.get(created.(userJSON).ID)
	}
	m := &membershipRec{ID: s.Memberships.newID(), Seq: s.IDs.seq(), OrgID: o.ID, UserID: u.ID, Role: inv.Role,
		PublicMetadata: cloneMapOrNil(inv.PublicMetadata), PrivateMetadata: cloneMapOrNil(inv.PrivateMetadata),
		CreatedAt: nowMs, UpdatedAt: nowMs}
	s.Memberships.insert(m)
	s.OrgInvitations.update(inv, func() { inv.Status, inv.AcceptedUserID, inv.UpdatedAt = "accepted", u.ID, nowMs })
	return e.orgInvitationEvent(inv), nil
}

// AcceptInvitation accepts a pending application invitation as the invited
// person would by signing up through its link on the Frontend API: a user is
// created with the invited email address (verified) and the invitation's
// public_metadata (user.created), and the invitation becomes accepted. It
// returns the invitation and the new user's id.
func (e *Emulator) AcceptInvitation(invitationID string) (json.RawMessage, error) {
	e.mu.Lock()
	out, aerr := e.acceptInvitation(invitationID)
	e.mu.Unlock()
	if aerr != nil {
		return nil, aerr
	}
	return json.Marshal(out)
}

func (e *Emulator) acceptInvitation(invitationID string) (any, *apiError) {
	s := e.st
	now := e.now()
	inv := s.Invitations.get(invitationID)
	if inv == nil {
		return nil, errNotFound("invitation " + invitationID)
	}
	if err := acceptable(inv.Status, inv.ExpiresAt, now.UnixMilli()); err != nil {
		return nil, err
	}
	if s.identByValue("email_address", inv.Email) != nil {
		return nil, errIdentifierExists("email_address", "That email address is taken. Please try another.")
	}
	op, _ := core.LookupOperation("users.create")
	body := map[string]any{"email_address": []any{inv.Email}}
	if len(inv.PublicMetadata) > 0 {
		body["public_metadata"] = cloneMap(inv.PublicMetadata)
	}
	created, aerr := e.createUser(&request{op: op, path: map[string]string{}, body: newForm(body), now: now})
	if aerr != nil {
		return nil, aerr
	}
	s.Invitations.update(inv, func() { inv.Status, inv.UpdatedAt = "accepted", now.UnixMilli() })
	return map[string]any{"invitation": e.invitationOut(inv), "user_id": created.(userJSON).ID}, nil
}

func cloneMapOrNil(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return cloneMap(m)
}

// serveEmulatorAccept answers POST /_emulator/organization_invitations/{id}/accept
// and POST /_emulator/invitations/{id}/accept (rest is the path after the
// collection, kind "organization_invitations" or "invitations").
func (e *Emulator) serveEmulatorAccept(w http.ResponseWriter, r *http.Request, kind, rest string) {
	id, ok := strings.CutSuffix(rest, "/accept")
	if !ok || id == "" || strings.Contains(id, "/") || r.Method != http.MethodPost {
		e.writeErr(w, errNotFound(fmt.Sprintf("no operation serves %s %s", r.Method, r.URL.Path)), nil)
		return
	}
	if aerr := e.authenticate(r); aerr != nil {
		e.writeErr(w, aerr, nil)
		return
	}
	userID := r.URL.Query().Get("user_id")
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	if err != nil {
		e.writeErr(w, errBadRequest("request_body_invalid", "The request body could not be read."), nil)
		return
	}
	if len(strings.TrimSpace(string(body))) > 0 {
		var in map[string]any
		if err := json.Unmarshal(body, &in); err != nil {
			e.writeErr(w, errBadRequest("malformed_request", "The request body is not a JSON object."), nil)
			return
		}
		for k, v := range in {
			if k != "user_id" || kind == "invitations" {
				e.writeErr(w, errUnknownParam(k), nil)
				return
			}
			s, ok := v.(string)
			if !ok {
				e.writeErr(w, errTypeInvalid("user_id", "string"), nil)
				return
			}
			userID = s
		}
	}
	e.mu.Lock()
	e.reqIP, e.reqUA = clientIP(r), r.UserAgent()
	var out any
	var aerr *apiError
	if kind == "invitations" {
		out, aerr = e.acceptInvitation(id)
	} else {
		out, aerr = e.acceptOrgInvitation(id, userID)
	}
	e.mu.Unlock()
	if aerr != nil {
		e.writeErr(w, aerr, nil)
		return
	}
	e.writeJSON(w, http.StatusOK, out, nil)
}

// acceptable refuses an invitation that was accepted or revoked already, or
// has expired, with the error Clerk gives for each.
func acceptable(status string, expiresAt *int64, nowMs int64) *apiError {
	switch expiringStatus(status, expiresAt, nowMs) {
	case "accepted":
		return errBadRequest("invitation_already_accepted", "This invitation has already been accepted.")
	case "revoked":
		return errBadRequest("invitation_already_revoked", "This invitation has been revoked.")
	case "expired":
		return errBadRequest("invitation_expired", "This invitation has expired.")
	}
	return nil
}
