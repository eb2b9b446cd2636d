package emulator

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// userIndex holds the users table's indexes: unique identifiers and one
// ordered tree per order_by field, so GET /users costs O(log n + page) in
// either direction and lookups by identifier O(1), at a million users.
type userIndex struct {
	byExt      *unique[*userRec]
	byUsername *unique[*userRec]
	orders     map[string]*lazyOrder
	less       map[string]func(a, b *userRec) int
}

// lazyOrder is an ordered tree built on the first list that asks for its
// order (created_at is built at once): a million users load and are created
// without maintaining nine trees nobody reads. Once built it is kept current
// like any index. Building happens under the emulator's read lock, so it has
// its own mutex; writers hold the write lock, so they never race a build.
type lazyOrder struct {
	less  func(a, b *userRec) int
	users *table[*userRec]
	mu    sync.Mutex
	built atomic.Bool
	tree  *ordered[*userRec]
}

func (l *lazyOrder) add(u *userRec) {
	if l.built.Load() {
		l.tree.add(u)
	}
}

func (l *lazyOrder) remove(u *userRec) {
	if l.built.Load() {
		l.tree.remove(u)
	}
}

// get returns the tree, building it first if needed.
func (l *lazyOrder) get() *ordered[*userRec] {
	if l.built.Load() {
		return l.tree
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.built.Load() {
		rows := make([]*userRec, 0, len(l.users.rows))
		for _, u := range l.users.rows {
			rows = append(rows, u)
		}
		l.tree = l.sortedTree(rows)
		l.built.Store(true)
	}
	return l.tree
}

// build fills a tree that is kept built (created_at) from a loaded table;
// other orders stay lazy.
func (l *lazyOrder) build(rows []*userRec) {
	if l.built.Load() {
		l.tree = l.sortedTree(slices.Clone(rows))
	}
}

// sortedTree sorts rows (in place) and inserts them in order: far fewer
// cache misses than inserting a million records in map order.
func (l *lazyOrder) sortedTree(rows []*userRec) *ordered[*userRec] {
	t := newOrdered(l.less)
	slices.SortFunc(rows, func(a, b *userRec) int {
		if c := l.less(a, b); c != 0 {
			return c
		}
		return cmpU64(a.Seq, b.Seq)
	})
	for _, u := range rows {
		t.add(u)
	}
	return t
}

// deriveSortKeys caches on each user the values of its primary email and
// phone, which its order keys need; it runs before the other indexes.
type deriveSortKeys struct{ s *state }

func (d deriveSortKeys) add(u *userRec) {
	u.sortEmail, u.sortPhone = "", ""
	if u.PrimaryEmailID != nil {
		if r := d.s.Idents.get(*u.PrimaryEmailID); r != nil {
			u.sortEmail = strings.ToLower(r.Value)
		}
	}
	if u.PrimaryPhoneID != nil {
		if r := d.s.Idents.get(*u.PrimaryPhoneID); r != nil {
			u.sortPhone = r.Value
		}
	}
}
func (deriveSortKeys) remove(*userRec) {}
func (deriveSortKeys) derived()        {}

func cmpOptInt(a, b *int64) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	return cmp.Compare(*a, *b)
}

// cmpFold compares case-insensitively (ASCII) without allocating.
func cmpFold(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return cmp.Compare(x, y)
		}
	}
	return cmp.Compare(len(a), len(b))
}

func optFold(a, b *string) int { return cmpFold(deref(a), deref(b)) }

var userOrders = map[string]func(a, b *userRec) int{
	"created_at":      func(a, b *userRec) int { return cmp.Compare(a.CreatedAt, b.CreatedAt) },
	"updated_at":      func(a, b *userRec) int { return cmp.Compare(a.UpdatedAt, b.UpdatedAt) },
	"email_address":   func(a, b *userRec) int { return strings.Compare(a.sortEmail, b.sortEmail) },
	"phone_number":    func(a, b *userRec) int { return strings.Compare(a.sortPhone, b.sortPhone) },
	"web3wallet":      func(a, b *userRec) int { return 0 }, // no wallets: creation order
	"first_name":      func(a, b *userRec) int { return optFold(a.FirstName, b.FirstName) },
	"last_name":       func(a, b *userRec) int { return optFold(a.LastName, b.LastName) },
	"username":        func(a, b *userRec) int { return optFold(a.Username, b.Username) },
	"last_active_at":  func(a, b *userRec) int { return cmpOptInt(a.LastActiveAt, b.LastActiveAt) },
	"last_sign_in_at": func(a, b *userRec) int { return cmpOptInt(a.LastSignInAt, b.LastSignInAt) },
}

