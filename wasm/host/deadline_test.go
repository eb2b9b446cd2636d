package clerkwasm

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/internal/abi"
)

// hostileModule is a stand-in plugin, assembled here: it speaks the ABI
// (version, malloc, configure), and every (ptr, len) export answers
// {"ok":true,"result":{}} after doing what the first input byte asks:
//
//	'L'  spin until the word at address 16 is non-zero (it stays zero: only
//	     the deadline ends this)
//	'S'  sleep an hour through WASI poll_oneoff
//	else nothing
func hostileModule() []byte {
	const (
		flagAddr = 16
		subAddr  = 64   // one poll_oneoff subscription: a relative clock
		evAddr   = 256  // its event
		nevAddr  = 512  // the event count
		okAddr   = 1024 // the result envelope
		heapAddr = 4096 // what clerk_malloc answers
	)
	ok := []byte(`{"ok":true,"result":{}}`)
	sub := make([]byte, 48)
	sub[8] = 0                                                 // eventtype clock
	binary.LittleEndian.PutUint32(sub[16:], 1)                 // monotonic
	binary.LittleEndian.PutUint64(sub[24:], uint64(time.Hour)) // relative timeout
	var (
		i32, i64 byte = 0x7f, 0x7e
		mod      bytes.Buffer
	)
	uleb := func(v uint64) []byte {
		var b []byte
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if v != 0 {
				c |= 0x80
			}
			b = append(b, c)
			if v == 0 {
				return b
			}
		}
	}
	sleb := func(v int64) []byte {
		var b []byte
		for {
			c := byte(v & 0x7f)
			v >>= 7
			if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
				return append(b, c)
			}
			b = append(b, c|0x80)
		}
	}
	name := func(s string) []byte { return append(uleb(uint64(len(s))), s...) }
	vec := func(items ...[]byte) []byte {
		b := uleb(uint64(len(items)))
		for _, it := range items {
			b = append(b, it...)
		}
		return b
	}
	section := func(id byte, body []byte) {
		mod.WriteByte(id)
		mod.Write(uleb(uint64(len(body))))
		mod.Write(body)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	functype := func(params, results []byte) []byte {
		return cat([]byte{0x60}, vec(splitBytes(params)...), vec(splitBytes(results)...))
	}
	i32c := func(v int64) []byte { return cat([]byte{0x41}, sleb(v)) }

	mod.Write([]byte("\x00asm\x01\x00\x00\x00"))
	section(1, vec(
		functype(nil, nil),                                // 0: _initialize, clerk_free's result
		functype(nil, []byte{i32}),                        // 1: clerk_abi_version
		functype([]byte{i32}, []byte{i32}),                // 2: clerk_malloc
		functype([]byte{i32}, nil),                        // 3: clerk_free
		functype([]byte{i32, i32}, []byte{i64}),           // 4: the exports
		functype([]byte{i32, i32, i32, i32}, []byte{i32}), // 5: poll_oneoff
	))
	section(2, vec(cat(name("wasi_snapshot_preview1"), name("poll_oneoff"), []byte{0x00, 5})))
	section(3, vec([]byte{0}, []byte{1}, []byte{2}, []byte{3}, []byte{4}))
	section(5, vec([]byte{0x00, 2})) // two pages
	exports := [][]byte{cat(name("memory"), []byte{0x02, 0}),
		cat(name("_initialize"), []byte{0x00, 1}), cat(name(abi.ExportABIVersion), []byte{0x00, 2}),
		cat(name(abi.ExportMalloc), []byte{0x00, 3}), cat(name(abi.ExportFree), []byte{0x00, 4})}
	for _, e := range []string{abi.ExportConfigure, abi.ExportVerifyToken, abi.ExportVerifySessionToken,
		abi.ExportAuthenticateRequest, abi.ExportVerifyWebhook, abi.ExportCall} {
		exports = append(exports, cat(name(e), []byte{0x00, 5}))
	}
	section(7, vec(exports...))
	firstByteIs := func(c byte) []byte {
		return cat([]byte{0x20, 0, 0x2d, 0, 0}, i32c(int64(c)), []byte{0x46}) // local.get 0; i32.load8_u; i32.const c; i32.eq
	}
	handler := cat(
		[]byte{0x02, 0x40},                   // block
		[]byte{0x20, 1, 0x45, 0x0d, 0},       // local.get 1; i32.eqz; br_if 0 (no input)
		firstByteIs('L'), []byte{0x04, 0x40}, // if
		[]byte{0x03, 0x40}, i32c(flagAddr), []byte{0x28, 2, 0, 0x45, 0x0d, 0, 0x0b}, // loop: load flag; eqz; br_if 0; end
		[]byte{0x0b}, // end if
		firstByteIs('S'), []byte{0x04, 0x40},
		i32c(subAddr), i32c(evAddr), i32c(1), i32c(nevAddr), []byte{0x10, 0, 0x1a}, // call poll_oneoff; drop
		[]byte{0x0b}, // end if
		[]byte{0x0b}, // end block
		[]byte{0x42}, sleb(int64(abi.Pack(okAddr, uint32(len(ok))))),
		[]byte{0x0b},
	)
	body := func(code ...byte) []byte { b := cat([]byte{0}, code); return cat(uleb(uint64(len(b))), b) }
	section(10, vec(
		body(0x0b),
		body(cat(i32c(int64(abi.Version)), []byte{0x0b})...),
		body(cat(i32c(heapAddr), []byte{0x0b})...),
		body(0x0b),
		body(handler...),
	))
	data := func(addr int64, b []byte) []byte {
		return cat([]byte{0x00}, i32c(addr), []byte{0x0b}, uleb(uint64(len(b))), b)
	}
	section(11, vec(data(subAddr, sub), data(okAddr, ok)))
	return mod.Bytes()
}

