package clerkwasm

import (
	"io"
	"net/http"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/clerkscript/clerkscript/core"
)

// Options configure a Host. Only Module is required.
type Options struct {
	// Module is the compiled plugin (clerk.wasm), built with
	// `clerkscript wasm build` or
	// `GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared ./wasm/guest`.
	Module []byte

	// SecretKey is the Backend API secret key. It is used only by the
	// host's HTTP function, which adds it to the guest's requests: it never
	// enters guest memory. Needed for Call and for JWKS-based verification.
	SecretKey string
	// APIURL is the only base URL the guest's requests may go to (default
	// https://api.clerk.com); the path version is v1.
	APIURL string
	// HTTPClient sends the Backend API requests. It is copied and its
	// CheckRedirect replaced: a redirect is handed back to the guest, never
	// followed, because following it would send the secret key elsewhere.
	HTTPClient *http.Client
	// Retry is the retry policy of those requests (default
	// core.DefaultRetryConfig: 429 and 503 honoured with Retry-After, writes
	// never replayed once sent).
	Retry *core.RetryConfig
	// RateLimit caps Backend API requests per second across all instances
	// (Clerk's limit is per secret key); 0 means no limit. It is counted
	// as Clerk counts, over a sliding window: RateBurst requests (default
	// 1) per RateBurst/RateLimit seconds, so RateLimit 10 with RateBurst
	// 100 is Clerk's development limit of 100 per 10 s. A 429's
	// Retry-After pauses every instance. (The limiter is the job runner's,
	// internal/ratelimit.)
	RateLimit float64
	RateBurst int

	// JWTKey is the instance's PEM public key for networkless verification;
	// without it the guest loads the JWKS through the host (GET /v1/jwks).
	JWTKey            string
	AuthorizedParties []string
	Audience          []string
	// ClockSkew is the leeway of exp/nbf/iat: 0 means Clerk's 5 s,
	// core.NoClockSkew means none.
	ClockSkew time.Duration
	// Issuer, when set, must equal the iss claim.
	Issuer string
	// TokenCacheSize bounds each instance's verified-token cache and the
	// host's decoded-claims cache (default 10 000 entries); negative
	// disables them. Each is also bounded in bytes (4 KiB per entry; the
	// guest's at most 16 MiB) and keeps no token over 16 KiB.
	TokenCacheSize int

	// PublishableKey, Domain, IsSatellite, ProxyURL, SignInURL and
	// AcceptsToken configure AuthenticateRequest as in @clerk/backend.
	PublishableKey string
	Domain         string
	IsSatellite    bool
	// SatelliteAutoSync: a satellite page load without cookies syncs with
	// the primary instead of answering signed-out.
	SatelliteAutoSync bool
	ProxyURL          string
	SignInURL         string
	AcceptsToken      []string

	// PoolSize is the number of instances, each serving one call at a time
	// (default GOMAXPROCS). Size it to the concurrency wanted: an instance
	// waiting on a Backend API request is busy.
	PoolSize int
	// CompilationCacheDir keeps wazero's compiled code between processes:
	// the first compile of the plugin takes seconds, a cached one a tenth
	// of that. Empty means DefaultCompilationCacheDir() (in the user cache
	// directory); when that cannot be created, New compiles in memory.
	CompilationCacheDir string
	// NoCompilationCache compiles in memory, in every process, instead of
	// using a compilation cache directory.
	NoCompilationCache bool
	// CompilationCache and InterruptibleCompilationCache, when set, are
	// used instead of CompilationCacheDir for the fast and the
	// interruptible pool: Hosts sharing them in a process compile the
	// module once per pool. They must be two different caches (wazero keys
	// compiled code by module hash only, not by the termination checks one
	// pool has and the other lacks). The caller closes them after the Hosts.
	CompilationCache              wazero.CompilationCache
	InterruptibleCompilationCache wazero.CompilationCache
	// MemoryLimitMiB caps each instance's linear memory (default 256). Go
	// guests die with "out of memory" at the cap, so leave headroom over
	// the ~8 MiB an instance uses; the instance is then replaced. A
	// Backend API response larger than MemoryLimitMiB/8 (as JSON, the body
	// in base64) is refused by the host rather than handed to the guest.
	MemoryLimitMiB uint32
	// MemoryCapacityFromMax gives each instance's linear memory its full
	// MemoryLimitMiB of capacity when it is created, so that the guest
	// growing its memory never copies it (wazero otherwise reallocates and
	// copies the whole memory on every growth, about 10 MB while a Go
	// guest starts). The capacity is address space: in a fresh process the
	// pages are touched only as the guest uses them. It suits a
	// short-lived process with one instance (clerkscript wasm verify sets
	// it). A long-lived host should leave it off: the Go runtime counts
	// each instance's whole capacity as heap (GOGC, GOMEMLIMIT), and
	// zeroes all of it when it reuses freed memory for a replacement
	// instance (measured: 2.5 s per instance instead of 80 ms). A module
	// declaring a maximum memory above MemoryLimitMiB is refused with it
	// (without it, the maximum is lowered to the limit); Go modules
	// declare none.
	MemoryCapacityFromMax bool
	// CallTimeout bounds each call, Backend API requests included (default
	// 30 s); the caller's context can only shorten it. In Call and
	// VerifyWebhook a guest still running at the deadline is stopped and
	// its instance replaced. Verification and AuthenticateRequest run
	// without wazero's termination checks (they cost 5-20x) unless
	// InterruptibleOnly is set: their guest work is bounded by the input
	// limits, and their waits (JWKS, machine tokens, a WASI sleep) end at
	// the deadline.
	CallTimeout time.Duration
	// InterruptibleOnly runs every export with wazero's termination checks,
	// so that CallTimeout stops even a guest spinning in a verification
	// export. Without it, verification and AuthenticateRequest run without
	// the checks (5-20x faster), trusting the module to return: a module
	// that spins there cannot be stopped, and holds up the process's
	// garbage collector until it returns. Set it for modules not built from
	// this source.
	InterruptibleOnly bool
	// MaxCallsPerInstance recycles an instance after that many calls
	// (default 100 000), because linear memory never shrinks.
	MaxCallsPerInstance int

	// Now replaces the clock the guest sees (default time.Now). Tests use
	// it; production hosts leave it nil, which gives the guest the real
	// clock rather than wazero's fake default.
	Now func() time.Time
	// DisableSignatureCheck makes the host decline every check_rsa, so the
	// guest verifies signatures in pure Go, as on a host without the import.
	DisableSignatureCheck bool
	// Stderr receives the guest's stderr (Go runtime crash reports);
	// default discarded.
	Stderr io.Writer
}

func (o Options) withDefaults() Options {
	if o.APIURL == "" {
		o.APIURL = core.DefaultAPIURL
	}
	if o.PoolSize <= 0 {
		o.PoolSize = defaultPoolSize()
	}
	if o.MemoryLimitMiB == 0 {
		o.MemoryLimitMiB = 256
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 30 * time.Second
	}
	if o.MaxCallsPerInstance <= 0 {
		o.MaxCallsPerInstance = 100_000
	}
	if o.RateLimit > 0 && o.RateBurst <= 0 {
		o.RateBurst = 1
	}
	if o.Stderr == nil {
		o.Stderr = io.Discard
	}
	return o
}
