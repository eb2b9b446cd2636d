package core

import (
	"context"
	"encoding/base64"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// NoClockSkew, as VerifyOptions.ClockSkew, demands exact times: no tolerance
// for clocks that disagree. (A zero ClockSkew means the default, 5 s.)
const NoClockSkew time.Duration = -1

// VerifyOptions say how to verify one session token. They follow
// @clerk/backend's VerifyTokenOptions; docs/VERIFICATION.md lists every
// difference.
type VerifyOptions struct {
	// JWTKey is the instance's PEM public key (CLERK_JWT_KEY), or the bare
	// base64 body of it. With it verification needs no network. It wins
	// over SecretKey and Client when both are set, as in Clerk's SDKs.
	JWTKey string
	// SecretKey, APIURL and APIVersion locate the JWKS: GET
	// {APIURL}/{APIVersion}/jwks with the secret key. Defaults
	// https://api.clerk.com and v1. CLERK_SECRET_KEY is not read here:
	// callers pass it.
	SecretKey  string
	APIURL     string
	APIVersion string
	// Client, when set, fetches the JWKS instead (with its transport,
	// retries and headers); SecretKey/APIURL/APIVersion are then ignored.
	Client *Client

	// AuthorizedParties, when non-empty, requires the azp claim to be
	// present and one of these origins ("https://app.example.com"). Empty
	// skips the check (unlike the PHP SDK v0.2.0, which then rejects every
	// token that has an azp).
	AuthorizedParties []string
	// Audience, when non-empty, requires a token that has an aud claim to
	// name one of these (a token without aud passes, as in Clerk's SDKs).
	Audience []string
	// ClockSkew is the tolerance for exp, nbf and iat. 0 means 5 s;
	// NoClockSkew (any negative value) means none.
	ClockSkew time.Duration
	// Issuer, when set, requires iss to equal it exactly
	// ("https://clerk.example.com"). IssuerFunc, when set, must accept iss.
	// Clerk's SDKs do not check iss by default: the key already ties the
	// token to an instance.
	Issuer     string
	IssuerFunc func(iss string) bool
	// HeaderType lists accepted values of the typ header. Empty accepts a
	// missing typ or "JWT"; a non-empty list also requires typ.
	HeaderType []string
	// Now overrides the verifier's clock for this call.
	Now func() time.Time
	// SkipTokenCache makes this call neither consult nor fill the
	// verified-token cache, and keep nothing of token once it returns: for
	// callers with a result cache of their own in front (the wasm guest),
	// which may then pass a view of a buffer they reuse instead of a copy.
	SkipTokenCache bool
}

// VerifierConfig configures a Verifier. Zero values take the defaults.
type VerifierConfig struct {
	// TokenCacheSize bounds the verified-token cache (default 10 000
	// tokens); a negative value disables the cache.
	TokenCacheSize int
	// TokenCacheBytes bounds the bytes the cache holds, tokens and claims
	// (default 4 KiB per entry of TokenCacheSize: 40 MiB for 10 000). A
	// session token is 1 to 2 KiB; larger ones (up to 16 KiB are cached)
	// make the cache hold fewer.
	TokenCacheBytes int
	// JWKSTTL is how long a fetched JWKS is used before it is fetched
	// again (default 5 min, as @clerk/backend).
	JWKSTTL time.Duration
	// KidRefetchInterval throttles refetches caused by a kid missing from a
	// fresh JWKS: at most one per interval and scope (default 10 s: a
	// rotated key is picked up within seconds, and made-up kids cost Clerk
	// at most 6 requests a minute). Negative refetches on every miss.
	KidRefetchInterval time.Duration
	// JWKSRetry is the retry policy of the clients the verifier builds from
	// SecretKey/APIURL (default: 5 attempts within 10 s, from 125 ms,
	// doubling, like @clerk/backend; 401 is never retried).
	JWKSRetry RetryConfig
	// Transport sends the JWKS requests of the clients the verifier builds
	// (default net/http natively; the wasm guest passes its own).
	Transport Transport
	// Clock supplies the time of the checks (unless VerifyOptions.Now is
	// set) and the retry sleeps. Default: the system clock.
	Clock Clock
	// SignatureChecker, when set, is asked first to check RSA signatures.
	SignatureChecker SignatureChecker
}

// Verifier verifies Clerk session tokens. It owns the JWKS cache and the
// verified-token cache, so create one per process (or use VerifyToken,
// which shares a default one) and reuse it. It is safe for concurrent use.
type Verifier struct {
	cache      *tokenCache
	jwksTTL    time.Duration
	kidRefetch time.Duration
	jwksRetry  RetryConfig
	transport  Transport
	clock      Clock
	sigChecker SignatureChecker

	scopes  sync.Map // jwksScopeKey -> *jwksScope
	pemKeys sync.Map // JWTKey string -> *pemEntry
	pemN    atomic.Int32
	lastPEM atomic.Pointer[lastPEM]
	headers headerCache
}

// lastPEM short-cuts pemKeys for the key of the previous call: callers pass
// the same JWTKey string every time, and hashing a 450-byte PEM for the
// map costs, under wasm, as much as scanning the token's header.
type lastPEM struct {
	_ [0]func() // incomparable: no equality function in the wasm module
	s string
	e *pemEntry
}

type pemEntry struct {
	key *verifyKey
	err *TokenVerificationError
}

// maxPEMKeys bounds the parsed-PEM cache; more distinct keys than this are
// parsed on every call (and their tokens miss the verified-token cache).
const maxPEMKeys = 64

// NewVerifier returns a Verifier.
func NewVerifier(cfg VerifierConfig) *Verifier {
	v := &Verifier{
		jwksTTL:    cfg.JWKSTTL,
		kidRefetch: cfg.KidRefetchInterval,
		jwksRetry:  cfg.JWKSRetry,
		transport:  cfg.Transport,
		clock:      cfg.Clock,
		sigChecker: cfg.SignatureChecker,
	}
	size := cfg.TokenCacheSize
	if size == 0 {
		size = defaultTokenCacheSize
	}
	v.cache = newTokenCache(size, cfg.TokenCacheBytes)
	if v.jwksTTL <= 0 {
		v.jwksTTL = defaultJWKSTTL
	}
	if v.kidRefetch == 0 {
		v.kidRefetch = defaultKidRefetchInterval
	}
	if v.jwksRetry == (RetryConfig{}) {
		v.jwksRetry = RetryConfig{
			InitialInterval: 125 * time.Millisecond,
			MaxInterval:     2 * time.Second,
			Exponent:        2,
			MaxElapsedTime:  10 * time.Second,
			MaxAttempts:     5,
		}
	}
	if v.clock == nil {
		v.clock = SystemClock
	}
	return v
}

var defaultVerifier = sync.OnceValue(func() *Verifier { return NewVerifier(VerifierConfig{}) })

// VerifyToken verifies a Clerk session token with a process-wide Verifier
// (shared JWKS and verified-token caches). On rejection the error is a
// *TokenVerificationError carrying Clerk's reason.
func VerifyToken(ctx context.Context, token string, opts VerifyOptions) (*Claims, error) {
	return defaultVerifier().Verify(ctx, token, opts)
}

// Verify verifies a Clerk session token and returns its claims, or a
// *TokenVerificationError. The checks and their order follow
// @clerk/backend's verifyToken: the token's form, the category, typ, alg,
// the key, the signature, then sub, aud, azp, iss (when asked), exp, nbf and
// iat, the time checks with the clock skew.
func (v *Verifier) Verify(ctx context.Context, token string, opts VerifyOptions) (*Claims, error) {
	c, err := v.verify(ctx, token, &opts)
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return c, nil
}

func (v *Verifier) verify(ctx context.Context, token string, opts *VerifyOptions) (*Claims, *TokenVerificationError) {
	var now time.Time
	if opts.Now != nil {
		now = opts.Now()
	} else {
		now = v.clock.Now()
	}
	if opts.SkipTokenCache {
		return v.verifyFresh(ctx, token, opts, now)
	}
	if e := v.cache.get(token); e != nil {
		key, err := v.resolveKey(ctx, opts, e.claims.KeyID, now)
		if err != nil {
			if err.Reason == ReasonJWKKidMismatch {
				v.cache.drop(e) // the signing key left the JWKS
			}
			return nil, err
		}
		if key == e.key {
			if err := checkHeaderType(e.claims.typ, e.claims.hasTyp, opts.HeaderType); err != nil {
				return nil, err
			}
			if err := checkClaims(e.claims, opts, now); err != nil {
				return nil, err
			}
			return e.claims, nil
		}
		// The key changed. If the JWKS now holds other material under the
		// kid, the entry is dead; if the caller merely uses another key
		// source, the entry stays for its own callers. Either way the
		// token is verified afresh (a success replaces the entry).
		if key.scope != nil && key.scope == e.key.scope {
			v.cache.drop(e)
		}
	}
	return v.verifyFresh(ctx, token, opts, now)
}

// tokenHeader holds the header members the verifier reads.
type tokenHeader struct {
	alg, typ, kid, cat minijson.Value
}

// parsedJWT is a token split and decoded, before any check.
type parsedJWT struct {
	h       tokenHeader
	payload []byte // the decoded payload, retained by the claims as Raw
	rc      rawClaims
	sig     []byte // the decoded signature (nil when not asked for)
	sigText string // or the signature still encoded (see parseJWT)
	signed  string // the signing input, header.payload
	kid     string // h.kid as a Go string
}

// headerCache remembers the last header segment parsed. Every session
// token of a Clerk instance carries the same header (alg, kid, typ), and
// under wasm decoding and scanning it costs a tenth of a fresh
// verification; an identical segment parses identically, so the result is
// reused. A nil *headerCache caches nothing.
type headerCache struct{ last atomic.Pointer[cachedHeader] }

type cachedHeader struct {
	seg string
	h   tokenHeader // its raw slices point into a buffer nothing writes to
	kid string
}

// maxCachedHeader bounds the segment a headerCache keeps (Clerk's are
// about 100 bytes).
const maxCachedHeader = 512

func (c *headerCache) get(seg string) *cachedHeader {
	if c == nil {
		return nil
	}
	if e := c.last.Load(); e != nil && e.seg == seg {
		return e
	}
	return nil
}

func (c *headerCache) put(seg string, h *tokenHeader, kid string) {
	if c == nil || len(seg) > maxCachedHeader {
		return
	}
	// The segment is copied: the token may be a view of a buffer the
	// caller reuses (the wasm guest's input).
	c.last.Store(&cachedHeader{seg: strings.Clone(seg), h: *h, kid: kid})
}

// parseJWT splits token, decodes its header and payload (and, with
// withSig, its signature; with encodedSig too, a plain base64url signature
// is only checked, and left in p.sigText for an EncodedSignatureChecker)
// and scans both objects. Verify and DecodeVerifiedClaims share it, so both
// read a token identically.
func parseJWT(token string, p *parsedJWT, withSig, encodedSig bool, hc *headerCache) *TokenVerificationError {
	if len(token) > maxTokenLength {
		return errTooLarge
	}
	d1 := strings.IndexByte(token, '.')
	if d1 < 0 {
		return errInvalidForm
	}
	d2 := strings.IndexByte(token[d1+1:], '.')
	if d2 < 0 {
		return errInvalidForm
	}
	d2 += d1 + 1
	if strings.IndexByte(token[d2+1:], '.') >= 0 {
		return errInvalidForm
	}
	p.signed = token[:d2]

	hseg := token[:d1]
	if c := hc.get(hseg); c != nil {
		p.h, p.kid = c.h, c.kid
	} else {
		n := rawURLDecodedLen(hseg)
		if n < 0 {
			return errUndecodable
		}
		hdrJSON := make([]byte, n)
		if !decodeSegment(hdrJSON, hseg) {
			return errUndecodable
		}
		h := &p.h
		if minijson.ScanObject(hdrJSON, func(key []byte, esc bool, val minijson.Value) {
			k := string(key)
			if esc {
				k = minijson.Unquote(key, true)
			}
			switch k {
			case "alg":
				h.alg = val
			case "typ":
				h.typ = val
			case "kid":
				h.kid = val
			case "cat":
				h.cat = val
			}
		}) != nil {
			return errUndecodable
		}
		p.kid = h.kid.Str()
		hc.put(hseg, h, p.kid)
	}

	// Payload: kept as the claims' Raw.
	pseg := token[d1+1 : d2]
	n := rawURLDecodedLen(pseg)
	if n < 0 {
		return errUndecodable
	}
	p.payload = make([]byte, n)
	if !decodeSegment(p.payload, pseg) {
		return errUndecodable
	}
	if scanClaims(p.payload, &p.rc) != nil {
		return errUndecodable
	}

	sseg := token[d2+1:]
	n = rawURLDecodedLen(sseg)
	if n < 0 {
		return errUndecodable
	}
	switch {
	case withSig && encodedSig && plainBase64URL(sseg):
		// Decodable for certain: the checker decodes it (see
		// EncodedSignatureChecker).
		p.sigText = sseg
	case withSig:
		p.sig = make([]byte, n)
		if !decodeSegment(p.sig, sseg) {
			return errUndecodable
		}
	}
	return nil
}

// base64URLAlphabet is 1 for the bytes of the base64url alphabet, else 0.
var base64URLAlphabet = func() (t [256]byte) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = 1
	}
	return t
}()

