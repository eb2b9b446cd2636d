package jsbind

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/clerkscript/clerkscript/core"
)

// Declarations of the built-in modules ("@clerk/backend", its /errors and
// /webhooks subpaths, "clerkscript", "node:fs"), written by `clerkscript
// types` after the global ones. The @clerk/backend resource interfaces come
// from the same table the runtime builds its objects from.

type backendTable struct {
	ObjectTypes map[string]string `json:"objectTypes"`
	Classes     map[string]struct {
		Fields  [][]string `json:"fields"`
		Getters []string   `json:"getters"`
	} `json:"classes"`
}

func loadBackendTable() backendTable {
	var t backendTable
	// The table is embedded and checked by the tests: a decoding error
	// here would be a build defect, and leaves the declarations empty.
	_ = json.Unmarshal([]byte(clerkBackendTable), &t)
	return t
}

// backendClass is the @clerk/backend class a response schema deserializes
// to ("" when none: the package then returns the JSON as it is).
func (t backendTable) backendClass(schema string) string {
	s := core.LookupSchema(schema).Resolve()
	if s == nil {
		return ""
	}
	if s.Properties["deleted"] != nil && s.Properties["object"] != nil {
		return "DeletedObject"
	}
	if o := s.Properties["object"].Resolve(); o != nil && len(o.Enum) > 0 {
		if v, ok := o.Enum[0].(string); ok {
			if v == "total_count" {
				return "number"
			}
			return t.ObjectTypes[v]
		}
	}
	return ""
}

func classOrAny(c string) string {
	if c == "" {
		return "any"
	}
	return c
}

// backendResult is the type an operation's @clerk/backend method resolves
// to, following the package's deserialize: {data, total_count} pages to
// PaginatedResourceResponse, bare arrays to arrays, objects to classes.
func (t backendTable) backendResult(op *core.Operation, paginated bool) string {
	if op.Response.Shape == core.ShapeNone {
		return "void"
	}
	s := core.LookupSchema(op.Response.Schema).Resolve()
	switch {
	case op.Response.Shape == core.ShapeList && s != nil && s.Properties["data"] != nil:
		items := s.Properties["data"].Resolve()
		c := ""
		if items != nil && items.Items != nil {
			c = t.backendClass(items.Items.Ref)
		}
		return "PaginatedResourceResponse<" + classOrAny(c) + ">"
	case op.Response.Shape == core.ShapeArray && s != nil && s.Items != nil:
		c := classOrAny(t.backendClass(s.Items.Ref))
		if paginated {
			return "PaginatedResourceResponse<" + c + ">"
		}
		return c + "[]"
	}
	return classOrAny(t.backendClass(op.Response.Schema))
}

var backendPaginated = map[string]bool{
	"allowlistIdentifiers.getAllowlistIdentifierList": true,
	"clients.getClientList":                           true,
	"invitations.getInvitationList":                   true,
	"jwtTemplates.list":                               true,
	"redirectUrls.getRedirectUrlList":                 true,
	"sessions.getSessionList":                         true,
	"users.getUserOauthAccessToken":                   true,
}

// backendSpecial are the methods whose signatures differ from the
// generic "path ids, then params".
var backendSpecial = map[string]string{
	"users.getUserList":             "  getUserList(params?: Clerk.UsersListParams): Promise<PaginatedResourceResponse<User>>;\n",
	"users.getCount":                "  getCount(params?: Clerk.UsersCountParams): Promise<number>;\n",
	"organizations.getOrganization": "  getOrganization(params: { organizationId: string; includeMembersCount?: boolean } | { slug: string; includeMembersCount?: boolean }): Promise<Organization>;\n",
	"sessions.getToken":             "  getToken(sessionId: string, template?: string, expiresInSeconds?: number): Promise<Token>;\n",
}

// backendMethods returns, per @clerk/backend resource, its method
// declarations (types qualified with prefix, "" inside the module).
func (g *dtsGen) backendMethods(t backendTable, qualify func(string) string) (map[string][]string, []string) {
	ops := core.Operations()
	byRes := map[string][]string{}
	var order []string
	seen := map[string]bool{}
	for i := range ops {
		op := &ops[i]
		res, method, ok := strings.Cut(op.JSName, ".")
		if !ok || strings.ContainsAny(method, "()") || seen[op.JSName] {
			continue
		}
		seen[op.JSName] = true
		if _, ok := byRes[res]; !ok {
			order = append(order, res)
		}
		if s, ok := backendSpecial[op.JSName]; ok {
			byRes[res] = append(byRes[res], qualifyTypes(s, qualify))
			continue
		}
		_, required := g.paramsType(op)
		rt := qualify(t.backendResult(op, backendPaginated[op.JSName]))
		doc := fmt.Sprintf("  /** %s (%s %s) */\n", strings.ReplaceAll(op.Summary, "*/", "* /"), op.HTTPMethod, op.Path)
		byRes[res] = append(byRes[res], doc+renderSigs(method, g.signatures(op, opTypeBase(op), rt, required)))
	}
	sort.Strings(order)
	return byRes, order
}

