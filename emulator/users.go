package emulator

import (
	"encoding/base32"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

func init() {
	register(map[string]handlerFunc{
		"users.create":             (*Emulator).createUser,
		"users.get":                (*Emulator).getUser,
		"users.list":               (*Emulator).listUsers,
		"users.count":              (*Emulator).countUsers,
		"users.update":             (*Emulator).updateUser,
		"users.delete":             (*Emulator).deleteUser,
		"users.ban":                userFlag(func(u *userRec) { u.Banned = true }),
		"users.unban":              userFlag(func(u *userRec) { u.Banned = false }),
		"users.lock":               userFlag(func(u *userRec) { u.Locked = true }),
		"users.unlock":             userFlag(func(u *userRec) { u.Locked = false }),
		"users.updateMetadata":     (*Emulator).updateUserMetadata,
		"users.setProfileImage":    (*Emulator).setProfileImage,
		"users.deleteProfileImage": (*Emulator).deleteProfileImage,
		"users.deleteTOTP":         mfaRemover(true, false),
		"users.deleteBackupCodes":  mfaRemover(false, true),
		"users.disableMfa":         mfaRemover(true, true),
		"emailAddresses.create":    (*Emulator).createEmail,
		"emailAddresses.get":       identGet("email_address"),
		"emailAddresses.update":    (*Emulator).updateIdent,
		"emailAddresses.delete":    identDelete("email_address"),
		"phoneNumbers.create":      (*Emulator).createPhone,
		"phoneNumbers.get":         identGet("phone_number"),
		"phoneNumbers.update":      (*Emulator).updateIdent,
		"phoneNumbers.delete":      identDelete("phone_number"),
	})
}

// ---- wire shapes ----

type verificationJSON struct {
	Object   string `json:"object"`
	Status   string `json:"status"`
	Strategy string `json:"strategy"`
	Attempts *int   `json:"attempts"`
	ExpireAt *int64 `json:"expire_at"`
}

type linkJSON struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

type emailJSON struct {
	ID           string            `json:"id"`
	Object       string            `json:"object"`
	EmailAddress string            `json:"email_address"`
	Reserved     bool              `json:"reserved"`
	Verification *verificationJSON `json:"verification"`
	LinkedTo     []linkJSON        `json:"linked_to"`
	CreatedAt    int64             `json:"created_at"`
	UpdatedAt    int64             `json:"updated_at"`
}

type phoneJSON struct {
	ID                      string            `json:"id"`
	Object                  string            `json:"object"`
	PhoneNumber             string            `json:"phone_number"`
	ReservedForSecondFactor bool              `json:"reserved_for_second_factor"`
	DefaultSecondFactor     bool              `json:"default_second_factor"`
	Reserved                bool              `json:"reserved"`
	Verification            *verificationJSON `json:"verification"`
	LinkedTo                []linkJSON        `json:"linked_to"`
	CreatedAt               int64             `json:"created_at"`
	UpdatedAt               int64             `json:"updated_at"`
}

type userJSON struct {
	ID                            string         `json:"id"`
	Object                        string         `json:"object"`
	ExternalID                    *string        `json:"external_id"`
	PrimaryEmailAddressID         *string        `json:"primary_email_address_id"`
	PrimaryPhoneNumberID          *string        `json:"primary_phone_number_id"`
	PrimaryWeb3WalletID           *string        `json:"primary_web3_wallet_id"`
	Username                      *string        `json:"username"`
	FirstName                     *string        `json:"first_name"`
	LastName                      *string        `json:"last_name"`
	Locale                        *string        `json:"locale"`
	ProfileImageURL               string         `json:"profile_image_url"`
	ImageURL                      string         `json:"image_url"`
	HasImage                      bool           `json:"has_image"`
	PublicMetadata                metadataObject `json:"public_metadata"`
	PrivateMetadata               metadataObject `json:"private_metadata"`
	UnsafeMetadata                metadataObject `json:"unsafe_metadata"`
	EmailAddresses                []emailJSON    `json:"email_addresses"`
	PhoneNumbers                  []phoneJSON    `json:"phone_numbers"`
	Web3Wallets                   []any          `json:"web3_wallets"`
	Passkeys                      []any          `json:"passkeys"`
	PasswordEnabled               bool           `json:"password_enabled"`
	TwoFactorEnabled              bool           `json:"two_factor_enabled"`
	TOTPEnabled                   bool           `json:"totp_enabled"`
	BackupCodeEnabled             bool           `json:"backup_code_enabled"`
	MFAEnabledAt                  *int64         `json:"mfa_enabled_at"`
	MFADisabledAt                 *int64         `json:"mfa_disabled_at"`
	PasswordLastUpdatedAt         *int64         `json:"password_last_updated_at"`
	ExternalAccounts              []any          `json:"external_accounts"`
	SAMLAccounts                  []any          `json:"saml_accounts"`
	EnterpriseAccounts            []any          `json:"enterprise_accounts"`
	LastSignInAt                  *int64         `json:"last_sign_in_at"`
	Banned                        bool           `json:"banned"`
	Locked                        bool           `json:"locked"`
	LockoutExpiresInSeconds       *int64         `json:"lockout_expires_in_seconds"`
	VerificationAttemptsRemaining *int64         `json:"verification_attempts_remaining"`
	UpdatedAt                     int64          `json:"updated_at"`
	CreatedAt                     int64          `json:"created_at"`
	DeleteSelfEnabled             bool           `json:"delete_self_enabled"`
	CreateOrganizationEnabled     bool           `json:"create_organization_enabled"`
	CreateOrganizationsLimit      *int64         `json:"create_organizations_limit"`
	LastActiveAt                  *int64         `json:"last_active_at"`
	LegalAcceptedAt               *int64         `json:"legal_accepted_at"`
	BypassClientTrust             bool           `json:"bypass_client_trust"`
}

type deletedJSON struct {
	ID         string  `json:"id,omitempty"`
	Object     string  `json:"object"`
	Slug       string  `json:"slug,omitempty"`
	ExternalID *string `json:"external_id,omitempty"`
	Deleted    bool    `json:"deleted"`
}

func verificationOf(id *identRec) *verificationJSON {
	if id.Verified {
		return &verificationJSON{Object: "verification_admin", Status: "verified", Strategy: "admin"}
	}
	if id.Reserved {
		return nil
	}
	strategy := "email_code"
	if id.Kind == "phone_number" {
		strategy = "phone_code"
	}
	return &verificationJSON{Object: "verification_otp", Status: "unverified", Strategy: strategy}
}

func emailOut(id *identRec) emailJSON {
	return emailJSON{ID: id.ID, Object: "email_address", EmailAddress: id.Value, Reserved: id.Reserved,
		Verification: verificationOf(id), LinkedTo: []linkJSON{}, CreatedAt: id.CreatedAt, UpdatedAt: id.UpdatedAt}
}

func phoneOut(id *identRec) phoneJSON {
	return phoneJSON{ID: id.ID, Object: "phone_number", PhoneNumber: id.Value, Reserved: id.Reserved,
		ReservedForSecondFactor: id.ReservedForSecondFactor, DefaultSecondFactor: id.DefaultSecondFactor,
		Verification: verificationOf(id), LinkedTo: []linkJSON{}, CreatedAt: id.CreatedAt, UpdatedAt: id.UpdatedAt}
}

func identOut(id *identRec) any {
	if id.Kind == "phone_number" {
		return phoneOut(id)
	}
	return emailOut(id)
}

const defaultImage = "https://img.clerk.com/eyJ0eXBlIjoiZGVmYXVsdCJ9"

// imageURL is the user's uploaded profile image, or Clerk's default avatar.
func (u *userRec) imageURL() string {
	if u.HasImage && u.ImageURL != "" {
		return u.ImageURL
	}
	return defaultImage
}

func (e *Emulator) userOut(u *userRec) userJSON {
	s := e.st
	out := userJSON{
		ID: u.ID, Object: "user", ExternalID: u.ExternalID,
		PrimaryEmailAddressID: u.PrimaryEmailID, PrimaryPhoneNumberID: u.PrimaryPhoneID,
		Username: u.Username, FirstName: u.FirstName, LastName: u.LastName, Locale: u.Locale,
		ProfileImageURL: u.imageURL(), ImageURL: u.imageURL(), HasImage: u.HasImage,
		PublicMetadata: u.PublicMetadata, PrivateMetadata: u.PrivateMetadata, UnsafeMetadata: u.UnsafeMetadata,
		EmailAddresses: []emailJSON{}, PhoneNumbers: []phoneJSON{},
		Web3Wallets: []any{}, Passkeys: []any{}, ExternalAccounts: []any{}, SAMLAccounts: []any{}, EnterpriseAccounts: []any{},
		PasswordEnabled: u.PasswordDigest != "", TOTPEnabled: u.TOTPSecret != "", BackupCodeEnabled: len(u.BackupCodes) > 0,
		MFAEnabledAt: u.MFAEnabledAt, MFADisabledAt: u.MFADisabledAt, PasswordLastUpdatedAt: u.PasswordUpdatedAt,
		LastSignInAt: u.LastSignInAt, Banned: u.Banned, Locked: u.Locked,
		UpdatedAt: u.UpdatedAt, CreatedAt: u.CreatedAt,
		DeleteSelfEnabled: u.DeleteSelfEnabled, CreateOrganizationEnabled: u.CreateOrganizationEnabled,
		CreateOrganizationsLimit: u.CreateOrganizationsLimit, LastActiveAt: u.LastActiveAt,
		LegalAcceptedAt: u.LegalAcceptedAt, BypassClientTrust: u.BypassClientTrust,
	}
	for _, id := range u.EmailIDs {
		if r := s.Idents.get(id); r != nil {
			out.EmailAddresses = append(out.EmailAddresses, emailOut(r))
		}
	}
	for _, id := range u.PhoneIDs {
		if r := s.Idents.get(id); r != nil {
			out.PhoneNumbers = append(out.PhoneNumbers, phoneOut(r))
		}
	}
	out.TwoFactorEnabled = out.TOTPEnabled || out.BackupCodeEnabled
	if u.Locked {
		// Clerk locks for a fixed period (1 hour by default) after too many
		// attempts; an admin lock reports the same countdown.
		left := max(0, (u.LockedAt+3600_000-e.nowMs())/1000)
		out.LockoutExpiresInSeconds = &left
		out.VerificationAttemptsRemaining = ptr(int64(0))
	} else {
		out.VerificationAttemptsRemaining = ptr(int64(100))
	}
	return out
}

// ---- lookups ----

func (e *Emulator) userParam(rq *request) (*userRec, *apiError) {
	id := rq.param("user_id")
	u := e.st.Users.get(id)
	if u == nil {
		return nil, errNotFound("user " + id)
	}
	return u, nil
}

// ---- passwords ----

// passwordHashers are the hashers the spec's PasswordHasher lists, plus the
// ones @clerk/backend documents (awscognito, bcrypt_peppered, md5_salted,
// sha256_salted), each with the digest shape Clerk's docs give.
var passwordHashers = map[string]string{
	"argon2i":              `^\$argon2i\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$`,
	"argon2id":             `^\$argon2id\$v=\d+\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$`,
	"awscognito":           `^awscognito#[^#]+#[^#]+#.+$`,
	"bcrypt":               `^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$`,
	"bcrypt_peppered":      `^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$`,
	"bcrypt_sha256_django": `^bcrypt_sha256\$\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$`,
	"ldap_ssha":            `^\{SSHA\}[A-Za-z0-9+/=]+$`,
	"md5":                  `^[0-9a-fA-F]{32}$`,
	"md5_phpass":           `^\$[PH]\$[./A-Za-z0-9]{31}$`,
	"md5_salted":           `^[0-9a-fA-F]{32}\$.+$`,
	"pbkdf2_sha1":          `^pbkdf2_sha1\$\d+\$[^$]+\$[^$]+$`,
	"pbkdf2_sha256":        `^pbkdf2_sha256\$\d+\$[^$]+\$[^$]+$`,
	"pbkdf2_sha256_django": `^pbkdf2_sha256\$\d+\$[^$]+\$[^$]+$`,
	"pbkdf2_sha512":        `^pbkdf2_sha512\$\d+\$[^$]+\$[^$]+$`,
	"pbkdf2_sha512_hex":    `^pbkdf2_sha512\$\d+\$[0-9a-fA-F]+\$[0-9a-fA-F]+$`,
	"phpass":               `^\$[PH]\$[./A-Za-z0-9]{31}$`,
	"scrypt_firebase":      `^[^$]+\$[^$]+\$[^$]+\$[^$]+\$\d+\$\d+$`,
	"scrypt_werkzeug":      `^scrypt:\d+:\d+:\d+\$[^$]+\$[0-9a-fA-F]+$`,
	"sha256":               `^[0-9a-fA-F]{64}$`,
	"sha256_salted":        `^[0-9a-fA-F]{64}\$.+$`,
	"sha512_symfony":       `^[A-Za-z0-9+/=]+(\$.+)?$`,
}

// passwordHasherRes holds passwordHashers compiled, on first use rather than
// at every clerkscript process start.
var passwordHasherRes = sync.OnceValue(func() map[string]*regexp.Regexp {
	m := make(map[string]*regexp.Regexp, len(passwordHashers))
	for k, v := range passwordHashers {
		m[k] = regexp.MustCompile(v)
	}
	return m
})

// applyPassword validates password / password_digest + password_hasher and
// records them on u. A plaintext password is kept only as a salted PBKDF2
// hash (salt drawn from ids), a digest as given (it is a hash already, and
// users.verifyPassword checks passwords against it, see hashers.go).
func applyPassword(f *form, u *userRec, ids *idGen, now int64) {
	pw := f.str("password")
	digest := f.str("password_digest")
	hasher := f.str("password_hasher")
	skip := f.boolOr("skip_password_checks", false)
	if f.err != nil {
		return
	}
	switch {
	case pw != nil && digest != nil:
		f.fail(formErr("form_conditional_param_disallowed", "password_digest", "is not allowed",
			"password_digest cannot be combined with password."))
	case pw != nil:
		if !skip {
			if len(*pw) < 8 {
				f.fail(formErr("form_password_length_too_short", "password", "Passwords must be 8 characters or more.", "Passwords must be 8 characters or more."))
				return
			}
			if isPwned(*pw) {
				f.fail(formErr("form_password_pwned", "password", "Password has been found in an online data breach.",
					"Password has been found in an online data breach. For account safety, please use a different password."))
				return
			}
		}
		if len(*pw) > 72 {
			f.fail(formErr("form_password_size_in_bytes_exceeded", "password", "Password is too long.", "Passwords must be 72 bytes or fewer."))
			return
		}
		u.PasswordHasher = "plaintext"
		u.PasswordDigest = hashPassword(*pw, ids.token(16))
		u.PasswordUpdatedAt = &now
	case digest != nil:
		if hasher == nil {
			f.fail(formErr("form_conditional_param_missing", "password_hasher", "is missing",
				"password_hasher must be included when password_digest is."))
			return
		}
		re, ok := passwordHasherRes()[*hasher]
		if !ok {
			names := make([]string, 0, len(passwordHashers))
			for k := range passwordHashers {
				names = append(names, k)
			}
			slices.Sort(names)
			f.fail(errValue("password_hasher", fmt.Sprintf("password_hasher %q is not supported; use one of %s.", *hasher, strings.Join(names, ", "))))
			return
		}
		if !re.MatchString(*digest) {
			f.fail(formErr("form_password_digest_invalid_code", "password_digest", "is invalid",
				fmt.Sprintf("The password digest is not a valid %s digest.", *hasher)))
			return
		}
		u.PasswordHasher = internIn(*hasher, hasherNames) // one copy of "bcrypt" for all users
		u.PasswordDigest = *digest
		u.PasswordUpdatedAt = &now
	case hasher != nil:
		f.fail(formErr("form_conditional_param_missing", "password_digest", "is missing",
			"password_digest must be included when password_hasher is."))
	}
}

// isPwned stands in for Clerk's HIBP check with a few famous breached
// passwords, enough to exercise the error path offline.
func isPwned(pw string) bool {
	switch strings.ToLower(pw) {
	case "password", "password1", "password123", "12345678", "123456789", "qwertyuiop", "iloveyou", "11111111":
		return true
	}
	return false
}

func applyMFA(f *form, u *userRec, now int64) {
	if p := f.str("totp_secret"); p != nil {
		sec := strings.ToUpper(strings.ReplaceAll(*p, " ", ""))
		raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(sec, "="))
		if err != nil || len(raw) < 10 {
			f.fail(formErr("invalid_totp_secret_code", "totp_secret", "is invalid",
				"totp_secret must be a base32 secret of at least 80 bits."))
			return
		}
		u.TOTPSecret = strings.TrimRight(sec, "=") // users.verifyTotp computes codes from it
		u.MFAEnabledAt = &now
	}
	if codes, ok := f.strs("backup_codes"); ok {
		for _, c := range codes {
			if strings.TrimSpace(c) == "" {
				f.fail(errValue("backup_codes", "backup_codes must not contain empty codes."))
				return
			}
		}
		u.BackupCodes = make([]string, len(codes))
		for i, c := range codes {
			u.BackupCodes[i] = backupCodeRecord(c)
		}
		if u.MFAEnabledAt == nil {
			u.MFAEnabledAt = &now
		}
	}
}

