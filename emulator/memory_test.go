package emulator

import (
	"bytes"
	"runtime/debug"
	"strings"
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

// A load pauses the collector and gives back the setting it found, also
// when the file is bad.
func TestLoadRestoresGCPercent(t *testing.T) {
	prev := debug.SetGCPercent(77)
	defer debug.SetGCPercent(prev)
	e := scaleState(t, 10)
	var buf bytes.Buffer
	if err := e.Save(&buf); err != nil {
		t.Fatal(err)
	}
	f := mustNew()
	if err := f.Load(bytes.NewReader(buf.Bytes())); err != nil {
		t.Fatal(err)
	}
	if got := debug.SetGCPercent(77); got != 77 {
		t.Fatalf("after a load the collector runs at %d, want 77", got)
	}
	if err := f.Load(strings.NewReader(`{"version":1,"state":{"users":{"x":1}}}`)); err == nil {
		t.Fatal("a bad file loaded")
	}
	if got := debug.SetGCPercent(77); got != 77 {
		t.Fatalf("after a failed load the collector runs at %d, want 77", got)
	}
}
