package clerkwasm

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
)

// Host runs the plugin: the module compiled once per pool, and pools of
// instances. It is safe for concurrent use; each instance serves one call at
// a time, because a Go wasm instance called concurrently corrupts itself.
//
// There are two pools. wazero can only stop a running guest at a deadline
// if the module was compiled with termination checks, and those checks
// (a trampoline at every loop header and a goroutine per call) make a Go
// guest 5 to 20 times slower. Verification and authenticateRequest, whose
// work is bounded by their input limits and whose only blocking is the
// host's own HTTP function (which honours the deadline), run in a "fast"
// pool without the checks. Call and VerifyWebhook, whose inputs can be
// large, run in an "interruptible" pool, compiled on first use.
//
// A guest spinning in the fast pool cannot be stopped, and as compiled wasm
// has no Go preemption points, its thread also holds up every garbage
// collection of the process until it returns: Options.InterruptibleOnly
// runs every export in the interruptible pool, for modules not built from
// this source. A WASI sleep (poll_oneoff) ends at the deadline in both
// pools.
type Host struct {
	opts   Options
	config []byte // the clerk_configure input, the same for every instance
	api    *apiProxy

	fast        *pool
	slow        *pool
	slowOnce    sync.Once
	slowErr     error
	closed      atomic.Bool
	closeMu     sync.RWMutex // held for reading while instantiating, so Close waits
	ownedCaches []wazero.CompilationCache

	claims claimsCache

	// counters, for tests and metrics
	instantiated     atomic.Int64
	discarded        atomic.Int64
	encodedSigChecks atomic.Int64 // check_rsa calls with the base64url signature flag

	// declineRSAFlags makes check_rsa decline hash identifiers carrying
	// these flags, as a host predating them does (tests only).
	declineRSAFlags uint32
}

// pool is one runtime, its compiled module and its instances.
type pool struct {
	h             *Host
	interruptible bool
	rt            wazero.Runtime
	compiled      wazero.CompiledModule
	sem           chan struct{}  // one token per instance that may exist
	idle          chan *instance // warm instances
	// hasCheck: the module has the optional clerk_check_session_token.
	hasCheck bool
}

// instance is one module instance with its exports resolved and a scratch
// input buffer reused across calls.
type instance struct {
	mod        api.Module
	mem        api.Memory
	malloc     api.Function
	free       api.Function
	fns        map[string]api.Function
	scratch    uint32 // guest address of the input buffer, 0 if none
	scratchCap uint32
	stack      []uint64
	calls      int

	// callCtx is the context of the call in progress, read by the WASI
	// sleep (on the goroutine of the call).
	callCtx context.Context
}

func defaultPoolSize() int { return runtime.GOMAXPROCS(0) }

// New compiles the module, starts one instance to check its ABI version and
// configuration, and returns the Host. Compiling is slow (seconds, cold):
// create one Host at startup and share it. Close it when done.
func New(ctx context.Context, opts Options) (*Host, error) {
	if len(opts.Module) == 0 {
		return nil, errors.New("clerkwasm: Options.Module is empty: build clerk.wasm with `clerkscript wasm build` and pass its bytes")
	}
	opts = opts.withDefaults()
	if opts.ClockSkew < 0 && opts.ClockSkew != core.NoClockSkew {
		opts.ClockSkew = core.NoClockSkew
	}
	h := &Host{opts: opts}
	var err error
	if h.api, err = newAPIProxy(opts); err != nil {
		return nil, err
	}
	if h.config, err = json.Marshal(guestConfig(opts)); err != nil {
		return nil, fmt.Errorf("clerkwasm: encoding the guest configuration: %w", err)
	}
	h.claims.init(opts.TokenCacheSize)
	if h.fast, err = h.newPool(ctx, opts.InterruptibleOnly); err != nil {
		h.closeCaches()
		return nil, err
	}
	// One instance now, so that a wrong module or configuration fails here
	// rather than on the first request.
	inst, err := h.fast.newInstance(ctx)
	if err != nil {
		_ = h.fast.rt.Close(context.Background())
		h.closeCaches()
		return nil, err
	}
	h.fast.idle <- inst
	return h, nil
}

// compilationCache picks the cache of a pool. The two pools need separate
// caches: wazero keys compiled code by module hash only, so a shared cache
// would hand one pool the other's code (with or without the termination
// checks).
func (h *Host) compilationCache(interruptible bool) (wazero.CompilationCache, error) {
	o := h.opts
	if interruptible && o.InterruptibleCompilationCache != nil {
		return o.InterruptibleCompilationCache, nil
	}
	if !interruptible && o.CompilationCache != nil {
		return o.CompilationCache, nil
	}
	if o.NoCompilationCache {
		return nil, nil
	}
	dir, explicit := o.CompilationCacheDir, o.CompilationCacheDir != ""
	if !explicit {
		if dir = DefaultCompilationCacheDir(); dir == "" {
			return nil, nil
		}
	}
	sub := "fast"
	if interruptible {
		sub = "interruptible"
	}
	c, err := wazero.NewCompilationCacheWithDir(filepath.Join(dir, sub))
	if err != nil {
		if !explicit { // a read-only home: compile in memory
			return nil, nil
		}
		return nil, fmt.Errorf("clerkwasm: compilation cache: %w", err)
	}
	h.ownedCaches = append(h.ownedCaches, c)
	return c, nil
}

