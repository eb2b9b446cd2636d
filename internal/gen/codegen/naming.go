package codegen

import (
	"strings"
	"unicode"
)

// initialisms maps a lower-case word to its Go spelling.
var initialisms = map[string]string{
	"api": "API", "id": "ID", "ids": "IDs", "url": "URL", "urls": "URLs", "uri": "URI",
	"jwt": "JWT", "jwks": "JWKS", "oauth": "OAuth", "saml": "SAML", "totp": "TOTP",
	"mfa": "MFA", "sms": "SMS", "scim": "SCIM", "http": "HTTP", "https": "HTTPS",
	"json": "JSON", "ip": "IP", "sso": "SSO", "m2m": "M2M", "otp": "OTP", "idp": "IDP",
	"ttl": "TTL", "html": "HTML", "dns": "DNS", "acs": "ACS", "svix": "Svix", "cname": "CName",
	"ecdsa": "ECDSA", "rsa": "RSA", "pem": "PEM", "utc": "UTC", "ui": "UI", "oidc": "OIDC",
}

// splitWords splits an identifier in any style (snake_case, kebab, dotted,
// camelCase, PascalCase with acronyms) into words. Digits stay attached to
// the letters before them ("web3", "M2M").
func splitWords(s string) []string {
	var words []string
	rs := []rune(s)
	start := -1
	flush := func(end int) {
		if start >= 0 && end > start {
			words = append(words, string(rs[start:end]))
		}
		start = -1
	}
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush(i)
			continue
		}
		if start < 0 {
			start = i
			continue
		}
		prev := rs[i-1]
		switch {
		case unicode.IsUpper(r) && unicode.IsLower(prev):
			flush(i)
			start = i
		case unicode.IsUpper(r) && unicode.IsDigit(prev) && i >= 2 && unicode.IsLower(rs[i-2]):
			// "web3Wallet": a digit after lower case ends the word.
			flush(i)
			start = i
		case unicode.IsUpper(r) && unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1]):
			// "APIKey": the last capital of a run starts the next word.
			if !(i+2 <= len(rs) && strings.EqualFold(string(rs[start:i+1]), "oa")) {
				flush(i)
				start = i
			}
		}
	}
	flush(len(rs))
	return words
}

// goName turns an identifier into an exported Go name with initialisms.
func goName(s string) string {
	var b strings.Builder
	for _, w := range splitWords(s) {
		if v, ok := initialisms[strings.ToLower(w)]; ok {
			b.WriteString(v)
			continue
		}
		rs := []rune(w)
		rs[0] = unicode.ToUpper(rs[0])
		b.WriteString(string(rs))
	}
	out := b.String()
	if out == "" {
		return "X"
	}
	if unicode.IsDigit([]rune(out)[0]) {
		out = "N" + out
	}
	return out
}

// goLocal is goName with the first word lower-cased, for parameters.
func goLocal(s string) string {
	words := splitWords(s)
	if len(words) == 0 {
		return "x"
	}
	first := strings.ToLower(words[0])
	rest := goName(strings.Join(words[1:], "_"))
	if len(words) == 1 {
		rest = ""
	}
	out := first + rest
	if goKeywords[out] {
		out += "_"
	}
	return out
}

var goKeywords = map[string]bool{
	"break": true, "case": true, "chan": true, "const": true, "continue": true, "default": true,
	"defer": true, "else": true, "fallthrough": true, "for": true, "func": true, "go": true,
	"goto": true, "if": true, "import": true, "interface": true, "map": true, "package": true,
	"range": true, "return": true, "select": true, "struct": true, "switch": true, "type": true,
	"var": true, "ctx": true, "opts": true, "params": true, "items": true, "s": true, "out": true,
}

// lowerCamelWords joins words as lowerCamel, capitalising the first letter of
// each later word only: "Organization Roles" -> "organizationRoles",
// "M2M Tokens" -> "m2mTokens", "API Keys" -> "apiKeys".
func lowerCamelWords(s string) string {
	words := splitWords(s)
	var b strings.Builder
	for i, w := range words {
		lw := strings.ToLower(w)
		if i == 0 {
			b.WriteString(lw)
			continue
		}
		b.WriteString(strings.ToUpper(lw[:1]) + lw[1:])
	}
	return b.String()
}

// singular is a small English singulariser, enough for resource nouns.
func singular(w string) string {
	lw := strings.ToLower(w)
	switch {
	case strings.HasSuffix(lw, "ies"):
		return w[:len(w)-3] + "y"
	case strings.HasSuffix(lw, "sses"), strings.HasSuffix(lw, "shes"), strings.HasSuffix(lw, "ches"), strings.HasSuffix(lw, "xes"):
		return w[:len(w)-2]
	case strings.HasSuffix(lw, "ss"):
		return w
	case strings.HasSuffix(lw, "s"):
		return w[:len(w)-1]
	}
	return w
}

// lowerFirst lower-cases the first letter and keeps the rest, so acronyms in
// the middle of an operationId survive ("RotateAPIKey" -> "rotateAPIKey").
func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	rs[0] = unicode.ToLower(rs[0])
	return string(rs)
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	rs := []rune(s)
	rs[0] = unicode.ToUpper(rs[0])
	return string(rs)
}
