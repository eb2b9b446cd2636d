package core

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestWrapErrIsErrorfW(t *testing.T) {
	err := wrapErr("clerk: users.list: decoding page", io.ErrUnexpectedEOF)
	want := fmt.Errorf("%s: %w", "clerk: users.list: decoding page", io.ErrUnexpectedEOF)
	if err.Error() != want.Error() {
		t.Fatalf("Error() = %q, want %q", err, want)
	}
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatal("errors.Is does not see the wrapped error")
	}
}
