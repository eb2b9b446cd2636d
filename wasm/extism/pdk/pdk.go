//go:build wasip1

// Package pdk is the guest side of the Extism plugin ABI, written from
// Extism's documentation of the extism:host/env imports: just what the
// clerkscript Extism plugin needs (input, output, errors, config, logs and
// HTTP). Every value lives in the memory of the host's Extism kernel, not
// in the plugin's own linear memory: the guest allocates there with alloc,
// copies bytes in and out eight at a time with store_u64/load_u64, and
// passes offsets (i64, never 0 for a live block) to the other imports.
//
// Every import is synchronous: it returns when the host is done.
package pdk

import (
	"encoding/binary"
)

//go:wasmimport extism:host/env input_length
func inputLength() uint64

//go:wasmimport extism:host/env input_load_u8
func inputLoadU8(offset uint64) uint32

//go:wasmimport extism:host/env input_load_u64
func inputLoadU64(offset uint64) uint64

//go:wasmimport extism:host/env length
func length(offset uint64) uint64

//go:wasmimport extism:host/env alloc
func alloc(n uint64) uint64

//go:wasmimport extism:host/env free
func free(offset uint64)

//go:wasmimport extism:host/env output_set
func outputSet(offset, n uint64)

//go:wasmimport extism:host/env error_set
func errorSet(offset uint64)

//go:wasmimport extism:host/env config_get
func configGet(keyOffset uint64) uint64

//go:wasmimport extism:host/env store_u8
func storeU8(offset uint64, v uint32)

//go:wasmimport extism:host/env store_u64
func storeU64(offset, v uint64)

//go:wasmimport extism:host/env load_u8
func loadU8(offset uint64) uint32

//go:wasmimport extism:host/env load_u64
func loadU64(offset uint64) uint64

//go:wasmimport extism:host/env http_request
func httpRequest(reqOffset, bodyOffset uint64) uint64

//go:wasmimport extism:host/env http_status_code
func httpStatusCode() int32

//go:wasmimport extism:host/env log_debug
func logDebug(offset uint64)

//go:wasmimport extism:host/env log_warn
func logWarn(offset uint64)

// Input returns a copy of the call's input.
func Input() []byte {
	n := inputLength()
	b := make([]byte, n)
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], inputLoadU64(i))
	}
	for ; i < n; i++ {
		b[i] = byte(inputLoadU8(i))
	}
	return b
}

// put copies b into a new block of the kernel's memory and returns its
// offset; the block belongs to the caller (free it, or hand it over).
func put(b []byte) uint64 {
	n := uint64(len(b))
	off := alloc(n)
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		storeU64(off+i, binary.LittleEndian.Uint64(b[i:]))
	}
	for ; i < n; i++ {
		storeU8(off+i, uint32(b[i]))
	}
	return off
}

// get copies the block at off out of the kernel's memory.
func get(off uint64) []byte {
	n := length(off)
	b := make([]byte, n)
	i := uint64(0)
	for ; i+8 <= n; i += 8 {
		binary.LittleEndian.PutUint64(b[i:], loadU64(off+i))
	}
	for ; i < n; i++ {
		b[i] = byte(loadU8(off + i))
	}
	return b
}

// Output sets the call's output. The host owns the block from then on.
func Output(b []byte) { outputSet(put(b), uint64(len(b))) }

// SetError makes the call fail with msg: hosts raise it as the plugin
// error (the Go SDK returns it as the error of Plugin.Call).
func SetError(msg string) { errorSet(put([]byte(msg))) }

// Config returns the manifest's config value for key, and whether it is
// set.
func Config(key string) (string, bool) {
	k := put([]byte(key))
	v := configGet(k)
	free(k)
	if v == 0 {
		return "", false
	}
	b := get(v)
	free(v)
	return string(b), true
}

// LogDebug and LogWarn write to the host's log (the host frees the block).
func LogDebug(msg string) { logDebug(put([]byte(msg))) }

// LogWarn: see LogDebug.
func LogWarn(msg string) { logWarn(put([]byte(msg))) }

// Send makes an HTTP request through the host, which checks the URL's host
// against the manifest's allowed_hosts. A refused host, or a request the
// host cannot send, traps: the call fails and never returns here (the
// plugin instance must then be discarded). The response headers are not
// read: the import that returns them is not in every Extism host.
func Send(req HTTPRequest, body []byte) (status int, respBody []byte, err error) {
	r := put(req.appendJSON(nil))
	var b uint64
	if len(body) > 0 {
		b = put(body)
	}
	// The host frees both blocks.
	off := httpRequest(r, b)
	status = int(httpStatusCode())
	if off != 0 {
		respBody = get(off)
		free(off)
	}
	return status, respBody, nil
}
