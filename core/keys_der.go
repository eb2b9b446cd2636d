package core

import (
	"bytes"
	"errors"
	"strconv"
)

// RSA public keys are parsed by hand rather than with crypto/x509 or
// encoding/asn1: x509 links ECDSA, Ed25519, DSA, the net package and
// certificate machinery, and encoding/asn1 links reflect, fmt, math/big and
// time, which together cost the wasm plugin close to a megabyte for two DER
// shapes. The reader accepts exactly what encoding/asn1 accepted when
// unmarshaling the two structures below (TestParseRSADERMatchesASN1,
// FuzzParseRSAPublicKeyDER):
//
//	SubjectPublicKeyInfo ::= SEQUENCE {
//	    algorithm SEQUENCE { algorithm OBJECT IDENTIFIER, parameters ANY OPTIONAL },
//	    subjectPublicKey BIT STRING }  -- holding an RSAPublicKey
//	RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
//
// That is DER as encoding/asn1 reads it: definite lengths in their shortest
// form, minimally encoded integers, tags and object identifier components,
// BIT STRINGs with zeroed padding bits, no data after the key; and like
// encoding/asn1 it ignores elements after the last one it knows inside a
// SEQUENCE (X.509 has grown by appending elements). On top of that the
// modulus and the exponent must be positive, and the exponent fit in 64 bits.

// derOIDRSAEncryption is the contents of the OBJECT IDENTIFIER
// 1.2.840.113549.1.1.1 (rsaEncryption).
var derOIDRSAEncryption = []byte{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01}

// Universal tag numbers the reader expects.
const (
	derTagInteger   = 2
	derTagBitString = 3
	derTagOID       = 6
	derTagSequence  = 16
)

// derElement is one DER element: its identifier and its contents.
type derElement struct {
	class    byte // 0 universal, 1 application, 2 context-specific, 3 private
	compound bool // constructed
	tag      int
	content  []byte
}

// Not inlined: one copy instead of one per call site keeps the wasm module small.
//
//go:noinline
func derError(msg string) error { return errors.New("malformed DER: " + msg) }

// readDERElement reads the element at the start of b and returns it with
// the bytes after it.
func readDERElement(b []byte) (el derElement, rest []byte, err error) {
	if len(b) == 0 {
		return el, nil, derError("an element is missing")
	}
	id := b[0]
	i := 1
	el.class = id >> 6
	el.compound = id&0x20 != 0
	el.tag = int(id & 0x1f)
	if el.tag == 0x1f { // the tag number follows in base 128
		n, used, err := readBase128(b[i:])
		if err != nil {
			return el, nil, err
		}
		if n < 0x1f {
			return el, nil, derError("non-minimal tag")
		}
		el.tag = n
		i += used
	}
	if i >= len(b) {
		return el, nil, derError("truncated tag or length")
	}
	l := b[i]
	i++
	length := int(l)
	if l&0x80 != 0 {
		count := int(l & 0x7f)
		if count == 0 {
			return el, nil, derError("indefinite length")
		}
		length = 0
		for range count {
			if i >= len(b) {
				return el, nil, derError("truncated tag or length")
			}
			if length >= 1<<23 {
				return el, nil, derError("length too large")
			}
			length = length<<8 | int(b[i])
			i++
			if length == 0 {
				return el, nil, derError("length with leading zeros")
			}
		}
		if length < 0x80 {
			return el, nil, derError("length in long form below 128")
		}
	}
	if length > len(b)-i {
		return el, nil, derError("data truncated")
	}
	el.content = b[i : i+length]
	return el, b[i+length:], nil
}

// readBase128 reads a base-128 number (tag numbers, object identifier
// components) of at most 31 bits, minimally encoded, and returns it with
// the count of bytes it took.
func readBase128(b []byte) (n, used int, err error) {
	var v int64
	for i, c := range b {
		if i == 5 {
			return 0, 0, derError("base 128 integer too large")
		}
		if i == 0 && c == 0x80 {
			return 0, 0, derError("base 128 integer not minimally encoded")
		}
		v = v<<7 | int64(c&0x7f)
		if c&0x80 == 0 {
			if v > 1<<31-1 {
				return 0, 0, derError("base 128 integer too large")
			}
			return int(v), i + 1, nil
		}
	}
	return 0, 0, derError("truncated base 128 integer")
}

// readDERExpected reads the element at the start of b, which must be a
// universal one of the given tag and form; what names it in errors.
func readDERExpected(b []byte, tag int, compound bool, what string) (content, rest []byte, err error) {
	el, rest, err := readDERElement(b)
	if err != nil {
		return nil, nil, err
	}
	if el.class != 0 || el.tag != tag || el.compound != compound {
		return nil, nil, derError(what + " expected")
	}
	return el.content, rest, nil
}

