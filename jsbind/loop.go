package jsbind

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/dop251/goja"
)

// Loop is the event loop that owns a goja runtime. It is shaped like k6's:
// Go code that starts asynchronous work calls RegisterCallback on the loop
// goroutine and later hands its result back with the returned enqueue
// function, from any goroutine. The loop ends when the queue is empty and no
// registered callback is outstanding, so a promise resolved later from a
// goroutine is never lost (goja_nodejs's loop does not wait for those).
type Loop struct {
	vm *goja.Runtime

	mu         sync.Mutex
	queue      []func() error
	registered int
	stopped    error
	wakeup     chan struct{}

	// unhandled holds rejected promises that have no handler yet; it is
	// checked after each macrotask, once goja has drained its microtasks.
	unhandled map[*goja.Promise]struct{}
	order     []*goja.Promise

	timers   map[int64]*loopTimer
	timerSeq int64

	// check, when set, runs after every task; an error ends the loop.
	check func() error
	// tracker, when set, carries the async context (the job item) from
	// where a timer is set to its callback, as goja does for promises.
	tracker goja.AsyncContextTracker
	// describe, when set, renders an unhandled rejection's value (default
	// describeValue).
	describe func(goja.Value) string
}

type loopTimer struct {
	t       *time.Timer
	enqueue func(func() error)
}

// UnhandledRejectionError reports a promise rejected with no handler.
type UnhandledRejectionError struct {
	// Stack is the rejection value rendered on the loop goroutine (the
	// stack of an Error, else its string form).
	Stack string
}

func (e *UnhandledRejectionError) Error() string {
	return "Uncaught (in promise) " + e.Stack
}

// NewLoop creates a loop for vm and installs the promise rejection tracker
// and the timer globals (setTimeout, clearTimeout, setInterval,
// clearInterval).
func NewLoop(vm *goja.Runtime) *Loop {
	l := &Loop{
		vm:        vm,
		wakeup:    make(chan struct{}, 1),
		unhandled: make(map[*goja.Promise]struct{}),
		timers:    make(map[int64]*loopTimer),
	}
	vm.SetPromiseRejectionTracker(func(p *goja.Promise, op goja.PromiseRejectionOperation) {
		if op == goja.PromiseRejectionReject {
			if _, ok := l.unhandled[p]; !ok {
				l.unhandled[p] = struct{}{}
				l.order = append(l.order, p)
			}
			return
		}
		delete(l.unhandled, p)
	})
	l.installTimers()
	return l
}

// Runtime returns the goja runtime the loop drives.
func (l *Loop) Runtime() *goja.Runtime { return l.vm }

// RegisterCallback must be called on the loop goroutine. It keeps the loop
// alive until the returned function is called exactly once (from any
// goroutine) with the work to run on the loop. After the loop has stopped,
// calling it is a harmless no-op.
func (l *Loop) RegisterCallback() func(func() error) {
	l.mu.Lock()
	l.registered++
	l.mu.Unlock()
	var once sync.Once
	return func(fn func() error) {
		once.Do(func() {
			l.mu.Lock()
			l.registered--
			if l.stopped == nil {
				l.queue = append(l.queue, fn)
			}
			l.mu.Unlock()
			l.wake()
		})
	}
}

// Stop makes Run return err as soon as the current callback finishes. It is
// safe from any goroutine; the first error wins.
func (l *Loop) Stop(err error) {
	if err == nil {
		err = errors.New("event loop stopped")
	}
	l.mu.Lock()
	if l.stopped == nil {
		l.stopped = err
		l.queue = nil
	}
	l.mu.Unlock()
	l.wake()
}

func (l *Loop) wake() {
	select {
	case l.wakeup <- struct{}{}:
	default:
	}
}

// Run calls first on the loop goroutine and then runs queued callbacks until
// nothing is queued or registered. It returns the first error a callback
// returns, an *UnhandledRejectionError, or the error given to Stop.
func (l *Loop) Run(first func() error) error {
	if err := l.runTask(first); err != nil {
		l.Stop(err)
		return err
	}
	for {
		l.mu.Lock()
		if l.stopped != nil {
			err := l.stopped
			l.mu.Unlock()
			l.clearTimers()
			return err
		}
		if len(l.queue) == 0 {
			if l.registered == 0 {
				l.mu.Unlock()
				return nil
			}
			l.mu.Unlock()
			<-l.wakeup
			continue
		}
		fn := l.queue[0]
		l.queue[0] = nil
		l.queue = l.queue[1:]
		l.mu.Unlock()
		if err := l.runTask(fn); err != nil {
			l.Stop(err)
			l.clearTimers()
			return err
		}
	}
}

