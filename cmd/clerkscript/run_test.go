package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/internal/journal"
)

// repoRoot is where scripts/ and testdata/ live (tests run in the package
// directory).
const repoRoot = "../.."

func examplePath(name string) string { return filepath.Join(repoRoot, "scripts", "examples", name) }
func dataPath(name string) string    { return filepath.Join(repoRoot, "testdata", "examples", name) }

// emu is an emulator served on loopback plus a Go client to arrange and
// inspect its state through the public API.
type emu struct {
	*emulator.Emulator
	URL    string
	client *core.Client
}

func startEmu(t *testing.T, opts ...emulator.Option) *emu {
	t.Helper()
	e, err := emulator.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	c := core.NewClient(core.NewClientConfig().WithSecretKey(e.SecretKey()).WithAPIURL(srv.URL).
		WithTransport(core.NewHTTPTransport(&http.Client{})))
	return &emu{Emulator: e, URL: srv.URL, client: c}
}

// gate fronts an emulator with a server that lets the first n invitation
// creations through and holds the later ones until open is called (or
// their client goes away). held is closed when one is held: the job is then
// in its middle whatever the speed of the machine, and cannot finish before
// the test has acted.
type gate struct {
	*emu
	held   chan struct{}
	opened chan struct{}
	once   sync.Once
}

func gateEmu(t *testing.T, e *emu, n int) *gate {
	t.Helper()
	g := &gate{held: make(chan struct{}), opened: make(chan struct{})}
	var mu sync.Mutex
	count, heldOnce := 0, sync.Once{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/invitations" {
			mu.Lock()
			count++
			over := count > n
			mu.Unlock()
			if over {
				heldOnce.Do(func() { close(g.held) })
				select {
				case <-g.opened:
				case <-r.Context().Done():
					return
				}
			}
		}
		e.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(g.open) // before srv.Close: let held requests go
	ge := *e
	ge.URL = srv.URL
	g.emu = &ge
	return g
}

func (g *gate) open() { g.once.Do(func() { close(g.opened) }) }

