package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/emulator"
)

// A job without reconcile whose invitation was applied but answered 500
// leaves the item in doubt: the run says so and exits 3; a re-run does not
// send it again (still 3); --resend-in-doubt sends it, saying so.
func TestRunInDoubtItemsExitStatusAndResendFlag(t *testing.T) {
	e := startEmu(t, emulator.WithoutRateLimits())
	if err := e.InjectOnce("invitations.create", emulator.FaultApplied); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := filepath.Join(dir, "invite.js")
	src := `await job.run(["n01@example.com"], async (email) => clerk.invitations.create({emailAddress: email}), {name: "invite", key: (e) => e, retryDelay: 0});`
	if err := os.WriteFile(script, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	journal := filepath.Join(dir, "j.jsonl")
	code, _, errOut := runScript(t, context.Background(), e, "--journal", journal, script)
	if code != 3 || !strings.Contains(errOut, "1 item(s) left in doubt") {
		t.Fatalf("first run: exit %d\n%s", code, errOut)
	}
	code, _, errOut = runScript(t, context.Background(), e, "--journal", journal, script)
	if code != 3 || !strings.Contains(errOut, "not sent again") {
		t.Fatalf("re-run: exit %d\n%s", code, errOut)
	}
	if n := len(e.all(t, "invitations.list", map[string]any{"status": "pending"})); n != 1 {
		t.Fatalf("%d pending invitations, want 1", n)
	}
	// Asked for: sent again (the emulator refuses the duplicate, which
	// shows it was sent), and said so.
	code, _, errOut = runScript(t, context.Background(), e, "--resend-in-doubt", "--journal", journal, script)
	if code != 0 || !strings.Contains(errOut, "sending it again as asked") || !strings.Contains(errOut, "already pending invitations") {
		t.Fatalf("--resend-in-doubt: exit %d\n%s", code, errOut)
	}
}
