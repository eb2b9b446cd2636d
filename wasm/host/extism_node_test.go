package clerkwasm

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// nodeScript loads the plugin with the JavaScript SDK (@extism/extism) and
// prints the verify_token output of every token, as a JSON array.
const nodeScript = `
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [sdkDir, wasmPath, keyPath, tokensPath] = process.argv.slice(2);
const { default: createPlugin } = await import(pathToFileURL(sdkDir + '/node_modules/@extism/extism/dist/esm/mod.js').href);
const plugin = await createPlugin({ wasm: [{ data: readFileSync(wasmPath) }] },
  { useWasi: true, config: { jwt_key: readFileSync(keyPath, 'utf8'), authorized_parties: 'https://app.example.com' } });
const out = [];
for (const t of JSON.parse(readFileSync(tokensPath, 'utf8'))) out.push((await plugin.call('verify_token', t)).text());
await plugin.close();
console.log(JSON.stringify(out));
`

// TestExtismUnderNode is the compatibility proof against the real
// JavaScript host SDK. Opt-in: set CLERKSCRIPT_EXTISM_NODE_DIR to a
// directory where `npm install @extism/extism` was run.
func TestExtismUnderNode(t *testing.T) {
	dir := os.Getenv("CLERKSCRIPT_EXTISM_NODE_DIR")
	if dir == "" {
		t.Skip("opt-in: set CLERKSCRIPT_EXTISM_NODE_DIR to a directory with node_modules/@extism/extism (npm install @extism/extism)")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@extism", "extism")); err != nil {
		t.Fatalf("CLERKSCRIPT_EXTISM_NODE_DIR: %v", err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH")
	}
	now := time.Now()
	long := func(c map[string]any) { c["exp"] = now.Unix() + 3600 } // the run may take minutes on a busy machine
	mint := func(edit func(map[string]any)) string {
		return testkeys.Mint(claimsAt(now, func(c map[string]any) {
			long(c)
			if edit != nil {
				edit(c)
			}
		}), "", "")
	}
	tokens := []string{mint(nil), mint(func(c map[string]any) { c["exp"] = now.Unix() - 3600 }),
		mint(func(c map[string]any) { c["azp"] = "https://evil.example" }),
		testkeys.Secondary.WithKID(testkeys.Primary.KID).Mint(claimsAt(now, long), ""), "abc.def"}
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		mustf(t, os.WriteFile(p, b, 0o600), "write %s", name)
		return p
	}
	toks, _ := json.Marshal(tokens)
	script := write("run.mjs", []byte(nodeScript))
	wasmPath := write("clerk-extism.wasm", extismModule(t))
	keyPath := write("key.pem", []byte(testkeys.Primary.PublicPEM()))
	out, err := exec.Command(node, "--no-warnings", script, dir, wasmPath, keyPath, write("tokens.json", toks)).Output()
	mustf(t, err, "node")
	var fromNode []string
	mustf(t, json.Unmarshal(out, &fromNode), "decode %s", out)
	p := newExtism(t, extismSetup{config: map[string]string{"jwt_key": testkeys.Primary.PublicPEM(),
		"authorized_parties": "https://app.example.com"}})
	for i, tok := range tokens {
		fromGo, err := callExtism(t, p, "verify_token", []byte(tok))
		mustf(t, err, "Go SDK")
		if i >= len(fromNode) {
			t.Fatalf("node answered %d of %d tokens", len(fromNode), len(tokens))
		}
		// The expired token's message names the current time: compare
		// that one by status and reason.
		if i == 1 {
			var a, b struct{ Status, Reason string }
			_ = json.Unmarshal([]byte(fromNode[i]), &a)
			_ = json.Unmarshal(fromGo, &b)
			if a != b || a.Reason != "token-expired" {
				t.Fatalf("expired token:\nnode %s\ngo   %s", fromNode[i], fromGo)
			}
			continue
		}
		if fromNode[i] != string(fromGo) {
			t.Fatalf("token %d:\nnode %s\ngo   %s", i, fromNode[i], fromGo)
		}
	}
}
