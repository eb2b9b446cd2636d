package emulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

func init() {
	register(map[string]handlerFunc{
		"organizations.create":                     (*Emulator).createOrg,
		"organizations.get":                        (*Emulator).getOrg,
		"organizations.list":                       (*Emulator).listOrgs,
		"organizations.update":                     (*Emulator).updateOrg,
		"organizations.delete":                     (*Emulator).deleteOrg,
		"organizations.mergeMetadata":              (*Emulator).mergeOrgMetadata,
		"organizations.uploadLogo":                 (*Emulator).uploadOrgLogo,
		"organizations.deleteLogo":                 (*Emulator).deleteOrgLogo,
		"organizationMemberships.create":           (*Emulator).createMembership,
		"organizationMemberships.list":             (*Emulator).listOrgMemberships,
		"organizationMemberships.update":           (*Emulator).updateMembership,
		"organizationMemberships.delete":           (*Emulator).deleteMembership,
		"organizationMemberships.updateMetadata":   (*Emulator).updateMembershipMetadata,
		"users.getOrganizationMemberships":         (*Emulator).listUserMemberships,
		"users.getInstanceOrganizationMemberships": (*Emulator).listAllMemberships,
	})
}

// roles are the instance's organization roles: Clerk's two defaults.
var roles = map[string]struct {
	name  string
	perms []string
}{
	"org:admin": {"Admin", []string{"org:sys_profile:manage", "org:sys_profile:delete", "org:sys_memberships:read",
		"org:sys_memberships:manage", "org:sys_domains:read", "org:sys_domains:manage"}},
	"org:member": {"Member", []string{"org:sys_memberships:read"}},
}

type orgJSON struct {
	Object                               string         `json:"object"`
	ID                                   string         `json:"id"`
	Name                                 string         `json:"name"`
	Slug                                 string         `json:"slug"`
	ImageURL                             string         `json:"image_url"`
	HasImage                             bool           `json:"has_image"`
	MembersCount                         *int           `json:"members_count,omitempty"`
	MissingMemberWithElevatedPermissions *bool          `json:"missing_member_with_elevated_permissions,omitempty"`
	PendingInvitationsCount              *int           `json:"pending_invitations_count,omitempty"`
	MaxAllowedMemberships                int64          `json:"max_allowed_memberships"`
	AdminDeleteEnabled                   bool           `json:"admin_delete_enabled"`
	PublicMetadata                       map[string]any `json:"public_metadata"`
	PrivateMetadata                      map[string]any `json:"private_metadata"`
	CreatedBy                            string         `json:"created_by,omitempty"`
	CreatedAt                            int64          `json:"created_at"`
	UpdatedAt                            int64          `json:"updated_at"`
	RoleSetKey                           *string        `json:"role_set_key"`
	LogoURL                              string         `json:"logo_url,omitempty"`
}

func (e *Emulator) orgOut(o *orgRec, counts bool) orgJSON {
	out := orgJSON{Object: "organization", ID: o.ID, Name: o.Name, Slug: o.Slug, ImageURL: defaultImage,
		HasImage: o.HasImage, MaxAllowedMemberships: o.MaxAllowedMemberships, AdminDeleteEnabled: o.AdminDeleteEnabled,
		PublicMetadata: emptyIfNil(o.PublicMetadata), PrivateMetadata: emptyIfNil(o.PrivateMetadata),
		CreatedBy: o.CreatedBy, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, RoleSetKey: o.RoleSetKey}
	if o.HasImage {
		out.ImageURL = "https://img.clerk.com/" + o.ID + "/logo"
	}
	if counts {
		n := 0
		for range e.st.memByOrg.m[o.ID] {
			n++
		}
		pending := 0
		now := e.nowMs()
		for inv := range e.st.orgInvByOrg.m[o.ID] {
			if expiringStatus(inv.Status, inv.ExpiresAt, now) == "pending" {
				pending++
			}
		}
		missing := e.missingElevatedMember(o.ID)
		out.MembersCount, out.PendingInvitationsCount, out.MissingMemberWithElevatedPermissions = &n, &pending, &missing
	}
	return out
}

