package core

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/internal/urlparse"
)

// AuthenticateOptions configure AuthenticateRequest. They follow
// @clerk/backend's AuthenticateRequestOptions; docs/AUTHENTICATE.md lists
// the differences. Nothing is read from the environment here: see
// AuthenticateOptionsFromEnv.
type AuthenticateOptions struct {
	// SecretKey (sk_live_/sk_test_) fetches the JWKS and verifies machine
	// tokens, handshake nonces and session refreshes. Required unless
	// JWTKey is set (then only machine tokens and nonces need it) or only
	// M2M tokens are accepted with a MachineSecretKey.
	SecretKey string
	// JWTKey is the PEM public key (CLERK_JWT_KEY): networkless session
	// verification.
	JWTKey string
	// PublishableKey (pk_live_/pk_test_) names the instance: its Frontend
	// API (handshake redirects), its cookie suffix, production or
	// development. Required whenever session tokens are accepted.
	PublishableKey string
	// Domain and IsSatellite describe a satellite application; ProxyURL a
	// Frontend API proxy (absolute, or a path such as "/__clerk" on the
	// request's origin). SignInURL is the primary's sign-in page
	// (required for development satellites).
	Domain      string
	IsSatellite bool
	ProxyURL    string
	SignInURL   string
	// ProxyOrigins pins the origins (scheme://host) a relative ProxyURL is
	// resolved on. Without it the origin is the request's, where
	// X-Forwarded-Host and X-Forwarded-Proto win over the Host header, as
	// in @clerk/backend: behind a proxy that passes on a client-supplied
	// X-Forwarded-Host, a handshake redirect (which can carry the session
	// token) goes to whatever host the client named. With ProxyOrigins,
	// the request's origin is used only when it is listed; otherwise the
	// first one is. One entry pins the origin; list several when the app
	// is served on several origins. Each must be an absolute http(s) URL
	// without a path; it applies only to a relative ProxyURL.
	ProxyOrigins []string
	// SatelliteAutoSync makes a satellite sync with the primary domain on
	// a page load even when the browser has no Clerk cookies for it yet.
	// Off by default, as in @clerk/backend v3 (satelliteAutoSync): a
	// visitor without cookies is signed out without a redirect, and the
	// sync happens when the primary sends the browser back with
	// __clerk_synced=false after a sign-in.
	SatelliteAutoSync bool

	// AuthorizedParties, Audience and ClockSkew are passed to token
	// verification (see VerifyOptions).
	AuthorizedParties []string
	Audience          []string
	ClockSkew         time.Duration

	// AcceptsToken lists the accepted token types. Empty means session
	// tokens only; TokenTypeAny accepts all. One element behaves like
	// @clerk/backend's single-string form, several like its array form.
	AcceptsToken []TokenType
	// MachineSecretKey (ak_...) authorizes M2M token verification instead
	// of SecretKey.
	MachineSecretKey string
	// AcceptPendingSessions makes ToAuth treat a pending session (sts
	// "pending") as signed in; by default it is signed out, as in Clerk's
	// SDKs (treatPendingAsSignedOut: true).
	AcceptPendingSessions bool
	// OrganizationSync activates an organization named by the URL path
	// through a handshake (organizationSyncOptions).
	OrganizationSync *OrganizationSyncOptions

	// APIURL and APIVersion locate the Backend API (defaults
	// https://api.clerk.com and v1). Client, when set, is used instead for
	// every Backend API request (JWKS, machine tokens, handshake nonces,
	// refresh); its secret key should be SecretKey.
	APIURL     string
	APIVersion string
	Client     *Client
	// Transport sends the Backend API requests of the clients built here
	// (default net/http natively).
	Transport Transport
	// Verifier verifies session tokens and owns the JWKS cache (default:
	// the process-wide one VerifyToken uses).
	Verifier *Verifier
	// VerifySession, when set, replaces session token verification (for
	// tests, or a custom verifier). Errors should be
	// *TokenVerificationError to get Clerk's reasons.
	VerifySession func(ctx context.Context, token string) (*Claims, error)
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// AuthenticateOptionsFromEnv returns options filled from Clerk's environment
// variables: CLERK_SECRET_KEY, CLERK_JWT_KEY, CLERK_PUBLISHABLE_KEY,
// CLERK_MACHINE_SECRET_KEY, CLERK_API_URL and CLERK_API_VERSION.
func AuthenticateOptionsFromEnv() AuthenticateOptions {
	env := func(k string) string { return strings.TrimSpace(os.Getenv(k)) }
	return AuthenticateOptions{
		SecretKey:        env("CLERK_SECRET_KEY"),
		JWTKey:           env("CLERK_JWT_KEY"),
		PublishableKey:   env("CLERK_PUBLISHABLE_KEY"),
		MachineSecretKey: env("CLERK_MACHINE_SECRET_KEY"),
		APIURL:           env("CLERK_API_URL"),
		APIVersion:       env("CLERK_API_VERSION"),
	}
}

const msgSecretKeyMissing = "Missing Clerk Secret Key. Go to https://dashboard.clerk.com and get your key for your instance."

// Authenticator authenticates requests with one configuration. Create it
// once (NewAuthenticator validates the configuration) and share it: it is
// safe for concurrent use.
type Authenticator struct {
	opts          AuthenticateOptions
	any           bool        // TokenTypeAny accepted
	single        TokenType   // the single accepted type ("" when a list)
	list          []TokenType // the accepted types when several
	sessions      bool        // session tokens may be accepted
	pk            PublishableKey
	suffix        string
	fapi          string // Frontend API host or proxy URL (handshake target)
	proxyPath     string // ProxyURL when it is a path on the request's origin
	proxyOrigins  []string
	verifier      *Verifier
	client        *Client // BAPI client (nil without a secret key)
	machineClient *Client // for M2M tokens: MachineSecretKey, else client
	now           func() time.Time
	orgSync       *orgMatcher
}

// NewAuthenticator validates opts and returns an Authenticator. Errors are
// *AuthConfigError.
func NewAuthenticator(opts AuthenticateOptions) (*Authenticator, error) {
	a := &Authenticator{opts: opts, now: opts.Now, verifier: opts.Verifier}
	if a.now == nil {
		a.now = time.Now
	}
	if a.verifier == nil {
		a.verifier = defaultVerifier()
	}
	for _, t := range opts.AcceptsToken {
		if !t.valid() {
			return nil, configErr("unknown token type " + quote(string(t)) + " in AcceptsToken (want session_token, api_key, m2m_token, oauth_token or any)")
		}
		if t == TokenTypeAny {
			a.any = true
		}
	}
	switch {
	case a.any:
	case len(opts.AcceptsToken) == 0:
		a.single = TokenTypeSession
	case len(opts.AcceptsToken) == 1:
		a.single = opts.AcceptsToken[0]
	default:
		a.list = opts.AcceptsToken
	}
	a.sessions = a.any || a.single == TokenTypeSession || a.accepts(TokenTypeSession)

	if err := checkSecretKey("SecretKey", opts.SecretKey, "sk_"); err != nil {
		return nil, err
	}
	if err := checkSecretKey("MachineSecretKey", opts.MachineSecretKey, "ak_"); err != nil {
		return nil, err
	}
	if a.single == TokenTypeM2M {
		if opts.MachineSecretKey == "" && opts.SecretKey == "" && opts.Client == nil {
			return nil, configErr("Machine token authentication requires either a Machine secret key or a Clerk secret key. Ensure a Clerk secret key or Machine secret key is set.")
		}
	} else if opts.SecretKey == "" && opts.JWTKey == "" && opts.Client == nil && opts.VerifySession == nil {
		// @clerk/backend demands the secret key even with a JWT key; a
		// JWT key alone is enough to verify sessions, so it is accepted.
		return nil, configErr(msgSecretKeyMissing)
	}
	if opts.JWTKey != "" {
		if _, err := parsePublicKeyPEM(opts.JWTKey); err != nil {
			return nil, configErr("JWTKey (CLERK_JWT_KEY) is not a valid RSA public key: " + err.Error())
		}
	}

	if a.sessions {
		pk, err := ParsePublishableKey(opts.PublishableKey)
		if err != nil {
			return nil, err
		}
		a.pk = pk
		a.suffix = CookieSuffix(pk.Key)
		a.fapi = pk.FrontendAPI
		domain := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(opts.Domain, "https://"), "http://"), "/")
		switch p := strings.TrimSpace(opts.ProxyURL); {
		case p == "":
			if pk.InstanceType == InstanceProduction && domain != "" && opts.IsSatellite {
				a.fapi = "clerk." + domain
			}
		case strings.HasPrefix(p, "/"):
			a.proxyPath = strings.TrimRight(p, "/")
			for _, o := range opts.ProxyOrigins {
				u, err := urlparse.Parse(strings.TrimSpace(o))
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" ||
					u.RawQuery != "" || u.Fragment != "" || u.User != nil {
					return nil, configErr("ProxyOrigins: " + quote(o) + " must be an origin such as https://app.example.com (scheme and host, no path)")
				}
				a.proxyOrigins = append(a.proxyOrigins, strings.ToLower(origin(u)))
			}
		default:
			u, err := urlparse.Parse(p)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				return nil, configErr("ProxyURL must be an absolute http(s) URL or a path starting with /")
			}
			a.fapi = strings.TrimRight(p, "/")
		}
		if len(opts.ProxyOrigins) > 0 && a.proxyPath == "" {
			return nil, configErr("ProxyOrigins applies to a relative ProxyURL (a path such as /__clerk)")
		}
		if opts.IsSatellite {
			// @clerk/backend looks at the secret key only; with a JWT key
			// and no secret key the publishable key tells development.
			if opts.SignInURL == "" && (isDevelopmentSecretKey(opts.SecretKey) || pk.InstanceType == InstanceDevelopment) {
				return nil, configErr("Missing signInUrl. Pass a signInUrl for dev instances if an app is satellite")
			}
			if opts.SignInURL != "" {
				if u, err := urlparse.Parse(opts.SignInURL); err != nil || u.Scheme == "" || u.Host == "" {
					return nil, configErr("The signInUrl needs to have a absolute url format.")
				}
			}
			if opts.ProxyURL == "" && domain == "" {
				return nil, configErr("Missing domain and proxyUrl. A satellite application needs to specify a domain or a proxyUrl")
			}
		}
		if opts.OrganizationSync != nil {
			m, err := newOrgMatcher(opts.OrganizationSync)
			if err != nil {
				return nil, err
			}
			a.orgSync = m
		}
	}

	a.client = opts.Client
	if a.client == nil && opts.SecretKey != "" {
		a.client = NewClient(a.clientConfig(opts.SecretKey))
	}
	a.machineClient = a.client
	if opts.MachineSecretKey != "" {
		base := a.clientConfig(opts.MachineSecretKey)
		if opts.Client != nil {
			base = opts.Client.Config().WithSecretKey(opts.MachineSecretKey)
		}
		a.machineClient = NewClient(base)
	}
	return a, nil
}

