package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// The plugin itself is exercised by wasm/host's tests; these check the
// command's usage contract without building the module.
func TestWasmUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"wasm"},
		{"wasm", "nope"},
		{"wasm", "build"},
		{"wasm", "verify", "tok"},
		{"wasm", "verify", "--module", "/nonexistent/clerk.wasm", "--jwt-key", "x"},
		{"wasm", "verify", "--module", "m.wasm"},
		{"wasm", "verify", "--module", "m.wasm", "--clock-skew", "-1s", "tok"},
	} {
		var out, errb bytes.Buffer
		if code := dispatch(context.Background(), args, strings.NewReader(""), &out, &errb); code != 2 {
			t.Errorf("%q: exit %d, want 2 (stderr %q)", args, code, errb.String())
		}
		if errb.Len() == 0 {
			t.Errorf("%q: no message on stderr", args)
		}
	}
}
