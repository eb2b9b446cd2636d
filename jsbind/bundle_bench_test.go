package jsbind

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dop251/goja"
)

// BenchmarkStartup measures the time to the script's first statement: a
// new runtime, the bundle (esbuild), the compile and a one-line script.
// "ts-local-import" is a small TypeScript script importing a local
// module; "plain-js" a plain script (compiled without esbuild, see
// compilePlain); "plain-js-bundled" the same script through esbuild, as
// every script was before compilePlain; "no-bundle" compiles a plain script
// with goja directly, without the source map, to show what is left;
// "mid-package" imports a generated pure-JS package of 200 modules
// (about 400 KB) from node_modules.
//
//	go test ./jsbind -run '^$' -bench Startup -benchtime 20x
func BenchmarkStartup(b *testing.B) {
	dir := b.TempDir()
	write := func(name, src string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	write("plain.js", "const x = 1;\nif (x !== 1) throw new Error('x');\n")
	write("lib.ts", "export enum Kind { A = 'a' }\nexport interface P { n: number }\nexport const twice = (p: P): number => p.n * 2;\n")
	write("main.ts", "import { twice, Kind, type P } from './lib';\nconst p: P = { n: 2 };\nif (twice(p) !== 4 || Kind.A !== 'a') throw new Error('x');\n")
	var index strings.Builder
	for i := range 200 {
		var m strings.Builder
		for j := range 40 {
			fmt.Fprintf(&m, "export function f%d_%d(a, b) {\n  const xs = [a, b, %d];\n  return xs.map((x) => x * 2).reduce((s, x) => s + x, 0) + %q.length;\n}\n", i, j, j, strings.Repeat("x", 10))
		}
		write(fmt.Sprintf("node_modules/midpkg/m%d.js", i), m.String())
		fmt.Fprintf(&index, "export * from './m%d.js';\n", i)
	}
	write("node_modules/midpkg/package.json", `{"name": "midpkg", "main": "index.js"}`)
	write("node_modules/midpkg/index.js", index.String())
	write("mid.mjs", "import * as mid from 'midpkg';\nif (mid.f0_0(1, 2) !== 16) throw new Error('x');\n")

	run := func(b *testing.B, name string) {
		src, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i < b.N; i++ {
			r, err := New(Options{})
			if err != nil {
				b.Fatal(err)
			}
			if err := r.RunScript(context.Background(), filepath.Join(dir, name), string(src)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("plain-js", func(b *testing.B) { run(b, "plain.js") })
	b.Run("plain-js-bundled", func(b *testing.B) {
		alwaysBundle = true
		defer func() { alwaysBundle = false }()
		run(b, "plain.js")
	})
	b.Run("ts-local-import", func(b *testing.B) { run(b, "main.ts") })
	b.Run("mid-package", func(b *testing.B) { run(b, "mid.mjs") })
	b.Run("no-bundle", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			r, err := New(Options{})
			if err != nil {
				b.Fatal(err)
			}
			prg, err := goja.Compile("plain.js", WrapSource("const x = 1;\nif (x !== 1) throw new Error('x');\n"), false)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := r.vm.RunProgram(prg); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBundleOnly is esbuild's share of BenchmarkStartup/mid-package.
func BenchmarkBundleOnly(b *testing.B) {
	dir := b.TempDir()
	var index strings.Builder
	for i := range 200 {
		var m strings.Builder
		for j := range 40 {
			fmt.Fprintf(&m, "export function f%d_%d(a, b) {\n  const xs = [a, b, %d];\n  return xs.map((x) => x * 2).reduce((s, x) => s + x, 0) + %q.length;\n}\n", i, j, j, strings.Repeat("x", 10))
		}
		_ = os.MkdirAll(filepath.Join(dir, "node_modules/midpkg"), 0o755)
		_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("node_modules/midpkg/m%d.js", i)), []byte(m.String()), 0o644)
		fmt.Fprintf(&index, "export * from './m%d.js';\n", i)
	}
	_ = os.WriteFile(filepath.Join(dir, "node_modules/midpkg/package.json"), []byte(`{"name": "midpkg", "main": "index.js"}`), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "node_modules/midpkg/index.js"), []byte(index.String()), 0o644)
	src := "import * as mid from 'midpkg';\nif (mid.f0_0(1, 2) !== 16) throw new Error('x');\n"
	var size int
	for i := 0; i < b.N; i++ {
		out, err := bundle(filepath.Join(dir, "mid.mjs"), src)
		if err != nil {
			b.Fatal(err)
		}
		size = len(out.code)
		if _, err := goja.Compile(bundleName, out.code, false); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(size)/1e3, "kB-bundle")
}