// missingElevatedMember reports whether no member of the organization has a
// role that may manage its memberships (org:admin, or a created role with
// org:sys_memberships:manage).
func (e *Emulator) missingElevatedMember(orgID string) bool {
	for m := range e.st.memByOrg.m[orgID] {
		if r, ok := e.roleInfo(m.Role); ok && slices.Contains(r.perms, "org:sys_memberships:manage") {
			return false
		}
	}
	return true
}

// withMissingMember adds missing_member_with_elevated_permissions when the
// request asks for it (include_missing_member_with_elevated_permissions).
func (e *Emulator) withMissingMember(rq *request, o *orgRec, out orgJSON) (orgJSON, *apiError) {
	want, _, err := rq.qBool("include_missing_member_with_elevated_permissions")
	if err != nil {
		return out, err
	}
	if want {
		missing := e.missingElevatedMember(o.ID)
		out.MissingMemberWithElevatedPermissions = &missing
	}
	return out, nil
}

// orgParam finds the organization by id or slug, as Clerk's GET does.
func (e *Emulator) orgParam(rq *request) (*orgRec, *apiError) {
	key := rq.param("organization_id")
	if o := e.st.Orgs.get(key); o != nil {
		return o, nil
	}
	if o := e.st.orgBySlug.get(key); o != nil {
		return o, nil
	}
	return nil, errNotFound("organization " + key)
}

func (e *Emulator) slugTaken(slug, self string) bool {
	o := e.st.orgBySlug.get(slug)
	return o != nil && o.ID != self
}

var orgCreateKeys = keySet("name", "created_by", "private_metadata", "public_metadata", "slug",
	"max_allowed_memberships", "created_at", "role_set_key")

func (e *Emulator) createOrg(rq *request) (any, *apiError) {
	s := e.st
	f := rq.body
	f.only(e.bodyKeys(rq, orgCreateKeys))
	now := rq.now.UnixMilli()
	o := &orgRec{CreatedAt: now, UpdatedAt: now, AdminDeleteEnabled: s.Instance.OrgAdminDeleteEnabled,
		MaxAllowedMemberships: s.Instance.OrgMaxAllowedMemberships}
	o.Name = f.reqStr("name")
	createdBy := f.strOr("created_by", "")
	o.PublicMetadata, _ = f.obj("public_metadata")
	o.PrivateMetadata, _ = f.obj("private_metadata")
	slug := f.str("slug")
	if m := f.intp("max_allowed_memberships"); m != nil {
		if *m < 0 {
			f.fail(errValue("max_allowed_memberships", "max_allowed_memberships must be 0 (unlimited) or more."))
		}
		o.MaxAllowedMemberships = *m
	}
	if ca := rfc3339Ms(f, "created_at"); ca != nil {
		o.CreatedAt = *ca
	}
	o.RoleSetKey = f.str("role_set_key")
	if f.err != nil {
		return nil, f.err
	}
	if !s.Instance.OrgsEnabled {
		return nil, newErr(http.StatusForbidden, "organization_not_enabled_in_instance", "organizations not enabled",
			"The organizations feature is not enabled for this instance.", nil)
	}
	if len(o.Name) > 256 {
		return nil, formErr("form_param_max_length_exceeded", "name", "is too long", "name must be at most 256 characters.")
	}
	if slug != nil {
		o.Slug = *slug
		if !slugRe().MatchString(o.Slug) {
			return nil, errFormat("slug", "A slug may contain only lowercase letters, digits, '-' and '_'.")
		}
	} else {
		o.Slug = slugify(o.Name)
		if o.Slug == "" {
			o.Slug = "org"
		}
		// A derived slug gets a suffix instead of failing, as Clerk does.
		for base, i := o.Slug, 2; e.slugTaken(o.Slug, ""); i++ {
			o.Slug = fmt.Sprintf("%s-%d", base, i)
		}
	}
	if e.slugTaken(o.Slug, "") {
		return nil, errIdentifierExists("slug", "This slug is already taken by another organization.")
	}
	if createdBy != "" && s.Users.get(createdBy) == nil {
		return nil, errBadRequest("organization_creator_not_found", fmt.Sprintf("The creator user %s was not found.", createdBy))
	}
	o.ID = s.Orgs.newID()
	o.Seq = s.IDs.seq()
	o.CreatedBy = createdBy
	s.Orgs.insert(o)
	if createdBy != "" {
		m := &membershipRec{ID: s.Memberships.newID(), Seq: s.IDs.seq(), OrgID: o.ID, UserID: createdBy,
			Role: s.Instance.OrgCreatorRole, CreatedAt: now, UpdatedAt: now}
		s.Memberships.insert(m)
	}
	return e.orgOut(o, false), nil
}

