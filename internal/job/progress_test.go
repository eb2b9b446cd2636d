package job

import (
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	got := progressLine("invite", 100, 40, 2, 8, 10*time.Second)
	want := "job invite: 50/100 (40 done, 2 failed, 8 skipped) 4.2/s ETA 12s"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if got := progressLine("x", -1, 3, 0, 0, 0); got != "job x: 3 (3 done, 0 failed, 0 skipped) 0.0/s" {
		t.Fatalf("unknown total: %q", got)
	}
	if got := progressBar(100, 50); got != "[############............] " {
		t.Fatalf("bar = %q", got)
	}
}
