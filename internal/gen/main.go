package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/clerkscript/clerkscript/internal/gen/codegen"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run() error {
	specDir := flag.String("spec", "", "directory holding "+codegen.SpecFiles[0].Name+" and "+codegen.SpecFiles[1].Name+", used as is (default $CLERK_SPEC_DIR, else <module root>/../shared/spec, else the pinned "+codegen.UpstreamRepo+"@"+codegen.UpstreamCommit+" files, downloaded once into the user cache and checked against their recorded SHA-256)")
	outDir := flag.String("out", "", "directory to write into (default <module root>/core)")
	check := flag.Bool("check", false, "do not write; fail if the files on disk differ")
	offline := flag.Bool("offline", false, "never download the pinned spec")
	verbose := flag.Bool("v", false, "print counts, sizes and timing")
	flag.Parse()

	root, err := moduleRoot()
	if err != nil {
		return err
	}
	explicit := *specDir
	if explicit == "" {
		explicit = os.Getenv("CLERK_SPEC_DIR")
	}
	dir, err := codegen.FindSpecDir(root, explicit)
	var nf *codegen.SpecNotFoundError
	if errors.As(err, &nf) && !*offline {
		cache, cerr := codegen.CacheDir()
		if cerr != nil {
			return cerr
		}
		fmt.Fprintf(os.Stderr, "gen: downloading %s@%s into %s\n", codegen.UpstreamRepo, codegen.UpstreamCommit, cache)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err = codegen.Fetch(ctx, http.DefaultClient, codegen.UpstreamBaseURL, cache); err == nil {
			dir = cache
		}
	}
	if err != nil {
		return err
	}
	if *outDir == "" {
		*outDir = filepath.Join(root, "core")
	}
	start := time.Now()
	out, err := codegen.Generate(codegen.Config{
		SpecPath:    filepath.Join(dir, codegen.SpecFiles[0].Name),
		OldSpecPath: filepath.Join(dir, codegen.SpecFiles[1].Name),
		TSVPath:     filepath.Join(dir, codegen.TSVName),
		TablePath:   filepath.Join(root, "core", "operations_gen.go"),
		CoreDir:     filepath.Join(root, "core"),
	})
	if err != nil {
		return err
	}
	names := make([]string, 0, len(out.Files))
	for n := range out.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	var stale []string
	for _, n := range names {
		p := filepath.Join(*outDir, n)
		if *check {
			old, _ := os.ReadFile(p)
			if !bytes.Equal(old, out.Files[n]) {
				stale = append(stale, p)
			}
			continue
		}
		if err := writeFile(p, out.Files[n]); err != nil {
			return err
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("generated files are stale (run go generate ./core): %v", stale)
	}
	if *verbose {
		fmt.Printf("%d operations in %v\n", len(out.Operations), time.Since(start).Round(time.Millisecond))
		for _, n := range names {
			fmt.Printf("  %-20s %7d bytes\n", n, len(out.Files[n]))
		}
	}
	return nil
}

// writeFile replaces p atomically, so an interrupted run never leaves a
// half-written file behind.
func writeFile(p string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(p), ".gen-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// moduleRoot walks up from the working directory to the go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
