package core

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unsafe"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// Claims are the verified claims of a Clerk session token. Registered claims
// and Clerk's own are typed; Raw keeps the payload exactly as signed for
// anything else (custom claims of a JWT template), and Map decodes it.
//
// Claims returned by a Verifier may be shared between callers through the
// verified-token cache, and their strings share memory with Raw: treat them
// (Raw included) as read-only.
type Claims struct {
	Subject         string   // sub: the user id (user_...)
	SessionID       string   // sid (sess_...)
	AuthorizedParty string   // azp: the origin the token was issued to
	Issuer          string   // iss: the Frontend API URL
	SessionStatus   string   // sts: "active" or "pending" ("" when absent)
	ID              string   // jti
	Audience        []string // aud, as a list whether the token has a string or an array
	Expiry          int64    // exp, Unix seconds (rounded down)
	NotBefore       int64    // nbf, Unix seconds, 0 when absent
	IssuedAt        int64    // iat, Unix seconds, 0 when absent

	// FactorVerificationAge is fva: minutes since the first and second
	// factor verifications, -1 for never; nil when the token has no fva.
	FactorVerificationAge *[2]int
	// Actor is act, the impersonator ({"iss","sid","sub",...}); nil when
	// the session is not an impersonation.
	Actor json.RawMessage

	// Version is the claims version: 2 for tokens with "v": 2, else 1.
	Version int
	// Active organization, from the v1 org_* claims or expanded from the v2
	// "o" claim: the role is prefixed ("org:admin"), and v2 permissions are
	// decoded from fea/per/fpm (see docs/VERIFICATION.md).
	OrgID          string
	OrgSlug        string
	OrgRole        string
	OrgPermissions []string
	// Features (fea) and Plans (pla) of v2 tokens, each "scope:name"
	// ("o:dashboard", "u:pro").
	Features []string
	Plans    []string

	KeyID     string          // the header kid of the token
	Algorithm string          // the header alg (RS256, RS384, RS512)
	Raw       json.RawMessage // the payload JSON, as signed

	// Exact values for the time checks, which re-run on every cache hit.
	exp, nbf, iat    float64
	hasNbf, hasIat   bool
	audRaw, azpRaw   minijson.Value
	typ              string
	hasTyp           bool
	deferredClaimErr *TokenVerificationError // sub/exp/nbf/iat type errors, reported in Clerk's order
	deferredAt       int                     // the check before which deferredClaimErr is reported
}

// Map decodes the raw claims into a map (numbers as float64, as
// encoding/json does).
func (c *Claims) Map() (map[string]any, error) {
	return minijson.DecodeObject(c.Raw)
}

// HasPermission reports whether the active organization grants permission
// (for example "org:invoices:read").
func (c *Claims) HasPermission(permission string) bool {
	for _, p := range c.OrgPermissions {
		if p == permission {
			return true
		}
	}
	return false
}

// Positions of the claim checks, in Clerk's order; a type error found while
// decoding is reported when its check comes up, so that a token failing two
// checks gets the same reason as from @clerk/backend.
const (
	checkSub = iota
	checkAud
	checkAzp
	checkIss
	checkExp
	checkNbf
	checkIat
)

// rawClaims holds the members of the payload the verifier interprets.
type rawClaims struct {
	sub, sid, azp, iss, sts, jti, aud minijson.Value
	exp, nbf, iat                     minijson.Value
	v, fva, act, o, fea, pla          minijson.Value
	orgID, orgSlug, orgRole, orgPerms minijson.Value
}

// scanClaims checks that payload is a JSON object and picks out the members
// Clerk defines; later duplicates win, as with JSON.parse.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func scanClaims(payload []byte, rc *rawClaims) error {
	return minijson.ScanObject(payload, func(key []byte, esc bool, v minijson.Value) {
		k := string(key) // on the stack: member does not keep it
		if esc {
			k = minijson.Unquote(key, true)
		}
		if m := rc.member(k); m != nil {
			*m = v
		}
	})
}

