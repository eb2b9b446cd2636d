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

See docs/JS.md.

Flags:
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

Environment: CLERK_SECRET_KEY, CLERK_API_URL, CLERK_JWT_KEY,
CLERK_WEBHOOK_SIGNING_SECRET.

Ctrl-C once: jobs stop taking new items, in-flight items finish and the
journal is flushed (a script with no job running is aborted). Ctrl-C twice:
abort at once. Exit status: 0 ok, 1 script error, 2 usage, 3 items left in
doubt (see the job summary), 124 timeout, 130 interrupted, or the code given
to exit(code).`

// runRun is the "run" command.
func runRun(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, runUsage) }
	emulate := fs.Bool("emulate", false, "")
	concurrency := fs.Int("concurrency", 10, "")
	timeout := fs.Duration("timeout", 0, "")
	journal := fs.String("journal", "", "")
	rate := fs.String("rate", "", "")
	resendInDoubt := fs.Bool("resend-in-doubt", false, "")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() < 1 {
		fmt.Fprintln(stderr, "clerkscript run: missing script.js")
		fmt.Fprintln(stderr, runUsage)
		return 2
	}
	if *concurrency < 1 || *concurrency > 1000 {
		fmt.Fprintln(stderr, "clerkscript run: --concurrency must be between 1 and 1000")
		return 2
	}
	if *timeout < 0 {
		fmt.Fprintln(stderr, "clerkscript run: --timeout must not be negative")
		return 2
	}
	script := fs.Arg(0)
	src, err := os.ReadFile(script)
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript run: %v\n", err)
		return 2
	}

	secretKey := strings.TrimSpace(os.Getenv("CLERK_SECRET_KEY"))
	apiURL := strings.TrimSpace(os.Getenv("CLERK_API_URL"))
	opts := jsbind.Options{
		Args:        fs.Args()[1:],
		Env:         os.Environ(),
		Stdout:      stdout,
		Stderr:      stderr,
		Interactive: isTerminal(stderr),
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
		emu, err := emulator.New()
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
		if limit, window, err = ratelimit.ParseRate(*rate); err != nil {
			fmt.Fprintf(stderr, "clerkscript run: --rate: %v\n", err)
			return 2
		}
	}
	limiter := ratelimit.New(limit, window, nil)
	transport := ratelimit.NewTransport(core.NewHTTPTransport(&http.Client{}), limiter, *concurrency)
	cfg := core.NewClientConfig().WithSecretKey(secretKey).WithTransport(transport)
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
	if *timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(runCtx, *timeout)
		defer cancel()
	}
	finished := make(chan struct{})
	defer close(finished)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var stopped atomic.Bool
	go watchInterrupts(ctx, sigs, finished, rt, abort, &stopped, stderr)

	err = rt.RunScript(runCtx, script, string(src))
	code := exitStatus(err, runCtx, stderr)
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
