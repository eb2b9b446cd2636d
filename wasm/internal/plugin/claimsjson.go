package plugin

import (
	"strconv"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/minijson"
)

// appendClaims encodes claims in the shape of abi.Claims. It is written by
// hand because encoding/json's reflection costs tens of microseconds per
// token inside wasm, more than the RSA check the host does natively; the
// test in claimsjson_test.go holds it to encoding/json's output.
func AppendClaims(b []byte, c *core.Claims) []byte {
	b = append(b, `{"sub":`...)
	b = minijson.AppendString(b, c.Subject)
	b = appendOptString(b, "sid", c.SessionID)
	b = appendOptString(b, "azp", c.AuthorizedParty)
	b = appendOptString(b, "iss", c.Issuer)
	b = appendOptString(b, "sts", c.SessionStatus)
	b = appendOptString(b, "jti", c.ID)
	b = appendOptStrings(b, "aud", c.Audience)
	b = append(b, `,"exp":`...)
	b = strconv.AppendInt(b, c.Expiry, 10)
	if c.NotBefore != 0 {
		b = append(b, `,"nbf":`...)
		b = strconv.AppendInt(b, c.NotBefore, 10)
	}
	if c.IssuedAt != 0 {
		b = append(b, `,"iat":`...)
		b = strconv.AppendInt(b, c.IssuedAt, 10)
	}
	if c.FactorVerificationAge != nil {
		b = append(b, `,"fva":[`...)
		b = strconv.AppendInt(b, int64(c.FactorVerificationAge[0]), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(c.FactorVerificationAge[1]), 10)
		b = append(b, ']')
	}
	if len(c.Actor) > 0 {
		b = append(b, `,"act":`...)
		b = append(b, c.Actor...)
	}
	b = append(b, `,"v":`...)
	b = strconv.AppendInt(b, int64(c.Version), 10)
	b = appendOptString(b, "org_id", c.OrgID)
	b = appendOptString(b, "org_slug", c.OrgSlug)
	b = appendOptString(b, "org_role", c.OrgRole)
	b = appendOptStrings(b, "org_permissions", c.OrgPermissions)
	b = appendOptStrings(b, "features", c.Features)
	b = appendOptStrings(b, "plans", c.Plans)
	b = appendOptString(b, "kid", c.KeyID)
	b = appendOptString(b, "alg", c.Algorithm)
	b = append(b, `,"raw":`...)
	if len(c.Raw) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, c.Raw...)
	}
	return append(b, '}')
}

func appendOptString(b []byte, key, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return minijson.AppendString(b, s)
}

func appendOptStrings(b []byte, key string, list []string) []byte {
	if len(list) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, `":[`...)
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = minijson.AppendString(b, s)
	}
	return append(b, ']')
}
