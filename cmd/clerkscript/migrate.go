package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/internal/job"
	"github.com/clerkscript/clerkscript/internal/journal"
	"github.com/clerkscript/clerkscript/internal/migrate"
	"github.com/clerkscript/clerkscript/internal/ratelimit"
)

func init() {
	register(&command{
		name:    "migrate",
		summary: "import users from Auth0, Supabase, Auth.js, Firebase, Better Auth or Clerk (resumable, never duplicates)",
		usage:   migrateUsage,
		run:     runMigrate,
	})
}

const migrateUsage = `Usage: clerkscript migrate -y -t <transformer> -f <file> [flags]

Creates a Clerk user for every user of an export file. Takes the flags of
Clerk's official migration tool (clerk/migration-tool) with the same meaning,
so its documented commands work with 'clerkscript migrate' in place of
'bun migrate'. Every user is journaled by its source id: a re-run after a
crash, Ctrl-C or failures skips what is done, and looks up what is in doubt by
external_id before sending it again. It never creates a user twice.

Flags of the official tool:
  -y, --yes                  do not ask for confirmation
  -t, --transformer T        the source: auth0, authjs, betterauth, clerk,
                             firebase, supabase, or the path of your own
                             transformer module (./my-transformer.ts or .js)
  -f, --file F               the export: JSON (array, {"users": [...]},
                             NDJSON) or CSV ('#' lines are comments)
  -r, --resume-after ID      skip every user up to and including source id ID
                             (rarely needed: the journal resumes exactly)
  --require-password         skip (and report) users without a password
  --skip-unsupported-providers
                             Supabase: skip (and report) users whose only
                             sign-in providers are social providers not
                             listed in --enabled-providers
  --clerk-secret-key K       instead of CLERK_SECRET_KEY
  --firebase-signer-key K, --firebase-salt-separator S,
  --firebase-rounds N, --firebase-mem-cost N
                             Firebase's password hash parameters (all four,
                             required with -t firebase)

Flags of clerkscript:
  --dry-run                  validate and print each create payload (digests,
                             TOTP secrets and backup codes masked) as one JSON
                             line on stdout; no API call, no key needed
  --emulate                  rehearse against an in-process Clerk emulator
                             (no account needed; its users are discarded)
  --rate N/D                 pace requests (default from the key: sk_live_
                             1000/10s, otherwise 100/10s; 429 Retry-After is
                             honoured on top); with --emulate, unpaced
  --concurrency N            requests in flight (default 10 for sk_live_, 4)
  --journal F                journal file (default: .clerkscript-migrate/
                             <transformer>-<instance>.journal.jsonl, one per
                             target instance, so a dev rehearsal never makes
                             a production run skip users)
  --failures F               NDJSON file of the users not migrated, one line
                             each: {"job", "key", "error", "in_doubt",
                             "item": the source record}; give it back to -f
                             (same -t) to retry them (default: .clerkscript-
                             migrate/failures-<time>.ndjson)
  --enabled-providers LIST   social providers enabled in Clerk, for
                             --skip-unsupported-providers (e.g. google,github)

Environment: CLERK_SECRET_KEY, CLERK_API_URL.

Examples:
  clerkscript migrate -y -t auth0 -f users.ndjson --dry-run | head
  clerkscript migrate -y -t auth0 -f users.ndjson --emulate
  CLERK_SECRET_KEY=sk_live_... clerkscript migrate -y -t auth0 -f users.ndjson
  clerkscript migrate -y -t firebase -f users.csv --firebase-signer-key "..." \
    --firebase-salt-separator "Bw==" --firebase-rounds 8 --firebase-mem-cost 14
  clerkscript migrate -y -t ./my-transformer.ts -f export.json

Ctrl-C once: no new users are started; in-flight ones finish and are
journaled. Twice: abort at once (the journal marks those users in doubt; the
next run looks them up). Exit status: 0 all migrated, 1 some users were not
migrated (see the failures file) or a run error, 2 usage, 3 some users are in
doubt (run again to look them up), 130 interrupted.`

