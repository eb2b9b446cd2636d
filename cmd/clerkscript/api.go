package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

func init() {
	register(&command{
		name:    "api",
		summary: "call any Backend API operation by name (like gh api)",
		usage: `Usage:
  clerkscript api --list
  clerkscript api OPERATION [--param k=v]... [--param k:=JSON]... [--data JSON|@file|@-]
                            [--file k=@path]... [--all] [--json] [--replay-writes]
                            [--secret-key-file F] [--api-url URL] [--timeout D]
  clerkscript api OPERATION --describe

Calls one operation of the Backend API and prints the JSON response (pretty
on a terminal). OPERATION is a resource.method name from --list, or its
@clerk/backend alias (users.getUserList).

  --param k=v     a path, query or body parameter; repeat an array query
                  parameter to send several values (--param email_address=a
                  --param email_address=b). Declared parameters are typed from
                  the spec; other keys are strings unless written k:=JSON.
  --data          the parameters as one JSON object (or @file, @- for stdin);
                  --param values are merged over it. For bulk operations put
                  the array under "body".
  --file k=@path  a file for a multipart operation (users.setProfileImage,
                  organizations.uploadLogo).
  --all           follow pagination and print every item as NDJSON.
  --json          print errors as the raw JSON body instead of text.
  --replay-writes allow replaying a POST after a 5xx or timeout (off: BAPI has
                  no idempotency keys, a replay can duplicate a write).
  --describe      print the operation's method, path and parameters.
  --timeout D     give up after D (e.g. 30s, 2m), retries included; default
                  none. Retries are announced on stderr as they happen; an
                  address that cannot be reached fails after 4 attempts
                  (about 2 s), an unknown host or a TLS failure at once.

Examples:
  clerkscript api users.list --param limit=5
  clerkscript api users.create --data '{"email_address":["a@example.com"]}'
  clerkscript api invitations.bulkCreate --data @invites.json
  clerkscript api users.list --param order_by=-created_at --all > users.ndjson

The secret key comes from CLERK_SECRET_KEY or --secret-key-file; the URL from
CLERK_API_URL or --api-url. Exit status: 0 success, 1 API or network error,
2 usage error.`,
		run: runAPI,
	})
}

func runAPI(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("api")
	var (
		list, all, jsonErr, replay, describe bool
		params, files                        stringList
		data, keyFile, apiURL                string
		timeout                              time.Duration
	)
	fs.BoolVar(&list, "list", false, "")
	fs.BoolVar(&all, "all", false, "")
	fs.BoolVar(&jsonErr, "json", false, "")
	fs.BoolVar(&replay, "replay-writes", false, "")
	fs.BoolVar(&describe, "describe", false, "")
	fs.Var(&params, "param", "")
	fs.Var(&params, "p", "")
	fs.Var(&files, "file", "")
	fs.StringVar(&data, "data", "", "")
	fs.StringVar(&data, "d", "", "")
	fs.StringVar(&keyFile, "secret-key-file", "", "")
	fs.StringVar(&apiURL, "api-url", "", "")
	durationFlag(fs, &timeout, "timeout", 0)
	// Flags may follow the operation name, as in gh api.
	positional, code, done := parseFlags(fs, "api", args, true, stdout, stderr)
	if done {
		return code
	}
	usageErr := func(format string, a ...any) int { return usageError(stderr, "api", "api", format, a...) }
	if len(positional) > 1 {
		return usageErr("unexpected argument %q (one operation per call)", positional[1])
	}
	var opName string
	if len(positional) == 1 {
		opName = positional[0]
	}
	if list {
		for _, op := range core.Operations() {
			dep := "-"
			if op.Deprecated {
				dep = "deprecated"
			}
			fmt.Fprintf(stdout, "%s\t%s\t%s\t%s\n", op.Name, op.HTTPMethod, op.Path, dep)
		}
		return 0
	}
	if opName == "" {
		return usageErr("missing OPERATION (see clerkscript api --list)")
	}
	op, ok := core.LookupOperation(opName)
	if !ok {
		return usageErr("%v", &core.UnknownOperationError{Name: opName, Suggestions: core.SuggestOperations(opName, 3)})
	}
	if timeout < 0 {
		return usageErr("--timeout must not be negative")
	}
	if describe {
		describeOperation(stdout, op)
		return 0
	}
	m, err := buildParams(op, data, params, files, stdin)
	if err != nil {
		return usageErr("%v", err)
	}
	cfg := core.NewClientConfig()
	if keyFile != "" {
		b, err := os.ReadFile(keyFile)
		if err != nil {
			return usageErr("reading --secret-key-file: %v", err)
		}
		cfg = cfg.WithSecretKey(strings.TrimSpace(string(b)))
	}
	if apiURL != "" {
		cfg = cfg.WithAPIURL(apiURL)
	}
	if cfg.SecretKeyKind() == "missing" {
		return usageErr("missing secret key: set CLERK_SECRET_KEY or pass --secret-key-file")
	}
	client := core.NewClient(cfg.WithClock(cliClock).WithRetryHook(announceRetry(stderr)))
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	report := func(err error) int {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			fmt.Fprintf(stderr, "clerkscript api: --timeout %s reached: %v\n", timeout, err)
			return 1
		}
		return reportAPIError(stderr, err, jsonErr)
	}
	var opts []core.CallOption
	if replay {
		opts = append(opts, core.WithReplayNonIdempotent())
	}
	if all {
		if !op.IsList() {
			return usageErr("--all: %s is not a paginated list", op.Name)
		}
		enc := json.NewEncoder(stdout)
		for item, err := range client.Paginate(ctx, op.Name, m, opts...) {
			if err != nil {
				return report(err)
			}
			if err := enc.Encode(item); err != nil {
				fmt.Fprintf(stderr, "clerkscript api: writing output: %v\n", err)
				return 1
			}
		}
		return 0
	}
	out, err := client.Call(ctx, op.Name, m, opts...)
	if err != nil {
		return report(err)
	}
	writeJSON(stdout, out)
	return 0
}