func (h *Host) closeCaches() {
	for _, c := range h.ownedCaches {
		_ = c.Close(context.Background())
	}
	h.ownedCaches = nil
}

func (h *Host) newPool(ctx context.Context, interruptible bool) (*pool, error) {
	rc := wazero.NewRuntimeConfig().
		WithCloseOnContextDone(interruptible).
		WithMemoryLimitPages(h.opts.MemoryLimitMiB * 16). // 64 KiB pages
		WithMemoryCapacityFromMax(h.opts.MemoryCapacityFromMax)
	cache, err := h.compilationCache(interruptible)
	if err != nil {
		return nil, err
	}
	if cache != nil {
		rc = rc.WithCompilationCache(cache)
	}
	p := &pool{h: h, interruptible: interruptible, rt: wazero.NewRuntimeWithConfig(ctx, rc),
		sem: make(chan struct{}, h.opts.PoolSize), idle: make(chan *instance, h.opts.PoolSize)}
	fail := func(err error) (*pool, error) {
		_ = p.rt.Close(context.Background())
		return nil, err
	}
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, p.rt); err != nil {
		return fail(fmt.Errorf("clerkwasm: WASI: %w", err))
	}
	if err := h.instantiateImports(ctx, p.rt); err != nil {
		return fail(fmt.Errorf("clerkwasm: host functions: %w", err))
	}
	if p.compiled, err = p.rt.CompileModule(ctx, h.opts.Module); err != nil {
		return fail(fmt.Errorf("clerkwasm: compiling the module: %w", err))
	}
	if err := checkExports(p.compiled); err != nil {
		return fail(err)
	}
	_, p.hasCheck = p.compiled.ExportedFunctions()[abi.ExportCheckSessionToken]
	return p, nil
}

// interruptiblePool compiles the interruptible pool on first use.
func (h *Host) interruptiblePool(ctx context.Context) (*pool, error) {
	if h.opts.InterruptibleOnly {
		return h.fast, nil // the only pool
	}
	h.slowOnce.Do(func() {
		h.closeMu.RLock()
		defer h.closeMu.RUnlock()
		if h.closed.Load() {
			h.slowErr = ErrClosed
			return
		}
		h.slow, h.slowErr = h.newPool(context.WithoutCancel(ctx), true)
	})
	return h.slow, h.slowErr
}

func guestConfig(o Options) abi.Config {
	c := abi.Config{
		JWTKey: o.JWTKey, AuthorizedParties: o.AuthorizedParties, Audience: o.Audience, Issuer: o.Issuer,
		CacheSize: o.TokenCacheSize, PublishableKey: o.PublishableKey, Domain: o.Domain,
		IsSatellite: o.IsSatellite, SatelliteAutoSync: o.SatelliteAutoSync, ProxyURL: o.ProxyURL, SignInURL: o.SignInURL, AcceptsToken: o.AcceptsToken,
	}
	if c.CacheSize < 0 {
		c.CacheSize = -1
	}
	switch {
	case o.ClockSkew == core.NoClockSkew:
		zero := int64(0)
		c.ClockSkewMs = &zero
	case o.ClockSkew > 0:
		ms := o.ClockSkew.Milliseconds()
		c.ClockSkewMs = &ms
	}
	return c
}

var requiredExports = []string{
	abi.ExportABIVersion, abi.ExportMalloc, abi.ExportFree, abi.ExportConfigure, abi.ExportVerifyToken,
	abi.ExportVerifySessionToken, abi.ExportAuthenticateRequest, abi.ExportVerifyWebhook, abi.ExportCall,
}

func checkExports(cm wazero.CompiledModule) error {
	ex := cm.ExportedFunctions()
	if _, ok := ex["_initialize"]; !ok {
		return errors.New("clerkwasm: the module has no _initialize export: build it with -buildmode=c-shared")
	}
	for _, name := range requiredExports {
		if _, ok := ex[name]; !ok {
			return fmt.Errorf("clerkwasm: the module does not export %s: is it the clerkscript plugin?", name)
		}
	}
	return nil
}

// walltime adapts Options.Now to WASI's clock.
func walltime(now func() time.Time) func() (int64, int32) {
	return func() (int64, int32) {
		t := now()
		return t.Unix(), int32(t.Nanosecond())
	}
}

