//go:build wasip1

// The exports are reached through //go:wasmexport, which staticcheck does
// not see as a use.
//
//lint:file-ignore U1000 wasmexport roots

package main

import (
	"context"
	"crypto"
	"errors"
	"runtime"
	"strings"
	"unsafe"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/urlparse"
	"github.com/clerkscript/clerkscript/wasm/internal/plugin"
)

// hostHTTPRequest hands a JSON abi.HTTPRequest to the host, which sends it
// and keeps the JSON abi.HTTPResponse; the result packs a handle and the
// response's length. A zero length means the host refused to answer.
//
//go:wasmimport clerk http_request
func hostHTTPRequest(reqPtr, reqLen uint32) uint64

// hostHTTPResponse copies the response held under handle into [ptr,
// ptr+n) and forgets it; it returns 1 on success, 0 for an unknown handle
// or a length that differs from the announced one. Two phases, so the host
// never has to allocate in guest memory.
//
//go:wasmimport clerk http_response
func hostHTTPResponse(handle, ptr, n uint32) uint32

// hostCheckRSA asks the host to verify an RSA PKCS #1 v1.5 signature over a
// digest: abi.RSAValid, abi.RSAInvalid or abi.RSADeclined.
//
//go:wasmimport clerk check_rsa
func hostCheckRSA(hash, nPtr, nLen, e, digestPtr, digestLen, sigPtr, sigLen uint32) uint32

// guestAPIURL is a placeholder base URL: the guest's client builds absolute
// URLs, the transport keeps only the path and query, and the host pins the
// real base.
const guestAPIURL = "http://clerk-host.invalid"

// hostTransport sends Backend API requests through the http_request import.
type hostTransport struct{}

func (hostTransport) RoundTrip(_ context.Context, req *core.HTTPRequest) (*core.HTTPResponse, error) {
	u, err := urlparse.Parse(req.URL)
	if err != nil {
		return nil, &core.NotSentError{Err: err}
	}
	path := u.EscapedPath()
	if !strings.HasPrefix(path, "/"+core.DefaultAPIVersion+"/") {
		return nil, &core.NotSentError{Err: errors.New("request path outside the API version prefix")}
	}
	// Authorization is deliberately not forwarded: it only holds the
	// placeholder key, and the host adds the real one.
	in := abi.HTTPRequest{
		Method:      req.Method,
		Path:        strings.TrimPrefix(path, "/"+core.DefaultAPIVersion),
		Query:       u.RawQuery,
		ContentType: req.Header.Get("Content-Type"),
		Body:        req.Body,
	}
	b := plugin.MarshalHTTPRequest(in)
	packed := hostHTTPRequest(ptrOf(b), uint32(len(b)))
	runtime.KeepAlive(b)
	handle, n := abi.Unpack(packed)
	if n == 0 {
		return nil, &core.NotSentError{Err: errors.New("the host refused the request")}
	}
	out := make([]byte, n)
	if hostHTTPResponse(handle, ptrOf(out), n) != 1 {
		return nil, errors.New("the host lost the response")
	}
	resp, err := plugin.DecodeHTTPResponse(out)
	if err != nil {
		return nil, errors.New("the host sent a malformed response: " + err.Error())
	}
	if resp.Error != nil {
		if resp.Error.NotSent {
			return nil, &core.NotSentError{Err: errors.New(resp.Error.Message)}
		}
		return nil, errors.New(resp.Error.Message)
	}
	h := core.Header{}
	for k, vs := range resp.Headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return &core.HTTPResponse{StatusCode: resp.Status, Header: h, Body: resp.Body}, nil
}

// hostChecker delegates RSA checks to the host; declined (or a host that
// disables it) falls back to crypto/rsa inside the guest.
type hostChecker struct{ disabled bool }

func (c hostChecker) CheckRSA(hash crypto.Hash, pub *core.RSAPublicKey, digest, sig []byte) (valid, declined bool) {
	return c.ask(hash, 0, pub, digest, sig)
}

// CheckRSAMessage hands the signed message to the host, which hashes it
// natively: SHA-256 in the guest costs about as much as the host's RSA check.
func (c hostChecker) CheckRSAMessage(hash crypto.Hash, pub *core.RSAPublicKey, message, sig []byte) (valid, declined bool) {
	if len(message) > abi.MaxSignedMessage {
		return false, true
	}
	return c.ask(hash, abi.HashFlagMessage, pub, message, sig)
}

// CheckRSAMessageEncoded hands over the signature still base64url-encoded
// too, so that the host decodes it: another microsecond of guest work.
func (c hostChecker) CheckRSAMessageEncoded(hash crypto.Hash, pub *core.RSAPublicKey, message []byte, sigText string) (valid, declined bool) {
	if len(message) > abi.MaxSignedMessage {
		return false, true
	}
	return c.ask(hash, abi.HashFlagMessage|abi.HashFlagBase64Sig, pub, message, unsafe.Slice(unsafe.StringData(sigText), len(sigText)))
}

func (c hostChecker) ask(hash crypto.Hash, flag uint32, pub *core.RSAPublicKey, buf, sig []byte) (valid, declined bool) {
	if c.disabled || pub == nil || len(buf) == 0 || len(sig) == 0 || pub.E < 0 || int64(pub.E) > 1<<31-1 {
		return false, true
	}
	h := plugin.HashID(hash)
	if h == 0 {
		return false, true
	}
	n := plugin.ModulusBytes(pub)
	ans := hostCheckRSA(h|flag, ptrOf(n), uint32(len(n)), uint32(pub.E),
		ptrOf(buf), uint32(len(buf)), ptrOf(sig), uint32(len(sig)))
	runtime.KeepAlive(n)
	runtime.KeepAlive(buf)
	runtime.KeepAlive(sig)
	switch ans {
	case abi.RSAValid:
		return true, false
	case abi.RSAInvalid:
		return false, false
	}
	return false, true
}