func (a *Authenticator) clientConfig(key string) ClientConfig {
	cfg := NewClientConfig().WithSecretKey(key).WithAPIURL(DefaultAPIURL).WithAPIVersion(DefaultAPIVersion)
	if a.opts.APIURL != "" {
		cfg = cfg.WithAPIURL(a.opts.APIURL)
	}
	if a.opts.APIVersion != "" {
		cfg = cfg.WithAPIVersion(a.opts.APIVersion)
	}
	if a.opts.Transport != nil {
		cfg = cfg.WithTransport(a.opts.Transport)
	}
	return cfg
}

// checkSecretKey rejects keys that cannot be Clerk keys, naming the option
// but never echoing the value.
func checkSecretKey(name, key, prefix string) error {
	if key == "" {
		return nil
	}
	if strings.ContainsAny(key, " \t\r\n") {
		return configErr(name + " contains whitespace")
	}
	if !strings.HasPrefix(key, prefix) && !strings.HasPrefix(key, "test_") && !strings.HasPrefix(key, "live_") {
		return configErr(name + " does not look like a Clerk key (it should start with " + prefix + ")")
	}
	return nil
}

func isDevelopmentSecretKey(k string) bool {
	return strings.HasPrefix(k, "sk_test_") || strings.HasPrefix(k, "test_")
}

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func (a *Authenticator) accepts(t TokenType) bool {
	if a.any {
		return true
	}
	if a.single != "" {
		return a.single == t
	}
	for _, x := range a.list {
		if x == t {
			return true
		}
	}
	return false
}

