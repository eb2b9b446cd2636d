package emulator_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
)

// The emulator in a test: a stateful Clerk Backend API on loopback, with a
// fault injected exactly where the test wants it. In a Go test,
// emulatortest.Start(t) does the first lines (without rate limits) and closes
// the server when the test ends.
func ExampleNew() {
	em, err := emulator.New(emulator.WithSeed(1))
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(em)
	defer srv.Close()
	c := core.NewClient(core.DefaultClientConfig().WithSecretKey(em.SecretKey()).WithAPIURL(srv.URL))
	ctx := context.Background()

	// The next users.create is processed, then the connection fails: the
	// client cannot know whether the user exists, so it does not replay
	// the write (that could create a duplicate) and returns the error.
	if err := em.Inject("users.create", emulator.FaultAppliedReset, 1); err != nil {
		panic(err)
	}
	_, err = c.Users.Create(ctx, &core.UsersCreateParams{EmailAddress: []string{"ada@example.com"}, ExternalID: core.String("crm-42")})
	fmt.Println("create failed:", err != nil)

	// Reconcile: look the user up by external ID before trying again.
	found, err := c.Users.List(ctx, &core.UsersListParams{ExternalID: []string{"crm-42"}})
	if err != nil {
		panic(err)
	}
	fmt.Println("already created:", len(found) == 1)
	// Output:
	// create failed: true
	// already created: true
}
