package clerkwasm_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	clerkwasm "github.com/clerkscript/clerkscript/wasm/host"
)

// A Go host verifying requests through the plugin.
func Example() {
	ctx := context.Background()
	wasm, err := os.ReadFile("clerk.wasm") // clerkscript wasm build -o clerk.wasm
	if err != nil {
		log.Fatal(err)
	}
	h, err := clerkwasm.New(ctx, clerkwasm.Options{Module: wasm,
		JWTKey:            os.Getenv("CLERK_JWT_KEY"),    // networkless; else the JWKS via the secret key
		SecretKey:         os.Getenv("CLERK_SECRET_KEY"), // stays in the host, never in the guest
		AuthorizedParties: []string{"https://app.example.com"}})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close(ctx)
	http.Handle("/api/", h.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := clerkwasm.ClaimsFromContext(r.Context())
		fmt.Fprintln(w, "hello", claims.Subject)
	}), clerkwasm.RequireAuth()))
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", nil))
}
