package job

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/journal"
)

// Spec says how a Go job treats its items.
type Spec[T any] struct {
	// Key names an item in the journal (an email, an external id). It
	// must be stable between runs and not empty. index is the item's
	// position in the sequence.
	Key func(item T, index int) (string, error)
	// Do processes one item and returns the id of what it created. Its
	// context carries the item's Tracker: a client whose transport is
	// wrapped with TrackingTransport reports its requests to it.
	Do func(ctx context.Context, item T) (id string, err error)
	// Reconcile, when set, looks up an item whose earlier attempt may have
	// been applied: found reports that it was, with the id found.
	Reconcile func(ctx context.Context, item T) (id string, found bool, err error)
	// Classify tells, for an error from Do, whether the request may have
	// been applied and whether trying again may help (default
	// ClassifyError).
	Classify func(error) Class
	// Record, when set, is what the failures file keeps of an item
	// (default: the item itself).
	Record func(item T) any
}

// Class is what an item's error says.
type Class struct {
	// InDoubt: the request may have been applied (a 500, 502 or 504, a
	// timeout or reset after sending).
	InDoubt bool
	// Retryable: trying again may succeed (429, 5xx, network).
	Retryable bool
}

// ClassifyError classifies errors from a core.Client: a 4xx other than 429
// was not applied and will fail again; 429 and 503 were not applied; 500,
// 502, 504 and failures after sending may have been applied; errors of
// unknown origin count as in doubt.
func ClassifyError(err error) Class {
	var apiErr *core.APIError
	if errors.As(err, &apiErr) {
		s := apiErr.StatusCode
		return Class{InDoubt: MayHaveBeenApplied(err), Retryable: s == 429 || s >= 500}
	}
	return Class{InDoubt: MayHaveBeenApplied(err), Retryable: true}
}

// MayHaveBeenApplied tells whether a failed Backend API request might
// still have been processed by Clerk.
func MayHaveBeenApplied(err error) bool {
	var apiErr *core.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.StatusCode {
		case 500, 502, 504:
			return true
		}
		return false
	}
	var authErr *AuthError
	if core.IsNotSent(err) || errors.As(err, &authErr) {
		return false
	}
	var paramErr *core.ParamError
	if errors.As(err, &paramErr) {
		return false
	}
	// Transport failures after sending, timeouts and cancellations.
	return true
}

// InfoOf is what the journal keeps of an error.
func InfoOf(err error) journal.ErrorInfo {
	info := journal.ErrorInfo{Message: err.Error()}
	var apiErr *core.APIError
	if errors.As(err, &apiErr) {
		info.Status = apiErr.StatusCode
		if len(apiErr.Errors) > 0 {
			info.Code = apiErr.Errors[0].Code
		}
		info.TraceID = apiErr.TraceID
	}
	return info
}

// Run processes items with opts.Concurrency workers: each item is keyed,
// looked up in the journal (done items are skipped, items in doubt
// reconciled), paced, recorded durably as started, processed with retries
// and recorded as done or failed. It returns the summary (also printed on
// opts.Stderr) and an error when the items could not be read or the
// journal could not be written; item failures are in the summary.
func Run[T any](ctx context.Context, opts Options, items iter.Seq2[T, error], spec Spec[T]) (Summary, error) {
	if spec.Key == nil || spec.Do == nil {
		return Summary{}, errors.New("job.Run: Spec needs Key and Do")
	}
	classify := spec.Classify
	if classify == nil {
		classify = ClassifyError
	}
	record := spec.Record
	if record == nil {
		record = func(item T) any { return item }
	}
	j, err := Open(opts)
	if err != nil {
		return Summary{}, err
	}
	next, stopPull := iter.Pull2(items)
	defer stopPull()

	var (
		pullMu sync.Mutex
		index  int
		errMu  sync.Mutex
		fatal  error // reading items failed
		broken error // the journal failed: no item may start
	)
	pull := func() (T, int, bool, error) {
		pullMu.Lock()
		defer pullMu.Unlock()
		item, err, ok := next()
		i := index
		if ok {
			index++
		}
		return item, i, ok, err
	}
	setErr := func(dst *error, err error) {
		errMu.Lock()
		if *dst == nil {
			*dst = err
		}
		errMu.Unlock()
	}
	failed := func() bool {
		errMu.Lock()
		defer errMu.Unlock()
		return fatal != nil || broken != nil
	}
	sleep := func(d time.Duration) bool {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
			return true
		case <-ctx.Done():
			return false
		}
	}

	attempt := func(item T, key string, t *Tracker) error {
		ictx := WithTracker(ctx, t)
		for tries := 0; ; tries++ {
			id, err := spec.Do(ictx, item)
			if err == nil {
				return j.Done(key, id, "run")
			}
			c := classify(err)
			if j.InDoubt(key, c.InDoubt) {
				if spec.Reconcile == nil {
					return j.Fail(key, InfoOf(err), true, record(item))
				}
				id, found, rerr := spec.Reconcile(ictx, item)
				if rerr != nil {
					return j.Fail(key, InfoOf(err), true, record(item))
				}
				if found {
					return j.Done(key, id, "reconcile")
				}
				j.NotFound(key)
			}
			if tries < j.opts.Retries && c.Retryable && !j.Stopping() && ctx.Err() == nil {
				j.Retrying(key, InfoOf(err))
				if sleep(j.Backoff(tries)) {
					continue
				}
			}
			return j.Fail(key, InfoOf(err), false, record(item))
		}
	}

	worker := func() {
		for !failed() && !j.Stopping() && ctx.Err() == nil {
			item, i, ok, err := pull()
			if err != nil {
				setErr(&fatal, err)
				return
			}
			if !ok {
				return
			}
			key, err := spec.Key(item, i)
			if err == nil && key == "" {
				err = fmt.Errorf("item %d has an empty key", i)
			}
			if err != nil {
				if jerr := j.Fail(fmt.Sprintf("#%d", i), journal.ErrorInfo{Message: err.Error()}, false, record(item)); jerr != nil {
					setErr(&broken, jerr)
				}
				continue
			}
			switch j.Admit(key, spec.Reconcile != nil) {
			case Skip:
				j.Skip(key)
				continue
			case Hold:
				if jerr := j.Hold(key, record(item)); jerr != nil {
					setErr(&broken, jerr)
				}
				continue
			case Reconcile:
				id, found, rerr := spec.Reconcile(ctx, item)
				if rerr != nil {
					if jerr := j.Fail(key, InfoOf(rerr), true, record(item)); jerr != nil {
						setErr(&broken, jerr)
					}
					continue
				}
				if found {
					if jerr := j.Done(key, id, "reconcile"); jerr != nil {
						setErr(&broken, jerr)
					}
					continue
				}
			}
			ok, err = j.Pace(ctx, key)
			if err != nil {
				setErr(&broken, err)
				return
			}
			if !ok {
				return
			}
			t, err := j.Start(key)
			if err != nil {
				j.Abandon(key)
				setErr(&broken, err)
				return
			}
			if err := attempt(item, key, t); err != nil {
				setErr(&broken, err)
				return
			}
		}
	}

	var wg sync.WaitGroup
	for range j.opts.Concurrency {
		wg.Go(worker)
	}
	wg.Wait()
	s := j.Finish(fatal)
	if fatal != nil {
		return s, fmt.Errorf("job %s: reading items: %w", j.name, fatal)
	}
	if broken != nil {
		return s, fmt.Errorf("job %s: %w", j.name, broken)
	}
	if err := j.Err(); err != nil {
		return s, err
	}
	if err := ctx.Err(); err != nil {
		return s, err
	}
	return s, nil
}