// rfc3339Ms parses an RFC 3339 field into Unix milliseconds.
func rfc3339Ms(f *form, k string) *int64 {
	p := f.str(k)
	if p == nil {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, *p)
	if err != nil {
		f.fail(formErr("form_param_invalid_time", f.name(k), "is invalid",
			fmt.Sprintf("%s must be a timestamp in RFC3339 format, such as 2012-10-20T07:15:20.902Z.", f.name(k))))
		return nil
	}
	return ptr(t.UnixMilli())
}

// ---- handlers ----

var userCreateKeys = keySet("external_id", "first_name", "last_name", "locale", "email_address",
	"email_address_identification_status", "phone_number", "phone_number_identification_status",
	"web3_wallet", "username", "password", "password_digest", "password_hasher", "skip_password_checks",
	"skip_password_requirement", "totp_secret", "backup_codes", "public_metadata", "private_metadata",
	"unsafe_metadata", "delete_self_enabled", "legal_accepted_at", "skip_legal_checks", "skip_user_requirement",
	"create_organization_enabled", "create_organizations_limit", "created_at", "bypass_client_trust", "banned", "locked")

func (e *Emulator) createUser(rq *request) (any, *apiError) {
	s := e.st
	f := rq.body
	f.only(e.bodyKeys(rq, userCreateKeys))
	now := rq.now.UnixMilli()
	u := &userRec{CreatedAt: now, UpdatedAt: now, DeleteSelfEnabled: true, CreateOrganizationEnabled: true}
	u.ExternalID = f.str("external_id")
	u.FirstName = f.str("first_name")
	u.LastName = f.str("last_name")
	u.Locale = f.str("locale")
	u.Username = f.str("username")
	emails, _ := f.strs("email_address")
	emailStatus, _ := f.strs("email_address_identification_status")
	phones, _ := f.strs("phone_number")
	phoneStatus, _ := f.strs("phone_number_identification_status")
	if w, ok := f.strs("web3_wallet"); ok && len(w) > 0 {
		f.fail(errValue("web3_wallet", "The emulator does not support web3 wallets."))
	}
	if md, ok := f.obj("public_metadata"); ok {
		u.PublicMetadata = metaOf(md)
	}
	if md, ok := f.obj("private_metadata"); ok {
		u.PrivateMetadata = metaOf(md)
	}
	if md, ok := f.obj("unsafe_metadata"); ok {
		u.UnsafeMetadata = metaOf(md)
	}
	u.DeleteSelfEnabled = f.boolOr("delete_self_enabled", true)
	u.CreateOrganizationEnabled = f.boolOr("create_organization_enabled", true)
	u.CreateOrganizationsLimit = f.intp("create_organizations_limit")
	u.BypassClientTrust = f.boolOr("bypass_client_trust", false)
	u.Banned = f.boolOr("banned", false)
	u.Locked = f.boolOr("locked", false)
	if u.Locked {
		u.LockedAt = now
	}
	if ca := rfc3339Ms(f, "created_at"); ca != nil {
		u.CreatedAt = *ca
	}
	u.LegalAcceptedAt = rfc3339Ms(f, "legal_accepted_at")
	f.boolOr("skip_password_checks", false)
	f.boolOr("skip_password_requirement", false)
	f.boolOr("skip_legal_checks", false)
	f.boolOr("skip_user_requirement", false)
	applyPassword(f, u, &s.IDs, now)
	applyMFA(f, u, now)
	if f.err != nil {
		return nil, f.err
	}
	if u.ExternalID != nil && *u.ExternalID == "" {
		u.ExternalID = nil
	}
	if err := e.checkUserUnique(u, ""); err != nil {
		return nil, err
	}
	if err := checkStatuses("email_address_identification_status", emailStatus, len(emails)); err != nil {
		return nil, err
	}
	if err := checkStatuses("phone_number_identification_status", phoneStatus, len(phones)); err != nil {
		return nil, err
	}
	for i, em := range emails {
		if !validEmail(em) {
			return nil, errFormat("email_address", fmt.Sprintf("%q is not a valid email address.", em))
		}
		key := strings.ToLower(em) // as the index folds (not EqualFold's folding)
		if slices.ContainsFunc(emails[:i], func(o string) bool { return strings.ToLower(o) == key }) ||
			s.identByValue("email_address", em) != nil {
			return nil, errIdentifierExists("email_address", "That email address is taken. Please try another.")
		}
	}
	for i, ph := range phones {
		if !validPhone(ph) {
			return nil, errFormat("phone_number", fmt.Sprintf("%q is not a valid phone number; use E.164, such as +15555550100.", ph))
		}
		if slices.Contains(phones[:i], ph) || s.identByValue("phone_number", ph) != nil {
			return nil, errIdentifierExists("phone_number", "That phone number is taken. Please try another.")
		}
	}
	if u.ExternalID == nil && u.Username == nil && len(emails) == 0 && len(phones) == 0 && !f.boolOr("skip_user_requirement", false) {
		return nil, formErr("form_data_missing", "", "at least one identifier is required",
			"A user needs an email address, a phone number, a username or an external_id (or skip_user_requirement).")
	}
	// Everything is valid: commit.
	u.ID = s.Users.newID()
	u.Seq = s.IDs.seq()
	idents := make([]*identRec, 0, len(emails)+len(phones))
	for i, em := range emails {
		r := &identRec{ID: s.Idents.newID(), Seq: s.IDs.seq(), UserID: u.ID, Kind: "email_address", Value: em,
			Verified: true, CreatedAt: now, UpdatedAt: now}
		if i < len(emailStatus) && emailStatus[i] == "reserved" {
			r.Verified, r.Reserved = false, true
		}
		idents = append(idents, r)
		u.EmailIDs = append(u.EmailIDs, r.ID)
		if u.PrimaryEmailID == nil {
			u.PrimaryEmailID = &r.ID
		}
	}
	for i, ph := range phones {
		r := &identRec{ID: s.Idents.newID(), Seq: s.IDs.seq(), UserID: u.ID, Kind: "phone_number", Value: ph,
			Verified: true, CreatedAt: now, UpdatedAt: now}
		if i < len(phoneStatus) && phoneStatus[i] == "reserved" {
			r.Verified, r.Reserved = false, true
		}
		idents = append(idents, r)
		u.PhoneIDs = append(u.PhoneIDs, r.ID)
		if u.PrimaryPhoneID == nil {
			u.PrimaryPhoneID = &r.ID
		}
	}
	packUser(u, idents) // before indexing: index keys share the packed bytes
	for _, r := range idents {
		s.Idents.insert(r)
	}
	s.Users.insert(u)
	return e.userOut(u), nil
}

