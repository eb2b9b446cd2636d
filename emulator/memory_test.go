package emulator

import (
	"runtime/debug"
	"testing"
)

func TestSetGCPercentDefault(t *testing.T) {
	prev := debug.SetGCPercent(100)
	defer debug.SetGCPercent(prev)

	t.Setenv("GOGC", "")
	if got := SetGCPercentDefault(); got != GCPercent {
		t.Fatalf("without GOGC: reported %d, want %d", got, GCPercent)
	}
	if got := debug.SetGCPercent(100); got != GCPercent {
		t.Fatalf("without GOGC: the collector runs at %d, want %d", got, GCPercent)
	}
	// GOGC is read by the runtime at start; here the setting it would have
	// made is put in place by hand. The default must leave it alone.
	t.Setenv("GOGC", "80")
	debug.SetGCPercent(80)
	if got := SetGCPercentDefault(); got != 80 {
		t.Fatalf("with GOGC=80: reported %d", got)
	}
	if got := debug.SetGCPercent(100); got != 80 {
		t.Fatalf("with GOGC=80: the collector runs at %d, want 80", got)
	}
}
