package main

import "github.com/clerkscript/clerkscript/core"

func versionString() string { return core.Version }
