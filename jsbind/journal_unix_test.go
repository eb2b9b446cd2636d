//go:build unix

package jsbind

import (
	"strings"
	"testing"
)

// A journal path that is not a regular file (a device, a FIFO) used to be
// read forever: /dev/zero is one endless line.
func TestJournalMustBeARegularFile(t *testing.T) {
	_, err := OpenJournal("/dev/zero", fixedNow)
	if err == nil || !strings.Contains(err.Error(), "not a regular file") || !strings.Contains(err.Error(), "/dev/zero") {
		t.Fatalf("err = %v", err)
	}
}
