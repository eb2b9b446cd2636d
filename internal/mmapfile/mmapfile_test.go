//go:build linux

package mmapfile

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"
)

// openFile writes content to a new file and opens it for reading.
func openFile(t *testing.T, content []byte) (path string, f *os.File) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return path, f
}

func TestMapRegularFileOnly(t *testing.T) {
	want := bytes.Repeat([]byte("clerk"), 5000)
	_, f := openFile(t, want)
	data, unmap, ok := Map(f)
	if !ok || !bytes.Equal(data, want) {
		t.Fatalf("Map: ok=%v, %d bytes, want the file's %d", ok, len(data), len(want))
	}
	unmap()

	_, empty := openFile(t, nil)
	if _, _, ok := Map(empty); ok {
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
	path, f := openFile(t, make([]byte, 3*os.Getpagesize()))
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
