//go:build wasip1

package plugin

import "github.com/clerkscript/clerkscript/core"

// ModulusBytes returns pub's modulus as big-endian bytes without leading
// zeros (in the guest, core keeps the key in that form).
func ModulusBytes(pub *core.RSAPublicKey) []byte { return pub.Modulus }
