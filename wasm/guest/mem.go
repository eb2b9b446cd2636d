//go:build wasip1

// The exports are reached through //go:wasmexport, which staticcheck does
// not see as a use.
//
//lint:file-ignore U1000 wasmexport roots

package main

import (
	"runtime"
	"unsafe"

	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/wasm/internal/plugin"
)

// pinned keeps the buffers handed out by clerk_malloc reachable, so the GC
// does not reclaim memory the host is writing into. Keyed by address; the
// value's length is the size the host asked for.
var pinned = map[uint32][]byte{}

// lastResult keeps the bytes of the last export's result alive until the
// next export call, which is how long the ABI promises the host may read
// them.
var lastResult []byte

func ptrOf(b []byte) uint32 {
	if len(b) == 0 {
		return 0
	}
	return uint32(uintptr(unsafe.Pointer(&b[0])))
}

//go:wasmexport clerk_abi_version
func clerkABIVersion() uint32 { return abi.Version }

// clerkMalloc returns a buffer of size bytes that stays valid until
// clerk_free, or 0 when size is 0 or above abi.MaxInput.
//
//go:wasmexport clerk_malloc
func clerkMalloc(size uint32) uint32 {
	if size == 0 || size > abi.MaxInput {
		return 0
	}
	b := make([]byte, size)
	p := ptrOf(b)
	pinned[p] = b
	return p
}

// clerkFree releases a buffer from clerk_malloc; unknown pointers are
// ignored. The Gosched gives the collector a chance to run: a reactor has
// no other scheduling point between calls (knqyf263/go-plugin#78).
//
//go:wasmexport clerk_free
func clerkFree(ptr uint32) {
	delete(pinned, ptr)
	runtime.Gosched()
}

// input returns the bytes [ptr, ptr+n) of a buffer from clerk_malloc, or
// false when ptr is not the start of such a buffer or n exceeds its size:
// the guest never reads memory the host did not obtain from it.
func input(ptr, n uint32) ([]byte, bool) {
	b, ok := pinned[ptr]
	if !ok || int(n) > len(b) {
		return nil, false
	}
	return b[:n:n], true
}

var badPointer = plugin.RequestErr("bad_pointer",
	"the input pointer is not the start of a clerk_malloc buffer, or the length exceeds its size")

// result stores b as the last result and returns its packed location.
//
// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func result(b []byte) uint64 {
	lastResult = b
	return abi.Pack(ptrOf(b), uint32(len(b)))
}