func checkStatuses(param string, st []string, n int) *apiError {
	if len(st) == 0 {
		return nil
	}
	if len(st) != n {
		return errValue(param, fmt.Sprintf("%s must have one item per identifier (%d), got %d.", param, n, len(st)))
	}
	for _, v := range st {
		if v != "verified" && v != "reserved" {
			return errValue(param, fmt.Sprintf("%s items must be verified or reserved, got %q.", param, v))
		}
	}
	return nil
}

// checkUserUnique enforces Clerk's uniqueness of username and external_id.
func (e *Emulator) checkUserUnique(u *userRec, self string) *apiError {
	if u.Username != nil {
		if !userRe().MatchString(*u.Username) {
			return errFormat("username", "Usernames are 4 to 64 characters: letters, digits, '_', '-' and '.'.")
		}
		if o := e.st.users.byUsername.get(strings.ToLower(*u.Username)); o != nil && o.ID != self {
			return errIdentifierExists("username", "That username is taken. Please try another.")
		}
	}
	if u.ExternalID != nil {
		if o := e.st.users.byExt.get(*u.ExternalID); o != nil && o.ID != self {
			return errIdentifierExists("external_id", "That external_id is taken by another user.")
		}
	}
	return nil
}

func (e *Emulator) primaryEmail(u *userRec) string { return u.sortEmail }
func (e *Emulator) primaryPhone(u *userRec) string { return u.sortPhone }

