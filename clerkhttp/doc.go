// Package clerkhttp is net/http middleware that authenticates requests with
// Clerk (core.Authenticator) and puts the result in the request context.
// It follows handshake redirects for page loads, forwards the cookies a
// handshake or a session refresh set, and can require authentication with a
// 401 that carries Clerk's debug headers.
package clerkhttp