// AuthenticateRequest authenticates one request: it builds an Authenticator
// from opts (see NewAuthenticator) and runs it. Servers should keep an
// Authenticator instead. The error is a configuration or request problem;
// every verdict about the credentials is in the RequestState.
func AuthenticateRequest(ctx context.Context, req Request, opts AuthenticateOptions) (RequestState, error) {
	a, err := NewAuthenticator(opts)
	if err != nil {
		return RequestState{}, err
	}
	return a.Authenticate(ctx, req)
}

// authContext is everything the decision procedure reads from one request.
type authContext struct {
	req           *Request
	method        string
	url           *urlparse.URL
	fapi          string
	tokenInHeader string
	origin        string
	referrer      string
	secFetchDest  string
	accept        string

	cookies         map[string]string
	suffixed        bool
	sessionCookie   string
	refreshCookie   string
	clientUat       int64
	devBrowser      string
	handshakeToken  string
	handshakeNonce  string
	redirectCounter int
}

// Authenticate runs the decision procedure of @clerk/backend's
// authenticateRequest on req (see docs/AUTHENTICATE.md).
func (a *Authenticator) Authenticate(ctx context.Context, req Request) (RequestState, error) {
	ac, err := a.newAuthContext(&req)
	if err != nil {
		return RequestState{}, err
	}
	if a.opts.IsSatellite && a.sessions && a.opts.SignInURL != "" && ac.origin != "" {
		if u, err := urlparse.Parse(a.opts.SignInURL); err == nil && origin(u) == ac.origin {
			return RequestState{}, configErr("The signInUrl needs to be on a different origin than your satellite application.")
		}
	}

	// A list of accepted types is checked up front, before any network.
	if a.list != nil {
		t := TokenTypeSession
		if ac.tokenInHeader != "" {
			t = detectTokenType(ac.tokenInHeader)
		}
		if !a.accepts(t) {
			return signedOutState("", ReasonTokenTypeMismatch, "", nil), nil
		}
	}
	if ac.tokenInHeader != "" {
		switch {
		case a.any || a.list != nil:
			return a.anyHeader(ctx, ac), nil
		case a.single == TokenTypeSession:
			return a.sessionHeader(ctx, ac), nil
		default:
			return a.machineHeader(ctx, ac), nil
		}
	}
	if a.single.isMachine() {
		return signedOutState(a.single, ReasonNoTokenInHeader, "", nil), nil
	}
	return a.cookiePath(ctx, ac), nil
}

