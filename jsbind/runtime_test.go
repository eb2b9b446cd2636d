package jsbind

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// runJS runs src as "test.js" and returns stdout, stderr and the error.
func runJS(t *testing.T, src string, opts Options) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	if opts.Stdout == nil {
		opts.Stdout = &out
	}
	if opts.Stderr == nil {
		opts.Stderr = &errb
	}
	r, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = r.RunScript(ctx, "test.js", src)
	return out.String(), errb.String(), err
}

func TestTopLevelAwait(t *testing.T) {
	out, _, err := runJS(t, `
const x = await new Promise(res => setTimeout(() => res(41), 5));
await sleep(1);
console.log("x", x + 1, {a: [1, "b"]});
`, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if out != "x 42 {\"a\":[1,\"b\"]}\n" {
		t.Fatalf("stdout = %q", out)
	}
}

func TestUncaughtErrorHasFileAndLine(t *testing.T) {
	_, _, err := runJS(t, "const a = 1;\nfunction boom() {\n  throw new Error('kaput');\n}\nboom();\n", Options{})
	var se *ScriptError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v, want ScriptError", err)
	}
	for _, want := range []string{"Error: kaput", "test.js:3:", "test.js:5:"} {
		if !strings.Contains(se.Message, want) {
			t.Errorf("message %q lacks %q", se.Message, want)
		}
	}
}

func TestUnhandledRejectionFails(t *testing.T) {
	_, _, err := runJS(t, "Promise.reject(new TypeError('nope'));\nawait sleep(5);\nconsole.log('not reached');\n", Options{})
	var se *ScriptError
	if !errors.As(err, &se) || !strings.Contains(se.Message, "Uncaught (in promise) TypeError: nope") {
		t.Fatalf("err = %v", err)
	}
}

func TestHandledRejectionIsFine(t *testing.T) {
	out, _, err := runJS(t, "const p = Promise.reject(new Error('x'));\ntry { await p } catch (e) { console.log('caught', e.message) }\n", Options{})
	if err != nil || out != "caught x\n" {
		t.Fatalf("out=%q err=%v", out, err)
	}
}

func TestSyntaxErrorNamesTheLine(t *testing.T) {
	_, _, err := runJS(t, "const a = 1;\nconst = 2;\n", Options{})
	var se *ScriptError
	if !errors.As(err, &se) || !strings.Contains(se.Message, "test.js:2:7: Expected identifier") {
		t.Fatalf("err = %v", err)
	}
}

func TestExitCode(t *testing.T) {
	out, _, err := runJS(t, "console.log('a');\nexit(3);\nconsole.log('b');\n", Options{})
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 3 || out != "a\n" {
		t.Fatalf("out=%q err=%v", out, err)
	}
}

func TestTimeoutInterruptsBusyLoop(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = r.RunScript(ctx, "spin.js", "for (;;) {}")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestTimeoutInterruptsPendingSleep(t *testing.T) {
	r, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = r.RunScript(ctx, "wait.js", "await sleep(60000);")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestArgsAndEnv(t *testing.T) {
	out, _, err := runJS(t, "console.log(args.join(','), env.GREETING, env.MISSING);", Options{Args: []string{"a", "b"}, Env: []string{"GREETING=hi=there"}})
	if err != nil || out != "a,b hi=there undefined\n" {
		t.Fatalf("out=%q err=%v", out, err)
	}
}

func TestWrapSourceKeepsLines(t *testing.T) {
	got := WrapSource("#!/usr/bin/env clerkscript\nawait 1\n")
	if !strings.HasPrefix(got, "(async () => {//") || strings.Count(got, "\n") != 3 {
		t.Fatalf("wrapped = %q", got)
	}
}

// exit codes as Node 20 takes them: process.exitCode is the status of a
// script that ends normally, and a code that is not an integer is an
// error, never a silent 0.
func TestExitCodes(t *testing.T) {
	for _, tc := range []struct {
		src  string
		code int    // ExitError's code; -1: a ScriptError
		msg  string // in the ScriptError
	}{
		{"exit(7)", 7, ""},
		{"process.exit(5)", 5, ""},
		{"process.exit('3')", 3, ""},
		{"process.exitCode = 4;\nconsole.log('done')", 4, ""},
		{"process.exitCode = 4; process.exit()", 4, ""},
		{"process.exitCode = 4; exit(0)", 0, ""},
		{"process.exitCode = 0", 0, ""},
		{"exit('x')", -1, `exit: the code must be an integer, got "x"`},
		{"exit(1.5)", -1, "exit: the code must be an integer, got 1.5"},
		{"process.exit(NaN)", -1, "got NaN"},
		{"process.exitCode = 'nope'", -1, `process.exitCode must be an integer, got "nope"`},
	} {
		_, _, err := runJS(t, tc.src, Options{})
		var ee *ExitError
		var se *ScriptError
		switch {
		case tc.code == 0 && tc.msg == "":
			if err != nil && !(errors.As(err, &ee) && ee.Code == 0) {
				t.Errorf("%q: %v, want a clean end", tc.src, err)
			}
		case tc.code > 0:
			if !errors.As(err, &ee) || ee.Code != tc.code {
				t.Errorf("%q: %v, want exit(%d)", tc.src, err, tc.code)
			}
		default:
			if !errors.As(err, &se) || !strings.Contains(se.Message, tc.msg) {
				t.Errorf("%q: %v, want a script error containing %q", tc.src, err, tc.msg)
			}
		}
	}
}