func (e *Emulator) getOrg(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	counts, _, qerr := rq.qBool("include_members_count")
	if qerr != nil {
		return nil, qerr
	}
	return e.withMissingMember(rq, o, e.orgOut(o, counts))
}

func (e *Emulator) listOrgs(rq *request) (any, *apiError) {
	s := e.st
	counts, _, qerr := rq.qBool("include_members_count")
	if qerr != nil {
		return nil, qerr
	}
	query := rq.q("query")
	userIDs := rq.qList("user_id")
	orgIDs := rq.qList("organization_id")
	var items []*orgRec
	for _, o := range values(s.Orgs) {
		if query != "" && !containsFold(o.Name, query) && !containsFold(o.Slug, query) && o.ID != query {
			continue
		}
		if len(orgIDs) > 0 && !slices.Contains(orgIDs, o.ID) {
			continue
		}
		if len(userIDs) > 0 {
			member := false
			for m := range s.memByOrg.m[o.ID] {
				if slices.Contains(userIDs, m.UserID) {
					member = true
					break
				}
			}
			if !member {
				continue
			}
		}
		items = append(items, o)
	}
	if err := orderBy(rq, items, "-created_at", map[string]orderKey[*orgRec]{
		"created_at":    func(o *orgRec) string { return num(o.CreatedAt) },
		"name":          func(o *orgRec) string { return strings.ToLower(o.Name) },
		"members_count": func(o *orgRec) string { return num(int64(e.memberCount(o.ID))) },
	}); err != nil {
		return nil, err
	}
	pg, err := page(rq, items)
	if err != nil {
		return nil, err
	}
	out := make([]orgJSON, len(pg))
	for i, o := range pg {
		oj, err := e.withMissingMember(rq, o, e.orgOut(o, counts))
		if err != nil {
			return nil, err
		}
		out[i] = oj
	}
	return map[string]any{"data": out, "total_count": len(items)}, nil
}

func (e *Emulator) memberCount(orgID string) int {
	return e.st.memByOrg.count(orgID)
}

func (e *Emulator) updateOrg(rq *request) (any, *apiError) {
	o0, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("name", "slug", "max_allowed_memberships", "admin_delete_enabled", "created_at", "role_set_key")))
	o := *o0
	if p := f.str("name"); p != nil {
		o.Name = *p
	}
	if p := f.str("slug"); p != nil {
		o.Slug = *p
	}
	if m := f.intp("max_allowed_memberships"); m != nil {
		o.MaxAllowedMemberships = *m
	}
	if b := f.boolp("admin_delete_enabled"); b != nil {
		o.AdminDeleteEnabled = *b
	}
	if ca := rfc3339Ms(f, "created_at"); ca != nil {
		o.CreatedAt = *ca
	}
	if f.has("role_set_key") {
		o.RoleSetKey = f.str("role_set_key")
	}
	if f.err != nil {
		return nil, f.err
	}
	if strings.TrimSpace(o.Name) == "" {
		return nil, errMissing("name")
	}
	if !slugRe().MatchString(o.Slug) {
		return nil, errFormat("slug", "A slug may contain only lowercase letters, digits, '-' and '_'.")
	}
	if e.slugTaken(o.Slug, o.ID) {
		return nil, errIdentifierExists("slug", "This slug is already taken by another organization.")
	}
	o.UpdatedAt = rq.now.UnixMilli()
	e.st.Orgs.update(o0, func() { *o0 = o })
	return e.orgOut(o0, false), nil
}