func (e *Emulator) getUser(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	return e.userOut(u), nil
}

var userUpdateKeys = keySet("external_id", "first_name", "last_name", "locale", "primary_email_address_id",
	"notify_primary_email_address_changed", "primary_phone_number_id", "primary_web3_wallet_id", "username",
	"profile_image_id", "password", "password_digest", "password_hasher", "skip_password_checks",
	"sign_out_of_other_sessions", "totp_secret", "backup_codes", "delete_self_enabled", "create_organization_enabled",
	"legal_accepted_at", "skip_legal_checks", "create_organizations_limit", "created_at", "bypass_client_trust")

func (e *Emulator) updateUser(rq *request) (any, *apiError) {
	u0, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, userUpdateKeys))
	now := rq.now.UnixMilli()
	u := *u0 // work on a copy: nothing is written unless all fields are valid
	setStr := func(k string, dst **string) {
		if f.isNull(k) {
			*dst = nil
		} else if p := f.str(k); p != nil {
			*dst = p
		}
	}
	setStr("external_id", &u.ExternalID)
	if u.ExternalID != nil && *u.ExternalID == "" {
		u.ExternalID = nil // as on create: "" is no id, not an id only one user may hold
	}
	setStr("first_name", &u.FirstName)
	setStr("last_name", &u.LastName)
	setStr("locale", &u.Locale)
	setStr("username", &u.Username)
	if p := f.str("primary_email_address_id"); p != nil {
		if r := e.st.Idents.get(*p); r == nil || r.UserID != u.ID || r.Kind != "email_address" {
			f.fail(formErr("form_resource_not_found", "primary_email_address_id", "not found", "No email address "+*p+" belongs to this user."))
		} else {
			u.PrimaryEmailID = p
		}
	}
	if p := f.str("primary_phone_number_id"); p != nil {
		if r := e.st.Idents.get(*p); r == nil || r.UserID != u.ID || r.Kind != "phone_number" {
			f.fail(formErr("form_resource_not_found", "primary_phone_number_id", "not found", "No phone number "+*p+" belongs to this user."))
		} else {
			u.PrimaryPhoneID = p
		}
	}
	if p := f.str("primary_web3_wallet_id"); p != nil {
		f.fail(formErr("form_resource_not_found", "primary_web3_wallet_id", "not found", "No web3 wallet "+*p+" belongs to this user."))
	}
	if p := f.str("profile_image_id"); p != nil {
		f.fail(formErr("form_resource_not_found", "profile_image_id", "not found", "No image "+*p+" was uploaded."))
	}
	if b := f.boolp("delete_self_enabled"); b != nil {
		u.DeleteSelfEnabled = *b
	}
	if b := f.boolp("create_organization_enabled"); b != nil {
		u.CreateOrganizationEnabled = *b
	}
	if b := f.boolp("bypass_client_trust"); b != nil {
		u.BypassClientTrust = *b
	}
	if f.has("create_organizations_limit") {
		u.CreateOrganizationsLimit = f.intp("create_organizations_limit")
	}
	if ca := rfc3339Ms(f, "created_at"); ca != nil {
		u.CreatedAt = *ca
	}
	if la := rfc3339Ms(f, "legal_accepted_at"); la != nil {
		u.LegalAcceptedAt = la
	}
	f.boolp("notify_primary_email_address_changed")
	f.boolp("skip_legal_checks")
	signOut := f.boolOr("sign_out_of_other_sessions", false)
	applyPassword(f, &u, &e.st.IDs, now)
	applyMFA(f, &u, now)
	if f.err != nil {
		return nil, f.err
	}
	if err := e.checkUserUnique(&u, u.ID); err != nil {
		return nil, err
	}
	u.UpdatedAt = now
	e.st.Users.update(u0, func() { *u0 = u })
	if signOut && f.has("password") {
		e.endSessions(u.ID, "revoked", now)
	}
	return e.userOut(u0), nil
}

