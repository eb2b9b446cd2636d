// Package abi holds the constants and JSON envelopes of the clerkscript wasm
// plugin ABI, shared by the guest (wasm/guest) and the Go host (wasm/host).
// It has no build tags and no dependencies beyond the standard library, so
// both sides compile the same definitions; wasm/ABI.md is the normative text.
package abi