func (e *Emulator) deleteOrg(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	s := e.st
	for _, m := range s.memByOrg.get(o.ID) {
		s.Memberships.remove(m)
	}
	for _, inv := range s.orgInvByOrg.get(o.ID) {
		s.OrgInvitations.remove(inv)
	}
	for id, d := range s.OrgDomains.all() {
		if d.OrgID == o.ID {
			s.OrgDomains.remove(s.OrgDomains.get(id))
		}
	}
	e.dropOwned(o.ID, rq.now.UnixMilli()) // generic_rules.go
	s.Orgs.remove(s.Orgs.get(o.ID))
	return deletedJSON{ID: o.ID, Object: "organization", Slug: o.Slug, Deleted: true}, nil
}

// metadataPatch reads the body of a metadata merge on an organization or a
// membership: only public_metadata and private_metadata, both objects.
func (e *Emulator) metadataPatch(rq *request) (pub, priv map[string]any, err *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("public_metadata", "private_metadata")))
	pub, _ = f.obj("public_metadata")
	priv, _ = f.obj("private_metadata")
	return pub, priv, f.err
}

func (e *Emulator) mergeOrgMetadata(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	pub, priv, aerr := e.metadataPatch(rq)
	if aerr != nil {
		return nil, aerr
	}
	e.st.Orgs.update(o, func() {
		o.PublicMetadata = deepMerge(o.PublicMetadata, pub)
		o.PrivateMetadata = deepMerge(o.PrivateMetadata, priv)
		o.UpdatedAt = rq.now.UnixMilli()
	})
	return e.orgOut(o, false), nil
}

func (e *Emulator) uploadOrgLogo(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	up, ok := rq.file("file")
	if !ok {
		return nil, errMissing("file")
	}
	if aerr := checkImage(up); aerr != nil {
		return nil, aerr
	}
	if uid := rq.body.strOr("uploader_user_id", ""); uid != "" && e.st.Users.get(uid) == nil {
		return nil, errNotFound("user " + uid)
	}
	e.st.Orgs.update(o, func() { o.HasImage, o.UpdatedAt = true, rq.now.UnixMilli() })
	out := e.orgOut(o, false)
	out.LogoURL = out.ImageURL
	return out, nil
}

// checkImage applies the checks Clerk makes on an uploaded logo or profile
// image: an image type, at most 10 MiB.
func checkImage(up upload) *apiError {
	if up.ContentType != "" && !strings.HasPrefix(up.ContentType, "image/") {
		return errValue("file", fmt.Sprintf("The file must be an image, got %s.", up.ContentType))
	}
	if up.Size > 10<<20 {
		return formErr("form_param_max_length_exceeded", "file", "too large", "The image must be at most 10 MiB.")
	}
	return nil
}

func (e *Emulator) deleteOrgLogo(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	if !o.HasImage {
		return nil, errNotFound("logo of organization " + o.ID)
	}
	e.st.Orgs.update(o, func() { o.HasImage, o.UpdatedAt = false, rq.now.UnixMilli() })
	return e.orgOut(o, false), nil
}

// ---- memberships ----

type publicUserJSON struct {
	UserID          string  `json:"user_id"`
	FirstName       *string `json:"first_name"`
	LastName        *string `json:"last_name"`
	ProfileImageURL *string `json:"profile_image_url"`
	ImageURL        string  `json:"image_url"`
	HasImage        bool    `json:"has_image"`
	Identifier      *string `json:"identifier"`
	Username        *string `json:"username,omitempty"`
	Banned          bool    `json:"banned"`
}

type membershipJSON struct {
	ID              string         `json:"id"`
	Object          string         `json:"object"`
	Role            string         `json:"role"`
	RoleName        string         `json:"role_name"`
	Permissions     []string       `json:"permissions"`
	PublicMetadata  map[string]any `json:"public_metadata"`
	PrivateMetadata map[string]any `json:"private_metadata"`
	Organization    orgJSON        `json:"organization"`
	PublicUserData  publicUserJSON `json:"public_user_data"`
	CreatedAt       int64          `json:"created_at"`
	UpdatedAt       int64          `json:"updated_at"`
}

