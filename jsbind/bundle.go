package jsbind

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/go-sourcemap/sourcemap"

	"github.com/evanw/esbuild/pkg/api"
)

// Scripts are bundled at start with esbuild, the way k6 does it: the
// script and the files it imports (relative paths, node_modules next to it,
// JSON) become one program; TypeScript is stripped; the syntax goja lacks is
// lowered; the built-in modules (@clerk/backend, clerkscript, node:fs) are
// virtual modules that read the runtime's objects. The program runs inside
// an async function so that top-level await works, and carries a source map
// so that errors point at the user's files.

// builtinNamespace is esbuild's namespace of the built-in modules.
const builtinNamespace = "clerkscript-builtin"

// modulesKey is the global (a registered symbol) holding the built-in
// modules' objects, read by the virtual modules' code.
const modulesKey = `Symbol.for("clerkscript.modules")`

// builtinModules lists the modules clerkscript provides and the names each
// exports. They win over node_modules: users run clerkscript inside their
// Node projects, where the real @clerk/backend is installed.
var builtinModules = map[string][]string{
	"@clerk/backend":          {"createClerkClient", "verifyToken", "ClerkAPIResponseError", "isClerkAPIResponseError", "TokenVerificationError"},
	"@clerk/backend/errors":   {"ClerkAPIResponseError", "isClerkAPIResponseError", "TokenVerificationError", "TokenVerificationErrorReason"},
	"@clerk/backend/webhooks": {"verifyWebhook"},
	"clerkscript":             {"clerk", "job", "fs", "sleep", "args", "env", "exit", "ClerkAPIError"},
	"node:fs":                 {"readFileSync", "writeFileSync", "appendFileSync", "existsSync", "promises"},
	"node:fs/promises":        {"readFile", "writeFile", "appendFile"},
}

// builtinAliases maps other spellings of a built-in module to its name.
var builtinAliases = map[string]string{
	"fs":          "node:fs",
	"fs/promises": "node:fs/promises",
}

// nodeBuiltins are Node's built-in module names (without "node:"): a
// package importing one that clerkscript does not provide cannot run.
var nodeBuiltins = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`assert assert/strict async_hooks buffer child_process cluster console constants
		crypto dgram diagnostics_channel dns dns/promises domain events fs fs/promises http http2 https inspector module net os path
		path/posix path/win32 perf_hooks process punycode querystring readline readline/promises repl stream
		stream/consumers stream/promises stream/web string_decoder sys timers timers/promises tls trace_events tty
		url util util/types v8 vm wasi worker_threads zlib test sqlite sea`) {
		nodeBuiltins[n] = true
	}
}

// SupportedModules describes, for error messages and --help, what a script
// may import.
const SupportedModules = `relative paths (./x.js, ./y.ts, ./data.json), pure-JS packages from node_modules, ` +
	`"@clerk/backend", "@clerk/backend/errors", "@clerk/backend/webhooks", "clerkscript", "node:fs", "node:fs/promises"`

// BundleError is a script that cannot be bundled: every syntax error and
// unresolvable import, each with its file:line:column.
type BundleError struct {
	Messages []string
}

func (e *BundleError) Error() string {
	return strings.Join(e.Messages, "\n")
}

// bundled is the output of bundle: the program text (wrapped, with an
// inline source map) ready for goja.Compile.
type bundled struct {
	code string
	smap []byte // the shifted source map (columns from 1, one line prefix)
}

// loaderFor picks esbuild's loader from the script's extension; unknown
// extensions are JavaScript.
func loaderFor(name string) api.Loader {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ts", ".mts", ".cts":
		return api.LoaderTS
	case ".tsx":
		return api.LoaderTSX
	case ".jsx":
		return api.LoaderJSX
	case ".json":
		return api.LoaderJSON
	}
	return api.LoaderJS
}

// displayName is how a file appears in errors and stacks: relative to the
// working directory when that is shorter, else absolute.
func displayName(cwd, abs string) string {
	if cwd == "" {
		return abs
	}
	if rel, err := filepath.Rel(cwd, abs); err == nil {
		return filepath.ToSlash(rel)
	}
	return abs
}

