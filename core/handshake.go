package core

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/internal/minijson"
	"github.com/clerkscript/clerkscript/internal/urlparse"
)

// maxHandshakeRedirects is the loop guard: after this many handshakes in a
// row (counted in a 2-second cookie) the request is signed out instead.
const maxHandshakeRedirects = 3

// eligibleForHandshake: only a page load can follow a redirect to Clerk and
// back. A GET for a document or iframe, or, from browsers that send no
// Sec-Fetch-Dest, a GET accepting text/html.
func (ac *authContext) eligibleForHandshake() bool {
	if ac.method != "GET" {
		return false
	}
	if ac.secFetchDest == "document" || ac.secFetchDest == "iframe" {
		return true
	}
	return ac.secFetchDest == "" && strings.HasPrefix(ac.accept, "text/html")
}

// maybeHandshake returns a handshake state when the request can follow one,
// else signed-out with the same reason (@clerk/backend's
// handleMaybeHandshakeStatus). h, when given, replaces the redirect to the
// Frontend API (multi-domain sync redirects elsewhere).
func (a *Authenticator) maybeHandshake(ac *authContext, reason, message string, h Header) RequestState {
	if !ac.eligibleForHandshake() {
		return signedOutState(TokenTypeSession, reason, message, nil)
	}
	if h == nil {
		h = a.handshakeRedirect(ac, reason)
	}
	if h.Get("Location") != "" {
		// Browsers cache 307s of inactive tabs; a cached handshake
		// redirect loops forever.
		h.Set("Cache-Control", "no-store")
	}
	if ac.redirectCounter >= maxHandshakeRedirects {
		return signedOutState(TokenTypeSession, reason, message, nil)
	}
	h.Add("Set-Cookie", "__clerk_redirect_count="+strconv.Itoa(ac.redirectCounter+1)+"; SameSite=Lax; HttpOnly; Max-Age=2")
	return newState(StatusHandshake, TokenTypeSession, reason, message, h)
}

// handshakeRedirect builds the redirect to {frontendApi}/v1/client/handshake.
// The query keeps @clerk/backend's parameter order.
func (a *Authenticator) handshakeRedirect(ac *authContext, reason string) Header {
	back := *ac.url
	bq := back.Query()
	bq.Del("__clerk_db_jwt")
	bq.Del("__dev_session")
	if a.opts.IsSatellite && bq.Get(syncedParam) == syncedNeedsSync {
		// The browser comes back here after the handshake: mark the sync
		// done, or every reload of this URL would start another one.
		bq.Set(syncedParam, syncedCompleted)
	}
	back.RawQuery = bq.Encode()

	base := ac.fapi
	if !strings.HasPrefix(base, "http") {
		base = "https://" + base
	}
	base = strings.TrimRight(base, "/") + "/v1/client/handshake"

	q := make([]byte, 0, 256)
	add := func(k, v string) { q = urlparse.AppendQuery(q, k, v) }
	add("redirect_url", back.String())
	add("__clerk_api_version", DefaultClerkAPIVersion)
	add("suffixed_cookies", strconv.FormatBool(ac.suffixed))
	add("__clerk_hs_reason", reason)
	add("format", "nonce")
	if tok := ac.sessionToken(); tok != "" {
		add("__session", tok)
	}
	if a.pk.InstanceType == InstanceDevelopment && ac.devBrowser != "" {
		add("__clerk_db_jwt", ac.devBrowser)
	}
	if a.orgSync != nil {
		if t := a.orgSync.target(ac.url.Path); t != nil {
			add("organization_id", t.param())
		}
	}
	h := Header{}
	h.Set("Location", base+"?"+string(q))
	return h
}

// sessionToken is the session token of the request: the cookie, else the
// Authorization header.
func (ac *authContext) sessionToken() string {
	if ac.sessionCookie != "" {
		return ac.sessionCookie
	}
	return ac.tokenInHeader
}

