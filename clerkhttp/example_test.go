package clerkhttp_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/clerkscript/clerkscript/clerkhttp"
	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
)

// The middleware authenticates every request as @clerk/backend's
// authenticateRequest does and puts the auth object in the context.
// Signed-out requests go on unless RequireAuth: handlers decide. Here the
// emulator plays the Clerk instance and issues the session token; in
// production the options come from CLERK_SECRET_KEY, CLERK_JWT_KEY and
// CLERK_PUBLISHABLE_KEY.
func Example() {
	em, _ := emulator.New(emulator.WithoutRateLimits())
	clerk := httptest.NewServer(em)
	defer clerk.Close()

	mw, err := clerkhttp.New(core.AuthenticateOptions{
		SecretKey:      em.SecretKey(),
		JWTKey:         em.PublicKeyPEM(), // networkless verification
		PublishableKey: em.PublishableKey(),
	}, clerkhttp.RequireAuth())
	if err != nil {
		panic(err) // a configuration mistake, reported once
	}
	app := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth, _ := clerkhttp.AuthFromContext(r.Context())
		fmt.Fprintf(w, "hello %s", auth.UserID)
	}))

	// A signed-in user's session token, as a browser would send it.
	ctx := context.Background()
	c := core.NewClient(core.DefaultClientConfig().WithSecretKey(em.SecretKey()).WithAPIURL(clerk.URL))
	u, _ := c.Users.Create(ctx, &core.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	s, _ := c.Sessions.Create(ctx, &core.SessionsCreateParams{UserID: u.ID})
	tok, _ := c.Sessions.CreateToken(ctx, s.ID, nil)

	for _, auth := range []string{"Bearer " + tok.JWT, ""} {
		req := httptest.NewRequest("GET", "https://api.example.com/me", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		app.ServeHTTP(rec, req)
		fmt.Printf("%d %v %q\n", rec.Code, rec.Body.String() == "hello "+u.ID, rec.Header().Get("X-Clerk-Auth-Reason"))
	}
	// Output:
	// 200 true ""
	// 401 false "dev-browser-missing"
}