// checkDERInteger checks that an INTEGER's contents are minimally encoded.
func checkDERInteger(b []byte) error {
	if len(b) == 0 {
		return derError("empty integer")
	}
	if len(b) > 1 && (b[0] == 0 && b[1]&0x80 == 0 || b[0] == 0xff && b[1]&0x80 != 0) {
		return derError("integer not minimally encoded")
	}
	return nil
}

// oidString writes an OBJECT IDENTIFIER's contents as dotted numbers; ok
// is false when they are malformed.
func oidString(b []byte) (s string, ok bool) {
	if len(b) == 0 {
		return "", false
	}
	var out []byte
	for i := 0; len(b) > 0; i++ {
		v, used, err := readBase128(b)
		if err != nil {
			return "", false
		}
		b = b[used:]
		if i == 0 {
			first := min(v/40, 2)
			out = strconv.AppendInt(out, int64(first), 10)
			out = append(out, '.')
			v -= 40 * first
		} else {
			out = append(out, '.')
		}
		out = strconv.AppendInt(out, int64(v), 10)
	}
	return string(out), true
}

// parseSPKIRSAParts parses a SubjectPublicKeyInfo holding an RSA key and
// returns its modulus (big-endian, without leading zeros) and exponent.
func parseSPKIRSAParts(der []byte) (n []byte, e int, err error) {
	spki, rest, err := readDERExpected(der, derTagSequence, true, "SEQUENCE (SubjectPublicKeyInfo)")
	if err != nil {
		return nil, 0, err
	}
	alg, spki, err := readDERExpected(spki, derTagSequence, true, "SEQUENCE (AlgorithmIdentifier)")
	if err != nil {
		return nil, 0, err
	}
	oid, params, err := readDERExpected(alg, derTagOID, false, "OBJECT IDENTIFIER")
	if err != nil {
		return nil, 0, err
	}
	oidText, ok := oidString(oid)
	if !ok {
		return nil, 0, derError("invalid OBJECT IDENTIFIER")
	}
	if len(params) > 0 { // the optional parameters: any one element
		if _, _, err := readDERElement(params); err != nil {
			return nil, 0, err
		}
	}
	bits, _, err := readDERExpected(spki, derTagBitString, false, "BIT STRING")
	if err != nil {
		return nil, 0, err
	}
	key, err := bitStringRightAligned(bits)
	if err != nil {
		return nil, 0, err
	}
	if len(rest) != 0 {
		return nil, 0, errors.New("trailing data after the key")
	}
	if !bytes.Equal(oid, derOIDRSAEncryption) {
		return nil, 0, errors.New("the key is not an RSA key (algorithm " + oidText + ")")
	}
	return parsePKCS1RSAParts(key)
}

// bitStringRightAligned checks a BIT STRING's contents and returns its
// bits right-aligned (as asn1.BitString.RightAlign does).
func bitStringRightAligned(b []byte) ([]byte, error) {
	if len(b) == 0 {
		return nil, derError("empty BIT STRING")
	}
	pad := b[0]
	if pad > 7 || len(b) == 1 && pad > 0 || b[len(b)-1]&(1<<pad-1) != 0 {
		return nil, derError("invalid padding bits in BIT STRING")
	}
	b = b[1:]
	if pad == 0 {
		return b, nil
	}
	out := make([]byte, len(b))
	out[0] = b[0] >> pad
	for i := 1; i < len(b); i++ {
		out[i] = b[i-1]<<(8-pad) | b[i]>>pad
	}
	return out, nil
}

// parsePKCS1RSAParts parses a PKCS #1 RSAPublicKey and returns its
// modulus (big-endian, without leading zeros) and exponent.
func parsePKCS1RSAParts(der []byte) (n []byte, e int, err error) {
	seq, rest, err := readDERExpected(der, derTagSequence, true, "SEQUENCE (RSAPublicKey)")
	if err != nil {
		return nil, 0, err
	}
	n, seq, err = readDERExpected(seq, derTagInteger, false, "INTEGER (modulus)")
	if err != nil {
		return nil, 0, err
	}
	if err := checkDERInteger(n); err != nil {
		return nil, 0, err
	}
	eb, _, err := readDERExpected(seq, derTagInteger, false, "INTEGER (exponent)")
	if err != nil {
		return nil, 0, err
	}
	if err := checkDERInteger(eb); err != nil {
		return nil, 0, err
	}
	if len(eb) > 8 {
		return nil, 0, derError("integer too large")
	}
	ev := int64(int8(eb[0])) // sign-extended
	for _, c := range eb[1:] {
		ev = ev<<8 | int64(c)
	}
	if int64(int(ev)) != ev {
		return nil, 0, derError("integer too large")
	}
	if len(rest) != 0 {
		return nil, 0, errors.New("trailing data after the key")
	}
	if n[0]&0x80 != 0 || len(n) == 1 && n[0] == 0 {
		return nil, 0, errors.New("RSA modulus is not positive")
	}
	if ev <= 0 {
		return nil, 0, errors.New("RSA exponent is not positive")
	}
	if n[0] == 0 {
		n = n[1:]
	}
	return n, int(ev), nil
}
