package plugin

import (
	"strconv"
	"unicode/utf8"

	"github.com/clerkscript/clerkscript/core"
)

// appendClaims encodes claims in the shape of abi.Claims. It is written by
// hand because encoding/json's reflection costs tens of microseconds per
// token inside wasm, more than the RSA check the host does natively; the
// test in claimsjson_test.go holds it to encoding/json's output.
func AppendClaims(b []byte, c *core.Claims) []byte {
	b = append(b, `{"sub":`...)
	b = appendString(b, c.Subject)
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
	return appendString(b, s)
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
		b = appendString(b, s)
	}
	return append(b, ']')
}

const hexDigits = "0123456789abcdef"

// appendString writes s as a JSON string, escaping as encoding/json does
// (including <, >, & and U+2028/U+2029) and replacing invalid UTF-8 with
// U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
