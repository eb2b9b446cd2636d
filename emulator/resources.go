package emulator

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/btree"
)

// The instance's collections, each declared once: state-file key, id prefix,
// webhook events, indexes and load checks. The handlers reach them as fields
// of state (s.Users, ...).

// seqOf is implemented by every record so lists can be ordered by creation.
type seqOf interface{ seq() uint64 }

func (r *userRec) key() string          { return r.ID }
func (r *identRec) key() string         { return r.ID }
func (r *invitationRec) key() string    { return r.ID }
func (r *orgRec) key() string           { return r.ID }
func (r *membershipRec) key() string    { return r.ID }
func (r *orgInvitationRec) key() string { return r.ID }
func (r *orgDomainRec) key() string     { return r.ID }
func (r *listIdentRec) key() string     { return r.ID }
func (r *redirectRec) key() string      { return r.ID }
func (r *jwtTemplateRec) key() string   { return r.ID }
func (r *tokenRec) key() string         { return r.ID }
func (r *waitlistRec) key() string      { return r.ID }
func (r *sessionRec) key() string       { return r.ID }

func (r *userRec) seq() uint64          { return r.Seq }
func (r *identRec) seq() uint64         { return r.Seq }
func (r *invitationRec) seq() uint64    { return r.Seq }
func (r *orgRec) seq() uint64           { return r.Seq }
func (r *membershipRec) seq() uint64    { return r.Seq }
func (r *orgInvitationRec) seq() uint64 { return r.Seq }
func (r *orgDomainRec) seq() uint64     { return r.Seq }
func (r *listIdentRec) seq() uint64     { return r.Seq }
func (r *redirectRec) seq() uint64      { return r.Seq }
func (r *jwtTemplateRec) seq() uint64   { return r.Seq }
func (r *tokenRec) seq() uint64         { return r.Seq }
func (r *waitlistRec) seq() uint64      { return r.Seq }
func (r *sessionRec) seq() uint64       { return r.Seq }

// values returns a table's records oldest first.
func values[T record](t *table[T]) []T { return t.sorted() }

