package jsbind

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// runFiles writes files into a temporary directory, makes it the working
// directory (so that stacks show short relative names) and runs entry.
func runFiles(t *testing.T, files map[string]string, entry string, opts Options) (string, string, error) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	var out, errb bytes.Buffer
	opts.Stdout, opts.Stderr = &out, &errb
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = r.RunScript(ctx, entry, files[entry])
	return out.String(), errb.String(), err
}

func TestBundleTypeScriptModulesAndJSON(t *testing.T) {
	out, _, err := runFiles(t, map[string]string{
		"main.ts": `import greet, { Color, twice, type Named } from "./lib";
import data from "./data.json";
import * as util from "./util.mjs";
const cjs = require("./legacy.cjs");
interface Local extends Named { n: number }
const l: Local = { name: "ada", n: 2 };
console.log(greet(l), Color.Blue, Color[Color.Blue] ?? "-", data.items.length, util.upper("x"), cjs.kind, twice(l.n));
`,
		"lib.ts": `export enum Color { Red, Blue }
export interface Named { name: string }
export default function greet(p: Named): string { return "hi " + p.name; }
export const twice = (n: number): number => n * 2;
`,
		"data.json":  `{"items": [1, 2, 3]}`,
		"util.mjs":   `export function upper(s) { return s.toUpperCase(); }`,
		"legacy.cjs": `module.exports = { kind: "cjs" };`,
	}, "main.ts", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out != "hi ada 1 Blue 3 X cjs 4\n" {
		t.Fatalf("out = %q", out)
	}
}

func TestBundleLowersSyntaxGojaLacks(t *testing.T) {
	out, _, err := runFiles(t, map[string]string{
		"main.js": `async function* gen() { yield 1; await null; yield 2; }
const seen = [];
for await (const v of gen()) seen.push(v);
for await (const v of [Promise.resolve(3), 4]) seen.push(v);
class Counter { #n = 0; static #made = 0; inc() { Counter.#made++; return ++this.#n; } static made() { return Counter.#made; } }
const c = new Counter(); c.inc(); c.inc();
let o = {}; o.a ??= 5; o.a ||= 6; o.b &&= 7;
console.log(seen.join(","), c.inc(), Counter.made(), o.a, o.b, typeof Symbol.asyncIterator);
`,
	}, "main.js", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out != "1,2,3,4 3 3 5 undefined symbol\n" {
		t.Fatalf("out = %q", out)
	}
}

func TestBundleNodeModulesPackage(t *testing.T) {
	out, _, err := runFiles(t, map[string]string{
		"main.mjs":                          `import pad from "leftpad"; import { add } from "esm-pkg"; console.log(pad("a", 3) + "|", add(1, 2));`,
		"node_modules/leftpad/package.json": `{"name": "leftpad", "main": "index.js"}`,
		"node_modules/leftpad/index.js":     `module.exports = function (s, n) { return String(s).padStart(n); };`,
		"node_modules/esm-pkg/package.json": `{"name": "esm-pkg", "type": "module", "exports": {".": {"import": "./m.js"}}}`,
		"node_modules/esm-pkg/m.js":         `export const add = (a, b) => a + b;`,
	}, "main.mjs", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out != "  a| 3\n" {
		t.Fatalf("out = %q", out)
	}
}

func TestBundlePackageNeedingNodeBuiltinIsNamed(t *testing.T) {
	_, _, err := runFiles(t, map[string]string{
		"main.js":                             `import x from "needs-net"; console.log(x);`,
		"node_modules/needs-net/package.json": `{"name": "needs-net", "main": "index.js"}`,
		"node_modules/needs-net/index.js":     `const net = require("net"); module.exports = net;`,
	}, "main.js", Options{})
	var se *ScriptError
	if !errors.As(err, &se) || !strings.Contains(se.Message, `package "needs-net" needs the Node built-in module "net"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestBundleUnknownNodeImportFailsAtStart(t *testing.T) {
	out, _, err := runFiles(t, map[string]string{
		"main.js": "console.log('started');\nimport { createHash } from \"node:crypto\";\n",
	}, "main.js", Options{})
	var se *ScriptError
	if !errors.As(err, &se) || !strings.Contains(se.Message, `main.js:2:28: the Node built-in module "node:crypto" is not provided`) || out != "" {
		t.Fatalf("out=%q err = %v", out, err)
	}
}

func TestBundleReportsEverySyntaxErrorWithColumns(t *testing.T) {
	_, _, err := runFiles(t, map[string]string{
		"main.ts": "import { a } from \"./a\";\nimport { b } from \"./b\";\nconsole.log(a, b);\n",
		"a.ts":    "export const a = 1;\nconst é = 2; let x = ;\n",
		"b.ts":    "export const b = (;\n",
	}, "main.ts", Options{})
	var se *ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	// Columns count characters from 1, like editors ("é" is two bytes).
	for _, want := range []string{"a.ts:2:22: Unexpected \";\"", "b.ts:1:19: Unexpected \";\""} {
		if !strings.Contains(se.Message, want) {
			t.Errorf("missing %q in:\n%s", want, se.Message)
		}
	}
}

func TestRuntimeErrorsPointAtTheOriginalSource(t *testing.T) {
	_, _, err := runFiles(t, map[string]string{
		"main.ts": "import { check } from \"./lib\";\ntype T = { n: number };\nconst t: T = { n: -1 };\nawait null;\ncheck(t.n);\n",
		"lib.ts":  "// a comment\nexport function check(n: number): void {\n  if (n < 0) throw new RangeError(\"negative: \" + n);\n}\n",
	}, "main.ts", Options{})
	var se *ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v", err)
	}
	want := "Uncaught RangeError: negative: -1\n\tat check (lib.ts:3:20)\n\tat main.ts:5:1"
	if !strings.HasPrefix(se.Message, want) {
		t.Fatalf("got:\n%s\nwant prefix:\n%s", se.Message, want)
	}
	if strings.Contains(se.Message, "clerkscript-bundle") || strings.Contains(se.Message, "native") {
		t.Fatalf("internal frames shown:\n%s", se.Message)
	}
}

func TestGoFramesAreHiddenFromStacks(t *testing.T) {
	_, _, err := runFiles(t, map[string]string{
		"main.js": "const rows = fs.readCSV('missing.csv');\n",
	}, "main.js", Options{})
	var se *ScriptError
	if !errors.As(err, &se) || strings.Contains(se.Message, "jsbind") || strings.Contains(se.Message, "(native)") || !strings.Contains(se.Message, "main.js:1:") {
		t.Fatalf("err = %v", err)
	}
}

func TestThrownPlainObjectIsShownAsJSON(t *testing.T) {
	_, _, err := runFiles(t, map[string]string{"main.js": "throw {code: 1, why: 'x'};\n"}, "main.js", Options{})
	var se *ScriptError
	if !errors.As(err, &se) || se.Message != `Uncaught {"code":1,"why":"x"}` {
		t.Fatalf("err = %v", err)
	}
}

func TestScriptExportsAreIgnored(t *testing.T) {
	out, _, err := runFiles(t, map[string]string{"main.mjs": "export const a = 1;\nexport default function f() {}\nconsole.log('ran', a);\n"}, "main.mjs", Options{})
	if err != nil || out != "ran 1\n" {
		t.Fatalf("out=%q err=%v", out, err)
	}
}

func TestShiftColumnsRoundTrip(t *testing.T) {
	got, err := shiftColumns("AAAA,EAAE;;IACA")
	if err != nil {
		t.Fatal(err)
	}
	// First segments of each line gain a generated column; the first
	// segment of the map gains an original column.
	if got != "CAAC,EAAE;;KACA" {
		t.Fatalf("got %q", got)
	}
	if _, err := shiftColumns("A!"); err == nil {
		t.Fatal("bad character accepted")
	}
}

// Users run clerkscript inside their Node projects, where the real
// @clerk/backend is installed: the built-in module must win.
func TestBuiltinModulesWinOverNodeModules(t *testing.T) {
	out, _, err := runFiles(t, map[string]string{
		"main.mjs": `import { createClerkClient } from "@clerk/backend";
import { isClerkAPIResponseError } from "@clerk/backend/errors";
import { job } from "clerkscript";
import { existsSync } from "node:fs";
import fsp from "fs/promises";
console.log(typeof createClerkClient({}).users.getUserList, isClerkAPIResponseError(new Error("x")), typeof job.run, existsSync("main.mjs"), typeof fsp.readFile);
`,
		"node_modules/@clerk/backend/package.json": `{"name": "@clerk/backend", "main": "index.js"}`,
		"node_modules/@clerk/backend/index.js":     `throw new Error("the real package was bundled");`,
	}, "main.mjs", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out != "function false function true function\n" {
		t.Fatalf("out = %q", out)
	}
}

func TestUnknownClerkBackendSubpathIsNamed(t *testing.T) {
	_, _, err := runFiles(t, map[string]string{"main.mjs": `import { x } from "@clerk/backend/internal";`}, "main.mjs", Options{})
	var se *ScriptError
	if !errors.As(err, &se) || !strings.Contains(se.Message, `"@clerk/backend/internal" is not provided by clerkscript`) {
		t.Fatalf("err = %v", err)
	}
}

func TestNodeGlobals(t *testing.T) {
	out, _, err := runFiles(t, map[string]string{
		"main.js": `const u = new URL("/v1/users?limit=2#x", "https://api.example.com");
u.searchParams.set("offset", "4");
const q = new URLSearchParams({ a: "1 2", b: "é" });
const bytes = new TextEncoder().encode("héllo");
const c = structuredClone({ d: new Date(0), m: new Map([[1, { x: [1] }]]) });
console.log(process.argv.length, process.argv[2], process.env.HOME_X, u.href, u.host, q.toString(),
  bytes.length, new TextDecoder().decode(bytes), c.d.getTime(), c.m.get(1).x[0]);
let n = 0;
const id = setInterval(() => { if (++n === 3) { clearInterval(id); console.log("ticks", n); process.exit(0); } }, 1);
`,
	}, "main.js", Options{Args: []string{"first"}, Env: []string{"HOME_X=h"}})
	var ee *ExitError
	if err != nil && !(errors.As(err, &ee) && ee.Code == 0) {
		t.Fatal(err)
	}
	want := "3 first h https://api.example.com/v1/users?limit=2&offset=4#x api.example.com a=1+2&b=%C3%A9 6 héllo 0 1\nticks 3\n"
	if out != want {
		t.Fatalf("out = %q\nwant %q", out, want)
	}
}

func TestPaginateIsAnAsyncIterator(t *testing.T) {
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if q := r.URL.Query(); (q.Get("offset") == "" || q.Get("offset") == "0") && q.Get("starting_after") == "" {
			writeJSON(w, 200, `[{"id":"user_1"},{"id":"user_2"}]`)
			return
		}
		writeJSON(w, 200, `[]`)
	})
	out, _, err := runFiles(t, map[string]string{
		"main.js": `const ids = [];
for await (const u of clerk.paginate(clerk.users.list, { limit: 2 })) ids.push(u.id);
console.log(ids.join(","));
`,
	}, "main.js", Options{Client: testClient(api.srv.URL, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if out != "user_1,user_2\n" {
		t.Fatalf("out = %q", out)
	}
}

// Syntax esbuild passes through but goja rejects is reported at the
// user's position, with what is supported.
func TestCompileErrorsAreMappedToTheSource(t *testing.T) {
	b, err := bundle("main.js", "const a = 1;\nconsole.log(a);\n")
	if err != nil {
		t.Fatal(err)
	}
	line := strings.Count(b.code[:strings.Index(b.code, "console.log")], "\n") + 1
	got := b.compileError(fmt.Errorf("clerkscript-bundle.js: Line %d:1 Unexpected reserved word (and 2 more errors)", line)).Error()
	if !strings.HasPrefix(got, "main.js:2:1: Unexpected reserved word (this syntax is not supported by the goja runtime") {
		t.Fatalf("got %q", got)
	}
}

// FuzzShiftColumns: the source map rewriter never panics, keeps the
// structure (lines and segments), and round-trips VLQ values.
func FuzzShiftColumns(f *testing.F) {
	for _, s := range []string{"", "AAAA", "AAAA,EAAE;;IACA", ";;;", "gBAAgB,CAAC", "A!", "////"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, m string) {
		out, err := shiftColumns(m)
		if err != nil {
			return
		}
		if strings.Count(out, ";") != strings.Count(m, ";") || strings.Count(out, ",") != strings.Count(m, ",") {
			t.Fatalf("structure changed: %q -> %q", m, out)
		}
		for _, seg := range strings.FieldsFunc(m, func(r rune) bool { return r == ';' || r == ',' }) {
			vals, err := decodeVLQ(seg)
			if err != nil {
				t.Fatalf("segment %q decoded in the whole but not alone", seg)
			}
			var b strings.Builder
			for _, v := range vals {
				encodeVLQ(&b, v)
			}
			again, err := decodeVLQ(b.String())
			if err != nil || len(again) != len(vals) {
				t.Fatalf("round trip of %q: %v %v", seg, again, err)
			}
			for i := range vals {
				if again[i] != vals[i] {
					t.Fatalf("round trip of %q: %v != %v", seg, again, vals)
				}
			}
		}
	})
}

// A plain script with a top-level return (CommonJS-style for esbuild)
// still runs, and returns.
func TestTopLevelReturnInAPlainScript(t *testing.T) {
	out, _, err := runFiles(t, map[string]string{"main.js": "console.log(1);\nif (args.length === 0) return;\nconsole.log(2);\n"}, "main.js", Options{})
	if err != nil || out != "1\n" {
		t.Fatalf("out=%q err=%v", out, err)
	}
}
