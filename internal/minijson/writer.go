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
func (w *Writer) Trusted(lit string, b []byte) { w.B = append(append(w.B, lit...), b...) }

// Str appends lit and s as a JSON string (AppendString).
//
//go:noinline
func (w *Writer) Str(lit, s string) { w.B = AppendString(append(w.B, lit...), s) }

// StrOrNull is Str, with null for "".
//
//go:noinline
func (w *Writer) StrOrNull(lit, s string) {
	if s == "" {
		w.B = append(append(w.B, lit...), "null"...)
		return
	}
	w.Str(lit, s)
}

// Int appends lit and n.
//
//go:noinline
func (w *Writer) Int(lit string, n int64) { w.B = strconv.AppendInt(append(w.B, lit...), n, 10) }

// Bool appends lit and v.
//
//go:noinline
func (w *Writer) Bool(lit string, v bool) { w.B = strconv.AppendBool(append(w.B, lit...), v) }

// Raw appends lit and m as json.Marshal encodes a json.RawMessage (AppendRaw):
// null when nil; invalid JSON sets Err and appends nothing more.
//
//go:noinline
func (w *Writer) Raw(lit string, m json.RawMessage) {
	w.B = append(w.B, lit...)
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