// plainBase64URL reports whether s is unpadded base64url of a decodable
// length, with nothing else (no padding, no line breaks): decodeSegment
// certainly accepts it. Anything unusual answers false, and the caller
// decodes it the general way. The loop has no branch on the data: a valid
// signature is read to its end anyway.
func plainBase64URL(s string) bool {
	if len(s)%4 == 1 {
		return false
	}
	ok := byte(1)
	for i := 0; i < len(s); i++ {
		ok &= base64URLAlphabet[s[i]]
	}
	return ok == 1
}

// checkHeader runs the header checks (category, typ, alg) and returns the
// typ and alg values the claims keep.
func checkHeader(h *tokenHeader, allowedTyp []string) (typ string, hasTyp bool, alg string, err *TokenVerificationError) {
	if h.cat.Kind == minijson.String && h.cat.Str() == "cl_B7d4PD333AAA" {
		return "", false, "", errM2MCategory
	}
	hasTyp = h.typ.Present()
	if h.typ.Kind == minijson.String && !h.typ.Esc && string(h.typ.Raw) == `"JWT"` {
		typ = "JWT" // the common case, without an allocation
	} else {
		typ = h.typ.Str()
	}
	if err := checkHeaderTypeRaw(h.typ, typ, allowedTyp); err != nil {
		return "", false, "", err
	}
	if h.alg.Kind == minijson.String {
		switch string(h.alg.Raw) {
		case `"RS256"`:
			alg = "RS256"
		case `"RS384"`:
			alg = "RS384"
		case `"RS512"`:
			alg = "RS512"
		}
	}
	if alg == "" {
		return "", false, "", tokenErr(ReasonTokenInvalidAlgorithm,
			"Invalid JWT algorithm "+jsJSON(h.alg)+". Supported: "+supportedAlgorithmsList+".", "")
	}
	return typ, hasTyp, alg, nil
}

