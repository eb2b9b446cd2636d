package core

import (
	"hash/maphash"
	"strings"
	"sync"
	"sync/atomic"
)

// tokenCache is the verified-token cache: exact token string -> claims and
// the key that verified them. A session token is sent with every request of
// a session, so most verifications are repeats; a hit costs a map lookup and
// the claim checks instead of an RSA operation.
//
// It is bounded; eviction is CLOCK (second chance), which approximates LRU
// while a hit takes no lock at all (a lock-free sync.Map load and an atomic
// flag): with a mutex, even a read lock, concurrent hits on one popular token
// would contend on one cache line.
type tokenCache struct {
	shards []tokenShard
	per    int // capacity of each shard
	seed   maphash.Seed
}

type tokenShard struct {
	m    sync.Map   // string -> *tokenEntry
	mu   sync.Mutex // guards ring, hand and writes to m
	ring []string   // every key of m exactly once; the CLOCK hand sweeps it
	hand int
	_    [32]byte // keep shards' locks on separate cache lines
}

type tokenEntry struct {
	claims *Claims
	key    *verifyKey
	used   atomic.Bool
	dead   atomic.Bool
}

// Tokens longer than this are verified but not cached: a cache of 10 000
// entries must not be turned into gigabytes by oversized tokens.
const maxCachedTokenLength = 16 << 10

func newTokenCache(size int) *tokenCache {
	if size <= 0 {
		return nil
	}
	n := 1
	if size >= 1024 {
		n = 16
	}
	c := &tokenCache{shards: make([]tokenShard, n), per: (size + n - 1) / n, seed: maphash.MakeSeed()}
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
	if c == nil || len(token) > maxCachedTokenLength {
		return
	}
	e := &tokenEntry{claims: claims, key: key}
	s := c.shard(token)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m.Load(token); ok {
		s.m.Store(token, e)
		return
	}
	// Own the key: token may be a slice of a larger header string.
	token = strings.Clone(token)
	if len(s.ring) < c.per {
		s.m.Store(token, e)
		s.ring = append(s.ring, token)
		return
	}
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
		s.ring[s.hand] = token
		s.m.Store(token, e)
		s.hand++
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