// migrateFlags are the parsed flags.
type migrateFlags struct {
	yes, requirePassword, skipUnsupported, dryRun, emulate bool
	transformer, file, resumeAfter, secretKey              string
	fbSigner, fbSep                                        string
	fbRounds, fbMem                                        int
	rate, journal, failures, enabledProviders              string
	concurrency                                            int
}

func parseMigrateFlags(args []string, stdout, stderr io.Writer) (*migrateFlags, int) {
	m := &migrateFlags{}
	fs := newFlagSet("migrate")
	for _, n := range []string{"y", "yes"} {
		fs.BoolVar(&m.yes, n, false, "")
	}
	for _, n := range []string{"t", "transformer"} {
		fs.StringVar(&m.transformer, n, "", "")
	}
	for _, n := range []string{"f", "file"} {
		fs.StringVar(&m.file, n, "", "")
	}
	for _, n := range []string{"r", "resume-after"} {
		fs.StringVar(&m.resumeAfter, n, "", "")
	}
	fs.BoolVar(&m.requirePassword, "require-password", false, "")
	var legacySkip bool
	fs.BoolVar(&legacySkip, "skip-password-requirement", false, "") // the official tool's old flag, now its default
	fs.BoolVar(&m.skipUnsupported, "skip-unsupported-providers", false, "")
	fs.StringVar(&m.secretKey, "clerk-secret-key", "", "")
	fs.StringVar(&m.fbSigner, "firebase-signer-key", "", "")
	fs.StringVar(&m.fbSep, "firebase-salt-separator", "", "")
	fs.IntVar(&m.fbRounds, "firebase-rounds", 0, "")
	fs.IntVar(&m.fbMem, "firebase-mem-cost", 0, "")
	fs.BoolVar(&m.dryRun, "dry-run", false, "")
	fs.BoolVar(&m.emulate, "emulate", false, "")
	fs.StringVar(&m.rate, "rate", "", "")
	fs.IntVar(&m.concurrency, "concurrency", 0, "")
	fs.StringVar(&m.journal, "journal", "", "")
	fs.StringVar(&m.failures, "failures", "", "")
	fs.StringVar(&m.enabledProviders, "enabled-providers", "", "")
	pos, code, done := parseFlags(fs, "migrate", args, false, stdout, stderr)
	if done {
		return nil, code
	}
	usageErr := func(format string, a ...any) (*migrateFlags, int) {
		return nil, usageError(stderr, "migrate", "migrate", format, a...)
	}
	if len(pos) > 0 {
		return usageErr("unexpected argument %q (the export is given with -f)", pos[0])
	}
	if m.transformer == "" {
		return usageErr("missing -t/--transformer (one of %s, or the path of your own module)", strings.Join(migrate.Builtins, ", "))
	}
	if m.file == "" {
		return usageErr("missing -f/--file")
	}
	if m.dryRun && m.emulate {
		return usageErr("--dry-run and --emulate exclude each other")
	}
	if m.concurrency < 0 || m.concurrency > 100 {
		return usageErr("--concurrency must be between 1 and 100")
	}
	if m.fbRounds < 0 || m.fbMem < 0 {
		return usageErr("--firebase-rounds and --firebase-mem-cost must be positive")
	}
	return m, -1
}

func (m *migrateFlags) firebase() migrate.FirebaseHash {
	return migrate.FirebaseHash{SignerKey: m.fbSigner, SaltSeparator: m.fbSep, Rounds: m.fbRounds, MemCost: m.fbMem}
}

