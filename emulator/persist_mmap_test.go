//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package emulator

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/clerkscript/clerkscript/internal/mmapfile"
)

// A mapped state file is unmapped when LoadFile returns: the loaded state
// must hold no slice of it. Saving the loaded state reads every string it
// holds; one still pointing into the mapping would fault or differ.
func TestLoadFileKeepsNothingMapped(t *testing.T) {
	h := newHarness(t)
	uid, _, _ := mintSession(t, h)
	h.obj("users.update", map[string]any{"user_id": uid, "first_name": "Zoë \"quoted\" \u2028", "username": "Mapped_User"})
	h.obj("users.updateMetadata", map[string]any{"user_id": uid,
		"public_metadata": map[string]any{"n": 12345678901234567, "s": "é\n"}, "private_metadata": map[string]any{"k": []any{1, "two"}}})
	h.ok("users.create", map[string]any{"email_address": []string{"Second@Example.com"}, "external_id": "ext-é"})
	h.ok("invitations.create", map[string]any{"email_address": "mapped@example.com"})
	path := filepath.Join(t.TempDir(), "state.json")
	if err := h.in.Emulator.SaveFile(path); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, unmap, ok := mmapfile.Map(f); !ok {
		t.Fatal("a regular state file was not mapped")
	} else {
		unmap()
	}
	f.Close()

	e := mustNew(WithSecretKey(h.in.Emulator.SecretKey()))
	if err := e.LoadFile(path); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := e.Save(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("the state saved after a mapped load differs from the file loaded:\n%.300s\nwant\n%.300s", got.Bytes(), want)
	}
}

// A mapped file that shrinks while it loads makes reads past its new end
// fault; the load fails with an error and leaves the emulator as it was.
func TestLoadTruncatedMappedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	if err := scaleState(t, 5000).SaveFile(path); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data, unmap, ok := mmapfile.Map(f)
	if !ok {
		t.Fatal("not mapped")
	}
	defer unmap()
	for _, size := range []int64{int64(len(data)) / 2, 1 << 16, 100} {
		if err := os.Truncate(path, size); err != nil {
			t.Fatal(err)
		}
		e := mustNew()
		sk := e.SecretKey()
		if err := e.load(data); !errors.Is(err, errFileChanged) {
			t.Errorf("truncated to %d bytes: err = %v, want errFileChanged", size, err)
		}
		if e.SecretKey() != sk || e.st.Users.len() != 0 {
			t.Errorf("truncated to %d bytes: the failed load changed the emulator", size)
		}
	}
}
