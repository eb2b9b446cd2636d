//go:build unix

package journal

import (
	"strings"
	"testing"
)

// A journal path that is not a regular file (a device, a FIFO) used to be
// read forever: /dev/zero is one endless line.
func TestJournalMustBeARegularFile(t *testing.T) {
	_, err := Open("/dev/zero", fixedNow)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), "/dev/zero") {
		t.Fatalf("err = %v", err)
	}
}
