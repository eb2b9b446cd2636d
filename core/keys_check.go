package core

// CheckJWTKey reports whether s is a usable JWTKey (a PEM or bare base64
// SPKI RSA public key), with the reason when it is not: configuration
// loaders check a key once instead of learning of it at the first
// verification.
func CheckJWTKey(s string) error {
	_, err := parsePublicKeyPEM(s)
	return err
}
