package clerkwasm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// GuestPackage is the import path of the plugin's source.
const GuestPackage = "github.com/clerkscript/clerkscript/wasm/guest"

// ExtismPackage is the import path of the Extism build of the plugin.
const ExtismPackage = "github.com/clerkscript/clerkscript/wasm/extism"

// The plugin ABIs BuildModule builds for.
const (
	ABINative = "native" // wasm/ABI.md, loaded by this package
	ABIExtism = "extism" // the Extism plugin ABI, loaded by any Extism host SDK
)

// BuildOptions say where to build the module from and to.
type BuildOptions struct {
	// Output is the .wasm file to write (required).
	Output string
	// Dir is a directory inside the clerkscript module (default: the
	// current directory); the build runs at the module's root.
	Dir string
	// Go is the go command (default: "go" on PATH, else $GOROOT/bin/go).
	Go string
	// ABI is ABINative (default) or ABIExtism.
	ABI string
	// KeepSymbols keeps the symbol table and DWARF (-s -w are passed by
	// default; they save little but cost nothing).
	KeepSymbols bool
}

// BuildModule runs
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -ldflags='-s -w' -o OUTPUT ./wasm/guest
//
// (./wasm/extism for ABIExtism)
// at the root of the clerkscript module containing opts.Dir. It needs the
// Go toolchain and the clerkscript source.
func BuildModule(ctx context.Context, opts BuildOptions) error {
	if opts.Output == "" {
		return errors.New("clerkwasm: BuildOptions.Output is empty")
	}
	pkg := "./wasm/guest"
	switch opts.ABI {
	case "", ABINative:
	case ABIExtism:
		pkg = "./wasm/extism"
	default:
		return fmt.Errorf("clerkwasm: BuildOptions.ABI %q: want %q or %q", opts.ABI, ABINative, ABIExtism)
	}
	out, err := filepath.Abs(opts.Output)
	if err != nil {
		return err
	}
	dir := opts.Dir
	if dir == "" {
		if dir, err = os.Getwd(); err != nil {
			return err
		}
	}
	root, err := moduleRoot(dir)
	if err != nil {
		return err
	}
	goCmd := opts.Go
	if goCmd == "" {
		goCmd = goTool()
	}
	args := []string{"build", "-buildmode=c-shared"}
	if !opts.KeepSymbols {
		args = append(args, "-ldflags=-s -w")
	}
	args = append(args, "-o", out, pkg)
	cmd := exec.CommandContext(ctx, goCmd, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("clerkwasm: go %s (in %s): %v\n%s", strings.Join(args, " "), root, err, stderr.String())
	}
	return nil
}

// goTool finds the go command: on PATH, else under $GOROOT (which `go test`
// sets for the processes it starts).
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if root := os.Getenv("GOROOT"); root != "" {
		p := filepath.Join(root, "bin", "go")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	return "go"
}

// moduleRoot walks up from dir to the go.mod of the clerkscript module.
func moduleRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(d, "go.mod"))
		if err == nil {
			if bytes.Contains(b, []byte("module github.com/clerkscript/clerkscript\n")) {
				return d, nil
			}
			return "", fmt.Errorf("clerkwasm: %s belongs to another module, not github.com/clerkscript/clerkscript: run the build inside the clerkscript source tree", d)
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("clerkwasm: %s is not inside the clerkscript source tree (no go.mod found)", dir)
		}
		d = parent
	}
}
