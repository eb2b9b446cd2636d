// Package core is clerkscript's pure-Go heart: the Clerk Backend API client
// generated from the official OpenAPI spec, and Clerk session and webhook
// verification. It imports neither goja nor wazero and builds for
// GOOS=wasip1, so the JS runner, the wasm plugin and native Go programs share
// one implementation.
//
// # Operations
//
// Every Backend API operation is an entry of one generated table
// (Operations, LookupOperation), named "resource.method" after Clerk's PHP
// SDK ("users.list", "invitations.bulkCreate"). Client.Call invokes any of
// them by name with JSON parameters; the typed services (c.Users.List,
// c.Invitations.BulkCreate, ...) wrap Call. Client.Paginate walks any list.
//
// # Retry policy
//
// The Backend API has no idempotency keys, so a replayed POST can create a
// second user or send a second invitation email. The client therefore
// retries (with exponential backoff and ±25% jitter, configured by
// RetryConfig globally and per call, the per-call value winning):
//
//   - 429 Too Many Requests, waiting at least Retry-After, and 503: always,
//     since Clerk did not process the request;
//   - failures before the request left the machine (connection refused, a
//     temporary DNS failure): up to MaxConnectionAttempts (default 4, about
//     2.4 s), unless NoConnectionRetries is set; an unknown host or a TLS
//     failure (certificate, plain HTTP on an https URL) is never retried;
//   - 500, 502, 504, timeouts and connection resets after the request was
//     sent: only for idempotent operations (GET, PUT, DELETE, PATCH), or when
//     the call opts in with WithReplayNonIdempotent.
//
// ClientConfig.WithRetryHook sees every wait, so a program can say why it
// waits. A Retry-After that would end past MaxElapsedTime is not slept on: the
// *APIError is returned at once with RetryAfter set, so a bulk runner can
// pause globally instead.
//
// # Errors
//
// Every non-2xx response is an *APIError (use errors.As, or IsNotFound,
// IsIdentifierExists, IsRateLimited, HasErrorCode), a redirect included: no
// request follows one (NewHTTPTransport refuses them whatever *http.Client
// it is given), since it would carry the secret key to the redirect's
// target. Transport failures are a *TransportError.
package core