// runMigrate is the "migrate" command.
func runMigrate(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	m, code := parseMigrateFlags(args, stdout, stderr)
	if m == nil {
		return code
	}
	fail := func(code int, format string, a ...any) int {
		if code == 2 {
			return usageError(stderr, "migrate", "migrate", format, a...)
		}
		fmt.Fprintf(stderr, "clerkscript migrate: "+format+"\n", a...)
		return code
	}
	tr, err := migrate.Load(m.transformer)
	if err != nil {
		return fail(2, "%v", err)
	}
	fb := m.firebase()
	var fbp *migrate.FirebaseHash
	if tr.Key == "firebase" || fb.Any() {
		if !fb.Complete() {
			return fail(2, "Firebase needs all four hash parameters: --firebase-signer-key, --firebase-salt-separator, --firebase-rounds, --firebase-mem-cost (Firebase console → Authentication → Users → ⋮ → Password hash parameters); a partial set builds digests that verify against nothing")
		}
		fbp = &fb
	}
	in, err := os.Open(m.file)
	if err != nil {
		return fail(2, "-f: %v", err)
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return fail(2, "-f %s: not a regular file", m.file)
	}
	var providers []string
	for _, p := range strings.Split(m.enabledProviders, ",") {
		if p = strings.TrimSpace(p); p != "" {
			providers = append(providers, strings.TrimPrefix(p, "oauth_"))
		}
	}
	if m.skipUnsupported && tr.Key != "supabase" {
		fmt.Fprintln(stderr, "clerkscript migrate: --skip-unsupported-providers only applies to supabase exports; ignoring it")
	}
	opts := migrate.Options{
		Transformer:              tr,
		Input:                    in,
		Format:                   migrate.FormatFor(m.file),
		ResumeAfter:              m.resumeAfter,
		Plan:                     migrate.PlanOptions{RequirePassword: m.requirePassword},
		SkipUnsupportedProviders: m.skipUnsupported,
		EnabledProviders:         providers,
		Firebase:                 fbp,
	}

	failures := m.failures
	if failures == "" {
		failures = filepath.Join(".clerkscript-migrate", "failures-"+time.Now().UTC().Format("20060102T150405Z")+".ndjson")
	}
	if dir := filepath.Dir(failures); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fail(1, "failures file: %v", err)
		}
	}
	opts.FailuresPath = failures
	opts.Stderr = stderr
	opts.Interactive = isTerminal(stderr)

	if m.dryRun {
		opts.DryRun = true
		bw := bufio.NewWriterSize(stdout, 64<<10)
		opts.DryRunOut = bw
		start := time.Now()
		s, err := migrate.Run(ctx, opts)
		if ferr := bw.Flush(); err == nil && ferr != nil {
			err = ferr
		}
		printSummary(stderr, s, time.Since(start), true, failures, "")
		if errors.Is(err, context.Canceled) {
			return fail(130, "interrupted")
		}
		if err != nil {
			return fail(1, "%v", err)
		}
		if s.Reported() > 0 || s.ResumeMissing {
			return 1
		}
		return 0
	}

	secretKey := strings.TrimSpace(m.secretKey)
	if secretKey == "" {
		secretKey = strings.TrimSpace(os.Getenv("CLERK_SECRET_KEY"))
	}
	apiURL := strings.TrimSpace(os.Getenv("CLERK_API_URL"))
	target := "Clerk"
	if m.emulate {
		emu, err := emulator.New(emulator.WithoutRateLimits())
		if err != nil {
			return fail(1, "%v", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fail(1, "starting the emulator: %v", err)
		}
		srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		secretKey = emu.SecretKey()
		apiURL = "http://" + ln.Addr().String()
		target = "the emulator"
		fmt.Fprintf(stderr, "clerkscript: EMULATOR MODE: users go to an in-process Clerk emulator at %s, not to Clerk, and are discarded at the end.\n", apiURL)
	} else if secretKey == "" {
		return fail(2, "CLERK_SECRET_KEY is not set (or pass --clerk-secret-key; --dry-run and --emulate need no key)")
	} else if !strings.HasPrefix(secretKey, "sk_") {
		return fail(2, "the secret key must start with sk_live_ or sk_test_")
	}

	instance := "development (sk_test_)"
	if strings.HasPrefix(secretKey, "sk_live_") {
		instance = "production (sk_live_)"
	}
	limit, window := ratelimit.Default(secretKey)
	paced := true
	if m.rate != "" {
		if limit, window, err = ratelimit.ParseRate(m.rate); err != nil {
			return fail(2, "--rate: %v", err)
		}
	} else if m.emulate {
		paced = false
	}
	conc := m.concurrency
	if conc == 0 {
		conc = 4
		if strings.HasPrefix(secretKey, "sk_live_") || m.emulate {
			conc = 10
		}
	}
	var limiter *ratelimit.Limiter
	if paced {
		limiter = ratelimit.New(limit, window, nil)
	}
	// The tracking transport tells the job engine which requests of a user
	// were in flight, for the in-doubt decision of an interrupted run.
	transport := job.TrackingTransport(ratelimit.NewTransport(core.NewHTTPTransport(nil), limiter, conc))
	cfg := core.NewClientConfig().WithSecretKey(secretKey).WithTransport(transport).
		WithClock(cliClock).WithRetryHook(announceRetry(stderr))
	if apiURL != "" {
		cfg = cfg.WithAPIURL(apiURL)
	}
	opts.Client = core.NewClient(cfg)
	opts.Concurrency = conc

	journalPath := m.journal
	if journalPath == "" {
		opts.TemporaryJournal = m.emulate
		if m.emulate {
			dir, err := os.MkdirTemp("", "clerkscript-migrate-")
			if err != nil {
				return fail(1, "%v", err)
			}
			defer os.RemoveAll(dir)
			journalPath = filepath.Join(dir, "journal.jsonl")
		} else {
			sum := sha256.Sum256([]byte(secretKey + "\x00" + apiURL))
			kind := "test"
			if strings.HasPrefix(secretKey, "sk_live_") {
				kind = "live"
			}
			journalPath = filepath.Join(".clerkscript-migrate", fmt.Sprintf("%s-%s-%s.journal.jsonl", safeName(tr.Key), kind, hex.EncodeToString(sum[:4])))
		}
	}
	if dir := filepath.Dir(journalPath); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fail(1, "journal: %v", err)
		}
	}
	jr, err := journal.Open(journalPath, nil)
	if err != nil {
		return fail(1, "journal %s: %v", journalPath, err)
	}
	defer jr.Close()
	opts.Journal = jr

	if !m.yes && !m.emulate {
		if !isTerminal(stderr) {
			return fail(2, "about to create users in a %s instance: pass -y to confirm (or rehearse with --emulate / --dry-run)", instance)
		}
		fmt.Fprintf(stderr, "Create the users of %s (%s) in your %s instance? [y/N] ", m.file, tr.Label, instance)
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
			return fail(2, "cancelled")
		}
	}
	pace := "unpaced"
	if paced {
		pace = fmt.Sprintf("%d requests per %s", limit, window)
	}
	fmt.Fprintf(stderr, "clerkscript migrate: %s → %s (%s), %s, %d in flight, journal %s\n", m.file, target, instance, pace, conc, journalPath)

	// The record count gives the progress line its total and ETA.
	if n, err := migrate.Count(in, opts.Format, tr.Input); err == nil {
		opts.Total = n
		if n > 500 && !m.emulate && !strings.HasPrefix(secretKey, "sk_live_") {
			// The official tool refuses this; the API will say it per user.
			fmt.Fprintf(stderr, "clerkscript migrate: warning: %d users for a development instance, which Clerk limits to 500 users; the ones past the limit will be refused\n", n)
		}
	}
	if _, err := in.Seek(0, io.SeekStart); err != nil {
		return fail(1, "-f: %v", err)
	}

	// Ctrl-C once: stop taking users. Twice: abort in-flight requests.
	stopCtx, stop := context.WithCancel(context.Background())
	defer stop()
	opts.Stop = stopCtx
	runCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	defer abort()
	finished := make(chan struct{})
	defer close(finished)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	var interrupted bool
	var imu sync.Mutex
	go func() {
		select {
		case <-finished:
			return
		case <-ctx.Done():
		case <-sigs:
		}
		imu.Lock()
		interrupted = true
		imu.Unlock()
		stop()
		fmt.Fprintln(stderr, "\nclerkscript migrate: stopping: no new users are started; in-flight ones finish and are journaled. Ctrl-C again to abort.")
		select {
		case <-finished:
		case <-sigs:
			fmt.Fprintln(stderr, "\nclerkscript migrate: aborting")
			abort()
		}
	}()

	start := time.Now()
	s, err := migrate.Run(runCtx, opts)
	printSummary(stderr, s, time.Since(start), false, failures, journalPath)
	if limiter != nil && limiter.Throttled() > 0 {
		fmt.Fprintf(stderr, "  429s waited out (Retry-After): %d\n", limiter.Throttled())
	}
	if m.emulate {
		fmt.Fprintf(stderr, "  for real, paced at Clerk's limits, %d users take about %s on a production instance (1000/10s), %s on a development one (100/10s)\n",
			s.Planned, estimate(s.Planned, 1000, 10*time.Second), estimate(s.Planned, 100, 10*time.Second))
	}
	imu.Lock()
	wasInterrupted := interrupted
	imu.Unlock()
	switch {
	case err != nil && !errors.Is(err, context.Canceled):
		return fail(1, "%v", err)
	case wasInterrupted:
		fmt.Fprintf(stderr, "clerkscript migrate: interrupted; run the same command again to continue (the journal skips the %d users done)\n", s.Done())
		return 130
	case s.InDoubt > 0:
		fmt.Fprintf(stderr, "clerkscript migrate: %d users may have been created without an answer; run the same command again: it looks them up by external_id\n", s.InDoubt)
		return 3
	case s.Reported() > 0 || s.ResumeMissing:
		return 1
	}
	return 0
}

