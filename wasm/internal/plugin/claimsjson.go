package plugin

import (
	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/minijson"
)

// appendClaims encodes claims in the shape of abi.Claims. It is written by
// hand because encoding/json's reflection costs tens of microseconds per
// token inside wasm, more than the RSA check the host does natively; the
// test in claimsjson_test.go holds it to encoding/json's output.
func AppendClaims(b []byte, c *core.Claims) []byte {
	w := minijson.Writer{B: b}
	w.Str(`{"sub":`, c.Subject)
	optString(&w, `,"sid":`, c.SessionID)
	optString(&w, `,"azp":`, c.AuthorizedParty)
	optString(&w, `,"iss":`, c.Issuer)
	optString(&w, `,"sts":`, c.SessionStatus)
	optString(&w, `,"jti":`, c.ID)
	optStrings(&w, `,"aud":`, c.Audience)
	w.Int(`,"exp":`, c.Expiry)
	if c.NotBefore != 0 {
		w.Int(`,"nbf":`, c.NotBefore)
	}
	if c.IssuedAt != 0 {
		w.Int(`,"iat":`, c.IssuedAt)
	}
	if c.FactorVerificationAge != nil {
		w.Int(`,"fva":[`, int64(c.FactorVerificationAge[0]))
		w.Int(",", int64(c.FactorVerificationAge[1]))
		w.Lit("]")
	}
	if len(c.Actor) > 0 {
		w.Trusted(`,"act":`, c.Actor)
	}
	w.Int(`,"v":`, int64(c.Version))
	optString(&w, `,"org_id":`, c.OrgID)
	optString(&w, `,"org_slug":`, c.OrgSlug)
	optString(&w, `,"org_role":`, c.OrgRole)
	optStrings(&w, `,"org_permissions":`, c.OrgPermissions)
	optStrings(&w, `,"features":`, c.Features)
	optStrings(&w, `,"plans":`, c.Plans)
	optString(&w, `,"kid":`, c.KeyID)
	optString(&w, `,"alg":`, c.Algorithm)
	if len(c.Raw) == 0 {
		w.Lit(`,"raw":null}`)
	} else {
		w.Trusted(`,"raw":`, c.Raw)
		w.Lit("}")
	}
	return w.B
}

// optString writes an omitempty string member.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func optString(w *minijson.Writer, lit, s string) {
	if s != "" {
		w.Str(lit, s)
	}
}

// optStrings writes an omitempty []string member.
func optStrings(w *minijson.Writer, lit string, list []string) {
	if len(list) > 0 {
		w.Strs(lit, list)
	}
}
