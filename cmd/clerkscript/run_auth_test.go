package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/emulator"
)

// A wrong secret key fails every item the same way: the job stops at the
// first 401 with one message (not 25 identical failures), the journal is
// left intact, and a re-run with the right key does every item once.
func TestWrongSecretKeyStopsTheJob(t *testing.T) {
	e := startEmu(t, emulator.WithoutRateLimits())
	dir := t.TempDir()
	csv := writeInviteCSV(t, dir, 25)
	journal := csv + ".journal"
	t.Setenv("CLERK_SECRET_KEY", "sk_test_wrong_key_0123456789")
	t.Setenv("CLERK_API_URL", e.URL)
	t.Setenv("INVITE_RATE", "100000/1s")
	var out, errb bytes.Buffer
	code := dispatch(context.Background(), []string{"run", "--journal", journal, examplePath("bulk_invite.js"), csv}, strings.NewReader(""), &out, &errb)
	errOut := errb.String()
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, errOut)
	}
	if n := strings.Count(errOut, "stopped: the secret key was refused (401)"); n != 1 {
		t.Fatalf("no clear message:\n%s", errOut)
	}
	// bulk_invite.js runs 4 items at once: at most those in flight when
	// the first 401 came back were sent, and one failure line is printed.
	if n := strings.Count(errOut, "job bulk_invite: failed "); n != 1 {
		t.Fatalf("%d failure lines, want 1:\n%s", n, errOut)
	}
	if strings.Contains(errOut, "sk_test_wrong_key") {
		t.Fatalf("the secret key leaked:\n%s", errOut)
	}
	if done := countDone(journal); done != 0 {
		t.Fatalf("%d items done with a wrong key", done)
	}

	code, stdout, errOut := runScript(t, context.Background(), e, "--journal", journal, examplePath("bulk_invite.js"), csv)
	if code != 0 || !strings.Contains(stdout, "invited 25 (0 already done), 0 failed") {
		t.Fatalf("re-run: exit %d\n%s\n%s", code, stdout, errOut)
	}
	assertExactlyOnce(t, pendingInvitations(t, e), 25)
}

// countDone counts the items a journal records as done.
func countDone(journal string) int {
	b, _ := os.ReadFile(journal)
	return bytes.Count(b, []byte(`"op":"done"`))
}