var (
	_ = declare(&resource[*userRec]{
		name: "users", prefix: "user", field: func(s *state) **table[*userRec] { return &s.Users }, order: 0,
		created: "user.created", updated: "user.updated", deleted: "user.deleted",
		out: func(e *Emulator, u *userRec) any { return e.userOut(u) },
		gone: func(_ *Emulator, u *userRec) any {
			return deletedJSON{ID: u.ID, Object: "user", ExternalID: u.ExternalID, Deleted: true}
		},
		indexes:      userIndexes,
		check:        checkUser,
		checkDerives: true,
		fast:         decodeUserFast,
	})
	_ = declare(&resource[*identRec]{
		name: "identifications", prefix: "idn", field: func(s *state) **table[*identRec] { return &s.Idents }, order: 1,
		indexes: func(s *state, t *table[*identRec]) []index[*identRec] {
			// One map per kind, keyed by the lower-case value: no key string
			// is built per record (a lower-case address shares its bytes).
			s.emailByVal = newUnique(func(r *identRec) string { return identKey(r, "email_address") })
			s.phoneByVal = newUnique(func(r *identRec) string { return identKey(r, "phone_number") })
			return []index[*identRec]{s.emailByVal, s.phoneByVal}
		},
		checkTable: checkIdents,
		fast:       decodeIdentFast,
	})
	_ = declare(&resource[*invitationRec]{
		name: "invitations", prefix: "inv", field: func(s *state) **table[*invitationRec] { return &s.Invitations },
		indexes: func(s *state, t *table[*invitationRec]) []index[*invitationRec] {
			s.invByEmail = newMulti(func(r *invitationRec) string { return strings.ToLower(r.Email) })
			return []index[*invitationRec]{s.invByEmail}
		},
		check: func(s *state, r *invitationRec) error { return invStatus("invitation", r.ID, r.Status) },
	})
	_ = declare(&resource[*orgRec]{
		name: "organizations", prefix: "org", field: func(s *state) **table[*orgRec] { return &s.Orgs },
		created: "organization.created", updated: "organization.updated", deleted: "organization.deleted",
		out: func(e *Emulator, o *orgRec) any { return e.orgOut(o, false) },
		gone: func(_ *Emulator, o *orgRec) any {
			return deletedJSON{ID: o.ID, Object: "organization", Slug: o.Slug, Deleted: true}
		},
		indexes: func(s *state, t *table[*orgRec]) []index[*orgRec] {
			s.orgBySlug = newUnique(func(o *orgRec) string { return o.Slug })
			return []index[*orgRec]{s.orgBySlug}
		},
	})
	_ = declare(&resource[*membershipRec]{
		name: "organization_memberships", prefix: "orgmem", field: func(s *state) **table[*membershipRec] { return &s.Memberships }, order: 2,
		created: "organizationMembership.created", updated: "organizationMembership.updated", deleted: "organizationMembership.deleted",
		out:  func(e *Emulator, m *membershipRec) any { return e.membershipOut(m) },
		gone: func(e *Emulator, m *membershipRec) any { return e.membershipOut(m) },
		indexes: func(s *state, t *table[*membershipRec]) []index[*membershipRec] {
			s.memByOrg = newMulti(func(m *membershipRec) string { return m.OrgID })
			s.memByUser = newMulti(func(m *membershipRec) string { return m.UserID })
			return []index[*membershipRec]{s.memByOrg, s.memByUser}
		},
		check: func(s *state, r *membershipRec) error {
			if s.Orgs.get(r.OrgID) == nil || s.Users.get(r.UserID) == nil {
				return fmt.Errorf("membership %s refers to a missing organization or user", r.ID)
			}
			return nil
		},
	})
	_ = declare(&resource[*orgInvitationRec]{
		name: "organization_invitations", prefix: "orginv", field: func(s *state) **table[*orgInvitationRec] { return &s.OrgInvitations }, order: 2,
		created:      "organizationInvitation.created",
		status:       func(r *orgInvitationRec) string { return r.Status },
		statusEvents: map[string]string{"accepted": "organizationInvitation.accepted", "revoked": "organizationInvitation.revoked"},
		out:          func(e *Emulator, r *orgInvitationRec) any { return e.orgInvitationEvent(r) },
		indexes: func(s *state, t *table[*orgInvitationRec]) []index[*orgInvitationRec] {
			s.orgInvByOrg = newMulti(func(r *orgInvitationRec) string { return r.OrgID })
			return []index[*orgInvitationRec]{s.orgInvByOrg}
		},
		check: func(s *state, r *orgInvitationRec) error {
			if s.Orgs.get(r.OrgID) == nil {
				return fmt.Errorf("organization invitation %s refers to a missing organization", r.ID)
			}
			return invStatus("organization invitation", r.ID, r.Status)
		},
	})
	_ = declare(&resource[*orgDomainRec]{
		name: "organization_domains", prefix: "orgdmn", field: func(s *state) **table[*orgDomainRec] { return &s.OrgDomains }, order: 2,
		created: "organizationDomain.created", updated: "organizationDomain.updated", deleted: "organizationDomain.deleted",
		out: func(e *Emulator, d *orgDomainRec) any { return e.orgDomainOut(d) },
		gone: func(_ *Emulator, d *orgDomainRec) any {
			return deletedJSON{ID: d.ID, Object: "organization_domain", Deleted: true}
		},
		check: func(s *state, r *orgDomainRec) error {
			if s.Orgs.get(r.OrgID) == nil {
				return fmt.Errorf("organization domain %s refers to a missing organization", r.ID)
			}
			return nil
		},
	})
	_ = declare(&resource[*listIdentRec]{
		name: "allowlist_identifiers", prefix: "alid", field: func(s *state) **table[*listIdentRec] { return &s.Allowlist },
	})
	_ = declare(&resource[*listIdentRec]{
		name: "blocklist_identifiers", prefix: "blid", field: func(s *state) **table[*listIdentRec] { return &s.Blocklist },
	})
	_ = declare(&resource[*redirectRec]{
		name: "redirect_urls", prefix: "ru", field: func(s *state) **table[*redirectRec] { return &s.RedirectURLs },
	})
	_ = declare(&resource[*jwtTemplateRec]{
		name: "jwt_templates", prefix: "jtmp", field: func(s *state) **table[*jwtTemplateRec] { return &s.JWTTemplates },
	})
	_ = declare(&resource[*tokenRec]{
		name: "sign_in_tokens", prefix: "sit", field: func(s *state) **table[*tokenRec] { return &s.SignInTokens },
	})
	_ = declare(&resource[*tokenRec]{
		name: "actor_tokens", prefix: "act", field: func(s *state) **table[*tokenRec] { return &s.ActorTokens },
	})
	_ = declare(&resource[*waitlistRec]{
		name: "waitlist_entries", prefix: "wle", field: func(s *state) **table[*waitlistRec] { return &s.Waitlist },
		created: "waitlistEntry.created", updated: "waitlistEntry.updated",
		out: func(e *Emulator, w *waitlistRec) any { return e.waitlistOut(w) },
	})
	_ = declare(&resource[*sessionRec]{
		name: "sessions", prefix: "sess", field: func(s *state) **table[*sessionRec] { return &s.Sessions }, order: 1,
		created: "session.created",
		status:  func(r *sessionRec) string { return r.Status },
		statusEvents: map[string]string{"ended": "session.ended", "removed": "session.removed", "revoked": "session.revoked",
			"pending": "session.pending"},
		out: func(e *Emulator, r *sessionRec) any { return e.sessionOut(r) },
		indexes: func(s *state, t *table[*sessionRec]) []index[*sessionRec] {
			s.sessByUser = newMulti(func(r *sessionRec) string { return r.UserID })
			return []index[*sessionRec]{s.sessByUser}
		},
		check: func(s *state, r *sessionRec) error {
			if s.Users.get(r.UserID) == nil && r.Status == "active" {
				return fmt.Errorf("active session %s refers to a missing user", r.ID)
			}
			return nil
		},
	})
)

