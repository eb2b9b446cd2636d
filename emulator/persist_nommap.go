//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package emulator

import "os"

// mapStateFile does not map files on this system: the caller reads them.
func mapStateFile(*os.File) (data []byte, unmap func(), ok bool) { return nil, nil, false }
