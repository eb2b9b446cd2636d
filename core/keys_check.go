package core

// CheckJWTKey reports whether key is a public key VerifyOptions.JWTKey
// accepts (a PEM block or its bare base64 body, of an RSA key), so that a
// caller can refuse a bad key when it is configured instead of when a token
// happens to be well-formed enough to reach it. The error is the
// *TokenVerificationError (reason jwk-local-invalid) Verify returns for that
// key; it is nil for a usable key.
func CheckJWTKey(key string) error {
	if _, err := parsePublicKeyPEM(key); err != nil {
		return localKeyInvalid(err)
	}
	return nil
}

func localKeyInvalid(err error) *TokenVerificationError {
	return &TokenVerificationError{Reason: ReasonJWKLocalInvalid,
		Message: msgLocalKeyInvalid + " " + upperFirst(err.Error()) + ".", Action: actionSetClerkJWTKey}
}
