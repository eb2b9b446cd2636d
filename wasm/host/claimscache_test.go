package clerkwasm

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// One valid token padded with '=' up to the 256 KiB limit, 1 200 ways:
// every spelling verifies (as with @clerk/backend), and the host's claims
// cache and the guest's result cache each hold one entry, so neither the
// host heap nor the guest's linear memory grows with the spellings (the
// guest used to keep each one and trap at its memory limit).
func TestPaddedSpellingsShareOneCacheEntry(t *testing.T) {
	for _, jsonPath := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", jsonPath), func(t *testing.T) {
			// A fixed clock: however long the 1 300 calls take, the token
			// stays valid.
			h := newHost(t, Options{JWTKey: testkeys.Primary.PublicPEM(), PoolSize: 1,
				Now: func() time.Time { return fixedNow }})
			h.fast.hasCheck = h.fast.hasCheck && !jsonPath
			tok := testkeys.Mint(claimsAt(fixedNow, func(c map[string]any) { c["pad"] = strings.Repeat("x", 8<<10) }), "", "")
			room := maxTokenLen - len(tok)
			ctx := context.Background()
			n := 1200
			if jsonPath {
				n = 300 // the guest side is the same; this checks the host's result-keyed cache
			}
			for i := range n {
				variant := tok + strings.Repeat("=", i*room/n)
				c, err := h.VerifyToken(ctx, variant)
				if err != nil || c.Subject == "" {
					t.Fatalf("spelling %d (%d bytes): %v", i, len(variant), err)
				}
			}
			bytes, bound := h.claims.size()
			if n := len(h.claims.m); n != 1 || bytes > bound {
				t.Fatalf("claims cache: %d entries, %d bytes (bound %d)", n, bytes, bound)
			}
			if d := h.discarded.Load(); d != 0 {
				t.Fatalf("%d instances discarded: the guest failed", d)
			}
		})
	}
}

// Distinct large keys fill the host's claims cache up to its byte bound,
// whatever its entry count allows.
func TestClaimsCacheBoundedInBytes(t *testing.T) {
	for _, size := range []int{1, 100, 10000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			var c claimsCache
			c.init(size)
			cl := &core.Claims{Subject: "user_1"}
			big := strings.Repeat("t", 14<<10)
			for i := range 1200 {
				key := []byte(fmt.Sprintf("%s.%d", big, i))
				c.put(key, cl)
				if b, bound := c.size(); b > bound || len(c.m) > size {
					t.Fatalf("after %d keys: %d bytes (bound %d), %d entries", i+1, b, bound, len(c.m))
				}
				if c.get(key) != cl {
					t.Fatalf("key %d not cached", i)
				}
			}
			sum := 0
			for k := range c.m {
				sum += len(k)
			}
			if b, _ := c.size(); sum > b {
				t.Fatalf("keys hold %d bytes, accounted %d", sum, b)
			}
			huge := []byte(strings.Repeat("h", abi.MaxCachedToken+1))
			c.put(huge, cl)
			if c.get(huge) != nil {
				t.Fatal("a key over MaxCachedToken was cached")
			}
		})
	}
}