func (e *Emulator) deleteUser(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	s := e.st
	for _, m := range s.memByUser.get(u.ID) {
		s.Memberships.remove(m)
	}
	e.endSessions(u.ID, "removed", rq.now.UnixMilli())
	e.dropOwned(u.ID, rq.now.UnixMilli()) // generic_rules.go
	s.Users.remove(u)
	for _, id := range append(append([]string{}, u.EmailIDs...), u.PhoneIDs...) {
		s.Idents.remove(s.Idents.get(id))
	}
	return deletedJSON{ID: u.ID, Object: "user", ExternalID: u.ExternalID, Deleted: true}, nil
}

func userFlag(apply func(*userRec)) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		u, err := e.userParam(rq)
		if err != nil {
			return nil, err
		}
		now := rq.now.UnixMilli()
		e.st.Users.update(u, func() {
			apply(u)
			if u.Locked && u.LockedAt == 0 {
				u.LockedAt = now
			} else if !u.Locked {
				u.LockedAt = 0
			}
			u.UpdatedAt = now
		})
		if u.Banned {
			e.endSessions(u.ID, "revoked", now)
		}
		return e.userOut(u), nil
	}
}

var metadataKeys = keySet("public_metadata", "private_metadata", "unsafe_metadata")

func (e *Emulator) updateUserMetadata(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, metadataKeys))
	pub, _ := f.obj("public_metadata")
	priv, _ := f.obj("private_metadata")
	unsafe, _ := f.obj("unsafe_metadata")
	if f.err != nil {
		return nil, f.err
	}
	e.st.Users.update(u, func() {
		// A key not given leaves its object as it is (deepMerge of nil
		// would only re-encode it).
		if pub != nil {
			u.PublicMetadata = metaOf(deepMerge(u.PublicMetadata.m(), pub))
		}
		if priv != nil {
			u.PrivateMetadata = metaOf(deepMerge(u.PrivateMetadata.m(), priv))
		}
		if unsafe != nil {
			u.UnsafeMetadata = metaOf(deepMerge(u.UnsafeMetadata.m(), unsafe))
		}
		u.UpdatedAt = rq.now.UnixMilli()
	})
	return e.userOut(u), nil
}