// qualifyTypes prefixes the module's type names in a special signature.
func qualifyTypes(s string, qualify func(string) string) string {
	for _, n := range []string{"PaginatedResourceResponse<User>", "Promise<Organization>", "Promise<Token>"} {
		if strings.Contains(s, n) {
			switch n {
			case "PaginatedResourceResponse<User>":
				s = strings.ReplaceAll(s, n, qualify("PaginatedResourceResponse<"+qualify("User")+">"))
			case "Promise<Organization>":
				s = strings.ReplaceAll(s, n, "Promise<"+qualify("Organization")+">")
			case "Promise<Token>":
				s = strings.ReplaceAll(s, n, "Promise<"+qualify("Token")+">")
			}
		}
	}
	return s
}

// qualifyBackend turns a type written inside the @clerk/backend module into
// one usable at the top level (import("@clerk/backend").X).
func qualifyBackend(t string) string {
	var b strings.Builder
	word := func(w string) {
		switch w {
		case "", "any", "void", "number", "string", "boolean", "null", "Promise", "import":
			b.WriteString(w)
		default:
			if strings.HasPrefix(w, "Clerk.") || strings.HasPrefix(w, "import(") {
				b.WriteString(w)
				return
			}
			b.WriteString(`import("@clerk/backend").` + w)
		}
	}
	cur := ""
	for _, r := range t {
		if r == '<' || r == '>' || r == '[' || r == ']' || r == ' ' || r == '|' || r == ',' {
			word(cur)
			cur = ""
			b.WriteRune(r)
			continue
		}
		cur += string(r)
	}
	word(cur)
	return b.String()
}

// modulesMarker starts the built-in modules' declarations.
const modulesMarker = "\n// ---- built-in modules (import ... from \"@clerk/backend\", \"clerkscript\", \"node:fs\") ----\n\n"

func (g *dtsGen) writeModules() {
	w := g.w
	t := loadBackendTable()
	byRes, order := g.backendMethods(t, func(s string) string { return s })

	fmt.Fprint(w, modulesMarker)
	fmt.Fprint(w, "declare module \"@clerk/backend\" {\n")
	fmt.Fprint(w, "  interface PaginatedResourceResponse<T> { data: T[]; totalCount: number }\n")
	names := make([]string, 0, len(t.Classes))
	for n := range t.Classes {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := t.Classes[n]
		fmt.Fprintf(w, "  interface %s {\n", n)
		for _, f := range c.Fields {
			typ := "any"
			if len(f) > 2 {
				switch {
				case strings.HasPrefix(f[2], "[]") && t.Classes[f[2][2:]].Fields != nil:
					typ = f[2][2:] + "[]"
				case t.Classes[f[2]].Fields != nil:
					typ = f[2] + " | null"
				}
			} else if f[0] == "id" {
				typ = "string"
			}
			fmt.Fprintf(w, "    %s: %s;\n", tsKey(f[0]), typ)
		}
		if n == "User" {
			fmt.Fprint(w, "    readonly primaryEmailAddress: EmailAddress | null;\n    readonly primaryPhoneNumber: PhoneNumber | null;\n    readonly primaryWeb3Wallet: Web3Wallet | null;\n    readonly fullName: string | null;\n")
		}
		fmt.Fprint(w, "    readonly raw: any;\n  }\n")
	}
	for _, res := range order {
		fmt.Fprintf(w, "  interface %sAPI {\n", sanitizeIdent(strings.ToUpper(res[:1])+res[1:]))
		for _, m := range byRes[res] {
			fmt.Fprint(w, indent(m))
		}
		fmt.Fprint(w, "  }\n")
	}
	fmt.Fprint(w, "  interface ClerkClient {\n")
	for _, res := range order {
		fmt.Fprintf(w, "    %s: %sAPI;\n", tsKey(res), sanitizeIdent(strings.ToUpper(res[:1])+res[1:]))
	}
	fmt.Fprint(w, dtsBackendStatic)
	fmt.Fprint(w, dtsModulesStatic)
}

func indent(s string) string {
	lines := strings.SplitAfter(s, "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" && l != "\n" {
			b.WriteString("  ")
		}
		b.WriteString(l)
	}
	return b.String()
}

