// Package mmapfile maps a regular file read-only into memory, for the two
// places that read a large file once on a start-up path: the CLI's wasm
// module and the emulator's state file. On this kind of machine touching
// fresh memory costs more than the work done with it; a mapping shares the
// page cache's pages instead.
//
// A file truncated while it is mapped makes reads past its new end fault
// (SIGBUS). Readers run with debug.SetPanicOnFault on and use InData on the
// recovered value to tell such a fault from any other panic.
package mmapfile

import (
	"runtime"
	"unsafe"
)

// InData reports whether r, a value recovered from a panic in a goroutine
// with debug.SetPanicOnFault on, is a memory fault at an address inside data.
func InData(r any, data []byte) bool {
	re, ok := r.(interface {
		runtime.Error
		Addr() uintptr
	})
	if !ok || len(data) == 0 {
		return false
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	a := re.Addr()
	return a >= start && a < start+uintptr(len(data))
}
