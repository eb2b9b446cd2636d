package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/internal/ratelimit"
	"github.com/clerkscript/clerkscript/jsbind"
)

func init() {
	register(&command{
		name:    "run",
		summary: "run a JavaScript automation script against Clerk (or the emulator)",
		usage:   runUsage,
		run:     runRun,
	})
}

const runUsage = `Usage: clerkscript run [flags] script.{js,mjs,cjs,ts,mts} [args...]

Runs the script with a global 'clerk' object (every Backend API operation,
returning Promises), 'job.run' for bulk work, and fs/console/env/args/sleep.
Top-level await works. Scripts written for Node run too: the script and its
imports (relative files, JSON, pure-JS packages in node_modules, TypeScript)
are bundled at start, and "@clerk/backend", "clerkscript" and "node:fs" are
built-in modules:

  import { createClerkClient } from "@clerk/backend";
  const clerk = createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY });
  const { data, totalCount } = await clerk.users.getUserList();

Globals of plain scripts:

  clerk        every Backend API operation, returning Promises:
               await clerk.users.list({limit: 10}); clerk.users.get("user_1");
               @clerk/backend names work too (clerk.users.getUserList).
               clerk.paginate(op, params) (for await), clerk.call("users.list", p),
               clerk.verifyToken(token, opts), clerk.authenticateRequest(req,
               opts), clerk.webhooks.verify(body, headers). Errors reject with
               ClerkAPIError {status, errors, retryAfter, mayHaveBeenApplied}.
  job.run(items, fn, {key, journal, concurrency, retries, rate, reconcile,
               failures})  bulk work with a journal: a re-run skips finished
               items and looks up (reconcile) items that may have been sent.
  fs           readText, writeText, readJSON, writeJSON, readLines,
               readNDJSON, readCSV (lazy), csvWriter, ndjsonWriter.
  console, args (the arguments after script.js), env, sleep(ms), exit(code),
  setTimeout, setInterval.

  clerkscript types > clerk.d.ts    TypeScript declarations for editors

Flags (before script.js: what follows the script belongs to it):
  --emulate          run against an in-process Clerk emulator (no account needed)
  --concurrency N    max API requests in flight, and the default concurrency of
                     job.run (default 10)
  --timeout D        abort the script after D (e.g. 30s, 2h); 0 = none
  --journal F        journal file for job.run (wins over the script's own path)
  --rate N/D         client-side rate limit (default from the key: sk_live_
                     1000/10s, otherwise 100/10s)
  --resend-in-doubt  send again items an earlier run left in doubt (their
                     request may have been applied) in jobs without a
                     reconcile function; without it they are reported, not sent

A clerkscript flag placed after script.js (clerkscript run s.js --emulate) is
refused, so that it never silently reaches the script instead; put it before
the script, or after -- to pass it to the script (clerkscript run s.js --
--emulate gives args ["--emulate"]).

Environment: CLERK_SECRET_KEY, CLERK_API_URL, CLERK_JWT_KEY,
CLERK_PUBLISHABLE_KEY, CLERK_WEBHOOK_SIGNING_SECRET.

Ctrl-C once: jobs stop taking new items, in-flight items finish and the
journal is flushed (a script with no job running is aborted). Ctrl-C twice:
abort at once. Exit status: 0 ok, 1 script error, 2 usage, 3 items left in
doubt (see the job summary), 124 timeout, 130 interrupted, or the code given
to exit(code).

Full reference: ` + docsURL + `/JS.md`

