package emulator

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"
)

// FaultKind is one kind of injected failure.
type FaultKind string

const (
	Fault500 FaultKind = "500" // 500 internal_clerk_error, nothing applied
	Fault502 FaultKind = "502" // a proxy's 502 with an HTML body, nothing applied
	Fault503 FaultKind = "503" // 503 with Retry-After: 1, nothing applied
	Fault504 FaultKind = "504" // a proxy's 504, nothing applied
	// FaultReset drops the connection before anything is applied.
	FaultReset FaultKind = "reset"
	// FaultApplied commits the write, then answers 500: the case that makes a
	// naive client create a duplicate when it retries.
	FaultApplied FaultKind = "applied"
	// FaultAppliedReset commits the write, then drops the connection.
	FaultAppliedReset FaultKind = "applied-reset"
	// FaultLatency delays the response by Faults.SlowDelay, then serves it.
	FaultLatency FaultKind = "latency"
)

// AllFaultKinds lists every kind, in the order of the CLI's help.
var AllFaultKinds = []FaultKind{Fault500, Fault502, Fault503, Fault504, FaultReset, FaultApplied, FaultAppliedReset, FaultLatency}

// Faults configures random fault injection. Which requests fail is drawn from
// the emulator's seed, so a sequential run is reproducible; with concurrent
// clients the draw follows arrival order, which the scheduler decides.
type Faults struct {
	Rate      float64       // share of requests that fail, 0..1
	Kinds     []FaultKind   // kinds to choose from, uniformly; default 500
	Latency   time.Duration // added to every request
	SlowDelay time.Duration // delay of a FaultLatency request; default 2 s
}

func (f Faults) validate() error {
	if !(f.Rate >= 0 && f.Rate <= 1) { // also NaN
		return fmt.Errorf("emulator: fault rate %v is outside 0..1", f.Rate)
	}
	for _, k := range f.Kinds {
		if !slices.Contains(AllFaultKinds, k) {
			return fmt.Errorf("emulator: unknown fault kind %q (known: %s)", k, joinKinds(AllFaultKinds))
		}
	}
	if f.Latency < 0 || f.SlowDelay < 0 {
		return fmt.Errorf("emulator: negative latency")
	}
	return nil
}

// ParseFaultKinds reads a comma-separated list such as "500,reset,applied".
func ParseFaultKinds(s string) ([]FaultKind, error) {
	var out []FaultKind
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k := FaultKind(part)
		if !slices.Contains(AllFaultKinds, k) {
			return nil, fmt.Errorf("unknown fault kind %q (known: %s)", part, joinKinds(AllFaultKinds))
		}
		out = append(out, k)
	}
	return out, nil
}

func joinKinds(ks []FaultKind) string {
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

type faultInjector struct {
	mu    sync.Mutex
	rng   *rand.Rand
	cfg   Faults
	queue map[string][]FaultKind // op name (or "*") → faults for its next requests
}

func newFaultInjector(seed int64, f Faults) *faultInjector {
	return &faultInjector{
		rng:   rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		cfg:   f,
		queue: map[string][]FaultKind{},
	}
}

// pick returns the fault for the next request of op, or "" for none. Queued
// faults (Inject) come first; then the random share.
func (fi *faultInjector) pick(op string) FaultKind {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	for _, key := range []string{op, "*"} {
		if q := fi.queue[key]; len(q) > 0 {
			fi.queue[key] = q[1:]
			return q[0]
		}
	}
	if fi.cfg.Rate <= 0 {
		return ""
	}
	// Always draw both numbers so the sequence does not depend on the kinds.
	hit := fi.rng.Float64() < fi.cfg.Rate
	idx := fi.rng.IntN(1 << 30)
	if !hit {
		return ""
	}
	if len(fi.cfg.Kinds) == 0 {
		return Fault500
	}
	return fi.cfg.Kinds[idx%len(fi.cfg.Kinds)]
}

func (fi *faultInjector) delay(f FaultKind) time.Duration {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	d := fi.cfg.Latency
	if f == FaultLatency {
		slow := fi.cfg.SlowDelay
		if slow == 0 {
			slow = 2 * time.Second
		}
		d += slow
	}
	return d
}

// SetFaults replaces the random fault configuration at run time.
func (e *Emulator) SetFaults(f Faults) error {
	if err := f.validate(); err != nil {
		return err
	}
	e.faults.mu.Lock()
	e.faults.cfg = f
	e.faults.mu.Unlock()
	return nil
}

// Inject makes the next n requests of the named operation ("users.create",
// or "*" for any operation) fail with kind, before any random fault. It is
// how a test puts a fault exactly where it wants one.
func (e *Emulator) Inject(op string, kind FaultKind, n int) error {
	if !slices.Contains(AllFaultKinds, kind) {
		return fmt.Errorf("emulator: unknown fault kind %q", kind)
	}
	e.faults.mu.Lock()
	defer e.faults.mu.Unlock()
	for range n {
		e.faults.queue[op] = append(e.faults.queue[op], kind)
	}
	return nil
}

// InjectOnce is Inject with n = 1.
func (e *Emulator) InjectOnce(op string, kind FaultKind) error { return e.Inject(op, kind, 1) }