// member is the field of rc that holds the claim named k, or nil.
func (rc *rawClaims) member(k string) *minijson.Value {
	switch k {
	case "sub":
		return &rc.sub
	case "sid":
		return &rc.sid
	case "azp":
		return &rc.azp
	case "iss":
		return &rc.iss
	case "sts":
		return &rc.sts
	case "jti":
		return &rc.jti
	case "aud":
		return &rc.aud
	case "exp":
		return &rc.exp
	case "nbf":
		return &rc.nbf
	case "iat":
		return &rc.iat
	case "v":
		return &rc.v
	case "fva":
		return &rc.fva
	case "act":
		return &rc.act
	case "o":
		return &rc.o
	case "fea":
		return &rc.fea
	case "pla":
		return &rc.pla
	case "org_id":
		return &rc.orgID
	case "org_slug":
		return &rc.orgSlug
	case "org_role":
		return &rc.orgRole
	case "org_permissions":
		return &rc.orgPerms
	}
	return nil
}

// buildClaims turns scanned claims into Claims. Type errors of sub, exp, nbf
// and iat are not returned but deferred to their place in the check order.
// payload is retained (as Raw): the caller must not reuse it.
func buildClaims(rc *rawClaims, payload []byte) *Claims {
	c := &Claims{Raw: payload, audRaw: rc.aud, azpRaw: rc.azp}
	st := newStringSource(payload)
	if rc.sub.Kind == minijson.String {
		c.Subject = st.get(rc.sub)
	} else {
		c.defer_(checkSub, tokenErr(ReasonTokenVerificationFailed,
			"Subject claim (sub) is required and must be a string. Received "+jsJSON(rc.sub)+".", ""))
	}
	c.SessionID = st.get(rc.sid)
	c.AuthorizedParty = st.get(rc.azp)
	c.Issuer = st.get(rc.iss)
	c.SessionStatus = st.get(rc.sts)
	c.ID = st.get(rc.jti)
	switch rc.aud.Kind {
	case minijson.String:
		c.Audience = []string{st.get(rc.aud)}
	case minijson.Array:
		_ = minijson.ScanArray(rc.aud.Raw, func(v minijson.Value) {
			if v.Kind == minijson.String {
				c.Audience = append(c.Audience, st.get(v))
			}
		})
	}

	c.exp, c.Expiry, _ = c.dateClaim(rc.exp, checkExp, "expiry date claim (exp)")
	if rc.nbf.Present() {
		c.nbf, c.NotBefore, c.hasNbf = c.dateClaim(rc.nbf, checkNbf, "not before date claim (nbf)")
	}
	if rc.iat.Present() {
		c.iat, c.IssuedAt, c.hasIat = c.dateClaim(rc.iat, checkIat, "issued at date claim (iat)")
	}

	if rc.fva.Kind == minijson.Array {
		var fva [2]int
		n := 0
		ok := true
		_ = minijson.ScanArray(rc.fva.Raw, func(v minijson.Value) {
			f, isNum := v.Num()
			if !isNum || n >= 2 || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
				ok = false
				return
			}
			fva[n] = int(f)
			n++
		})
		if ok && n == 2 {
			c.FactorVerificationAge = &fva
		}
	}
	if rc.act.Kind == minijson.Object {
		c.Actor = json.RawMessage(rc.act.Raw)
	}

	c.Version = 1
	if f, ok := rc.v.Num(); ok && f == 2 {
		c.Version = 2
	}
	if c.Version == 2 {
		c.Features = splitList(st.get(rc.fea))
		c.Plans = splitList(st.get(rc.pla))
		if rc.o.Kind == minijson.Object {
			c.expandOrgV2(rc.o.Raw, st)
		}
	} else {
		c.OrgID = st.get(rc.orgID)
		c.OrgSlug = st.get(rc.orgSlug)
		c.OrgRole = st.get(rc.orgRole)
		if rc.orgPerms.Kind == minijson.Array {
			_ = minijson.ScanArray(rc.orgPerms.Raw, func(v minijson.Value) {
				if v.Kind == minijson.String {
					c.OrgPermissions = append(c.OrgPermissions, st.get(v))
				}
			})
		}
	}
	return c
}