func (v *Verifier) verifyFresh(ctx context.Context, token string, opts *VerifyOptions, now time.Time) (*Claims, *TokenVerificationError) {
	var p parsedJWT
	_, encodedSig := v.sigChecker.(EncodedSignatureChecker)
	if err := parseJWT(token, &p, true, encodedSig, &v.headers); err != nil {
		return nil, err
	}
	// Header checks. Unlike @clerk/backend these run before the key is
	// resolved, so a malformed token never costs a JWKS request.
	typ, hasTyp, alg, err := checkHeader(&p.h, opts.HeaderType)
	if err != nil {
		return nil, err
	}

	kid := p.kid
	key, err := v.resolveKey(ctx, opts, kid, now)
	if err != nil {
		return nil, err
	}
	if key.unusable != "" {
		return nil, tokenErr(ReasonTokenVerificationFailed,
			"Error verifying JWT signature. "+key.unusable+".", actionEnsureClerkJWT)
	}
	if key.alg != "" && key.alg != alg {
		return nil, tokenErr(ReasonTokenVerificationFailed,
			"Error verifying JWT signature. The key is for "+key.alg+" but the token is signed with "+alg+".",
			actionEnsureClerkJWT)
	}
	if p.sigText != "" {
		if !checkSignatureText(v.sigChecker, key, hashForAlg(alg), p.signed, p.sigText) {
			return nil, errSignature
		}
	} else if !checkSignature(v.sigChecker, key, hashForAlg(alg), p.signed, p.sig) {
		return nil, errSignature
	}

	c := buildClaims(&p.rc, p.payload)
	c.KeyID, c.Algorithm, c.typ, c.hasTyp = kid, alg, typ, hasTyp
	if err := checkClaims(c, opts, now); err != nil {
		return nil, err
	}
	if c.deferredClaimErr == nil && !opts.SkipTokenCache {
		v.cache.put(token, c, key)
	}
	return c, nil
}

