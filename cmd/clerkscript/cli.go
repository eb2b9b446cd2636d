package main

// The conventions every command follows, in one place (compare gh and k6):
//
//   - -h, -help and --help print the command's usage to stdout and exit 0;
//   - a usage error prints "clerkscript CMD: problem" and a pointer to the
//     help on stderr and exits 2;
//   - flags are named with two dashes in messages, as in the usage texts;
//   - duration flags reject a number without a unit, saying so;
//   - "--" ends the flags;
//   - unknown names (commands, sub-commands, flags) get a suggestion.
//
// Commands use newFlagSet + parseFlags + usageError instead of calling the
// flag package's error and help paths directly.

import (
	"errors"
	"flag"
	"fmt"
	suggestpkg "github.com/clerkscript/clerkscript/internal/suggest"
	"io"
	"regexp"
	"strings"
	"sync"
	"time"
)

// newFlagSet returns a flag set for the command name ("api", "wasm build")
// that prints nothing itself: parseFlags reports errors and help.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseFlags parses args with fs. It handles help (usage of the command
// topic on stdout, exit 0) and flag errors (exit 2, a message on stderr);
// done reports that the command is over, with exit status code.
//
// With interspersed, flags may also follow positional arguments (as in
// gh api OPERATION --param ...); without it, the first positional argument
// ends the flags. "--" ends them in both cases and is not returned.
func parseFlags(fs *flag.FlagSet, topic string, args []string, interspersed bool, stdout, stderr io.Writer) (positional []string, code int, done bool) {
	rest := args
	for {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage(stdout, topic)
				return nil, 0, true
			}
			return nil, usageError(stderr, fs.Name(), topic, "%s", describeFlagError(fs, err)), true
		}
		left := fs.Args()
		consumed := len(rest) - len(left)
		if consumed > 0 && rest[consumed-1] == "--" && !isFlagValue(fs, rest[:consumed-1]) {
			// "--" ended the flags: everything after it is positional.
			return append(positional, left...), 0, false
		}
		if !interspersed || len(left) == 0 {
			return append(positional, left...), 0, false
		}
		positional, rest = append(positional, left[0]), left[1:]
	}
}

// isFlagValue reports whether the argument after prefix is the value of a
// flag that takes one (--data -- is a value, not the end of the flags).
func isFlagValue(fs *flag.FlagSet, prefix []string) bool {
	if len(prefix) == 0 {
		return false
	}
	last := prefix[len(prefix)-1]
	if !strings.HasPrefix(last, "-") || strings.Contains(last, "=") || last == "--" {
		return false
	}
	f := fs.Lookup(strings.TrimLeft(last, "-"))
	if f == nil {
		return false
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return false
	}
	return true
}

// usageError prints a usage error of command name (with a pointer to the
// help of topic) on stderr and returns exit status 2.
func usageError(stderr io.Writer, name, topic, format string, a ...any) int {
	fmt.Fprintf(stderr, "clerkscript %s: %s\n", name, fmt.Sprintf(format, a...))
	fmt.Fprintf(stderr, "Run 'clerkscript %s --help' for usage.\n", topic)
	return 2
}

// printUsage prints the usage of command topic.
func printUsage(w io.Writer, topic string) {
	if c, ok := commands[topic]; ok {
		fmt.Fprintln(w, strings.TrimRight(c.usage, "\n"))
	}
}

// isHelpArg reports the arguments that ask for help.
func isHelpArg(s string) bool { return s == "-h" || s == "-help" || s == "--help" }

// subcommand splits the args of command topic, whose sub-commands are
// listed in its command entry: help prints the usage (exit 0); a missing or
// unknown sub-command is a usage error with a suggestion.
func subcommand(topic string, args []string, stdout, stderr io.Writer) (sub string, rest []string, code int, done bool) {
	names := commands[topic].subcommands
	if len(args) == 0 {
		return "", nil, usageError(stderr, topic, topic, "want a sub-command: %s", strings.Join(names, " or ")), true
	}
	if isHelpArg(args[0]) || args[0] == "help" {
		printUsage(stdout, topic)
		return "", nil, 0, true
	}
	for _, n := range names {
		if args[0] == n {
			return n, args[1:], 0, false
		}
	}
	return "", nil, usageError(stderr, topic, topic, "unknown sub-command %q%s (want %s)", args[0], didYouMean(args[0], names), strings.Join(names, " or ")), true
}

// The flag-error patterns are compiled on first use (a mistyped flag), not
// at every process start.
var (
	reInvalidValue = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^invalid (?:boolean )?value ("(?:[^"\\]|\\.)*") for (?:flag )?-([^:]+): (.*)$`)
	})
	reFlagPrefixed = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(flag provided but not defined|flag needs an argument|bad flag syntax): -*(.*)$`)
	})
)

// describeFlagError rewrites the flag package's messages in the CLI's
// terms: flags named with two dashes, parse errors said in words.
func describeFlagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	if m := reFlagPrefixed().FindStringSubmatch(msg); m != nil {
		name := m[2]
		switch m[1] {
		case "flag provided but not defined":
			return "unknown flag " + dashed(name) + didYouMean(name, flagNames(fs), dashed)
		case "flag needs an argument":
			return "flag " + dashed(name) + " needs a value"
		default:
			return "bad flag syntax: " + name
		}
	}
	if m := reInvalidValue().FindStringSubmatch(msg); m != nil {
		value, name, reason := m[1], m[2], m[3]
		if reason == "parse error" {
			reason = "not a valid " + flagKind(fs.Lookup(name))
		}
		return fmt.Sprintf("invalid value %s for %s: %s", value, dashed(name), reason)
	}
	return msg
}

// dashed writes a flag name as the usage texts do: -o, --timeout.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func flagKind(f *flag.Flag) string {
	if f == nil {
		return "value"
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "value"
	}
	switch g.Get().(type) {
	case bool:
		return "boolean (want true or false)"
	case int, int64, uint, uint64:
		return "whole number"
	case float64:
		return "number"
	}
	return "value"
}

func flagNames(fs *flag.FlagSet) []string {
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	return names
}

// durationValue is a duration flag whose error says what is wrong: a bare
// number ("5") is the common mistake, and "parse error" does not say a unit
// is needed.
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }
func (d *durationValue) Get() any       { return time.Duration(*d) }
func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		if strings.Trim(s, "0123456789.+-") == "" && s != "" {
			return errors.New("a duration needs a unit, e.g. 30s, 5m or 2h")
		}
		return errors.New("not a duration (e.g. 500ms, 30s, 5m, 2h)")
	}
	*d = durationValue(v)
	return nil
}

// durationFlag defines a duration flag with value as its default.
func durationFlag(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration) {
	*p = value
	fs.Var((*durationValue)(p), name, "")
}

// didYouMean returns "; did you mean X?" for the candidate closest to name,
// or "". An optional format writes the candidate (dashed for flags).
func didYouMean(name string, candidates []string, format ...func(string) string) string {
	s := suggest(name, candidates)
	if s == "" {
		return ""
	}
	if len(format) > 0 {
		s = format[0](s)
	}
	return fmt.Sprintf("; did you mean %s?", s)
}

// suggest returns the candidate closest to name when it is close enough to
// be a typo, or "": internal/suggest's rule, the same as for unknown
// operations, with leading dashes of a flag ignored.
func suggest(name string, candidates []string) string {
	if best := suggestpkg.Closest(strings.TrimLeft(name, "-"), candidates, 1); len(best) > 0 {
		return best[0]
	}
	return ""
}

// lockedWriter serialises writes to w from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}
