package emulator

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// A state file of a million users holds two million records (users and their
// email addresses), and encoding/json spends about 12 µs of CPU on each. The
// two big tables are read by the hand-written decoders below instead: they
// take the records as Save writes them (and any other JSON that means the
// same) and give up — returning false — on anything else: an unknown or
// repeated key, a number that is not a plain integer, a value of the wrong
// type. A record they give up on is decoded by encoding/json, which then
// accepts it or names the problem, so the result is always what
// encoding/json would give (TestFastDecodeAgrees, FuzzFastDecodeUser,
// FuzzFastDecodeIdent).

// jr reads one JSON value from b, taking memory from a (nil: the heap).
type jr struct {
	b []byte
	i int
	a *arena
}

// arena hands out the memory of a batch of decoded records in a few large
// blocks instead of ten small allocations per record: the strings' bytes
// (one pointer-free block the collector need not scan), the records, their
// *string and *int64 fields and string slices. A million users load with
// thousands of allocations, not tens of millions, and take less memory (no
// per-object rounding).
//
// A block lives as long as anything in it does: a record deleted or a
// string replaced keeps its block (at most a few tens of KB) until the other
// records of its batch go too. Strings made here are never written again
// (the bytes are not handed out twice), which is what unsafe.String needs.
type arena struct {
	r      jr // the record reader (see reader)
	buf    []byte
	strs   []string
	ints   []int64
	users  []userRec
	idents []identRec
}

const arenaBlock = 256 // records, strings or ints per block; 32 KB of text

func (a *arena) str(b []byte) string {
	if a == nil {
		return string(b)
	}
	if len(b) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		a.buf = make([]byte, 0, max(len(b), arenaBlock*128))
	}
	off := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[off], len(b))
}

func (a *arena) strp(s string) *string {
	if a == nil {
		p := new(string) // not &s: s would be a heap object even with an arena
		*p = s
		return p
	}
	if len(a.strs) == cap(a.strs) {
		a.strs = make([]string, 0, arenaBlock)
	}
	a.strs = append(a.strs, s)
	return &a.strs[len(a.strs)-1]
}

// strSlice copies ss into the arena; its capacity is its length, so an
// append by a handler reallocates rather than writing over a neighbour.
func (a *arena) strSlice(ss []string) []string {
	if a == nil || len(ss) > arenaBlock {
		return append(make([]string, 0, len(ss)), ss...)
	}
	if cap(a.strs)-len(a.strs) < len(ss) {
		a.strs = make([]string, 0, arenaBlock)
	}
	off := len(a.strs)
	a.strs = append(a.strs, ss...)
	return a.strs[off:len(a.strs):len(a.strs)]
}

func (a *arena) i64p(v int64) *int64 {
	if a == nil {
		p := new(int64)
		*p = v
		return p
	}
	if len(a.ints) == cap(a.ints) {
		a.ints = make([]int64, 0, arenaBlock)
	}
	a.ints = append(a.ints, v)
	return &a.ints[len(a.ints)-1]
}

func (a *arena) user() *userRec {
	if a == nil {
		return &userRec{}
	}
	if len(a.users) == cap(a.users) {
		a.users = make([]userRec, 0, arenaBlock)
	}
	a.users = a.users[:len(a.users)+1]
	return &a.users[len(a.users)-1]
}

func (a *arena) ident() *identRec {
	if a == nil {
		return &identRec{}
	}
	if len(a.idents) == cap(a.idents) {
		a.idents = make([]identRec, 0, arenaBlock)
	}
	a.idents = a.idents[:len(a.idents)+1]
	return &a.idents[len(a.idents)-1]
}

func (r *jr) ws() { r.i = skipWS(r.b, r.i) }

// null consumes a null literal if one is next.
func (r *jr) null() bool {
	r.ws()
	if r.i+4 <= len(r.b) && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// token returns the next string token's contents (without quotes) and
// whether it needs decoding (escapes, control or non-ASCII bytes).
func (r *jr) token() (raw []byte, plain, ok bool) {
	r.ws()
	if r.i >= len(r.b) || r.b[r.i] != '"' {
		return nil, false, false
	}
	plain = true
	for j := r.i + 1; j < len(r.b); j++ {
		c := r.b[j]
		switch {
		case c == '"':
			raw = r.b[r.i+1 : j]
			r.i = j + 1
			return raw, plain, true
		case c == '\\':
			plain = false
			j++
		case c < 0x20 || c >= 0x80:
			plain = false
		}
	}
	return nil, false, false
}

// str reads a string; null leaves *p as it is (as encoding/json does).
func (r *jr) str(p *string) bool {
	v, null, ok := r.strVal()
	if ok && !null {
		*p = v
	}
	return ok
}

// strVal reads a string or null. Its result is returned rather than stored
// through a pointer, so the caller's variable stays on the stack (a million
// users' optional fields are not a heap object each).
func (r *jr) strVal() (v string, null, ok bool) {
	if r.null() {
		return "", true, true
	}
	start := r.i
	raw, plain, ok := r.token()
	if !ok {
		return "", false, false
	}
	if plain {
		return r.a.str(raw), false, true
	}
	// Non-ASCII text that is valid UTF-8 and has no escapes is taken as it
	// is; anything else is decoded by encoding/json (escapes, invalid UTF-8,
	// control characters).
	if !strings.ContainsRune(string(raw), '\\') && validText(raw) {
		return r.a.str(raw), false, true
	}
	var d string
	if json.Unmarshal(r.b[start:r.i], &d) != nil {
		return "", false, false
	}
	return d, false, true
}

func validText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 {
			return false
		}
	}
	return utf8.Valid(b)
}

