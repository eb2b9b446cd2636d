package plugin

import (
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// maxGuestCacheBytes caps each of the instance's two token caches (this
// result cache and core's, which serves calls with per-call options), well
// inside the default 256 MiB memory limit.
const maxGuestCacheBytes = 16 << 20

// cacheBytes is the byte bound of a token cache of size entries.
func cacheBytes(size int) int {
	if size <= 0 {
		size = 10000
	}
	return min(max(size*abi.CacheBytesPerEntry, abi.MinCacheBytes), maxGuestCacheBytes)
}

// resultCache maps a verified token to its encoded result. It sits in front
// of core's verified-token cache because, inside wasm, even a core cache
// hit pays for encoding the claims again; here a hit costs a map lookup and
// a clock read. Entries live at most maxAge so that a key removed from the
// JWKS stops being honoured after core's own cache notices. It is bounded
// in entries and in bytes (keys and results), and keyed by
// abi.TokenCacheKey, so that padded spellings of one token share an entry.
type resultCache struct {
	max      int
	maxBytes int
	bytes    int
	skew     time.Duration
	entries  map[string]*cachedResult
}

type cachedResult struct {
	out                 []byte // nil when stored by clerk_check_session_token
	expMs, nbfMs, iatMs int64  // conservative bounds in Unix ms
	storedMs            int64
	cost                int
}

const resultMaxAge = time.Minute

func newResultCache(max, maxBytes int, skew time.Duration) *resultCache {
	return &resultCache{max: max, maxBytes: maxBytes, skew: skew, entries: map[string]*cachedResult{}}
}

// resultCost estimates the bytes an entry holds: key, result, entry and map
// slot.
func resultCost(token string, out []byte) int { return len(token) + len(out) + 128 }

func (c *resultCache) remove(key string, e *cachedResult) {
	delete(c.entries, key)
	c.bytes -= e.cost
}

// get returns the entry of a token that is known and still clearly
// valid. The checks are conservative (claims were rounded to whole seconds
// when stored); a token near a boundary goes through core again, which
// decides exactly and gives Clerk's message.
func (c *resultCache) get(token []byte, now time.Time) *cachedResult {
	if c.max <= 0 {
		return nil
	}
	token = abi.TokenCacheKey(token)
	e, ok := c.entries[string(token)] // no allocation: the compiler optimises this lookup
	if !ok {
		return nil
	}
	ms := now.UnixMilli()
	skew := c.skew.Milliseconds()
	if ms-e.storedMs > resultMaxAge.Milliseconds() || ms < e.storedMs ||
		e.expMs <= ms-skew || e.nbfMs > ms+skew || e.iatMs > ms+skew {
		c.remove(string(token), e)
		return nil
	}
	return e
}

func (c *resultCache) put(token string, out []byte, cl *core.Claims, now time.Time) {
	token = strings.TrimRight(token, "=") // abi.TokenCacheKey
	if c.max <= 0 || len(token) > abi.MaxCachedToken {
		return
	}
	cost := resultCost(token, out)
	if old, ok := c.entries[token]; ok {
		c.remove(token, old)
	}
	for len(c.entries) > 0 && (len(c.entries) >= c.max || c.bytes+cost > c.maxBytes) {
		for k, v := range c.entries { // evict an arbitrary entry: map order is random
			c.remove(k, v)
			break
		}
	}
	e := &cachedResult{out: out, expMs: cl.Expiry * 1000, storedMs: now.UnixMilli(), cost: cost}
	if cl.NotBefore != 0 {
		e.nbfMs = (cl.NotBefore + 1) * 1000
	}
	if cl.IssuedAt != 0 {
		e.iatMs = (cl.IssuedAt + 1) * 1000
	}
	c.entries[strings.Clone(token)] = e // token may be a view of the input buffer
	c.bytes += cost
}
