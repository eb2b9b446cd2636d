package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/emulator"
)

func init() {
	register(&command{
		name:    "emulate",
		summary: "serve a local, in-memory Clerk Backend API for tests and dry runs",
		usage:   emulateUsage,
		run:     runEmulate,
	})
}

const emulateUsage = `Usage: clerkscript emulate [flags]

Serves an in-memory Clerk instance speaking the Backend API under /v1: users,
invitations, organizations, memberships, sessions and session tokens, and
every other operation of the API (served from the spec). It prints the base URL,
the secret key, the publishable key and the PEM public key, then serves until
interrupted.

  CLERK_API_URL=<url> CLERK_SECRET_KEY=<key> clerkscript run script.js

Flags:
  --addr A               listen address (default 127.0.0.1:0, a free port)
  --secret-key K         secret key clients must send (default: derived from
                         the seed, or the one saved in --state)
  --rate-limit N/D       instance-wide limit (default 100/10s, Clerk's figure
                         for development instances; 0 = off)
  --endpoint-limit-scale F
                         scale Clerk's per-endpoint limits (POST /invitations
                         100/hour, bulk 25/hour, organization invitations
                         250/hour, bulk 50/hour, user updates 10/10s per
                         user); 0 = off (default 1)
  --fault-rate R         share of requests that fail, 0..1 (default 0)
  --fault-kinds K,...    500, 502, 503, 504, reset, applied, applied-reset,
                         latency (default 500). "applied" commits the write
                         and then answers 500; "applied-reset" commits it and
                         drops the connection
  --latency D            added to every request (e.g. 20ms)
  --slow D               delay of a "latency" fault (default 2s)
  --seed N               seed for ids, tokens and fault choice (default 1)
  --state FILE           load the instance from FILE if it exists, and save
                         it there (atomically) on shutdown
  --token-lifetime D     lifetime of session tokens (default 60s)

Webhooks (what happens in the emulator, announced as Clerk announces it):
  --webhook-url URL      deliver events (user.created, organization.created,
                         session.revoked, email.created, ...) to URL, signed as
                         Svix signs them; repeatable
  --webhook-secret S     signing secret, whsec_<base64> (default: random,
                         printed as CLERK_WEBHOOK_SIGNING_SECRET)
  --webhook-retry-scale F
                         scale Svix's retry schedule (5s, 5m, 30m, 2h, 5h,
                         10h, 10h); 0.001 makes 5s into 5ms (default 1)
  --webhook-duplicate-rate R
                         share of events delivered twice, 0..1 (default 0)
  --webhook-delay-rate R share of events delivered late, 0..1 (default 0)
  --webhook-delay D      how late (default 2s)

  clerkscript emulate --webhook-url http://localhost:3000/api/webhooks

Each delivery attempt is logged on stderr; GET <CLERK_API_URL>/_emulator/webhooks
(with the secret key) lists the last 1000 events and attempts (events are
made only when a --webhook-url is given).

Accepting an organization invitation happens on Clerk's Frontend API, which
the emulator does not serve; do it with
  POST <CLERK_API_URL>/_emulator/organization_invitations/<orginv_id>/accept
(with the secret key; body {"user_id": "..."} optional): the owner of the
invited address, or a new user signed up with it, joins with the invited role
(organizationMembership.created, organizationInvitation.accepted);
POST <CLERK_API_URL>/_emulator/invitations/<inv_id>/accept signs up the invitee
of an application invitation.

Memory: the emulator runs Go's garbage collector with GOGC=50 unless the GOGC
environment variable is set: a million users then hold about 2.0 KB of
resident memory each instead of about 2.8 KB, for about a quarter more CPU
per create. GOGC=100 clerkscript emulate restores Go's default trade-off.`

