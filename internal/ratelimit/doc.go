// Package ratelimit paces requests to Clerk's Backend API the way Clerk
// counts them: a sliding-window [Limiter] (N requests per window, every
// request paused by a 429's Retry-After), and a [Transport] that sends
// core requests through it with a cap on how many are in flight.
//
// It is used by the JS runtime's client and by the job engine's per-job
// pace; it has no JavaScript dependency.
package ratelimit
