// Package codegen derives clerkscript's operation table, schemas, models and
// typed services from Clerk's Backend API OpenAPI spec; internal/gen is its
// command. See docs/NAMING.md for how operations are named.
package codegen
