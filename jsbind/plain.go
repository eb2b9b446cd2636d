package jsbind

import (
	"encoding/base64"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/dop251/goja"
)

// Bundling a script with esbuild costs a few milliseconds, and tens in a
// fresh process (esbuild's first build). A plain script (no modules, no
// CommonJS, nothing esbuild would rewrite) does not need it: compilePlain
// compiles it directly, wrapped as WrapSource does, and leaves everything
// else (imports, TypeScript, syntax goja lacks) to the bundler.

// plainMax is the largest script compiled without bundling (past it the
// bundle's cost is small beside the script's).
const plainMax = 128 << 10

// alwaysBundle turns compilePlain off (tests compare both paths).
var alwaysBundle bool

// bundlerWords are the identifiers whose presence anywhere (code, string or
// comment: the test is textual and errs towards bundling) sends a script to
// esbuild: module syntax and CommonJS (import, export, require, module,
// exports), and top-level this, which a bundle turns into the CommonJS
// exports object.
var bundlerWords = regexp.MustCompile(`\b(import|export|require|module|exports|this)\b`)

var (
	returnWord = regexp.MustCompile(`\breturn\b`)
	awaitWord  = regexp.MustCompile(`\bawait\b`)
)

// compilePlain compiles a plain JavaScript script without esbuild. It
// reports false for anything that needs the bundler, including any script
// goja cannot compile, so that the bundle path gives its errors (with
// their file:line:column) as before.
func compilePlain(name, src string) (*goja.Program, bool) {
	if alwaysBundle {
		return nil, false
	}
	switch strings.ToLower(filepath.Ext(name)) {
	case ".js", ".mjs", ".cjs", "":
	default:
		return nil, false
	}
	if len(src) > plainMax || bundlerWords.MatchString(src) || strings.Contains(src, "\r") ||
		returnWord.MatchString(src) && awaitWord.MatchString(src) {
		// A top-level return beside a top-level await is an error for
		// esbuild: keep its message.
		return nil, false
	}
	cwd, _ := os.Getwd()
	abs := name
	if !filepath.IsAbs(abs) {
		abs = filepath.Join(cwd, name)
	}
	display := displayName(cwd, abs)
	code := WrapSource(src)
	code = strings.TrimSuffix(code, "\n})") + "\n//# sourceMappingURL=data:application/json;base64," +
		base64.StdEncoding.EncodeToString(plainSourceMap(path.Base(filepath.ToSlash(display)), src)) + "\n})"
	prg, err := goja.Compile(display, code, false)
	if err != nil {
		return nil, false
	}
	return prg, true
}

func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// wrapperPrefix is what WrapSource puts before the script on line 1.
const wrapperPrefix = "(async () => {"

// plainSourceMap maps the wrapped script back to the script: line 1 is
// shifted by the wrapper's prefix, the other lines are the script's own.
// It has a segment at the start of every token except "(" and ")", so that a call's
// position (goja reports the parenthesis) is the callee's, as in a
// bundle's esbuild source map. Columns count from 1 on both sides, as
// shiftColumns makes them for bundles (goja looks columns up from 1).
func plainSourceMap(source, src string) []byte {
	var mb strings.Builder
	mb.Grow(len(src))
	prevOrigLine, prevOrigCol := 0, 0
	for line, text := range strings.Split(src, "\n") {
		if line > 0 {
			mb.WriteByte(';')
		}
		shift := 0
		if line == 0 {
			shift = len(wrapperPrefix)
		}
		prevGen := 0
		first := true
		col := 0 // the original column, in UTF-16 units as source maps count
		for i := 0; i < len(text); i++ {
			c := text[i]
			if i > 0 {
				if p := text[i-1]; p < 0x80 {
					col++
				} else if p >= 0xC0 { // a multi-byte character's first byte
					col++
					if p >= 0xF0 {
						col++ // a surrogate pair
					}
				}
			}
			word := isIdentByte(c)
			switch {
			case c == ' ' || c == '\t' || c == '(' || c == ')':
				continue
			case word && i > 0 && isIdentByte(text[i-1]):
				continue // inside a word
			}
			if !first {
				mb.WriteByte(',')
			}
			first = false
			gen := shift + i + 1
			encodeVLQ(&mb, gen-prevGen)
			encodeVLQ(&mb, 0)
			encodeVLQ(&mb, line-prevOrigLine)
			encodeVLQ(&mb, col+1-prevOrigCol)
			prevGen, prevOrigLine, prevOrigCol = gen, line, col+1
		}
	}
	var m strings.Builder
	m.WriteString(`{"version":3,"sources":[`)
	m.WriteString(jsonString(source))
	m.WriteString(`],"names":[],"mappings":"`)
	m.WriteString(mb.String())
	m.WriteString(`"}`)
	return []byte(m.String())
}

func isIdentByte(c byte) bool {
	return c == '_' || c == '$' || c >= 0x80 || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}
