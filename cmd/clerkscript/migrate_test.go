package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
)

const auth0Export = "../../testdata/migrate/auth0.ndjson"

func TestMigrateDryRun(t *testing.T) {
	t.Setenv("CLERK_SECRET_KEY", "sk_live_supersecretvalue")
	fails := filepath.Join(t.TempDir(), "fails.ndjson")
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), []string{"migrate", "-y", "-t", "auth0", "-f", auth0Export, "--dry-run", "--failures", fails}, nil, &out, &errb)
	if code != 1 { // the export has invalid users on purpose
		t.Fatalf("exit %d, stderr:\n%s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 5 {
		t.Fatalf("want 5 payloads, got %d:\n%s", len(lines), out.String())
	}
	var first struct {
		Create map[string]any `json:"create"`
	}
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil {
		t.Fatal(err)
	}
	if first.Create["external_id"] != "auth0|001" || first.Create["password_hasher"] != "bcrypt" {
		t.Errorf("first payload %v", first.Create)
	}
	all := out.String() + errb.String()
	if strings.Contains(all, "$2a$10$") || strings.Contains(all, "supersecret") {
		t.Error("a digest or the secret key was printed")
	}
	if !strings.Contains(first.Create["password_digest"].(string), "bcrypt digest") {
		t.Errorf("digest not masked: %v", first.Create["password_digest"])
	}
	b, err := os.ReadFile(fails)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(b), "\n"); n != 5 {
		t.Errorf("failures file has %d lines, want 5 (4 invalid + 1 duplicate):\n%s", n, b)
	}
	if !strings.Contains(errb.String(), "failed validation:            4") {
		t.Errorf("summary:\n%s", errb.String())
	}
}

func TestMigrateEmulate(t *testing.T) {
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), []string{"migrate", "-y", "-t", "supabase", "-f", "../../testdata/migrate/supabase.json",
		"--emulate", "--failures", filepath.Join(dir, "f.ndjson")}, nil, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d:\n%s", code, errb.String())
	}
	for _, want := range []string{"EMULATOR MODE", "created:                      4", "failed validation:            1", "production instance"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
}

func TestMigrateUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-y", "-f", auth0Export}, "missing -t/--transformer"},
		{[]string{"-y", "-t", "auth0"}, "missing -f/--file"},
		{[]string{"-y", "-t", "okta", "-f", auth0Export}, `unknown transformer "okta"`},
		{[]string{"-y", "-t", "firebase", "-f", "../../testdata/migrate/firebase.json", "--firebase-rounds", "8"}, "all four hash parameters"},
		{[]string{"-y", "-t", "auth0", "-f", "nope.json", "--dry-run"}, "nope.json"},
		{[]string{"-y", "-t", "auth0", "-f", auth0Export, "--dry-run", "--emulate"}, "exclude each other"},
	} {
		t.Setenv("CLERK_SECRET_KEY", "")
		var out, errb bytes.Buffer
		code := dispatch(context.Background(), append([]string{"migrate"}, tc.args...), nil, &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q, want 2 and %q", tc.args, code, errb.String(), tc.want)
		}
	}
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"migrate", "-y", "-t", "auth0", "-f", auth0Export}, nil, &out, &errb); code != 2 || !strings.Contains(errb.String(), "CLERK_SECRET_KEY is not set") {
		t.Errorf("no key: exit %d, %s", code, errb.String())
	}
}

// gatedEmulator serves an emulator; once gate is on and more than after
// creates went through, each further create is applied and then held until
// release is closed: the client is left waiting for an answer to a create
// Clerk has made.
type gatedEmulator struct {
	e        *emulator.Emulator
	srv      *httptest.Server
	after    int64
	creates  atomic.Int64
	gate     atomic.Bool
	held     chan struct{} // closed at the first held create
	heldOnce sync.Once
	release  chan struct{}
}

func newGatedEmulator(t *testing.T, after int64) *gatedEmulator {
	e, err := emulator.New(emulator.WithoutRateLimits())
	if err != nil {
		t.Fatal(err)
	}
	g := &gatedEmulator{e: e, after: after, held: make(chan struct{}), release: make(chan struct{})}
	g.gate.Store(true)
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/users" && g.gate.Load() && g.creates.Add(1) > g.after {
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, r)
			g.heldOnce.Do(func() { close(g.held) })
			<-g.release
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		g.open()
		g.srv.Close()
	})
	return g
}

func (g *gatedEmulator) open() {
	g.gate.Store(false)
	select {
	case <-g.release:
	default:
		close(g.release)
	}
}

func (g *gatedEmulator) env() []string {
	return []string{"CLERK_SECRET_KEY=" + g.e.SecretKey(), "CLERK_API_URL=" + g.srv.URL}
}