// intern reads a string that is usually one of a few known values and shares
// their bytes instead of allocating.
func (r *jr) intern(p *string, known ...string) bool {
	if !r.str(p) {
		return false
	}
	*p = internIn(*p, known)
	return true
}

func (r *jr) strp(p **string) bool {
	if r.null() {
		*p = nil
		return true
	}
	s, _, ok := r.strVal() // not null: checked above
	if !ok {
		return false
	}
	*p = r.a.strp(s)
	return true
}

func (r *jr) strs(p *[]string) bool {
	if r.null() {
		*p = nil
		return true
	}
	if r.i >= len(r.b) || r.b[r.i] != '[' {
		return false
	}
	r.i++
	var small [4]string
	out := small[:0]
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		*p = []string{}
		return true
	}
	for {
		// null leaves the element "", as encoding/json does.
		s, _, ok := r.strVal()
		if !ok {
			return false
		}
		out = append(out, s)
		r.ws()
		if r.i >= len(r.b) {
			return false
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			*p = r.a.strSlice(out)
			return true
		default:
			return false
		}
	}
}

// integer returns the text of a JSON integer (no fraction or exponent).
func (r *jr) integer() ([]byte, bool) {
	r.ws()
	j := r.i
	if j < len(r.b) && r.b[j] == '-' {
		j++
	}
	d := j
	for j < len(r.b) && '0' <= r.b[j] && r.b[j] <= '9' {
		j++
	}
	if j == d || (r.b[d] == '0' && j-d > 1) { // no digits, or a leading zero
		return nil, false
	}
	if j < len(r.b) && (r.b[j] == '.' || r.b[j] == 'e' || r.b[j] == 'E') {
		return nil, false
	}
	t := r.b[r.i:j]
	r.i = j
	return t, true
}

func (r *jr) i64(p *int64) bool {
	if r.null() {
		return true
	}
	t, ok := r.integer()
	if !ok {
		return false
	}
	v, err := strconv.ParseInt(string(t), 10, 64)
	*p = v
	return err == nil
}

func (r *jr) u64(p *uint64) bool {
	if r.null() {
		return true
	}
	t, ok := r.integer()
	if !ok {
		return false
	}
	v, err := strconv.ParseUint(string(t), 10, 64)
	*p = v
	return err == nil
}

func (r *jr) i64p(p **int64) bool {
	if r.null() {
		*p = nil
		return true
	}
	var v int64
	if !r.i64(&v) {
		return false
	}
	*p = r.a.i64p(v)
	return true
}

func (r *jr) boolean(p *bool) bool {
	if r.null() {
		return true
	}
	switch {
	case bytes.HasPrefix(r.b[r.i:], []byte("true")):
		*p = true
		r.i += 4
	case bytes.HasPrefix(r.b[r.i:], []byte("false")):
		*p = false
		r.i += 5
	default:
		return false
	}
	return true
}

// meta reads a metadata object, checked in full (json.Valid) since it is
// kept as text.
func (r *jr) meta(p *metadataObject) bool {
	r.ws()
	end, err := scanValue(r.b, r.i)
	if err != nil {
		return false
	}
	t := r.b[r.i:end]
	if !json.Valid(t) {
		return false
	}
	var v metadataObject
	if len(t) > 2 && t[0] == '{' && !bytes.ContainsAny(t, " \t\r\n") {
		// Compact and not empty (as Save writes it): rawObject would give
		// a copy of t; the arena's is the only one made.
		v = metadataObject(r.a.str(t))
	} else {
		v, err = rawObject(t)
		if err != nil {
			return false
		}
		if len(v) == len(t) { // already compact: its bytes are t's
			v = metadataObject(r.a.str(t))
		}
	}
	*p = v
	r.i = end
	return true
}

