package clerkwasm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// Error is an error the plugin reported that has no counterpart in core
// (malformed input, an unavailable feature, a transport failure).
type Error struct {
	Kind    string // abi.Kind*: "request", "config", "transport", "unavailable", "internal"
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string {
	s := "clerkwasm: " + e.Kind + ": " + e.Message
	if e.Code != "" {
		s += " (" + e.Code + ")"
	}
	return s
}

// errorFrom turns the ABI error shape into the error core would have
// returned, so that core.IsNotFound, core.TokenErrorReason and errors.As
// work the same through the plugin.
func errorFrom(e *abi.Error) error {
	switch e.Kind {
	case abi.KindToken, abi.KindConfig:
		if e.Kind == abi.KindToken || isTokenReason(e.Code) {
			return &core.TokenVerificationError{Reason: e.Code, Message: e.Message, Action: e.Action}
		}
	case abi.KindAPI:
		ae := &core.APIError{StatusCode: e.Status, TraceID: e.TraceID,
			RetryAfter: time.Duration(e.RetryAfterMs) * time.Millisecond}
		for _, it := range e.Errors {
			ae.Errors = append(ae.Errors, core.APIErrorItem{Code: it.Code, Message: it.Message,
				LongMessage: it.LongMessage, Meta: it.Meta})
		}
		return ae
	case abi.KindWebhook:
		return &core.WebhookVerificationError{Reason: e.Code, Message: e.Message}
	}
	return &Error{Kind: e.Kind, Code: e.Code, Message: e.Message, Status: e.Status}
}

func isTokenReason(code string) bool {
	// A module may answer any code (another version, a broken build): no
	// slicing that assumes a length.
	return len(code) > len("jwk-") && strings.HasPrefix(code, "jwk-") || strings.HasPrefix(code, "token-") ||
		code == core.ReasonSecretKeyInvalid
}

// Input limits of the fast pool, which cannot interrupt the guest: they
// bound its work instead (see Host).
const (
	maxTokenLen     = 256 << 10 // core's own limit
	maxFastInputLen = 1 << 20
)

var okPrefix = []byte(`{"ok":true,"result":`)

// decodeResult splits an envelope into the result bytes or an error. The
// success case is recognised by its fixed prefix, without decoding.
func decodeResult(out []byte) (json.RawMessage, error) {
	if bytes.HasPrefix(out, okPrefix) && bytes.HasSuffix(out, []byte("}")) {
		return out[len(okPrefix) : len(out)-1], nil
	}
	var r abi.Result
	if err := json.Unmarshal(out, &r); err != nil {
		return nil, fmt.Errorf("clerkwasm: malformed result from the module: %w", err)
	}
	if r.OK {
		return r.Result, nil
	}
	if r.Error == nil {
		return nil, errors.New("clerkwasm: the module reported failure without an error")
	}
	return nil, errorFrom(r.Error)
}

// VerifyToken verifies a Clerk session token with the host's options and
// returns its claims, or a *core.TokenVerificationError. A token verified
// before is answered from the instance's result cache (exp/nbf/iat
// rechecked against the clock). The returned claims may be shared: treat
// them as read-only.
func (h *Host) VerifyToken(ctx context.Context, token string) (*core.Claims, error) {
	if token == "" {
		return nil, &core.TokenVerificationError{Reason: core.ReasonTokenInvalid,
			Message: "Invalid JWT form. A JWT consists of three parts separated by dots."}
	}
	if len(token) > maxTokenLen {
		return nil, &core.TokenVerificationError{Reason: core.ReasonTokenInvalid, Message: "Invalid JWT form. The token is larger than 256 KiB."}
	}
	if h.fast.hasCheck {
		return h.checkToken(ctx, token)
	}
	// A module without clerk_check_session_token: the claims come back as
	// JSON. Identical result bytes mean identical claims, so each distinct
	// result is decoded once.
	var res verifyOutcome
	_, err := h.withInstance(ctx, abi.ExportVerifySessionToken, func(cctx context.Context, inst *instance) ([]byte, error) {
		view, err := inst.invokeView(cctx, abi.ExportVerifySessionToken, stringBytes(token))
		if err != nil {
			return nil, err
		}
		// The view is read before the next call into the instance.
		if c := h.claims.get(view); c != nil {
			res.claims = c
			return nil, nil
		}
		out, rerr := decodeResult(view)
		if rerr != nil {
			res.err = rerr
			return nil, nil
		}
		c, derr := decodeClaims(out)
		if derr != nil {
			return nil, derr
		}
		h.claims.put(view, c)
		res.claims = c
		return nil, nil
	})
	return res.result(err)
}

// verifyOutcome is what a verification closure hands back: a rejection is
// the module's answer, not a failure of the instance (which would discard
// it), so it travels outside the closure's error.
type verifyOutcome struct {
	claims *core.Claims
	err    error
}

func (o *verifyOutcome) result(callErr error) (*core.Claims, error) {
	switch {
	case callErr != nil:
		return nil, callErr
	case o.err != nil:
		return nil, o.err
	case o.claims == nil:
		return nil, errors.New("clerkwasm: the module accepted the token without claims")
	}
	return o.claims, nil
}

// checkToken is VerifyToken through clerk_check_session_token: the guest
// verifies and answers abi.CheckOK, and the host decodes the claims from
// the token natively (core.DecodeVerifiedClaims, the decoding Verify
// itself uses), which is several times cheaper than the guest encoding
// them as JSON and the host decoding that.
func (h *Host) checkToken(ctx context.Context, token string) (*core.Claims, error) {
	var res verifyOutcome
	_, err := h.withInstance(ctx, abi.ExportCheckSessionToken, func(cctx context.Context, inst *instance) ([]byte, error) {
		view, err := inst.invokeView(cctx, abi.ExportCheckSessionToken, stringBytes(token))
		if err != nil {
			return nil, err
		}
		if string(view) == abi.CheckOK {
			return nil, nil
		}
		if _, res.err = decodeResult(view); res.err == nil {
			res.err = fmt.Errorf("clerkwasm: %s answered an unexpected success: %.100q", abi.ExportCheckSessionToken, view)
		}
		return nil, nil
	})
	if err != nil || res.err != nil {
		return res.result(err)
	}
	key := abi.TokenCacheKey(stringBytes(token))
	if c := h.claims.get(key); c != nil {
		return c, nil
	}
	c, derr := core.DecodeVerifiedClaims(token)
	if derr != nil {
		return nil, fmt.Errorf("clerkwasm: the module accepted a token the host cannot decode: %w", derr)
	}
	h.claims.put(key, c)
	return c, nil
}

// VerifyTokenJSON runs clerk_verify_token with per-call overrides and
// returns the claims as JSON (the abi.Claims shape). Overrides bypass the
// result cache.
func (h *Host) VerifyTokenJSON(ctx context.Context, in abi.VerifyTokenInput) (json.RawMessage, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	out, err := h.call(ctx, abi.ExportVerifyToken, b)
	if err != nil {
		return nil, err
	}
	return decodeResult(out)
}

func decodeClaims(res []byte) (*core.Claims, error) {
	var ac abi.Claims
	if err := json.Unmarshal(res, &ac); err != nil {
		return nil, fmt.Errorf("malformed claims from the module: %w", err)
	}
	return &core.Claims{Subject: ac.Subject, SessionID: ac.SessionID, AuthorizedParty: ac.AuthorizedParty,
		Issuer: ac.Issuer, SessionStatus: ac.SessionStatus, ID: ac.ID, Audience: ac.Audience, Expiry: ac.Expiry,
		NotBefore: ac.NotBefore, IssuedAt: ac.IssuedAt, FactorVerificationAge: ac.FactorVerificationAge,
		Actor: ac.Actor, Version: ac.Version, OrgID: ac.OrgID, OrgSlug: ac.OrgSlug, OrgRole: ac.OrgRole,
		OrgPermissions: ac.OrgPermissions, Features: ac.Features, Plans: ac.Plans, KeyID: ac.KeyID,
		Algorithm: ac.Algorithm, Raw: ac.Raw}, nil
}

// claimsCache maps decoded claims: by token (abi.TokenCacheKey, so padded
// spellings share an entry) when the module has clerk_check_session_token,
// by result bytes otherwise. It is bounded in entries and in bytes, and
// keys longer than abi.MaxCachedToken are not kept.
type claimsCache struct {
	mu       sync.RWMutex
	max      int
	maxBytes int
	bytes    int
	m        map[string]claimsEntry
}

type claimsEntry struct {
	claims *core.Claims
	cost   int
}

// claimsCost estimates the bytes an entry holds: the key, the claims (Raw
// and the strings decoded from it are no longer than the token or result
// they come from) and the fixed overhead.
func claimsCost(key []byte) int { return 2*len(key) + 256 }

func (c *claimsCache) init(size int) {
	if size == 0 {
		size = 10000
	}
	c.max, c.m = size, map[string]claimsEntry{}
	c.maxBytes = max(size*abi.CacheBytesPerEntry, abi.MinCacheBytes)
}

func (c *claimsCache) get(key []byte) *core.Claims {
	if c.max <= 0 {
		return nil
	}
	c.mu.RLock()
	e := c.m[string(key)]
	c.mu.RUnlock()
	return e.claims
}

func (c *claimsCache) put(key []byte, cl *core.Claims) {
	if c.max <= 0 || len(key) > abi.MaxCachedToken {
		return
	}
	cost := claimsCost(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[string(key)]; ok {
		delete(c.m, string(key))
		c.bytes -= old.cost
	}
	for len(c.m) > 0 && (len(c.m) >= c.max || c.bytes+cost > c.maxBytes) {
		for k, e := range c.m { // an arbitrary entry: map order is random
			delete(c.m, k)
			c.bytes -= e.cost
			break
		}
	}
	c.m[string(key)] = claimsEntry{claims: cl, cost: cost}
	c.bytes += cost
}

// size reports the bytes accounted for and the bound (for tests).
func (c *claimsCache) size() (bytes, bound int) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.bytes, c.maxBytes
}

// AuthenticateRequest runs @clerk/backend's authenticateRequest on r inside
// the plugin (core.AuthenticateRequest with the Host's options) and returns
// the request state as JSON, exactly as core.RequestState marshals:
// {"status","reason","message","tokenType","headers","auth"}.
func (h *Host) AuthenticateRequest(ctx context.Context, r *http.Request) (json.RawMessage, error) {
	cr := core.RequestFromHTTP(r)
	req := abi.Request{Method: cr.Method, URL: cr.URL, Headers: cr.Headers}
	b, err := json.Marshal(abi.AuthenticateRequestInput{Request: req})
	if err != nil {
		return nil, err
	}
	out, err := h.call(ctx, abi.ExportAuthenticateRequest, b)
	if err != nil {
		return nil, err
	}
	return decodeResult(out)
}

// WebhookEvent is a verified webhook, as core.WebhookEvent.
type WebhookEvent = core.WebhookEvent

// VerifyWebhook checks a Clerk (Svix) webhook inside the plugin. A zero now
// means the current time. The secret is passed to the guest for this call.
func (h *Host) VerifyWebhook(ctx context.Context, secret string, header http.Header, body []byte, now time.Time) (*WebhookEvent, error) {
	in := abi.WebhookInput{Secret: secret, Headers: header, Body: body}
	if !now.IsZero() {
		in.NowUnix = now.Unix()
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, err
	}
	out, err := h.call(ctx, abi.ExportVerifyWebhook, b)
	if err != nil {
		return nil, err
	}
	res, err := decodeResult(out)
	if err != nil {
		return nil, err
	}
	var ev abi.WebhookEvent
	if err := json.Unmarshal(res, &ev); err != nil {
		return nil, fmt.Errorf("clerkwasm: malformed webhook event from the module: %w", err)
	}
	return &core.WebhookEvent{ID: ev.ID, Timestamp: time.Unix(ev.TimestampUnix, 0), Type: ev.Type, Object: ev.Object,
		Data: ev.Data, EventAttributes: ev.EventAttributes, InstanceID: ev.InstanceID,
		EventTimestamp: ev.EventTimestamp, Raw: append(json.RawMessage(nil), body...)}, nil
}

// Call runs a Backend API operation by name ("users.list" or its
// @clerk/backend alias) inside the plugin, with params as core.Client.Call
// takes them (flat snake_case keys; nil, a map, a struct or JSON bytes).
// Errors are *core.APIError for Clerk's error responses.
func (h *Host) Call(ctx context.Context, operation string, params any) (json.RawMessage, error) {
	var raw json.RawMessage
	switch p := params.(type) {
	case nil:
	case json.RawMessage:
		raw = p
	case []byte:
		raw = p
	default:
		b, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("clerkwasm: %s: encoding params: %w", operation, err)
		}
		raw = b
	}
	if raw != nil && !json.Valid(raw) {
		return nil, &Error{Kind: abi.KindRequest, Code: "invalid_json", Message: operation + ": params are not valid JSON"}
	}
	b, err := json.Marshal(abi.CallInput{Operation: operation, Params: raw})
	if err != nil {
		return nil, err
	}
	out, err := h.call(ctx, abi.ExportCall, b)
	if err != nil {
		return nil, err
	}
	res, err := decodeResult(out)
	if ae, ok := err.(*core.APIError); ok {
		ae.Operation = operation
	}
	return res, err
}

// CallExport runs any export of the plugin with raw input bytes and returns
// the raw result envelope: the escape hatch for tools and tests that speak
// the ABI directly.
func (h *Host) CallExport(ctx context.Context, export string, in []byte) ([]byte, error) {
	for _, name := range requiredExports {
		if name == export {
			return h.call(ctx, export, in)
		}
	}
	if export == abi.ExportCheckSessionToken && h.fast.hasCheck {
		return h.call(ctx, export, in)
	}
	return nil, fmt.Errorf("clerkwasm: unknown export %q", export)
}
