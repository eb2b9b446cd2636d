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

// MiddlewareOptions adjust Middleware.
type MiddlewareOptions struct {
	// Optional lets requests without a valid session through, without
	// claims in their context; by default they get 401.
	Optional bool
	// OnFailure replaces the default 401/500 answer. err is a
	// *core.TokenVerificationError for a rejected or missing token, any
	// other error for a plugin failure.
	OnFailure func(w http.ResponseWriter, r *http.Request, err error)
}

var errNoToken = &core.TokenVerificationError{Reason: "session-token-missing",
	Message: "No session token: send it as \"Authorization: Bearer <token>\" or the __session cookie."}

// Middleware verifies the request's session token through the plugin (the
// Authorization bearer token, else the __session cookie) and puts the
// claims in the request context (see ClaimsFromContext). Rejections answer
// 401 with Clerk's debug headers x-clerk-auth-status, x-clerk-auth-reason
// and x-clerk-auth-message.
func (h *Host) Middleware(next http.Handler, opts MiddlewareOptions) http.Handler {
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
		isToken := errors.As(err, &te)
		if opts.Optional && isToken {
			next.ServeHTTP(w, r)
			return
		}
		if opts.OnFailure != nil {
			opts.OnFailure(w, r, err)
			return
		}
		if !isToken {
			http.Error(w, "authentication unavailable", http.StatusInternalServerError)
			return
		}
		w.Header().Set("X-Clerk-Auth-Status", "signed-out")
		w.Header().Set("X-Clerk-Auth-Reason", te.Reason)
		w.Header().Set("X-Clerk-Auth-Message", headerSafe(te.Message))
		http.Error(w, "unauthorized", http.StatusUnauthorized)
	})
}

func sessionToken(r *http.Request) string {
	if a := strings.TrimSpace(r.Header.Get("Authorization")); a != "" {
		if len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
			return strings.TrimSpace(a[7:])
		}
		if !strings.Contains(a, " ") {
			return a
		}
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