// proxyOrigin is the origin a relative ProxyURL is resolved on: the
// request's, unless ProxyOrigins pins it.
func (a *Authenticator) proxyOrigin(u *urlparse.URL) string {
	o := origin(u)
	if len(a.proxyOrigins) == 0 {
		return o
	}
	for _, p := range a.proxyOrigins {
		if strings.EqualFold(p, o) {
			return p
		}
	}
	return a.proxyOrigins[0]
}

func (a *Authenticator) newAuthContext(req *Request) (*authContext, error) {
	u, err := req.clerkURL()
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = "GET"
	}
	ac := &authContext{
		req:           req,
		method:        method,
		url:           u,
		fapi:          a.fapi,
		tokenInHeader: parseAuthorizationHeader(req.Header("Authorization")),
		origin:        req.Header("Origin"),
		referrer:      req.Header("Referer"),
		secFetchDest:  req.Header("Sec-Fetch-Dest"),
		accept:        req.Header("Accept"),
	}
	if a.proxyPath != "" {
		ac.fapi = a.proxyOrigin(u) + a.proxyPath
	}
	if !a.sessions {
		return ac, nil
	}
	ac.cookies = req.Cookies()
	ac.suffixed = a.usesSuffixedCookies(ac.cookies)
	pick := func(name string) string {
		if ac.suffixed {
			return ac.cookies[name+"_"+a.suffix]
		}
		return ac.cookies[name]
	}
	ac.sessionCookie = pick("__session")
	ac.refreshCookie = ac.cookies["__refresh_"+a.suffix]
	ac.clientUat = parseIntPrefix(pick("__client_uat"))
	q := u.Query()
	ac.devBrowser = q.Get("__clerk_db_jwt")
	if ac.devBrowser == "" {
		ac.devBrowser = pick("__clerk_db_jwt")
	}
	ac.handshakeToken = q.Get("__clerk_handshake")
	if ac.handshakeToken == "" {
		ac.handshakeToken = ac.cookies["__clerk_handshake"]
	}
	ac.handshakeNonce = q.Get("__clerk_handshake_nonce")
	if ac.handshakeNonce == "" {
		ac.handshakeNonce = ac.cookies["__clerk_handshake_nonce"]
	}
	if n, err := strconv.Atoi(ac.cookies["__clerk_redirect_count"]); err == nil && n > 0 {
		ac.redirectCounter = n
	}
	return ac, nil
}

