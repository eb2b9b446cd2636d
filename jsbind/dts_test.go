package jsbind

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The real check of the declarations is the TypeScript compiler
// (scripts/check-types.sh runs tsc on them and on the example scripts); it
// needs Node and the npm registry, so go test settles for this structural
// parse: balanced brackets, every referenced type declared once, no
// property declared twice in one object type.

type dtsToken struct {
	text string
	line int
}

// tokenizeTS splits TypeScript declarations into identifiers, string
// literals and punctuation, dropping comments.
func tokenizeTS(src string) ([]dtsToken, error) {
	var toks []dtsToken
	line := 1
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case strings.HasPrefix(src[i:], "/*"):
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, fmt.Errorf("line %d: unterminated comment", line)
			}
			line += strings.Count(src[i:i+2+end], "\n")
			i += end + 4
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(src) && src[j] != c {
				if src[j] == '\\' {
					j++
				}
				if j < len(src) && src[j] == '\n' {
					return nil, fmt.Errorf("line %d: newline in string literal", line)
				}
				j++
			}
			if j >= len(src) {
				return nil, fmt.Errorf("line %d: unterminated string literal", line)
			}
			toks = append(toks, dtsToken{src[i : j+1], line})
			i = j + 1
		case c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] == '$' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			toks = append(toks, dtsToken{src[i:j], line})
			i = j
		case strings.HasPrefix(src[i:], "=>"), strings.HasPrefix(src[i:], "..."):
			n := 2
			if c == '.' {
				n = 3
			}
			toks = append(toks, dtsToken{src[i : i+n], line})
			i += n
		case strings.ContainsRune("{}()[]<>:;?,|&=.", rune(c)):
			toks = append(toks, dtsToken{string(c), line})
			i++
		default:
			return nil, fmt.Errorf("line %d: unexpected character %q", line, c)
		}
	}
	return toks, nil
}

func checkDeclarations(src string) []error {
	toks, err := tokenizeTS(src)
	if err != nil {
		return []error{err}
	}
	var errs []error
	fail := func(line int, format string, a ...any) {
		errs = append(errs, fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, a...)))
	}
	pairs := map[string]string{"}": "{", ")": "(", "]": "[", ">": "<"}
	type frame struct {
		open      string
		line      int
		namespace bool              // a namespace body: its members are declarations
		member    map[string]string // name -> "property" or "method"
	}
	var stack []frame
	declared := map[string]int{} // type names (Clerk.X and top level)
	atMemberStart := false
	for i, tk := range toks {
		switch tk.text {
		case "{", "(", "[", "<":
			f := frame{open: tk.text, line: tk.line}
			if tk.text == "{" {
				f.member = map[string]string{}
				f.namespace = i >= 2 && toks[i-2].text == "namespace"
			}
			stack = append(stack, f)
			atMemberStart = tk.text == "{"
			continue
		case "}", ")", "]", ">":
			if len(stack) == 0 || stack[len(stack)-1].open != pairs[tk.text] {
				fail(tk.line, "unbalanced %q", tk.text)
				return errs
			}
			stack = stack[:len(stack)-1]
			atMemberStart = false
			continue
		case ";":
			atMemberStart = len(stack) > 0 && stack[len(stack)-1].open == "{"
			continue
		}
		if i+1 < len(toks) && (tk.text == "interface" || tk.text == "type" || tk.text == "class" || tk.text == "namespace") && identRe.MatchString(toks[i+1].text) {
			name := toks[i+1].text
			if len(stack) == 1 && stack[0].namespace {
				name = "Clerk." + name // members of namespace Clerk
			}
			if tk.text != "namespace" {
				declared[name]++
				if declared[name] > 1 {
					fail(tk.line, "%s declared twice", name)
				}
			}
		}
		if atMemberStart && !stack[len(stack)-1].namespace && i+1 < len(toks) {
			// A member of an object type or interface (the namespace's
			// own members are declarations, checked above).
			name := strings.Trim(tk.text, `"'`)
			kind := ""
			switch toks[i+1].text {
			case ":", "?":
				kind = "property"
			case "(", "<":
				kind = "method"
			}
			if kind == "" {
				fail(tk.line, "member %q is neither a property nor a method", tk.text)
			} else if prev, dup := stack[len(stack)-1].member[name]; dup && (prev == "property" || kind == "property") {
				fail(tk.line, "%s declared twice in the object type opened on line %d", name, stack[len(stack)-1].line)
			} else {
				stack[len(stack)-1].member[name] = kind
			}
		}
		atMemberStart = false
	}
	if len(stack) > 0 {
		fail(stack[len(stack)-1].line, "%q never closed", stack[len(stack)-1].open)
	}
	// Every referenced type is declared.
	refRe := regexp.MustCompile(`\bClerk\.([A-Za-z_$][A-Za-z0-9_$]*)|\b(Clerk[A-Za-z0-9_]*API)\b`)
	for _, m := range refRe.FindAllStringSubmatch(src, -1) {
		name := m[2]
		if m[1] != "" {
			name = "Clerk." + m[1]
		}
		if declared[name] == 0 {
			errs = append(errs, fmt.Errorf("%s is used but not declared", name))
			declared[name] = -1 // report once
		}
	}
	return errs
}

