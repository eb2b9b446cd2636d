//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package emulator

import (
	"os"
	"syscall"
)

// mapStateFile maps a regular file read-only for the duration of a load.
// Reading a state file of a million users (800 MB) into the heap touches
// 200,000 fresh pages, which took longer than decoding it; a mapping shares
// the page cache's pages. Nothing loaded keeps a slice of the file (every
// string is copied out of it, TestLoadFileKeepsNothingMapped), so unmap
// releases it once the load ends.
//
// ok is false when the file cannot be mapped (not a regular file, empty, too
// large for an int): the caller reads it instead. A file truncated while it
// is mapped makes reads past its new end fault; the loader's goroutines turn
// that into an error (catchFault). SaveFile replaces a file by renaming a new
// one over it, so the mapped file itself is never rewritten by the emulator.
func mapStateFile(f *os.File) (data []byte, unmap func(), ok bool) {
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() == 0 || int64(int(st.Size())) != st.Size() {
		return nil, nil, false
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(st.Size()), syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil, false
	}
	return data, func() { _ = syscall.Munmap(data) }, true
}
