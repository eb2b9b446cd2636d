package minijson

import (
	"encoding/json"
	"strconv"
)

// A Writer appends JSON to B for hand-written encoders and keeps the first
// error in Err. Each method appends lit (the caller's punctuation and key,
// such as `,"code":`) and then one value. One call per member instead of a
// chain of appends keeps the encoders' compiled code small: in a wasm
// module every append and call site is expanded into many instructions.
type Writer struct {
	B   []byte
	Err error
}

// Lit appends lit as is.
//
//go:noinline
func (w *Writer) Lit(lit string) { w.B = append(w.B, lit...) }

// Trusted appends lit and b as is: b must be valid, compact JSON.
//
//go:noinline
func (w *Writer) Trusted(lit string, b []byte) {
	w.Lit(lit)
	w.B = append(w.B, b...)
}

// Str appends lit and s as a JSON string (AppendString).
//
//go:noinline
func (w *Writer) Str(lit, s string) {
	w.Lit(lit)
	w.B = AppendString(w.B, s)
}

// StrOrNull is Str, with null for "".
//
//go:noinline
func (w *Writer) StrOrNull(lit, s string) {
	if s == "" {
		w.Lit(lit)
		w.Lit("null")
		return
	}
	w.Str(lit, s)
}

// Int appends lit and n.
//
//go:noinline
func (w *Writer) Int(lit string, n int64) {
	w.Lit(lit)
	w.B = strconv.AppendInt(w.B, n, 10)
}

// Bool appends lit and v.
//
//go:noinline
func (w *Writer) Bool(lit string, v bool) {
	w.Lit(lit)
	w.B = strconv.AppendBool(w.B, v)
}

// Raw appends lit and m as json.Marshal encodes a json.RawMessage (AppendRaw):
// null when nil; invalid JSON sets Err and appends nothing more.
//
//go:noinline
func (w *Writer) Raw(lit string, m json.RawMessage) {
	w.Lit(lit)
	var err error
	if w.B, err = AppendRaw(w.B, m); err != nil && w.Err == nil {
		w.Err = err
	}
}

// Strs appends lit and list as json.Marshal encodes a []string: null when
// nil.
//
//go:noinline
func (w *Writer) Strs(lit string, list []string) {
	w.Lit(lit)
	if list == nil {
		w.Lit("null")
		return
	}
	sep := "["
	for _, s := range list {
		w.Str(sep, s)
		sep = ","
	}
	if len(list) == 0 {
		w.Lit("[")
	}
	w.Lit("]")
}