func TestTypeScriptDeclarationsParse(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTypeScript(&b); err != nil {
		t.Fatal(err)
	}
	// The built-in modules' declarations (export lists, ambient modules)
	// are beyond this checker: scripts/check-types.sh runs tsc 5 and 7 on
	// them. Here they must at least balance.
	src, mods, ok := strings.Cut(b.String(), modulesMarker)
	if !ok {
		t.Fatal("no built-in module declarations")
	}
	for _, pair := range []string{"{}", "()"} {
		if o, c := strings.Count(mods, pair[:1]), strings.Count(mods, pair[1:]); o != c {
			t.Errorf("module declarations: %d %q against %d %q", o, pair[:1], c, pair[1:])
		}
	}
	for _, m := range []string{`declare module "@clerk/backend" {`, `declare module "@clerk/backend/errors" {`, `declare module "@clerk/backend/webhooks" {`, `declare module "clerkscript" {`, `declare module "node:fs" {`, "getUserList(params?: Clerk.UsersListParams): Promise<PaginatedResourceResponse<User>>"} {
		if !strings.Contains(mods, m) {
			t.Errorf("module declarations lack %q", m)
		}
	}
	errs := checkDeclarations(src)
	for i, err := range errs {
		if i == 20 {
			t.Errorf("... and %d more", len(errs)-20)
			break
		}
		t.Error(err)
	}
}

// TestDeclarationCheckerCatchesMistakes keeps the checker honest: each of
// these must be rejected.
func TestDeclarationCheckerCatchesMistakes(t *testing.T) {
	for _, src := range []string{
		"interface A { x: string;\n",                                             // never closed
		"interface A { x: Promise<string; }\n",                                   // bad generic
		"interface A { x: string; x?: number; }\n",                               // duplicate property
		"interface A { f(): void; f: string; }\n",                                // method and property
		"declare namespace Clerk {\n  type A = string;\n  type A = number;\n}\n", // duplicate type
		"declare const c: { u: Clerk.Missing };\n",                               // undeclared reference
		"declare const c: { u: ClerkUsersAPI };\n",                               // undeclared interface
		"interface A { \"x: string; }\n",                                         // unterminated string
		"interface A { x: string; = }\n",                                         // stray token
	} {
		if len(checkDeclarations(src)) == 0 {
			t.Errorf("accepted %q", src)
		}
	}
	ok := "declare namespace Clerk {\n  interface A { b?: Clerk.B; f(x: string): void; f(y: number): void; }\n  type B = \"x\" | null;\n}\n" +
		"interface ClerkUsersAPI { list<T = any>(p?: { a: string[] }): Promise<Clerk.A>; }\ndeclare const c: { users: ClerkUsersAPI; g: (x: number) => void };\n"
	if errs := checkDeclarations(ok); len(errs) > 0 {
		t.Errorf("rejected valid declarations: %v", errs)
	}
}

// The embedded @clerk/backend table decodes and carries the facts the
// runtime and the declarations rely on.
func TestClerkBackendTable(t *testing.T) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(clerkBackendTable), &raw); err != nil {
		t.Fatal(err)
	}
	tb := loadBackendTable()
	if tb.ObjectTypes["user"] != "User" || tb.ObjectTypes["organization_membership"] != "OrganizationMembership" {
		t.Fatalf("object types: %v", tb.ObjectTypes)
	}
	u := tb.Classes["User"]
	if !slices.Contains(u.Getters, "fullName") || !slices.Contains(u.Getters, "primaryEmailAddress") {
		t.Fatalf("User getters: %v", u.Getters)
	}
	found := false
	for _, f := range u.Fields {
		if f[0] == "emailAddresses" && len(f) == 3 && f[1] == "email_addresses" && f[2] == "[]EmailAddress" {
			found = true
		}
	}
	if !found {
		t.Fatalf("User.emailAddresses not mapped: %v", u.Fields)
	}
}
