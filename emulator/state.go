package emulator

import (
	"crypto/sha256"
	"encoding/binary"
)

// idGen makes Clerk-style ids (prefix_ + 27 base62 characters) from a seed and
// a counter, so a run is reproducible and a saved state resumes the sequence.
type idGen struct {
	Seed int64  `json:"seed"`
	N    uint64 `json:"n"`
}

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (g *idGen) next(prefix string) string { return prefix + "_" + g.token(27) }

// token returns n pseudo-random base62 characters; each call advances the
// counter.
func (g *idGen) token(n int) string {
	g.N++
	var seed [17]byte
	binary.BigEndian.PutUint64(seed[:8], uint64(g.Seed))
	binary.BigEndian.PutUint64(seed[8:16], g.N)
	out := make([]byte, 0, n)
	for block := byte(0); len(out) < n; block++ {
		seed[16] = block
		sum := sha256.Sum256(seed[:])
		for _, b := range sum {
			// 62*4 = 248: rejecting the top 8 values keeps the digits uniform.
			if b >= 248 {
				continue
			}
			out = append(out, base62[b%62])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

// seq returns the next creation sequence number, used to order records created
// in the same millisecond.
func (g *idGen) seq() uint64 { g.N++; return g.N }

type userRec struct {
	ID                        string         `json:"id"`
	Seq                       uint64         `json:"seq"`
	ExternalID                *string        `json:"external_id,omitempty"`
	Username                  *string        `json:"username,omitempty"`
	FirstName                 *string        `json:"first_name,omitempty"`
	LastName                  *string        `json:"last_name,omitempty"`
	Locale                    *string        `json:"locale,omitempty"`
	PrimaryEmailID            *string        `json:"primary_email_address_id,omitempty"`
	PrimaryPhoneID            *string        `json:"primary_phone_number_id,omitempty"`
	EmailIDs                  []string       `json:"email_ids,omitempty"`
	PhoneIDs                  []string       `json:"phone_ids,omitempty"`
	PublicMetadata            metadataObject `json:"public_metadata,omitempty"`
	PrivateMetadata           metadataObject `json:"private_metadata,omitempty"`
	UnsafeMetadata            metadataObject `json:"unsafe_metadata,omitempty"`
	PasswordHasher            string         `json:"password_hasher,omitempty"`
	PasswordDigest            string         `json:"password_digest,omitempty"`
	PasswordUpdatedAt         *int64         `json:"password_last_updated_at,omitempty"`
	TOTPSecret                string         `json:"totp_secret,omitempty"`
	BackupCodes               []string       `json:"backup_codes,omitempty"`
	Banned                    bool           `json:"banned,omitempty"`
	Locked                    bool           `json:"locked,omitempty"`
	LockedAt                  int64          `json:"locked_at,omitempty"`
	HasImage                  bool           `json:"has_image,omitempty"`
	ImageURL                  string         `json:"image_url,omitempty"` // set by users.setProfileImage
	CreatedAt                 int64          `json:"created_at,omitempty"`
	UpdatedAt                 int64          `json:"updated_at,omitempty"`
	LastSignInAt              *int64         `json:"last_sign_in_at,omitempty"`
	LastActiveAt              *int64         `json:"last_active_at,omitempty"`
	LegalAcceptedAt           *int64         `json:"legal_accepted_at,omitempty"`
	MFAEnabledAt              *int64         `json:"mfa_enabled_at,omitempty"`
	MFADisabledAt             *int64         `json:"mfa_disabled_at,omitempty"`
	DeleteSelfEnabled         bool           `json:"delete_self_enabled,omitempty"`
	CreateOrganizationEnabled bool           `json:"create_organization_enabled,omitempty"`
	CreateOrganizationsLimit  *int64         `json:"create_organizations_limit,omitempty"`
	BypassClientTrust         bool           `json:"bypass_client_trust,omitempty"`
	PasswordCompromised       bool           `json:"password_compromised,omitempty"`

	sortEmail, sortPhone string // primary email (lower case) and phone, for order_by; see deriveSortKeys
}

// identRec is an email address or a phone number of a user.
type identRec struct {
	ID                      string `json:"id"`
	Seq                     uint64 `json:"seq"`
	UserID                  string `json:"user_id,omitempty"`
	Kind                    string `json:"kind,omitempty"` // "email_address" or "phone_number"
	Value                   string `json:"value,omitempty"`
	Verified                bool   `json:"verified,omitempty"`
	Reserved                bool   `json:"reserved,omitempty"`
	ReservedForSecondFactor bool   `json:"reserved_for_second_factor,omitempty"`
	DefaultSecondFactor     bool   `json:"default_second_factor,omitempty"`
	VerificationID          string `json:"verification_id,omitempty"` // a pending prepare_verification
	VerificationExpireAt    int64  `json:"verification_expire_at,omitempty"`
	CreatedAt               int64  `json:"created_at,omitempty"`
	UpdatedAt               int64  `json:"updated_at,omitempty"`
}

type invitationRec struct {
	ID             string         `json:"id"`
	Seq            uint64         `json:"seq"`
	Email          string         `json:"email_address"`
	PublicMetadata map[string]any `json:"public_metadata"`
	RedirectURL    string         `json:"redirect_url,omitempty"`
	Status         string         `json:"status"` // pending, accepted, revoked; "expired" is derived
	Ticket         string         `json:"ticket"`
	ExpiresAt      *int64         `json:"expires_at"`
	CreatedAt      int64          `json:"created_at"`
	UpdatedAt      int64          `json:"updated_at"`
}

type orgRec struct {
	ID                    string         `json:"id"`
	Seq                   uint64         `json:"seq"`
	Name                  string         `json:"name"`
	Slug                  string         `json:"slug"`
	PublicMetadata        map[string]any `json:"public_metadata"`
	PrivateMetadata       map[string]any `json:"private_metadata"`
	MaxAllowedMemberships int64          `json:"max_allowed_memberships"`
	AdminDeleteEnabled    bool           `json:"admin_delete_enabled"`
	HasImage              bool           `json:"has_image"`
	CreatedBy             string         `json:"created_by,omitempty"`
	RoleSetKey            *string        `json:"role_set_key"`
	CreatedAt             int64          `json:"created_at"`
	UpdatedAt             int64          `json:"updated_at"`
}

type membershipRec struct {
	ID              string         `json:"id"`
	Seq             uint64         `json:"seq"`
	OrgID           string         `json:"organization_id"`
	UserID          string         `json:"user_id"`
	Role            string         `json:"role"`
	PublicMetadata  map[string]any `json:"public_metadata"`
	PrivateMetadata map[string]any `json:"private_metadata"`
	CreatedAt       int64          `json:"created_at"`
	UpdatedAt       int64          `json:"updated_at"`
}

type orgInvitationRec struct {
	ID              string         `json:"id"`
	Seq             uint64         `json:"seq"`
	OrgID           string         `json:"organization_id"`
	Email           string         `json:"email_address"`
	Role            string         `json:"role"`
	InviterID       *string        `json:"inviter_id"`
	Status          string         `json:"status"` // pending, accepted, revoked; "expired" is derived
	PublicMetadata  map[string]any `json:"public_metadata"`
	PrivateMetadata map[string]any `json:"private_metadata"`
	RedirectURL     string         `json:"redirect_url,omitempty"`
	Ticket          string         `json:"ticket"`
	ExpiresAt       *int64         `json:"expires_at"`
	CreatedAt       int64          `json:"created_at"`
	UpdatedAt       int64          `json:"updated_at"`
	AcceptedUserID  string         `json:"accepted_user_id,omitempty"` // who accepted it (accept.go)
}

type orgDomainRec struct {
	ID             string `json:"id"`
	Seq            uint64 `json:"seq"`
	OrgID          string `json:"organization_id"`
	Name           string `json:"name"`
	EnrollmentMode string `json:"enrollment_mode"`
	Verified       bool   `json:"verified"`
	CreatedAt      int64  `json:"created_at"`
	UpdatedAt      int64  `json:"updated_at"`
}

// listIdentRec is an allow-list or block-list identifier.
type listIdentRec struct {
	ID           string `json:"id"`
	Seq          uint64 `json:"seq"`
	Identifier   string `json:"identifier"`
	Type         string `json:"identifier_type"`
	InvitationID string `json:"invitation_id,omitempty"`
	CreatedAt    int64  `json:"created_at"`
	UpdatedAt    int64  `json:"updated_at"`
}

type redirectRec struct {
	ID        string `json:"id"`
	Seq       uint64 `json:"seq"`
	URL       string `json:"url"`
	CreatedAt int64  `json:"created_at"`
	UpdatedAt int64  `json:"updated_at"`
}

type jwtTemplateRec struct {
	ID               string         `json:"id"`
	Seq              uint64         `json:"seq"`
	Name             string         `json:"name"`
	Claims           map[string]any `json:"claims"`
	Lifetime         int64          `json:"lifetime"`
	AllowedClockSkew int64          `json:"allowed_clock_skew"`
	CustomSigningKey bool           `json:"custom_signing_key"`
	SigningAlgorithm string         `json:"signing_algorithm"`
	SigningKey       string         `json:"signing_key,omitempty"`
	CreatedAt        int64          `json:"created_at"`
	UpdatedAt        int64          `json:"updated_at"`
}

// tokenRec is a sign-in token or an actor token.
type tokenRec struct {
	ID        string         `json:"id"`
	Seq       uint64         `json:"seq"`
	UserID    string         `json:"user_id"`
	Actor     map[string]any `json:"actor,omitempty"`
	Token     string         `json:"token"`
	Status    string         `json:"status"`
	ExpiresAt int64          `json:"expires_at"`
	CreatedAt int64          `json:"created_at"`
	UpdatedAt int64          `json:"updated_at"`
}

type waitlistRec struct {
	ID           string `json:"id"`
	Seq          uint64 `json:"seq"`
	Email        string `json:"email_address"`
	Status       string `json:"status"`
	InvitationID string `json:"invitation_id,omitempty"`
	CreatedAt    int64  `json:"created_at"`
	UpdatedAt    int64  `json:"updated_at"`
}

type sessionRec struct {
	ID           string         `json:"id"`
	Seq          uint64         `json:"seq"`
	UserID       string         `json:"user_id"`
	ClientID     string         `json:"client_id"`
	Status       string         `json:"status"`
	ActiveOrgID  *string        `json:"last_active_organization_id"`
	Actor        map[string]any `json:"actor,omitempty"`
	LastActiveAt int64          `json:"last_active_at"`
	ExpireAt     int64          `json:"expire_at"`
	AbandonAt    int64          `json:"abandon_at"`
	CreatedAt    int64          `json:"created_at"`
	UpdatedAt    int64          `json:"updated_at"`
}

type instanceRec struct {
	ID                string   `json:"id"`
	Slug              string   `json:"slug"` // frontend API host is <slug>.clerk.accounts.dev
	AllowedOrigins    []string `json:"allowed_origins"`
	TestMode          bool     `json:"test_mode"`
	HIBP              bool     `json:"hibp"`
	SupportEmail      *string  `json:"support_email"`
	DevelopmentOrigin string   `json:"development_origin,omitempty"`

	Allowlist                          bool `json:"allowlist"`
	Blocklist                          bool `json:"blocklist"`
	AllowlistBlocklistDisabledOnSignIn bool `json:"allowlist_blocklist_disabled_on_sign_in"`
	BlockEmailSubaddresses             bool `json:"block_email_subaddresses"`
	BlockDisposableEmailDomains        bool `json:"block_disposable_email_domains"`

	OrgsEnabled               bool     `json:"organizations_enabled"`
	OrgMaxAllowedMemberships  int64    `json:"org_max_allowed_memberships"`
	OrgAdminDeleteEnabled     bool     `json:"org_admin_delete_enabled"`
	OrgDomainsEnabled         bool     `json:"org_domains_enabled"`
	OrgSlugDisabled           bool     `json:"org_slug_disabled"`
	OrgDomainsEnrollmentModes []string `json:"org_domains_enrollment_modes"`
	OrgCreatorRole            string   `json:"org_creator_role"`
	OrgDomainsDefaultRole     string   `json:"org_domains_default_role"`
}

// state is everything the instance knows. It is guarded by Emulator.mu and is
// what Save writes and Load reads. Each collection is a table declared once in
// resources.go.
type state struct {
	Instance instanceRec
	IDs      idGen

	Users          *table[*userRec]
	Idents         *table[*identRec]
	Invitations    *table[*invitationRec]
	Orgs           *table[*orgRec]
	Memberships    *table[*membershipRec]
	OrgInvitations *table[*orgInvitationRec]
	OrgDomains     *table[*orgDomainRec]
	Allowlist      *table[*listIdentRec]
	Blocklist      *table[*listIdentRec]
	RedirectURLs   *table[*redirectRec]
	JWTTemplates   *table[*jwtTemplateRec]
	SignInTokens   *table[*tokenRec]
	ActorTokens    *table[*tokenRec]
	Waitlist       *table[*waitlistRec]
	Sessions       *table[*sessionRec]
	Generic        *table[*genericRec] // generically emulated collections (generic.go)

	tables []anyTable
	emu    *Emulator // for events; nil while a loaded state is being checked

	// Indexes, built by the tables (see resources.go).
	emailByVal  *unique[*identRec]        // lower(email address)
	phoneByVal  *unique[*identRec]        // phone number
	invByEmail  *multi[*invitationRec]    // lower(email)
	orgBySlug   *unique[*orgRec]          // slug
	memByOrg    *multi[*membershipRec]    // organization id
	memByUser   *multi[*membershipRec]    // user id
	orgInvByOrg *multi[*orgInvitationRec] // organization id
	sessByUser  *multi[*sessionRec]       // user id
	users       *userIndex
	genByColl   *multi[*genericRec] // collection|parent
}

// emptyState has every table and nothing in them.
func emptyState() *state {
	s := &state{}
	s.initTables()
	return s
}

func newState(seed int64) *state {
	s := emptyState()
	s.IDs = idGen{Seed: seed}
	s.Instance = instanceRec{
		ID:                        s.IDs.next("ins"),
		Slug:                      s.slug(),
		AllowedOrigins:            []string{},
		HIBP:                      true,
		OrgsEnabled:               true,
		OrgAdminDeleteEnabled:     true,
		OrgDomainsEnrollmentModes: []string{"manual_invitation"},
		OrgCreatorRole:            "org:admin",
		OrgDomainsDefaultRole:     "org:member",
	}
	return s
}

// slug makes a development-instance host label such as "brave-otter-42".
func (s *state) slug() string {
	adj := []string{"brave", "calm", "eager", "fancy", "gentle", "happy", "jolly", "lucky", "merry", "proud"}
	noun := []string{"otter", "falcon", "badger", "heron", "lynx", "marten", "panda", "quail", "raven", "walrus"}
	t := s.IDs.token(3)
	a := adj[int(t[0])%len(adj)]
	n := noun[int(t[1])%len(noun)]
	return a + "-" + n + "-" + string(rune('0'+int(t[2])%10)) + string(rune('0'+int(t[0]+t[2])%10))
}

// maxSeq is the highest creation sequence number of any record.
func (s *state) maxSeq() uint64 {
	var n uint64
	for _, t := range s.tables {
		n = max(n, t.maxSeq())
	}
	return n
}
