//go:build linux

package jsbind

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A writer the script leaves open is flushed when the script ends; on a
// full disk (/dev/full) that flush failed silently and the run still
// succeeded with the data lost.
func TestUnflushedWriterErrorFailsTheRun(t *testing.T) {
	for _, src := range []string{
		`const w = fs.ndjsonWriter("/dev/full"); w.write({a: 1});`,
		`const w = fs.csvWriter("/dev/full", {header: ["a"]}); w.write({a: 1});`,
		`const w = fs.ndjsonWriter("/dev/full"); w.write({a: 1}); exit(0);`,
	} {
		_, _, err := runJS(t, src, Options{})
		if err == nil || !strings.Contains(err.Error(), "/dev/full") || !strings.Contains(err.Error(), "no space left") {
			t.Errorf("%s: err = %v", src, err)
		}
	}
}

// The same when the script closes the writer itself: close throws.
func TestWriterCloseErrorIsThrown(t *testing.T) {
	out, _, err := runJS(t, `const w = fs.ndjsonWriter("/dev/full"); w.write({a: 1});
try { w.close(); console.log("closed") } catch (e) { console.log("thrown", e.message.includes("no space left")) }`, Options{})
	if err != nil || out != "thrown true\n" {
		t.Fatalf("out = %q, err = %v", out, err)
	}
}

// Writing to a pipe or device (fs.writeText("/dev/stdout", ...)) must write
// to it: the atomic temp-file-and-rename used to replace the pipe by a
// regular file, and fsync on a pipe (EINVAL) must not fail the run.
func TestWritersAcceptPipes(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// O_RDWR does not wait for a writer, and keeps the pipe open.
	rd, err := os.OpenFile(fifo, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	_, _, err = runJS(t, `
fs.writeText(env.P, "hello\n");
const w = fs.ndjsonWriter(env.P); w.write({a: 1});
const c = fs.csvWriter(env.P, {header: ["a"]}); c.write([2]); c.close();
`, Options{Env: []string{"P=" + fifo}})
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(fifo)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the pipe was replaced: %v %v", st.Mode(), err)
	}
	_ = rd.SetReadDeadline(time.Now().Add(10 * time.Second))
	// The csv writer is closed by the script, the ndjson one at exit.
	want := "hello\na\n2\n{\"a\":1}\n"
	buf := make([]byte, 0, 64)
	for len(buf) < len(want) {
		b := make([]byte, 64)
		n, err := rd.Read(b)
		if err != nil {
			t.Fatalf("read %q: %v", buf, err)
		}
		buf = append(buf, b[:n]...)
	}
	if got := string(buf); got != want {
		t.Fatalf("pipe got %q", got)
	}
}