func splitBytes(b []byte) [][]byte {
	out := make([][]byte, len(b))
	for i := range b {
		out[i] = b[i : i+1]
	}
	return out
}

func newHostileHost(t *testing.T, poolSize int, interruptibleOnly bool) *Host {
	t.Helper()
	h, err := New(context.Background(), Options{Module: hostileModule(), PoolSize: poolSize,
		CallTimeout: 10 * time.Minute, InterruptibleOnly: interruptibleOnly})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { _ = h.Close(context.Background()) })
	return h
}

// hostileCall runs export on input with a short deadline: whatever the
// machine's load, the call can only end by the deadline or the guest's
// answer.
func hostileCall(h *Host, export, input string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := h.CallExport(ctx, export, []byte(input))
	return err
}

func wantDeadline(t *testing.T, what string, err error) {
	t.Helper()
	var ge *GuestError
	if !errors.As(err, &ge) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("%s: err = %v, want a GuestError wrapping the deadline", what, err)
	}
}

func wantOK(t *testing.T, h *Host, export string) {
	t.Helper()
	out, err := h.CallExport(context.Background(), export, []byte("x"))
	if err != nil || string(out) != `{"ok":true,"result":{}}` {
		t.Fatalf("%s after the deadline: %q, %v", export, out, err)
	}
}

// With InterruptibleOnly, a guest spinning in a verification export (which
// otherwise runs without termination checks and cannot be stopped) is
// stopped at the deadline, its instance replaced, and the next call served.
func TestInterruptibleOnlyStopsSpin(t *testing.T) {
	h := newHostileHost(t, 1, true)
	for _, export := range []string{abi.ExportVerifySessionToken, abi.ExportAuthenticateRequest, abi.ExportVerifyToken} {
		before := h.discarded.Load()
		err := hostileCall(h, export, "L")
		wantDeadline(t, export+": spinning guest", err)
		if d := h.discarded.Load() - before; d != 1 {
			t.Fatalf("%s: %d instances discarded, want the interrupted one", export, d)
		}
		wantOK(t, h, export)
	}
	if h.slow != nil {
		t.Fatal("a second pool was compiled")
	}
}

// A guest sleeping through WASI (poll_oneoff) is woken and stopped at the
// deadline, in both pools, and its instance replaced.
func TestDeadlineStopsWASISleep(t *testing.T) {
	for _, export := range []string{abi.ExportCall, abi.ExportVerifySessionToken} {
		t.Run(export, func(t *testing.T) {
			h := newHostileHost(t, 1, false)
			before := h.discarded.Load()
			err := hostileCall(h, export, "S")
			wantDeadline(t, "sleeping guest", err)
			if d := h.discarded.Load() - before; d != 1 {
				t.Fatalf("%d instances discarded, want the sleeper", d)
			}
			wantOK(t, h, export)
		})
	}
}

// The interruptible pool stops a spinning guest itself (wazero's
// termination checks) and replaces the instance.
func TestDeadlineInterruptiblePoolSpin(t *testing.T) {
	h := newHostileHost(t, 1, false)
	err := hostileCall(h, abi.ExportCall, "L")
	wantDeadline(t, "spinning guest", err)
	wantOK(t, h, abi.ExportCall)
	if d := h.discarded.Load(); d != 1 {
		t.Fatalf("%d instances discarded, want 1", d)
	}
}