// bundle turns the script src (named name, a path) into one program.
func bundle(name, src string) (*bundled, error) {
	cwd, _ := os.Getwd()
	abs := name
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(cwd, name)
	}
	dir := filepath.Dir(abs)
	// The source comes in through stdin so that the embedding API
	// (RunScript with a string) and files work alike; its exports, if
	// any, are dropped below.
	res := api.Build(api.BuildOptions{
		Stdin: &api.StdinOptions{
			Contents:   stripHashbang(src),
			ResolveDir: dir,
			Sourcefile: abs,
			Loader:     loaderFor(name),
		},
		AbsWorkingDir: dir,
		Bundle:        true,
		Write:         false,
		Format:        api.FormatESModule,
		Platform:      api.PlatformNeutral,
		MainFields:    []string{"module", "main"},
		Conditions:    []string{"import", "require", "default"},
		Target:        api.ES2022,
		// goja has async functions but not async generators or for await
		// (measured on the goja version in go.mod); esbuild lowers both.
		// Top-level await stays: the program runs inside an async function.
		Supported: map[string]bool{
			"async-generator":      false,
			"for-await":            false,
			"top-level-await":      true,
			"regexp-match-indices": false,
			"import-meta":          false,
		},
		Sourcemap:      api.SourceMapExternal,
		SourcesContent: api.SourcesContentExclude,
		Outfile:        filepath.Join(dir, "clerkscript-bundle.js"),
		LogLevel:       api.LogLevelSilent,
		Charset:        api.CharsetUTF8,
		Plugins:        []api.Plugin{builtinPlugin()},
	})
	if len(res.Errors) > 0 {
		msgs := make([]string, 0, len(res.Errors))
		for _, m := range res.Errors {
			msgs = append(msgs, formatMessage(cwd, dir, m))
		}
		return nil, &BundleError{Messages: msgs}
	}
	var code, smap []byte
	for _, f := range res.OutputFiles {
		if strings.HasSuffix(f.Path, ".map") {
			smap = f.Contents
		} else {
			code = f.Contents
		}
	}
	return wrapBundle(cwd, dir, string(code), smap)
}

func stripHashbang(src string) string {
	if strings.HasPrefix(src, "#!") {
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			return "//" + src[2:i] + src[i:]
		}
		return ""
	}
	return src
}

// trailingExports matches the export statement esbuild puts at the end of
// an ES module bundle: the script's exports, which nothing imports.
var trailingExports = regexp.MustCompile(`(?s)\nexport \{[^}]*\};\s*$`)

// trailingCJSExport matches the default export esbuild ends an ES module
// bundle of a CommonJS entry with.
var trailingCJSExport = regexp.MustCompile(`\nexport default (require_[A-Za-z0-9_$]*\(\));\s*$`)

// wrapBundle puts the bundle inside an async function expression (called
// from Go, see WrapSource) and attaches the source map, shifted by the one
// line the prefix adds, with its sources renamed to display names.
func wrapBundle(cwd, outDir, code string, smap []byte) (*bundled, error) {
	code = trailingExports.ReplaceAllString(code, "\n")
	// A CommonJS-style entry (no import/export, no top-level await; a
	// top-level return makes it one) is wrapped by esbuild and run by a
	// default export: keep the call.
	code = trailingCJSExport.ReplaceAllString(code, "\n$1;\n")
	var m map[string]any
	if err := json.Unmarshal(smap, &m); err != nil {
		return nil, fmt.Errorf("internal error: esbuild's source map: %w", err)
	}
	if srcs, ok := m["sources"].([]any); ok {
		for i, s := range srcs {
			str, _ := s.(string)
			if strings.HasPrefix(str, builtinNamespace+":") {
				srcs[i] = "clerkscript:" + strings.TrimPrefix(str, builtinNamespace+":")
				continue
			}
			srcs[i] = displayName(cwd, filepath.Join(outDir, filepath.FromSlash(str)))
		}
	}
	mappings, _ := m["mappings"].(string)
	shifted, err := shiftColumns(mappings)
	if err != nil {
		return nil, fmt.Errorf("internal error: esbuild's source map: %w", err)
	}
	m["mappings"] = ";" + shifted
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	var sb strings.Builder
	sb.Grow(len(code) + len(b)*4/3 + 100)
	sb.WriteString("(async () => {\n")
	sb.WriteString(code)
	if !strings.HasSuffix(code, "\n") {
		sb.WriteByte('\n')
	}
	// goja reads the last line's data URL (a closing "})" line after it
	// is allowed).
	sb.WriteString("//# sourceMappingURL=data:application/json;base64,")
	sb.WriteString(base64.StdEncoding.EncodeToString(b))
	sb.WriteString("\n})")
	return &bundled{code: sb.String(), smap: b}, nil
}

