package core

import (
	"encoding/base64"
	"strings"

	"github.com/clerkscript/clerkscript/internal/digest"
)

// Instance types, from the publishable key prefix.
const (
	InstanceProduction  = "production"
	InstanceDevelopment = "development"
)

// PublishableKey is a parsed publishable key: pk_live_ (production) or
// pk_test_ (development) followed by the base64 of "<frontend API host>$".
type PublishableKey struct {
	Key          string // the key itself
	InstanceType string // InstanceProduction or InstanceDevelopment
	FrontendAPI  string // the Frontend API host, e.g. "clerk.example.com"
}

const (
	msgPublishableKeyMissing = "Publishable key is missing. Ensure that your publishable key is correctly configured. Double-check your environment configuration for your keys, or access them here: https://dashboard.clerk.com/last-active?path=api-keys"
	msgPublishableKeyInvalid = "Publishable key not valid."
)

// ParsePublishableKey parses and validates a publishable key with
// @clerk/backend's rules: a pk_live_/pk_test_ prefix, exactly three
// "_"-separated parts, and a base64 body that decodes to a host containing a
// dot and ending in a single "$". Errors are *AuthConfigError and never
// quote the key.
func ParsePublishableKey(key string) (PublishableKey, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return PublishableKey{}, &AuthConfigError{Msg: msgPublishableKeyMissing}
	}
	var typ string
	switch {
	case strings.HasPrefix(key, "pk_live_"):
		typ = InstanceProduction
	case strings.HasPrefix(key, "pk_test_"):
		typ = InstanceDevelopment
	default:
		return PublishableKey{}, &AuthConfigError{Msg: msgPublishableKeyInvalid + " It must start with pk_live_ or pk_test_."}
	}
	parts := strings.Split(key, "_")
	if len(parts) != 3 || parts[2] == "" {
		return PublishableKey{}, &AuthConfigError{Msg: msgPublishableKeyInvalid + " Expected pk_live_<base64> or pk_test_<base64>."}
	}
	// atob accepts standard base64 with or without padding.
	dec, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(parts[2], "="))
	if err != nil {
		return PublishableKey{}, &AuthConfigError{Msg: "Publishable key not valid: Failed to decode key."}
	}
	s := string(dec)
	host, ok := strings.CutSuffix(s, "$")
	if !ok || strings.Contains(host, "$") || !strings.Contains(host, ".") {
		return PublishableKey{}, &AuthConfigError{Msg: "Publishable key not valid: Decoded key has invalid format."}
	}
	return PublishableKey{Key: key, InstanceType: typ, FrontendAPI: host}, nil
}

// BuildPublishableKey returns the publishable key of a Frontend API host,
// pk_live_ or pk_test_ as given (the emulator and tests mint keys with it).
func BuildPublishableKey(frontendAPI string, production bool) string {
	prefix := "pk_test_"
	if production {
		prefix = "pk_live_"
	}
	return prefix + base64.StdEncoding.EncodeToString([]byte(frontendAPI+"$"))
}

// CookieSuffix returns the suffix of Clerk's per-instance cookie names
// (__session_<suffix>, __client_uat_<suffix>): the first 8 characters of the
// URL-safe base64 of SHA-1(publishable key). SHA-1 is Clerk's choice and only
// namespaces cookies; it protects nothing.
func CookieSuffix(publishableKey string) string {
	sum := digest.Sum1([]byte(publishableKey))
	s := base64.StdEncoding.EncodeToString(sum[:])
	s = urlAlphabet(s)
	return s[:8]
}

// AuthConfigError is a configuration problem found by AuthenticateRequest or
// ParsePublishableKey (a missing or malformed key, an inconsistent satellite
// setup). It says what is wrong and never contains a key.
type AuthConfigError struct{ Msg string }

func (e *AuthConfigError) Error() string { return "clerk: " + e.Msg }

// urlAlphabet turns standard base64 into the URL alphabet ('+' to '-', '/'
// to '_'). (A strings.Replacer would do, but links all four of its
// implementations into the wasm module.)
func urlAlphabet(s string) string {
	if !strings.ContainsAny(s, "+/") {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		switch c {
		case '+':
			b[i] = '-'
		case '/':
			b[i] = '_'
		}
	}
	return string(b)
}