// setProfileImage stores a new image URL for each upload (the bytes are not
// kept): a client that compares image_url before and after sees the change.
func (e *Emulator) setProfileImage(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
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
	e.st.Users.update(u, func() {
		u.HasImage = true
		u.ImageURL = "https://img.clerk.com/" + e.st.IDs.token(32)
		u.UpdatedAt = rq.now.UnixMilli()
	})
	return e.userOut(u), nil
}

func (e *Emulator) deleteProfileImage(rq *request) (any, *apiError) {
	u, err := e.userParam(rq)
	if err != nil {
		return nil, err
	}
	if !u.HasImage {
		return nil, errNotFound("profile image of user " + u.ID)
	}
	e.st.Users.update(u, func() {
		u.HasImage, u.ImageURL = false, ""
		u.UpdatedAt = rq.now.UnixMilli()
	})
	return e.userOut(u), nil
}

// mfaRemover removes a user's TOTP secret and/or backup codes; removing what
// is not there succeeds too, so a cleanup script can be re-run.
func mfaRemover(totp, backup bool) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		u, err := e.userParam(rq)
		if err != nil {
			return nil, err
		}
		had := u.TOTPSecret != "" || len(u.BackupCodes) > 0
		now := rq.now.UnixMilli()
		e.st.Users.update(u, func() {
			if totp {
				u.TOTPSecret = ""
			}
			if backup {
				u.BackupCodes = nil
			}
			if had && u.TOTPSecret == "" && len(u.BackupCodes) == 0 {
				u.MFADisabledAt = &now
			}
			u.UpdatedAt = now
		})
		return map[string]any{"user_id": u.ID}, nil
	}
}

