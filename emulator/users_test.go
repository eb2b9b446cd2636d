package emulator

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// Setting external_id to "" clears it, as an empty external_id on create
// does, rather than making "" an id that only one user may hold.
func TestUpdateEmptyExternalIDClears(t *testing.T) {
	h := newHarness(t)
	a := str(h.obj("users.create", map[string]any{"external_id": "a"})["id"])
	b := str(h.obj("users.create", map[string]any{"external_id": "b"})["id"])
	ua := h.obj("users.update", map[string]any{"user_id": a, "external_id": ""})
	if ua["external_id"] != nil {
		t.Fatalf("external_id after clearing with \"\": %v", ua["external_id"])
	}
	ub := h.obj("users.update", map[string]any{"user_id": b, "external_id": ""})
	if ub["external_id"] != nil {
		t.Fatalf("second user's external_id after clearing with \"\": %v", ub["external_id"])
	}
}

// Many clients at once: every identifier stays unique (emails compared
// without case), and a cursor walk over /users made while other clients
// create users sees every user that existed before it started exactly once.
func TestConcurrentClientsKeepUniquenessAndCursor(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const before = 40
	existing := map[string]bool{}
	for i := range before {
		u := h.obj("users.create", map[string]any{"external_id": fmt.Sprint("pre", i)})
		existing[str(u["id"])] = true
	}
	var wg sync.WaitGroup
	var wins atomic.Int64
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every client races for the same address, username and
			// external id, each spelled differently.
			email := "Race@Example.com"
			if i%2 == 1 {
				email = strings.ToLower(email)
			}
			_, err := h.in.Client.Call(ctx, "users.create", map[string]any{
				"email_address": []string{email}, "username": fmt.Sprintf("racer_%c", 'a'+i%2*('A'-'a')),
				"external_id": fmt.Sprint("racer-", i),
			}, core.WithRetry(core.RetryConfig{Disabled: true}))
			if err == nil {
				wins.Add(1)
			} else if !core.HasErrorCode(err, "form_identifier_exists") {
				t.Errorf("racing create: %v", err)
			}
			for j := range 5 {
				_, _ = h.in.Client.Call(ctx, "users.create", map[string]any{"external_id": fmt.Sprintf("bg-%d-%d", i, j)})
			}
		}()
	}
	seen := map[string]int{}
	after := ""
	for {
		p := map[string]any{"limit": 7}
		if after != "" {
			p["starting_after"] = after
		}
		raw, err := h.in.Client.Call(ctx, "users.list", p)
		if err != nil {
			t.Fatal(err)
		}
		var page []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			seen[u.ID]++
		}
		if len(page) < 7 {
			break
		}
		after = page[len(page)-1].ID
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent creates with the same email address succeeded, want 1", wins.Load())
	}
	for id := range existing {
		if seen[id] != 1 {
			t.Errorf("user %s seen %d times in the cursor walk", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("user %s seen %d times", id, n)
		}
	}
}
