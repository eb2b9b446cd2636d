package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator/emulatortest"
)

// Paginate over the emulator's three list shapes: /users walks with the
// starting_after cursor, invitations are a bare array turned into
// {data,total_count} by paginated=true, organizations are a {data,total_count}
// list. Every item comes back exactly once.
func TestPaginateAgainstEmulator(t *testing.T) {
	in := emulatortest.Start(t)
	ctx := context.Background()
	const n = 23
	for i := range n {
		email := fmt.Sprintf("p%02d@example.com", i)
		if _, err := in.Client.Call(ctx, "users.create", map[string]any{"email_address": []string{email}, "skip_password_requirement": true}); err != nil {
			t.Fatal(err)
		}
		if _, err := in.Client.Call(ctx, "invitations.create", map[string]any{"email_address": "i" + email, "notify": false}); err != nil {
			t.Fatal(err)
		}
		if _, err := in.Client.Call(ctx, "organizations.create", map[string]any{"name": fmt.Sprintf("Org %02d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		op     string
		params map[string]any
	}{
		{"users.list", map[string]any{"limit": 5}},
		{"users.list", map[string]any{"limit": 5, "order_by": "+created_at"}},
		{"users.list", map[string]any{"limit": 5, "order_by": "email_address"}}, // offset walk
		{"invitations.list", map[string]any{"limit": 4}},
		{"organizations.list", map[string]any{"limit": 7}},
	} {
		seen := map[string]bool{}
		for item, err := range in.Client.Paginate(ctx, tc.op, tc.params) {
			if err != nil {
				t.Fatalf("%s %v: %v", tc.op, tc.params, err)
			}
			var v struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(item, &v); err != nil || v.ID == "" {
				t.Fatalf("%s: item %s", tc.op, item)
			}
			if seen[v.ID] {
				t.Fatalf("%s %v: %s yielded twice", tc.op, tc.params, v.ID)
			}
			seen[v.ID] = true
		}
		if len(seen) != n {
			t.Errorf("%s %v: %d items, want %d", tc.op, tc.params, len(seen), n)
		}
	}
	// Stopping early stops requesting pages.
	count := 0
	for range in.Client.Paginate(ctx, "users.list", map[string]any{"limit": 2}) {
		count++
		if count == 3 {
			break
		}
	}
	if count != 3 {
		t.Fatalf("early stop: %d", count)
	}
}

// Page sizes come from the spec's maximum on each list's limit parameter.
func TestPageSizeFromSpec(t *testing.T) {
	for name, want := range map[string]int64{"users.list": 500, "apiKeys.list": 100, "invitations.list": 500} {
		op, ok := core.LookupOperation(name)
		if !ok {
			t.Fatalf("%s missing", name)
		}
		if p := op.Param("limit"); p == nil || p.Max != want {
			t.Errorf("%s: limit %+v, want Max %d", name, p, want)
		}
	}
}

// The typed iterators walk the same pages and yield models: c.Users.All
// gives core.User, path parameters (an organization's memberships) are
// merged into the params, and breaking out of the loop stops the walk.
func TestTypedIteratorsAgainstEmulator(t *testing.T) {
	in := emulatortest.Start(t)
	ctx := context.Background()
	const n = 12
	var userIDs []string
	for i := range n {
		u, err := in.Client.Users.Create(ctx, &core.UsersCreateParams{EmailAddress: []string{fmt.Sprintf("t%02d@example.com", i)}, SkipPasswordRequirement: core.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		userIDs = append(userIDs, u.ID)
	}
	org, err := in.Client.Organizations.Create(ctx, &core.OrganizationsCreateParams{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range userIDs[:7] {
		if _, err := in.Client.OrganizationMemberships.Create(ctx, org.ID, &core.OrganizationMembershipsCreateParams{UserID: id, Role: "org:member"}); err != nil {
			t.Fatal(err)
		}
	}

	seen := map[string]bool{}
	for u, err := range in.Client.Users.All(ctx, &core.UsersListParams{Limit: core.Int64(5)}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[u.ID] || len(u.EmailAddresses) != 1 {
			t.Fatalf("user %s yielded twice or without its email: %+v", u.ID, u)
		}
		seen[u.ID] = true
	}
	if len(seen) != n {
		t.Errorf("Users.All yielded %d users, want %d", len(seen), n)
	}

	members := 0
	for m, err := range in.Client.OrganizationMemberships.All(ctx, org.ID, &core.OrganizationMembershipsListParams{Limit: core.Int64(3)}) {
		if err != nil {
			t.Fatal(err)
		}
		if m.Organization.ID != org.ID {
			t.Fatalf("membership of %s, want %s", m.Organization.ID, org.ID)
		}
		members++
	}
	if members != 7 {
		t.Errorf("OrganizationMemberships.All yielded %d, want 7", members)
	}

	// Breaking early stops after the first page: no error, no more calls.
	got := 0
	for _, err := range in.Client.Users.All(ctx, &core.UsersListParams{Limit: core.Int64(2)}) {
		if err != nil {
			t.Fatal(err)
		}
		got++
		if got == 3 {
			break
		}
	}
	if got != 3 {
		t.Errorf("stopped after %d, want 3", got)
	}

	// A wrong path argument comes back as the API's error, yielded once.
	errs := 0
	for _, err := range in.Client.OrganizationMemberships.All(ctx, "org_missing", nil) {
		if !core.IsNotFound(err) {
			t.Errorf("want not found, got %v", err)
		}
		errs++
	}
	if errs != 1 {
		t.Errorf("%d errors yielded, want 1", errs)
	}
}