// runRun is the "run" command.
func runRun(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("run")
	var timeout time.Duration
	emulate := fs.Bool("emulate", false, "")
	concurrency := fs.Int("concurrency", 10, "")
	durationFlag(fs, &timeout, "timeout", 0)
	journal := fs.String("journal", "", "")
	rate := fs.String("rate", "", "")
	resendInDoubt := fs.Bool("resend-in-doubt", false, "")
	// The first argument that is not a flag is the script: what follows it
	// is the script's, but a clerkscript flag there is refused (see the
	// usage) rather than silently handed to the script.
	positional, code, done := parseFlags(fs, "run", args, false, stdout, stderr)
	if done {
		return code
	}
	usageErr := func(format string, a ...any) int { return usageError(stderr, "run", "run", format, a...) }
	if len(positional) < 1 {
		return usageErr("missing script.js")
	}
	script, scriptArgs := positional[0], positional[1:]
	for i, a := range scriptArgs {
		if a == "--" {
			scriptArgs = append(scriptArgs[:i:i], scriptArgs[i+1:]...)
			break
		}
		if name, ok := ownFlag(fs, a); ok {
			// The advice is a command that works: the flag with its value
			// (--timeout 5s, --timeout=5s), not a bare --timeout that would
			// take the script's name for its value.
			moved, given := dashed(name), a
			if _, value, hasValue := strings.Cut(a, "="); hasValue {
				moved += "=" + value
			} else if bf, isBool := fs.Lookup(name).Value.(interface{ IsBoolFlag() bool }); !(isBool && bf.IsBoolFlag()) && i+1 < len(scriptArgs) {
				moved += " " + scriptArgs[i+1]
				given += " " + scriptArgs[i+1]
			}
			return usageErr("%s after the script: clerkscript's flags go before it (clerkscript run %s %s ...); to pass %s to the script, put it after -- (clerkscript run %s -- %s)",
				dashed(name), moved, script, given, script, given)
		}
	}
	if *concurrency < 1 || *concurrency > 1000 {
		return usageErr("--concurrency must be between 1 and 1000")
	}
	if timeout < 0 {
		return usageErr("--timeout must not be negative")
	}
	var rateLimit int
	var rateWindow time.Duration
	if *rate != "" {
		var err error
		if rateLimit, rateWindow, err = ratelimit.ParseRate(*rate); err != nil {
			return usageErr("--rate: %v", err)
		}
	}
	src, err := os.ReadFile(script)
	if err != nil {
		return usageErr("%v", err)
	}

	// Scripts, jobs and the client's retry notices write to stderr from
	// several goroutines.
	interactive := isTerminal(stderr)
	stderr = &lockedWriter{w: stderr}

	// The emulator's start (an RSA key to generate) and the script's
	// compile (bundling) are independent: they overlap, and a script that
	// does not compile is reported without waiting for the emulator.
	type started struct {
		emu *emulator.Emulator
		err error
	}
	var emuStarted chan started
	if *emulate {
		emuStarted = make(chan started, 1)
		go func() {
			emu, err := emulator.New()
			emuStarted <- started{emu, err}
		}()
	}
	compiled, err := jsbind.Compile(script, string(src))
	if err != nil {
		return exitStatus(err, ctx, stderr)
	}

	secretKey := strings.TrimSpace(os.Getenv("CLERK_SECRET_KEY"))
	apiURL := strings.TrimSpace(os.Getenv("CLERK_API_URL"))
	opts := jsbind.Options{
		Args:        scriptArgs,
		Env:         os.Environ(),
		Stdout:      stdout,
		Stderr:      stderr,
		Interactive: interactive,
		Concurrency: *concurrency,
		Journal:     *journal,
		// Items in doubt are re-sent only when asked.
		ResendInDoubt: *resendInDoubt,
		Verify: jsbind.VerifyDefaults{
			SecretKey:      secretKey,
			PublishableKey: strings.TrimSpace(os.Getenv("CLERK_PUBLISHABLE_KEY")),
			JWTKey:         os.Getenv("CLERK_JWT_KEY"),
			WebhookSecret:  os.Getenv("CLERK_WEBHOOK_SIGNING_SECRET"),
		},
	}
	if *emulate {
		st := <-emuStarted
		emu, err := st.emu, st.err
		if err != nil {
			fmt.Fprintf(stderr, "clerkscript run: %v\n", err)
			return 1
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintf(stderr, "clerkscript run: starting the emulator: %v\n", err)
			return 1
		}
		srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		secretKey = emu.SecretKey()
		apiURL = "http://" + ln.Addr().String()
		opts.Verify.SecretKey = secretKey
		opts.Verify.PublishableKey = core.BuildPublishableKey(emu.FrontendAPI(), false)
		// Scripts written for Node read these to build their client
		// (createClerkClient({ secretKey: process.env.CLERK_SECRET_KEY })).
		opts.Env = append(opts.Env, "CLERK_SECRET_KEY="+secretKey, "CLERK_API_URL="+apiURL, "CLERK_PUBLISHABLE_KEY="+opts.Verify.PublishableKey)
		if *journal == "" {
			dir, err := os.MkdirTemp("", "clerkscript-journal-")
			if err != nil {
				fmt.Fprintf(stderr, "clerkscript run: %v\n", err)
				return 1
			}
			defer os.RemoveAll(dir)
			opts.JournalDir = dir
		}
		fmt.Fprintf(stderr, "clerkscript: EMULATOR MODE: calls go to an in-process Clerk emulator at %s, not to Clerk. Its state is lost when the script ends.\n", apiURL)
	} else if secretKey == "" {
		fmt.Fprintln(stderr, "clerkscript: CLERK_SECRET_KEY is not set: API calls will fail (use --emulate to try scripts without a Clerk account)")
	}

	limit, window := ratelimit.Default(secretKey)
	if *rate != "" {
		limit, window = rateLimit, rateWindow
	}
	limiter := ratelimit.New(limit, window, nil)
	transport := ratelimit.NewTransport(core.NewHTTPTransport(nil), limiter, *concurrency)
	cfg := core.NewClientConfig().WithSecretKey(secretKey).WithTransport(transport).
		WithClock(cliClock).WithRetryHook(announceRetry(stderr))
	if apiURL != "" {
		cfg = cfg.WithAPIURL(apiURL)
	}
	opts.Client = core.NewClient(cfg)

	rt, err := jsbind.New(opts)
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript run: %v\n", err)
		return 1
	}

	// runCtx ends the script: --timeout, or the abort below. It does not
	// inherit ctx's cancellation: the first Ctrl-C only stops jobs from
	// taking new items, and in-flight requests must be allowed to finish.
	runCtx, abort := context.WithCancelCause(context.WithoutCancel(ctx))
	defer abort(nil)
	if timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(runCtx, timeout)
		defer cancel()
	}
	finished := make(chan struct{})
	defer close(finished)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var stopped atomic.Bool
	go watchInterrupts(ctx, sigs, finished, rt, abort, &stopped, stderr)

	err = rt.Run(runCtx, compiled)
	code = exitStatus(err, runCtx, stderr)
	if code == 0 && stopped.Load() {
		// The script ended normally, but its jobs were cut short.
		code = 130
	}
	if n := rt.InDoubt(); code == 0 && n > 0 {
		// Items that may have been applied need a person (or a reconcile
		// function): a script that "succeeded" must not hide them.
		fmt.Fprintf(stderr, "clerkscript: %d item(s) left in doubt: they may have been applied; check them, add a reconcile function, or re-run with --resend-in-doubt\n", n)
		code = 3
	}
	return code
}

