package clerkwasm

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/clerkscript/clerkscript/core"
)

type claimsKey struct{}

// ClaimsFromContext returns the claims Middleware stored for a signed-in
// request.
func ClaimsFromContext(ctx context.Context) (*core.Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*core.Claims)
	return c, ok && c != nil
}

// MiddlewareOption adjusts Middleware. The names and the default are those
// of clerkhttp's options: requests go on signed out unless RequireAuth.
type MiddlewareOption func(*middleware)

type middleware struct {
	require  bool
	onUnauth func(http.ResponseWriter, *http.Request, *core.TokenVerificationError)
	onError  func(http.ResponseWriter, *http.Request, error)
}

// RequireAuth makes every request without a valid session token fail (by
// default with 401 and Clerk's debug headers). Without it the request goes
// on without claims, and handlers decide with ClaimsFromContext.
func RequireAuth() MiddlewareOption { return func(m *middleware) { m.require = true } }

// WithUnauthorizedHandler replaces the default 401 answer given when
// RequireAuth is set and the token is missing or rejected. The debug
// headers are already on w.
func WithUnauthorizedHandler(h func(http.ResponseWriter, *http.Request, *core.TokenVerificationError)) MiddlewareOption {
	return func(m *middleware) { m.onUnauth = h }
}

// WithErrorHandler replaces the default 500 answer given when the plugin
// cannot verify at all (a trap, an unreachable JWKS). The cause never goes
// into the default answer.
func WithErrorHandler(h func(http.ResponseWriter, *http.Request, error)) MiddlewareOption {
	return func(m *middleware) { m.onError = h }
}

var errNoToken = &core.TokenVerificationError{Reason: "session-token-missing",
	Message: "No session token: send it as \"Authorization: Bearer <token>\" or the __session cookie."}

// Middleware verifies the request's session token through the plugin (the
// Authorization bearer token, parsed by core.BearerToken, else the
// __session cookie) and puts the claims of a valid one in the request
// context (see ClaimsFromContext). A request without a valid token goes on
// signed out, unless RequireAuth: then it gets 401 with Clerk's debug
// headers x-clerk-auth-status, x-clerk-auth-reason and x-clerk-auth-message.
// A plugin failure answers 500 either way.
func (h *Host) Middleware(next http.Handler, opts ...MiddlewareOption) http.Handler {
	m := &middleware{onUnauth: defaultUnauthorized, onError: defaultError}
	for _, o := range opts {
		o(m)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token := sessionToken(r)
		var err error = errNoToken
		if token != "" {
			var claims *core.Claims
			if claims, err = h.VerifyToken(r.Context(), token); err == nil {
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey{}, claims)))
				return
			}
		}
		var te *core.TokenVerificationError
		if !errors.As(err, &te) {
			m.onError(w, r, err)
			return
		}
		w.Header().Set(core.HeaderAuthStatus, string(core.StatusSignedOut))
		w.Header().Set(core.HeaderAuthReason, te.Reason)
		w.Header().Set(core.HeaderAuthMessage, headerSafe(te.Message))
		if !m.require {
			next.ServeHTTP(w, r)
			return
		}
		m.onUnauth(w, r, te)
	})
}

func defaultUnauthorized(w http.ResponseWriter, _ *http.Request, _ *core.TokenVerificationError) {
	http.Error(w, "Unauthorized", http.StatusUnauthorized)
}

func defaultError(w http.ResponseWriter, _ *http.Request, _ error) {
	http.Error(w, "Authentication is not available", http.StatusInternalServerError)
}

func sessionToken(r *http.Request) string {
	if t := core.BearerToken(r.Header.Get("Authorization")); t != "" {
		return t
	}
	if c, err := r.Cookie("__session"); err == nil {
		return c.Value
	}
	return ""
}

// headerSafe drops bytes a header value may not carry.
func headerSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r > 0x7e {
			return -1
		}
		return r
	}, s)
}