const dtsBackendStatic = `    verifyToken(token: string, options?: VerifyTokenOptions): Promise<JwtPayload>;
    authenticateRequest(request: { method?: string; url: string; headers?: Record<string, string | string[]> }, options?: ClerkAuthenticateOptions): Promise<ClerkRequestState>;
  }
  interface ClerkOptions { secretKey?: string; apiUrl?: string; apiVersion?: string; publishableKey?: string; jwtKey?: string; [option: string]: unknown }
  interface VerifyTokenOptions { secretKey?: string; apiUrl?: string; jwtKey?: string; authorizedParties?: string[]; audience?: string | string[]; clockSkewInMs?: number; [option: string]: unknown }
  interface JwtPayload { sub: string; sid?: string; iss: string; exp: number; iat: number; nbf?: number; azp?: string; [claim: string]: any }
  function createClerkClient(options?: ClerkOptions): ClerkClient;
  function verifyToken(token: string, options?: VerifyTokenOptions): Promise<JwtPayload>;
  interface ClerkAPIErrorItem {
    code: string; message: string; longMessage?: string;
    meta?: { paramName?: string; sessionId?: string; emailAddresses?: string[]; identifiers?: string[]; [key: string]: unknown };
  }
  class ClerkAPIResponseError extends Error {
    status: number;
    clerkTraceId?: string;
    retryAfter?: number;
    errors: ClerkAPIErrorItem[];
    clerkError: true;
    code: string;
  }
  function isClerkAPIResponseError(e: unknown): e is ClerkAPIResponseError;
  class TokenVerificationError extends Error {
    reason: string;
    action?: string;
    getFullMessage(): string;
  }
}

declare module "@clerk/backend/errors" {
  export { ClerkAPIResponseError, isClerkAPIResponseError, TokenVerificationError } from "@clerk/backend";
  export const TokenVerificationErrorReason: {
    TokenExpired: "token-expired"; TokenInvalid: "token-invalid"; TokenInvalidAlgorithm: "token-invalid-algorithm";
    TokenInvalidAuthorizedParties: "token-invalid-authorized-parties"; TokenInvalidSignature: "token-invalid-signature";
    TokenNotActiveYet: "token-not-active-yet"; TokenIatInTheFuture: "token-iat-in-the-future"; TokenVerificationFailed: "token-verification-failed";
    InvalidSecretKey: "secret-key-invalid"; LocalJWKMissing: "jwk-local-missing"; RemoteJWKFailedToLoad: "jwk-remote-failed-to-load";
    RemoteJWKInvalid: "jwk-remote-invalid"; RemoteJWKMissing: "jwk-remote-missing"; JWKFailedToResolve: "jwk-failed-to-resolve"; JWKKidMismatch: "jwk-kid-mismatch";
  };
}

declare module "@clerk/backend/webhooks" {
  /** Verifies a Clerk (Svix) webhook request; resolves with the event. */
  export function verifyWebhook(request: { headers: any; text?(): Promise<string>; body?: string }, options?: { signingSecret?: string }): Promise<any>;
}
`

const dtsModulesStatic = `
type ClerkScriptClerk = typeof clerk;
type ClerkScriptJob = typeof job;
type ClerkScriptFS = typeof fs;
type ClerkScriptAPIErrorClass = typeof ClerkAPIError;

declare module "clerkscript" {
  export const clerk: ClerkScriptClerk;
  export const job: ClerkScriptJob;
  export const fs: ClerkScriptFS;
  export function sleep(ms: number): Promise<void>;
  export const args: string[];
  export const env: Record<string, string | undefined>;
  export function exit(code?: number): never;
  export const ClerkAPIError: ClerkScriptAPIErrorClass;
  export type ClerkAPIError = InstanceType<ClerkScriptAPIErrorClass>;
}

declare module "node:fs" {
  export function readFileSync(path: string, options?: string | { encoding?: string }): string;
  export function writeFileSync(path: string, data: string | Uint8Array): void;
  export function appendFileSync(path: string, data: string | Uint8Array): void;
  export function existsSync(path: string): boolean;
  export const promises: typeof import("node:fs/promises");
}
declare module "node:fs/promises" {
  export function readFile(path: string, options?: string | { encoding?: string }): Promise<string>;
  export function writeFile(path: string, data: string | Uint8Array): Promise<void>;
  export function appendFile(path: string, data: string | Uint8Array): Promise<void>;
}
declare module "fs" { export * from "node:fs"; }
declare module "fs/promises" { export * from "node:fs/promises"; }

interface ClerkScriptProcess {
  env: Record<string, string | undefined>;
  /** [runtime, script, ...args], as in Node. */
  argv: string[];
  exitCode?: number;
  exit(code?: number): never;
  platform: string;
  cwd(): string;
  nextTick(fn: (...a: any[]) => void, ...a: any[]): void;
  stdout: { write(s: string): boolean };
  stderr: { write(s: string): boolean };
}
declare var process: ClerkScriptProcess;
declare function structuredClone<T>(value: T): T;
`
