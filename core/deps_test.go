package core

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// core stays pure Go and portable: it builds for wasip1, and neither the
// native nor the wasip1 build links goja, wazero, os/exec or net/http (the
// net/http adapter is native-only and kept out of the wasm guest). The
// wasip1 build parses and checks RSA keys without crypto/x509, crypto/rsa,
// encoding/asn1 or math/big (keys_der.go, keys_rsaverify.go), and hashes
// without the standard library's FIPS 140 module (internal/digest).
func TestCoreDependencies(t *testing.T) {
	for _, goos := range []string{"linux", "wasip1"} {
		cmd := exec.Command("go", "list", "-deps", ".")
		cmd.Env = append(os.Environ(), "GOOS="+goos)
		if goos == "wasip1" {
			cmd.Env = append(cmd.Env, "GOARCH=wasm")
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go list (GOOS=%s): %v\n%s", goos, err, out)
		}
		deps := strings.Fields(string(out))
		for _, d := range deps {
			switch {
			case strings.Contains(d, "dop251/goja"), strings.Contains(d, "tetratelabs/wazero"), d == "os/exec":
				t.Errorf("GOOS=%s: core depends on %s", goos, d)
			case goos == "wasip1" && (d == "net/http" || d == "crypto/x509" || d == "crypto/rsa" || d == "encoding/asn1" || d == "math/big"):
				t.Errorf("GOOS=wasip1: core links %s, which bloats the wasm module", d)
			case goos == "wasip1" && (strings.HasPrefix(d, "crypto/internal/fips140/") && d != "crypto/internal/fips140/subtle" && d != "crypto/internal/fips140/alias" ||
				d == "crypto/cipher" || d == "crypto/internal/boring"):
				// crypto/sha1, sha256, sha512 and hmac import these, whose
				// init-time self-tests keep AES, GCM, the DRBG and SHA-3 in
				// the module (0.2 MB): core hashes with internal/digest.
				t.Errorf("GOOS=wasip1: core links %s (the FIPS 140 module; use internal/digest, not crypto/sha*, crypto/hmac)", d)
			}
		}
	}
	cmd := exec.Command("go", "build", "-o", os.DevNull, ".")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("core does not build for wasip1: %v\n%s", err, out)
	}
}
