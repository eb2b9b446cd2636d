package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime/debug"

	clerkwasm "github.com/clerkscript/clerkscript/wasm/host"

	"github.com/clerkscript/clerkscript/internal/mmapfile"
)

func init() {
	register(&command{
		name:    "wasm",
		summary: "build the wasm plugin, or verify a session token through it",
		usage: `Usage:
  clerkscript wasm build -o FILE [--abi native|extism] [--dir DIR]
  clerkscript wasm verify --module FILE [--jwt-key FILE|PEM] [--authorized-party URL]...
                          [--audience A]... [--issuer ISS] [--clock-skew 5s] [--json]
                          [--compilation-cache DIR | --no-compilation-cache] TOKEN|-

build runs GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -ldflags='-s -w'
-o FILE ./wasm/guest at the root of the clerkscript source tree containing DIR
(default: the current directory); it needs the Go toolchain. --abi extism builds
./wasm/extism instead: the same plugin as an Extism plugin (functions
verify_token, authenticate_request, verify_webhook, call; configuration in the
manifest's config), which any Extism host SDK loads with a manifest alone:
  clerkscript wasm build --abi extism -o clerk-extism.wasm

verify loads FILE with the wazero host library (wasm/host) and verifies TOKEN
through the plugin, with the same flags, output and exit status as
'clerkscript verify': 0 signed in, 1 rejected, 2 usage or configuration error.
Without --jwt-key, CLERK_JWT_KEY or CLERK_SECRET_KEY (JWKS through the host)
is used; the secret key stays in the host.

The first wasm verify compiles the module (seconds) and keeps the compiled code
in the user cache directory (` + "`clerkscript/wasm/wazero-<version>-<os>-<arch>`" + `
under $XDG_CACHE_HOME or ~/.cache on Linux); later runs load it (about 0.2 s
here: wazero still decodes and validates the module). The cache is keyed by the
module's SHA-256 and the wazero version, so a rebuilt module compiles afresh. --compilation-cache DIR uses DIR
instead; --no-compilation-cache compiles in memory every time.`,
		subcommands: []string{"build", "verify"},
		run:         runWasm,
	})
}

func runWasm(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	sub, rest, code, done := subcommand("wasm", args, stdout, stderr)
	if done {
		return code
	}
	if sub == "build" {
		return runWasmBuild(ctx, rest, stdout, stderr)
	}
	return runWasmVerify(ctx, rest, stdin, stdout, stderr)
}

func runWasmBuild(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("wasm build")
	var out, dir, abiName string
	fs.StringVar(&out, "o", "", "")
	fs.StringVar(&dir, "dir", "", "")
	fs.StringVar(&abiName, "abi", clerkwasm.ABINative, "")
	positional, code, done := parseFlags(fs, "wasm", args, true, stdout, stderr)
	if done {
		return code
	}
	if len(positional) > 0 {
		return usageError(stderr, "wasm build", "wasm", "unexpected argument %q", positional[0])
	}
	if out == "" {
		return usageError(stderr, "wasm build", "wasm", "-o FILE is required")
	}
	if abiName != clerkwasm.ABINative && abiName != clerkwasm.ABIExtism {
		return usageError(stderr, "wasm build", "wasm", "--abi %q: want native or extism", abiName)
	}
	if err := clerkwasm.BuildModule(ctx, clerkwasm.BuildOptions{Output: out, Dir: dir, ABI: abiName}); err != nil {
		fmt.Fprintf(stderr, "clerkscript wasm build: %v\n", err)
		return 1
	}
	if st, err := os.Stat(out); err == nil {
		fmt.Fprintf(stdout, "wrote %s (%.2f MB)\n", out, float64(st.Size())/1e6)
	}
	return 0
}

func runWasmVerify(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	va, code, done := parseVerifyArgs("wasm verify", "wasm", true, args, stdin, stdout, stderr)
	if done {
		return code
	}
	wasmBytes, err := loadModule(va.module)
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript wasm verify: --module: %v\n", err)
		return 2
	}
	if err := va.checkKey(); err != nil {
		return reportVerdict("wasm verify", nil, err, va.asJSON, stdout, stderr)
	}
	var h *clerkwasm.Host
	err = guardFault(va.module, wasmBytes, func() (err error) {
		// One instance, used once: its memory gets its whole capacity up
		// front, so the guest's start never copies it as it grows.
		h, err = clerkwasm.New(ctx, clerkwasm.Options{Module: wasmBytes,
			JWTKey: va.opts.JWTKey, SecretKey: va.opts.SecretKey, APIURL: va.opts.APIURL,
			AuthorizedParties: va.opts.AuthorizedParties, Audience: va.opts.Audience, Issuer: va.opts.Issuer,
			ClockSkew: va.opts.ClockSkew, PoolSize: 1, TokenCacheSize: -1, Now: verifyNow, Stderr: stderr,
			CompilationCacheDir: va.cacheDir, NoCompilationCache: va.noCache, MemoryCapacityFromMax: true})
		return err
	})
	if err != nil {
		fmt.Fprintf(stderr, "clerkscript wasm verify: %v\n", err)
		return 2
	}
	defer func() { _ = h.Close(context.Background()) }()
	claims, err := h.VerifyToken(ctx, va.token)
	return reportVerdict("wasm verify", claims, err, va.asJSON, stdout, stderr)
}

// loadModule maps the module file, or reads it when it cannot be mapped. A
// cached 'wasm verify' spends most of its time touching fresh memory, and
// reading the 5-6 MB module into the heap is 1,400 fresh pages; a mapping
// shares the page cache's. The mapping is never unmapped: wazero may keep
// slices of the module, and the process ends with the command. A file
// truncated while it is mapped makes reads past its new end fault; callers
// read the mapping under guardFault.
func loadModule(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if data, _, ok := mmapfile.Map(f); ok {
		return data, nil
	}
	return io.ReadAll(f)
}

// guardFault runs fn, turning a memory fault inside data on this goroutine
// (a mapped module file truncated meanwhile) into an error instead of a
// crash. wazero reads the module's bytes on the calling goroutine; any
// other fault is re-raised.
func guardFault(path string, data []byte, fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if mmapfile.InData(r, data) {
			err = fmt.Errorf("%s changed while it was being loaded (%v): run the command again", path, r)
			return
		}
		panic(r)
	}()
	return fn()
}
