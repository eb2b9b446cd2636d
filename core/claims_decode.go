package core

// DecodeVerifiedClaims decodes the claims of a token that has already been
// verified elsewhere, exactly as Verify would return them, but checks
// nothing: no signature, no key, no expiry. It exists for the wasm plugin's
// host, which lets the guest verify a token and then rebuilds the claims
// natively from the token it holds, rather than having the guest encode
// them as JSON and decoding that again (both slower than this). Never use
// it on a token that has not been verified: its claims are forgeable.
//
// A token that does not parse, or whose header would fail Verify's header
// checks, gets the same *TokenVerificationError Verify would give.
func DecodeVerifiedClaims(token string) (*Claims, error) {
	var p parsedJWT
	if err := parseJWT(token, &p, false, false, &decodeHeaders); err != nil {
		return nil, err
	}
	typ, hasTyp, alg, err := checkHeader(&p.h, nil)
	if err != nil {
		return nil, err
	}
	c := buildClaims(&p.rc, p.payload)
	c.KeyID, c.Algorithm, c.typ, c.hasTyp = p.kid, alg, typ, hasTyp
	return c, nil
}

// decodeHeaders is DecodeVerifiedClaims' header cache.
var decodeHeaders headerCache
