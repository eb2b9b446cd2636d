// Package testkeys holds fixed RSA keys and helpers that mint Clerk-style
// session tokens and JWKS documents for tests across the module. The keys are
// test-only material checked into testdata, so tests are fast and reproducible
// (Go's rsa.GenerateKey ignores seeded readers).
package testkeys
