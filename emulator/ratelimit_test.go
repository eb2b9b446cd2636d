package emulator

import (
	"fmt"
	"net/http"
	"testing"
	"time"
)

// Per-user rate windows are keyed by a path parameter the caller chooses;
// ended windows must not pile up forever (one per user id ever patched).
func TestRateWindowsDoNotAccumulate(t *testing.T) {
	e, clk := newTestEmulator(t, WithRateLimit(RateLimit{Requests: 1 << 30, Window: 10 * time.Second}))
	for round := range 4 {
		for i := range 3000 {
			w := rawDo(t, e, "PATCH", fmt.Sprintf("/v1/users/user_%d_%d/metadata", round, i), "sk_test_k", `{}`)
			if w.Code != http.StatusNotFound {
				t.Fatalf("PATCH metadata of a missing user: HTTP %d", w.Code)
			}
		}
		clk.Advance(11 * time.Second)
	}
	e.limiter.mu.Lock()
	n := len(e.limiter.windows)
	e.limiter.mu.Unlock()
	if n > 2*3000+1 {
		t.Fatalf("%d rate windows kept after 4 rounds of 3000 users, 10 s apart", n)
	}
	// The budget itself still holds at the window's edge: a user's 11th
	// update in a window is refused until exactly the window's end.
	id := "user_edge"
	for i := range 10 {
		if w := rawDo(t, e, "PATCH", "/v1/users/"+id+"/metadata", "sk_test_k", `{}`); w.Code != http.StatusNotFound {
			t.Fatalf("update %d: HTTP %d", i, w.Code)
		}
	}
	clk.Advance(10*time.Second - time.Millisecond)
	w := rawDo(t, e, "PATCH", "/v1/users/"+id+"/metadata", "sk_test_k", `{}`)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("11th update 1 ms before the window ends: HTTP %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	clk.Advance(time.Millisecond)
	if w := rawDo(t, e, "PATCH", "/v1/users/"+id+"/metadata", "sk_test_k", `{}`); w.Code != http.StatusNotFound {
		t.Fatalf("update at the window's end: HTTP %d", w.Code)
	}
}