// cliClock is the clock of the commands' API clients; tests replace it so
// that retries are counted without waiting.
var cliClock core.Clock = core.SystemClock

// announceRetry returns a retry hook that says on stderr why the command
// waits: an unreachable API URL must not look like a hang.
func announceRetry(stderr io.Writer) func(core.RetryEvent) {
	return func(e core.RetryEvent) {
		cause := e.Err.Error()
		var te *core.TransportError
		if errors.As(e.Err, &te) {
			cause = te.Err.Error()
		}
		cause = strings.TrimPrefix(cause, "clerk: "+e.Operation+": ")
		fmt.Fprintf(stderr, "clerkscript: %s: attempt %d failed: %s; retrying in %s\n", e.Operation, e.Attempt, cause, e.Wait.Round(10*time.Millisecond))
	}
}

func reportAPIError(stderr io.Writer, err error, raw bool) int {
	// Parameters that do not fit the operation are the caller's mistake,
	// found before any request: a usage error, as --help promises.
	var pe *core.ParamError
	if errors.As(err, &pe) {
		fmt.Fprintf(stderr, "clerkscript api: %v\n", err)
		fmt.Fprintf(stderr, "Run 'clerkscript api %s --describe' for its parameters.\n", pe.Operation)
		return 2
	}
	if ae, ok := core.AsAPIError(err); ok && raw && json.Valid(ae.Body) {
		var buf bytes.Buffer
		_ = json.Compact(&buf, ae.Body)
		fmt.Fprintln(stderr, buf.String())
		return 1
	}
	fmt.Fprintf(stderr, "clerkscript api: %v\n", err)
	return 1
}

