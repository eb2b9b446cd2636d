package migrate

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/evanw/esbuild/pkg/api"
)

// TestOfficialToolCompat compares the built-in transformers with Clerk's
// official migration tool itself: its transformer modules and its
// transformKeys run under Node on the same test exports, and the mapped
// users must be the same. Opt-in: the tool is not published on npm, so it
// needs a checkout of github.com/clerk/migration-tool.
//
//	CLERK_MIGRATION_TOOL_DIR=~/src/migration-tool go test ./internal/migrate -run OfficialToolCompat -v
//
// Only JSON exports are compared: with CSV the official Auth0 and Better
// Auth transformers read "true" as unverified (see the README's list of
// differences). Clerk exports are left out because the official tool
// merges their address lists outside the transformer.
func TestOfficialToolCompat(t *testing.T) {
	dir := os.Getenv("CLERK_MIGRATION_TOOL_DIR")
	if dir == "" {
		t.Skip("set CLERK_MIGRATION_TOOL_DIR to a checkout of github.com/clerk/migration-tool (and have node on PATH) to compare with the official transformers")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not on PATH")
	}
	find := func(paths ...string) string {
		for _, p := range paths {
			if _, err := os.Stat(filepath.Join(dir, p)); err == nil {
				return filepath.Join(dir, p)
			}
		}
		return ""
	}
	utils := ""
	for _, p := range []string{"src/utils.ts", "src/lib/index.ts"} {
		if b, err := os.ReadFile(filepath.Join(dir, p)); err == nil && strings.Contains(string(b), "export function transformKeys") {
			utils = filepath.Join(dir, p)
		}
	}
	if utils == "" {
		t.Fatalf("no transformKeys in %s/src/utils.ts or src/lib/index.ts", dir)
	}
	for _, tc := range []struct{ key, file string }{
		{"auth0", "auth0.ndjson"}, {"supabase", "supabase.json"}, {"firebase", "firebase.json"},
		{"betterauth", "betterauth.json"}, {"authjs", "authjs.json"},
	} {
		t.Run(tc.key, func(t *testing.T) {
			mod := find("src/transformers/"+tc.key+".ts", "src/migrate/transformers/"+tc.key+".ts")
			if mod == "" {
				t.Skipf("the checkout has no %s transformer", tc.key)
			}
			tmp := t.TempDir()
			// The records as this package reads them.
			f, err := os.Open("../../testdata/migrate/" + tc.file)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var raws []map[string]any
			tr, err := LoadBuiltin(tc.key)
			if err != nil {
				t.Fatal(err)
			}
			tr.SetContext(Context{Firebase: testFirebase})
			var ours []any
			for rec, err := range Read(f, FormatFor(tc.file), tr.Input) {
				if err != nil {
					t.Fatal(err)
				}
				raws = append(raws, rec.Data)
				u, err := tr.Apply(copyMap(rec.Data))
				if err != nil {
					t.Fatal(err)
				}
				ours = append(ours, u)
			}
			recs, _ := json.Marshal(raws)
			if err := os.WriteFile(filepath.Join(tmp, "records.json"), recs, 0o644); err != nil {
				t.Fatal(err)
			}
			fb, _ := json.Marshal(map[string]any{"base64_signer_key": testFirebase.SignerKey, "base64_salt_separator": testFirebase.SaltSeparator, "rounds": testFirebase.Rounds, "mem_cost": testFirebase.MemCost})
			entry := `import * as m from ` + jsString(mod) + `;
import { transformKeys } from ` + jsString(utils) + `;
const t = m.default;
if (typeof m.setFirebaseHashConfig === 'function') m.setFirebaseHashConfig(` + string(fb) + `);
const recs = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf-8'));
const out = recs.map((r) => {
	const u = transformKeys({ ...r, ...(t.defaults || {}) }, t);
	if (typeof t.postTransform === 'function') t.postTransform(u);
	return u;
});
process.stdout.write(JSON.stringify(out));
`
			if err := os.WriteFile(filepath.Join(tmp, "entry.ts"), []byte(entry), 0o644); err != nil {
				t.Fatal(err)
			}
			// Bundle with the tool's own sources; its npm dependencies
			// (mime-types, prompts...) are not needed by the transform and
			// are stubbed.
			stub := api.Plugin{Name: "stub-packages", Setup: func(b api.PluginBuild) {
				b.OnResolve(api.OnResolveOptions{Filter: `^[^./]`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
					switch strings.TrimPrefix(a.Path, "node:") {
					case "fs", "path", "os", "url", "crypto":
						return api.OnResolveResult{Path: a.Path, External: true}, nil
					}
					return api.OnResolveResult{Path: a.Path, Namespace: "stub"}, nil
				})
				b.OnLoad(api.OnLoadOptions{Filter: ".*", Namespace: "stub"}, func(api.OnLoadArgs) (api.OnLoadResult, error) {
					s := "module.exports = {};"
					return api.OnLoadResult{Contents: &s}, nil
				})
			}}
			res := api.Build(api.BuildOptions{
				EntryPoints: []string{filepath.Join(tmp, "entry.ts")}, Bundle: true, Platform: api.PlatformNode,
				Format: api.FormatCommonJS, Outfile: filepath.Join(tmp, "bundle.js"), Write: true, Plugins: []api.Plugin{stub},
			})
			if len(res.Errors) > 0 {
				t.Fatalf("bundling the official transformer: %v", res.Errors[0].Text)
			}
			out, err := exec.CommandContext(context.Background(), node, filepath.Join(tmp, "bundle.js"), filepath.Join(tmp, "records.json")).Output()
			if err != nil {
				t.Fatalf("node: %v", err)
			}
			var theirs []any
			if err := json.Unmarshal(out, &theirs); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(ours)
			var oursJSON []any
			_ = json.Unmarshal(b, &oursJSON)
			if len(theirs) != len(oursJSON) {
				t.Fatalf("%d users mapped by the official tool, %d here", len(theirs), len(oursJSON))
			}
			for i := range theirs {
				if !reflect.DeepEqual(theirs[i], oursJSON[i]) {
					t.Errorf("record %d:\n official %v\n ours     %v", i+1, theirs[i], oursJSON[i])
				}
			}
		})
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func copyMap(m map[string]any) map[string]any {
	c := make(map[string]any, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}