func safeName(s string) string {
	s = strings.TrimSuffix(filepath.Base(s), filepath.Ext(s))
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

func estimate(users int64, limit int, window time.Duration) time.Duration {
	if users <= 0 {
		return 0
	}
	windows := int64(math.Ceil(float64(users) / float64(limit)))
	d, _ := time.ParseDuration(fmt.Sprintf("%dms", windows*window.Milliseconds()))
	return d
}

func printSummary(w io.Writer, s migrate.Stats, el time.Duration, dry bool, failures, journal string) {
	fmt.Fprintf(w, "Migration summary (%s):\n", el.Round(time.Millisecond))
	fmt.Fprintf(w, "  users in the file:            %d\n", s.Read)
	if dry {
		fmt.Fprintf(w, "  valid (payloads printed):     %d\n", s.Planned)
	} else {
		fmt.Fprintf(w, "  created:                      %d\n", s.Created)
		fmt.Fprintf(w, "  found already in Clerk:       %d (by external_id: earlier attempts that were applied)\n", s.Reconciled+s.Existing)
		fmt.Fprintf(w, "  done in an earlier run:       %d (journal)\n", s.AlreadyDone)
		fmt.Fprintf(w, "  refused by the API:           %d\n", s.Failed-s.InDoubt)
		fmt.Fprintf(w, "  in doubt (a re-run looks them up): %d\n", s.InDoubt)
	}
	fmt.Fprintf(w, "  failed validation:            %d\n", s.Invalid)
	if s.Duplicates > 0 {
		fmt.Fprintf(w, "  duplicate ids in the file:    %d\n", s.Duplicates)
	}
	if s.Unsupported > 0 {
		fmt.Fprintf(w, "  unsupported providers only:   %d\n", s.Unsupported)
	}
	if s.BeforeResume > 0 {
		fmt.Fprintf(w, "  skipped by --resume-after:    %d\n", s.BeforeResume)
	}
	if s.Dropped > 0 {
		fmt.Fprintf(w, "  dropped by preTransform:      %d\n", s.Dropped)
	}
	if el > 0 && !dry {
		fmt.Fprintf(w, "  throughput:                   %.1f users/s\n", float64(s.Created+s.Reconciled+s.Existing)/el.Seconds())
	} else if el > 0 {
		fmt.Fprintf(w, "  throughput:                   %.0f users/s\n", float64(s.Read)/el.Seconds())
	}
	if s.ResumeMissing {
		fmt.Fprintln(w, "  --resume-after: that user id is not in the file: nothing after it was migrated")
	}
	if n := s.Reported(); n > 0 {
		fmt.Fprintf(w, "  %d users not migrated are in %s (with the reason); fix them and give that file to -f\n", n, failures)
	}
	if journal != "" {
		fmt.Fprintf(w, "  journal: %s\n", journal)
	}
}
