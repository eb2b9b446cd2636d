package core_test

import (
	"context"
	"fmt"

	"github.com/clerkscript/clerkscript/core"
)

// Verifying a session token with the instance's PEM public key
// (CLERK_JWT_KEY, shown in the Clerk dashboard under API keys) needs no
// network. One Verifier per process shares its caches. Here the emulator
// plays the Clerk instance: it signs the session token and gives its key.
func ExampleVerifier_Verify() {
	em, c, stop := localClerk()
	defer stop()
	ctx := context.Background()
	u, err := c.Users.Create(ctx, &core.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	if err != nil {
		panic(err)
	}
	s, err := c.Sessions.Create(ctx, &core.SessionsCreateParams{UserID: u.ID})
	if err != nil {
		panic(err)
	}
	tok, err := c.Sessions.CreateToken(ctx, s.ID, nil)
	if err != nil {
		panic(err)
	}

	v := core.NewVerifier(core.VerifierConfig{})
	claims, err := v.Verify(ctx, tok.JWT, core.VerifyOptions{JWTKey: em.PublicKeyPEM()})
	if err != nil {
		fmt.Println("signed out:", core.TokenErrorReason(err))
		return
	}
	fmt.Println(claims.Subject == u.ID, claims.SessionID == s.ID)

	// A tampered token is rejected with Clerk's reason code.
	_, err = v.Verify(ctx, tok.JWT[:len(tok.JWT)-4]+"AAAA", core.VerifyOptions{JWTKey: em.PublicKeyPEM()})
	fmt.Println(core.TokenErrorReason(err))
	// Output:
	// true true
	// token-invalid-signature
}