func userIndexes(s *state, t *table[*userRec]) []index[*userRec] {
	ui := &userIndex{
		byExt:      newUnique(func(u *userRec) string { return deref(u.ExternalID) }),
		byUsername: newUnique(func(u *userRec) string { return strings.ToLower(deref(u.Username)) }),
		orders:     map[string]*lazyOrder{},
		less:       userOrders,
	}
	s.users = ui
	ixs := []index[*userRec]{deriveSortKeys{s}, ui.byExt, ui.byUsername}
	for name, less := range userOrders {
		o := &lazyOrder{less: less, users: t}
		if name == "created_at" { // the default order of GET /users
			o.tree = newOrdered(less)
			o.built.Store(true)
		}
		ui.orders[name] = o
		ixs = append(ixs, o)
	}
	return ixs
}

// inex is an include/exclude filter on one identifier.
type inex struct{ in, ex map[string]bool }

func (f inex) set() bool { return len(f.in)+len(f.ex) > 0 }

func (f inex) ok(vals ...string) bool {
	for _, v := range vals {
		if f.ex[v] {
			return false
		}
	}
	if len(f.in) == 0 {
		return true
	}
	for _, v := range vals {
		if f.in[v] {
			return true
		}
	}
	return false
}

// userQuery is the filter GET /users and GET /users/count share.
type userQuery struct {
	emails, phones, extIDs, usernames, userIDs, orgIDs inex
	banned, bannedSet                                  bool
	bounds                                             [6]*int64
	query, emailQ, phoneQ, usernameQ, nameQ            string
	none                                               bool // matches nobody
}

func (e *Emulator) userQuery(rq *request) (*userQuery, *apiError) {
	// Only ids take Clerk's +/- prefixes (include/exclude); a phone
	// number's + is part of the number.
	split := func(name string, fold bool) inex {
		r := inex{map[string]bool{}, map[string]bool{}}
		prefixed := name == "user_id" || name == "external_id" || name == "organization_id"
		for _, v := range rq.qList(name) {
			if fold {
				v = strings.ToLower(v)
			}
			switch {
			case !prefixed:
				r.in[v] = true
			case strings.HasPrefix(v, "-"):
				r.ex[v[1:]] = true
			case strings.HasPrefix(v, "+"):
				r.in[v[1:]] = true
			default:
				r.in[v] = true
			}
		}
		return r
	}
	q := &userQuery{
		emails: split("email_address", true), phones: split("phone_number", false),
		extIDs: split("external_id", false), usernames: split("username", true),
		userIDs: split("user_id", false), orgIDs: split("organization_id", false),
	}
	for _, f := range []inex{q.emails, q.phones, q.extIDs, q.usernames, q.userIDs} {
		if len(f.in)+len(f.ex) > 100 {
			return nil, errQuery("", "At most 100 values may be given for each identifier filter.")
		}
	}
	// The emulator stores no web3 wallets and no external (OAuth) accounts,
	// so a filter on them matches nobody rather than being ignored, which
	// would return everyone.
	wallets := split("web3_wallet", true)
	providerIDs := rq.qList("provider_user_id")
	if len(providerIDs) > 0 && rq.q("provider") == "" {
		return nil, errQuery("provider", "provider_user_id must be used in combination with provider.")
	}
	var err *apiError
	if q.banned, q.bannedSet, err = rq.qBool("banned"); err != nil {
		return nil, err
	}
	for i, name := range []string{"created_at_before", "created_at_after", "last_active_at_before", "last_active_at_after", "last_sign_in_at_before", "last_sign_in_at_after"} {
		if rq.q(name) != "" {
			v, err := rq.qInt(name, 0, 0, 1<<62)
			if err != nil {
				return nil, err
			}
			q.bounds[i] = &v
		}
	}
	if rq.q("last_active_at_since") != "" {
		v, err := rq.qInt("last_active_at_since", 0, 0, 1<<62)
		if err != nil {
			return nil, err
		}
		q.bounds[3] = &v
	}
	q.query = rq.q("query")
	q.emailQ, q.phoneQ, q.usernameQ, q.nameQ = rq.q("email_address_query"), rq.q("phone_number_query"), rq.q("username_query"), rq.q("name_query")
	q.none = len(wallets.in) > 0 || len(providerIDs) > 0
	return q, nil
}