// resolveHandshake turns a handshake nonce or token into the cookies it
// carries and authenticates with the session token among them. The
// returned state carries the Set-Cookie headers to forward.
func (a *Authenticator) resolveHandshake(ctx context.Context, ac *authContext) (RequestState, error) {
	var directives []string
	if ac.handshakeNonce != "" {
		d, err := a.handshakePayload(ctx, ac.handshakeNonce)
		if err != nil {
			return RequestState{}, err
		}
		directives = d
	} else {
		d, err := a.verifyHandshakeToken(ctx, ac.handshakeToken)
		if err != nil {
			return RequestState{}, err
		}
		directives = d
	}
	h := Header{}
	h.Set("Access-Control-Allow-Origin", "null")
	h.Set("Access-Control-Allow-Credentials", "true")
	token := ""
	for _, d := range directives {
		h.Add("Set-Cookie", d)
		name, value := cookieDirectiveNameValue(d)
		if strings.HasPrefix(name, "__session") {
			token = value
		}
	}
	if a.pk.InstanceType == InstanceDevelopment {
		// In development the handshake travels in the URL: redirect to
		// the clean URL so it does not linger in the address bar.
		clean := *ac.url
		cq := clean.Query()
		cq.Del("__clerk_handshake")
		cq.Del("__clerk_help")
		cq.Del("__clerk_db_jwt")
		clean.RawQuery = cq.Encode()
		h.Add("Location", clean.String())
		h.Set("Cache-Control", "no-store")
	}
	if token == "" {
		return signedOutState(TokenTypeSession, ReasonSessionTokenMissing, "", h), nil
	}
	c, err := a.verifySession(ctx, token, 0)
	if err == nil {
		return a.signedInSession(token, c, h), nil
	}
	var te *TokenVerificationError
	if a.pk.InstanceType == InstanceDevelopment && errors.As(err, &te) &&
		(te.Reason == ReasonTokenExpired || te.Reason == ReasonTokenNotActiveYet || te.Reason == ReasonTokenIatInTheFuture) {
		// A development machine's clock is often off; Clerk retries with
		// a one-day skew rather than looping through handshakes.
		if c, err2 := a.verifySession(ctx, token, 24*time.Hour); err2 == nil {
			return a.signedInSession(token, c, h), nil
		}
	}
	return RequestState{}, err
}

// cookieDirectiveNameValue reads "name=value; Path=/; ..." (a Set-Cookie
// line).
func cookieDirectiveNameValue(d string) (string, string) {
	first, _, _ := strings.Cut(d, ";")
	name, value, _ := strings.Cut(first, "=")
	return strings.TrimSpace(name), strings.TrimSpace(value)
}

// handshakePayload fetches the cookie directives of a handshake nonce:
// GET /v1/clients/handshake_payload?nonce=... (the operation is not in the
// spec's table, hence Raw).
func (a *Authenticator) handshakePayload(ctx context.Context, nonce string) ([]string, error) {
	if a.client == nil {
		return nil, errors.New("clerk: a handshake nonce needs the secret key")
	}
	resp, err := a.client.Raw(ctx, "GET", "/clients/handshake_payload", map[string][]string{"nonce": {nonce}}, nil)
	if err != nil {
		return nil, err
	}
	directives, err := stringsMember(resp.Body, "directives")
	if err != nil {
		return nil, errors.New("clerk: handshake payload is not JSON")
	}
	return directives, nil
}

// verifyHandshakeToken checks a __clerk_handshake JWT: its typ and alg, and
// its signature with the instance key. It has no time claims: FAPI signs it
// for the redirect that immediately follows.
func (a *Authenticator) verifyHandshakeToken(ctx context.Context, token string) ([]string, error) {
	payload, err := a.verifySignedJWT(ctx, token, "handshake")
	if err != nil {
		return nil, err
	}
	handshake, jerr := stringsMember(payload, "handshake")
	if jerr != nil {
		return nil, errUndecodable
	}
	return handshake, nil
}

// verifySignedJWT checks a JWT's form, typ (JWT or absent), alg and
// signature, and returns its payload. Claims are the caller's business.
// what names the token in messages ("handshake").
func (a *Authenticator) verifySignedJWT(ctx context.Context, token, what string) ([]byte, *TokenVerificationError) {
	return a.verifySignedJWTTyp(ctx, token, what, []string{"JWT"})
}

// verifySignedJWTTyp is verifySignedJWT with the accepted typ values; a
// missing typ passes only when the list is the default ["JWT"].
func (a *Authenticator) verifySignedJWTTyp(ctx context.Context, token, what string, typs []string) ([]byte, *TokenVerificationError) {
	if len(token) > maxTokenLength {
		return nil, errTooLarge
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, errInvalidForm
	}
	hb, err1 := decodeB64URL(parts[0])
	pb, err2 := decodeB64URL(parts[1])
	sig, err3 := decodeB64URL(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return nil, errUndecodable
	}
	hdr, ok := decodeSignedJWTHeader(hb)
	if !ok {
		return nil, errUndecodable
	}
	isDefault := len(typs) == 1 && typs[0] == "JWT"
	typOK := hdr.Typ == nil && isDefault
	for _, t := range typs {
		if hdr.Typ != nil && *hdr.Typ == t {
			typOK = true
		}
	}
	if !typOK {
		shown := "undefined"
		if hdr.Typ != nil {
			shown = quoteJSON(*hdr.Typ)
		}
		return nil, tokenErr(ReasonTokenInvalid, "Invalid JWT type "+shown+". Expected \""+strings.Join(typs, ", ")+"\".", actionEnsureClerkJWT)
	}
	alg, _ := hdr.Alg.(string)
	h := hashForAlg(alg)
	if h == 0 {
		shown := "undefined"
		if hdr.Alg != nil {
			b, _ := minijson.Marshal(hdr.Alg)
			shown = string(b)
		}
		return nil, tokenErr(ReasonTokenInvalidAlgorithm, "Invalid JWT algorithm "+shown+". Supported: "+supportedAlgorithmsList+".", "")
	}
	vo := a.verifyOptions()
	if vo.JWTKey == "" && vo.Client == nil && vo.SecretKey == "" {
		return nil, tokenErr(ReasonJWKFailedToResolve, "Failed to resolve JWK during "+what+" verification.", actionSetClerkJWTKey)
	}
	key, terr := a.verifier.resolveKey(ctx, &vo, hdr.Kid, a.now())
	if terr != nil {
		return nil, terr
	}
	if key.unusable != "" || (key.alg != "" && key.alg != alg) {
		return nil, tokenErr(ReasonTokenVerificationFailed, "Error verifying "+what+" token. The key cannot verify "+alg+" signatures.", actionEnsureClerkJWT)
	}
	if !checkSignature(a.verifier.sigChecker, key, h, parts[0]+"."+parts[1], sig) {
		return nil, tokenErr(ReasonTokenInvalidSignature, upperFirst(what)+" signature is invalid.", "")
	}
	return pb, nil
}

