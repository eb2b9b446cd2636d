package abi

import "encoding/json"

// Version is the ABI version the guest reports from ExportABIVersion. A host
// refuses a module whose version differs: any change to an export's
// signature, an import, or the meaning of a JSON field bumps it.
const Version uint32 = 1

// ImportModule is the wasm module name of the host functions the guest
// imports.
const ImportModule = "clerk"

// Exports of the guest module.
const (
	ExportABIVersion          = "clerk_abi_version"
	ExportMalloc              = "clerk_malloc"
	ExportFree                = "clerk_free"
	ExportConfigure           = "clerk_configure"
	ExportVerifyToken         = "clerk_verify_token"
	ExportVerifySessionToken  = "clerk_verify_session_token"
	ExportAuthenticateRequest = "clerk_authenticate_request"
	ExportVerifyWebhook       = "clerk_verify_webhook"
	ExportCall                = "clerk_call"
)

// ExportCheckSessionToken is an optional export, added within version 1:
// ExportVerifySessionToken answering CheckOK instead of the claims. Hosts
// look for it and fall back to ExportVerifySessionToken without it.
const ExportCheckSessionToken = "clerk_check_session_token"

// Imports the guest expects from ImportModule.
const (
	ImportHTTPRequest  = "http_request"
	ImportHTTPResponse = "http_response"
	ImportCheckRSA     = "check_rsa"
)

// Answers of the check_rsa import.
const (
	RSAInvalid  uint32 = 0
	RSAValid    uint32 = 1
	RSADeclined uint32 = 2
)

// Hash identifiers passed to check_rsa (the numbering of Go's crypto.Hash,
// written out so that hosts in other languages need not know it).
const (
	HashSHA256 uint32 = 5
	HashSHA384 uint32 = 6
	HashSHA512 uint32 = 7
	// HashFlagMessage, or-ed into the hash identifier, says that the
	// "digest" buffer holds the signed message itself: the host hashes it.
	// A host that does not know the flag declines (an unknown hash), and
	// the guest then hashes and asks again with the digest.
	HashFlagMessage uint32 = 0x100
	// HashFlagBase64Sig, or-ed into the hash identifier, says that the
	// "sig" buffer holds the signature as the token carries it: unpadded
	// base64url text (RFC 4648 §5; the guest only sends text of the
	// alphabet, of a decodable length), which the host decodes. Hosts that
	// do not know the flag decline, and the guest decodes and asks again.
	HashFlagBase64Sig uint32 = 0x200
	// MaxSignedMessage bounds a message passed with HashFlagMessage.
	MaxSignedMessage = 1 << 20
)

// CheckOK is the whole success result of ExportCheckSessionToken: the
// token is valid, and the host decodes its claims itself.
const CheckOK = `{"ok":true,"result":true}`

// MaxInput bounds one input buffer (a token, a request, a call's params):
// larger inputs are refused before any work.
const MaxInput = 16 << 20

// Pack joins a guest pointer and length into the u64 an export returns.
func Pack(ptr, n uint32) uint64 { return uint64(ptr)<<32 | uint64(n) }

// Unpack splits a packed u64 into pointer and length.
func Unpack(v uint64) (ptr, n uint32) { return uint32(v >> 32), uint32(v) }

// Error kinds.
const (
	KindToken       = "token"       // the token was rejected; Code is Clerk's reason
	KindAPI         = "api"         // the Backend API answered with an error status
	KindTransport   = "transport"   // no HTTP response could be had
	KindRequest     = "request"     // the call's input is malformed
	KindConfig      = "config"      // the plugin is not configured for this
	KindWebhook     = "webhook"     // a webhook failed verification
	KindUnavailable = "unavailable" // the feature is not in this build
	KindInternal    = "internal"    // a bug; the message says where
)