// ownFlag reports an argument that names one of fs's flags (-emulate,
// --timeout=5s), help aside: a script may have a --help of its own.
func ownFlag(fs *flag.FlagSet, arg string) (string, bool) {
	if !strings.HasPrefix(arg, "-") || arg == "-" || isHelpArg(arg) {
		return "", false
	}
	name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-"), "=")
	if fs.Lookup(name) == nil {
		return "", false
	}
	return name, true
}

var errAborted = errors.New("aborted by Ctrl-C")

// watchInterrupts implements the two-step Ctrl-C: the first (ctx done, or a
// signal) stops jobs gracefully, or aborts when no job is running; the
// second signal aborts.
func watchInterrupts(ctx context.Context, sigs <-chan os.Signal, finished <-chan struct{}, rt *jsbind.Runtime, abort context.CancelCauseFunc, stopped *atomic.Bool, stderr io.Writer) {
	signals := 0
	select {
	case <-finished:
		return
	case <-ctx.Done():
	case <-sigs:
		signals++
	}
	if rt.Stop() {
		stopped.Store(true)
		fmt.Fprintln(stderr, "\nclerkscript: stopping: no new items are started; in-flight items finish and the journal is flushed. Press Ctrl-C again to abort.")
	} else {
		abort(errAborted)
		return
	}
	for {
		select {
		case <-finished:
			return
		case <-sigs:
			signals++
			if signals >= 2 {
				fmt.Fprintln(stderr, "\nclerkscript: aborting")
				abort(errAborted)
				return
			}
		}
	}
}

func exitStatus(err error, runCtx context.Context, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ee *jsbind.ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	var se *jsbind.ScriptError
	if errors.As(err, &se) {
		fmt.Fprintln(stderr, se.Message)
		return 1
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		fmt.Fprintln(stderr, "clerkscript: --timeout reached: script aborted")
		return 124
	case errors.Is(context.Cause(runCtx), errAborted), errors.Is(err, context.Canceled):
		fmt.Fprintln(stderr, "clerkscript: aborted")
		return 130
	}
	fmt.Fprintf(stderr, "clerkscript: %v\n", err)
	return 1
}