func (e *Emulator) identifierOf(u *userRec) *string {
	if em := e.primaryEmail(u); em != "" {
		if r := e.st.Idents.get(*u.PrimaryEmailID); r != nil {
			return &r.Value
		}
	}
	if ph := e.primaryPhone(u); ph != "" {
		return &ph
	}
	if u.Username != nil {
		return u.Username
	}
	return u.ExternalID
}

func (e *Emulator) membershipOut(m *membershipRec) membershipJSON {
	role, _ := e.roleInfo(m.Role) // generic_rules.go
	out := membershipJSON{ID: m.ID, Object: "organization_membership", Role: m.Role, RoleName: role.name,
		Permissions: append([]string{}, role.perms...), PublicMetadata: emptyIfNil(m.PublicMetadata),
		PrivateMetadata: emptyIfNil(m.PrivateMetadata), CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		PublicUserData: publicUserJSON{UserID: m.UserID, ImageURL: defaultImage, ProfileImageURL: ptr(defaultImage)}}
	if o := e.st.Orgs.get(m.OrgID); o != nil {
		out.Organization = e.orgOut(o, false)
	}
	if u := e.st.Users.get(m.UserID); u != nil {
		out.PublicUserData.FirstName, out.PublicUserData.LastName = u.FirstName, u.LastName
		out.PublicUserData.Identifier = e.identifierOf(u)
		out.PublicUserData.Username = u.Username
		out.PublicUserData.Banned = u.Banned
		out.PublicUserData.HasImage = u.HasImage
		out.PublicUserData.ImageURL, out.PublicUserData.ProfileImageURL = u.imageURL(), ptr(u.imageURL())
	}
	return out
}

func (e *Emulator) membershipOf(orgID, userID string) *membershipRec {
	for m := range e.st.memByUser.m[userID] {
		if m.OrgID == orgID {
			return m
		}
	}
	return nil
}

func (e *Emulator) createMembership(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	s := e.st
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("user_id", "role", "public_metadata", "private_metadata")))
	userID := f.reqStr("user_id")
	role := f.reqStr("role")
	pub, _ := f.obj("public_metadata")
	priv, _ := f.obj("private_metadata")
	if f.err != nil {
		return nil, f.err
	}
	if err := e.checkRole("role", role); err != nil {
		return nil, err
	}
	if s.Users.get(userID) == nil {
		return nil, errNotFound("user " + userID)
	}
	if e.membershipOf(o.ID, userID) != nil {
		return nil, errBadRequest("already_a_member_in_organization", fmt.Sprintf("User %s is already a member of the organization.", userID))
	}
	if o.MaxAllowedMemberships > 0 && int64(e.memberCount(o.ID)) >= o.MaxAllowedMemberships {
		return nil, newErr(http.StatusForbidden, "organization_membership_quota_exceeded", "membership quota exceeded",
			fmt.Sprintf("The organization has reached its limit of %d members.", o.MaxAllowedMemberships), nil)
	}
	now := rq.now.UnixMilli()
	m := &membershipRec{ID: s.Memberships.newID(), Seq: s.IDs.seq(), OrgID: o.ID, UserID: userID, Role: role,
		PublicMetadata: pub, PrivateMetadata: priv, CreatedAt: now, UpdatedAt: now}
	s.Memberships.insert(m)
	return e.membershipOut(m), nil
}

func (e *Emulator) membershipParam(rq *request) (*membershipRec, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	uid := rq.param("user_id")
	m := e.membershipOf(o.ID, uid)
	if m == nil {
		return nil, errNotFound(fmt.Sprintf("membership of user %s in organization %s", uid, o.ID))
	}
	return m, nil
}

var membershipOrder = func(e *Emulator) map[string]orderKey[*membershipRec] {
	user := func(m *membershipRec) *userRec {
		if u := e.st.Users.get(m.UserID); u != nil {
			return u
		}
		return &userRec{}
	}
	return map[string]orderKey[*membershipRec]{
		"created_at":    func(m *membershipRec) string { return num(m.CreatedAt) },
		"email_address": func(m *membershipRec) string { return e.primaryEmail(user(m)) },
		"phone_number":  func(m *membershipRec) string { return e.primaryPhone(user(m)) },
		"first_name":    func(m *membershipRec) string { return strings.ToLower(deref(user(m).FirstName)) },
		"last_name":     func(m *membershipRec) string { return strings.ToLower(deref(user(m).LastName)) },
		"username":      func(m *membershipRec) string { return strings.ToLower(deref(user(m).Username)) },
	}
}