// fieldDecs maps a record's JSON keys to the code reading each, in the
// order of the struct's fields (the order Save writes them in).
type fieldDecs[T any] struct {
	list   []fieldDec[T]
	byName map[string]int
}

type fieldDec[T any] struct {
	name string
	read func(r *jr, v T) bool
}

// decs orders fields as the JSON keys of record type rec; a key of rec
// without a reader is caught by TestFastDecodeCoversEveryField.
func decs[T any](rec any, fields map[string]func(r *jr, v T) bool) fieldDecs[T] {
	out := fieldDecs[T]{byName: map[string]int{}}
	for _, k := range jsonKeys(reflect.TypeOf(rec)) {
		if f, ok := fields[k]; ok {
			out.byName[k] = len(out.list)
			out.list = append(out.list, fieldDec[T]{k, f})
		}
	}
	if len(out.list) != len(fields) || len(out.list) > 64 {
		panic("recdecode: a reader for a key the record does not have, or more than 64 keys")
	}
	return out
}

// jsonKeys lists the JSON keys of a record struct's exported fields.
func jsonKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out = append(out, name)
	}
	return out
}

// find returns the index of key, looking first at the fields after the
// previous one (keys come in struct order, some omitted).
func (fs *fieldDecs[T]) find(key []byte, next int) (int, bool) {
	for j := next; j < len(fs.list); j++ {
		if fs.list[j].name == string(key) {
			return j, true
		}
	}
	j, ok := fs.byName[string(key)]
	return j, ok
}

// decode reads an object of the fields into v; false means "let
// encoding/json decide".
func (fs *fieldDecs[T]) decode(r *jr, v T) bool {
	b := r.b
	r.ws()
	if r.i >= len(b) || b[r.i] != '{' {
		return false
	}
	r.i++
	r.ws()
	if r.i < len(b) && b[r.i] == '}' {
		r.i++
		r.ws()
		return r.i == len(b)
	}
	var seen uint64
	next := 0
	for {
		key, plain, ok := r.token()
		if !ok || !plain {
			return false
		}
		j, known := fs.find(key, next)
		if !known || seen&(1<<j) != 0 {
			return false
		}
		seen |= 1 << j
		next = j + 1
		r.ws()
		if r.i >= len(b) || b[r.i] != ':' {
			return false
		}
		r.i++
		r.ws()
		if !fs.list[j].read(r, v) {
			return false
		}
		r.ws()
		if r.i >= len(b) {
			return false
		}
		switch b[r.i] {
		case ',':
			r.i++
			r.ws()
		case '}':
			r.i++
			r.ws()
			return r.i == len(b)
		default:
			return false
		}
	}
}

var userFieldDecs = decs(userRec{}, map[string]func(r *jr, u *userRec) bool{
	"id":                          func(r *jr, u *userRec) bool { return r.str(&u.ID) },
	"seq":                         func(r *jr, u *userRec) bool { return r.u64(&u.Seq) },
	"external_id":                 func(r *jr, u *userRec) bool { return r.strp(&u.ExternalID) },
	"username":                    func(r *jr, u *userRec) bool { return r.strp(&u.Username) },
	"first_name":                  func(r *jr, u *userRec) bool { return r.strp(&u.FirstName) },
	"last_name":                   func(r *jr, u *userRec) bool { return r.strp(&u.LastName) },
	"locale":                      func(r *jr, u *userRec) bool { return r.strp(&u.Locale) },
	"primary_email_address_id":    func(r *jr, u *userRec) bool { return r.strp(&u.PrimaryEmailID) },
	"primary_phone_number_id":     func(r *jr, u *userRec) bool { return r.strp(&u.PrimaryPhoneID) },
	"email_ids":                   func(r *jr, u *userRec) bool { return r.strs(&u.EmailIDs) },
	"phone_ids":                   func(r *jr, u *userRec) bool { return r.strs(&u.PhoneIDs) },
	"public_metadata":             func(r *jr, u *userRec) bool { return r.meta(&u.PublicMetadata) },
	"private_metadata":            func(r *jr, u *userRec) bool { return r.meta(&u.PrivateMetadata) },
	"unsafe_metadata":             func(r *jr, u *userRec) bool { return r.meta(&u.UnsafeMetadata) },
	"password_hasher":             func(r *jr, u *userRec) bool { return r.intern(&u.PasswordHasher, hasherNames...) },
	"password_digest":             func(r *jr, u *userRec) bool { return r.str(&u.PasswordDigest) },
	"password_last_updated_at":    func(r *jr, u *userRec) bool { return r.i64p(&u.PasswordUpdatedAt) },
	"totp_secret":                 func(r *jr, u *userRec) bool { return r.str(&u.TOTPSecret) },
	"backup_codes":                func(r *jr, u *userRec) bool { return r.strs(&u.BackupCodes) },
	"banned":                      func(r *jr, u *userRec) bool { return r.boolean(&u.Banned) },
	"locked":                      func(r *jr, u *userRec) bool { return r.boolean(&u.Locked) },
	"locked_at":                   func(r *jr, u *userRec) bool { return r.i64(&u.LockedAt) },
	"has_image":                   func(r *jr, u *userRec) bool { return r.boolean(&u.HasImage) },
	"image_url":                   func(r *jr, u *userRec) bool { return r.str(&u.ImageURL) },
	"created_at":                  func(r *jr, u *userRec) bool { return r.i64(&u.CreatedAt) },
	"updated_at":                  func(r *jr, u *userRec) bool { return r.i64(&u.UpdatedAt) },
	"last_sign_in_at":             func(r *jr, u *userRec) bool { return r.i64p(&u.LastSignInAt) },
	"last_active_at":              func(r *jr, u *userRec) bool { return r.i64p(&u.LastActiveAt) },
	"legal_accepted_at":           func(r *jr, u *userRec) bool { return r.i64p(&u.LegalAcceptedAt) },
	"mfa_enabled_at":              func(r *jr, u *userRec) bool { return r.i64p(&u.MFAEnabledAt) },
	"mfa_disabled_at":             func(r *jr, u *userRec) bool { return r.i64p(&u.MFADisabledAt) },
	"delete_self_enabled":         func(r *jr, u *userRec) bool { return r.boolean(&u.DeleteSelfEnabled) },
	"create_organization_enabled": func(r *jr, u *userRec) bool { return r.boolean(&u.CreateOrganizationEnabled) },
	"create_organizations_limit":  func(r *jr, u *userRec) bool { return r.i64p(&u.CreateOrganizationsLimit) },
	"bypass_client_trust":         func(r *jr, u *userRec) bool { return r.boolean(&u.BypassClientTrust) },
	"password_compromised":        func(r *jr, u *userRec) bool { return r.boolean(&u.PasswordCompromised) },
})

