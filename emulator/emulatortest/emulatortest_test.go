package emulatortest_test

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/emulator/emulatortest"
)

func TestStartServesAndWaitsForEvents(t *testing.T) {
	in := emulatortest.Start(t)
	u, err := in.Client.Users.Create(context.Background(), &core.UsersCreateParams{EmailAddress: []string{"ada@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	ev := in.WaitEvent(t, "user.created", func(e emulator.Event) bool { return strings.Contains(string(e.Body), u.ID) })
	if ev.Type != "user.created" {
		t.Fatalf("event %+v", ev)
	}
}

// The CLI embeds the emulator; it must not link package testing (the reason
// this package exists).
func TestEmulatorDoesNotLinkTesting(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/clerkscript/clerkscript/emulator", "github.com/clerkscript/clerkscript/cmd/clerkscript").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "testing" {
			t.Fatal("package emulator or the CLI imports testing")
		}
	}
}
