package core

import (
	"strings"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// AuthStatus is the outcome of AuthenticateRequest.
type AuthStatus string

const (
	StatusSignedIn  AuthStatus = "signed-in"
	StatusSignedOut AuthStatus = "signed-out"
	// StatusHandshake means: answer with a redirect (RequestState.Headers
	// holds Location, Cache-Control and the loop-guard cookie) so that the
	// browser refreshes its session cookies at Clerk's Frontend API.
	StatusHandshake AuthStatus = "handshake"
)

// Reasons AuthenticateRequest gives besides the token verification reasons
// (ReasonTokenExpired, ...) and the machine token codes (ReasonSecretKeyInvalid,
// MachineReasonUnexpectedError, ...). The strings are @clerk/backend's
// AuthErrorReason values.
const (
	ReasonClientUATWithoutSessionToken   = "client-uat-but-no-session-token"
	ReasonDevBrowserMissing              = "dev-browser-missing"
	ReasonDevBrowserSync                 = "dev-browser-sync"
	ReasonPrimaryRespondsToSyncing       = "primary-responds-to-syncing"
	ReasonPrimaryDomainCrossOriginSync   = "primary-domain-cross-origin-sync"
	ReasonSatelliteCookieNeedsSyncing    = "satellite-needs-syncing"
	ReasonSessionTokenAndUATMissing      = "session-token-and-uat-missing"
	ReasonSessionTokenMissing            = "session-token-missing"
	ReasonSessionTokenExpired            = "session-token-expired" // a prefix: "session-token-expired-refresh-<why>"
	ReasonSessionTokenIATBeforeClientUAT = "session-token-iat-before-client-uat"
	ReasonSessionTokenNBF                = "session-token-nbf"
	ReasonSessionTokenIatInTheFuture     = "session-token-iat-in-the-future"
	ReasonSessionTokenWithoutClientUAT   = "session-token-but-no-client-uat"
	ReasonActiveOrganizationMismatch     = "active-organization-mismatch"
	ReasonTokenTypeMismatch              = "token-type-mismatch"
	ReasonUnexpectedError                = "unexpected-error"
	// ReasonNoTokenInHeader is @clerk/backend's literal reason when only
	// machine tokens are accepted and the Authorization header is empty.
	ReasonNoTokenInHeader = "No token in header"
)

// Debug headers set on signed-out and handshake states, as @clerk/backend
// does, so that a failing request can be diagnosed from the browser.
const (
	HeaderAuthStatus  = "X-Clerk-Auth-Status"
	HeaderAuthReason  = "X-Clerk-Auth-Reason"
	HeaderAuthMessage = "X-Clerk-Auth-Message"
)

// RequestState is the result of authenticating one request.
//
// For StatusHandshake, Headers holds the redirect to send (Location,
// Cache-Control, Set-Cookie); after a handshake was resolved or a session
// refreshed, Headers holds the Set-Cookie lines to forward even when signed
// in. Token and the claims are set only when signed in.
type RequestState struct {
	Status    AuthStatus
	Reason    string    // "" when signed in
	Message   string    // a human explanation, may be ""
	TokenType TokenType // the type of the token examined; "" when unknown
	Headers   Header    // headers to add to the response

	Token  string  // the verified token (a credential: do not log it)
	Claims *Claims // verified session claims, for session tokens

	auth *AuthObject // the signed-in auth object, before the pending rule
	// acceptPending is AuthenticateOptions.AcceptPendingSessions.
	acceptPending bool
}

// IsSignedIn reports Status == StatusSignedIn. A pending session is signed
// in here but unauthenticated in ToAuth unless pending sessions are accepted.
func (s *RequestState) IsSignedIn() bool { return s.Status == StatusSignedIn }

// IsAuthenticated reports whether ToAuth describes an authenticated
// principal.
func (s *RequestState) IsAuthenticated() bool {
	a := s.ToAuth()
	return a != nil && a.IsAuthenticated
}

// ToAuth returns the auth object: nil for a handshake, a signed-out object
// (IsAuthenticated false) for signed-out states and for pending sessions
// when AcceptPendingSessions is off, else the session or machine identity.
func (s *RequestState) ToAuth() *AuthObject {
	switch s.Status {
	case StatusHandshake:
		return nil
	case StatusSignedIn:
		if s.auth != nil {
			return s.auth
		}
		if s.Claims != nil {
			return sessionAuthObject(s.Claims, s.acceptPending)
		}
	}
	tt := s.TokenType
	if tt == "" {
		tt = TokenTypeSession
	}
	return &AuthObject{TokenType: tt}
}

// MarshalJSON renders the state as the `clerkscript auth --json` contract:
// {"status","reason","message","tokenType","headers","auth"}, with null
// reason and message when signed in, null tokenType when unknown, headers as
// name -> list of values, and auth as ToAuth (null for a handshake). The
// token itself is left out: it is a credential.
func (s RequestState) MarshalJSON() ([]byte, error) {
	w := minijson.Writer{B: make([]byte, 0, 512)}
	w.Str(`{"status":`, string(s.Status))
	if s.Status != StatusSignedIn {
		w.Str(`,"reason":`, s.Reason)
		w.Str(`,"message":`, s.Message)
	} else {
		w.Lit(`,"reason":null,"message":null`)
	}
	w.StrOrNull(`,"tokenType":`, string(s.TokenType))
	w.Lit(`,"headers":`)
	headers := map[string][]string(s.Headers)
	if headers == nil {
		headers = map[string][]string{}
	}
	b, err := minijson.Append(w.B, headers)
	if err != nil {
		return nil, err
	}
	b = append(b, `,"auth":`...)
	if b, err = s.ToAuth().AppendJSON(b); err != nil {
		return nil, err
	}
	return append(b, '}'), nil
}

func newState(status AuthStatus, tt TokenType, reason, message string, h Header) RequestState {
	if h == nil {
		h = Header{}
	}
	s := RequestState{Status: status, TokenType: tt, Reason: reason, Message: message, Headers: h}
	if status != StatusSignedIn {
		// Header values cannot hold newlines; a verification message may
		// quote claims, so it is flattened.
		h.Set(HeaderAuthStatus, string(status))
		h.Set(HeaderAuthReason, headerSafe(reason))
		if message != "" {
			h.Set(HeaderAuthMessage, headerSafe(message))
		}
	}
	return s
}

func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func signedOutState(tt TokenType, reason, message string, h Header) RequestState {
	return newState(StatusSignedOut, tt, reason, message, h)
}
