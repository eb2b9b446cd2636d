package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"net"
	"net/http"
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
more (operations it does not emulate answer 501). It prints the base URL,
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
  --token-lifetime D     lifetime of session tokens (default 60s)`

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
	emu, err := emulator.New(opts...)
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript emulate: %v\n", err)
		return 1
	}
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
