//go:build linux

package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func fifoScript(t *testing.T) (fifo, script string) {
	t.Helper()
	dir := t.TempDir()
	fifo = filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script = filepath.Join(dir, "read.js")
	if err := os.WriteFile(script, []byte(`console.log("blocking"); fs.readText(args[0]);`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return fifo, script
}

// fs.readText on a FIFO with no writer used to ignore --timeout.
func TestRunTimeoutEndsABlockedFSRead(t *testing.T) {
	e := startEmu(t)
	fifo, script := fifoScript(t)
	code, _, errOut := runScript(t, context.Background(), e, "--timeout", "200ms", script, fifo)
	if code != 124 {
		t.Fatalf("exit %d, want 124\n%s", code, errOut)
	}
}

// ... and SIGTERM (and Ctrl-C): only SIGKILL ended the process.
func TestRunSignalEndsABlockedFSRead(t *testing.T) {
	e := startEmu(t)
	fifo, script := fifoScript(t)
	cmd := helperCommand(t, e, "run", script, fifo)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	sc := bufio.NewScanner(stdout)
	for sc.Scan() && !strings.Contains(sc.Text(), "blocking") {
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want status 130", err)
	}
}