var identFieldDecs = decs(identRec{}, map[string]func(r *jr, d *identRec) bool{
	"id":                         func(r *jr, d *identRec) bool { return r.str(&d.ID) },
	"seq":                        func(r *jr, d *identRec) bool { return r.u64(&d.Seq) },
	"user_id":                    func(r *jr, d *identRec) bool { return r.str(&d.UserID) },
	"kind":                       func(r *jr, d *identRec) bool { return r.intern(&d.Kind, "email_address", "phone_number") },
	"value":                      func(r *jr, d *identRec) bool { return r.str(&d.Value) },
	"verified":                   func(r *jr, d *identRec) bool { return r.boolean(&d.Verified) },
	"reserved":                   func(r *jr, d *identRec) bool { return r.boolean(&d.Reserved) },
	"reserved_for_second_factor": func(r *jr, d *identRec) bool { return r.boolean(&d.ReservedForSecondFactor) },
	"default_second_factor":      func(r *jr, d *identRec) bool { return r.boolean(&d.DefaultSecondFactor) },
	"verification_id":            func(r *jr, d *identRec) bool { return r.str(&d.VerificationID) },
	"verification_expire_at":     func(r *jr, d *identRec) bool { return r.i64(&d.VerificationExpireAt) },
	"created_at":                 func(r *jr, d *identRec) bool { return r.i64(&d.CreatedAt) },
	"updated_at":                 func(r *jr, d *identRec) bool { return r.i64(&d.UpdatedAt) },
})

// decodeUserFast decodes a user record, with memory from a (nil: the heap).
func decodeUserFast(b []byte, a *arena) (*userRec, bool) {
	u := a.user()
	r := a.reader(b)
	ok := userFieldDecs.decode(r, u)
	r.b = nil // the arena keeps nothing of b (a mapped file)
	return u, ok
}

func decodeIdentFast(b []byte, a *arena) (*identRec, bool) {
	d := a.ident()
	r := a.reader(b)
	ok := identFieldDecs.decode(r, d)
	r.b = nil
	return d, ok
}

// reader returns a reader of b: the arena's own, reused record after record
// (a reader escapes to the heap through the field readers, so one per record
// would be a heap object each).
func (a *arena) reader(b []byte) *jr {
	if a == nil {
		return &jr{b: b}
	}
	a.r = jr{b: b, a: a}
	return &a.r
}

// internIn returns the element of known equal to s (sharing its bytes), or s.
func internIn(s string, known []string) string {
	for _, k := range known {
		if s == k {
			return k
		}
	}
	return s
}

// hasherNames are the password hasher names, shared by every user that has
// one.
var hasherNames = func() []string {
	out := make([]string, 0, len(passwordHashers))
	for k := range passwordHashers {
		out = append(out, k)
	}
	return out
}()