// ---- email addresses and phone numbers ----

func (e *Emulator) addIdent(rq *request, kind string, keys map[string]bool) (any, *apiError) {
	s := e.st
	f := rq.body
	f.only(e.bodyKeys(rq, keys))
	userID := f.reqStr("user_id")
	value := f.reqStr(kind)
	verified := f.boolOr("verified", false)
	primary := f.boolOr("primary", false)
	rsf := f.boolOr("reserved_for_second_factor", false)
	f.boolp("notify_primary_email_address_changed")
	if f.err != nil {
		return nil, f.err
	}
	u := s.Users.get(userID)
	if u == nil {
		return nil, errNotFound("user " + userID)
	}
	if kind == "email_address" && !validEmail(value) {
		return nil, errFormat(kind, fmt.Sprintf("%q is not a valid email address.", value))
	}
	if kind == "phone_number" && !validPhone(value) {
		return nil, errFormat(kind, fmt.Sprintf("%q is not a valid phone number; use E.164, such as +15555550100.", value))
	}
	if s.identByValue(kind, value) != nil {
		return nil, errIdentifierExists(kind, "That identifier is taken. Please try another.")
	}
	now := rq.now.UnixMilli()
	r := &identRec{ID: s.Idents.newID(), Seq: s.IDs.seq(), UserID: u.ID, Kind: kind, Value: value,
		Verified: verified, ReservedForSecondFactor: rsf, CreatedAt: now, UpdatedAt: now}
	s.Idents.insert(r)
	s.Users.update(u, func() {
		if kind == "email_address" {
			u.EmailIDs = append(u.EmailIDs, r.ID)
			if primary || u.PrimaryEmailID == nil {
				u.PrimaryEmailID = &r.ID
			}
		} else {
			u.PhoneIDs = append(u.PhoneIDs, r.ID)
			if primary || u.PrimaryPhoneID == nil {
				u.PrimaryPhoneID = &r.ID
			}
		}
		u.UpdatedAt = now
	})
	return identOut(r), nil
}

