//go:build wasip1

package main

// main is never called in a c-shared (reactor) build: the host calls
// _initialize, then the exports.
func main() {}