// empty reports whether the query filters nothing.
func (q *userQuery) empty() bool {
	return !q.none && !q.emails.set() && !q.phones.set() && !q.extIDs.set() && !q.usernames.set() &&
		!q.userIDs.set() && !q.orgIDs.set() && !q.bannedSet && q.bounds == [6]*int64{} &&
		q.query == "" && q.emailQ == "" && q.phoneQ == "" && q.usernameQ == "" && q.nameQ == ""
}

// candidates returns a superset of the matching users from an index when an
// include filter names them, and false when every user must be considered.
func (q *userQuery) candidates(s *state) ([]*userRec, bool) {
	seen := map[*userRec]bool{}
	var out []*userRec
	add := func(u *userRec) {
		if u != nil && !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	byIdent := func(kind string, vals map[string]bool) {
		for v := range vals {
			if r := s.identByValue(kind, v); r != nil {
				add(s.Users.get(r.UserID))
			}
		}
	}
	switch {
	case len(q.userIDs.in) > 0:
		for id := range q.userIDs.in {
			add(s.Users.get(id))
		}
	case len(q.extIDs.in) > 0:
		for id := range q.extIDs.in {
			add(s.users.byExt.get(id))
		}
	case len(q.emails.in) > 0:
		byIdent("email_address", q.emails.in)
	case len(q.phones.in) > 0:
		byIdent("phone_number", q.phones.in)
	case len(q.usernames.in) > 0:
		for v := range q.usernames.in {
			add(s.users.byUsername.get(v))
		}
	case len(q.orgIDs.in) > 0:
		for org := range q.orgIDs.in {
			for m := range s.memByOrg.m[org] {
				add(s.Users.get(m.UserID))
			}
		}
	default:
		return nil, false
	}
	return out, true
}

func (q *userQuery) match(s *state, u *userRec) bool {
	if q.none {
		return false
	}
	if q.bannedSet && u.Banned != q.banned {
		return false
	}
	if !inBounds(u.CreatedAt, q.bounds[0], q.bounds[1]) || !inBoundsP(u.LastActiveAt, q.bounds[2], q.bounds[3]) ||
		!inBoundsP(u.LastSignInAt, q.bounds[4], q.bounds[5]) {
		return false
	}
	if !q.extIDs.ok(deref(u.ExternalID)) || !q.usernames.ok(strings.ToLower(deref(u.Username))) || !q.userIDs.ok(u.ID) {
		return false
	}
	var ems, phs []string
	if q.emails.set() || q.phones.set() || q.query != "" || q.emailQ != "" || q.phoneQ != "" {
		for _, id := range u.EmailIDs {
			if r := s.Idents.get(id); r != nil {
				ems = append(ems, strings.ToLower(r.Value))
			}
		}
		for _, id := range u.PhoneIDs {
			if r := s.Idents.get(id); r != nil {
				phs = append(phs, r.Value)
			}
		}
	}
	if !q.emails.ok(ems...) || !q.phones.ok(phs...) {
		return false
	}
	if q.orgIDs.set() {
		var orgs []string
		for m := range s.memByUser.m[u.ID] {
			orgs = append(orgs, m.OrgID)
		}
		if !q.orgIDs.ok(orgs...) {
			return false
		}
	}
	name := deref(u.FirstName) + " " + deref(u.LastName)
	if q.query != "" {
		hay := []string{u.ID, deref(u.ExternalID), deref(u.Username), name}
		hay = append(append(hay, ems...), phs...)
		if !slices.ContainsFunc(hay, func(h string) bool { return containsFold(h, q.query) }) {
			return false
		}
	}
	if q.emailQ != "" && !slices.ContainsFunc(ems, func(h string) bool { return containsFold(h, q.emailQ) }) {
		return false
	}
	if q.phoneQ != "" && !slices.ContainsFunc(phs, func(h string) bool { return strings.Contains(h, q.phoneQ) }) {
		return false
	}
	if q.usernameQ != "" && !containsFold(deref(u.Username), q.usernameQ) {
		return false
	}
	if q.nameQ != "" && !containsFold(name, q.nameQ) {
		return false
	}
	return true
}

func inBounds(v int64, before, after *int64) bool {
	return (before == nil || v < *before) && (after == nil || v > *after)
}

func inBoundsP(v *int64, before, after *int64) bool {
	if before == nil && after == nil {
		return true
	}
	return v != nil && inBounds(*v, before, after)
}

func (e *Emulator) listUsers(rq *request) (any, *apiError) {
	s := e.st
	q, err := e.userQuery(rq)
	if err != nil {
		return nil, err
	}
	ob := rq.q("order_by")
	if ob == "" {
		ob = "-created_at"
	}
	desc := strings.HasPrefix(ob, "-")
	field := strings.TrimLeft(ob, "+-")
	lazy, ok := s.users.orders[field]
	if !ok {
		fields := make([]string, 0, len(userOrders))
		for k := range userOrders {
			fields = append(fields, k)
		}
		slices.Sort(fields)
		return nil, errQuery("order_by", fmt.Sprintf("order_by must be one of %s, optionally prefixed with + or -; got %q.", strings.Join(fields, ", "), ob))
	}
	limit, err := rq.qInt("limit", 10, 1, 500)
	if err != nil {
		return nil, err
	}
	offset, err := rq.qInt("offset", 0, 0, 1<<40)
	if err != nil {
		return nil, err
	}
	var pivot *userRec
	if after := rq.q("starting_after"); after != "" {
		if field != "created_at" {
			return nil, errValue("starting_after", "starting_after requires ordering by created_at (order_by=created_at or -created_at).")
		}
		if offset != 0 {
			return nil, errValue("starting_after", "starting_after cannot be combined with a non-zero offset.")
		}
		pivot = s.Users.get(after)
		if pivot == nil || !q.match(s, pivot) {
			// The cursor user may have been deleted since: position by its
			// absence is unknowable, so Clerk-like behaviour is an error.
			return nil, errValue("starting_after", fmt.Sprintf("starting_after %q does not match a user in this result set.", after))
		}
	}
	var pg []*userRec
	if cands, ok := q.candidates(s); ok {
		less := s.users.less[field]
		cands = slices.DeleteFunc(cands, func(u *userRec) bool { return !q.match(s, u) })
		slices.SortFunc(cands, func(a, b *userRec) int {
			c := less(a, b)
			if c == 0 {
				c = cmpU64(a.Seq, b.Seq)
			}
			if desc {
				return -c
			}
			return c
		})
		if pivot != nil {
			cands = cands[slices.Index(cands, pivot)+1:]
		}
		if offset < int64(len(cands)) {
			pg = cands[offset:min(offset+limit, int64(len(cands)))]
		}
	} else {
		skip := offset
		lazy.get().walk(desc, pivot, func(u *userRec) bool {
			if !q.match(s, u) {
				return true
			}
			if skip > 0 {
				skip--
				return true
			}
			pg = append(pg, u)
			return int64(len(pg)) < limit
		})
	}
	out := make([]userJSON, len(pg))
	for i, u := range pg {
		out[i] = e.userOut(u)
	}
	return out, nil
}

func (e *Emulator) countUsers(rq *request) (any, *apiError) {
	s := e.st
	q, err := e.userQuery(rq)
	if err != nil {
		return nil, err
	}
	n := 0
	switch cands, ok := q.candidates(s); {
	case q.empty():
		n = s.Users.len()
	case ok:
		for _, u := range cands {
			if q.match(s, u) {
				n++
			}
		}
	default:
		for _, u := range s.Users.all() {
			if q.match(s, u) {
				n++
			}
		}
	}
	return map[string]any{"object": "total_count", "total_count": n}, nil
}
