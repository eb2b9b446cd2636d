//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package main

import "os"

// mapModule: this platform reads the module into memory.
func mapModule(*os.File) ([]byte, bool) { return nil, false }