// parseIntPrefix is JavaScript's parseInt(s) || 0: leading digits, an
// optional sign, anything after ignored.
func parseIntPrefix(s string) int64 {
	s = strings.TrimSpace(s)
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	start := end
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	if end == start {
		return 0
	}
	n, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// usesSuffixedCookies decides between __session and __session_<suffix>
// (and the matching __client_uat) as @clerk/backend does: the suffixed
// cookies belong to this instance for sure, the unsuffixed ones may have
// been written by another app on the same domain or by an older clerk.js.
func (a *Authenticator) usesSuffixedCookies(c map[string]string) bool {
	sfxUat, hasSfxUat := c["__client_uat_"+a.suffix]
	uat := c["__client_uat"]
	sfxSession := c["__session_"+a.suffix]
	session := c["__session"]
	var sess, sfx *unverifiedJWT
	if session != "" {
		s, err := decodeUnverified(session)
		// A malformed unsuffixed token (or one without iss) gives a
		// signed-out state rather than a handshake.
		if err != nil || !s.issIsTrue {
			return false
		}
		// A token of another instance: only the suffixed cookies can be
		// ours.
		if stripScheme(s.iss) != a.pk.FrontendAPI {
			return true
		}
		sess = s
	}
	if sfxUat == "" && sfxSession == "" {
		return false
	}
	if sfxSession != "" {
		sfx, _ = decodeUnverified(sfxSession)
	}
	iat := func(u *unverifiedJWT) float64 {
		if u == nil || !u.hasIat {
			return 0
		}
		return u.iat
	}
	if sfxUat != "0" && uat != "0" && iat(sess) > iat(sfx) {
		return false
	}
	if sfxUat == "0" && uat != "0" {
		return false
	}
	if a.pk.InstanceType != InstanceProduction {
		expired := sfx != nil && sfx.exp <= float64(a.now().Unix())
		if sfxUat != "0" && uat == "0" && expired {
			return false
		}
	}
	if !hasSfxUat && sfxSession != "" {
		return false
	}
	return true
}

func stripScheme(s string) string {
	for {
		l := strings.ToLower(s)
		switch {
		case strings.HasPrefix(l, "https://"):
			s = s[8:]
		case strings.HasPrefix(l, "http://"):
			s = s[7:]
		default:
			return s
		}
	}
}

// verifySession verifies a session token with the configured verifier;
// skew overrides the clock skew when non-zero.
func (a *Authenticator) verifySession(ctx context.Context, token string, skew time.Duration) (*Claims, error) {
	if a.opts.VerifySession != nil {
		return a.opts.VerifySession(ctx, token)
	}
	vo := a.verifyOptions()
	if skew != 0 {
		vo.ClockSkew = skew
	}
	return a.verifier.Verify(ctx, token, vo)
}

// verifyOptions passes the key material rather than a client built here,
// so that the verifier's JWKS cache (scoped by API URL, version and secret
// key) is shared by every Authenticator of the process.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func (a *Authenticator) verifyOptions() VerifyOptions {
	vo := VerifyOptions{
		JWTKey:            a.opts.JWTKey,
		SecretKey:         a.opts.SecretKey,
		APIURL:            a.opts.APIURL,
		APIVersion:        a.opts.APIVersion,
		Client:            a.opts.Client,
		AuthorizedParties: a.opts.AuthorizedParties,
		Audience:          a.opts.Audience,
		ClockSkew:         a.opts.ClockSkew,
		Now:               a.now,
	}
	if vo.Client == nil && a.opts.Transport != nil {
		// Only a client carries the transport; it lives as long as a.
		vo.Client = a.client
	}
	return vo
}

// carrier says where a session token came from, for error messages.
type carrier string

const (
	carrierHeader carrier = "header"
	carrierCookie carrier = "cookie"
)

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func fullMessage(te *TokenVerificationError, c carrier) string {
	msg := te.Message
	if te.Action != "" {
		msg += " " + te.Action
	}
	return msg + " (reason=" + te.Reason + ", token-carrier=" + string(c) + ")"
}