// refresh asks the Backend API for new session cookies with the
// __refresh_<suffix> cookie (@clerk/backend's attemptRefresh). It returns
// the signed-in state, or why it could not.
func (a *Authenticator) refresh(ctx context.Context, ac *authContext) (*RequestState, string) {
	if a.client == nil {
		return nil, refreshMissingAPIClient
	}
	expired := ac.sessionToken()
	u, derr := decodeUnverified(expired)
	if derr != nil {
		return nil, refreshDecodeFailed
	}
	if u.sid == "" {
		return nil, refreshMissingSid
	}
	reqHeaders := map[string][]string{}
	for k, v := range ac.req.Headers {
		// The refresh endpoint wants the browser's headers (for its own
		// checks), never our credentials.
		if strings.EqualFold(k, "Authorization") {
			continue
		}
		reqHeaders[k] = v
	}
	raw, err := a.client.Call(ctx, "sessions.refresh", map[string]any{
		"session_id":      u.sid,
		"expired_token":   expired,
		"refresh_token":   ac.refreshCookie,
		"request_origin":  origin(ac.url),
		"request_headers": reqHeaders,
		"format":          "cookie",
	})
	if err != nil {
		if ae, ok := AsAPIError(err); ok {
			if c := ae.Code(); c != "" {
				if c == "unexpected_error" {
					return nil, refreshFetchError
				}
				return nil, c
			}
			return nil, refreshUnexpectedBAPIError
		}
		return nil, refreshFetchError
	}
	cookies, jerr := stringsMember(raw, "cookies")
	if jerr != nil {
		return nil, refreshUnexpectedBAPIError
	}
	if len(cookies) == 0 {
		// BAPI answered but gave nothing to set: @clerk/backend reports
		// this as its own (SDK) failure.
		return nil, refreshUnexpectedSDKError
	}
	h := Header{}
	token := ""
	for _, d := range cookies {
		h.Add("Set-Cookie", d)
		if name, value := cookieDirectiveNameValue(d); strings.HasPrefix(name, "__session") {
			token = value
		}
	}
	c, err := a.verifySession(ctx, token, 0)
	if err != nil {
		return nil, refreshInvalidSessionToken
	}
	st := a.signedInSession(token, c, h)
	return &st, ""
}

// stringsMember decodes data as json.Unmarshal into
// struct{ F []string `json:"<name>"` } and returns F (handshake_json_test.go
// holds it to that).
func stringsMember(data []byte, name string) ([]string, error) {
	var l []string
	var errs minijson.Errs
	err := minijson.ScanStruct(data, "struct", func(key []byte, esc bool, v minijson.Value) {
		if minijson.FieldIs(minijson.Unquote(key, esc), name) {
			errs.Add(v.ToStrings(&l, "", name))
		}
	})
	if err == nil {
		err = errs.Err()
	}
	return l, err
}

// signedJWTHeader is the header of a handshake or machine JWT.
type signedJWTHeader struct {
	Typ *string `json:"typ"`
	Alg any     `json:"alg"`
	Kid string  `json:"kid"`
}

// decodeSignedJWTHeader decodes the header as json.Unmarshal would; ok is
// false where it would fail.
func decodeSignedJWTHeader(hb []byte) (signedJWTHeader, bool) {
	var h signedJWTHeader
	ok := true
	err := minijson.ScanStruct(hb, "", func(key []byte, esc bool, v minijson.Value) {
		k := minijson.Unquote(key, esc)
		switch {
		case minijson.FieldIs(k, "typ"):
			switch v.Kind {
			case minijson.Null:
				h.Typ = nil
			case minijson.String:
				s := v.Str()
				h.Typ = &s
			default:
				ok = false
			}
		case minijson.FieldIs(k, "alg"):
			var err error
			if h.Alg, err = v.Decode(); err != nil {
				ok = false
			}
		case minijson.FieldIs(k, "kid"):
			if v.ToString(&h.Kid, "", "") != nil {
				ok = false
			}
		}
	})
	return h, ok && err == nil
}
