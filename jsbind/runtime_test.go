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
