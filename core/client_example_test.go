package core_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
)

// The typed services and the generic Call reach the same operations; errors
// are *core.APIError with Clerk's codes.
func ExampleClient() {
	em, _ := emulator.New(emulator.WithSecretKey("sk_test_example"))
	srv := httptest.NewServer(em)
	defer srv.Close()

	ctx := context.Background()
	c := core.NewClient(core.NewClientConfig().WithSecretKey("sk_test_example").WithAPIURL(srv.URL))

	u, err := c.Users.Create(ctx, &core.UsersCreateParams{
		EmailAddress: []string{"ada@example.com"},
		ExternalID:   core.Ptr("legacy-1"),
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(*u.ExternalID, u.EmailAddresses[0].EmailAddress)

	// The same address again: Clerk answers 422 form_identifier_exists.
	_, err = c.Call(ctx, "users.create", map[string]any{"email_address": []string{"ada@example.com"}})
	fmt.Println(core.IsIdentifierExists(err))

	// Any list, every page, one item at a time.
	n := 0
	for _, err := range c.Paginate(ctx, "users.list", map[string]any{"external_id": []string{"legacy-1"}}) {
		if err != nil {
			panic(err)
		}
		n++
	}
	fmt.Println(n, "user")
	// Output:
	// legacy-1 ada@example.com
	// true
	// 1 user
}
