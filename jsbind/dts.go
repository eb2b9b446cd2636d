package jsbind

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/clerkscript/clerkscript/core"
)

// WriteTypeScript writes TypeScript declarations of the script API: every
// operation of the table (canonical names and @clerk/backend aliases) with
// camelCase parameter and result types derived from the schemas, and the
// helpers (job, fs, console, env, args, sleep, exit).
func WriteTypeScript(w io.Writer) error {
	g := &dtsGen{named: map[string]bool{}}
	bw := bufio.NewWriter(w)
	g.w = bw
	g.write()
	return bw.Flush()
}

type dtsGen struct {
	w       *bufio.Writer
	named   map[string]bool // schema names referenced
	pending []string
}

var identRe = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

func tsKey(k string) string {
	if identRe.MatchString(k) {
		return k
	}
	return strconv.Quote(k)
}

func tsName(schema string) string {
	return "Clerk." + sanitizeIdent(schema)
}

func sanitizeIdent(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	out := b.String()
	if out == "" || out[0] >= '0' && out[0] <= '9' {
		out = "T" + out
	}
	return out
}

func (g *dtsGen) ref(name string) string {
	if !g.named[name] {
		g.named[name] = true
		g.pending = append(g.pending, name)
	}
	return tsName(name)
}

// tsType renders a schema; free-form objects are user data and stay
// Record<string, unknown>, with keys exactly as given.
func (g *dtsGen) tsType(s *core.Schema, depth int) string {
	if s == nil || depth > 12 {
		return "unknown"
	}
	if s.Ref != "" {
		t := g.ref(s.Ref)
		if s.Nullable {
			t += " | null"
		}
		return t
	}
	var t string
	switch {
	case len(s.OneOf) > 0 || len(s.AnyOf) > 0:
		var parts []string
		for _, b := range append(append([]*core.Schema{}, s.OneOf...), s.AnyOf...) {
			parts = append(parts, g.tsType(b, depth+1))
		}
		t = strings.Join(dedupe(parts), " | ")
	case len(s.AllOf) > 0:
		var parts []string
		for _, b := range s.AllOf {
			parts = append(parts, g.tsType(b, depth+1))
		}
		t = strings.Join(parts, " & ")
	case s.IsFreeForm():
		t = "Record<string, unknown>"
	case s.Type == "object":
		t = g.objectType(s, depth, "")
	case s.Type == "array":
		it := g.tsType(s.Items, depth+1)
		if strings.ContainsAny(it, " |&") {
			it = "(" + it + ")"
		}
		t = it + "[]"
	case s.Type == "string":
		if len(s.Enum) > 0 {
			var parts []string
			for _, e := range s.Enum {
				if es, ok := e.(string); ok {
					parts = append(parts, strconv.Quote(es))
				}
			}
			if len(parts) > 0 {
				t = strings.Join(parts, " | ")
				break
			}
		}
		t = "string"
	case s.Type == "integer" || s.Type == "number":
		t = "number"
	case s.Type == "boolean":
		t = "boolean"
	default:
		t = "unknown"
	}
	if s.Nullable {
		t += " | null"
	}
	return t
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// objectType renders an object's properties with their JS (camelCase)
// names; indent is used for top-level interfaces.
func (g *dtsGen) objectType(s *core.Schema, depth int, indent string) string {
	if len(s.Properties) == 0 {
		return "Record<string, unknown>"
	}
	req := map[string]bool{}
	for _, r := range s.Required {
		req[r] = true
	}
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("{")
	seen := map[string]bool{}
	for _, n := range names {
		if seen[snakeToCamel(n)] {
			continue
		}
		seen[snakeToCamel(n)] = true
		opt := "?"
		if req[n] {
			opt = ""
		}
		if indent != "" {
			b.WriteString("\n" + indent + "  ")
		} else {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s%s: %s;", tsKey(snakeToCamel(n)), opt, g.tsType(s.Properties[n], depth+1))
	}
	if indent != "" {
		b.WriteString("\n" + indent + "}")
	} else {
		b.WriteString(" }")
	}
	return b.String()
}

func opTypeBase(op *core.Operation) string {
	return sanitizeIdent(strings.ToUpper(op.Resource[:1]) + op.Resource[1:] + strings.ToUpper(op.Method[:1]) + op.Method[1:])
}

// paramsType renders the parameters object of an operation: path and query
// parameters plus the body's properties.
func (g *dtsGen) paramsType(op *core.Operation) (string, bool) {
	var lines []string
	required := false
	seen := map[string]bool{}
	for _, p := range op.Params {
		if seen[snakeToCamel(p.Name)] {
			continue // both spellings declared (frontendApi, frontend_api)
		}
		seen[snakeToCamel(p.Name)] = true
		t := paramTS(p)
		opt := "?"
		if p.Required {
			opt = ""
			if p.In != "path" {
				required = true
			}
		}
		lines = append(lines, fmt.Sprintf("    %s%s: %s;", tsKey(snakeToCamel(p.Name)), opt, t))
	}
	if op.Body != nil && op.Body.Schema != "" {
		bs := core.LookupSchema(op.Body.Schema).Resolve()
		if bs != nil && !op.Body.Array {
			req := map[string]bool{}
			for _, r := range bs.Required {
				req[r] = true
			}
			names := make([]string, 0, len(bs.Properties))
			for n := range bs.Properties {
				names = append(names, n)
			}
			sort.Strings(names)
			for _, n := range names {
				if op.Param(n) != nil || seen[snakeToCamel(n)] {
					continue
				}
				seen[snakeToCamel(n)] = true
				opt := "?"
				if req[n] && op.Body.Required {
					opt = ""
					required = true
				}
				lines = append(lines, fmt.Sprintf("    %s%s: %s;", tsKey(snakeToCamel(n)), opt, g.inputType(n, bs.Properties[n])))
			}
		} else if bs != nil && op.Body.Array {
			lines = append(lines, fmt.Sprintf("    body: %s;", g.tsType(bs, 1)))
			required = true
		}
	}
	if len(lines) == 0 {
		return "{}", false
	}
	return "{\n" + strings.Join(lines, "\n") + "\n  }", required
}

// inputType renders a body property of a parameters object. A script may
// pass a Date for a timestamp string (it is sent as RFC 3339, see toWire),
// so those accept Date too: users.create's createdAt has no format in the
// spec, hence the name test.
func (g *dtsGen) inputType(name string, s *core.Schema) string {
	t := g.tsType(s, 1)
	if s != nil && s.Ref == "" && s.Type == "string" && len(s.Enum) == 0 &&
		(s.Format == "date-time" || s.Format == "date" || strings.HasSuffix(name, "_at")) {
		t += " | Date"
	}
	return t
}

func paramTS(p core.Param) string {
	base := func(t string, enum []string) string {
		switch t {
		case "integer", "number":
			return "number | Date"
		case "boolean":
			return "boolean"
		case "string":
			if len(enum) > 0 {
				q := make([]string, len(enum))
				for i, e := range enum {
					q[i] = strconv.Quote(e)
				}
				return strings.Join(q, " | ")
			}
			return "string"
		}
		return "unknown"
	}
	if p.Type == "array" {
		return "(" + base(p.ItemType, p.Enum) + ")[] | " + base(p.ItemType, p.Enum)
	}
	return base(p.Type, p.Enum)
}

func (g *dtsGen) resultType(op *core.Operation) string {
	if op.Response.Shape == core.ShapeNone {
		return "null"
	}
	if op.Response.Schema == "" {
		return "any"
	}
	return g.ref(op.Response.Schema)
}

func (g *dtsGen) write() {
	w := g.w
	fmt.Fprintf(w, "// Code generated by `clerkscript types`. DO NOT EDIT.\n")
	fmt.Fprintf(w, "// TypeScript declarations of the clerkscript script API (Clerk Backend API %s).\n", core.DefaultClerkAPIVersion)
	fmt.Fprintf(w, "// Reference from a script with: /// <reference path=\"clerk.d.ts\" />\n")
	// Iterable and friends come from the ES2015+ libraries; without this a
	// project left at TypeScript's default (ES5) target cannot use the file.
	fmt.Fprintf(w, "/// <reference lib=\"es2020\" />\n\n")

	ops := core.Operations()
	backendTable := loadBackendTable()
	byRes := map[string][]string{}
	var resOrder []string
	addMethod := func(res, text string) {
		if _, ok := byRes[res]; !ok {
			resOrder = append(resOrder, res)
		}
		byRes[res] = append(byRes[res], text)
	}
	var paramDecls []string
	taken := map[string]bool{}
	for i := range ops {
		taken[ops[i].Resource+"."+ops[i].Method] = true
	}
	for i := range ops {
		op := &ops[i]
		base := opTypeBase(op)
		pt, required := g.paramsType(op)
		paramDecls = append(paramDecls, fmt.Sprintf("  interface %sParams %s\n", base, pt))
		rt := g.resultType(op)
		doc := fmt.Sprintf("  /** %s (%s %s)%s */\n", strings.ReplaceAll(op.Summary, "*/", "* /"), op.HTTPMethod, op.Path, deprecatedNote(op))
		sig := g.signatures(op, base, rt, required)
		names := []string{op.Method}
		aliasRes, aliasMethod, ok := strings.Cut(op.JSName, ".")
		addMethod(op.Resource, doc+renderSigs(op.Method, sig))
		if ok && op.JSName != op.Name && !taken[op.JSName] && !strings.ContainsAny(aliasMethod, "()") {
			taken[op.JSName] = true
			// The @clerk/backend names behave as in the package.
			if s, special := backendSpecial[op.JSName]; special {
				addMethod(aliasRes, "  /** As in @clerk/backend. */\n"+qualifyTypes(s, qualifyBackend))
			} else {
				bsig := g.signatures(op, base, qualifyBackend(backendTable.backendResult(op, backendPaginated[op.JSName])), required)
				addMethod(aliasRes, "  /** As in @clerk/backend (resource classes, {data, totalCount} pages). */\n"+renderSigs(aliasMethod, bsig))
			}
		}
		_ = names
	}
	fmt.Fprintf(w, "declare namespace Clerk {\n")
	for _, d := range paramDecls {
		fmt.Fprint(w, d)
	}
	// Emit referenced schemas; emitting one may reference more.
	for len(g.pending) > 0 {
		name := g.pending[0]
		g.pending = g.pending[1:]
		s := core.LookupSchema(name)
		r := s.Resolve()
		switch {
		case r != nil && r.Type == "object" && len(r.Properties) > 0 && len(r.OneOf)+len(r.AnyOf)+len(r.AllOf) == 0:
			fmt.Fprintf(w, "  interface %s %s\n", sanitizeIdent(name), g.objectType(r, 1, "  "))
		default:
			fmt.Fprintf(w, "  type %s = %s;\n", sanitizeIdent(name), g.tsType(r, 1))
		}
	}
	fmt.Fprint(w, "}\n\n")

	sort.Strings(resOrder)
	for _, res := range resOrder {
		fmt.Fprintf(w, "interface Clerk%sAPI {\n", sanitizeIdent(strings.ToUpper(res[:1])+res[1:]))
		for _, m := range byRes[res] {
			fmt.Fprint(w, m)
		}
		if res == "webhooks" {
			fmt.Fprint(w, "  /** Verify a webhook (Svix) signature and return the parsed event, keys as sent. */\n")
			fmt.Fprint(w, "  verify(payload: string, headers: Record<string, string>, opts?: { secret?: string }): any;\n")
		}
		fmt.Fprint(w, "}\n")
	}
	fmt.Fprint(w, "\ndeclare const clerk: {\n")
	for _, res := range resOrder {
		fmt.Fprintf(w, "  %s: Clerk%sAPI;\n", tsKey(res), sanitizeIdent(strings.ToUpper(res[:1])+res[1:]))
	}
	fmt.Fprint(w, dtsStatic)
	g.writeModules()
}

func deprecatedNote(op *core.Operation) string {
	if op.Deprecated {
		return " @deprecated"
	}
	return ""
}

type tsSig struct{ args, result string }

func (g *dtsGen) signatures(op *core.Operation, base, rt string, required bool) []tsSig {
	res := "Promise<" + rt + ">"
	pp := pathParams(op)
	q := "?"
	if required {
		q = ""
	}
	var sigs []tsSig
	if len(pp) > 0 {
		var pos []string
		for _, p := range pp {
			pos = append(pos, snakeToCamel(p.Name)+": string")
		}
		extra := fmt.Sprintf("params%s: Omit<Clerk.%sParams, %s>", q, base, quotedNames(pp))
		if op.Body != nil && op.Body.Array {
			extra = fmt.Sprintf("items: Clerk.%sParams[\"body\"]", base)
		}
		sigs = append(sigs, tsSig{strings.Join(append(pos, extra), ", "), res})
	}
	if op.Body != nil && op.Body.Array {
		sigs = append(sigs, tsSig{fmt.Sprintf("items: Clerk.%sParams[\"body\"]", base), res})
	}
	pq := q
	if len(pp) > 0 {
		pq = ""
	}
	sigs = append(sigs, tsSig{fmt.Sprintf("params%s: Clerk.%sParams", pq, base), res})
	return sigs
}

func quotedNames(ps []core.Param) string {
	q := make([]string, len(ps))
	for i, p := range ps {
		q[i] = strconv.Quote(snakeToCamel(p.Name))
	}
	return strings.Join(q, " | ")
}

func renderSigs(method string, sigs []tsSig) string {
	var b strings.Builder
	for _, s := range sigs {
		fmt.Fprintf(&b, "  %s(%s): %s;\n", tsKey(method), s.args, s.result)
	}
	return b.String()
}

const dtsStatic = `  /** Call any operation by name ("users.list") or @clerk/backend alias. */
  call(name: string, params?: Record<string, unknown>): Promise<any>;
  /**
   * Walk every item of a list operation, a page at a time. Without a
   * callback it returns an async iterator: for await (const u of clerk.paginate(clerk.users.list)).
   */
  paginate<T = any>(op: Function | string, params?: Record<string, unknown>): ClerkPageIterator<T>;
  paginate<T = any>(op: Function | string, params: Record<string, unknown> | undefined, each: (item: T) => unknown): Promise<number>;
  /** Verify a Clerk session token; resolves with its claims. */
  verifyToken(token: string, opts?: { jwtKey?: string; secretKey?: string; authorizedParties?: string[]; audience?: string | string[]; clockSkewInMs?: number; issuer?: string }): Promise<Record<string, any>>;
  /** Authenticate a request (session token in a cookie or Authorization header, or a machine token), like @clerk/backend. */
  authenticateRequest(req: { method?: string; url: string; headers?: Record<string, string | string[]> }, opts?: ClerkAuthenticateOptions): Promise<ClerkRequestState>;
};

interface ClerkAuthenticateOptions {
  secretKey?: string; jwtKey?: string; publishableKey?: string; domain?: string; proxyUrl?: string; signInUrl?: string;
  /** Origins (https://host[:port]) a relative proxyUrl may be resolved on; the request's is used only when listed, else the first. */
  proxyOrigins?: string | string[];
  machineSecretKey?: string; isSatellite?: boolean; satelliteAutoSync?: boolean; authorizedParties?: string | string[]; audience?: string | string[];
  acceptsToken?: string | string[]; clockSkewInMs?: number;
}

interface ClerkRequestState {
  status: "signed-in" | "signed-out" | "handshake";
  reason: string | null;
  message: string | null;
  tokenType: string | null;
  headers: Record<string, string[]>;
  auth: Record<string, any> | null;
}

interface ClerkPageIterator<T> {
  [Symbol.asyncIterator](): AsyncIterator<T>;
  next(): Promise<IteratorResult<T>>;
  return(): { done: true };
  forEach(each: (item: T) => unknown): Promise<number>;
}

declare class ClerkAPIError extends Error {
  status: number;
  errors: { code: string; message: string; longMessage: string; meta?: Record<string, unknown> }[];
  clerkTraceId?: string;
  /** Seconds, from Retry-After. */
  retryAfter?: number;
  operation?: string;
  /** True for failures that do not say whether Clerk applied the request (500, 502, 504, resets). */
  mayHaveBeenApplied: boolean;
}

interface JobOptions<I> {
  /** Name of the job in the journal (default "job"). */
  name?: string;
  /** Item key in the journal: a property name or a function (default: the index). */
  key?: string | ((item: I, index: number) => string | number);
  /** Journal file (JSON Lines); false for none. The --journal flag wins. */
  journal?: string | false;
  /** Items in flight at once (default --concurrency, 10). */
  concurrency?: number;
  /** Retries of a failed item when safe (default 2). */
  retries?: number;
  /** Delay before the first retry in ms (default 1000), doubling, at most 30 s. */
  retryDelay?: number;
  /** Pace of items, "N/duration" (e.g. "100/1h" for POST /invitations). */
  rate?: string;
  /** NDJSON file receiving {job, key, error, item} for each failure. */
  failures?: string;
  /** Look an item up when its request may have been applied; return it, or null to send it. Match exactly. */
  reconcile?: (item: I) => Promise<unknown | null>;
  /** Without reconcile, send again items an earlier run left in doubt (default false: report them). */
  resendInDoubt?: boolean;
}

interface JobSummary {
  name: string; done: number; failed: number; skipped: number; reconciled: number; retried: number;
  inDoubt: number; stopped: boolean; elapsedMs: number; total?: number;
  failures: { key: string; error: { message: string; status?: number; code?: string } }[];
}

declare const job: {
  run<I>(items: I[] | Iterable<I> | { next(): Promise<{ done: boolean; value: I }> }, fn: (item: I) => Promise<unknown>, opts?: JobOptions<I>): Promise<JobSummary>;
};

interface ClerkWriter<T> { write(row: T): void; close(): void; }

declare const fs: {
  readText(path: string): string;
  writeText(path: string, text: string): void;
  appendText(path: string, text: string): void;
  exists(path: string): boolean;
  readJSON(path: string): any;
  writeJSON(path: string, value: unknown): void;
  readLines(path: string): IterableIterator<string>;
  readNDJSON(path: string): IterableIterator<any>;
  readCSV(path: string, opts?: { header?: true; delimiter?: string; comment?: string }): IterableIterator<Record<string, string>>;
  readCSV(path: string, opts: { header: false; delimiter?: string; comment?: string }): IterableIterator<string[]>;
  csvWriter(path: string, opts?: { header?: string[]; append?: boolean }): ClerkWriter<string[] | Record<string, unknown>>;
  ndjsonWriter(path: string, opts?: { append?: boolean }): ClerkWriter<unknown> & { close(): number };
};

declare const args: string[];
declare const env: Record<string, string | undefined>;
declare function sleep(ms: number): Promise<void>;
declare function exit(code?: number): never;
// Declared as lib.dom.d.ts does (interface + var), so the two merge when an
// editor also loads the DOM library.
interface Console { log(...a: any[]): void; info(...a: any[]): void; debug(...a: any[]): void; warn(...a: any[]): void; error(...a: any[]): void }
declare var console: Console;
declare function setTimeout(fn: (...a: any[]) => void, ms?: number, ...a: any[]): number;
declare function clearTimeout(id: number): void;
declare function setInterval(fn: (...a: any[]) => void, ms?: number, ...a: any[]): number;
declare function clearInterval(id: number): void;
`