// invStatus: handlers compare statuses to these words; any other would make
// an invitation that can neither be listed by status nor revoked correctly.
func invStatus(kind, k, st string) error {
	switch st {
	case "pending", "accepted", "revoked":
		return nil
	}
	return fmt.Errorf("%s %s has status %q; want pending, accepted or revoked (expired is derived from expires_at)", kind, k, st)
}

// checkUser: every identification is listed exactly once, by its own user,
// under its kind: handlers delete a user's identifications through these
// lists, so an unlisted one would outlive its user and keep its address taken.
//
// It also sets the user's sort keys as deriveSortKeys does (the users
// resource declares checkDerives): both look up the user's identifications,
// and a million users are looked up once instead of twice.
func checkUser(s *state, r *userRec) error {
	r.sortEmail, r.sortPhone = "", ""
	for _, l := range [2]struct {
		kind string
		ids  []string
	}{{"email_address", r.EmailIDs}, {"phone_number", r.PhoneIDs}} {
		kind := l.kind
		for _, id := range l.ids {
			idn := s.Idents.get(id)
			switch {
			case idn == nil:
				return fmt.Errorf("user %s refers to missing identification %s", r.ID, id)
			case idn.Kind != kind:
				return fmt.Errorf("user %s lists identification %s (a %s) among its %ss", r.ID, id, idn.Kind, kind)
			case idn.UserID != r.ID:
				return fmt.Errorf("user %s lists identification %s, which belongs to user %s", r.ID, id, idn.UserID)
			}
			// The primaries are checked below to be among the lists.
			if r.PrimaryEmailID != nil && *r.PrimaryEmailID == id {
				r.sortEmail = strings.ToLower(idn.Value)
			}
			if r.PrimaryPhoneID != nil && *r.PrimaryPhoneID == id {
				r.sortPhone = idn.Value
			}
		}
	}
	// No identification twice (checkIdents counts on it).
	all := r.EmailIDs
	if len(r.PhoneIDs) > 0 {
		all = append(slices.Clip(r.EmailIDs), r.PhoneIDs...)
	}
	for i, id := range all {
		if slices.Contains(all[:i], id) {
			return fmt.Errorf("user %s lists identification %s twice", r.ID, id)
		}
	}
	for _, p := range []*string{r.PrimaryEmailID, r.PrimaryPhoneID} {
		if p != nil && !listsIdent(r, *p) {
			return fmt.Errorf("user %s has primary identification %s, which is not one of its own", r.ID, *p)
		}
	}
	return nil
}

func listsIdent(u *userRec, id string) bool {
	for _, x := range u.EmailIDs {
		if x == id {
			return true
		}
	}
	for _, x := range u.PhoneIDs {
		if x == id {
			return true
		}
	}
	return false
}

// checkIdents checks the loaded identifications by counting. checkUser has
// passed for every user (users are checked first): each identification a
// user lists exists, has the list's kind, names that user as its owner, and
// is listed once. So each identification is listed at most once, by its
// owner, and if there are as many listings as identifications, every one is
// listed, by an existing user. If the value indexes hold one entry per
// identification, no two share a value (and none is empty). Only when a
// count is off are the identifications checked one by one, to name the
// culprit.
func checkIdents(s *state) error {
	listed := 0
	for _, u := range s.Users.rows {
		listed += len(u.EmailIDs) + len(u.PhoneIDs)
	}
	n := s.Idents.len()
	if listed == n && len(s.emailByVal.m)+len(s.phoneByVal.m) == n {
		return nil
	}
	for _, r := range s.Idents.rows {
		if err := checkIdent(s, r); err != nil {
			return err
		}
	}
	return errors.New("identifications and users' lists of them do not match")
}

