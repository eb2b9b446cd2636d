package emulator

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's GOGC setting `clerkscript emulate`
// runs with unless the GOGC environment variable is set. Go lets the heap
// grow by GOGC% of the live data before collecting, and a process's resident
// memory follows that peak: with Go's default of 100 a million users (about
// 1 KB each in memory) hold about 2.7 KB of RSS each; with 50 about 1.9 KB,
// for about a fifth more CPU per request (BenchmarkScale, in the README).
// GOGC=100 (or any value) in the environment restores Go's trade-off.
const GCPercent = 50

// SetGCPercentDefault applies GCPercent unless GOGC is set in the
// environment, and reports the setting in force (-1: collection off).
func SetGCPercentDefault() int {
	if os.Getenv("GOGC") != "" {
		v := debug.SetGCPercent(100) // read the setting GOGC made...
		debug.SetGCPercent(v)        // ...and leave it as it was
		return v
	}
	debug.SetGCPercent(GCPercent)
	return GCPercent
}
