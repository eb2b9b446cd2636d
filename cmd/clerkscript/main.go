// Command clerkscript runs JavaScript automation against Clerk's Backend API,
// verifies Clerk session tokens and webhooks, emulates a Clerk instance
// locally and builds and hosts the clerkscript wasm plugin.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one sub-command. run returns the process exit status.
type command struct {
	name    string
	summary string
	usage   string
	run     func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := dispatch(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// dispatch is main without the process: tests call it directly.
func dispatch(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				fmt.Fprintln(stdout, c.usage)
				return 0
			}
		}
		usage(stdout)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, "clerkscript", versionString())
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "clerkscript: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(ctx, args[1:], stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `clerkscript: Clerk's Backend API for scripts and wasm plugins.

Usage:
  clerkscript <command> [flags] [args]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Environment:
  CLERK_SECRET_KEY   secret key (sk_test_... or sk_live_...)
  CLERK_API_URL      Backend API base URL (default https://api.clerk.com)
  CLERK_API_VERSION  path version (default v1)
  CLERK_JWT_KEY      PEM public key for networkless token verification

Run 'clerkscript help <command>' or 'clerkscript <command> --help' for details.
`)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}
