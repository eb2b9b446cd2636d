package core

import (
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

func TestCheckJWTKey(t *testing.T) {
	if err := CheckJWTKey(testkeys.Primary.PublicPEM()); err != nil {
		t.Fatalf("a valid PEM: %v", err)
	}
	for _, bad := range []string{"", "not a key", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"} {
		if err := CheckJWTKey(bad); err == nil || strings.TrimSpace(err.Error()) == "" {
			t.Errorf("CheckJWTKey(%q) = %v, want an error", bad, err)
		}
	}
}