// runTask runs one macrotask, turning Go panics into errors (a panic in a
// binding must not take the process down) and checking for rejections that
// are still unhandled once goja has run the microtasks.
func (l *Loop) runTask(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("internal error: %v", r)
		}
	}()
	if err := fn(); err != nil {
		return err
	}
	if l.check != nil {
		if err := l.check(); err != nil {
			return err
		}
	}
	return l.checkUnhandled()
}

func (l *Loop) checkUnhandled() error {
	if len(l.unhandled) == 0 {
		l.order = l.order[:0]
		return nil
	}
	for _, p := range l.order {
		if _, ok := l.unhandled[p]; ok {
			l.unhandled = make(map[*goja.Promise]struct{})
			l.order = l.order[:0]
			describe := describeValue
			if l.describe != nil {
				describe = l.describe
			}
			return &UnhandledRejectionError{Stack: describe(p.Result())}
		}
	}
	return nil
}

// Pending reports how many callbacks are registered but not yet enqueued.
func (l *Loop) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.registered
}

func (l *Loop) installTimers() {
	vm := l.vm
	schedule := func(call goja.FunctionCall, repeat bool) goja.Value {
		fn, ok := goja.AssertFunction(call.Argument(0))
		if !ok {
			panic(vm.NewTypeError("timer callback must be a function"))
		}
		ms := call.Argument(1).ToFloat()
		if math.IsNaN(ms) {
			ms = 0
		}
		delay := time.Duration(ms * float64(time.Millisecond))
		if delay < 0 {
			delay = 0
		}
		var extra []goja.Value
		if len(call.Arguments) > 2 {
			extra = append(extra, call.Arguments[2:]...)
		}
		var actx any
		if l.tracker != nil {
			actx = l.tracker.Grab()
		}
		l.timerSeq++
		id := l.timerSeq
		lt := &loopTimer{}
		l.timers[id] = lt
		var arm func()
		arm = func() {
			lt.enqueue = l.RegisterCallback()
			enqueue := lt.enqueue
			lt.t = time.AfterFunc(delay, func() {
				enqueue(func() error {
					if _, live := l.timers[id]; !live {
						return nil
					}
					if repeat {
						arm()
					} else {
						delete(l.timers, id)
					}
					if l.tracker != nil {
						l.tracker.Resumed(actx)
						defer l.tracker.Exited()
					}
					_, err := fn(goja.Undefined(), extra...)
					return err
				})
			})
		}
		arm()
		return vm.ToValue(id)
	}
	clear := func(call goja.FunctionCall) goja.Value {
		id := call.Argument(0).ToInteger()
		if lt, ok := l.timers[id]; ok {
			delete(l.timers, id)
			if lt.t.Stop() {
				lt.enqueue(func() error { return nil })
			}
		}
		return goja.Undefined()
	}
	_ = vm.Set("setTimeout", func(call goja.FunctionCall) goja.Value { return schedule(call, false) })
	_ = vm.Set("setInterval", func(call goja.FunctionCall) goja.Value { return schedule(call, true) })
	_ = vm.Set("clearTimeout", clear)
	_ = vm.Set("clearInterval", clear)
}

func (l *Loop) clearTimers() {
	for id, lt := range l.timers {
		delete(l.timers, id)
		if lt.t != nil && lt.t.Stop() {
			lt.enqueue(func() error { return nil })
		}
	}
}

// describeValue renders a thrown JS value for an error message: the stack
// of an Error when it has one, else its string form.
func describeValue(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) {
		return "undefined"
	}
	if o, ok := v.(*goja.Object); ok {
		if st := o.Get("stack"); st != nil && !goja.IsUndefined(st) && !goja.IsNull(st) {
			return st.String()
		}
		// A thrown plain object ({code: 1}) is shown as its JSON, not
		// "[object Object]".
		if _, isFn := goja.AssertFunction(o); !isFn {
			if b, err := json.Marshal(o); err == nil && string(b) != "{}" {
				return string(b)
			}
		}
	}
	return v.String()
}
