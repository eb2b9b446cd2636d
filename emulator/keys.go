package emulator

import (
	"crypto/sha256"
	"encoding/hex"
)

func keySet(keys ...string) map[string]bool {
	m := make(map[string]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// bodyKeys returns the body fields the operation accepts, from the spec's
// request schema when core has it, else the handler's own list (which names
// the same fields).
func (e *Emulator) bodyKeys(rq *request, fallback map[string]bool) map[string]bool {
	if ks := specBodyKeys(rq.op); ks != nil {
		return ks
	}
	return fallback
}

// fingerprint keeps a one-way trace of a secret (password, digest, TOTP
// secret) so state files never hold the secret itself.
func fingerprint(s string) string {
	sum := sha256.Sum256([]byte("clerkscript-emulator:" + s))
	return "sha256:" + hex.EncodeToString(sum[:])
}