func (a *Authenticator) signedInSession(token string, c *Claims, h Header) RequestState {
	s := newState(StatusSignedIn, TokenTypeSession, "", "", h)
	s.Token, s.Claims, s.acceptPending = token, c, a.opts.AcceptPendingSessions
	return s
}

// sessionHeader is the header path when only session tokens are accepted.
func (a *Authenticator) sessionHeader(ctx context.Context, ac *authContext) RequestState {
	if u, err := decodeUnverified(ac.tokenInHeader); err == nil && u.notSessionJWT() {
		return signedOutState(TokenTypeSession, ReasonTokenTypeMismatch, "", nil)
	}
	c, err := a.verifySession(ctx, ac.tokenInHeader, 0)
	if err != nil {
		return a.sessionTokenError(ctx, ac, err, carrierHeader)
	}
	return a.signedInSession(ac.tokenInHeader, c, nil)
}

// anyHeader is the header path when several types (or any) are accepted.
func (a *Authenticator) anyHeader(ctx context.Context, ac *authContext) RequestState {
	t := detectTokenType(ac.tokenInHeader)
	if t.isMachine() {
		if !a.accepts(t) {
			return signedOutState(t, ReasonTokenTypeMismatch, "", nil)
		}
		return a.verifyMachine(ctx, ac.tokenInHeader, t)
	}
	c, err := a.verifySession(ctx, ac.tokenInHeader, 0)
	if err != nil {
		return a.sessionTokenError(ctx, ac, err, carrierHeader)
	}
	return a.signedInSession(ac.tokenInHeader, c, nil)
}

// machineHeader is the header path when one machine type is accepted.
func (a *Authenticator) machineHeader(ctx context.Context, ac *authContext) RequestState {
	t := detectTokenType(ac.tokenInHeader)
	if !t.isMachine() || t != a.single {
		return signedOutState(a.single, ReasonTokenTypeMismatch, "", nil)
	}
	return a.verifyMachine(ctx, ac.tokenInHeader, t)
}

// Why a session refresh was not attempted or failed, for the
// session-token-expired-refresh-<why> reasons.
const (
	refreshNonEligibleNoCookie = "non-eligible-no-refresh-cookie"
	refreshNonEligibleNonGet   = "non-eligible-non-get"
	refreshInvalidSessionToken = "invalid-session-token"
	refreshMissingAPIClient    = "missing-api-client"
	refreshDecodeFailed        = "expired-session-token-decode-failed"
	refreshMissingSid          = "expired-session-token-missing-sid-claim"
	refreshFetchError          = "fetch-error"
	refreshUnexpectedBAPIError = "unexpected-bapi-error"
	refreshUnexpectedSDKError  = "unexpected-sdk-error"
	// missing-session-token and missing-refresh-token cannot happen here:
	// a refresh is only tried for an expired token with a refresh cookie.
)

// sessionTokenError turns a failed session verification into a state
// (@clerk/backend's handleSessionTokenError).
func (a *Authenticator) sessionTokenError(ctx context.Context, ac *authContext, err error, c carrier) RequestState {
	var te *TokenVerificationError
	if !errors.As(err, &te) {
		return signedOutState(TokenTypeSession, ReasonUnexpectedError, err.Error(), nil)
	}
	refreshErr := ""
	if te.Reason == ReasonTokenExpired {
		switch {
		case ac.refreshCookie != "" && ac.method == "GET":
			st, why := a.refresh(ctx, ac)
			if st != nil {
				return *st
			}
			refreshErr = why
		case ac.method != "GET":
			refreshErr = refreshNonEligibleNonGet
		default:
			refreshErr = refreshNonEligibleNoCookie
		}
	}
	msg := fullMessage(te, c)
	switch te.Reason {
	case ReasonTokenExpired:
		return a.maybeHandshake(ac, ReasonSessionTokenExpired+"-refresh-"+refreshErr, msg, nil)
	case ReasonTokenNotActiveYet:
		return a.maybeHandshake(ac, ReasonSessionTokenNBF, msg, nil)
	case ReasonTokenIatInTheFuture:
		return a.maybeHandshake(ac, ReasonSessionTokenIatInTheFuture, msg, nil)
	}
	return signedOutState(TokenTypeSession, te.Reason, msg, nil)
}

