//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var sink byte

func TestLoadModuleMapsTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.wasm")
	want := bytes.Repeat([]byte("\x00asm"), 5000)
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := loadModule(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("loadModule: %d bytes, %v", len(got), err)
	}
	// A file that cannot be mapped is read.
	if got, err := loadModule(os.DevNull); err != nil || len(got) != 0 {
		t.Fatalf("loadModule(%s): %q, %v", os.DevNull, got, err)
	}
	if _, err := loadModule(filepath.Join(t.TempDir(), "missing.wasm")); err == nil {
		t.Fatal("loadModule of a missing file: no error")
	}
}

// A module file truncated while it is mapped makes the next read of the
// lost pages fault: guardFault reports that as an error, not a crash.
func TestGuardFaultTruncatedModule(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.wasm")
	if err := os.WriteFile(path, make([]byte, 3*os.Getpagesize()), 0o600); err != nil {
		t.Fatal(err)
	}
	data, err := loadModule(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	err = guardFault(path, data, func() error {
		sink = data[2*os.Getpagesize()]
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "changed while it was being loaded") {
		t.Fatalf("guardFault: %v", err)
	}
	// fn's own error passes through.
	if err := guardFault(path, data, func() error { return os.ErrClosed }); err != os.ErrClosed {
		t.Fatalf("guardFault: %v, want fn's error", err)
	}
}

// A fault outside the module's bytes is not the module's: it is re-raised.
func TestGuardFaultOtherFaultPanics(t *testing.T) {
	dir := t.TempDir()
	var maps [2][]byte
	for i := range maps {
		path := filepath.Join(dir, string(rune('a'+i)))
		if err := os.WriteFile(path, make([]byte, 2*os.Getpagesize()), 0o600); err != nil {
			t.Fatal(err)
		}
		var err error
		if maps[i], err = loadModule(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(path, 0); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("a fault outside the module's bytes was swallowed")
		}
	}()
	_ = guardFault("a", maps[0], func() error {
		sink = maps[1][os.Getpagesize()]
		return nil
	})
}