func (e *Emulator) createEmail(rq *request) (any, *apiError) {
	return e.addIdent(rq, "email_address", keySet("user_id", "email_address", "verified", "primary", "notify_primary_email_address_changed"))
}

func (e *Emulator) createPhone(rq *request) (any, *apiError) {
	return e.addIdent(rq, "phone_number", keySet("user_id", "phone_number", "verified", "primary", "reserved_for_second_factor"))
}

func (e *Emulator) identParam(rq *request, kind string) (*identRec, *apiError) {
	id := rq.param(kind + "_id")
	r := e.st.Idents.get(id)
	if r == nil || r.Kind != kind {
		return nil, errNotFound(strings.ReplaceAll(kind, "_", " ") + " " + id)
	}
	return r, nil
}

func identGet(kind string) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		r, err := e.identParam(rq, kind)
		if err != nil {
			return nil, err
		}
		return identOut(r), nil
	}
}

func (e *Emulator) updateIdent(rq *request) (any, *apiError) {
	kind := "email_address"
	if _, ok := rq.path["phone_number_id"]; ok {
		kind = "phone_number"
	}
	r, err := e.identParam(rq, kind)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("verified", "primary", "reserved_for_second_factor", "notify_primary_email_address_changed")))
	verified := f.boolp("verified")
	primary := f.boolOr("primary", false)
	rsf := f.boolp("reserved_for_second_factor")
	f.boolp("notify_primary_email_address_changed")
	if f.err != nil {
		return nil, f.err
	}
	now := rq.now.UnixMilli()
	if verified != nil {
		r.Verified = *verified
		if *verified {
			r.Reserved = false
		}
	}
	if rsf != nil && kind == "phone_number" {
		r.ReservedForSecondFactor = *rsf
	}
	if u := e.st.Users.get(r.UserID); u != nil && primary {
		e.st.Users.update(u, func() {
			if kind == "email_address" {
				u.PrimaryEmailID = &r.ID
			} else {
				u.PrimaryPhoneID = &r.ID
			}
			u.UpdatedAt = now
		})
	}
	r.UpdatedAt = now
	return identOut(r), nil
}

func identDelete(kind string) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		r, err := e.identParam(rq, kind)
		if err != nil {
			return nil, err
		}
		if u := e.st.Users.get(r.UserID); u != nil {
			e.st.Users.update(u, func() { dropIdent(u, r, rq.now.UnixMilli()) })
		}
		e.st.Idents.remove(e.st.Idents.get(r.ID))
		return deletedJSON{ID: r.ID, Object: kind, Deleted: true}, nil
	}
}

func dropIdent(u *userRec, r *identRec, now int64) {
	u.EmailIDs = slices.DeleteFunc(u.EmailIDs, func(id string) bool { return id == r.ID })
	u.PhoneIDs = slices.DeleteFunc(u.PhoneIDs, func(id string) bool { return id == r.ID })
	if u.PrimaryEmailID != nil && *u.PrimaryEmailID == r.ID {
		u.PrimaryEmailID = nil
		if len(u.EmailIDs) > 0 {
			u.PrimaryEmailID = &u.EmailIDs[0]
		}
	}
	if u.PrimaryPhoneID != nil && *u.PrimaryPhoneID == r.ID {
		u.PrimaryPhoneID = nil
		if len(u.PhoneIDs) > 0 {
			u.PrimaryPhoneID = &u.PhoneIDs[0]
		}
	}
	u.UpdatedAt = now
}

// endSessions moves a user's active sessions to status (revoked, removed,
// ended), each change announced as its session event.
func (e *Emulator) endSessions(userID, status string, now int64) {
	for _, ss := range e.st.sessByUser.get(userID) {
		if ss.Status == "active" {
			e.st.Sessions.update(ss, func() { ss.Status, ss.UpdatedAt = status, now })
		}
	}
}