func (p *pool) newInstance(ctx context.Context) (*instance, error) {
	h := p.h
	h.closeMu.RLock()
	defer h.closeMu.RUnlock()
	if h.closed.Load() {
		return nil, ErrClosed
	}
	inst := &instance{fns: map[string]api.Function{}, stack: make([]uint64, 2)}
	mc := wazero.NewModuleConfig().
		WithName(""). // anonymous: the same module is instantiated many times
		WithStartFunctions("_initialize").
		WithSysNanotime().
		WithNanosleep(inst.nanosleep).
		WithRandSource(rand.Reader). // wazero's default is a fixed seed
		WithStderr(h.opts.Stderr)
	if h.opts.Now != nil {
		mc = mc.WithWalltime(walltime(h.opts.Now), 1)
	} else {
		mc = mc.WithSysWalltime() // wazero's default is stuck in 2022
	}
	// Instantiation runs the Go runtime's initialisation; bound it without
	// letting a short caller deadline kill a nearly ready instance.
	ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	inst.callCtx = ictx
	defer func() { inst.callCtx = nil }()
	mod, err := p.rt.InstantiateModule(ictx, p.compiled, mc)
	if err != nil {
		return nil, fmt.Errorf("clerkwasm: instantiating the module: %w", err)
	}
	inst.mod, inst.mem = mod, mod.Memory()
	for _, name := range requiredExports {
		inst.fns[name] = mod.ExportedFunction(name)
	}
	if p.hasCheck {
		inst.fns[abi.ExportCheckSessionToken] = mod.ExportedFunction(abi.ExportCheckSessionToken)
	}
	inst.malloc, inst.free = inst.fns[abi.ExportMalloc], inst.fns[abi.ExportFree]
	h.instantiated.Add(1)
	if err := inst.fns[abi.ExportABIVersion].CallWithStack(ictx, inst.stack); err != nil {
		_ = mod.Close(context.Background())
		return nil, fmt.Errorf("clerkwasm: clerk_abi_version: %w", err)
	}
	if v := uint32(inst.stack[0]); v != abi.Version {
		_ = mod.Close(context.Background())
		return nil, fmt.Errorf("clerkwasm: the module speaks ABI version %d, this host %d: rebuild the module from the same clerkscript version", v, abi.Version)
	}
	out, err := inst.invoke(ictx, abi.ExportConfigure, h.config)
	if err == nil {
		_, err = decodeResult(out)
	}
	if err != nil {
		_ = mod.Close(context.Background())
		return nil, fmt.Errorf("clerkwasm: configuring the module: %w", err)
	}
	return inst, nil
}

// nanosleep is the instance's WASI sleep (poll_oneoff with a clock): it
// ends at the deadline of the call in progress and stops the guest there,
// which would otherwise sleep past the deadline in either pool.
func (inst *instance) nanosleep(ns int64) {
	if ns <= 0 {
		return
	}
	var done <-chan struct{}
	if inst.callCtx != nil {
		done = inst.callCtx.Done()
	}
	t := time.NewTimer(time.Duration(ns))
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
		panic(sys.NewExitError(sys.ExitCodeDeadlineExceeded))
	}
}

// ErrClosed is returned by calls on a closed Host.
var ErrClosed = errors.New("clerkwasm: host closed")

