//go:build linux

package mmapfile

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

func TestMapRegularFileOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	want := bytes.Repeat([]byte("clerk"), 5000)
	if err := os.WriteFile(path, want, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, unmap, ok := Map(f)
	if !ok || !bytes.Equal(data, want) {
		t.Fatalf("Map: ok=%v, %d bytes, want the file's %d", ok, len(data), len(want))
	}
	unmap()

	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := os.Open(empty)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, _, ok := Map(e); ok {
		t.Error("an empty file was mapped")
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if _, _, ok := Map(r); ok {
		t.Error("a pipe was mapped")
	}
}

// A fault past the end of a truncated file is InData; a panic of another
// kind, or a fault elsewhere, is not.
func TestInData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 3*os.Getpagesize()), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, unmap, ok := Map(f)
	if !ok {
		t.Fatal("not mapped")
	}
	defer unmap()
	if err := os.Truncate(path, 0); err != nil {
		t.Fatal(err)
	}
	recovered := func(fn func()) (r any) {
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() { r = recover() }()
		fn()
		return nil
	}
	r := recovered(func() { sink = data[len(data)-1] })
	if r == nil || !InData(r, data) {
		t.Fatalf("fault in the truncated mapping: recovered %v, InData false", r)
	}
	if InData(r, make([]byte, 8)) {
		t.Error("the fault counted as inside another slice")
	}
	if InData("boom", data) {
		t.Error("a plain panic counted as a fault")
	}
}

var sink byte
