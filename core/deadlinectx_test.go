package core

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey struct{}

// deadlineContext reports the earlier deadline and otherwise is its parent.
func TestDeadlineContext(t *testing.T) {
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	earlier, later := base.Add(-time.Hour), base.Add(time.Hour)
	bg := context.WithValue(context.Background(), ctxKey{}, "v")
	for _, c := range []struct {
		name   string
		parent context.Context
		want   time.Time
	}{
		{"no parent deadline", bg, base},
		{"earlier parent deadline", withDeadlineOnly(bg, earlier), earlier},
		{"later parent deadline", withDeadlineOnly(bg, later), base},
	} {
		ctx := newDeadlineContext(c.parent, base)
		if d, ok := ctx.Deadline(); !ok || !d.Equal(c.want) {
			t.Errorf("%s: Deadline() = %v, %v; want %v", c.name, d, ok, c.want)
		}
		if v := ctx.Value(ctxKey{}); v != "v" {
			t.Errorf("%s: Value = %v", c.name, v)
		}
	}
	parent, cancel := context.WithCancel(bg)
	ctx := newDeadlineContext(parent, time.Unix(0, 0)) // long past: no timer, Err stays the parent's
	if ctx.Err() != nil || ctx.Done() != parent.Done() {
		t.Fatalf("before the parent is cancelled: Err %v, Done is the parent's: %v", ctx.Err(), ctx.Done() == parent.Done())
	}
	cancel()
	<-ctx.Done()
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Fatalf("after the parent is cancelled: Err %v", ctx.Err())
	}
}

// withDeadlineOnly is a parent that reports a deadline without a timer.
func withDeadlineOnly(ctx context.Context, d time.Time) context.Context {
	return &deadlineContext{Context: ctx, deadline: d}
}