// cookiePath is @clerk/backend's authenticateRequestWithTokenInCookie.
func (a *Authenticator) cookiePath(ctx context.Context, ac *authContext) RequestState {
	dev := a.pk.InstanceType == InstanceDevelopment
	if ac.handshakeNonce != "" || ac.handshakeToken != "" {
		st, err := a.resolveHandshake(ctx, ac)
		if err == nil {
			return st
		}
		// In production a handshake cookie may belong to another app on
		// the same site: carry on and let a new handshake fix it. In
		// development the token travels in the URL, so a bad one means
		// switched keys: say so instead of looping.
		var te *TokenVerificationError
		if dev && errors.As(err, &te) {
			msg := "Handshake token verification failed: " + fullMessage(te, carrierCookie)
			if te.Reason == ReasonTokenInvalidSignature {
				msg = "Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again."
			}
			return signedOutState(TokenTypeSession, te.Reason, msg, nil)
		}
	}

	q := ac.url.Query()
	if st, ok := a.satelliteSync(ac, dev); ok {
		return st
	}
	if dev && !a.opts.IsSatellite {
		if back, err := urlparse.Parse(q.Get("__clerk_redirect_url")); err == nil && (back.Scheme == "http" || back.Scheme == "https") && back.Host != "" {
			bq := back.Query()
			if ac.devBrowser != "" {
				bq.Add("__clerk_db_jwt", ac.devBrowser)
			}
			// Set, not Add: a satellite URL that still says "false"
			// would otherwise sync again on its return.
			bq.Set("__clerk_synced", "true")
			back.RawQuery = bq.Encode()
			h := Header{}
			h.Set("Location", back.String())
			return a.maybeHandshake(ac, ReasonPrimaryRespondsToSyncing, "", h)
		}
	}
	if dev && q.Has("__clerk_db_jwt") {
		return a.maybeHandshake(ac, ReasonDevBrowserSync, "", nil)
	}
	if dev && ac.devBrowser == "" {
		return a.maybeHandshake(ac, ReasonDevBrowserMissing, "", nil)
	}
	hasSession := ac.sessionCookie != ""
	switch {
	case ac.clientUat == 0 && !hasSession:
		return signedOutState(TokenTypeSession, ReasonSessionTokenAndUATMissing, "", nil)
	case ac.clientUat == 0 && hasSession:
		return a.maybeHandshake(ac, ReasonSessionTokenWithoutClientUAT, "", nil)
	case ac.clientUat != 0 && !hasSession:
		return a.maybeHandshake(ac, ReasonClientUATWithoutSessionToken, "", nil)
	}
	u, derr := decodeUnverified(ac.sessionCookie)
	if derr != nil {
		return a.sessionTokenError(ctx, ac, derr, carrierCookie)
	}
	if u.notSessionJWT() {
		return signedOutState(TokenTypeSession, ReasonTokenTypeMismatch, "", nil)
	}
	if u.hasIat && u.iat < float64(ac.clientUat) {
		return a.maybeHandshake(ac, ReasonSessionTokenIATBeforeClientUAT, "", nil)
	}
	c, err := a.verifySession(ctx, ac.sessionCookie, 0)
	if err != nil {
		return a.sessionTokenError(ctx, ac, err, carrierCookie)
	}
	signedIn := a.signedInSession(ac.sessionCookie, c, nil)
	if !a.opts.IsSatellite && ac.secFetchDest == "document" && ac.redirectCounter == 0 &&
		a.isCrossOriginReferrer(ac) && !a.isKnownClerkReferrer(ac) {
		return a.maybeHandshake(ac, ReasonPrimaryDomainCrossOriginSync, "Cross-origin request from satellite domain requires handshake", nil)
	}
	if auth := signedIn.ToAuth(); auth.UserID != "" {
		if st := a.maybeOrgSyncHandshake(ac, auth); st != nil {
			return *st
		}
	}
	return signedIn
}

// The __clerk_synced query parameter of a satellite URL: "false" asks for a
// sync (the primary sends the browser back so after a sign-in), any other
// value says a sync just completed (the primary's "true"; older SDKs only
// tested its presence).
const (
	syncedParam     = "__clerk_synced"
	syncedNeedsSync = "false"
	syncedCompleted = "true"
)