// rawURLDecodedLen returns the decoded length of a base64url segment
// (padding allowed), or -1 when its length cannot be base64.
func rawURLDecodedLen(s string) int {
	s = strings.TrimRight(s, "=")
	if len(s)%4 == 1 {
		return -1
	}
	return len(s) * 6 / 8
}

// decodeSegment decodes a base64url JWT segment into dst (of the exact
// decoded length). Padding is tolerated, as by @clerk/backend's loose
// decoder; the standard alphabet (+ and /) is not.
func decodeSegment(dst []byte, s string) bool {
	s = strings.TrimRight(s, "=")
	n, err := base64.RawURLEncoding.Decode(dst, unsafe.Slice(unsafe.StringData(s), len(s)))
	return err == nil && n == len(dst)
}

func checkHeaderTypeRaw(v minijson.Value, typ string, allowed []string) *TokenVerificationError {
	// The raw text is only for the message: build it on failure alone.
	if checkHeaderTypeValue(typ, v.Present(), v.Kind == minijson.String, "", allowed) == nil {
		return nil
	}
	return checkHeaderTypeValue(typ, v.Present(), v.Kind == minijson.String, jsJSON(v), allowed)
}

func checkHeaderType(typ string, hasTyp bool, allowed []string) *TokenVerificationError {
	return checkHeaderTypeValue(typ, hasTyp, true, "", allowed)
}

