package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
)

// invocations returns every command and sub-command as the argument prefix
// that runs it: ["api"], ["wasm", "build"], ...
func invocations() [][]string {
	var out [][]string
	for _, name := range commandNames() {
		c := commands[name]
		if len(c.subcommands) == 0 {
			out = append(out, []string{name})
			continue
		}
		for _, sub := range c.subcommands {
			out = append(out, []string{name, sub})
		}
	}
	return out
}

// Every command follows the same conventions (see cli.go): help on stdout
// with exit 0, usage errors on stderr with exit 2 naming flags with two
// dashes and pointing at the help.
func TestCLIConventionsEveryCommand(t *testing.T) {
	cleanClerkEnv(t)
	for _, inv := range invocations() {
		topic := inv[0]
		want := strings.TrimRight(commands[topic].usage, "\n") + "\n"
		helps := [][]string{
			append(append([]string{}, inv...), "-h"),
			append(append([]string{}, inv...), "--help"),
			append(append([]string{}, inv...), "-help"),
			{"help", topic},
			{topic, "--help"},
		}
		for _, args := range helps {
			code, out, errOut := runCLI(t, "", args...)
			if code != 0 || out != want || errOut != "" {
				t.Errorf("%q: exit %d, stdout %d bytes (want the usage, %d), stderr %q", args, code, len(out), len(want), errOut)
			}
		}
		if !strings.Contains(want, "Usage:") {
			t.Errorf("%s: the usage does not start with Usage:", topic)
		}
		if inv[0] == "help" {
			continue // help takes a command name, not flags
		}
		args := append(append([]string{}, inv...), "--no-such-flag")
		code, out, errOut := runCLI(t, "", args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "unknown flag --no-such-flag") ||
			!strings.Contains(errOut, "clerkscript "+topic+" --help") {
			t.Errorf("%q: exit %d stdout %q stderr %q; want 2, the flag with two dashes and a pointer to the help", args, code, out, errOut)
		}
	}
}

func TestCLITopLevel(t *testing.T) {
	cleanClerkEnv(t)
	code, out, errOut := runCLI(t, "")
	if code != 0 || errOut != "" || !strings.Contains(out, "Commands:") {
		t.Errorf("no arguments: exit %d stderr %q", code, errOut)
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}} {
		c, o, e := runCLI(t, "", args...)
		if c != 0 || o != out || e != "" {
			t.Errorf("%q: exit %d stderr %q, want the same help as no arguments", args, c, e)
		}
	}
	for _, name := range commandNames() {
		if !regexp.MustCompile(`(?m)^  ` + name + ` +\S`).MatchString(out) {
			t.Errorf("command %s is not listed with a summary", name)
		}
	}
	for _, want := range []string{"version", "CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_WEBHOOK_SIGNING_SECRET", "CLERK_JWT_KEY", "CLERK_API_URL", docsURL} {
		if !strings.Contains(out, want) {
			t.Errorf("top-level help lacks %q", want)
		}
	}
	for _, args := range [][]string{{"version"}, {"--version"}} {
		c, o, _ := runCLI(t, "", args...)
		if c != 0 || !strings.HasPrefix(o, "clerkscript ") {
			t.Errorf("%q: exit %d stdout %q", args, c, o)
		}
	}

	// The flag package says "flag -timeout" and "parse error".
	leak := regexp.MustCompile(`flag -[a-z]{2}|parse error`)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verfy"}, `unknown command "verfy"; did you mean verify?`},
		{[]string{"emulat"}, `did you mean emulate?`},
		{[]string{"help", "bogus"}, `unknown command "bogus"` + "\nRun 'clerkscript help' for the list of commands."},
		{[]string{"bogus"}, `unknown command "bogus"` + "\nRun 'clerkscript help' for the list of commands."},
		{[]string{"help", "wsam"}, `did you mean wasm?`},
		{[]string{"wasm", "buidl"}, `unknown sub-command "buidl"; did you mean build?`},
		{[]string{"webhook", "verfiy"}, `did you mean verify?`},
		{[]string{"--emulate"}, `flags follow the command`},
		{[]string{"api", "--lsit"}, `unknown flag --lsit; did you mean --list?`},
		{[]string{"run", "--timeout", "5", "x.js"}, `invalid value "5" for --timeout: a duration needs a unit`},
		{[]string{"run", "--timeout=soon", "x.js"}, `invalid value "soon" for --timeout: not a duration`},
		{[]string{"run", "--concurrency", "many", "x.js"}, `invalid value "many" for --concurrency: not a valid whole number`},
		{[]string{"run", "--timeout"}, `flag --timeout needs a value`},
		{[]string{"verify", "--clock-skew", "5", "tok"}, `invalid value "5" for --clock-skew: a duration needs a unit`},
		{[]string{"emulate", "--latency", "20"}, `invalid value "20" for --latency: a duration needs a unit`},
		{[]string{"wasm", "build", "-o"}, `flag -o needs a value`},
	} {
		code, out, errOut := runCLI(t, "", tc.args...)
		if code != 2 || out != "" || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d stdout %q stderr %q; want 2 and %q", tc.args, code, out, errOut, tc.want)
		}
		if leak.MatchString(errOut) {
			t.Errorf("%q: the flag package's wording leaks: %q", tc.args, errOut)
		}
	}
}