func writeJSON(w io.Writer, body []byte) {
	if isTerminal(w) {
		var buf bytes.Buffer
		if json.Indent(&buf, body, "", "  ") == nil {
			buf.WriteByte('\n')
			_, _ = w.Write(buf.Bytes())
			return
		}
	}
	_, _ = w.Write(bytes.TrimSpace(body))
	_, _ = io.WriteString(w, "\n")
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// buildParams merges --data and --param/--file into one parameter object,
// typing declared parameters from the table.
func buildParams(op *core.Operation, data string, params, files []string, stdin io.Reader) (map[string]any, error) {
	m := map[string]any{}
	if data != "" {
		var raw []byte
		switch {
		case data == "@-":
			b, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("--data @-: %w", err)
			}
			raw = b
		case strings.HasPrefix(data, "@"):
			b, err := os.ReadFile(data[1:])
			if err != nil {
				return nil, fmt.Errorf("--data: %w", err)
			}
			raw = b
		default:
			raw = []byte(data)
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("--data is not valid JSON: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("--data is not valid JSON: there is more after the first value")
		}
		switch x := v.(type) {
		case map[string]any:
			m = x
		case []any:
			if op.Body == nil || !op.Body.Array {
				return nil, fmt.Errorf("--data: %s takes a JSON object, not an array", op.Name)
			}
			m["body"] = x
		default:
			return nil, fmt.Errorf("--data must be a JSON object")
		}
	}
	for _, p := range params {
		k, v, isJSON, err := splitParam(p)
		if err != nil {
			return nil, err
		}
		var val any
		if isJSON {
			dec := json.NewDecoder(strings.NewReader(v))
			dec.UseNumber()
			if err := dec.Decode(&val); err != nil {
				return nil, fmt.Errorf("--param %s:=: not valid JSON: %w", k, err)
			}
			if _, err := dec.Token(); err != io.EOF {
				return nil, fmt.Errorf("--param %s:=: not valid JSON: there is more after the first value", k)
			}
		} else if decl := op.Param(k); decl != nil {
			tv, err := typedValue(decl.Type, v)
			if err != nil {
				return nil, fmt.Errorf("--param %s: %w", k, err)
			}
			if decl.Type == "array" {
				tv, err = typedValue(decl.ItemType, v)
				if err != nil {
					return nil, fmt.Errorf("--param %s: %w", k, err)
				}
				prev, _ := m[k].([]any)
				val = append(prev, tv)
			} else {
				val = tv
			}
		} else {
			val = v
		}
		m[k] = val
	}
	for _, f := range files {
		k, v, ok := strings.Cut(f, "=")
		if !ok || !strings.HasPrefix(v, "@") || k == "" {
			return nil, fmt.Errorf("--file %q: want name=@path", f)
		}
		b, err := os.ReadFile(v[1:])
		if err != nil {
			return nil, fmt.Errorf("--file %s: %w", k, err)
		}
		m[k] = core.File{Filename: baseName(v[1:]), ContentType: sniffType(b), Data: b}
	}
	return m, nil
}

func splitParam(p string) (key, val string, isJSON bool, err error) {
	i := strings.Index(p, "=")
	if i <= 0 {
		return "", "", false, fmt.Errorf("--param %q: want key=value or key:=JSON", p)
	}
	key, val = p[:i], p[i+1:]
	if strings.HasSuffix(key, ":") {
		return strings.TrimSuffix(key, ":"), val, true, nil
	}
	return key, val, false, nil
}

func typedValue(typ, v string) (any, error) {
	switch typ {
	case "integer", "number":
		n := json.Number(v)
		if _, err := n.Float64(); err != nil {
			return nil, fmt.Errorf("%q is not a number", v)
		}
		return n, nil
	case "boolean":
		switch strings.ToLower(v) {
		case "true", "1", "yes":
			return true, nil
		case "false", "0", "no":
			return false, nil
		}
		return nil, fmt.Errorf("%q is not a boolean", v)
	}
	return v, nil
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

func sniffType(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x89PNG")):
		return "image/png"
	case bytes.HasPrefix(b, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(b, []byte("GIF8")):
		return "image/gif"
	case bytes.HasPrefix(b, []byte("RIFF")) && len(b) > 12 && string(b[8:12]) == "WEBP":
		return "image/webp"
	}
	return "application/octet-stream"
}

func describeOperation(w io.Writer, op *core.Operation) {
	fmt.Fprintf(w, "%s  %s /v1%s\n", op.Name, op.HTTPMethod, op.Path)
	if op.JSName != "" {
		fmt.Fprintf(w, "alias: %s\n", op.JSName)
	}
	if op.Summary != "" {
		fmt.Fprintf(w, "%s\n", op.Summary)
	}
	if op.Deprecated {
		fmt.Fprintln(w, "DEPRECATED")
	}
	for _, p := range op.Params {
		req := ""
		if p.Required {
			req = " (required)"
		}
		typ := p.Type
		if p.Type == "array" {
			typ = "array of " + p.ItemType
		}
		enum := ""
		if len(p.Enum) > 0 {
			enum = " one of " + strings.Join(p.Enum, "|")
		}
		fmt.Fprintf(w, "  %-6s %-28s %s%s%s\n", p.In, p.Name, typ, enum, req)
	}
	if op.Body != nil {
		kind := "object"
		if op.Body.Array {
			kind = "array under \"body\""
		}
		fmt.Fprintf(w, "  body   %s %s (%s)\n", op.Body.Schema, kind, op.Body.ContentType)
	}
	fmt.Fprintf(w, "  returns %d %s %s\n", op.Response.Status, op.Response.Shape, op.Response.Schema)
}
