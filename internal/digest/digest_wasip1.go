//go:build wasip1

package digest

// Sum1 returns the SHA-1 digest of data.
func Sum1(data []byte) [Size1]byte { return goSum1(data) }

// Sum256 returns the SHA-256 digest of data.
func Sum256(data []byte) [Size256]byte { return goSum256(data) }

// Sum384 returns the SHA-384 digest of data.
func Sum384(data []byte) [Size384]byte { return goSum384(data) }

// Sum512 returns the SHA-512 digest of data.
func Sum512(data []byte) [Size512]byte { return goSum512(data) }

// HMAC256 is a running HMAC-SHA256.
type HMAC256 = goHMAC256

// NewHMAC256 returns an HMAC-SHA256 keyed with key, ready for Write.
func NewHMAC256(key []byte) HMAC256 { return newGoHMAC256(key) }