func formatMessage(cwd, dir string, m api.Message) string {
	var b strings.Builder
	if l := m.Location; l != nil {
		file := l.File
		if !filepath.IsAbs(file) && l.Namespace != builtinNamespace {
			file = filepath.Join(dir, file)
		}
		if filepath.IsAbs(file) {
			file = displayName(cwd, file)
		}
		// esbuild's columns count from 0 in UTF-8 bytes; editors count
		// characters from 1.
		col := len([]rune(safePrefix(l.LineText, l.Column))) + 1
		fmt.Fprintf(&b, "%s:%d:%d: %s", file, l.Line, col, m.Text)
		if l.LineText != "" {
			fmt.Fprintf(&b, "\n    %s\n    %s^", l.LineText, strings.Repeat(" ", col-1))
		}
	} else {
		b.WriteString(m.Text)
	}
	for _, n := range m.Notes {
		if n.Text != "" {
			fmt.Fprintf(&b, "\n    note: %s", n.Text)
		}
	}
	return b.String()
}

func safePrefix(s string, n int) string {
	if n < 0 {
		return ""
	}
	if n > len(s) {
		return s
	}
	return s[:n]
}

// resolvingPolyfill marks the nested resolution of a bare Node built-in
// name in node_modules.
const resolvingPolyfill = "clerkscript:polyfill"

// builtinPlugin resolves the built-in modules to virtual modules, refuses
// the Node built-ins clerkscript does not provide (naming the package that
// wants one) and any other @clerk/backend subpath.
func builtinPlugin() api.Plugin {
	return api.Plugin{Name: "clerkscript-builtins", Setup: func(b api.PluginBuild) {
		b.OnResolve(api.OnResolveOptions{Filter: `^(node:|@clerk/backend(/|$)|clerkscript$)|^[a-z_0-9]+(/[a-z_0-9]+)?$`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
			p := a.Path
			if n, ok := builtinAliases[p]; ok {
				p = n
			}
			if _, ok := builtinModules[p]; ok {
				return api.OnResolveResult{Path: p, Namespace: builtinNamespace}, nil
			}
			bare := strings.TrimPrefix(p, "node:")
			switch {
			case strings.HasPrefix(p, "@clerk/backend"):
				return api.OnResolveResult{}, fmt.Errorf("%q is not provided by clerkscript (it provides \"@clerk/backend\", \"@clerk/backend/errors\" and \"@clerk/backend/webhooks\")", a.Path)
			case !strings.HasPrefix(p, "node:") && !nodeBuiltins[bare]:
				return api.OnResolveResult{}, nil
			case !strings.HasPrefix(p, "node:") && a.PluginData != resolvingPolyfill:
				// A bare "events" or "buffer" may be a polyfill package
				// installed in node_modules, as bundlers use them.
				r := b.Resolve(a.Path, api.ResolveOptions{Kind: a.Kind, ResolveDir: a.ResolveDir, Importer: a.Importer, PluginData: resolvingPolyfill})
				if len(r.Errors) == 0 {
					return api.OnResolveResult{Path: r.Path, Namespace: r.Namespace, External: r.External}, nil
				}
			case a.PluginData == resolvingPolyfill:
				return api.OnResolveResult{}, nil
			}
			if pkg := packageOf(a.Importer); pkg != "" {
				return api.OnResolveResult{}, fmt.Errorf("package %q needs the Node built-in module %q, which clerkscript does not provide (it provides node:fs and node:fs/promises; use a package that does not need Node)", pkg, a.Path)
			}
			return api.OnResolveResult{}, fmt.Errorf("the Node built-in module %q is not provided by clerkscript (it provides node:fs and node:fs/promises)", a.Path)
		})
		b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: builtinNamespace}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
			src := builtinModuleSource(a.Path)
			return api.OnLoadResult{Contents: &src, Loader: api.LoaderJS}, nil
		})
	}}
}

