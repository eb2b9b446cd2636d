package main

import (
	"context"
	"fmt"
	"io"

	"github.com/clerkscript/clerkscript/jsbind"
)

func init() {
	register(&command{
		name:    "types",
		summary: "print TypeScript declarations of the script API (clerk.d.ts)",
		usage: `Usage: clerkscript types > clerk.d.ts

Writes TypeScript declarations of everything a script sees (clerk with every
operation and its parameters and results, job, fs, console, env, args,
sleep, exit), generated from the operation table, so editors autocomplete
scripts. Reference it with /// <reference path="clerk.d.ts" />.`,
		run: runTypes,
	})
}

func runTypes(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	positional, code, done := parseFlags(newFlagSet("types"), "types", args, false, stdout, stderr)
	if done {
		return code
	}
	if len(positional) > 0 {
		return usageError(stderr, "types", "types", "unexpected argument %q", positional[0])
	}
	if err := jsbind.WriteTypeScript(stdout); err != nil {
		fmt.Fprintf(stderr, "clerkscript types: %v\n", err)
		return 1
	}
	return 0
}
