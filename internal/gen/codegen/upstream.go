package codegen

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// The spec files the generator reads, pinned: Clerk's public OpenAPI
// repository at one commit, each file checked against the SHA-256 recorded
// here, so that every clone generates the same code from the same bytes.
// Updating the spec means changing UpstreamCommit and the sums together.
const (
	UpstreamRepo   = "clerk/openapi-specs"
	UpstreamCommit = "7987d1b"
	// UpstreamBaseURL serves UpstreamRepo's files by commit.
	UpstreamBaseURL = "https://raw.githubusercontent.com/" + UpstreamRepo + "/" + UpstreamCommit + "/"
)

// SpecFile is one input the generator reads.
type SpecFile struct {
	Name     string // file name in a spec directory (../shared/spec layout)
	Upstream string // path inside UpstreamRepo
	SHA256   string
}

// SpecFiles are the pinned inputs: the current spec and the older one that
// still holds sessions.verify.
var SpecFiles = []SpecFile{
	{Name: "bapi-2026-05-12.yml", Upstream: "bapi/2026-05-12.yml", SHA256: "75df3a43fcb2d9fc4467a23c717714f5228aa3267b0930ba34612728365fd8f2"},
	{Name: "bapi-2024-10-01.yml", Upstream: "bapi/2024-10-01.yml", SHA256: "d4cd90f0f774dc50e3468aee2cc57b33c8284f00e8145bd66cef7c8668fcab09"},
}

// TSVName is the optional naming table in a spec directory.
const TSVName = "required-operations.tsv"

// CheckSpecDir reports whether dir holds every pinned spec file with its
// recorded checksum; the error says which file is missing or different.
func CheckSpecDir(dir string) error {
	for _, f := range SpecFiles {
		data, err := os.ReadFile(filepath.Join(dir, f.Name))
		if err != nil {
			return err
		}
		if err := checkSum(f, data); err != nil {
			return fmt.Errorf("%s: %w", filepath.Join(dir, f.Name), err)
		}
	}
	return nil
}

func checkSum(f SpecFile, data []byte) error {
	sum := sha256.Sum256(data)
	if got := hex.EncodeToString(sum[:]); got != f.SHA256 {
		return fmt.Errorf("SHA-256 %s, want %s (the pinned %s@%s:%s)", got, f.SHA256, UpstreamRepo, UpstreamCommit, f.Upstream)
	}
	return nil
}

// CacheDir is where Fetch keeps the pinned files: the user's cache
// directory, keyed by commit.
func CacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "clerkscript", "openapi-specs", UpstreamCommit), nil
}

// Fetch downloads the pinned files from baseURL (UpstreamBaseURL in
// production) into dir, verifying each checksum before it is written: a
// file that does not match is refused, never kept.
func Fetch(ctx context.Context, client *http.Client, baseURL, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range SpecFiles {
		url := baseURL + f.Upstream
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("fetching %s: %w", url, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("fetching %s: %w", url, err)
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("fetching %s: HTTP %d", url, resp.StatusCode)
		}
		if err := checkSum(f, data); err != nil {
			return fmt.Errorf("fetched %s: %w", url, err)
		}
		tmp, err := os.CreateTemp(dir, ".fetch-*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(data)
		cerr := tmp.Close()
		if werr == nil {
			werr = cerr
		}
		if werr == nil {
			werr = os.Rename(tmp.Name(), filepath.Join(dir, f.Name))
		}
		if werr != nil {
			os.Remove(tmp.Name())
			return werr
		}
	}
	return nil
}

// FindSpecDir picks the spec directory without touching the network:
// explicit (the -spec flag or $CLERK_SPEC_DIR) as given; else
// <module root>/../shared/spec when present; else the cache of pinned
// files. The two defaults must match the recorded checksums. When nothing
// is found, the error lists every place tried and why each failed.
func FindSpecDir(moduleRoot, explicit string) (string, error) {
	if explicit != "" {
		if _, err := os.Stat(filepath.Join(explicit, SpecFiles[0].Name)); err != nil {
			return "", fmt.Errorf("spec directory %s: %w", explicit, err)
		}
		return explicit, nil
	}
	var why []string
	shared := filepath.Join(moduleRoot, "..", "shared", "spec")
	if _, err := os.Stat(shared); err == nil {
		if err := CheckSpecDir(shared); err != nil {
			return "", err
		}
		return shared, nil
	}
	why = append(why, shared+" does not exist")
	cache, err := CacheDir()
	if err == nil {
		if err = CheckSpecDir(cache); err == nil {
			return cache, nil
		}
	}
	why = append(why, fmt.Sprintf("no verified copy in the cache (%v)", err))
	return "", &SpecNotFoundError{Tried: why}
}

// SpecNotFoundError says where the spec was looked for.
type SpecNotFoundError struct{ Tried []string }

func (e *SpecNotFoundError) Error() string {
	s := "spec not found: "
	for i, t := range e.Tried {
		if i > 0 {
			s += "; "
		}
		s += t
	}
	return s + fmt.Sprintf("; `go generate ./core` downloads %s@%s into the cache, or set CLERK_SPEC_DIR", UpstreamRepo, UpstreamCommit)
}