// call makes one API call and decodes the result.
func (e *emu) call(t *testing.T, name string, params map[string]any, out any) {
	t.Helper()
	raw, err := e.client.Call(context.Background(), name, params)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// all walks a list operation.
func (e *emu) all(t *testing.T, name string, params map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for raw, err := range e.client.Paginate(context.Background(), name, params) {
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// runScript runs `clerkscript run args...` in process against e.
func runScript(t *testing.T, ctx context.Context, e *emu, args ...string) (int, string, string) {
	t.Helper()
	t.Setenv("CLERK_SECRET_KEY", e.SecretKey())
	t.Setenv("CLERK_API_URL", e.URL)
	// bulk_invite.js paces itself at Clerk's 100 invitations per hour; the
	// emulators of these tests have that limit off or scaled.
	t.Setenv("INVITE_RATE", "100000/1s")
	var out, errb bytes.Buffer
	code := dispatch(ctx, append([]string{"run"}, args...), strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

func pendingInvitations(t *testing.T, e *emu) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for _, inv := range e.all(t, "invitations.list", map[string]any{"status": "pending"}) {
		seen[inv["email_address"].(string)]++
	}
	return seen
}

func assertExactlyOnce(t *testing.T, seen map[string]int, want int) {
	t.Helper()
	if len(seen) != want {
		t.Errorf("%d distinct items in the emulator, want %d", len(seen), want)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s is there %d times", k, n)
		}
	}
}

func TestBulkInviteExample(t *testing.T) {
	e := startEmu(t)
	journal := filepath.Join(t.TempDir(), "invites.journal")
	code, out, errOut := runScript(t, context.Background(), e, "--journal", journal, examplePath("bulk_invite.js"), dataPath("invites.csv"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "invited 25 (0 already done), 0 failed") {
		t.Errorf("stdout = %q", out)
	}
	seen := pendingInvitations(t, e)
	assertExactlyOnce(t, seen, 25)
	if seen["person01@example.com"] != 1 {
		t.Errorf("person01 missing: %v", seen)
	}
	var invs []map[string]any
	e.call(t, "invitations.list", map[string]any{"query": "person07@example.com"}, &invs)
	if len(invs) != 1 || invs[0]["public_metadata"].(map[string]any)["team"] != "support" {
		t.Errorf("person07's invitation = %v", invs)
	}

	// A second run skips everything, sending nothing.
	code, out, errOut = runScript(t, context.Background(), e, "--journal", journal, examplePath("bulk_invite.js"), dataPath("invites.csv"))
	if code != 0 || !strings.Contains(out, "invited 0 (25 already done), 0 failed") {
		t.Fatalf("re-run: exit %d\n%s\n%s", code, out, errOut)
	}
	assertExactlyOnce(t, pendingInvitations(t, e), 25)
}

func TestBulkInviteReconcilesInDoubtItems(t *testing.T) {
	e := startEmu(t)
	dir := t.TempDir()
	journal := filepath.Join(dir, "invites.journal")
	// An earlier run died after sending person03's invitation: the journal
	// has its start record only.
	e.call(t, "invitations.create", map[string]any{"email_address": "person03@example.com"}, nil)
	if err := os.WriteFile(journal, []byte(`{"op":"start","job":"bulk_invite","key":"person03@example.com"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runScript(t, context.Background(), e, "--journal", journal, examplePath("bulk_invite.js"), dataPath("invites.csv"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "1 found by reconcile") {
		t.Errorf("summary does not report the reconciled item:\n%s", errOut)
	}
	assertExactlyOnce(t, pendingInvitations(t, e), 25)
}

func TestMigrateUsersExample(t *testing.T) {
	e := startEmu(t)
	// legacy-1003 was imported by an earlier run that kept no journal.
	e.call(t, "users.create", map[string]any{"external_id": "legacy-1003", "email_address": []string{"alan@example.com"}, "skip_password_requirement": true}, nil)
	journal := filepath.Join(t.TempDir(), "users.journal")
	code, out, errOut := runScript(t, context.Background(), e, "--journal", journal, examplePath("migrate_users.js"), dataPath("users.json"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	users := e.all(t, "users.list", nil)
	byExt := map[string]map[string]any{}
	for _, u := range users {
		ext, _ := u["external_id"].(string)
		if _, dup := byExt[ext]; dup {
			t.Errorf("external_id %s imported twice", ext)
		}
		byExt[ext] = u
	}
	if len(users) != 8 || len(byExt) != 8 {
		t.Fatalf("%d users, want 8", len(users))
	}
	ada := byExt["legacy-1001"]
	if ada["first_name"] != "Ada" || ada["password_enabled"] != true {
		t.Errorf("ada = %v", ada)
	}
	if meta := ada["public_metadata"].(map[string]any); meta["legacy_flags"].(map[string]any)["beta_user"] != true {
		t.Errorf("metadata keys were renamed: %v", meta)
	}
	if ca, _ := ada["created_at"].(float64); int64(ca) != time.Date(2019, 3, 4, 10, 0, 0, 0, time.UTC).UnixMilli() {
		t.Errorf("created_at = %v", ada["created_at"])
	}
	if byExt["legacy-1006"]["password_enabled"] == true {
		t.Errorf("a user without a digest got a password")
	}
	code, out, _ = runScript(t, context.Background(), e, "--journal", journal, examplePath("migrate_users.js"), dataPath("users.json"))
	if code != 0 || !strings.Contains(out, "migrated 0 users (8 already done)") {
		t.Fatalf("re-run: exit %d: %s", code, out)
	}
}

func TestExportUsersExample(t *testing.T) {
	e := startEmu(t, emulator.WithoutRateLimits())
	const n = 230
	for i := 0; i < n; i++ {
		e.call(t, "users.create", map[string]any{"external_id": fmt.Sprintf("u%03d", i), "email_address": []string{fmt.Sprintf("u%03d@example.com", i)},
			"public_metadata": map[string]any{"snake_key": i}, "skip_password_requirement": true}, nil)
	}
	out := filepath.Join(t.TempDir(), "users.ndjson")
	code, stdout, errOut := runScript(t, context.Background(), e, "--rate", "10000/1s", examplePath("export_users.js"), out, "100")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errOut)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var u map[string]any
		if err := json.Unmarshal(sc.Bytes(), &u); err != nil {
			t.Fatalf("line %d: %v", len(ids)+1, err)
		}
		if _, ok := u["externalId"]; !ok {
			t.Fatalf("keys are not camelCase: %s", sc.Bytes())
		}
		if _, ok := u["publicMetadata"].(map[string]any)["snake_key"]; !ok {
			t.Fatalf("metadata keys were renamed: %s", sc.Bytes())
		}
		ids[u["id"].(string)] = true
	}
	if len(ids) != n {
		t.Fatalf("%d distinct users exported, want %d", len(ids), n)
	}
}

func TestRevokeStaleInvitationsExample(t *testing.T) {
	var mu sync.Mutex
	// 20 days: old enough to be stale at 14, young enough not to have
	// expired (invitations expire after 30 days).
	now := time.Now().Add(-20 * 24 * time.Hour)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := startEmu(t, emulator.WithClock(clock))
	for i := 0; i < 3; i++ {
		e.call(t, "invitations.create", map[string]any{"email_address": fmt.Sprintf("old%d@example.com", i)}, nil)
	}
	mu.Lock()
	now = time.Now()
	mu.Unlock()
	for i := 0; i < 2; i++ {
		e.call(t, "invitations.create", map[string]any{"email_address": fmt.Sprintf("new%d@example.com", i)}, nil)
	}
	code, out, errOut := runScript(t, context.Background(), e, examplePath("revoke_stale_invitations.js"), "14")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "revoked 3, 0 failed") {
		t.Errorf("stdout = %q", out)
	}
	pending := pendingInvitations(t, e)
	if len(pending) != 2 || pending["new0@example.com"] != 1 || pending["new1@example.com"] != 1 {
		t.Errorf("pending = %v", pending)
	}
}

func TestSyncOrgMembersExample(t *testing.T) {
	e := startEmu(t)
	ids := map[string]string{}
	for _, name := range []string{"ada", "grace", "alan", "ken"} {
		var u struct{ ID string }
		e.call(t, "users.create", map[string]any{"email_address": []string{name + "@example.com"}, "skip_password_requirement": true}, &u)
		ids[name] = u.ID
	}
	var org struct{ ID string }
	e.call(t, "organizations.create", map[string]any{"name": "Acme", "slug": "acme"}, &org)
	e.call(t, "organizationMemberships.create", map[string]any{"organization_id": org.ID, "user_id": ids["grace"], "role": "org:admin"}, nil)
	e.call(t, "organizationMemberships.create", map[string]any{"organization_id": org.ID, "user_id": ids["ken"], "role": "org:member"}, nil)

	code, out, errOut := runScript(t, context.Background(), e, examplePath("sync_org_members.js"), "acme", dataPath("org_members.csv"))
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	got := map[string]string{}
	for _, m := range e.all(t, "organizationMemberships.list", map[string]any{"organization_id": org.ID}) {
		pud := m["public_user_data"].(map[string]any)
		got[pud["user_id"].(string)] = m["role"].(string)
	}
	want := map[string]string{ids["ada"]: "org:admin", ids["grace"]: "org:member", ids["alan"]: "org:member"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("memberships = %v, want %v\n%s", got, want, out)
	}
	// In sync now: a second run changes nothing.
	code, out, _ = runScript(t, context.Background(), e, examplePath("sync_org_members.js"), "acme", dataPath("org_members.csv"))
	if code != 0 || strings.TrimSpace(out) != "" {
		t.Errorf("second run: exit %d, output %q", code, out)
	}
}

func TestRunTimeoutAborts(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "wait.js")
	if err := os.WriteFile(script, []byte("await sleep(60000);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--timeout", "50ms", script}, strings.NewReader(""), &out, &errb)
	if code != 124 || !strings.Contains(errb.String(), "--timeout") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

func TestRunScriptErrorExitsNonZeroWithStack(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "bad.js")
	if err := os.WriteFile(script, []byte("const x = 1;\nawait sleep(1);\nnull.boom;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), []string{"run", script}, strings.NewReader(""), &out, &errb)
	if code != 1 || !strings.Contains(errb.String(), "TypeError") || !strings.Contains(errb.String(), "bad.js:3") {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}

func TestRunEmulateBanner(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "count.js")
	if err := os.WriteFile(script, []byte("const c = await clerk.users.count();\nconsole.log(c.totalCount);\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--emulate", script}, strings.NewReader(""), &out, &errb)
	if code != 0 || out.String() != "0\n" || !strings.Contains(errb.String(), "EMULATOR MODE") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// TestFirstInterruptLetsInFlightItemsFinish cancels the run's context (what
// the first Ctrl-C does) in the middle of a job: no new item starts, the
// ones in flight complete and are journaled as done, none is left in doubt.
func TestFirstInterruptLetsInFlightItemsFinish(t *testing.T) {
	e := startEmu(t, emulator.WithoutRateLimits(), emulator.WithFaults(emulator.Faults{Latency: 20 * time.Millisecond}))
	dir := t.TempDir()
	csv := writeInviteCSV(t, dir, 200)
	journal := filepath.Join(dir, "j.jsonl")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	g := gateEmu(t, e, 20)
	go func() {
		<-g.held
		cancel()
		g.open() // the items in flight finish after the interrupt
	}()
	code, out, errOut := runScript(t, ctx, g.emu, "--journal", journal, "--rate", "100000/1s", examplePath("bulk_invite.js"), csv)
	if code != 130 {
		t.Fatalf("exit %d, want 130\n%s\n%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "stopped before the end") {
		t.Errorf("no stop notice in\n%s", errOut)
	}
	entries := readJournal(t, journal)
	done := 0
	for key, st := range entries {
		if st != "done" {
			t.Errorf("%s left %s", key, st)
		}
		done++
	}
	seen := pendingInvitations(t, e)
	assertExactlyOnce(t, seen, done)
	if done >= 200 {
		t.Errorf("the job was not stopped (%d done)", done)
	}
}

func writeInviteCSV(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("email\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "user%04d@example.com\n", i)
	}
	p := filepath.Join(dir, "invites.csv")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// readJournal returns the last state of each key.
func readJournal(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		var rec journal.Record
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			continue // a torn last line
		}
		switch rec.Op {
		case "start":
			out[rec.Key] = "in-doubt"
		case "done":
			out[rec.Key] = "done"
		case "fail":
			out[rec.Key] = "failed"
		}
	}
	return out
}

// TestHelperClerkscript doubles as the clerkscript process of the
// reliability test, which re-executes the test binary with
// CLERKSCRIPT_HELPER=1 to get a process it can SIGKILL. Run as a plain
// test it checks the usage error of a bare "run".
func TestHelperClerkscript(t *testing.T) {
	if os.Getenv("CLERKSCRIPT_HELPER") != "1" {
		var out, errb bytes.Buffer
		if code := dispatch(context.Background(), []string{"run"}, strings.NewReader(""), &out, &errb); code != 2 || !strings.Contains(errb.String(), "missing script.js") {
			t.Fatalf("bare run: exit %d, stderr %q", code, errb.String())
		}
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("CLERKSCRIPT_ARGS")), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func helperCommand(t *testing.T, e *emu, args ...string) *exec.Cmd {
	t.Helper()
	a, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperClerkscript$")
	cmd.Env = append(os.Environ(), "CLERKSCRIPT_HELPER=1", "CLERKSCRIPT_ARGS="+string(a),
		"CLERK_SECRET_KEY="+e.SecretKey(), "CLERK_API_URL="+e.URL, "INVITE_RATE=100000/1s")
	return cmd
}

// TestKilledJobResumesWithoutDuplicates is reliability test (a): SIGKILL
// `clerkscript run` in the middle of a 500-item job, run it again, and the
// emulator ends with exactly 500 invitations, none twice.
func TestKilledJobResumesWithoutDuplicates(t *testing.T) {
	e := startEmu(t, emulator.WithRateLimit(emulator.RateLimit{Requests: 100000, Window: time.Second}),
		emulator.WithEndpointLimitScale(0), emulator.WithFaults(emulator.Faults{Latency: 3 * time.Millisecond}))
	dir := t.TempDir()
	csv := writeInviteCSV(t, dir, 500)
	journal := filepath.Join(dir, "invites.journal")
	args := []string{"run", "--journal", journal, "--rate", "100000/1s", "--concurrency", "8", examplePath("bulk_invite.js"), csv}

	g := gateEmu(t, e, 150)
	cmd := helperCommand(t, g.emu, args...)
	var stderr1 syncBuffer
	cmd.Stderr = &stderr1
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	select {
	case <-g.held: // 150 invitations sent, the next ones held: mid-job
	case <-exited:
		t.Fatalf("the job ended before its 151st invitation:\n%s", stderr1.String())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-exited
	g.open()
	before := len(pendingInvitations(t, e))
	if before >= 500 {
		t.Fatalf("the process finished before it was killed (%d invitations)", before)
	}

	cmd = helperCommand(t, e, args...)
	var stdout2, stderr2 bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout2, &stderr2
	if err := cmd.Run(); err != nil {
		t.Fatalf("re-run: %v\n%s\n%s", err, stdout2.String(), stderr2.String())
	}
	assertExactlyOnce(t, pendingInvitations(t, e), 500)
	if !strings.Contains(stdout2.String(), "0 failed") {
		t.Errorf("re-run output: %s\n%s", stdout2.String(), stderr2.String())
	}
	for key, st := range readJournal(t, journal) {
		if st != "done" {
			t.Errorf("%s ended %s", key, st)
		}
	}
	t.Logf("killed after %d invitations; re-run: %s", before, strings.TrimSpace(stderr2.String()))
}

// longTests reports whether the long variants of the soak tests run
// (CLERKSCRIPT_LONG=1, as in `.ci/run`'s long mode); by default they run
// a size that keeps `go test ./...` within two minutes.
func longTests() bool { return os.Getenv("CLERKSCRIPT_LONG") != "" }

// TestJobUnderFaultsExactlyOnce is reliability test (b): the emulator fails
// a third of the requests, including writes that were applied before the
// failure. Every item ends in the emulator exactly once, and every failure
// is reported (in the journal and the summary).
func TestJobUnderFaultsExactlyOnce(t *testing.T) {
	e := startEmu(t, emulator.WithoutRateLimits(), emulator.WithSeed(7), emulator.WithFaults(emulator.Faults{
		Rate:  0.3,
		Kinds: []emulator.FaultKind{emulator.Fault500, emulator.FaultApplied, emulator.FaultAppliedReset, emulator.FaultReset, emulator.Fault503, emulator.Fault502},
	}))
	n := 40
	if longTests() {
		n = 600
	}
	dir := t.TempDir()
	csv := writeInviteCSV(t, dir, n)
	journal := filepath.Join(dir, "invites.journal")
	failures := 0
	for run := 1; run <= 3; run++ {
		code, out, errOut := runScript(t, context.Background(), e, "--journal", journal, "--rate", "100000/1s", examplePath("bulk_invite.js"), csv)
		entries := readJournal(t, journal)
		failed := 0
		for _, st := range entries {
			if st != "done" {
				failed++
			}
		}
		// Every item not done is reported: in the summary on stderr and
		// with its error in the journal.
		if failed > 0 {
			if code == 0 || !strings.Contains(out, fmt.Sprintf("%d failed", failed)) {
				t.Fatalf("run %d: %d items not done but exit %d, stdout %q", run, failed, code, out)
			}
			failures += failed
			continue
		}
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s\n%s", run, code, out, errOut)
		}
		break
	}
	b, _ := os.ReadFile(journal)
	retries := bytes.Count(b, []byte(`"op":"retry"`))
	reconciled := bytes.Count(b, []byte(`"via":"reconcile"`))
	if retries+reconciled == 0 {
		t.Fatalf("no fault was seen: the test did not test anything")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, `"op":"retry"`) && !strings.Contains(line, `"message"`) {
			t.Errorf("retry record without its error: %s", line)
		}
	}
	assertExactlyOnce(t, pendingInvitations(t, e), n)
	t.Logf("%d retries, %d reconciled, %d items failed in earlier runs", retries, reconciled, failures)
}

func TestTypesCommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"types"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	s := out.String()
	for _, want := range []string{
		"// Code generated by `clerkscript types`. DO NOT EDIT.",
		"declare const clerk: {",
		"  users: ClerkUsersAPI;",
		// The global clerk's @clerk/backend names are typed as they behave.
		`  getUserList(params?: Clerk.UsersListParams): Promise<import("@clerk/backend").PaginatedResourceResponse<import("@clerk/backend").User>>;`,
		`  createInvitation(params?: Clerk.InvitationsCreateParams): Promise<import("@clerk/backend").Invitation>;`,
		`declare module "@clerk/backend" {`,
		`declare module "clerkscript" {`,
		"    emailAddress: string;",
		"declare class ClerkAPIError extends Error {",
		"declare const job: {",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("declarations lack %q", want)
		}
	}
	for _, op := range core.Operations() {
		if !strings.Contains(s, "  "+op.Method+"(") {
			t.Errorf("no declaration for %s", op.Name)
		}
	}
}

// A script that does not compile is refused before the emulator starts:
// the error names file:line:column, and no emulator banner precedes it.
func TestRunBadScriptBeforeEmulator(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "bad.js")
	if err := os.WriteFile(script, []byte("const ok = 1;\nconst x = ;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "run", "--emulate", script)
	if code != 1 || out != "" || !strings.Contains(errOut, "bad.js:2:11: Unexpected \";\"") {
		t.Fatalf("exit %d stdout %q stderr %q", code, out, errOut)
	}
	if strings.Contains(errOut, "EMULATOR MODE") {
		t.Errorf("the emulator was started for a script that does not compile: %q", errOut)
	}
}

// A bad flag value is a usage error before anything starts: no emulator
// banner, no script run.
func TestRunBadRateBeforeEmulator(t *testing.T) {
	script := filepath.Join(t.TempDir(), "ok.js")
	if err := os.WriteFile(script, []byte("console.log('ran')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, rate := range []string{"0/0s", "1/0s", "x"} {
		code, out, errOut := runCLI(t, "", "run", "--emulate", "--rate", rate, script)
		if code != 2 || out != "" || !strings.Contains(errOut, "--rate") || strings.Contains(errOut, "EMULATOR MODE") {
			t.Errorf("--rate %s: exit %d stdout %q stderr %q; want a usage error before the emulator starts", rate, code, out, errOut)
		}
	}
}
