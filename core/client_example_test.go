package core_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
)

// localClerk runs the emulator (a local Clerk Backend API) on a loopback
// server, so that the examples run offline: in production the client is
// built from core.NewClientConfig(), which reads CLERK_SECRET_KEY.
func localClerk() (*emulator.Emulator, *core.Client, func()) {
	em, err := emulator.New(emulator.WithSecretKey("sk_test_example"), emulator.WithoutRateLimits())
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(em)
	c := core.NewClient(core.DefaultClientConfig().WithSecretKey("sk_test_example").WithAPIURL(srv.URL))
	return em, c, srv.Close
}

// The typed services and the generic Call reach the same operations; errors
// are *core.APIError with Clerk's codes.
func ExampleClient() {
	em, _ := emulator.New(emulator.WithSecretKey("sk_test_example"))
	srv := httptest.NewServer(em)
	defer srv.Close()

	ctx := context.Background()
	// DefaultClientConfig reads no environment variable; NewClientConfig
	// would take the key and URL from CLERK_SECRET_KEY and CLERK_API_URL.
	c := core.NewClient(core.DefaultClientConfig().WithSecretKey("sk_test_example").WithAPIURL(srv.URL))

	u, err := c.Users.Create(ctx, &core.UsersCreateParams{
		EmailAddress: []string{"ada@example.com"},
		ExternalID:   core.String("legacy-1"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(*u.ExternalID, u.EmailAddresses[0].EmailAddress)

	// The same address again: Clerk answers 422 form_identifier_exists.
	_, err = c.Call(ctx, "users.create", map[string]any{"email_address": []string{"ada@example.com"}})
	fmt.Println(core.IsIdentifierExists(err))

	// One page of users, typed.
	users, err := c.Users.List(ctx, &core.UsersListParams{ExternalID: []string{"legacy-1"}, Limit: core.Int64(10)})
	if err != nil {
		panic(err)
	}
	fmt.Println(len(users), "user")
	// Output:
	// legacy-1 ada@example.com
	// true
	// 1 user
}

// Every list operation has an iterator that walks all pages, one page in
// memory at a time, and yields the typed items.
func ExampleUsersService_All() {
	_, c, stop := localClerk()
	defer stop()
	ctx := context.Background()
	for _, email := range []string{"ada@example.com", "grace@example.com", "alan@example.com"} {
		if _, err := c.Users.Create(ctx, &core.UsersCreateParams{EmailAddress: []string{email}}); err != nil {
			panic(err)
		}
	}

	// Limit is the page size here; the loop sees every user.
	for u, err := range c.Users.All(ctx, &core.UsersListParams{OrderBy: core.String("+created_at"), Limit: core.Int64(2)}) {
		if err != nil {
			panic(err) // the first error ends the loop
		}
		fmt.Println(u.EmailAddresses[0].EmailAddress)
	}
	// Output:
	// ada@example.com
	// grace@example.com
	// alan@example.com
}

// A bulk invitation: 503s and 429s are retried (honouring Retry-After),
// because Clerk did not process those requests. A write that may have been
// processed (a 500, a timeout) is not replayed: the error says so, and the
// caller looks the invitations up before trying again.
func ExampleInvitationsService_BulkCreate() {
	em, c, stop := localClerk()
	defer stop()
	ctx := context.Background()

	// The next bulk request fails with 503 Retry-After: 1.
	if err := em.Inject("invitations.bulkCreate", emulator.Fault503, 1); err != nil {
		panic(err)
	}
	retry := core.DefaultRetryConfig()
	retry.MaxElapsedTime = time.Minute // give up after a minute of retries
	invs, err := c.Invitations.BulkCreate(ctx, []core.InvitationsBulkCreateItem{
		{EmailAddress: "ada@example.com", Notify: core.Bool(false)},
		{EmailAddress: "grace@example.com", Notify: core.Bool(false)},
	}, core.WithRetry(retry))
	var apiErr *core.APIError
	switch {
	case errors.As(err, &apiErr):
		fmt.Println("Clerk said", apiErr.StatusCode, apiErr.Errors)
	case err != nil:
		panic(err)
	}
	for _, inv := range invs {
		fmt.Println(inv.EmailAddress, inv.Status)
	}
	// Output:
	// ada@example.com pending
	// grace@example.com pending
}
