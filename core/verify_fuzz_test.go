package core

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// FuzzVerifyToken feeds arbitrary strings to the verifier: it must never
// panic, and it may only accept a token whose signing input and signature
// are those of a token we signed (modulo base64 padding).
func FuzzVerifyToken(f *testing.F) {
	signed := []string{
		mint(nil),
		mint(map[string]any{"v": 2, "fea": "o:a,u:b", "o": map[string]any{"id": "org_1", "per": "r,w", "fpm": "3"}}),
		testkeys.Primary.MintHeader(map[string]any{"cat": "cl_B7d4PD111AAA"}, claimsAt(map[string]any{"aud": []string{"a"}}), "RS512"),
		signRaw(`{"alg":"RS256"}`, `{"sub":"s\u0075b","exp":1e999,"nbf":null,"iat":"x","fva":[1,2,3]}`),
	}
	for _, s := range signed {
		f.Add(s)
	}
	f.Add("")
	f.Add("a.b.c")
	f.Add("..")
	f.Add(testkeys.Unsigned(`{"alg":"none"}`, `{}`, ""))
	f.Add(testkeys.Unsigned(`{"alg":"RS256","typ":"JWT"}`, `{"sub":"x","exp":1}`, "AAAA"))
	canon := map[string]bool{}
	for _, s := range signed {
		canon[strings.ReplaceAll(s, "=", "")] = true
	}
	v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: 4})
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(), ClockSkew: 1 << 62, Audience: []string{"a"}, AuthorizedParties: []string{"https://app.example.com"}}
	f.Fuzz(func(t *testing.T, token string) {
		c, err := v.Verify(context.Background(), token, opts)
		if err != nil {
			if c != nil {
				t.Fatal("claims with an error")
			}
			if TokenErrorReason(err) == "" {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if !canon[strings.ReplaceAll(token, "=", "")] {
			t.Fatalf("accepted a token we never signed: %q", token)
		}
	})
}

// FuzzVerifyWebhook: arbitrary headers, secrets and bodies never panic, and
// acceptance implies the HMAC matches.
func FuzzVerifyWebhook(f *testing.F) {
	ts := int64(1_750_000_000)
	body := `{"type":"user.created","object":"event","data":{}}`
	f.Add(testWebhookSecret, "msg_1", strconv.FormatInt(ts, 10), webhookSign(testWebhookSecret, "msg_1", ts, body), body)
	f.Add("whsec_", "", "", "", "")
	f.Add("whsec_!!", "x", "-1", "v1,", "{}")
	f.Add(testWebhookSecret, "id", "1750000000", "v1,a v1,b v2,c   v1", "[]")
	now := time.Unix(ts, 0)
	f.Fuzz(func(t *testing.T, secret, id, tsHeader, sig, body string) {
		h := Header{}
		h.Set("svix-id", id)
		h.Set("svix-timestamp", tsHeader)
		h.Set("svix-signature", sig)
		ev, err := VerifyWebhook(secret, h, []byte(body), now)
		if err != nil {
			if ev != nil {
				t.Fatal("event with an error")
			}
			if strings.Contains(err.Error(), secret) && len(strings.TrimPrefix(secret, "whsec_")) > 8 {
				t.Fatal("error contains the secret")
			}
			return
		}
		key, _ := webhookKey(secret)
		want := webhookSignKey(key, strings.TrimSpace(id), strings.TrimSpace(tsHeader), body)
		if !strings.Contains(sig, want) {
			t.Fatalf("accepted without a matching signature")
		}
	})
}

// FuzzParsePublicKeyPEM: CLERK_JWT_KEY values never panic the parser.
func FuzzParsePublicKeyPEM(f *testing.F) {
	f.Add(testkeys.Primary.PublicPEM())
	f.Add(testkeys.Primary.PublicBase64())
	f.Add("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----")
	f.Add(`-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----`)
	f.Fuzz(func(t *testing.T, s string) {
		pub, err := parsePublicKeyPEM(s)
		if err == nil && checkRSAKey(rsaModulus(pub), pub.E) != nil {
			t.Fatal("accepted a key outside the bounds")
		}
	})
}
