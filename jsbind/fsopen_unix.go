//go:build unix

package jsbind

import (
	"os"
	"syscall"
)

// releaseFIFO opens the other end of the FIFO at path, without blocking,
// and closes it: an open of the FIFO blocked on another goroutine then
// returns.
func releaseFIFO(path string, flag int) {
	other := os.O_WRONLY
	if flag&(os.O_WRONLY|os.O_RDWR) != 0 {
		other = os.O_RDONLY
	}
	if f, err := os.OpenFile(path, other|syscall.O_NONBLOCK, 0); err == nil {
		f.Close()
	}
}
