package jsbind

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Plain scripts skip esbuild; everything else is bundled.
func TestCompilePlainChoosesScripts(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		plain     bool
	}{
		{"a.js", "console.log(1)\n", true},
		{"a.mjs", "const x = await sleep(1);\n", true},
		{"a.cjs", "#!/usr/bin/env clerkscript\nconsole.log(args)\n", true},
		{"a.js", "class A { constructor() { this.x = 1 } }\n", false},
		{"a.js", "import { job } from 'clerkscript';\n", false},
		{"a.js", "const fs = require('fs');\n", false},
		{"a.js", "module.exports = 1;\n", false},
		{"a.js", "export const x = 1;\n", false},
		{"a.ts", "const x: number = 1;\n", false},
		{"a.js", "async function* g() { yield 1 }\nfor await (const x of g()) console.log(x)\n", false}, // goja lacks them
		{"a.js", "const x = ;\n", false},
		{"a.js", "console.log(1)\r\n", false},
		{"a.js", "await sleep(1);\nreturn;\n", false},
	} {
		_, ok := compilePlain(tc.name, tc.src)
		if ok != tc.plain {
			t.Errorf("%s %q: compiled without bundling = %v, want %v", tc.name, tc.src, ok, tc.plain)
		}
	}
}

// A plain script behaves the same compiled directly or bundled: output,
// errors and the file:line:column of every stack frame, on line 1 (shifted
// by the wrapper, mapped back) and below.
func TestPlainScriptSameAsBundled(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	scripts := []string{
		`throw new Error("line one")`,
		"const a = 1;\n  null.x;\n",
		"function f() { throw new TypeError('deep') }\nfunction g() { f() }\ntry { g() } catch (e) { console.log(e.stack) }\ng();\n",
		"  let s = (new Error('here')).stack; console.log(s);",
		"#!/usr/bin/env clerkscript\nconsole.log(args.length, typeof env);\nundefinedFn();\n",
		"const x = await new Promise((r) => setTimeout(() => r(2), 1));\nconsole.log(x);\n",
		"console.log(1);\nif (args.length === 0) return;\nconsole.log('not reached');\n",
		"console.log([1, 2].map((x) => x * 2), `t${1}`, 0xff, 1_000, 2n ** 3n, ({a: 1})?.a ?? 0);\n",
		"const o = {a: 1}; o.b.c = 2;",
		"await clerk.users.list();\n",
		"console.log(Object.keys(globalThis).includes('x'));\nvar x = 1;\nlet y = 2;\nconsole.log(typeof x, typeof y);\n",
		"/* é ü */ throw new Error('after non-ASCII');\n",
		"const s = 'é😀'; const t = s.nope.x;\n",
		"\tconst o = {f() { return [1].map(() => o.g()) }};\n\to.f();\n",
		"const p = Promise.reject(new RangeError('async'));\nawait p;\n",
		"setTimeout(() => { JSON.parse('{') }, 0);\n",
		"let i = 0;\nwhile (true) { if (++i > 3) throw new Error(`stop ${i}`) }\n",
		"async function f() { await sleep(1); throw new Error('later') }\nawait f();\n",
		"console.log(typeof process, typeof Buffer, typeof URL);\nfs.readText('/nonexistent/x');\n",
		"const a = {b: {c() { return x.y }}};\na.b.c();\n",
		"const F = 1; new F();",
		"const q = {}; q?.r.s();\n",
		"[1, 2, 3].forEach((n) => { if (n === 3) { undefinedThing.call(n) } });\n",
		"const big = `${(() => { throw new SyntaxError('in template') })()}`;\n",
		"class K { m() { return K.nope() } }\nnew K().m();\n",
		"  \t  nested(); function nested() { return [0].map(function inner(v) { return v.a.b }) }\n",
		"console.log(JSON.stringify({a: [1, {b: 2}]}), [...`ab`], Math.max(...[1, 5]));\n",
	}
	for i, src := range scripts {
		name := fmt.Sprintf("s%d.js", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, ok := compilePlain(name, src); !ok {
			t.Errorf("%s should compile without bundling", name)
			continue
		}
		run := func(bundled bool) string {
			alwaysBundle = bundled
			defer func() { alwaysBundle = false }()
			out, errOut, err := runScriptNamed(t, name, src)
			return fmt.Sprintf("stdout:\n%s\nstderr:\n%s\nerr: %v", out, errOut, err)
		}
		direct, bundled := run(false), run(true)
		if direct != bundled {
			t.Errorf("%s: compiled directly\n%s\n--- bundled\n%s", name, direct, bundled)
		}
	}
}

func runScriptNamed(t *testing.T, name, src string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	r, err := New(Options{Stdout: &out, Stderr: &errb})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = r.RunScript(ctx, name, src)
	return out.String(), errb.String(), err
}

// The @clerk/backend modules and names are built on first use: a script
// that needs none of them does not pay for them, and one that does sees
// them wherever it looks (a name, an import, `in`, Object.keys).
func TestBackendBuiltOnFirstUse(t *testing.T) {
	for _, tc := range []struct {
		src   string
		built bool
		out   string
	}{
		{"console.log(typeof clerk.users.list, typeof process.env, typeof URL);", false, "function object function\n"},
		{"console.log(typeof clerk.users.getUserList);", true, "function\n"},
		{"console.log('getUserList' in clerk.users);", true, "true\n"},
		{"console.log(Object.keys(clerk.users).includes('getUserList'));", true, "true\n"},
		{"console.log(typeof clerk.nope);", true, "undefined\n"},
		{"import { createClerkClient } from '@clerk/backend';\nconsole.log(typeof createClerkClient({}).users.getUserList);", true, "function\n"},
		{"import { verifyWebhook } from '@clerk/backend/webhooks';\nconsole.log(typeof verifyWebhook);", true, "function\n"},
		{"import { job } from 'clerkscript';\nconsole.log(typeof job.run);", false, "function\n"},
	} {
		var out bytes.Buffer
		r, err := New(Options{Stdout: &out})
		if err != nil {
			t.Fatal(err)
		}
		if err := r.RunScript(context.Background(), "t.mjs", tc.src); err != nil {
			t.Fatalf("%q: %v", tc.src, err)
		}
		if out.String() != tc.out {
			t.Errorf("%q: out %q, want %q", tc.src, out.String(), tc.out)
		}
		if built := r.backendMods != nil; built != tc.built {
			t.Errorf("%q: @clerk/backend built = %v, want %v", tc.src, built, tc.built)
		}
	}
}
