package core

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// The JWKS cache. Clerk's SDKs either fetch the JWKS on every verification
// (clerk-sdk-go's jwt.Verify, the PHP SDK v0.2.0) or refetch on every
// unknown kid (@clerk/backend), which lets anyone with a made-up kid make a
// server call Clerk once per request. Here each (API URL, version, secret
// key) scope, or each *Client, has one key set that lives for a TTL; an
// unknown kid refetches at most once per KidRefetchInterval; concurrent
// fetches collapse into one request; the fetch runs detached from the
// caller's context so one impatient caller cannot fail the others.

// jwksScopeKey identifies whose keys a scope holds. The secret key is part
// of the key (two instances must never share keys) but is never printed.
type jwksScopeKey struct {
	client                      *Client
	apiURL, apiVersion, secretK string
}

type jwksScope struct {
	_      [0]func() // incomparable: no equality function in the wasm module
	client *Client
	url    string // for messages: where the JWKS comes from (no secret)
	keys   atomic.Pointer[keySet]

	mu        sync.Mutex
	inflight  *jwksFetch
	lastFetch time.Time // start of the last fetch, for the unknown-kid throttle
	fetches   atomic.Int64
}

// keySet is one fetched JWKS, immutable once published.
type keySet struct {
	byKid     map[string]*verifyKey
	fetchedAt time.Time
}

type jwksFetch struct {
	done chan struct{}
	ks   *keySet
	err  *TokenVerificationError
}

// jwksScopeFor returns the scope of opts, creating it (and, without
// opts.Client, its client) on first use.
func (v *Verifier) jwksScopeFor(opts *VerifyOptions) *jwksScope {
	var key jwksScopeKey
	if opts.Client != nil {
		key.client = opts.Client
	} else {
		key.apiURL, key.apiVersion, key.secretK = opts.APIURL, opts.APIVersion, opts.SecretKey
		if key.apiURL == "" {
			key.apiURL = DefaultAPIURL
		}
		if key.apiVersion == "" {
			key.apiVersion = DefaultAPIVersion
		}
	}
	if s, ok := v.scopes.Load(key); ok {
		return s.(*jwksScope)
	}
	s := &jwksScope{client: opts.Client}
	if s.client == nil {
		cfg := NewClientConfig().
			WithSecretKey(key.secretK).
			WithAPIURL(key.apiURL).
			WithAPIVersion(key.apiVersion).
			WithRetry(v.jwksRetry).
			WithClock(v.clock)
		if v.transport != nil {
			cfg = cfg.WithTransport(v.transport)
		}
		s.client = NewClient(cfg)
	}
	cc := s.client.Config()
	s.url = cc.APIURL() + "/" + cc.apiVersion + "/jwks"
	actual, _ := v.scopes.LoadOrStore(key, s)
	return actual.(*jwksScope)
}

// resolve returns the key for kid, fetching the JWKS when the cached set is
// missing or older than the TTL, or when kid is unknown and no fetch started
// within the refetch interval.
func (v *Verifier) resolveJWKS(ctx context.Context, s *jwksScope, kid string, now time.Time) (*verifyKey, *TokenVerificationError) {
	if kid == "" {
		return nil, tokenErr(ReasonJWKKidMismatch,
			"The token has no kid header, so no signing key in the JWKS can match it.", actionKidMismatch)
	}
	ks := s.keys.Load()
	fresh := ks != nil && now.Sub(ks.fetchedAt) < v.jwksTTL
	if fresh {
		if k, ok := ks.byKid[kid]; ok {
			return k, nil
		}
	}
	s.mu.Lock()
	f := s.inflight
	if f == nil {
		if fresh && v.kidRefetch > 0 && now.Sub(s.lastFetch) < v.kidRefetch {
			s.mu.Unlock()
			return nil, kidMismatch(kid)
		}
		f = &jwksFetch{done: make(chan struct{})}
		s.inflight = f
		s.lastFetch = now
		go v.fetchJWKS(context.WithoutCancel(ctx), s, f, now)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
	case <-ctx.Done():
		return nil, &TokenVerificationError{Reason: ReasonJWKRemoteFailedToLoad,
			Message: "Gave up waiting for the JWKS from " + s.url + ": " + ctx.Err().Error(), Err: ctx.Err()}
	}
	if f.err != nil {
		return nil, f.err
	}
	if k, ok := f.ks.byKid[kid]; ok {
		return k, nil
	}
	return nil, kidMismatch(kid)
}

func kidMismatch(kid string) *TokenVerificationError {
	return tokenErr(ReasonJWKKidMismatch,
		"Unable to find a signing key in JWKS that matches the kid="+quoteJSON(kid)+
			" of the provided session token. Please make sure that the __session cookie or the HTTP authorization header contain a Clerk-generated session JWT.",
		actionKidMismatch)
}

