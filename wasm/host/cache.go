package clerkwasm

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// DefaultCompilationCacheDir is where New keeps compiled code when
// Options.CompilationCacheDir is empty: clerkscript/wasm/<key> under the
// user cache directory ($XDG_CACHE_HOME or ~/.cache on Linux,
// ~/Library/Caches on macOS, %LocalAppData% on Windows), or "" when there
// is none.
//
// The key names the wazero version and the platform, so that another
// wazero (whose compiled code has another layout) never reads this one's
// files; inside, wazero keys each compiled module by the SHA-256 of the
// module's bytes and the CPU's features, so a rebuilt or different module
// compiles afresh and never reuses stale code. A wazero built from a
// source tree without a version (a replace directive, a workspace) gets a
// key derived from the running executable instead of a shared "dev".
func DefaultCompilationCacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil || base == "" {
		return ""
	}
	return filepath.Join(base, "clerkscript", "wasm", cacheKey())
}

func cacheKey() string {
	return "wazero-" + wazeroVersion() + "-" + runtime.GOOS + "-" + runtime.GOARCH
}

// wazeroVersion is the version of wazero linked into this program with
// its module checksum, or a fingerprint of the executable when the build
// carries no version.
func wazeroVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, d := range info.Deps {
			if d.Path != "github.com/tetratelabs/wazero" {
				continue
			}
			if d.Replace != nil {
				d = d.Replace
			}
			if d.Version != "" && d.Version != "(devel)" {
				v := d.Version
				if d.Sum != "" {
					h := sha256.Sum256([]byte(d.Sum))
					v += "-" + hex.EncodeToString(h[:4])
				}
				return sanitize(v)
			}
		}
	}
	return "dev-" + executableFingerprint()
}

func executableFingerprint() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	st, err := os.Stat(exe)
	if err != nil {
		return "unknown"
	}
	h := sha256.Sum256([]byte(exe + "\x00" + strconv.FormatInt(st.Size(), 10) + "\x00" + st.ModTime().String()))
	return hex.EncodeToString(h[:6])
}

// sanitize keeps a version usable as a path element.
func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '+' || r == '_' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}
