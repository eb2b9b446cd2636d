package plugin

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// toABI is the reference: what encoding/json makes of the same claims.
func toABI(c *core.Claims) abi.Claims {
	raw := c.Raw
	if len(raw) == 0 {
		raw = json.RawMessage("null")
	}
	return abi.Claims{Subject: c.Subject, SessionID: c.SessionID, AuthorizedParty: c.AuthorizedParty,
		Issuer: c.Issuer, SessionStatus: c.SessionStatus, ID: c.ID, Audience: c.Audience, Expiry: c.Expiry,
		NotBefore: c.NotBefore, IssuedAt: c.IssuedAt, FactorVerificationAge: c.FactorVerificationAge,
		Actor: c.Actor, Version: c.Version, OrgID: c.OrgID, OrgSlug: c.OrgSlug, OrgRole: c.OrgRole,
		OrgPermissions: c.OrgPermissions, Features: c.Features, Plans: c.Plans, KeyID: c.KeyID,
		Algorithm: c.Algorithm, Raw: raw}
}

func TestAppendClaimsMatchesEncodingJSON(t *testing.T) {
	cases := []*core.Claims{
		{},
		{Subject: "user_1", Expiry: 1700000000, Version: 1, Raw: json.RawMessage(`{"sub":"user_1"}`)},
		{Subject: "u\"s\\e<r>&\n\t\x01\u2028\u2029é😀", SessionID: "sess_1", AuthorizedParty: "https://a.example",
			Issuer: "https://clerk.a.example", SessionStatus: "active", ID: "jti", Audience: []string{"a", "b"},
			Expiry: 2, NotBefore: -3, IssuedAt: 4, FactorVerificationAge: &[2]int{-1, 7},
			Actor: json.RawMessage(`{"sub":"user_2"}`), Version: 2, OrgID: "org_1", OrgSlug: "acme",
			OrgRole: "org:admin", OrgPermissions: []string{"org:x:read"}, Features: []string{"o:f"},
			Plans: []string{"u:pro"}, KeyID: "kid", Algorithm: "RS256", Raw: json.RawMessage(`{}`)},
		{Subject: "bad\xffutf8\xc3"},
		{Subject: "\b\f\x7f", OrgSlug: "\x1f"}, // encoding/json writes \b and \f since Go 1.22
	}
	for i, c := range cases {
		want, err := json.Marshal(toABI(c))
		if err != nil {
			t.Fatal(err)
		}
		if got := AppendClaims(nil, c); !bytes.Equal(got, want) {
			t.Errorf("case %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
