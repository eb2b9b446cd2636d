package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// childArgsEnv, when set in a re-executed test binary, makes it run main()
// with these arguments (separated by \x1f): the test binary stands in for
// the built clerkscript binary, signal handling and exit codes included,
// without a separate `go build`.
const childArgsEnv = "CLERKSCRIPT_TEST_CHILD_ARGS"

// clerkscriptCmd returns a command running `clerkscript args...` as a real
// process. ctx bounds its life so a stuck child cannot outlive the test.
func clerkscriptCmd(ctx context.Context, env []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestEmulateAsProcess$", "-test.count=1")
	cmd.Env = append(append(os.Environ(), childArgsEnv+"="+strings.Join(args, "\x1f")), env...)
	return cmd
}

// emulateProcess is a running `clerkscript emulate` child.
type emulateProcess struct {
	cmd    *exec.Cmd
	stderr *childLog
	vars   map[string]string
}

// childLog is a child's stderr written straight to a file. With a writer
// that is not a file, exec copies the child's output through a pipe on a
// goroutine of its own, which may not have caught up when the test reads
// it; with a file, what the child wrote before a line the test has read
// from stdout is already there.
type childLog struct {
	f      *os.File
	exited <-chan struct{} // closed when the child has exited, when known
}

func newChildLog(t *testing.T) *childLog {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return &childLog{f: f}
}

func (l *childLog) String() string {
	b, _ := os.ReadFile(l.f.Name())
	return string(b)
}

// startEmulateProcess starts the child and reads the variables it prints
// before serving.
func startEmulateProcess(t *testing.T, ctx context.Context, args ...string) *emulateProcess {
	t.Helper()
	cmd := clerkscriptCmd(ctx, nil, append([]string{"emulate"}, args...)...)
	p := &emulateProcess{cmd: cmd, stderr: newChildLog(t), vars: map[string]string{}}
	cmd.Stderr = p.stderr.f
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for p.vars["CLERK_JWT_KEY"] == "" && sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		p.vars[k] = v
	}
	if p.vars["CLERK_JWT_KEY"] == "" {
		_ = cmd.Wait()
		t.Fatalf("emulate printed no CLERK_JWT_KEY (%v); stderr:\n%s", sc.Err(), p.stderr.String())
	}
	return p
}

// interrupt sends Ctrl-C and returns the exit status and stderr.
func (p *emulateProcess) interrupt(t *testing.T) (int, string) {
	t.Helper()
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := p.cmd.Wait()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("waiting for emulate: %v", err)
	}
	return p.cmd.ProcessState.ExitCode(), p.stderr.String()
}

func (p *emulateProcess) client() *core.Client {
	return core.NewClient(core.NewClientConfig().WithSecretKey(p.vars["CLERK_SECRET_KEY"]).WithAPIURL(p.vars["CLERK_API_URL"]))
}

