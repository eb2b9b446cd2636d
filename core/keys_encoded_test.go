package core

import (
	"context"
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"reflect"
	"testing"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// encChecker checks natively like a host taking the encoded signature
// would, and can decline that form to exercise the fallbacks.
type encChecker struct {
	msgChecker
	declineEncoded bool
	encoded        int
}

func (e *encChecker) CheckRSAMessageEncoded(h crypto.Hash, pub *rsa.PublicKey, msg []byte, sigText string) (bool, bool) {
	e.encoded++
	if e.declineEncoded {
		return false, true
	}
	sig, err := base64.RawURLEncoding.DecodeString(sigText)
	if err != nil {
		return false, false
	}
	hh := h.New()
	hh.Write(msg)
	return rsa.VerifyPKCS1v15(pub, h, hh.Sum(nil), sig) == nil, false
}

func TestVerifyEncodedSignatureChecker(t *testing.T) {
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM()}
	good, forged := mint(nil), testkeys.Secondary.Mint(claimsAt(nil), "")
	h, p, s := splitToken(good)
	for _, tc := range []struct {
		name                       string
		token                      string
		declineEncoded             bool
		reason                     string
		encoded, messages, digests int
	}{
		{name: "good", token: good, encoded: 1},
		{name: "forged", token: forged, reason: ReasonTokenInvalidSignature, encoded: 1},
		{name: "declined", token: good, declineEncoded: true, encoded: 1, messages: 1},
		{name: "declined, forged", token: forged, declineEncoded: true, reason: ReasonTokenInvalidSignature, encoded: 1, messages: 1},
		// Padding is not plain: decoded by the verifier, asked as bytes.
		{name: "padded signature", token: h + "." + p + "." + s + "==", messages: 1},
		{name: "line break in the signature", token: h + "." + p + "." + s[:8] + "\n" + s[8:], reason: ReasonTokenInvalid},
		// Undecodable signatures still fail before the header checks.
		{name: "bad signature text and bad alg", token: b64(`{"alg":"HS256"}`) + "." + p + ".a!b", reason: ReasonTokenInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ec := &encChecker{declineEncoded: tc.declineEncoded}
			v := NewVerifier(VerifierConfig{Clock: newVerifyClock(), SignatureChecker: ec, TokenCacheSize: -1})
			_, err := v.Verify(context.Background(), tc.token, opts)
			if r := TokenErrorReason(err); r != tc.reason {
				t.Fatalf("reason %q (%v), want %q", r, err, tc.reason)
			}
			// And exactly what a verifier without any checker says.
			_, plainErr := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1}).Verify(context.Background(), tc.token, opts)
			if !reflect.DeepEqual(err, plainErr) {
				t.Fatalf("error %v, without a checker %v", err, plainErr)
			}
			if ec.encoded != tc.encoded || ec.messages != tc.messages || ec.digestOnes != tc.digests {
				t.Fatalf("calls: encoded %d, message %d, digest %d", ec.encoded, ec.messages, ec.digestOnes)
			}
		})
	}
}

// FuzzEncodedSignatureChecker holds the encoded-signature path to the plain
// one: for any token, the same verdict and message.
func FuzzEncodedSignatureChecker(f *testing.F) {
	good := mint(nil)
	h, p, s := splitToken(good)
	for _, tok := range []string{good, h + "." + p + "." + s + "=", h + "." + p + "." + s[:4] + "\r" + s[4:],
		h + "." + p + "." + s[:len(s)-1], h + "." + p + "." + s[:len(s)-1] + "B", h + "." + p + "."} {
		f.Add(tok)
	}
	opts := VerifyOptions{JWTKey: testkeys.Primary.PublicPEM(), ClockSkew: 1 << 62}
	withEnc := NewVerifier(VerifierConfig{Clock: newVerifyClock(), SignatureChecker: &encChecker{}, TokenCacheSize: -1})
	plain := NewVerifier(VerifierConfig{Clock: newVerifyClock(), TokenCacheSize: -1})
	f.Fuzz(func(t *testing.T, token string) {
		c1, err1 := withEnc.Verify(context.Background(), token, opts)
		c2, err2 := plain.Verify(context.Background(), token, opts)
		if !reflect.DeepEqual(err1, err2) || (c1 == nil) != (c2 == nil) {
			t.Fatalf("%q: with the encoded checker %v, without %v", token, err1, err2)
		}
	})
}
