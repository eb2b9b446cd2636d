package clerkhttp

import (
	"context"
	"net/http"

	"github.com/clerkscript/clerkscript/core"
)

type ctxKey struct{}

// StateFromContext returns the RequestState the middleware stored, if any.
func StateFromContext(ctx context.Context) (*core.RequestState, bool) {
	s, ok := ctx.Value(ctxKey{}).(*core.RequestState)
	return s, ok
}

// AuthFromContext returns the auth object of the request: nil and false
// when the middleware did not run. A signed-out request yields an object
// with IsAuthenticated false.
func AuthFromContext(ctx context.Context) (*core.AuthObject, bool) {
	s, ok := StateFromContext(ctx)
	if !ok {
		return nil, false
	}
	a := s.ToAuth()
	return a, a != nil
}

// Middleware authenticates requests. Build it with New; it is safe for
// concurrent use.
type Middleware struct {
	auth        *core.Authenticator
	require     bool
	onUnauth    func(http.ResponseWriter, *http.Request, *core.RequestState)
	onError     func(http.ResponseWriter, *http.Request, error)
	noHandshake bool
}

// Option adjusts a Middleware.
type Option func(*Middleware)

// RequireAuth makes every request without an authenticated principal fail
// (by default with 401). Without it the request goes on, signed out, and
// handlers decide with AuthFromContext.
func RequireAuth() Option { return func(m *Middleware) { m.require = true } }

// WithUnauthorizedHandler replaces the default 401 answer given when
// RequireAuth is set and the request is not authenticated. The debug
// headers are already on w.
func WithUnauthorizedHandler(h func(http.ResponseWriter, *http.Request, *core.RequestState)) Option {
	return func(m *Middleware) { m.onUnauth = h }
}

// WithErrorHandler replaces the default 500 answer given when the request
// cannot be authenticated at all (a configuration problem, an unusable
// request URL).
func WithErrorHandler(h func(http.ResponseWriter, *http.Request, error)) Option {
	return func(m *Middleware) { m.onError = h }
}

// WithoutHandshake turns handshake states into signed-out requests instead
// of redirecting (for APIs that never serve pages).
func WithoutHandshake() Option { return func(m *Middleware) { m.noHandshake = true } }

// New builds the middleware; configuration errors (*core.AuthConfigError)
// are reported here, once.
func New(opts core.AuthenticateOptions, options ...Option) (*Middleware, error) {
	a, err := core.NewAuthenticator(opts)
	if err != nil {
		return nil, err
	}
	return NewWithAuthenticator(a, options...), nil
}

// NewWithAuthenticator builds the middleware around an existing
// Authenticator.
func NewWithAuthenticator(a *core.Authenticator, options ...Option) *Middleware {
	m := &Middleware{auth: a}
	for _, o := range options {
		o(m)
	}
	if m.onUnauth == nil {
		m.onUnauth = defaultUnauthorized
	}
	if m.onError == nil {
		m.onError = defaultError
	}
	return m
}

func defaultUnauthorized(w http.ResponseWriter, _ *http.Request, _ *core.RequestState) {
	http.Error(w, "Unauthorized", http.StatusUnauthorized)
}

func defaultError(w http.ResponseWriter, _ *http.Request, _ error) {
	// The cause stays out of the response: it describes the server's
	// configuration.
	http.Error(w, "Authentication is not available", http.StatusInternalServerError)
}

// Handler wraps next.
func (m *Middleware) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, err := m.auth.Authenticate(r.Context(), core.RequestFromHTTP(r))
		if err != nil {
			m.onError(w, r, err)
			return
		}
		if st.Status == core.StatusHandshake && m.noHandshake {
			// Drop the redirect and its loop-guard cookie, keep the
			// diagnosis.
			h := core.Header{}
			h.Set(core.HeaderAuthStatus, string(core.StatusSignedOut))
			h.Set(core.HeaderAuthReason, st.Headers.Get(core.HeaderAuthReason))
			if msg := st.Headers.Get(core.HeaderAuthMessage); msg != "" {
				h.Set(core.HeaderAuthMessage, msg)
			}
			st.Status, st.Headers = core.StatusSignedOut, h
		}
		for k, vs := range st.Headers {
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		if st.Status == core.StatusHandshake || st.Headers.Get("Location") != "" {
			// A handshake, or a resolved development handshake moving
			// to the clean URL. 307 keeps the method (always GET here).
			w.WriteHeader(http.StatusTemporaryRedirect)
			return
		}
		if m.require && !st.IsAuthenticated() {
			m.onUnauth(w, r, &st)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &st)))
	})
}
