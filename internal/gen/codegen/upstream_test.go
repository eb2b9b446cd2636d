package codegen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// withPins swaps the pinned files for small ones served by a test server.
func withPins(t *testing.T, files map[string]string) {
	t.Helper()
	old := SpecFiles
	t.Cleanup(func() { SpecFiles = old })
	SpecFiles = nil
	for _, name := range []string{"a.yml", "b.yml"} {
		sum := sha256.Sum256([]byte(files[name]))
		SpecFiles = append(SpecFiles, SpecFile{Name: name, Upstream: "bapi/" + name, SHA256: hex.EncodeToString(sum[:])})
	}
}

func TestFetchVerifiesChecksums(t *testing.T) {
	good := map[string]string{"a.yml": "openapi: a\n", "b.yml": "openapi: b\n"}
	withPins(t, good)
	serve := good
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := serve[strings.TrimPrefix(r.URL.Path, "/bapi/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()

	dir := t.TempDir()
	if err := Fetch(context.Background(), srv.Client(), srv.URL+"/", dir); err != nil {
		t.Fatal(err)
	}
	if err := CheckSpecDir(dir); err != nil {
		t.Fatalf("fetched files do not check: %v", err)
	}

	// A tampered upstream file is refused and never written.
	serve = map[string]string{"a.yml": "openapi: evil\n", "b.yml": good["b.yml"]}
	dir2 := t.TempDir()
	err := Fetch(context.Background(), srv.Client(), srv.URL+"/", dir2)
	if err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("tampered file accepted: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir2, "a.yml")); !os.IsNotExist(err) {
		t.Errorf("tampered file was written: %v", err)
	}

	// A 404 names the URL.
	serve = map[string]string{}
	if err := Fetch(context.Background(), srv.Client(), srv.URL+"/", t.TempDir()); err == nil || !strings.Contains(err.Error(), "HTTP 404") {
		t.Errorf("404 not reported: %v", err)
	}
}

func TestFindSpecDir(t *testing.T) {
	good := map[string]string{"a.yml": "openapi: a\n", "b.yml": "openapi: b\n"}
	withPins(t, good)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // an empty cache
	t.Setenv("HOME", t.TempDir())
	root := filepath.Join(t.TempDir(), "repo")
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	// Nothing anywhere: the error lists where it looked.
	_, err := FindSpecDir(root, "")
	var nf *SpecNotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "shared") || !strings.Contains(err.Error(), "cache") {
		t.Fatalf("want SpecNotFoundError naming the places tried, got %v", err)
	}
	// ../shared/spec present with the pinned bytes: used.
	shared := filepath.Join(root, "..", "shared", "spec")
	os.MkdirAll(shared, 0o755)
	for n, body := range good {
		os.WriteFile(filepath.Join(shared, n), []byte(body), 0o644)
	}
	if dir, err := FindSpecDir(root, ""); err != nil || dir != shared {
		t.Fatalf("FindSpecDir = %q, %v; want %s", dir, err, shared)
	}
	// ../shared/spec with other bytes: a clear checksum error, not a silent use.
	os.WriteFile(filepath.Join(shared, "a.yml"), []byte("changed"), 0o644)
	if _, err := FindSpecDir(root, ""); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Fatalf("mismatched default spec accepted: %v", err)
	}
	// An explicit directory is taken as given (a new spec being tried).
	if dir, err := FindSpecDir(root, shared); err != nil || dir != shared {
		t.Fatalf("explicit dir: %q, %v", dir, err)
	}
}

func TestHandWrittenNames(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.go"), []byte("package p\ntype Param struct{}\nfunc Ptr() {}\nfunc (Param) M() {}\nvar X, y = 1, 2\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "b_gen.go"), []byte("package p\ntype User struct{}\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "a_test.go"), []byte("package p\ntype T struct{}\n"), 0o644)
	got, err := HandWrittenNames(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Param", "Ptr", "X", "y"} {
		if !got[n] {
			t.Errorf("%s missing", n)
		}
	}
	for _, n := range []string{"M", "User", "T"} {
		if got[n] {
			t.Errorf("%s should not be listed", n)
		}
	}
}
