package core

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// tokenCache is the verified-token cache: token (see cacheKey) -> claims and
// the key that verified them. A session token is sent with every request of
// a session, so most verifications are repeats; a hit costs a map lookup and
// the claim checks instead of an RSA operation.
//
// It is bounded in entries and in bytes (tokens and their claims, as
// estimated by entryCost); eviction is CLOCK (second chance), which
// approximates LRU while a hit takes no lock at all (a lock-free sync.Map
// load and an atomic flag): with a mutex, even a read lock, concurrent hits
// on one popular token would contend on one cache line.
type tokenCache struct {
	shards   []tokenShard
	per      int // entry capacity of each shard
	perBytes int // byte capacity of each shard
	seed     maphash.Seed
}

type tokenShard struct {
	m     sync.Map   // string -> *tokenEntry
	mu    sync.Mutex // guards ring, hand, bytes and writes to m
	ring  []string   // every key of m exactly once; the CLOCK hand sweeps it
	hand  int
	bytes int      // sum of the entries' costs
	_     [32]byte // keep shards' locks on separate cache lines
}

type tokenEntry struct {
	_      [0]func() // incomparable: no equality function in the wasm module
	claims *Claims
	key    *verifyKey
	cost   int
	used   atomic.Bool
	dead   atomic.Bool
}

const (
	// Tokens longer than this are verified but not cached: a cache of
	// 10 000 entries must not be turned into gigabytes by oversized tokens.
	maxCachedTokenLength = 16 << 10
	// tokenCacheBytesPerEntry is the default byte budget of the verified-
	// token cache per entry of its size: a session token is 1 to 2 KiB and
	// its claims about as much, so a full cache of ordinary tokens fits,
	// while large tokens (up to 16 KiB are cached) make it hold fewer.
	tokenCacheBytesPerEntry = 4 << 10
	// minTokenCacheBytes lets even a one-entry cache hold the largest
	// cacheable token.
	minTokenCacheBytes = 64 << 10
)

// cacheKey is the key of token in the verified-token caches. Padding at the
// end of the signature is ignored by the decoder (as by @clerk/backend's
// loose base64), so any number of trailing '=' verifies exactly as none:
// the variants share one entry instead of each taking room. (Padding on the
// header or payload changes the signed bytes, and cannot verify.) A token
// without padding, the normal case, is its own key at the cost of one
// byte comparison.
func cacheKey(token string) string {
	if n := len(token); n > 0 && token[n-1] == '=' {
		return strings.TrimRight(token, "=")
	}
	return token
}

// entryCost estimates the bytes an entry holds: the key, the claims (their
// strings alias a copy of the payload, which is shorter than the token),
// and the fixed overhead of the entry, its map slot and ring slot.
func entryCost(token string) int { return 2*len(token) + 256 }

// newTokenCache makes a cache of size entries and maxBytes bytes (0: size
// times tokenCacheBytesPerEntry).
func newTokenCache(size, maxBytes int) *tokenCache {
	if size <= 0 {
		return nil
	}
	if maxBytes <= 0 {
		maxBytes = size * tokenCacheBytesPerEntry
	}
	maxBytes = max(maxBytes, minTokenCacheBytes)
	n := 1
	if size >= 1024 && maxBytes >= 16*minTokenCacheBytes {
		n = 16
	}
	c := &tokenCache{shards: make([]tokenShard, n), per: (size + n - 1) / n, perBytes: maxBytes / n,
		seed: maphash.MakeSeed()}
	return c
}

func (c *tokenCache) shard(token string) *tokenShard {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	return &c.shards[maphash.String(c.seed, token)&uint64(len(c.shards)-1)]
}

func (c *tokenCache) get(token string) *tokenEntry {
	if c == nil {
		return nil
	}
	token = cacheKey(token)
	v, ok := c.shard(token).m.Load(token)
	if !ok {
		return nil
	}
	e := v.(*tokenEntry)
	if e.dead.Load() {
		return nil
	}
	if !e.used.Load() {
		e.used.Store(true)
	}
	return e
}

func (c *tokenCache) put(token string, claims *Claims, key *verifyKey) {
	token = cacheKey(token)
	if c == nil || len(token) > maxCachedTokenLength {
		return
	}
	e := &tokenEntry{claims: claims, key: key, cost: entryCost(token)}
	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.m.Load(token); ok {
		s.bytes += e.cost - old.(*tokenEntry).cost
		s.m.Store(token, e)
		return
	}
	// Own the key: token may be a slice of a larger header string.
	token = strings.Clone(token)
	for len(s.ring) > 0 && (len(s.ring) >= c.per || s.bytes+e.cost > c.perBytes) {
		s.evict()
	}
	s.m.Store(token, e)
	s.ring = append(s.ring, token)
	s.bytes += e.cost
}

// evict removes one entry: the first under the hand not used since the hand
// last passed (clearing the flags it passes), or a dead one. The last ring
// slot moves into the freed one, which the hand looks at next.
func (s *tokenShard) evict() {
	for {
		if s.hand >= len(s.ring) {
			s.hand = 0
		}
		victim := s.ring[s.hand]
		vv, _ := s.m.Load(victim)
		ve := vv.(*tokenEntry)
		if ve.used.Load() && !ve.dead.Load() {
			ve.used.Store(false)
			s.hand++
			continue
		}
		s.m.Delete(victim)
		s.bytes -= ve.cost
		last := len(s.ring) - 1
		s.ring[s.hand] = s.ring[last]
		s.ring[last] = ""
		s.ring = s.ring[:last]
		return
	}
}

// drop marks e dead: it stays in the ring until the hand evicts it, which
// keeps the ring and the map in step without a search.
func (c *tokenCache) drop(e *tokenEntry) {
	if c != nil && e != nil {
		e.dead.Store(true)
	}
}

// size reports the bytes the cache accounts for, and its byte bound (for
// tests).
func (c *tokenCache) size() (bytes, bound int) {
	if c == nil {
		return 0, 0
	}
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		bytes += s.bytes
		s.mu.Unlock()
	}
	return bytes, c.perBytes * len(c.shards)
}

// len reports the number of live entries (for tests).
func (c *tokenCache) len() int {
	if c == nil {
		return 0
	}
	n := 0
	for i := range c.shards {
		c.shards[i].m.Range(func(_, v any) bool {
			if !v.(*tokenEntry).dead.Load() {
				n++
			}
			return true
		})
	}
	return n
}
