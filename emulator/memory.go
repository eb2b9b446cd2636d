package emulator

import (
	"os"
	"runtime/debug"
)

// GCPercent is the garbage collector's GOGC setting `clerkscript emulate`
// runs with unless the GOGC environment variable is set. Go lets the heap
// grow by GOGC% of the live data before collecting, and a process's resident
// memory follows that peak. Measured with BenchmarkScale (users created over
// HTTP, each about 1 KB of live heap): at Go's default of 100, about 2.8 KB
// of RSS per user; at 50, about 1.8 KB at 200,000 users and 2.0 KB at a
// million, for about a quarter more CPU per create. GOGC=100 (or any value)
// in the environment restores Go's trade-off.
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