// membershipList lists the memberships keep accepts among from (all when
// nil), oldest first before ordering.
func (e *Emulator) membershipList(rq *request, from []*membershipRec, keep func(*membershipRec) bool) (any, *apiError) {
	if from == nil {
		from = values(e.st.Memberships)
	}
	var items []*membershipRec
	for _, m := range from {
		if keep(m) {
			items = append(items, m)
		}
	}
	if err := orderBy(rq, items, "-created_at", membershipOrder(e)); err != nil {
		return nil, err
	}
	pg, err := page(rq, items)
	if err != nil {
		return nil, err
	}
	out := make([]membershipJSON, len(pg))
	for i, m := range pg {
		out[i] = e.membershipOut(m)
	}
	return map[string]any{"data": out, "total_count": len(items)}, nil
}

func (e *Emulator) listOrgMemberships(rq *request) (any, *apiError) {
	o, err := e.orgParam(rq)
	if err != nil {
		return nil, err
	}
	userIDs := rq.qList("user_id")
	rolesQ := rq.qList("role")
	emails := rq.qList("email_address")
	query := rq.q("query")
	return e.membershipList(rq, e.st.memByOrg.get(o.ID), func(m *membershipRec) bool {
		if m.OrgID != o.ID {
			return false
		}
		if len(userIDs) > 0 && !slices.Contains(userIDs, m.UserID) {
			return false
		}
		if len(rolesQ) > 0 && !slices.Contains(rolesQ, m.Role) {
			return false
		}
		u := e.st.Users.get(m.UserID)
		if u == nil {
			return false
		}
		if len(emails) > 0 && !slices.ContainsFunc(emails, func(em string) bool { return strings.EqualFold(em, e.primaryEmail(u)) }) {
			return false
		}
		if query != "" {
			hay := []string{u.ID, e.primaryEmail(u), e.primaryPhone(u), deref(u.Username), deref(u.FirstName) + " " + deref(u.LastName)}
			if !slices.ContainsFunc(hay, func(h string) bool { return containsFold(h, query) }) {
				return false
			}
		}
		return true
	})
}

func (e *Emulator) listUserMemberships(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	return e.membershipList(rq, e.st.memByUser.get(u.ID), func(m *membershipRec) bool { return m.UserID == u.ID })
}

func (e *Emulator) listAllMemberships(rq *request) (any, *apiError) {
	return e.membershipList(rq, nil, func(*membershipRec) bool { return true })
}

func (e *Emulator) updateMembership(rq *request) (any, *apiError) {
	m, err := e.membershipParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("role")))
	role := f.reqStr("role")
	if f.err != nil {
		return nil, f.err
	}
	if err := e.checkRole("role", role); err != nil {
		return nil, err
	}
	e.st.Memberships.update(m, func() { m.Role, m.UpdatedAt = role, rq.now.UnixMilli() })
	return e.membershipOut(m), nil
}

func (e *Emulator) deleteMembership(rq *request) (any, *apiError) {
	m, err := e.membershipParam(rq)
	if err != nil {
		return nil, err
	}
	out := e.membershipOut(m)
	e.st.Memberships.remove(e.st.Memberships.get(m.ID))
	return out, nil
}

func (e *Emulator) updateMembershipMetadata(rq *request) (any, *apiError) {
	m, err := e.membershipParam(rq)
	if err != nil {
		return nil, err
	}
	pub, priv, aerr := e.metadataPatch(rq)
	if aerr != nil {
		return nil, aerr
	}
	e.st.Memberships.update(m, func() {
		m.PublicMetadata = deepMerge(m.PublicMetadata, pub)
		m.PrivateMetadata = deepMerge(m.PrivateMetadata, priv)
		m.UpdatedAt = rq.now.UnixMilli()
	})
	return e.membershipOut(m), nil
}
