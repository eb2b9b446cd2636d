package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// docExample returns the ```js block of file that starts with first.
func docExample(t *testing.T, file, first string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, file))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "```js\n"+first)
	if i < 0 {
		t.Fatalf("%s has no js block starting with %q", file, first)
	}
	s = s[i+len("```js\n"):]
	end := strings.Index(s, "```")
	if end < 0 {
		t.Fatalf("%s: unterminated block", file)
	}
	return s[:end]
}

// Every reconcile shown must match exactly: with person01@example.com
// pending, an in-doubt n01@example.com (a substring of it) must not be
// taken for done with person01's invitation; it must be looked up, not
// found, and invited.
func TestShownReconcilesMatchExactly(t *testing.T) {
	for _, c := range []struct{ name, script, job string }{
		{"README.md", docExample(t, "README.md", "// invite.js"), "job"},
		{"docs/JS.md", docExample(t, "docs/JS.md", "// invite.js"), "job"},
		{"bulk_invite.js", "", "bulk_invite"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := startEmu(t)
			e.call(t, "invitations.create", map[string]any{"email_address": "person01@example.com"}, nil)
			dir := t.TempDir()
			csv := filepath.Join(dir, "people.csv")
			if err := os.WriteFile(csv, []byte("email,team\nn01@example.com,support\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			script := examplePath("bulk_invite.js")
			if c.script != "" {
				script = filepath.Join(dir, "invite.js")
				if err := os.WriteFile(script, []byte(c.script), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			// An earlier run died with n01's request in flight.
			journal := filepath.Join(dir, "invite.journal")
			rec := `{"op":"start","job":"` + c.job + `","key":"n01@example.com"}` + "\n"
			if err := os.WriteFile(journal, []byte(rec), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := runScript(t, context.Background(), e, "--journal", journal, script, csv)
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
			}
			seen := pendingInvitations(t, e)
			if seen["n01@example.com"] != 1 || seen["person01@example.com"] != 1 || len(seen) != 2 {
				t.Fatalf("pending invitations %v\n%s", seen, errOut)
			}
			if strings.Contains(errOut, "found by reconcile") {
				t.Fatalf("n01 was taken for found:\n%s", errOut)
			}
		})
	}
}
