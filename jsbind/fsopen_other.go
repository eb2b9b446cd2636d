//go:build !unix

package jsbind

// releaseFIFO is a no-op where there are no named pipes.
func releaseFIFO(string, int) {}
