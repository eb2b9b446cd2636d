package main

import (
	"bytes"
	"flag"
	"fmt"
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
	specDir := flag.String("spec", "", "directory holding bapi-2026-05-12.yml, bapi-2024-10-01.yml and required-operations.tsv (default $CLERK_SPEC_DIR, else <module root>/../shared/spec)")
	outDir := flag.String("out", "", "directory to write into (default <module root>/core)")
	check := flag.Bool("check", false, "do not write; fail if the files on disk differ")
	verbose := flag.Bool("v", false, "print counts, sizes and timing")
	flag.Parse()

	root, err := moduleRoot()
	if err != nil {
		return err
	}
	dir := *specDir
	if dir == "" {
		dir = os.Getenv("CLERK_SPEC_DIR")
	}
	if dir == "" {
		dir = filepath.Join(root, "..", "shared", "spec")
	}
	if *outDir == "" {
		*outDir = filepath.Join(root, "core")
	}
	start := time.Now()
	out, err := codegen.Generate(codegen.Config{
		SpecPath:    filepath.Join(dir, "bapi-2026-05-12.yml"),
		OldSpecPath: filepath.Join(dir, "bapi-2024-10-01.yml"),
		TSVPath:     filepath.Join(dir, "required-operations.tsv"),
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
