package core

// Ptr returns a pointer to v, for the optional fields of params structs:
// core.Ptr(user.ID), core.Ptr(true). Untyped constants take their default
// type (Ptr(5) is a *int), so for numbers use Int64 or Float64.
func Ptr[T any](v T) *T { return &v }

// Int64 returns a pointer to v: Limit: core.Int64(100).
func Int64(v int64) *int64 { return &v }

// Float64 returns a pointer to v.
func Float64(v float64) *float64 { return &v }

// String returns a pointer to v: OrderBy: core.String("-created_at").
func String(v string) *string { return &v }

// Bool returns a pointer to v: Notify: core.Bool(false).
func Bool(v bool) *bool { return &v }