// fetchJWKS runs one GET /jwks and publishes the result to the scope and to
// every caller waiting on f.
// The key set's age counts from now, the launching caller's clock, so that
// TTL checks compare times from one clock.
func (v *Verifier) fetchJWKS(ctx context.Context, s *jwksScope, f *jwksFetch, now time.Time) {
	s.fetches.Add(1)
	resp, err := s.client.Raw(ctx, "GET", "/jwks", nil, nil)
	ks, terr := s.parse(resp, err, now)
	s.mu.Lock()
	if terr == nil {
		s.keys.Store(ks)
	}
	s.inflight = nil
	s.mu.Unlock()
	f.ks, f.err = ks, terr
	close(f.done)
}

func (s *jwksScope) parse(resp *HTTPResponse, err error, now time.Time) (*keySet, *TokenVerificationError) {
	if err != nil {
		if ae, ok := AsAPIError(err); ok {
			if ae.StatusCode == 401 || ae.HasCode("clerk_key_invalid") {
				msg := "Secret key invalid"
				if len(ae.Errors) > 0 && ae.Errors[0].Message != "" {
					msg = ae.Errors[0].Message
				}
				return nil, &TokenVerificationError{Reason: ReasonSecretKeyInvalid,
					Message: msg + " (loading the JWKS from " + s.url + ", HTTP " + strconv.Itoa(ae.StatusCode) + ").",
					Action:  actionSetClerkSecretKey, Err: err}
			}
			return nil, &TokenVerificationError{Reason: ReasonJWKRemoteFailedToLoad,
				Message: "Error loading Clerk JWKS from " + s.url + " with code=" + strconv.Itoa(ae.StatusCode),
				Action:  actionContactSupport, Err: err}
		}
		return nil, &TokenVerificationError{Reason: ReasonJWKRemoteFailedToLoad,
			Message: "Error loading Clerk JWKS from " + s.url + ": " + err.Error(), Err: err}
	}
	keys, jerr := decodeJWKS(resp.Body)
	if jerr != nil {
		return nil, &TokenVerificationError{Reason: ReasonJWKRemoteFailedToLoad,
			Message: "The JWKS from " + s.url + " is not valid JSON: " + jerr.Error(), Action: actionContactSupport}
	}
	if len(keys) == 0 {
		return nil, tokenErr(ReasonJWKRemoteFailedToLoad, msgNoSigningKeys, "")
	}
	old := s.keys.Load()
	ks := &keySet{byKid: make(map[string]*verifyKey, len(keys)), fetchedAt: now}
	for _, j := range keys {
		if _, dup := ks.byKid[j.Kid]; dup || j.Kid == "" {
			continue
		}
		k := newJWKKey(j)
		k.scope = s
		// Keep the old pointer for unchanged keys: the verified-token
		// cache compares keys by pointer, and a routine refresh must not
		// invalidate it.
		if old != nil {
			if ok, found := old.byKid[j.Kid]; found && ok.sameMaterial(k) {
				k = ok
			}
		}
		ks.byKid[j.Kid] = k
	}
	return ks, nil
}

// decodeJWKS decodes a JWKS document as json.Unmarshal into
// struct{ Keys []jwk `json:"keys"` } would, error messages included
// (jwks_json_test.go holds it to that), without linking encoding/json.
func decodeJWKS(body []byte) ([]jwk, error) {
	var keys []jwk
	var errs minijson.Errs
	err := minijson.ScanStruct(body, "struct { Keys []core.jwk \"json:\\\"keys\\\"\" }", func(key []byte, esc bool, v minijson.Value) {
		if !minijson.FieldIs(minijson.Unquote(key, esc), "keys") {
			return
		}
		switch v.Kind {
		case minijson.Null:
			keys = nil
			return
		case minijson.Array:
		default:
			errs.Add(minijson.TypeError(v, "", "keys", "[]core.jwk"))
			return
		}
		// Elements are decoded into those already there, as encoding/json
		// does when "keys" comes twice.
		keys = keys[:0]
		_ = minijson.ScanArray(v.Raw, func(e minijson.Value) {
			i := len(keys)
			if i < cap(keys) {
				keys = keys[:i+1]
			} else {
				keys = append(keys, jwk{})
			}
			j := &keys[i]
			switch e.Kind {
			case minijson.Object:
				_ = minijson.ScanObject(e.Raw, func(key []byte, esc bool, f minijson.Value) {
					k := minijson.Unquote(key, esc)
					for _, fd := range [...]struct {
						name string
						dst  *string
					}{{"kid", &j.Kid}, {"kty", &j.Kty}, {"alg", &j.Alg}, {"use", &j.Use}, {"n", &j.N}, {"e", &j.E}} {
						if minijson.FieldIs(k, fd.name) {
							errs.Add(f.ToString(fd.dst, "jwk", "keys."+fd.name))
							break
						}
					}
				})
			case minijson.Null:
			default:
				errs.Add(minijson.TypeError(e, "", "keys", "core.jwk"))
			}
		})
		if len(keys) == 0 {
			keys = make([]jwk, 0)
		}
	})
	if err == nil {
		err = errs.Err()
	}
	if err != nil {
		return nil, err
	}
	return keys, nil
}
