package migrate

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/migrate/*.golden")

// testFirebase is a made-up Firebase hash configuration.
var testFirebase = &FirebaseHash{SignerKey: "c2lnbmVyLWtleQ==", SaltSeparator: "Bw==", Rounds: 8, MemCost: 14}

// dryRun runs a dry run of file with transformer key and returns the
// printed payloads and the failures file.
func dryRun(t *testing.T, key, file string, o Options) (Stats, string, string) {
	t.Helper()
	tr, err := Load(key)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out bytes.Buffer
	fails := filepath.Join(t.TempDir(), "failures.ndjson")
	o.Transformer, o.Input, o.Format, o.DryRun, o.DryRunOut, o.FailuresPath = tr, f, FormatFor(file), true, &out, fails
	if o.Firebase == nil {
		o.Firebase = testFirebase
	}
	s, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	b, err := os.ReadFile(fails)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return s, out.String(), string(b)
}

// TestDryRunGolden pins the exact payloads and failure reasons for every
// source's test export. The golden files were checked by hand against the
// official tool's transformers; -update rewrites them.
func TestDryRunGolden(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/migrate/*.*")
	n := 0
	for _, file := range files {
		if strings.HasSuffix(file, ".golden") || strings.Contains(filepath.Base(file), "transformer") {
			continue
		}
		n++
		key := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		t.Run(filepath.Base(file), func(t *testing.T) {
			s, out, fails := dryRun(t, key, file, Options{})
			got := fmt.Sprintf("# read %d, planned %d, invalid %d, duplicates %d\n# payloads\n%s# failures\n%s",
				s.Read, s.Planned, s.Invalid, s.Duplicates, out, fails)
			golden := file + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("dry run of %s differs from %s:\n%s", file, golden, got)
			}
		})
	}
	if n < 10 {
		t.Fatalf("found %d test exports, want every source's", n)
	}
}
