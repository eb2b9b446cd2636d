// Command goruntime is the smallest useful Go wasm module: the Go runtime
// and one export, nothing else. BenchmarkCompileCachedProcess compiles it
// beside the plugin to show what any module built by Go costs a process
// before it runs a single instruction of its own.
package main

//go:wasmexport length
func length(p, n int32) int32 { return n - p }

func main() {}
