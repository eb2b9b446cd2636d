package core_test

import (
	"context"
	"fmt"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// Verifying a session token with the instance's PEM key (CLERK_JWT_KEY)
// needs no network. One Verifier per process shares its caches.
func ExampleVerifier_Verify() {
	now := time.Unix(1_750_000_000, 0)
	token := testkeys.Primary.Mint(testkeys.SessionClaims(now), "RS256")

	v := core.NewVerifier(core.VerifierConfig{})
	claims, err := v.Verify(context.Background(), token, core.VerifyOptions{
		JWTKey:            testkeys.Primary.PublicPEM(),
		AuthorizedParties: []string{"https://app.example.com"},
		Now:               func() time.Time { return now },
	})
	if err != nil {
		fmt.Println("signed out:", core.TokenErrorReason(err))
		return
	}
	fmt.Println(claims.Subject, claims.SessionID)

	// An hour later the same token is expired, cache or not.
	_, err = v.Verify(context.Background(), token, core.VerifyOptions{
		JWTKey: testkeys.Primary.PublicPEM(),
		Now:    func() time.Time { return now.Add(time.Hour) },
	})
	fmt.Println(core.TokenErrorReason(err))
	// Output:
	// user_2abcDEFghiJKLmnoPQRstuVWXyz sess_2abcDEFghiJKLmnoPQRstuVWXyz
	// token-expired
}
