//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package mmapfile

import "os"

// Map does not map files on this system: the caller reads them.
func Map(*os.File) (data []byte, unmap func(), ok bool) { return nil, nil, false }
