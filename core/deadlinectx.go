package core

import (
	"context"
	"time"
)

// deadlineContext is the per-attempt timeout context of the wasip1 build
// (withAttemptTimeout): it carries a deadline but no timer. Deadline
// reports the earlier of its own and its parent's; Done and Err are the
// parent's, so no timer closes Done at the deadline. context.WithTimeout
// would cost the wasm guest about 55 KB (its timer context's cancellation
// machinery, its String method and the reflection-based context names
// that method reaches), for a timeout the guest never sets: its transports
// are synchronous host calls, which the host bounds, and ignore the context.
type deadlineContext struct {
	context.Context
	deadline time.Time
}

func newDeadlineContext(parent context.Context, deadline time.Time) *deadlineContext {
	return &deadlineContext{Context: parent, deadline: deadline}
}

func (c *deadlineContext) Deadline() (time.Time, bool) {
	if d, ok := c.Context.Deadline(); ok && d.Before(c.deadline) {
		return d, true
	}
	return c.deadline, true
}
