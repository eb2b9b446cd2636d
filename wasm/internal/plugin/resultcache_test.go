package plugin

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// Padded spellings of one token (trailing '=' verifies like none) share one
// entry of the result cache.
func TestResultCachePaddingVariantsShareAnEntry(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	cl := &core.Claims{Expiry: now.Unix() + 60}
	c := newResultCache(10000, cacheBytes(10000), 5*time.Second)
	tok := "eyJh.eyJz." + strings.Repeat("s", 342)
	out := []byte(`{"ok":true,"result":{"sub":"user_1"}}`)
	pad := strings.Repeat("=", 1300)
	for i := 0; i <= 1300; i++ {
		if c.get([]byte(tok+pad[:i]), now) == nil {
			c.put(tok+pad[:i], out, cl, now)
		}
	}
	if len(c.entries) != 1 || c.bytes != resultCost(tok, out) {
		t.Fatalf("%d entries, %d bytes; want 1 entry of %d", len(c.entries), c.bytes, resultCost(tok, out))
	}
	if c.get([]byte(tok+"=="), now) == nil || c.get([]byte(tok), now) == nil {
		t.Fatal("a spelling missed")
	}
}

// Distinct large tokens fill the cache up to its byte bound, whatever its
// entry count allows; tokens over abi.MaxCachedToken are not kept.
func TestResultCacheBoundedInBytes(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	cl := &core.Claims{Expiry: now.Unix() + 60}
	for _, size := range []int{1, 100, 10000, 1_000_000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			c := newResultCache(size, cacheBytes(size), 0)
			if c.maxBytes > maxGuestCacheBytes {
				t.Fatalf("bound %d over %d", c.maxBytes, maxGuestCacheBytes)
			}
			big := strings.Repeat("t", 14<<10)
			out := make([]byte, 2<<10)
			for i := range 1200 {
				tok := fmt.Sprintf("%s.%d", big, i)
				c.put(tok, out, cl, now)
				if c.bytes > c.maxBytes || len(c.entries) > size {
					t.Fatalf("after %d tokens: %d bytes (bound %d), %d entries (bound %d)",
						i+1, c.bytes, c.maxBytes, len(c.entries), size)
				}
				if c.get([]byte(tok), now) == nil {
					t.Fatalf("token %d not cached", i)
				}
			}
			sum := 0
			for k, e := range c.entries {
				sum += len(k) + len(e.out)
			}
			if sum > c.bytes {
				t.Fatalf("entries hold %d bytes, accounted %d", sum, c.bytes)
			}
			c.put(strings.Repeat("h", 17<<10), out, cl, now)
			if c.get([]byte(strings.Repeat("h", 17<<10)), now) != nil {
				t.Fatal("a token over MaxCachedToken was cached")
			}
			// Expiry removes entries from the accounting too.
			later := now.Add(2 * resultMaxAge)
			for k := range c.entries {
				c.get([]byte(k), later)
			}
			if len(c.entries) != 0 || c.bytes != 0 {
				t.Fatalf("after expiry: %d entries, %d bytes", len(c.entries), c.bytes)
			}
		})
	}
}
