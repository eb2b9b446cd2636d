package emulator

import (
	"fmt"
	"os"
	"time"
)

var phaseT0 time.Time

func phase(name string) {
	if os.Getenv("H12PHASE") == "" {
		return
	}
	now := time.Now()
	if name == "start" {
		phaseT0 = now
	}
	fmt.Fprintf(os.Stderr, "phase %-20s %v\n", name, now.Sub(phaseT0))
}
