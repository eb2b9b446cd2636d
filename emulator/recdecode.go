package emulator

import (
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
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

// jr reads one JSON value from b.
type jr struct {
	b []byte
	i int
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
	if r.null() {
		return true
	}
	start := r.i
	raw, plain, ok := r.token()
	if !ok {
		return false
	}
	if plain {
		*p = string(raw)
		return true
	}
	// Non-ASCII text that is valid UTF-8 and has no escapes is taken as it
	// is; anything else is decoded by encoding/json (escapes, invalid UTF-8,
	// control characters).
	if !strings.ContainsRune(string(raw), '\\') && validText(raw) {
		*p = string(raw)
		return true
	}
	return json.Unmarshal(r.b[start:r.i], p) == nil
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
	var s string
	if !r.str(&s) {
		return false
	}
	*p = &s
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
	out := make([]string, 0, 1)
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		*p = out
		return true
	}
	for {
		var s string
		if !r.str(&s) {
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
			*p = out
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
	*p = &v
	return true
}

func (r *jr) boolean(p *bool) bool {
	if r.null() {
		return true
	}
	switch {
	case strings.HasPrefix(string(r.b[r.i:]), "true"):
		*p = true
		r.i += 4
	case strings.HasPrefix(string(r.b[r.i:]), "false"):
		*p = false
		r.i += 5
	default:
		return false
	}
	return true
}

// meta reads a metadata object, checked in full (json.Valid) since it is
// kept as text.
func (r *jr) meta(p *rawJSON) bool {
	r.ws()
	end, err := scanValue(r.b, r.i)
	if err != nil {
		return false
	}
	t := r.b[r.i:end]
	if !json.Valid(t) {
		return false
	}
	v, err := rawObject(t)
	if err != nil {
		return false
	}
	*p = v
	r.i = end
	return true
}

// fieldDecs maps a record's JSON keys to the code reading each.
type fieldDecs[T any] map[string]fieldDec[T]

type fieldDec[T any] struct {
	bit  int // position in the seen mask
	read func(r *jr, v T) bool
}

func decs[T any](fields map[string]func(r *jr, v T) bool) fieldDecs[T] {
	out := fieldDecs[T]{}
	bit := 0
	for k, f := range fields {
		out[k] = fieldDec[T]{bit, f}
		bit++
	}
	if bit > 64 {
		panic("recdecode: more than 64 fields")
	}
	return out
}

// decode reads an object of the fields into v; false means "let
// encoding/json decide".
func (fs fieldDecs[T]) decode(b []byte, v T) bool {
	r := &jr{b: b}
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
	for {
		key, plain, ok := r.token()
		if !ok || !plain {
			return false
		}
		f, known := fs[string(key)]
		if !known || seen&(1<<f.bit) != 0 {
			return false
		}
		seen |= 1 << f.bit
		r.ws()
		if r.i >= len(b) || b[r.i] != ':' {
			return false
		}
		r.i++
		r.ws()
		if !f.read(r, v) {
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

var userFieldDecs = decs(map[string]func(r *jr, u *userRec) bool{
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

var identFieldDecs = decs(map[string]func(r *jr, d *identRec) bool{
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

func decodeUserFast(b []byte) (*userRec, bool) {
	u := &userRec{}
	return u, userFieldDecs.decode(b, u)
}

func decodeIdentFast(b []byte) (*identRec, bool) {
	d := &identRec{}
	return d, identFieldDecs.decode(b, d)
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