// satelliteSync is the multi-domain sync step of the cookie path, for page
// loads on a satellite: a handshake with the primary's Frontend API in
// production, a redirect to the primary's sign-in page in development
// (which answers with primary-responds-to-syncing). ok is false when the
// request goes on to the other rules.
//
// As in @clerk/backend v3, a visitor with no Clerk cookie at all is signed
// out without a redirect unless SatelliteAutoSync is set or the URL says
// __clerk_synced=false; __clerk_synced=true ends the sync. One deliberate
// difference: a satellite that already holds both a session cookie and
// __client_uat is not sent through a handshake on every page load (it
// re-syncs when its session token expires, or on __clerk_synced=false).
func (a *Authenticator) satelliteSync(ac *authContext, dev bool) (RequestState, bool) {
	if !a.opts.IsSatellite || ac.secFetchDest != "document" {
		return RequestState{}, false
	}
	q := ac.url.Query()
	needsSync := q.Has(syncedParam) && q.Get(syncedParam) == syncedNeedsSync
	if q.Has(syncedParam) && !needsSync {
		return RequestState{}, false
	}
	hasSession := ac.sessionCookie != ""
	linked := hasSession && ac.clientUat != 0
	if linked && !needsSync {
		return RequestState{}, false
	}
	if !a.opts.SatelliteAutoSync && !needsSync && !hasSession && ac.clientUat == 0 {
		return signedOutState(TokenTypeSession, ReasonSessionTokenAndUATMissing, "", nil), true
	}
	if !dev {
		return a.maybeHandshake(ac, ReasonSatelliteCookieNeedsSyncing, "", nil), true
	}
	// NewAuthenticator guarantees an absolute sign-in URL for development
	// satellites.
	loc, err := urlparse.Parse(a.opts.SignInURL)
	if err != nil || loc.Host == "" {
		return RequestState{}, false
	}
	// The primary appends __clerk_synced=true to this URL; a leftover
	// "false" would come first and restart the sync.
	back := *ac.url
	bq := back.Query()
	bq.Del(syncedParam)
	back.RawQuery = bq.Encode()
	lq := loc.Query()
	lq.Add("__clerk_redirect_url", back.String())
	loc.RawQuery = lq.Encode()
	h := Header{}
	h.Set("Location", loc.String())
	return a.maybeHandshake(ac, ReasonSatelliteCookieNeedsSyncing, "", h), true
}

func (a *Authenticator) isCrossOriginReferrer(ac *authContext) bool {
	if ac.referrer == "" {
		return false
	}
	r, err := urlparse.Parse(ac.referrer)
	if err != nil || r.Scheme == "" || r.Host == "" {
		return false
	}
	return !strings.EqualFold(origin(r), origin(ac.url))
}

var (
	legacyDevSuffixes  = []string{".lcl.dev", ".lclstage.dev", ".lclclerk.com"}
	currentDevSuffixes = []string{".accounts.dev", ".accountsstage.dev", ".accounts.lclclerk.com"}
)

// isKnownClerkReferrer: the Frontend API itself, an Account Portal
// (derived from the Frontend API, or a development portal host), or any
// accounts.* host, as @clerk/backend accepts.
func (a *Authenticator) isKnownClerkReferrer(ac *authContext) bool {
	r, err := urlparse.Parse(ac.referrer)
	if err != nil || r.Host == "" {
		return false
	}
	host := r.Hostname()
	fapiHost := ac.fapi
	if u, err := urlparse.Parse(ac.fapi); err == nil && u.Host != "" {
		fapiHost = u.Hostname()
	}
	if fapiHost != "" && host == fapiHost {
		return true
	}
	for _, s := range legacyDevSuffixes {
		if strings.HasPrefix(host, "accounts.") && strings.HasSuffix(host, s) {
			return true
		}
	}
	for _, s := range currentDevSuffixes {
		if strings.HasSuffix(host, s) && !strings.HasSuffix(host, ".clerk"+s) {
			return true
		}
	}
	if ac.fapi != "" {
		acc := strings.Replace(ac.fapi, "clerk.accountsstage.", "accountsstage.", 1)
		if strings.Contains(acc, "clerk.accounts.") {
			acc = strings.Replace(acc, "clerk.accounts.", "accounts.", 1)
		} else {
			acc = strings.Replace(acc, "clerk.", "accounts.", 1)
		}
		if u, err := urlparse.Parse("https://" + stripScheme(acc)); err == nil && origin(u) == origin(r) {
			return true
		}
	}
	return strings.HasPrefix(host, "accounts.")
}

// configErr is an *AuthConfigError.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func configErr(msg string) error { return &AuthConfigError{Msg: msg} }