// dateClaim reads a NumericDate claim as a number and whole seconds; any
// other value is a type error deferred to position at of the check order.
func (c *Claims) dateClaim(v minijson.Value, at int, what string) (float64, int64, bool) {
	if f, ok := v.Num(); ok {
		return f, floorUnix(f), true
	}
	c.defer_(at, tokenErr(ReasonTokenVerificationFailed, "Invalid JWT "+what+" "+jsJSON(v)+". Expected number.", ""))
	return 0, 0, false
}

// defer_ records the first type error found (checks run in a fixed order,
// so the earliest position wins).
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func (c *Claims) defer_(at int, err *TokenVerificationError) {
	if c.deferredClaimErr == nil || at < c.deferredAt {
		c.deferredClaimErr, c.deferredAt = err, at
	}
}

// floorUnix converts a NumericDate to whole seconds, saturating instead of
// overflowing on absurd values.
func floorUnix(f float64) int64 {
	f = math.Floor(f)
	switch {
	case f >= math.MaxInt64:
		return math.MaxInt64
	case f <= math.MinInt64:
		return math.MinInt64
	}
	return int64(f)
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// expandOrgV2 reads the v2 "o" claim: {id, slg, rol, per, fpm}. Permissions
// follow Clerk's documented rule: the i-th number of fpm is the bitmask of
// the i-th feature of fea (counting every feature, whatever its scope); bit
// j, least significant first, grants per[j]; only features whose scope
// includes the organization ("o", "uo", "ou") yield org:<feature>:<perm>.
func (c *Claims) expandOrgV2(raw []byte, st stringSource) {
	var id, slg, rol, per, fpm minijson.Value
	_ = minijson.ScanObject(raw, func(key []byte, esc bool, v minijson.Value) {
		k := string(key)
		if esc {
			k = minijson.Unquote(key, true)
		}
		switch k {
		case "id":
			id = v
		case "slg":
			slg = v
		case "rol":
			rol = v
		case "per":
			per = v
		case "fpm":
			fpm = v
		}
	})
	c.OrgID = st.get(id)
	c.OrgSlug = st.get(slg)
	if r := st.get(rol); r != "" {
		c.OrgRole = "org:" + r
	}
	perms := splitList(st.get(per))
	masks := st.get(fpm)
	for i, feature := range c.Features {
		var mask string
		if masks == "" {
			break
		}
		mask, masks, _ = strings.Cut(masks, ",")
		scope, name, ok := strings.Cut(feature, ":")
		if !ok || name == "" || !strings.Contains(scope, "o") {
			continue
		}
		bits, err := strconv.ParseUint(strings.TrimSpace(mask), 10, 64)
		if err != nil {
			continue
		}
		if c.OrgPermissions == nil {
			c.OrgPermissions = make([]string, 0, len(perms)*(len(c.Features)-i))
		}
		for j, p := range perms {
			if j < 64 && bits&(1<<uint(j)) != 0 {
				c.OrgPermissions = append(c.OrgPermissions, "org:"+name+":"+p)
			}
		}
	}
}

// stringSource hands out claim strings as substrings of the payload, which
// Raw holds: no allocation per claim. Claims are read-only (they may be
// shared through the verified-token cache), so the aliasing is never seen.
type stringSource struct {
	base []byte
	s    string
}

func newStringSource(payload []byte) stringSource {
	return stringSource{base: payload, s: unsafe.String(unsafe.SliceData(payload), len(payload))}
}

func (st stringSource) get(v minijson.Value) string {
	if v.Kind != minijson.String {
		return ""
	}
	if v.Esc || len(st.base) == 0 {
		return v.Str()
	}
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(v.Raw))) - uintptr(unsafe.Pointer(unsafe.SliceData(st.base))))
	if off < 0 || off+len(v.Raw) > len(st.s) {
		return v.Str()
	}
	return st.s[off+1 : off+len(v.Raw)-1]
}
