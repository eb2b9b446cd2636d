//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package main

import (
	"os"
	"syscall"
)

// mapModule maps a regular file read-only into memory. A cached
// 'wasm verify' spends most of its time touching fresh memory, and reading
// the 5-6 MB module into the heap is 1,400 fresh pages; a mapping shares
// the page cache's. ok is false when the file cannot be mapped (not a
// regular file, empty, too large): the caller reads it instead.
//
// The mapping is never unmapped: wazero may keep slices of the module, and
// the process ends with the command. A file truncated while it is mapped
// makes reads past its new end fault (SIGBUS); the caller reads the
// mapping under guardFault, which turns that into an error.
func mapModule(f *os.File) (data []byte, ok bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 || st.Size() > 1<<30 {
		return nil, false
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, false
	}
	return data, true
}
