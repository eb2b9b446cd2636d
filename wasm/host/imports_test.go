package clerkwasm

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"

	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

// memoryModule is the smallest module with an exported memory: check_rsa
// reads its arguments from a module's memory, and this one lets the test
// call it directly with inputs no guest would send.
var memoryModule = []byte("\x00asm\x01\x00\x00\x00" +
	"\x05\x03\x01\x00\x01" + // one memory of one page
	"\x07\x0a\x01\x06memory\x02\x00") // exported as "memory"

func TestCheckRSAForms(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.Instantiate(ctx, memoryModule)
	mustf(t, err, "instantiate")
	mem := mod.Memory()

	tok := testkeys.Mint(claimsAt(time.Now(), nil), "", "")
	dot := strings.LastIndexByte(tok, '.')
	msg, sigText := tok[:dot], tok[dot+1:]
	sig, err := base64.RawURLEncoding.DecodeString(sigText)
	mustf(t, err, "signature")
	digest := sha256.Sum256([]byte(msg))
	n := testkeys.Primary.Private.N.Bytes()

	// Buffers at fixed offsets: modulus, message or digest, signature.
	const nAt, bufAt, sigAt = 0, 2048, 8192
	call := func(h *Host, id uint32, buf []byte, s string) uint32 {
		t.Helper()
		if !mem.Write(nAt, n) || !mem.Write(bufAt, buf) || !mem.WriteString(sigAt, s) {
			t.Fatal("write")
		}
		stack := []uint64{uint64(id), nAt, uint64(len(n)), 65537, bufAt, uint64(len(buf)), sigAt, uint64(len(s))}
		h.checkRSA(ctx, mod, stack)
		return uint32(stack[0])
	}
	h := &Host{}
	tampered := []byte(sigText)
	tampered[10] ^= 1 // still the alphabet, another signature
	for _, tc := range []struct {
		name string
		id   uint32
		buf  []byte
		sig  string
		want uint32
	}{
		{"digest", abi.HashSHA256, digest[:], string(sig), abi.RSAValid},
		{"message", abi.HashSHA256 | abi.HashFlagMessage, []byte(msg), string(sig), abi.RSAValid},
		{"message, base64 signature", abi.HashSHA256 | abi.HashFlagMessage | abi.HashFlagBase64Sig, []byte(msg), sigText, abi.RSAValid},
		{"digest, base64 signature", abi.HashSHA256 | abi.HashFlagBase64Sig, digest[:], sigText, abi.RSAValid},
		{"tampered base64 signature", abi.HashSHA256 | abi.HashFlagMessage | abi.HashFlagBase64Sig, []byte(msg), string(tampered), abi.RSAInvalid},
		{"not base64", abi.HashSHA256 | abi.HashFlagMessage | abi.HashFlagBase64Sig, []byte(msg), sigText[:40] + "!" + sigText[41:], abi.RSAInvalid},
		{"padded base64", abi.HashSHA256 | abi.HashFlagMessage | abi.HashFlagBase64Sig, []byte(msg), sigText + "==", abi.RSAInvalid},
		{"longer than the modulus", abi.HashSHA256 | abi.HashFlagMessage | abi.HashFlagBase64Sig, []byte(msg), sigText + sigText, abi.RSAInvalid},
		{"wrong message", abi.HashSHA256 | abi.HashFlagMessage | abi.HashFlagBase64Sig, []byte(msg + "x"), sigText, abi.RSAInvalid},
		{"unknown flag", abi.HashSHA256 | 0x400, []byte(msg), sigText, abi.RSADeclined},
		{"unknown hash", 3 | abi.HashFlagBase64Sig, []byte(msg), sigText, abi.RSADeclined},
	} {
		if got := call(h, tc.id, tc.buf, tc.sig); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	old := &Host{declineRSAFlags: abi.HashFlagBase64Sig}
	if got := call(old, abi.HashSHA256|abi.HashFlagMessage|abi.HashFlagBase64Sig, []byte(msg), sigText); got != abi.RSADeclined {
		t.Errorf("a host pretending not to know the flag answered %d", got)
	}
}

func TestRateWindow(t *testing.T) {
	for _, c := range []struct {
		perSecond float64
		burst     int
		n         int
		window    time.Duration
	}{
		{10, 100, 100, 10 * time.Second}, // Clerk's development limit
		{100, 0, 1, 10 * time.Millisecond},
		{0.5, 1, 1, 2 * time.Second},
	} {
		n, w := rateWindow(c.perSecond, c.burst)
		if n != c.n || w != c.window {
			t.Errorf("rateWindow(%v, %d) = %d/%v, want %d/%v", c.perSecond, c.burst, n, w, c.n, c.window)
		}
	}
}