// acquire takes an idle instance or makes one, waiting while PoolSize are
// busy.
func (p *pool) acquire(ctx context.Context) (*instance, error) {
	if p.h.closed.Load() {
		return nil, ErrClosed
	}
	select {
	case p.sem <- struct{}{}:
	default:
		select {
		case p.sem <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	select {
	case inst := <-p.idle:
		return inst, nil
	default:
	}
	inst, err := p.newInstance(ctx)
	if err != nil {
		<-p.sem
		return nil, err
	}
	return inst, nil
}

// release returns inst to the pool, or closes it when broken (any trap or
// deadline leaves a Go instance in an unknown state) or worn out.
func (p *pool) release(inst *instance, broken bool) {
	inst.calls++
	if broken || inst.calls >= p.h.opts.MaxCallsPerInstance || p.h.closed.Load() {
		p.discard(inst)
	} else {
		select {
		case p.idle <- inst:
		default:
			p.discard(inst)
		}
	}
	<-p.sem
}

func (p *pool) discard(inst *instance) {
	p.h.discarded.Add(1)
	p.h.api.forget(inst.mod)
	_ = inst.mod.Close(context.Background())
}

func (p *pool) close(ctx context.Context) error {
	for {
		select {
		case inst := <-p.idle:
			_ = inst.mod.Close(ctx)
			continue
		default:
		}
		break
	}
	return p.rt.Close(ctx)
}

// Close stops every instance and releases the runtimes. Calls in flight
// fail; later calls return ErrClosed.
func (h *Host) Close(ctx context.Context) error {
	if h.closed.Swap(true) {
		return nil
	}
	h.closeMu.Lock()
	defer h.closeMu.Unlock()
	err := h.fast.close(ctx)
	if h.slow != nil {
		if e := h.slow.close(ctx); err == nil {
			err = e
		}
	}
	h.closeCaches()
	return err
}

// GuestError is a failure of the plugin itself (a trap, a deadline, a
// malformed answer) rather than a rejection it reports. The instance that
// failed has been replaced.
type GuestError struct {
	Export string
	Err    error
}

func (e *GuestError) Error() string { return "clerkwasm: " + e.Export + ": " + e.Err.Error() }
func (e *GuestError) Unwrap() error { return e.Err }

// call runs one export on a pooled instance with the host's deadline and
// returns a copy of the result bytes.
func (h *Host) call(ctx context.Context, export string, in []byte) ([]byte, error) {
	if !interruptibleExport(export) && len(in) > maxFastInputLen {
		return nil, &Error{Kind: abi.KindRequest, Code: "input_too_large",
			Message: fmt.Sprintf("%s: input of %d bytes exceeds %d", export, len(in), maxFastInputLen)}
	}
	return h.withInstance(ctx, export, func(cctx context.Context, inst *instance) ([]byte, error) {
		return inst.invoke(cctx, export, in)
	})
}

// interruptibleExports run in the interruptible pool (see Host).
func interruptibleExport(export string) bool {
	return export == abi.ExportCall || export == abi.ExportVerifyWebhook || export == abi.ExportConfigure
}

func (h *Host) withInstance(ctx context.Context, export string, fn func(context.Context, *instance) ([]byte, error)) ([]byte, error) {
	p := h.fast
	if interruptibleExport(export) {
		var err error
		if p, err = h.interruptiblePool(ctx); err != nil {
			return nil, err
		}
	}
	cctx, cancel := context.WithTimeout(ctx, h.opts.CallTimeout)
	defer cancel()
	inst, err := p.acquire(cctx)
	if err != nil {
		return nil, err
	}
	inst.callCtx = cctx
	out, err := fn(cctx, inst)
	inst.callCtx = nil
	p.release(inst, err != nil)
	if err != nil {
		if ctx.Err() == nil && cctx.Err() != nil {
			err = fmt.Errorf("call timeout %s exceeded: %w", h.opts.CallTimeout, err)
		}
		return nil, &GuestError{Export: export, Err: err}
	}
	return out, nil
}

// write puts in into the instance's scratch buffer, growing it through
// clerk_malloc when needed, and returns its guest address.
func (inst *instance) write(ctx context.Context, in []byte) (uint32, error) {
	if len(in) > abi.MaxInput {
		return 0, fmt.Errorf("input of %d bytes exceeds the ABI limit of %d", len(in), abi.MaxInput)
	}
	n := uint32(len(in))
	if n > inst.scratchCap || inst.scratch == 0 {
		size := max(n, 4096)
		if inst.scratch != 0 {
			inst.stack[0] = uint64(inst.scratch)
			if err := inst.free.CallWithStack(ctx, inst.stack); err != nil {
				return 0, err
			}
			inst.scratch, inst.scratchCap = 0, 0
		}
		inst.stack[0] = uint64(size)
		if err := inst.malloc.CallWithStack(ctx, inst.stack); err != nil {
			return 0, err
		}
		p := uint32(inst.stack[0])
		if p == 0 {
			return 0, errors.New("clerk_malloc returned 0")
		}
		inst.scratch, inst.scratchCap = p, size
	}
	if !inst.mem.Write(inst.scratch, in) {
		return 0, errors.New("scratch buffer outside guest memory")
	}
	return inst.scratch, nil
}

// invoke copies in into the guest, calls export and copies the result out.
func (inst *instance) invoke(ctx context.Context, export string, in []byte) ([]byte, error) {
	view, err := inst.invokeView(ctx, export, in)
	if err != nil {
		return nil, err
	}
	return append([]byte(nil), view...), nil
}

// invokeView is invoke without the final copy: the view is valid only until
// the next call into the instance.
func (inst *instance) invokeView(ctx context.Context, export string, in []byte) ([]byte, error) {
	ptr, err := inst.write(ctx, in)
	if err != nil {
		return nil, err
	}
	fn := inst.fns[export]
	inst.stack[0], inst.stack[1] = uint64(ptr), uint64(len(in))
	if err := fn.CallWithStack(ctx, inst.stack); err != nil {
		return nil, err
	}
	rp, rn := abi.Unpack(inst.stack[0])
	view, ok := inst.mem.Read(rp, rn)
	if !ok || rn == 0 {
		return nil, fmt.Errorf("%s returned an out-of-range result (%d bytes at %#x)", export, rn, rp)
	}
	return view, nil
}
