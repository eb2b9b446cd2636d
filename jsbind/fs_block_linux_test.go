//go:build linux

package jsbind

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// signalWriter is a stdout that closes ready when the script prints
// marker: the script has reached the fs call that blocks.
type signalWriter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	ready  chan struct{}
	once   sync.Once
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.once.Do(func() { close(w.ready) })
	}
	return len(p), nil
}

func mkfifo(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// runUntilBlocked runs src, waits until it printed "blocking", cancels the
// run and returns RunScript's error. A run the cancellation cannot end (a
// script stuck in an fs call) fails the test instead of hanging it.
func runUntilBlocked(t *testing.T, src string, env ...string) error {
	t.Helper()
	w := &signalWriter{marker: "blocking", ready: make(chan struct{})}
	r, err := New(Options{Stdout: w, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.RunScript(ctx, "test.js", src) }()
	select {
	case <-w.ready:
	case err := <-done:
		t.Fatalf("the script ended before blocking: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		return err
	case <-time.After(time.Minute): // a failure detector, not a wait
		t.Fatal("the run did not end after its context was cancelled: an fs call blocks it")
		return nil
	}
}

// fs.readText on a FIFO nobody opens for writing used to block in open(2)
// for ever: --timeout and Ctrl-C (which cancel the run) did nothing.
func TestReadTextOnFIFOWithoutWriterIsInterruptible(t *testing.T) {
	fifo := mkfifo(t)
	err := runUntilBlocked(t, `console.log("blocking"); fs.readText(env.P);`, "P="+fifo)
	if err == nil || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want an interruption", err)
	}
}

// A writer that opened the FIFO but never writes (or a terminal) blocks
// reads instead: they are interrupted too, for every reader.
func TestReadsOnIdleFIFOAreInterruptible(t *testing.T) {
	for _, src := range []string{
		`console.log("blocking"); fs.readText(env.P);`,
		`console.log("blocking"); for (const l of fs.readLines(env.P)) {}`,
		`console.log("blocking"); for (const r of fs.readCSV(env.P)) {}`,
		`console.log("blocking"); fs.readJSON(env.P);`,
	} {
		fifo := mkfifo(t)
		// O_RDWR does not wait for a reader, and holds the write end
		// open without writing.
		w, err := os.OpenFile(fifo, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		err = runUntilBlocked(t, src, "P="+fifo)
		w.Close()
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: err = %v, want an interruption", src, err)
		}
	}
}

// Writing to a FIFO nobody reads blocked in open(2) the same way.
func TestWriteTextOnFIFOWithoutReaderIsInterruptible(t *testing.T) {
	for _, src := range []string{
		`console.log("blocking"); fs.writeText(env.P, "x");`,
		`console.log("blocking"); fs.appendText(env.P, "x");`,
		`console.log("blocking"); fs.ndjsonWriter(env.P);`,
	} {
		fifo := mkfifo(t)
		err := runUntilBlocked(t, src, "P="+fifo)
		if err == nil || !errors.Is(err, context.Canceled) {
			t.Fatalf("%s: err = %v, want an interruption", src, err)
		}
	}
}

// fs.readLines("/dev/zero") used to grow one line until memory ran out.
// Line readers cap a line; whole-file reads cap the file.
func TestReadersCapLinesAndFiles(t *testing.T) {
	defer func(l, f int) { maxLine, maxReadFile = l, f }(maxLine, maxReadFile)
	maxLine, maxReadFile = 1<<20, 2<<20
	for src, want := range map[string]string{
		`for (const l of fs.readLines("/dev/zero")) {}`:  "/dev/zero:1: a line is longer than 1 MiB",
		`for (const l of fs.readNDJSON("/dev/zero")) {}`: "/dev/zero:1: a line is longer than 1 MiB",
		`for (const r of fs.readCSV("/dev/zero")) {}`:    "a line is longer than 1 MiB",
		`fs.readText("/dev/zero")`:                       "/dev/zero: larger than 2 MiB",
		`fs.readJSON("/dev/zero")`:                       "/dev/zero: larger than 2 MiB",
	} {
		_, _, err := runJS(t, src, Options{})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", src, err, want)
		}
	}
	// A file within the limits reads whole, last line without newline
	// included.
	p := filepath.Join(t.TempDir(), "ok.txt")
	if err := os.WriteFile(p, []byte(strings.Repeat("x", 1000)+"\nlast"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := runJS(t, `let n = 0; for (const l of fs.readLines(env.P)) n += l.length; console.log(n, fs.readText(env.P).length);`, Options{Env: []string{"P=" + p}})
	if err != nil || out != "1004 1005\n" {
		t.Fatalf("out %q, err %v", out, err)
	}
}
