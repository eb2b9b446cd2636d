//go:build !wasip1

package main

import (
	"fmt"
	"os"
)

// main exists so that `go build ./...` and `go vet ./...` work on native
// platforms; the real module is the wasip1 c-shared build.
func main() {
	fmt.Fprintln(os.Stderr, "wasm/extism is an Extism plugin: build it with GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o clerk-extism.wasm ./wasm/extism")
	os.Exit(2)
}
