package migrate

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// PasswordHashers are the password_hasher values accepted: the official
// tool's list plus the spec's additions (awscognito, phpass,
// pbkdf2_sha512_hex).
var PasswordHashers = []string{
	"argon2i", "argon2id", "awscognito", "bcrypt", "bcrypt_peppered", "bcrypt_sha256_django",
	"hmac_sha256_utf16_b64", "ldap_ssha", "md5", "md5_phpass", "md5_salted", "pbkdf2_sha1",
	"pbkdf2_sha256", "pbkdf2_sha256_django", "pbkdf2_sha512", "pbkdf2_sha512_hex", "phpass",
	"scrypt_firebase", "scrypt_werkzeug", "sha256", "sha256_salted", "sha512_symfony",
}

// Plan is everything the migration does for one valid user: one create,
// then the unverified addresses (Clerk's create takes only verified ones).
type Plan struct {
	SourceID         string                  `json:"source_id"`
	Row              int                     `json:"row"`
	Create           *core.UsersCreateParams `json:"create"`
	UnverifiedEmails []string                `json:"unverified_email_addresses,omitempty"`
	UnverifiedPhones []string                `json:"unverified_phone_numbers,omitempty"`
}

// ValidationError says why a user is not migrated. Field is the Clerk-side
// field name (userId, email, passwordHasher, ...).
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

func vErr(field, format string, args ...any) *ValidationError {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// PlanOptions are the run-wide choices that shape a payload.
type PlanOptions struct {
	// RequirePassword skips users without a password digest (they are
	// reported, not sent). Otherwise they are created with
	// skip_password_requirement.
	RequirePassword bool
}

// emailRE is zod's email check (z.email()), without its look-aheads, which
// are checked separately: no leading dot, no "..".
var emailRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[A-Za-z0-9_'+\-.]*[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$`)
})

func validEmail(s string) bool {
	return !strings.HasPrefix(s, ".") && !strings.Contains(s, "..") && emailRE().MatchString(s)
}

var bcryptRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$`) })

// checkDigest catches digests that cannot be of their hasher before Clerk
// rejects them with form_password_digest_invalid_code.
func checkDigest(hasher, digest string) error {
	switch hasher {
	case "bcrypt":
		if !bcryptRE().MatchString(digest) {
			return fmt.Errorf("not a bcrypt digest ($2a$/$2b$/$2y$, cost, 53 characters of salt and hash)")
		}
	case "scrypt_firebase":
		parts := strings.Split(digest, "$")
		if len(parts) != 6 {
			return fmt.Errorf("not a scrypt_firebase digest (hash$salt$signer_key$salt_separator$rounds$mem_cost)")
		}
		for i, p := range parts {
			if p == "" {
				return fmt.Errorf("scrypt_firebase digest has an empty part %d", i+1)
			}
		}
		for _, p := range parts[4:] {
			if n, err := strconv.Atoi(p); err != nil || n <= 0 {
				return fmt.Errorf("scrypt_firebase digest: rounds and mem_cost must be positive integers")
			}
		}
	}
	return nil
}

// Build validates a transformed user (Clerk field names, as the official
// tool's schema) and turns it into a Plan. Fields that are not Clerk fields
// are dropped, as the official schema does.
func Build(u map[string]any, row int, opts PlanOptions) (*Plan, error) {
	id, err := strField(u, "userId", true)
	if err != nil {
		return nil, err
	}
	p := &Plan{SourceID: id, Row: row, Create: &core.UsersCreateParams{ExternalID: &id}}
	c := p.Create

	emails, err := emailList(u, "email")
	if err != nil {
		return p, err
	}
	more, err := emailList(u, "emailAddresses")
	if err != nil {
		return p, err
	}
	unverified, err := emailList(u, "unverifiedEmailAddresses")
	if err != nil {
		return p, err
	}
	phones, err := strList(u, "phone")
	if err != nil {
		return p, err
	}
	morePhones, err := strList(u, "phoneNumbers")
	if err != nil {
		return p, err
	}
	unverifiedPhones, err := strList(u, "unverifiedPhoneNumbers")
	if err != nil {
		return p, err
	}
	c.EmailAddress = dedupe(append(emails, more...), nil)
	c.PhoneNumber = dedupe(append(phones, morePhones...), nil)
	p.UnverifiedEmails = dedupe(unverified, c.EmailAddress)
	p.UnverifiedPhones = dedupe(unverifiedPhones, c.PhoneNumber)
	if len(c.EmailAddress) == 0 && len(c.PhoneNumber) == 0 {
		return p, vErr("email", "user must have either a verified email or verified phone number")
	}

	for _, f := range []struct {
		name string
		dst  **string
	}{{"username", &c.Username}, {"firstName", &c.FirstName}, {"lastName", &c.LastName}, {"totpSecret", &c.TOTPSecret}} {
		s, err := strField(u, f.name, false)
		if err != nil {
			return p, err
		}
		*f.dst = nonEmpty(s)
	}

	password, err := strField(u, "password", false)
	if err != nil {
		return p, err
	}
	hasher, err := strField(u, "passwordHasher", false)
	if err != nil {
		return p, err
	}
	if hasher != "" && !slices.Contains(PasswordHashers, hasher) {
		return p, vErr("passwordHasher", "%q is not a password hasher Clerk knows (one of %s)", hasher, strings.Join(PasswordHashers, ", "))
	}
	switch {
	case password != "" && hasher == "":
		return p, vErr("passwordHasher", "passwordHasher is required when password is provided")
	case password != "":
		if err := checkDigest(hasher, password); err != nil {
			return p, vErr("password", "%v", err)
		}
		c.PasswordDigest, c.PasswordHasher = &password, &hasher
	case opts.RequirePassword:
		return p, vErr("password", "no password, and --require-password is set")
	default:
		c.SkipPasswordRequirement = &yes
	}

	if c.BackupCodes, err = strArray(u, "backupCodes"); err != nil {
		return p, err
	}
	if _, err := boolField(u, "backupCodesEnabled"); err != nil {
		return p, err
	}
	for _, f := range []struct {
		name string
		dst  *map[string]any
	}{{"publicMetadata", &c.PublicMetadata}, {"privateMetadata", &c.PrivateMetadata}, {"unsafeMetadata", &c.UnsafeMetadata}} {
		if *f.dst, err = metadata(u, f.name); err != nil {
			return p, err
		}
	}
	for _, f := range []struct {
		name string
		dst  **string
	}{{"createdAt", &c.CreatedAt}, {"legalAcceptedAt", &c.LegalAcceptedAt}} {
		s, err := strField(u, f.name, false)
		if err != nil {
			return p, err
		}
		if s == "" {
			continue
		}
		iso, ok := ISODate(s)
		if !ok {
			return p, vErr(f.name, "%q is not a date", s)
		}
		*f.dst = &iso
	}
	for _, f := range []struct {
		name string
		dst  **bool
	}{
		{"skipPasswordChecks", &c.SkipPasswordChecks}, {"skipLegalChecks", &c.SkipLegalChecks},
		{"bypassClientTrust", &c.BypassClientTrust}, {"createOrganizationEnabled", &c.CreateOrganizationEnabled},
		{"deleteSelfEnabled", &c.DeleteSelfEnabled},
	} {
		if *f.dst, err = boolField(u, f.name); err != nil {
			return p, err
		}
	}
	banned, err := boolField(u, "banned")
	if err != nil {
		return p, err
	}
	if banned != nil && *banned {
		c.Banned = &yes // banned: false is the default: left out, as before
	}
	if v, ok := u["createOrganizationsLimit"]; ok && v != nil {
		n, ok := intValue(v)
		if !ok {
			return p, vErr("createOrganizationsLimit", "must be an integer")
		}
		n64 := int64(n)
		c.CreateOrganizationsLimit = &n64
	}
	if err := buildOthers(u, c); err != nil {
		return p, err
	}
	return p, nil
}

var yes = true

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func strField(u map[string]any, name string, required bool) (string, error) {
	v, ok := u[name]
	if !ok || v == nil {
		if required {
			return "", vErr(name, "required")
		}
		return "", nil
	}
	switch s := v.(type) {
	case string:
		if s == "" && required {
			return "", vErr(name, "required")
		}
		return s, nil
	case json.Number:
		if name == "userId" {
			return s.String(), nil // numeric ids (Auth.js serial keys)
		}
	case int64:
		if name == "userId" {
			return strconv.FormatInt(s, 10), nil
		}
	}
	return "", vErr(name, "expected a string, got %s", typeName(v))
}

func strList(u map[string]any, name string) ([]string, error) {
	v, ok := u[name]
	if !ok || v == nil {
		return nil, nil
	}
	switch s := v.(type) {
	case string:
		if s == "" {
			return nil, nil
		}
		return []string{s}, nil
	case []any:
		out := make([]string, 0, len(s))
		for i, e := range s {
			str, ok := e.(string)
			if !ok {
				return nil, vErr(name, "item %d: expected a string, got %s", i, typeName(e))
			}
			if str != "" {
				out = append(out, str)
			}
		}
		return out, nil
	case []string:
		return slices.Clone(s), nil
	}
	return nil, vErr(name, "expected a string or a list of strings, got %s", typeName(v))
}

func emailList(u map[string]any, name string) ([]string, error) {
	l, err := strList(u, name)
	if err != nil {
		return nil, err
	}
	for _, e := range l {
		if !validEmail(e) {
			return nil, vErr(name, "%q is not a valid email address", e)
		}
	}
	return l, nil
}

func strArray(u map[string]any, name string) ([]string, error) {
	v, ok := u[name]
	if !ok || v == nil {
		return nil, nil
	}
	if _, isStr := v.(string); isStr {
		return nil, vErr(name, "expected a list of strings, got a string")
	}
	return strList(u, name)
}

func boolField(u map[string]any, name string) (*bool, error) {
	v, ok := u[name]
	if !ok || v == nil {
		return nil, nil
	}
	switch b := v.(type) {
	case bool:
		return &b, nil
	case string: // CSV has no booleans
		switch strings.ToLower(b) {
		case "true":
			t := true
			return &t, nil
		case "false":
			f := false
			return &f, nil
		}
	}
	return nil, vErr(name, "expected true or false, got %s", typeName(v))
}

func intValue(v any) (int, bool) {
	switch n := v.(type) {
	case json.Number:
		i, err := strconv.Atoi(n.String())
		return i, err == nil
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<31 {
			return int(n), true
		}
	case int64:
		return int(n), true
	case int:
		return n, true
	case string:
		i, err := strconv.Atoi(n)
		return i, err == nil
	}
	return 0, false
}

// metadata accepts an object, or a string holding a JSON object (CSV
// exports carry JSON columns as strings).
func metadata(u map[string]any, name string) (map[string]any, error) {
	v, ok := u[name]
	if !ok || v == nil {
		return nil, nil
	}
	switch m := v.(type) {
	case map[string]any:
		return m, nil
	case string:
		var obj map[string]any
		d := json.NewDecoder(strings.NewReader(m))
		d.UseNumber()
		if err := d.Decode(&obj); err != nil || obj == nil {
			return nil, vErr(name, "expected an object (or a string holding a JSON object)")
		}
		return obj, nil
	}
	return nil, vErr(name, "expected an object, got %s", typeName(v))
}

func dedupe(in, exclude []string) []string {
	var out []string
	for _, s := range in {
		if s != "" && !slices.Contains(out, s) && !slices.Contains(exclude, s) {
			out = append(out, s)
		}
	}
	return out
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number, float64, int64, int:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02 15:04:05.999999999Z07",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// ISODate reads a date as exports write them (RFC 3339, Postgres
// timestamps, epoch milliseconds as a number or a digit string) and returns
// it as RFC 3339 in UTC with milliseconds, as JavaScript's toISOString.
// A time without a zone is taken as UTC.
func ISODate(v any) (string, bool) {
	var t time.Time
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return "", false
		}
		if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
			t = time.UnixMilli(ms)
			break
		}
		ok := false
		for _, l := range dateLayouts {
			if p, err := time.Parse(l, s); err == nil {
				t, ok = p, true
				break
			}
		}
		if !ok {
			return "", false
		}
	case json.Number:
		ms, err := x.Int64()
		if err != nil {
			return "", false
		}
		t = time.UnixMilli(ms)
	case float64:
		t = time.UnixMilli(int64(x))
	case int64:
		t = time.UnixMilli(x)
	case time.Time:
		t = x
	default:
		return "", false
	}
	if t.Year() < 1 || t.Year() > 9999 {
		return "", false
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z"), true
}

// Masked returns a copy of the payload fit to print: digests, plaintext
// passwords, TOTP secrets and backup codes replaced by a description.
func Masked(c *core.UsersCreateParams) *core.UsersCreateParams {
	m := *c
	if c.PasswordDigest != nil {
		hasher := ""
		if c.PasswordHasher != nil {
			hasher = *c.PasswordHasher
		}
		m.PasswordDigest = nonEmpty(fmt.Sprintf("<%s digest, %d characters>", hasher, len(*c.PasswordDigest)))
	}
	if c.Password != nil {
		m.Password = nonEmpty(fmt.Sprintf("<password, %d characters>", len(*c.Password)))
	}
	if c.TOTPSecret != nil {
		m.TOTPSecret = nonEmpty("<totp secret>")
	}
	if len(c.BackupCodes) > 0 {
		m.BackupCodes = []string{fmt.Sprintf("<%d backup codes>", len(c.BackupCodes))}
	}
	return &m
}

// handledWire are the create fields Build fills itself from the official
// tool's schema (and password, whose source field is the digest). The
// identification statuses are left out: migrate decides them, verified
// addresses in the create and unverified ones added after it.
var handledWire = map[string]bool{
	"external_id": true, "email_address": true, "phone_number": true, "username": true, "first_name": true,
	"last_name": true, "totp_secret": true, "password": true, "password_digest": true, "password_hasher": true,
	"skip_password_requirement": true, "backup_codes": true, "public_metadata": true, "private_metadata": true,
	"unsafe_metadata": true, "created_at": true, "legal_accepted_at": true, "skip_password_checks": true,
	"skip_legal_checks": true, "bypass_client_trust": true, "create_organization_enabled": true,
	"delete_self_enabled": true, "banned": true, "create_organizations_limit": true,
	"email_address_identification_status": true, "phone_number_identification_status": true,
}

// otherField is a create field of the spec that Build has no rule for:
// its camelCase source name and its place in core.UsersCreateParams.
type otherField struct {
	name  string // camelCase, as transformers write it (locale, skipUserRequirement)
	index int
}

// otherFields lists the fields of the generated create type that Build
// does not fill itself, so a field the spec adds reaches migrate (from a
// transformer's camelCase key) without a hand edit here.
var otherFields = func() []otherField {
	var out []otherField
	t := reflect.TypeFor[core.UsersCreateParams]()
	for i := range t.NumField() {
		wire, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if wire == "" || wire == "-" || handledWire[wire] {
			continue
		}
		out = append(out, otherField{name: camelCase(wire), index: i})
	}
	return out
}()

func camelCase(wire string) string {
	parts := strings.Split(wire, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

// buildOthers fills the fields of otherFields from u. Strings, booleans
// and integers also come as CSV text; anything else must have the JSON
// shape of the field.
func buildOthers(u map[string]any, c *core.UsersCreateParams) error {
	cv := reflect.ValueOf(c).Elem()
	for _, f := range otherFields {
		v, ok := u[f.name]
		if !ok || v == nil {
			continue
		}
		dst := cv.Field(f.index)
		switch dst.Interface().(type) {
		case *string:
			s, err := strField(u, f.name, false)
			if err != nil {
				return err
			}
			if s != "" {
				dst.Set(reflect.ValueOf(&s))
			}
		case *bool:
			b, err := boolField(u, f.name)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(b))
		case *int64:
			n, ok := intValue(v)
			if !ok {
				return vErr(f.name, "must be an integer")
			}
			n64 := int64(n)
			dst.Set(reflect.ValueOf(&n64))
		case []string:
			l, err := strList(u, f.name)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(dedupe(l, nil)))
		case map[string]any:
			m, err := metadata(u, f.name)
			if err != nil {
				return err
			}
			dst.Set(reflect.ValueOf(m))
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return vErr(f.name, "%v", err)
			}
			p := reflect.New(dst.Type())
			if err := json.Unmarshal(b, p.Interface()); err != nil {
				return vErr(f.name, "expected %s, got %s", dst.Type(), typeName(v))
			}
			dst.Set(p.Elem())
		}
	}
	return nil
}