// runEmulate is the "emulate" command.
func runEmulate(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("emulate")
	var latency, slow, lifetime time.Duration
	addr := fl.String("addr", "127.0.0.1:0", "")
	secret := fl.String("secret-key", "", "")
	rate := fl.String("rate-limit", "100/10s", "")
	scale := fl.Float64("endpoint-limit-scale", 1, "")
	faultRate := fl.Float64("fault-rate", 0, "")
	faultKinds := fl.String("fault-kinds", "500", "")
	durationFlag(fl, &latency, "latency", 0)
	durationFlag(fl, &slow, "slow", 2*time.Second)
	seed := fl.Int64("seed", 1, "")
	statePath := fl.String("state", "", "")
	durationFlag(fl, &lifetime, "token-lifetime", 60*time.Second)
	var hookURLs stringList
	fl.Var(&hookURLs, "webhook-url", "")
	hookSecret := fl.String("webhook-secret", "", "")
	hookScale := fl.Float64("webhook-retry-scale", 1, "")
	hookDup := fl.Float64("webhook-duplicate-rate", 0, "")
	hookDelayRate := fl.Float64("webhook-delay-rate", 0, "")
	var hookDelay time.Duration
	durationFlag(fl, &hookDelay, "webhook-delay", 2*time.Second)
	positional, code, done := parseFlags(fl, "emulate", args, true, stdout, stderr)
	if done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		return usageError(stderr, "emulate", "emulate", format, a...)
	}
	if len(positional) > 0 {
		return usageErr("unexpected argument %q", positional[0])
	}
	emulator.SetGCPercentDefault() // GOGC=50 unless set: see "Memory" in --help
	rl, err := emulator.ParseRateLimit(*rate)
	if err != nil {
		return usageErr("--rate-limit: %v", err)
	}
	kinds, err := emulator.ParseFaultKinds(*faultKinds)
	if err != nil {
		return usageErr("--fault-kinds: %v", err)
	}
	// The negated comparisons also catch NaN, which compares false to all.
	if !(*faultRate >= 0 && *faultRate <= 1) {
		return usageErr("--fault-rate must be between 0 and 1")
	}
	if !(*scale >= 0) || math.IsInf(*scale, 1) {
		return usageErr("--endpoint-limit-scale must be a finite number, 0 or more")
	}
	if latency < 0 || slow < 0 || lifetime <= 0 {
		return usageErr("--latency and --slow must not be negative, --token-lifetime must be positive")
	}
	if *secret != "" && !strings.HasPrefix(*secret, "sk_") {
		return usageErr("--secret-key must start with sk_ (e.g. sk_test_...)")
	}
	opts := []emulator.Option{
		emulator.WithSeed(*seed),
		emulator.WithRateLimit(rl),
		emulator.WithEndpointLimitScale(*scale),
		emulator.WithFaults(emulator.Faults{Rate: *faultRate, Kinds: kinds, Latency: latency, SlowDelay: slow}),
		emulator.WithTokenLifetime(lifetime),
	}
	if *secret != "" {
		opts = append(opts, emulator.WithSecretKey(*secret))
	}
	if !(*hookScale >= 0) || math.IsInf(*hookScale, 1) {
		return usageErr("--webhook-retry-scale must be a finite number, 0 or more")
	}
	if !(*hookDup >= 0 && *hookDup <= 1 && *hookDelayRate >= 0 && *hookDelayRate <= 1) || hookDelay < 0 {
		return usageErr("--webhook-duplicate-rate and --webhook-delay-rate must be between 0 and 1, --webhook-delay not negative")
	}
	for _, u := range hookURLs {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
			return usageErr("--webhook-url %q: want an absolute http(s) URL such as http://localhost:3000/api/webhooks", u)
		}
		opts = append(opts, emulator.WithWebhookURL(u))
	}
	if *hookSecret != "" {
		if k, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(*hookSecret, "whsec_")); err != nil || len(k) < 16 {
			return usageErr("--webhook-secret must be whsec_ followed by base64 of at least 16 bytes")
		}
		opts = append(opts, emulator.WithWebhookSecret(*hookSecret))
	}
	if len(hookURLs) > 0 {
		// Events cost a rendering per change: kept only when delivered.
		opts = append(opts, emulator.WithEventLog(1000))
	}
	opts = append(opts, emulator.WithWebhookRetryScale(*hookScale),
		emulator.WithWebhookFaults(emulator.WebhookFaults{DuplicateRate: *hookDup, DelayRate: *hookDelayRate, Delay: hookDelay}),
		emulator.WithWebhookLog(func(d emulator.Delivery) {
			status := strconv.Itoa(d.Status)
			if d.Error != "" {
				status = d.Error
			}
			extra := ""
			if d.Injected != "" {
				extra = " (injected " + d.Injected + ")"
			}
			if !d.OK && !d.Final {
				extra += ", will retry"
			}
			fmt.Fprintf(stderr, "clerkscript emulate: webhook %s %s -> %s: %s, attempt %d%s\n", d.Type, d.EventID, d.URL, status, d.Attempt, extra)
		}))
	emu, err := emulator.New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript emulate: %v\n", err)
		return 1
	}
	defer emu.Close()
	if *statePath != "" {
		switch err := emu.LoadFile(*statePath); {
		case err == nil:
			fmt.Fprintf(stderr, "clerkscript emulate: loaded state from %s\n", *statePath)
		case errors.Is(err, fs.ErrNotExist):
			// Write the empty instance now: a path that cannot be written is
			// better found before a session than by the save at its end.
			if err := emu.SaveFile(*statePath); err != nil {
				fmt.Fprintf(stderr, "clerkscript emulate: --state %s cannot be written: %v\n", *statePath, err)
				return 1
			}
			fmt.Fprintf(stderr, "clerkscript emulate: %s does not exist yet; starting empty\n", *statePath)
		default:
			fmt.Fprintf(stderr, "clerkscript emulate: %v\n", err)
			return 1
		}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript emulate: %v\n", err)
		return 1
	}
	if host, _, _ := net.SplitHostPort(ln.Addr().String()); !net.ParseIP(host).IsLoopback() {
		fmt.Fprintf(stderr, "clerkscript emulate: warning: listening on %s, reachable from other machines, without TLS\n", ln.Addr())
	}
	baseURL := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "CLERK_API_URL=%s\n", baseURL)
	fmt.Fprintf(stdout, "CLERK_SECRET_KEY=%s\n", emu.SecretKey())
	fmt.Fprintf(stdout, "CLERK_PUBLISHABLE_KEY=%s\n", emu.PublishableKey())
	fmt.Fprintf(stdout, "# issuer %s, key id %s\n", emu.Issuer(), emu.KeyID())
	fmt.Fprintf(stdout, "CLERK_JWT_KEY=%q\n", strings.TrimSpace(emu.PublicKeyPEM()))
	fmt.Fprintf(stdout, "CLERK_WEBHOOK_SIGNING_SECRET=%s\n", emu.WebhookSecret())
	for _, u := range emu.WebhookURLs() {
		fmt.Fprintf(stdout, "# webhooks to %s\n", u)
	}

	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	code = 0
	select {
	case <-ctx.Done():
		shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(shutCtx)
		cancel()
	case err := <-served:
		fmt.Fprintf(stderr, "clerkscript emulate: %v\n", err)
		code = 1
	}
	if *statePath != "" {
		if err := emu.SaveFile(*statePath); err != nil {
			fmt.Fprintf(stderr, "clerkscript emulate: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "clerkscript emulate: saved state to %s\n", *statePath)
	}
	return code
}