// Commands parse flags through cli.go, so the conventions hold for commands
// added later: none builds its own flag set, help path or duration flag.
func TestCommandsUseTheCLIHelpers(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	banned := regexp.MustCompile(`flag\.NewFlagSet\(|flag\.ErrHelp|\.Duration\(|\.DurationVar\(|\.SetOutput\(`)
	for _, f := range files {
		if f == "cli.go" || strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if banned.MatchString(line) {
				t.Errorf("%s:%d: %s (use newFlagSet, parseFlags and durationFlag from cli.go)", f, i+1, strings.TrimSpace(line))
			}
		}
	}
}

// 'run -h' teaches without docs/ (absent for go install users).
func TestRunHelpHasTheEssentials(t *testing.T) {
	_, out, _ := runCLI(t, "", "run", "-h")
	for _, want := range []string{"clerk.users.list", "job.run", "fs", "args", "--emulate", "--timeout", "exit(code)", docsURL + "/JS.md", "CLERK_PUBLISHABLE_KEY"} {
		if !strings.Contains(out, want) {
			t.Errorf("run -h lacks %q", want)
		}
	}
}

// A clerkscript flag after the script is refused (exit 2) before anything
// runs: a user who typed --emulate there must never reach the real
// instance. After -- the script receives it.
func TestRunOwnFlagAfterScriptRefused(t *testing.T) {
	cleanClerkEnv(t)
	var hits atomic.Int64
	instance := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`[]`))
	}))
	t.Cleanup(instance.Close)
	t.Setenv("CLERK_API_URL", instance.URL)
	t.Setenv("CLERK_SECRET_KEY", "sk_live_real")
	script := filepath.Join(t.TempDir(), "s.js")
	if err := os.WriteFile(script, []byte(`await clerk.users.list(); console.log(JSON.stringify(args));`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, after := range [][]string{{"--emulate"}, {"-emulate"}, {"x", "--emulate"}, {"--timeout=5s"}, {"--concurrency", "3"}, {"--journal", "j"}, {"--rate", "1/s"}} {
		args := append([]string{"run", script}, after...)
		code, out, errOut := runCLI(t, "", args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "go before it") || !strings.Contains(errOut, " -- ") {
			t.Errorf("%q: exit %d stdout %q stderr %q, want 2 and the two ways out", args, code, out, errOut)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the real instance", n)
	}
	// The advice is a command that works: the flag keeps its value.
	for _, tc := range []struct{ after, want string }{
		{"--timeout=5s", "(clerkscript run --timeout=5s " + script + " ...)"},
		{"--concurrency 3", "(clerkscript run --concurrency 3 " + script + " ...)"},
		{"--emulate x", "(clerkscript run --emulate " + script + " ...)"},
	} {
		args := append([]string{"run", script}, strings.Fields(tc.after)...)
		if _, _, errOut := runCLI(t, "", args...); !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: stderr %q, want the advice %q", args, errOut, tc.want)
		}
	}

	// After --, the script gets them; "--" itself is not passed on.
	code, out, errOut := runCLI(t, "", "run", "--emulate", script, "a", "--", "--emulate", "--help")
	if code != 0 || !strings.Contains(out, `["a","--emulate","--help"]`) {
		t.Errorf("after --: exit %d stdout %q stderr %q", code, out, errOut)
	}
	// A script's own flags (and --help) pass through untouched.
	code, out, errOut = runCLI(t, "", "run", "--emulate", script, "--dry-run", "--help")
	if code != 0 || !strings.Contains(out, `["--dry-run","--help"]`) {
		t.Errorf("script flags: exit %d stdout %q stderr %q", code, out, errOut)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("%d requests reached the real instance", n)
	}
}

// A file that is not a key is a configuration error (exit 2, as the help
// says) whatever the token: a malformed token used to win (exit 1).
func TestVerifyBadKeyFileExit2(t *testing.T) {
	cleanClerkEnv(t)
	key := filepath.Join(t.TempDir(), "notpem.pem")
	if err := os.WriteFile(key, []byte("hello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"abc", "a.b.c", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"} {
		code, out, errOut := runCLI(t, "", "verify", "--jwt-key", key, tok)
		if code != 2 || !strings.Contains(out, "jwk-local-invalid") {
			t.Errorf("token %q: exit %d stdout %q stderr %q, want 2 and jwk-local-invalid", tok, code, out, errOut)
		}
	}
	t.Setenv("CLERK_JWT_KEY", "hello")
	if code, out, _ := runCLI(t, "", "verify", "--json", "abc"); code != 2 || !strings.Contains(out, `"reason":"jwk-local-invalid"`) {
		t.Errorf("CLERK_JWT_KEY: exit %d stdout %q", code, out)
	}
}
