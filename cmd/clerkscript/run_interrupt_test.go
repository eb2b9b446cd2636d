package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/emulator"
)

// These tests check that --timeout and Ctrl-C reach requests in flight, not
// only the JS: the emulator holds every request for a minute, so a run that
// only interrupted the JS would hang on its HTTP (and then print what it
// should not). The tests wait for events, never for a duration: a loaded
// machine makes them slower, not flaky.

func slowEmu(t *testing.T) *emu {
	return startEmu(t, emulator.WithoutRateLimits(), emulator.WithFaults(emulator.Faults{Latency: time.Minute}))
}

func writeScript(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRunTimeoutInterruptsInFlightHTTP(t *testing.T) {
	e := slowEmu(t)
	script := writeScript(t, "slow.js", "await clerk.users.count();\nconsole.log('not reached');\n")
	code, out, errOut := runScript(t, context.Background(), e, "--timeout", "300ms", script)
	if code != 124 || !strings.Contains(errOut, "--timeout") || strings.Contains(out, "not reached") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// startChild runs `clerkscript run args...` as a child process (see
// TestHelperClerkscript) so that it can receive real signals.
func startChild(t *testing.T, e *emu, args ...string) (*exec.Cmd, *childLog, <-chan error) {
	t.Helper()
	cmd := helperCommand(t, e, append([]string{"run"}, args...)...)
	var stdout syncBuffer
	stderr := newChildLog(t)
	cmd.Stdout, cmd.Stderr = &stdout, stderr.f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := make(chan error, 1)
	exited := make(chan struct{})
	stderr.exited = exited
	go func() {
		waited <- cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		// A no-op when the process has exited; otherwise the test failed
		// and the child must not outlive it.
		_ = cmd.Process.Kill()
		<-exited
	})
	return cmd, stderr, waited
}

// waitFor waits until cond holds, or fails when the child exits first. It
// has no deadline of its own (go test's -timeout ends a hang): a loaded
// machine only makes it wait longer.
func waitFor(t *testing.T, what string, cond func() bool, stderr *childLog) {
	t.Helper()
	for !cond() {
		select {
		case <-stderr.exited:
			if cond() {
				return
			}
			t.Fatalf("the process exited before %s; stderr:\n%s", what, stderr.String())
		case <-time.After(5 * time.Millisecond): // polling the child's files, not a deadline
		}
	}
}

func exitCode(t *testing.T, waited <-chan error, stderr *childLog) int {
	t.Helper()
	err := <-waited
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	t.Fatalf("wait: %v; stderr:\n%s", err, stderr.String())
	return -1
}

// TestCtrlCStopsJobGracefully sends a real SIGINT to `clerkscript run`
// in the middle of a job: no new item starts, the items in flight finish
// and are journaled as done, and the exit status is 130.
func TestCtrlCStopsJobGracefully(t *testing.T) {
	e := startEmu(t, emulator.WithoutRateLimits(), emulator.WithFaults(emulator.Faults{Latency: 20 * time.Millisecond}))
	dir := t.TempDir()
	csv := writeInviteCSV(t, dir, 300)
	journal := filepath.Join(dir, "j.jsonl")
	g := gateEmu(t, e, 20)
	cmd, stderr, waited := startChild(t, g.emu, "--journal", journal, "--rate", "100000/1s", examplePath("bulk_invite.js"), csv)
	select {
	case <-g.held: // 20 invitations sent, the next ones held: mid-job
	case <-stderr.exited:
		t.Fatalf("the job ended before its 21st invitation:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// Once the child has taken the interrupt, the items in flight finish.
	waitFor(t, "the stop notice", func() bool {
		return strings.Contains(stderr.String(), "stopping: no new items are started")
	}, stderr)
	g.open()
	if code := exitCode(t, waited, stderr); code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr.String())
	}
	for _, want := range []string{"stopping: no new items are started", "stopped before the end"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	done := 0
	for key, st := range readJournal(t, journal) {
		if st != "done" {
			t.Errorf("%s left %s: the in-flight item did not finish", key, st)
		}
		done++
	}
	if done >= 300 {
		t.Fatalf("the job was not stopped (%d done)", done)
	}
	assertExactlyOnce(t, pendingInvitations(t, e), done)
}

// TestSecondCtrlCAbortsInFlightRequests: the first SIGINT waits for the
// items in flight, which the emulator holds for a minute; the second
// aborts them at once.
func TestSecondCtrlCAbortsInFlightRequests(t *testing.T) {
	e := slowEmu(t)
	dir := t.TempDir()
	csv := writeInviteCSV(t, dir, 10)
	journal := filepath.Join(dir, "j.jsonl")
	cmd, stderr, waited := startChild(t, e, "--journal", journal, "--rate", "100000/1s", examplePath("bulk_invite.js"), csv)
	waitFor(t, "a request in flight", func() bool {
		b, _ := os.ReadFile(journal)
		return bytes.Contains(b, []byte(`"op":"start"`))
	}, stderr)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the stop notice", func() bool { return strings.Contains(stderr.String(), "Press Ctrl-C again") }, stderr)
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, waited, stderr); code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "aborting") {
		t.Errorf("no abort notice:\n%s", stderr.String())
	}
	// The aborted items stay in doubt: a re-run reconciles them.
	for key, st := range readJournal(t, journal) {
		if st == "done" {
			t.Errorf("%s is done, but the emulator never answered", key)
		}
	}
}

// TestCtrlCWithoutJobAbortsInFlightRequest: a script with no job running
// is aborted by the first SIGINT, request in flight included.
func TestCtrlCWithoutJobAbortsInFlightRequest(t *testing.T) {
	e := slowEmu(t)
	// The signal is sent once the emulator holds the request.
	arrived := make(chan struct{}, 1)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case arrived <- struct{}{}:
		default:
		}
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(front.Close)
	fe := *e
	fe.URL = front.URL
	script := writeScript(t, "slow.js", "await clerk.users.count();\nconsole.log('not reached');\n")
	cmd, stderr, waited := startChild(t, &fe, script)
	select {
	case <-arrived:
	case <-stderr.exited:
		t.Fatalf("the process exited before its request; stderr:\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := exitCode(t, waited, stderr); code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "aborted") {
		t.Errorf("no abort notice:\n%s", stderr.String())
	}
}

// TestReadmeCommand runs the README's main command as written, from the
// repository root, with no Clerk account (no CLERK_* variables): it
// invites every address of the sample CSV into the in-process emulator and
// leaves no journal behind in testdata/.
func TestReadmeCommand(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	const command = "go run ./cmd/clerkscript run --emulate scripts/examples/bulk_invite.js testdata/examples/invites.csv"
	if !bytes.Contains(readme, []byte(command)) {
		t.Fatalf("README.md no longer shows %q: update this test", command)
	}
	t.Chdir(repoRoot)
	t.Setenv("CLERK_SECRET_KEY", "")
	t.Setenv("CLERK_API_URL", "")
	t.Setenv("INVITE_RATE", "")
	args := strings.Fields(strings.TrimPrefix(command, "go run ./cmd/clerkscript "))
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), args, strings.NewReader(""), &out, &errb)
	if code != 0 || out.String() != "invited 25 (0 already done), 0 failed\n" || !strings.Contains(errb.String(), "EMULATOR MODE") {
		t.Fatalf("exit %d\nstdout %q\nstderr %s", code, out.String(), errb.String())
	}
	if _, err := os.Stat("testdata/examples/invites.csv.journal"); !os.IsNotExist(err) {
		t.Errorf("a journal was left in testdata (stat: %v)", err)
	}
}