func checkHeaderTypeValue(typ string, present, isString bool, rawJSON string, allowed []string) *TokenVerificationError {
	if !present && len(allowed) == 0 {
		return nil
	}
	if present && isString {
		if len(allowed) == 0 {
			if typ == "JWT" {
				return nil
			}
		} else {
			for _, a := range allowed {
				if a == typ {
					return nil
				}
			}
		}
	}
	want := "JWT"
	if len(allowed) > 0 {
		want = strings.Join(allowed, ", ")
	}
	shown := rawJSON
	if shown == "" {
		shown = "undefined"
		if present {
			shown = quoteJSON(typ)
		}
	}
	return tokenErr(ReasonTokenInvalid, "Invalid JWT type "+shown+". Expected \""+want+"\".", actionEnsureClerkJWT)
}

// resolveKey finds the key for kid: the configured PEM key, or the JWKS of
// the secret key's (or client's) instance.
func (v *Verifier) resolveKey(ctx context.Context, opts *VerifyOptions, kid string, now time.Time) (*verifyKey, *TokenVerificationError) {
	switch {
	case opts.JWTKey != "":
		return v.pemKey(opts.JWTKey)
	case opts.Client != nil || opts.SecretKey != "":
		return v.resolveJWKS(ctx, v.jwksScopeFor(opts), kid, now)
	}
	return nil, errFailedToResolve
}