// packageOf names the node_modules package a file belongs to ("" for the
// user's own files).
func packageOf(file string) string {
	file = filepath.ToSlash(file)
	i := strings.LastIndex(file, "/node_modules/")
	if i < 0 {
		return ""
	}
	rest := file[i+len("/node_modules/"):]
	parts := strings.SplitN(rest, "/", 3)
	if strings.HasPrefix(parts[0], "@") && len(parts) > 1 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}

// builtinModuleSource is the code of a virtual module: named exports read
// from the runtime's module object, plus a default export of the object.
func builtinModuleSource(name string) string {
	names := append([]string(nil), builtinModules[name]...)
	sort.Strings(names)
	var b strings.Builder
	fmt.Fprintf(&b, "const m = globalThis[%s][%q];\n", modulesKey, name)
	for _, n := range names {
		fmt.Fprintf(&b, "export const %s = m.%s;\n", n, n)
	}
	b.WriteString("export default m;\n")
	return b.String()
}

// shiftColumns rewrites source map mappings so that both generated and
// original columns count from 1. goja looks positions up with 1-based
// columns in maps whose columns count from 0 (the standard): without the
// shift, an error at "new Error" was reported one column to the left.
func shiftColumns(mappings string) (string, error) {
	var out strings.Builder
	out.Grow(len(mappings) + len(mappings)/8)
	first := true // first segment of the whole map: its source column is absolute
	for li, line := range strings.Split(mappings, ";") {
		if li > 0 {
			out.WriteByte(';')
		}
		if line == "" {
			continue
		}
		for si, seg := range strings.Split(line, ",") {
			if si > 0 {
				out.WriteByte(',')
			}
			fields, err := decodeVLQ(seg)
			if err != nil {
				return "", err
			}
			if si == 0 && len(fields) > 0 {
				fields[0]++ // generated column: absolute at a line's start
			}
			if first && len(fields) >= 4 {
				fields[3]++ // original column: relative to the previous segment's
				first = false
			}
			for _, f := range fields {
				encodeVLQ(&out, f)
			}
		}
	}
	return out.String(), nil
}

const vlqChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func decodeVLQ(s string) ([]int, error) {
	var out []int
	shift, value := 0, 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(vlqChars, s[i])
		if d < 0 {
			return nil, fmt.Errorf("bad source map character %q", s[i])
		}
		value += (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		if value&1 != 0 {
			out = append(out, -(value >> 1))
		} else {
			out = append(out, value>>1)
		}
		shift, value = 0, 0
	}
	return out, nil
}

func encodeVLQ(b *strings.Builder, v int) {
	u := v << 1
	if v < 0 {
		u = (-v << 1) | 1
	}
	for {
		d := u & 31
		u >>= 5
		if u > 0 {
			d |= 32
		}
		b.WriteByte(vlqChars[d])
		if u == 0 {
			return
		}
	}
}

// gojaSyntax matches goja's compile error: "name: Line L:C message (and N
// more errors)".
var gojaSyntax = regexp.MustCompile(`Line (\d+):(\d+) (.*?)(?: \(and \d+ more errors?\))?$`)

// compileError explains a bundle goja cannot compile (syntax esbuild passes
// through but goja lacks): the position is mapped back to the user's file.
func (b *bundled) compileError(err error) error {
	msg := err.Error()
	where := ""
	if m := gojaSyntax.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		col, _ := strconv.Atoi(m[2])
		if sm, perr := sourcemap.Parse("", b.smap); perr == nil {
			if src, _, l, c, ok := sm.Source(line, col); ok && !strings.HasPrefix(src, "clerkscript:") {
				where = fmt.Sprintf("%s:%d:%d: ", src, l, c)
			}
		}
		msg = m[3]
	}
	return &BundleError{Messages: []string{where + msg + " (this syntax is not supported by the goja runtime; " +
		"clerkscript runs ES2022 plus async generators and for await, see docs/JS.md)"}}
}