// Error is the one error shape of every result.
type Error struct {
	Kind string `json:"kind"`
	// Code is Clerk's reason for token errors ("token-expired"), the
	// first errors[].code for API errors, and a snake_case id otherwise.
	Code    string `json:"code"`
	Message string `json:"message"`
	// Status is the HTTP status, where there is one.
	Status       int            `json:"status,omitempty"`
	Action       string         `json:"action,omitempty"`
	Errors       []APIErrorItem `json:"errors,omitempty"`
	TraceID      string         `json:"clerk_trace_id,omitempty"`
	RetryAfterMs int64          `json:"retry_after_ms,omitempty"`
}

// APIErrorItem is one entry of Clerk's errors[] array.
type APIErrorItem struct {
	Code        string          `json:"code"`
	Message     string          `json:"message"`
	LongMessage string          `json:"long_message,omitempty"`
	Meta        json.RawMessage `json:"meta,omitempty"`
}

// Result is the envelope of every export's answer: exactly one of Result
// and Error is set, and OK tells which.
type Result struct {
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *Error          `json:"error,omitempty"`
}

// Config is the input of clerk_configure. Hosts call it once per instance,
// before anything else; a later call replaces the whole configuration and
// empties the verified-token cache.
type Config struct {
	// JWTKey is a PEM (or bare base64 SPKI) public key for networkless
	// verification. When empty the guest loads the JWKS through the
	// http_request import (GET /jwks) and caches it.
	JWTKey            string   `json:"jwt_key,omitempty"`
	AuthorizedParties []string `json:"authorized_parties,omitempty"`
	Audience          []string `json:"audience,omitempty"`
	// ClockSkewMs is the leeway of the time checks; nil means Clerk's
	// default of 5000.
	ClockSkewMs *int64 `json:"clock_skew_ms,omitempty"`
	Issuer      string `json:"issuer,omitempty"`
	// CacheSize bounds the verified-token cache (default 10000; -1
	// disables it).
	CacheSize int `json:"cache_size,omitempty"`
	// PublishableKey, Domain, IsSatellite, ProxyURL, SignInURL and
	// AcceptsToken feed authenticateRequest.
	PublishableKey string `json:"publishable_key,omitempty"`
	Domain         string `json:"domain,omitempty"`
	IsSatellite    bool   `json:"is_satellite,omitempty"`
	// SatelliteAutoSync makes a satellite without cookies sync with the
	// primary on a page load (see core.AuthenticateOptions).
	SatelliteAutoSync bool     `json:"satellite_auto_sync,omitempty"`
	ProxyURL          string   `json:"proxy_url,omitempty"`
	SignInURL         string   `json:"sign_in_url,omitempty"`
	AcceptsToken      []string `json:"accepts_token,omitempty"`
	// AcceptPendingSessions makes a pending session (sts "pending") count
	// as signed in (see core.AuthenticateOptions).
	AcceptPendingSessions bool `json:"accept_pending_sessions,omitempty"`
}

// VerifyTokenInput is the input of clerk_verify_token. Options left empty
// take the configured values; a call that overrides any of them bypasses
// the guest's result cache.
type VerifyTokenInput struct {
	Token             string   `json:"token"`
	AuthorizedParties []string `json:"authorized_parties,omitempty"`
	Audience          []string `json:"audience,omitempty"`
	ClockSkewMs       *int64   `json:"clock_skew_ms,omitempty"`
}

// Claims is the result of a successful verification: Clerk's typed claims
// plus the payload as signed.
type Claims struct {
	Subject               string          `json:"sub"`
	SessionID             string          `json:"sid,omitempty"`
	AuthorizedParty       string          `json:"azp,omitempty"`
	Issuer                string          `json:"iss,omitempty"`
	SessionStatus         string          `json:"sts,omitempty"`
	ID                    string          `json:"jti,omitempty"`
	Audience              []string        `json:"aud,omitempty"`
	Expiry                int64           `json:"exp"`
	NotBefore             int64           `json:"nbf,omitempty"`
	IssuedAt              int64           `json:"iat,omitempty"`
	FactorVerificationAge *[2]int         `json:"fva,omitempty"`
	Actor                 json.RawMessage `json:"act,omitempty"`
	Version               int             `json:"v"`
	OrgID                 string          `json:"org_id,omitempty"`
	OrgSlug               string          `json:"org_slug,omitempty"`
	OrgRole               string          `json:"org_role,omitempty"`
	OrgPermissions        []string        `json:"org_permissions,omitempty"`
	Features              []string        `json:"features,omitempty"`
	Plans                 []string        `json:"plans,omitempty"`
	KeyID                 string          `json:"kid,omitempty"`
	Algorithm             string          `json:"alg,omitempty"`
	Raw                   json.RawMessage `json:"raw"`
}

