package clerkwasm

import "unsafe"

// stringBytes views s as bytes without copying; the bytes are only read
// (copied into guest memory).
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }
