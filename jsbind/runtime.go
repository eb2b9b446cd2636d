package jsbind

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/journal"
	"github.com/dop251/goja"
)

//go:embed prelude.js
var preludeSource string

// preludeProgram is compiled on first use (see clerkBackendProgram).
var preludeProgram = sync.OnceValue(func() *goja.Program { return goja.MustCompile(preludeName, preludeSource, true) })

// Options configures a Runtime. The zero value works: no API client (clerk
// calls reject with a clear error), no args, an empty env, output discarded.
type Options struct {
	// Client makes the Backend API calls. Wrap its transport in a
	// ratelimit.Transport (internal/ratelimit) to share a rate limiter between every call.
	Client *core.Client
	// Args are the script's arguments (after the script name).
	Args []string
	// Env is the environment the script sees, as KEY=VALUE (os.Environ()).
	Env []string
	// Stdout and Stderr receive console output, progress and summaries.
	Stdout, Stderr io.Writer
	// Interactive says Stderr is a terminal: jobs draw a progress bar
	// instead of printing periodic progress lines.
	Interactive bool
	// Concurrency is the default concurrency of job.run (default 10).
	Concurrency int
	// Journal, when set, is the journal file of every job.run that does
	// not say journal: false; it wins over the script's own path (it is the
	// command line's --journal).
	Journal string
	// JournalDir, when set, holds the journals whose paths the script
	// gives (only the base name is kept). `run --emulate` points it at a
	// temporary directory: the emulator's state dies with the process, so
	// a journal kept next to the input would make the next run skip
	// everything.
	JournalDir string
	// ResendInDoubt sends again, without a lookup, items an earlier run
	// left in doubt in every job that has no reconcile function (the
	// command line's --resend-in-doubt; a job can ask with
	// resendInDoubt: true). Off: they are reported in doubt, not sent.
	ResendInDoubt bool
	// ProgressInterval is how often jobs print a progress line when not
	// interactive (default 10 s; the bar redraws every 200 ms).
	ProgressInterval time.Duration
	// Now injects time (default time.Now).
	Now func() time.Time
	// Verify configures clerk.verifyToken and clerk.authenticateRequest
	// defaults; the script's options override them.
	Verify VerifyDefaults
	// Verifier verifies session tokens (default: a new one per runtime,
	// with its own JWKS and verified-token caches).
	Verifier *core.Verifier
}

// VerifyDefaults are the defaults of the verification bindings.
type VerifyDefaults struct {
	SecretKey         string   // CLERK_SECRET_KEY, for authenticateRequest
	PublishableKey    string   // CLERK_PUBLISHABLE_KEY, for authenticateRequest
	JWTKey            string   // PEM public key (CLERK_JWT_KEY) for networkless verification
	AuthorizedParties []string // accepted azp values
	WebhookSecret     string   // CLERK_WEBHOOK_SIGNING_SECRET
}

// Runtime runs one script. It is not reusable: create one per run.
type Runtime struct {
	opts   Options
	vm     *goja.Runtime
	loop   *Loop
	client *core.Client
	now    func() time.Time

	verifier *core.Verifier

	ctx      context.Context
	native   *goja.Object
	clerkObj *goja.Object
	main     *goja.Promise

	stopping   atomic.Bool
	stopCtx    context.Context // done once Stop is called
	stopNow    context.CancelFunc
	activeJobs atomic.Int32
	inDoubt    atomic.Int64 // items finished jobs left in doubt
	items      itemScope    // the job item whose code runs (loop only)

	mu       sync.Mutex
	closers  []io.Closer
	journals map[string]*journal.Journal

	exitCode int
	exited   bool

	// scriptPath is the running script's absolute path (process.argv[1]).
	scriptPath string

	// miss is the last read of a name clerk does not have (loop goroutine
	// only); resourceTargets are the objects behind the resource proxies.
	miss *memberMiss
	// backendMods are the @clerk/backend modules once built (loadBackend).
	backendMods     *goja.Object
	backendErr      error
	resourceTargets map[string]*goja.Object
}

// ScriptError is an uncaught exception or unhandled rejection, with the JS
// stack (file:line) as Message.
type ScriptError struct{ Message string }

func (e *ScriptError) Error() string { return e.Message }

// ExitError reports that the script called exit(code).
type ExitError struct{ Code int }

func (e *ExitError) Error() string { return fmt.Sprintf("exit(%d)", e.Code) }

type exitSignal struct{ code int }

// New builds a runtime with the clerk object and the helpers installed.
func New(opts Options) (*Runtime, error) {
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	if opts.Stderr == nil {
		opts.Stderr = io.Discard
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 10
	}
	if opts.ProgressInterval <= 0 {
		opts.ProgressInterval = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	vm := goja.New()
	// Deep recursion becomes a RangeError-like stack overflow, not a crash.
	vm.SetMaxCallStackSize(10000)
	r := &Runtime{opts: opts, vm: vm, client: opts.Client, now: opts.Now, ctx: context.Background()}
	r.stopCtx, r.stopNow = context.WithCancel(context.Background())
	r.loop = NewLoop(vm)
	r.loop.check = r.checkMain
	r.loop.describe = r.describeUncaught
	if err := r.install(); err != nil {
		return nil, err
	}
	return r, nil
}

// VM returns the goja runtime (for tests and embedding; only touch it from
// the loop goroutine).
func (r *Runtime) VM() *goja.Runtime { return r.vm }

// Loop returns the runtime's event loop.
func (r *Runtime) Loop() *Loop { return r.loop }

func (r *Runtime) install() error {
	vm := r.vm
	r.native = vm.NewObject()
	r.clerkObj = vm.NewObject()
	_ = r.native.Set("clerk", r.clerkObj)
	r.installNative()
	if err := r.installClerk(); err != nil {
		return err
	}
	r.installConsole()
	r.installFS()
	r.installGlobals()
	v, err := vm.RunProgram(preludeProgram())
	if err != nil {
		return fmt.Errorf("prelude: %w", err)
	}
	fn, ok := goja.AssertFunction(v)
	if !ok {
		return errors.New("prelude: not a function")
	}
	if _, err := fn(goja.Undefined(), vm.GlobalObject(), r.native); err != nil {
		return fmt.Errorf("prelude: %w", err)
	}
	_ = vm.Set("clerk", r.installMemberProxies())
	return r.installModules()
}

// Stop asks running jobs to stop taking new items; in-flight items finish
// and the journal is flushed. It reports whether a job was running (when
// none is, the caller should abort instead). Safe from any goroutine.
func (r *Runtime) Stop() bool {
	r.stopping.Store(true)
	r.stopNow()
	return r.activeJobs.Load() > 0
}

// InDoubt returns how many items the script's finished jobs left in doubt
// (they may have been applied; a person must check them, or a re-run with
// a reconcile function look them up).
func (r *Runtime) InDoubt() int64 { return r.inDoubt.Load() }

// WrapSource turns a script into an async function expression so that
// top-level await works (goja has no ES modules). The prefix sits on line 1
// so line numbers are unchanged; only columns on line 1 shift. A leading
// "#!" line is blanked for the same reason. The function is called from Go
// rather than by a trailing "()": a call in the source would add a frame
// on a line past the script's end to every stack trace.
func WrapSource(src string) string {
	if strings.HasPrefix(src, "#!") {
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			src = "//" + src[2:i] + src[i:]
		} else {
			src = ""
		}
	}
	return "(async () => {" + src + "\n})"
}

// RunScript runs src as a script named name (used in stack traces) until
// it and everything it started have finished. Cancelling ctx interrupts the
// JS and every in-flight request.
func (r *Runtime) RunScript(ctx context.Context, name string, src string) error {
	s, err := Compile(name, src)
	if err != nil {
		return err
	}
	return r.Run(ctx, s)
}

// Script is a compiled script, ready for Runtime.Run. It does not depend
// on a runtime: a caller can compile (and report a bad script) while it
// sets up the rest.
type Script struct {
	name string
	prg  *goja.Program
}

// Compile bundles src (named name, a path: imports resolve next to it) and
// compiles it. A script that cannot be bundled or compiled is a
// *ScriptError naming file:line:column.
func Compile(name, src string) (*Script, error) {
	if prg, ok := compilePlain(name, src); ok {
		return &Script{name: name, prg: prg}, nil
	}
	b, berr := bundle(name, src)
	if berr != nil {
		var be *BundleError
		if errors.As(berr, &be) {
			return nil, &ScriptError{Message: be.Error()}
		}
		return nil, berr
	}
	prg, cerr := goja.Compile(bundleName, b.code, false)
	if cerr != nil {
		return nil, &ScriptError{Message: b.compileError(cerr).Error()}
	}
	return &Script{name: name, prg: prg}, nil
}

// Run runs a compiled script until it and everything it started have
// finished. Cancelling ctx interrupts the JS and every in-flight request.
func (r *Runtime) Run(ctx context.Context, s *Script) (err error) {
	r.ctx = ctx
	if abs, err := filepath.Abs(s.name); err == nil {
		r.scriptPath = abs
	} else {
		r.scriptPath = s.name
	}
	defer func() {
		// Flushing what the script left open can fail (a full disk): a
		// run that otherwise succeeded must not report success with its
		// output lost.
		cerr := r.closeAll()
		var ee *ExitError
		if cerr != nil && (err == nil || errors.As(err, &ee) && ee.Code == 0) {
			err = fmt.Errorf("flushing files at exit: %w", cerr)
		}
	}()
	prg := s.prg
	stopAfter := context.AfterFunc(ctx, func() {
		r.vm.Interrupt(ctx.Err())
		r.loop.Stop(ctx.Err())
	})
	defer stopAfter()
	runErr := r.loop.Run(func() error {
		fv, err := r.vm.RunProgram(prg)
		if err != nil {
			return err
		}
		fn, ok := goja.AssertFunction(fv)
		if !ok {
			return errors.New("internal error: the wrapped script is not a function")
		}
		v, err := fn(goja.Undefined())
		if err != nil {
			return err
		}
		if p, ok := v.Export().(*goja.Promise); ok {
			r.main = p
		}
		return nil
	})
	if ctx.Err() != nil {
		// Cancellation wins over whatever the loop was doing when it
		// noticed: an HTTP goroutine may have settled its promise with
		// the cancellation error first.
		if es, ok := exitOf(runErr); ok {
			return es
		}
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	if runErr != nil {
		return r.mapRunError(ctx, runErr)
	}
	if r.main != nil {
		switch r.main.State() {
		case goja.PromiseStateRejected:
			return &ScriptError{Message: "Uncaught " + r.describeUncaught(r.main.Result())}
		case goja.PromiseStatePending:
			return &ScriptError{Message: "the script's top-level code is still awaiting a promise that can never settle (nothing else is pending)"}
		}
	}
	if r.exited {
		return &ExitError{Code: r.exitCode}
	}
	// A script that ends normally exits with process.exitCode, as in Node.
	if proc, ok := r.vm.Get("process").(*goja.Object); ok {
		ec := proc.Get("exitCode")
		code, ok := exitCodeOf(ec)
		if !ok {
			return &ScriptError{Message: "process.exitCode must be an integer, got " + describeExitCode(ec)}
		}
		if code != 0 {
			return &ExitError{Code: code}
		}
	}
	return nil
}

// checkMain runs after every loop task: a rejected top-level promise ends
// the run at once, as an uncaught exception does in Node.
func (r *Runtime) checkMain() error {
	if r.main != nil && r.main.State() == goja.PromiseStateRejected {
		return &ScriptError{Message: "Uncaught " + r.describeUncaught(r.main.Result())}
	}
	return nil
}

// describeUncaught renders an uncaught exception: its stack without the
// prelude's frames, with a clearer message for a missing clerk member.
func (r *Runtime) describeUncaught(v goja.Value) string {
	return cleanStack(describeValue(r.explainMiss(v)))
}

func exitOf(err error) (*ExitError, bool) {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if es, ok := ie.Value().(exitSignal); ok {
			return &ExitError{Code: es.code}, true
		}
	}
	return nil, false
}

func (r *Runtime) mapRunError(ctx context.Context, err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		if es, ok := ie.Value().(exitSignal); ok {
			return &ExitError{Code: es.code}
		}
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", ctx.Err())
		}
		return fmt.Errorf("interrupted: %v", ie.Value())
	}
	if ctx.Err() != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return fmt.Errorf("interrupted: %w", ctx.Err())
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		return &ScriptError{Message: "Uncaught " + r.describeUncaught(ex.Value())}
	}
	var ur *UnhandledRejectionError
	if errors.As(err, &ur) {
		return &ScriptError{Message: "Uncaught (in promise) " + cleanStack(ur.Stack)}
	}
	var se *ScriptError
	if errors.As(err, &se) {
		return se
	}
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return &ScriptError{Message: "Uncaught RangeError: " + so.Error()}
	}
	return err
}

func (r *Runtime) addCloser(c io.Closer) {
	r.mu.Lock()
	r.closers = append(r.closers, c)
	r.mu.Unlock()
}

func (r *Runtime) removeCloser(c io.Closer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, x := range r.closers {
		if x == c {
			r.closers = append(r.closers[:i], r.closers[i+1:]...)
			return
		}
	}
}

// closeAll flushes writers and journals the script left open and returns
// their errors.
func (r *Runtime) closeAll() error {
	r.mu.Lock()
	cs := r.closers
	r.closers = nil
	r.mu.Unlock()
	var errs []error
	for i := len(cs) - 1; i >= 0; i-- {
		if err := cs[i].Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// async runs work off the loop and settles the returned promise on the
// loop with convert(result) or a JS error carrying the call-site stack.
func (r *Runtime) async(work func(ctx context.Context) (any, error), convert func(any) (goja.Value, error)) goja.Value {
	stack := r.vm.CaptureCallStack(16, nil)
	p, resolve, reject := r.vm.NewPromise()
	enqueue := r.loop.RegisterCallback()
	ctx := r.ctx
	go func() {
		var res any
		var err error
		func() {
			defer func() {
				if rec := recover(); rec != nil {
					err = fmt.Errorf("internal error: %v", rec)
				}
			}()
			res, err = work(ctx)
		}()
		enqueue(func() error {
			if err != nil {
				return reject(r.toJSError(err, stack))
			}
			if convert == nil {
				return resolve(goja.Undefined())
			}
			v, cerr := convert(res)
			if cerr != nil {
				return reject(r.toJSError(cerr, stack))
			}
			return resolve(v)
		})
	}()
	return r.vm.ToValue(p)
}

// rejected returns a promise already rejected with err.
func (r *Runtime) rejected(err error) goja.Value {
	p, _, reject := r.vm.NewPromise()
	_ = reject(r.toJSError(err, r.vm.CaptureCallStack(16, nil)))
	return r.vm.ToValue(p)
}

// rejectedWith returns a promise already rejected with a JS value.
func (r *Runtime) rejectedWith(v goja.Value) goja.Value {
	p, _, reject := r.vm.NewPromise()
	_ = reject(v)
	return r.vm.ToValue(p)
}

// throw raises err as a JS exception from a synchronous binding.
func (r *Runtime) throw(err error) {
	panic(r.toJSError(err, nil))
}