// api runs `clerkscript api args...` as its own process configured, like a
// user's shell, from the printed environment.
func (p *emulateProcess) api(t *testing.T, ctx context.Context, args ...string) (int, string, string) {
	t.Helper()
	cmd := clerkscriptCmd(ctx, []string{"CLERK_API_URL=" + p.vars["CLERK_API_URL"], "CLERK_SECRET_KEY=" + p.vars["CLERK_SECRET_KEY"]},
		append([]string{"api"}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("clerkscript api %v: %v", args, err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// TestEmulateAsProcess runs `clerkscript emulate` as a real process, drives
// it with core.Client and with `clerkscript api` processes, stops it with
// Ctrl-C and checks that a restart from --state sees everything.
func TestEmulateAsProcess(t *testing.T) {
	if args, ok := os.LookupEnv(childArgsEnv); ok {
		// The re-executed child: become clerkscript. main exits.
		os.Args = append([]string{"clerkscript"}, strings.Split(args, "\x1f")...)
		main()
		t.Fatal("main returned")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	state := filepath.Join(t.TempDir(), "state.json")

	p := startEmulateProcess(t, ctx, "--state", state, "--seed", "5")
	if !strings.HasPrefix(p.vars["CLERK_API_URL"], "http://127.0.0.1:") || !strings.HasPrefix(p.vars["CLERK_SECRET_KEY"], "sk_test_") ||
		!strings.HasPrefix(p.vars["CLERK_PUBLISHABLE_KEY"], "pk_test_") || !strings.Contains(p.vars["CLERK_JWT_KEY"], "BEGIN PUBLIC KEY") {
		t.Fatalf("printed: %v", p.vars)
	}

	// core.Client: a user, an organization with the user as admin, a
	// session token that verifies with the printed PEM key.
	c := p.client()
	var user struct{ ID string }
	raw, err := c.Call(ctx, "users.create", map[string]any{"external_id": "proc-1", "email_address": []string{"proc1@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal(raw, &user)
	if _, err := c.Call(ctx, "organizations.create", map[string]any{"name": "Proc Org", "created_by": user.ID}); err != nil {
		t.Fatal(err)
	}
	raw, err = c.Call(ctx, "sessions.create", map[string]any{"user_id": user.ID})
	if err != nil {
		t.Fatal(err)
	}
	var sess struct{ ID string }
	_ = json.Unmarshal(raw, &sess)
	raw, err = c.Call(ctx, "sessions.createToken", map[string]any{"session_id": sess.ID})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct{ JWT string }
	_ = json.Unmarshal(raw, &tok)
	claims, err := core.VerifyToken(ctx, tok.JWT, core.VerifyOptions{JWTKey: p.vars["CLERK_JWT_KEY"]})
	if err != nil || claims.Subject != user.ID {
		t.Fatalf("the session token does not verify with the printed key: %v %+v", err, claims)
	}

	// clerkscript api, a separate process configured by the printed env.
	code, out, errs := p.api(t, ctx, "users.create", "--data", `{"external_id":"proc-2","email_address":["proc2@example.com"]}`)
	if code != 0 || !strings.Contains(out, `"proc-2"`) {
		t.Fatalf("api users.create: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = p.api(t, ctx, "users.list", "--param", "order_by=-created_at", "--all")
	if code != 0 || strings.Count(strings.TrimSpace(out), "\n") != 1 {
		t.Fatalf("api users.list --all: exit %d, want 2 NDJSON lines\n%s\n%s", code, out, errs)
	}
	img := filepath.Join(t.TempDir(), "me.png")
	if err := os.WriteFile(img, []byte("\x89PNG\r\n\x1a\nfake"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = p.api(t, ctx, "users.setProfileImage", "--param", "user_id="+user.ID, "--file", "file=@"+img)
	if code != 0 || !strings.Contains(strings.ReplaceAll(out, " ", ""), `"has_image":true`) {
		t.Fatalf("api users.setProfileImage (multipart): exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = p.api(t, ctx, "users.create", "--data", `{"external_id":"proc-1"}`)
	if code != 1 || !strings.Contains(errs, "form_identifier_exists") {
		t.Fatalf("api duplicate create: exit %d, stderr %s", code, errs)
	}
	// Operations without a handler of their own are served from the spec.
	code, out, errs = p.api(t, ctx, "machines.list")
	if code != 0 || !strings.Contains(out, "total_count") {
		t.Fatalf("api machines.list (generic): exit %d\n%s\n%s", code, out, errs)
	}

	code, errs = p.interrupt(t)
	if code != 0 || !strings.Contains(errs, "saved state to "+state) {
		t.Fatalf("Ctrl-C: exit %d, stderr:\n%s", code, errs)
	}
	// Checked once the process has exited: its stderr is then complete (it
	// is copied from a pipe while it runs).
	if !strings.Contains(errs, "does not exist yet") {
		t.Errorf("first start should say the state file is new: %s", errs)
	}

	// Restart: same key (from the file), same records, same signing key.
	p2 := startEmulateProcess(t, ctx, "--state", state)
	if p2.vars["CLERK_SECRET_KEY"] != p.vars["CLERK_SECRET_KEY"] || p2.vars["CLERK_JWT_KEY"] != p.vars["CLERK_JWT_KEY"] {
		t.Errorf("keys changed across restart")
	}
	raw, err = p2.client().Call(ctx, "users.count", nil)
	if err != nil || !strings.Contains(string(raw), `"total_count":2`) {
		t.Fatalf("users.count after restart: %s %v", raw, err)
	}
	raw, err = p2.client().Call(ctx, "users.get", map[string]any{"user_id": user.ID})
	if err != nil || !strings.Contains(string(raw), `"has_image":true`) {
		t.Errorf("profile image lost across restart: %s %v", raw, err)
	}
	code, out, errs = p2.api(t, ctx, "organizations.list", "--param", "query=proc")
	if code != 0 || !strings.Contains(out, "Proc Org") {
		t.Fatalf("organization lost across restart: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := core.VerifyToken(ctx, tok.JWT, core.VerifyOptions{JWTKey: p2.vars["CLERK_JWT_KEY"], ClockSkew: time.Hour}); err != nil {
		t.Errorf("a token minted before the restart no longer verifies: %v", err)
	}
	code, errs = p2.interrupt(t)
	if code != 0 {
		t.Fatalf("second Ctrl-C: exit %d\n%s", code, errs)
	}
	if !strings.Contains(errs, "loaded state from") {
		t.Errorf("restart did not report loading: %s", errs)
	}
}
