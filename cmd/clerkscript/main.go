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
	// subcommands lists the sub-commands of a command group (wasm build,
	// webhook verify); run dispatches them with subcommand.
	subcommands []string
	run         func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int
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
		usage(stdout)
		return 0
	}
	name := args[0]
	switch {
	case isHelpArg(name):
		name = "help"
	case name == "--version":
		name = "version"
	}
	c, ok := commands[name]
	if !ok {
		if strings.HasPrefix(name, "-") {
			fmt.Fprintf(stderr, "clerkscript: unknown flag %s (flags follow the command: clerkscript COMMAND --flag)\n", name)
		} else {
			fmt.Fprintf(stderr, "clerkscript: unknown command %q%s\n", name, didYouMean(name, commandNames()))
		}
		fmt.Fprintln(stderr, "Run 'clerkscript help' for the list of commands.")
		return 2
	}
	return c.run(ctx, args[1:], stdin, stdout, stderr)
}

func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func init() {
	register(&command{
		name:    "help",
		summary: "show the help of clerkscript or of a command",
		usage: `Usage: clerkscript help [COMMAND]

Prints the list of commands, or the help of COMMAND (the same as
'clerkscript COMMAND --help').`,
		run: runHelp,
	})
	register(&command{
		name:    "version",
		summary: "print the clerkscript version",
		usage: `Usage: clerkscript version

Prints "clerkscript VERSION" (also: clerkscript --version).`,
		run: runVersion,
	})
}

func runHelp(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	switch {
	case len(args) == 0:
		usage(stdout)
		return 0
	case len(args) > 1 && !isHelpArg(args[1]):
		return usageError(stderr, "help", "help", "want one command, got %d arguments", len(args))
	case isHelpArg(args[0]):
		printUsage(stdout, "help")
		return 0
	}
	if _, ok := commands[args[0]]; !ok {
		return usageError(stderr, "help", "help", "unknown command %q%s", args[0], didYouMean(args[0], commandNames()))
	}
	printUsage(stdout, args[0])
	return 0
}

func runVersion(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("version")
	positional, code, done := parseFlags(fs, "version", args, false, stdout, stderr)
	if done {
		return code
	}
	if len(positional) > 0 {
		return usageError(stderr, "version", "version", "unexpected argument %q", positional[0])
	}
	fmt.Fprintln(stdout, "clerkscript", versionString())
	return 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, `clerkscript: Clerk's Backend API for scripts and wasm plugins.

Usage:
  clerkscript <command> [flags] [args]

Commands:
`)
	for _, n := range commandNames() {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
Environment:
  CLERK_SECRET_KEY              secret key (sk_test_... or sk_live_...)
  CLERK_API_URL                 Backend API base URL (default https://api.clerk.com)
  CLERK_API_VERSION             path version (default v1)
  CLERK_JWT_KEY                 PEM public key for networkless token verification
  CLERK_PUBLISHABLE_KEY         publishable key (pk_test_... or pk_live_...), for
                                'auth' and scripts' clerk.authenticateRequest
  CLERK_MACHINE_SECRET_KEY      machine secret key, for verifying machine tokens
  CLERK_WEBHOOK_SIGNING_SECRET  webhook signing secret (whsec_...), for
                                'webhook verify' and scripts' clerk.webhooks.verify

Run 'clerkscript help <command>' or 'clerkscript <command> --help' for details.
Documentation: `+docsURL+`
`)
}

// docsURL is where the documentation lives for users who installed the
// binary with go install and have no docs/ directory.
const docsURL = "https://github.com/clerkscript/clerkscript/tree/main/docs"