func checkIdent(s *state, r *identRec) error {
	u := s.Users.get(r.UserID)
	if u == nil || (r.Kind != "email_address" && r.Kind != "phone_number") {
		return fmt.Errorf("identification %s has a missing user or an unknown kind", r.ID)
	}
	n := 0
	for _, ids := range [2][]string{u.EmailIDs, u.PhoneIDs} {
		for _, x := range ids {
			if x == r.ID {
				n++
			}
		}
	}
	if n != 1 {
		return fmt.Errorf("identification %s belongs to user %s, which lists it %d times", r.ID, r.UserID, n)
	}
	switch o := s.identByValue(r.Kind, r.Value); {
	case o == nil:
		return fmt.Errorf("identification %s has an empty %s", r.ID, r.Kind)
	case o != r:
		return fmt.Errorf("identification %s has the same %s as %s", r.ID, r.Kind, o.ID)
	}
	return nil
}

// ---- generic indexes ----

// unique maps a key to the one record holding it ("" keys are not indexed).
type unique[T record] struct {
	key func(T) string
	m   map[string]T
}

func newUnique[T record](key func(T) string) *unique[T] {
	return &unique[T]{key: key, m: map[string]T{}}
}

func (u *unique[T]) add(r T) {
	if k := u.key(r); k != "" {
		u.m[k] = r
	}
}

func (u *unique[T]) remove(r T) {
	if k := u.key(r); k != "" && u.m[k] == r {
		delete(u.m, k)
	}
}

func (u *unique[T]) get(k string) T { return u.m[k] }

// build indexes a loaded table in a map sized for the records that have a
// key: most tables' optional keys (usernames, phone numbers) are mostly
// empty, and a map sized for a million entries is tens of MB of fresh
// memory to clear.
func (u *unique[T]) build(rows []T) {
	n := 0
	for _, r := range rows {
		if u.key(r) != "" {
			n++
		}
	}
	u.m = make(map[string]T, n)
	for _, r := range rows {
		u.add(r)
	}
}

// multi maps a key to the records holding it.
type multi[T record] struct {
	key func(T) string
	m   map[string]map[T]struct{}
}

func newMulti[T record](key func(T) string) *multi[T] {
	return &multi[T]{key: key, m: map[string]map[T]struct{}{}}
}

func (x *multi[T]) add(r T) {
	k := x.key(r)
	set := x.m[k]
	if set == nil {
		set = map[T]struct{}{}
		x.m[k] = set
	}
	set[r] = struct{}{}
}

func (x *multi[T]) remove(r T) {
	k := x.key(r)
	if set := x.m[k]; set != nil {
		delete(set, r)
		if len(set) == 0 {
			delete(x.m, k)
		}
	}
}

// get returns the records holding k, oldest first.
func (x *multi[T]) get(k string) []T {
	set := x.m[k]
	out := make([]T, 0, len(set))
	for r := range set {
		out = append(out, r)
	}
	sortBySeq(out)
	return out
}

func (x *multi[T]) count(k string) int { return len(x.m[k]) }

func sortBySeq[T record](rs []T) {
	if len(rs) < 2 {
		return
	}
	slices.SortFunc(rs, func(a, b T) int { return cmpU64(a.seq(), b.seq()) })
}

// ordered keeps records sorted by less (ties broken by creation sequence),
// so a page in either direction costs O(log n + page).
type ordered[T record] struct {
	t *btree.BTreeG[T]
}

func newOrdered[T record](less func(a, b T) int) *ordered[T] {
	return &ordered[T]{t: btree.NewG(32, func(a, b T) bool {
		if c := less(a, b); c != 0 {
			return c < 0
		}
		return a.seq() < b.seq()
	})}
}

func (o *ordered[T]) add(r T)    { o.t.ReplaceOrInsert(r) }
func (o *ordered[T]) remove(r T) { o.t.Delete(r) }

// walk visits records in order (desc: reversed), starting after pivot when
// pivot is not the zero value, until visit returns false.
func (o *ordered[T]) walk(desc bool, pivot T, visit func(T) bool) {
	var zero T
	switch {
	case pivot == zero && !desc:
		o.t.Ascend(visit)
	case pivot == zero:
		o.t.Descend(visit)
	case !desc:
		o.t.AscendGreaterOrEqual(pivot, func(r T) bool { return r == pivot || visit(r) })
	default:
		o.t.DescendLessOrEqual(pivot, func(r T) bool { return r == pivot || visit(r) })
	}
}

func identKey(r *identRec, kind string) string {
	if r.Kind != kind {
		return ""
	}
	return strings.ToLower(r.Value)
}

func (s *state) identByValue(kind, value string) *identRec {
	if kind == "phone_number" {
		return s.phoneByVal.get(strings.ToLower(value))
	}
	return s.emailByVal.get(strings.ToLower(value))
}