// Request is the portable request view (core.Request) as JSON.
type Request struct {
	Method  string              `json:"method"`
	URL     string              `json:"url"`
	Headers map[string][]string `json:"headers"`
}

// AuthenticateRequestInput is the input of clerk_authenticate_request.
type AuthenticateRequestInput struct {
	Request Request `json:"request"`
}

// WebhookInput is the input of clerk_verify_webhook. The webhook secret
// travels with each call: verifying the HMAC is the guest's job, so the
// guest necessarily sees it (unlike the Backend API secret key).
type WebhookInput struct {
	Secret  string              `json:"secret"`
	Headers map[string][]string `json:"headers"`
	Body    []byte              `json:"body"` // base64 in JSON
	// NowUnix overrides the clock for the timestamp tolerance (0 = now).
	NowUnix int64 `json:"now_unix,omitempty"`
}

// CallInput is the input of clerk_call.
type CallInput struct {
	Operation string          `json:"operation"`
	Params    json.RawMessage `json:"params,omitempty"`
}

// HTTPRequest is what the guest hands to the http_request import: a
// Backend API request by path. The host owns the base URL, the secret key
// and every header except Content-Type.
type HTTPRequest struct {
	Method      string `json:"method"`
	Path        string `json:"path"`            // below the version prefix, e.g. "/users/user_1"
	Query       string `json:"query,omitempty"` // encoded, without "?"
	ContentType string `json:"content_type,omitempty"`
	Body        []byte `json:"body,omitempty"` // base64 in JSON
}

// HTTPResponse is the host's answer to http_request: a response (any
// status) or an error when none could be had.
type HTTPResponse struct {
	Status  int                 `json:"status,omitempty"`
	Headers map[string][]string `json:"headers,omitempty"`
	Body    []byte              `json:"body,omitempty"`
	Error   *HTTPError          `json:"error,omitempty"`
}

// HTTPError explains why no response came back. NotSent says that the
// request certainly never reached Clerk (refused by the host's checks, or a
// connection failure before any byte was written).
type HTTPError struct {
	_       [0]func() // incomparable: no equality function in the wasm module
	Message string    `json:"message"`
	NotSent bool      `json:"not_sent"`
}

// WebhookEvent is the result of clerk_verify_webhook.
type WebhookEvent struct {
	ID              string          `json:"id"`
	TimestampUnix   int64           `json:"timestamp"`
	Type            string          `json:"type"`
	Object          string          `json:"object"`
	Data            json.RawMessage `json:"data"`
	EventAttributes json.RawMessage `json:"event_attributes,omitempty"`
	InstanceID      string          `json:"instance_id,omitempty"`
	EventTimestamp  int64           `json:"event_timestamp,omitempty"`
}

// Bounds of the verified-token caches of the guest and the host (core's
// cache has the same): tokens longer than MaxCachedToken are verified but
// not cached, and a cache of n entries holds at most
// max(n*CacheBytesPerEntry, MinCacheBytes) bytes of keys and values.
const (
	MaxCachedToken     = 16 << 10
	CacheBytesPerEntry = 4 << 10
	MinCacheBytes      = 64 << 10
)

// TokenCacheKey is the cache key of a token: without the '=' padding that
// may trail its signature. The decoder ignores that padding (as
// @clerk/backend's loose base64 does), so any amount of it verifies exactly
// as none, and every spelling shares one entry instead of each taking
// room. (Padding on the header or payload changes the signed bytes and
// cannot verify.) A token without padding is its own key.
func TokenCacheKey(token []byte) []byte {
	n := len(token)
	for n > 0 && token[n-1] == '=' {
		n--
	}
	return token[:n]
}
