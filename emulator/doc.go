// Package emulator is an in-memory, concurrency-safe Clerk instance that serves
// the Backend API under /v1 through an http.Handler, routed by core's generated
// operation table.
//
// It is meant for tests and dry runs: it keeps real state (users, invitations,
// organizations, sessions, ...), answers with the spec's shapes and Clerk's
// error codes, enforces Clerk's rate limits, injects reproducible faults, and
// signs session tokens with its own RSA key served at /v1/jwks, and announces
// changes as Svix-signed webhooks. Operations without a handler of their own
// are emulated generically from the spec (generic.go): records are kept and
// responses follow the response schemas.
package emulator