func (v *Verifier) pemKey(s string) (*verifyKey, *TokenVerificationError) {
	if l := v.lastPEM.Load(); l != nil && l.s == s {
		return l.e.key, l.e.err
	}
	if e, ok := v.pemKeys.Load(s); ok {
		pe := e.(*pemEntry)
		v.lastPEM.Store(&lastPEM{s: s, e: pe})
		return pe.key, pe.err
	}
	pe := &pemEntry{}
	if pub, err := parsePublicKeyPEM(s); err != nil {
		pe.err = localKeyInvalid(err)
	} else {
		// Clerk's SDKs turn a PEM key into an RS256 JWK; so do we.
		pe.key = &verifyKey{alg: "RS256", pub: pub}
	}
	if v.pemN.Load() < maxPEMKeys {
		if actual, loaded := v.pemKeys.LoadOrStore(s, pe); loaded {
			pe = actual.(*pemEntry)
		} else {
			v.pemN.Add(1)
		}
	}
	return pe.key, pe.err
}

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// checkClaims runs the claim checks in @clerk/backend's order (with iss, an
// addition, after azp). They depend on the caller's options and the clock,
// so they run on every verification, cached or not.
func checkClaims(c *Claims, opts *VerifyOptions, now time.Time) *TokenVerificationError {
	deferred := func(at int) *TokenVerificationError {
		if c.deferredClaimErr != nil && c.deferredAt == at {
			return c.deferredClaimErr
		}
		return nil
	}
	if err := deferred(checkSub); err != nil {
		return err
	}
	if err := checkAudience(c, opts.Audience); err != nil {
		return err
	}
	if len(opts.AuthorizedParties) > 0 {
		ok := false
		if c.azpRaw.Kind == minijson.String {
			for _, p := range opts.AuthorizedParties {
				if p == c.AuthorizedParty {
					ok = true
					break
				}
			}
		}
		if !ok {
			return tokenErr(ReasonTokenInvalidAuthorizedParties,
				"Invalid JWT Authorized party claim (azp) "+jsJSON(c.azpRaw)+". Expected \""+strings.Join(opts.AuthorizedParties, ",")+"\".", "")
		}
	}
	if opts.Issuer != "" && c.Issuer != opts.Issuer {
		return tokenErr(ReasonTokenInvalidIssuer,
			"Invalid JWT issuer claim (iss) "+quoteJSON(c.Issuer)+". Expected "+quoteJSON(opts.Issuer)+".", "")
	}
	if opts.IssuerFunc != nil && !opts.IssuerFunc(c.Issuer) {
		return tokenErr(ReasonTokenInvalidIssuer,
			"Invalid JWT issuer claim (iss) "+quoteJSON(c.Issuer)+". It was rejected by the issuer check.", "")
	}

	skew := opts.ClockSkew
	switch {
	case skew == 0:
		skew = defaultClockSkew
	case skew < 0:
		skew = 0
	}
	nowMs := float64(now.UnixMilli())
	skewMs := float64(skew.Milliseconds())
	if err := deferred(checkExp); err != nil {
		return err
	}
	if c.exp*1000 <= nowMs-skewMs {
		return tokenErr(ReasonTokenExpired,
			"JWT is expired. Expiry date: "+jsDate(c.exp*1000)+", Current date: "+jsDate(nowMs)+".", "")
	}
	if err := deferred(checkNbf); err != nil {
		return err
	}
	if c.hasNbf && c.nbf*1000 > nowMs+skewMs {
		return tokenErr(ReasonTokenNotActiveYet,
			"JWT cannot be used prior to not before date claim (nbf). Not before date: "+jsDate(c.nbf*1000)+"; Current date: "+jsDate(nowMs)+";", "")
	}
	if err := deferred(checkIat); err != nil {
		return err
	}
	if c.hasIat && c.iat*1000 > nowMs+skewMs {
		return tokenErr(ReasonTokenIatInTheFuture,
			"JWT issued at date claim (iat) is in the future. Issued at date: "+jsDate(c.iat*1000)+"; Current date: "+jsDate(nowMs)+";", "")
	}
	return nil
}

// checkAudience follows @clerk/backend: only when both the configured list
// and the token's aud are non-empty. Unlike it, an aud that is neither a
// string nor an array of strings is rejected instead of passing unchecked.
func checkAudience(c *Claims, audience []string) *TokenVerificationError {
	var want []string
	for _, a := range audience {
		if a != "" {
			want = append(want, a)
		}
	}
	if len(want) == 0 {
		return nil
	}
	contains := func(s string) bool {
		for _, w := range want {
			if w == s {
				return true
			}
		}
		return false
	}
	switch c.audRaw.Kind {
	case 0, minijson.Null:
		return nil
	case minijson.String:
		if c.Audience[0] == "" || contains(c.Audience[0]) {
			return nil
		}
		return tokenErr(ReasonTokenVerificationFailed,
			"Invalid JWT audience claim (aud) "+quoteJSON(c.Audience[0])+". Is not included in \""+jsonStrings(want)+"\".", "")
	case minijson.Array:
		truthy := 0
		found := false
		_ = minijson.ScanArray(c.audRaw.Raw, func(e minijson.Value) {
			switch {
			case e.Kind == minijson.String:
				if s := e.Str(); s != "" {
					truthy++
					found = found || contains(s)
				}
			case e.Kind == minijson.Null, e.Kind == minijson.Bool && string(e.Raw) == "false":
			case e.Kind == minijson.Number:
				if f, _ := e.Num(); f != 0 {
					truthy++
				}
			default:
				truthy++
			}
		})
		if truthy == 0 || found {
			return nil
		}
		return tokenErr(ReasonTokenVerificationFailed,
			"Invalid JWT audience claim array (aud) "+string(c.audRaw.Raw)+". Is not included in \""+jsonStrings(want)+"\".", "")
	}
	return tokenErr(ReasonTokenVerificationFailed,
		"Invalid JWT audience claim (aud) "+string(c.audRaw.Raw)+". Expected a string or an array of strings.", "")
}