func (g *gatedEmulator) externalIDs(t *testing.T) []string {
	t.Helper()
	c := core.NewClient(core.NewClientConfig().WithSecretKey(g.e.SecretKey()).WithAPIURL(g.srv.URL).
		WithTransport(core.NewHTTPTransport(&http.Client{})))
	var ids []string
	for raw, err := range c.Paginate(context.Background(), "users.list", map[string]any{"order_by": "created_at"}) {
		if err != nil {
			t.Fatal(err)
		}
		var u struct {
			ExternalID string `json:"external_id"`
		}
		if err := json.Unmarshal(raw, &u); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, u.ExternalID)
	}
	sort.Strings(ids)
	return ids
}

func writeAuth0Export(t *testing.T, dir string, n int) (string, []string) {
	t.Helper()
	var b strings.Builder
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("auth0|%05d", i+1)
		fmt.Fprintf(&b, `{"user_id":%q,"email":"user%d@example.com","email_verified":true}`+"\n", ids[i], i+1)
	}
	path := filepath.Join(dir, "users.ndjson")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	return path, ids
}

// TestMigrateKilledAndRerun kills `clerkscript migrate` with SIGKILL while
// creates Clerk has applied are unanswered, with applied-then-failed faults
// on top, then runs the same command again: every user exists exactly once.
func TestMigrateKilledAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs clerkscript as a child process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	file, ids := writeAuth0Export(t, dir, 200)
	g := newGatedEmulator(t, 60)
	if err := g.e.SetFaults(emulator.Faults{Rate: 0.05, Kinds: []emulator.FaultKind{emulator.FaultApplied, emulator.FaultAppliedReset}}); err != nil {
		t.Fatal(err)
	}
	args := []string{"migrate", "-y", "-t", "auth0", "-f", file, "--journal", filepath.Join(dir, "j.jsonl"),
		"--failures", filepath.Join(dir, "f.ndjson"), "--concurrency", "4", "--rate", "5000/1s"}

	first := clerkscriptCmd(ctx, g.env(), args...)
	var firstErr syncBuffer
	first.Stderr = &firstErr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.held:
	case <-ctx.Done():
		t.Fatalf("no create reached the gate; stderr:\n%s", firstErr.String())
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	g.open()
	before := g.externalIDs(t)
	if len(before) == 0 || len(before) >= len(ids) {
		t.Fatalf("the kill did not land mid-run: %d users", len(before))
	}

	second := clerkscriptCmd(ctx, g.env(), args...)
	out, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("re-run: %v\n%s", err, out)
	}
	got := g.externalIDs(t)
	if !slices.Equal(got, ids) {
		t.Fatalf("after the re-run %d users (want %d, each once)\n%s", len(got), len(ids), out)
	}
	t.Logf("re-run:\n%s", out)
	if !strings.Contains(string(out), "done in an earlier run:") || strings.Contains(string(out), "done in an earlier run:       0 ") {
		t.Errorf("the re-run did not use the journal:\n%s", out)
	}
}

// TestMigrateInterruptedAndRerun: Ctrl-C stops taking users, lets the
// in-flight creates finish and be journaled (exit 130); the re-run
// completes with every user once.
func TestMigrateInterruptedAndRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs clerkscript as a child process")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	file, ids := writeAuth0Export(t, dir, 100)
	g := newGatedEmulator(t, 30)
	args := []string{"migrate", "-y", "-t", "auth0", "-f", file, "--journal", filepath.Join(dir, "j.jsonl"), "--failures", filepath.Join(dir, "f.ndjson"), "--concurrency", "4", "--rate", "5000/1s"}
	first := clerkscriptCmd(ctx, g.env(), args...)
	pipe, err := first.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	var firstErr syncBuffer
	stopping := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(pipe)
		once := sync.Once{}
		for sc.Scan() {
			fmt.Fprintln(&firstErr, sc.Text())
			if strings.Contains(sc.Text(), "stopping") {
				once.Do(func() { close(stopping) })
			}
		}
	}()
	select {
	case <-g.held:
	case <-ctx.Done():
		t.Fatalf("no create reached the gate; stderr:\n%s", firstErr.String())
	}
	if err := first.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// Let the held creates answer only once the child has stopped taking
	// users.
	select {
	case <-stopping:
	case <-ctx.Done():
		t.Fatalf("child never reported stopping:\n%s", firstErr.String())
	}
	g.open()
	err = first.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("first run: %v, want exit 130\n%s", err, firstErr.String())
	}
	second := clerkscriptCmd(ctx, g.env(), args...)
	out, err := second.CombinedOutput()
	if err != nil {
		t.Fatalf("re-run: %v\n%s", err, out)
	}
	if got := g.externalIDs(t); !slices.Equal(got, ids) {
		t.Fatalf("after the re-run %d users, want %d each once\n%s", len(got), len(ids), out)
	}
	if !strings.Contains(string(out), "found already in Clerk:       0") {
		t.Errorf("after a graceful stop nothing should be in doubt:\n%s", out)
	}
}
