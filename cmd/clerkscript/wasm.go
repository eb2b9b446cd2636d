package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/core"
	clerkwasm "github.com/clerkscript/clerkscript/wasm/host"
)

func init() {
	register(&command{
		name:    "wasm",
		summary: "build the wasm plugin, or verify a session token through it",
		usage: `Usage:
  clerkscript wasm build -o FILE [--dir DIR]
  clerkscript wasm verify --module FILE [--jwt-key FILE|PEM] [--authorized-party URL]...
                          [--audience A]... [--issuer ISS] [--clock-skew 5s] [--json] TOKEN|-

build runs GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -ldflags='-s -w'
-o FILE ./wasm/guest at the root of the clerkscript source tree containing DIR
(default: the current directory); it needs the Go toolchain.

verify loads FILE with the wazero host library (wasm/host) and verifies TOKEN
through the plugin, with the same flags, output and exit status as
'clerkscript verify': 0 signed in, 1 rejected, 2 usage or configuration error.
Without --jwt-key, CLERK_JWT_KEY or CLERK_SECRET_KEY (JWKS through the host)
is used; the secret key stays in the host.`,
		run: runWasm,
	})
}

func runWasm(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "clerkscript wasm: want a sub-command: build or verify")
		fmt.Fprintln(stderr, "Run 'clerkscript help wasm' for usage.")
		return 2
	}
	switch args[0] {
	case "build":
		return runWasmBuild(ctx, args[1:], stdout, stderr)
	case "verify":
		return runWasmVerify(ctx, args[1:], stdin, stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, commands["wasm"].usage)
		return 0
	}
	fmt.Fprintf(stderr, "clerkscript wasm: unknown sub-command %q (want build or verify)\n", args[0])
	return 2
}

func runWasmBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wasm build", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var out, dir string
	fs.StringVar(&out, "o", "", "")
	fs.StringVar(&dir, "dir", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 || out == "" {
		if err == nil {
			err = errors.New("want -o FILE and no arguments")
		}
		fmt.Fprintf(stderr, "clerkscript wasm build: %v\nRun 'clerkscript help wasm' for usage.\n", err)
		return 2
	}
	if err := clerkwasm.BuildModule(ctx, clerkwasm.BuildOptions{Output: out, Dir: dir}); err != nil {
		fmt.Fprintf(stderr, "clerkscript wasm build: %v\n", err)
		return 1
	}
	if st, err := os.Stat(out); err == nil {
		fmt.Fprintf(stdout, "wrote %s (%.2f MB)\n", out, float64(st.Size())/1e6)
	}
	return 0
}

func runWasmVerify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("wasm verify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		module, jwtKey, issuer string
		parties, audiences     stringList
		skew                   time.Duration
		asJSON                 bool
	)
	fs.StringVar(&module, "module", "", "")
	fs.StringVar(&jwtKey, "jwt-key", "", "")
	fs.Var(&parties, "authorized-party", "")
	fs.Var(&audiences, "audience", "")
	fs.StringVar(&issuer, "issuer", "", "")
	fs.DurationVar(&skew, "clock-skew", 5*time.Second, "")
	fs.BoolVar(&asJSON, "json", false, "")
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "clerkscript wasm verify: "+format+"\n", a...)
		fmt.Fprintln(stderr, "Run 'clerkscript help wasm' for usage.")
		return 2
	}
	var positional []string
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, commands["wasm"].usage)
				return 0
			}
			return usageErr("%v", err)
		}
		rest = fs.Args()
		if len(rest) == 0 {
			break
		}
		positional, rest = append(positional, rest[0]), rest[1:]
	}
	if module == "" {
		return usageErr("--module FILE is required (build one with 'clerkscript wasm build -o FILE')")
	}
	if len(positional) != 1 {
		return usageErr("want exactly one TOKEN (or - for stdin), got %d arguments", len(positional))
	}
	if skew < 0 {
		return usageErr("--clock-skew must not be negative")
	}
	token := positional[0]
	if token == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, maxTokenInput+1))
		if err != nil {
			return usageErr("reading the token from stdin: %v", err)
		}
		if len(b) > maxTokenInput {
			return usageErr("the token on stdin is larger than 1 MiB")
		}
		token = string(b)
	}
	token = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(token), "Bearer "))
	if token == "" {
		return usageErr("the token is empty")
	}
	wasmBytes, err := os.ReadFile(module)
	if err != nil {
		return usageErr("--module: %v", err)
	}
	opts := clerkwasm.Options{Module: wasmBytes, AuthorizedParties: parties, Audience: audiences, Issuer: issuer,
		ClockSkew: skew, PoolSize: 1, TokenCacheSize: -1, Now: verifyNow, Stderr: stderr}
	if skew == 0 {
		opts.ClockSkew = core.NoClockSkew
	}
	switch {
	case jwtKey != "":
		key, err := readKeyArg(jwtKey)
		if err != nil {
			return usageErr("--jwt-key: %v", err)
		}
		opts.JWTKey = key
	case strings.TrimSpace(os.Getenv("CLERK_JWT_KEY")) != "":
		opts.JWTKey = os.Getenv("CLERK_JWT_KEY")
	case strings.TrimSpace(os.Getenv("CLERK_SECRET_KEY")) != "":
		opts.SecretKey = strings.TrimSpace(os.Getenv("CLERK_SECRET_KEY"))
		opts.APIURL = strings.TrimSpace(os.Getenv("CLERK_API_URL"))
	default:
		return usageErr("no key: pass --jwt-key, or set CLERK_JWT_KEY or CLERK_SECRET_KEY")
	}
	h, err := clerkwasm.New(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript wasm verify: %v\n", err)
		return 2
	}
	defer func() { _ = h.Close(context.Background()) }()

	claims, err := h.VerifyToken(ctx, token)
	var te *core.TokenVerificationError
	if err != nil && !errors.As(err, &te) {
		fmt.Fprintf(stderr, "clerkscript wasm verify: %v\n", err)
		return 2
	}
	code := 0
	if te != nil {
		code = 1
		if te.IsConfigurationError() {
			code = 2
		}
	}
	if asJSON {
		out := struct {
			Status  string          `json:"status"`
			Reason  *string         `json:"reason"`
			Message *string         `json:"message"`
			Claims  json.RawMessage `json:"claims"`
		}{Status: "signed-in", Claims: json.RawMessage("null")}
		if te != nil {
			msg := te.Message
			if te.Action != "" {
				msg += " " + te.Action
			}
			out.Status, out.Reason, out.Message = "signed-out", &te.Reason, &msg
		} else {
			out.Claims = claims.Raw
		}
		b, err := json.Marshal(out)
		if err != nil {
			fmt.Fprintf(stderr, "clerkscript wasm verify: %v\n", err)
			return 2
		}
		fmt.Fprintln(stdout, string(b))
		return code
	}
	if te != nil {
		fmt.Fprintf(stdout, "signed-out\n  reason:  %s\n  message: %s\n", te.Reason, te.Message)
		if te.Action != "" {
			fmt.Fprintf(stdout, "  action:  %s\n", te.Action)
		}
		return code
	}
	printClaims(stdout, claims, verifyNow())
	return 0
}
