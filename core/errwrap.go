package core

// The wasm guest builds core for GOOS=wasip1, and every package it links
// costs module size and start-up time (wazero decodes and validates every
// function of the module on each start, even from its compilation cache).
// fmt alone brings reflect with it, so code on the guest's paths (token and
// webhook verification, authenticateRequest, the untyped Client) formats
// its messages with string concatenation and strconv instead, and wraps
// errors with wrapError. TestGuestLinksNoReflection (wasm/host) holds the
// guest to it.

// wrapError is fmt.Errorf("%s: %w", msg, err) without fmt.
type wrapError struct {
	msg string
	err error
}

// wrapErr returns an error reading "msg: err" that unwraps to err.
func wrapErr(msg string, err error) error { return &wrapError{msg: msg, err: err} }

func (e *wrapError) Error() string { return e.msg + ": " + e.err.Error() }
func (e *wrapError) Unwrap() error { return e.err }
