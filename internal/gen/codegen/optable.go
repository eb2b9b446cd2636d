package codegen

import (
	"github.com/clerkscript/clerkscript/internal/packlz"

	"bytes"
	"fmt"
	"strconv"
	"strings"
)

// The operation table is emitted as two string constants instead of Go
// composite literals: a []Operation literal with nested slices and pointers
// costs ~110 KB of a wasm module, the same facts as packed text a fifth of
// that. core/operation.go decodes them into []core.Operation on first use.
//
// Unpacked (see packLZ), operationStrings is the string pool: every
// distinct string of the table, one a line, in order of first use; line 0
// is the empty string (the text starts with a newline), so index 0 is "".
//
// Unpacked, operationRecords starts with the number of operations (a
// 2-digit token), then holds one line per operation. A line is a sequence
// of fixed-width tokens in base 64 (digits tokenDigits): S, a 2-digit index
// into the pool; N, a 1-digit number; W, a 2-digit number. In order:
//
//	S resource, S method (Name is resource + "." + method)
//	S, S the @clerk/backend name split at its first dot (0 0 when none)
//	S operationId, S HTTP method, S path, S summary
//	N flags: 1 deprecated, 2 has a body, 4 body is an array, 8 body required,
//	         16 response paginated
//	W response status, S response schema, S response shape, S items key
//	S body content type, S body schema       (only when flag 2 is set)
//	N number of parameters, then for each:
//	  S name, S in, S type, S item type, N flags (1 required, 2 comma-separated),
//	  W maximum, N number of enum values, then S for each
//
// Both decoders (core's and decodeTable's here) read this layout; change it
// in all three places and the tests comparing them fail until it agrees
// (core's TestOperationTableMatchesGenerator, TestTableRoundTrip here).

// tokenDigits are the base-64 digits of the records, chosen to need no
// escaping in a raw string literal.
const tokenDigits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"

const (
	opDeprecated = 1 << iota
	opHasBody
	opBodyArray
	opBodyRequired
	opPaginated
)

const (
	paramRequired = 1 << iota
	paramCommaSeparated
)

// coreShape is the core.Shape an operation gets ("other" for anything the
// classifier did not name).
func coreShape(s string) string {
	switch s {
	case "object", "array", "list", "none":
		return s
	}
	return "other"
}

type tableEncoder struct {
	pool  []string
	index map[string]int
	line  []byte
	err   error
}

func (e *tableEncoder) digits(v, width int, what string) {
	if e.err != nil {
		return
	}
	if v < 0 || v >= 1<<(6*width) {
		e.err = fmt.Errorf("%s %d does not fit in %d base-64 digits", what, v, width)
		return
	}
	for i := width - 1; i >= 0; i-- {
		e.line = append(e.line, tokenDigits[(v>>(6*i))&63])
	}
}

func (e *tableEncoder) str(s string) {
	if e.err != nil {
		return
	}
	if strings.ContainsAny(s, "\n\r`") {
		e.err = fmt.Errorf("%q holds a newline, carriage return or backquote, which the string pool cannot hold", s)
		return
	}
	i, ok := e.index[s]
	if !ok {
		i = len(e.pool)
		e.pool = append(e.pool, s)
		e.index[s] = i
	}
	e.digits(i, 2, "string index")
}

// dotted writes a "a.b" name as two strings split at the first dot ("" as
// two empty strings).
func (e *tableEncoder) dotted(s string) {
	a, b, ok := strings.Cut(s, ".")
	if s != "" && !ok && e.err == nil {
		e.err = fmt.Errorf("name %q has no dot", s)
	}
	e.str(a)
	e.str(b)
}

// encodeTable returns the two constants' values for ops.
func encodeTable(ops []*Operation) (strs, recs string, err error) {
	e := &tableEncoder{pool: []string{""}, index: map[string]int{"": 0}}
	e.digits(len(ops), 2, "operation count")
	out := []string{string(e.line)}
	for _, op := range ops {
		e.line = e.line[:0]
		if op.Name != op.Resource+"."+op.Method || strings.Contains(op.Resource, ".") {
			e.err = fmt.Errorf("name is not resource.method (%q, %q)", op.Resource, op.Method)
		}
		flags := 0
		if op.Deprecated {
			flags |= opDeprecated
		}
		if op.Body != nil {
			flags |= opHasBody
			if op.Body.Array {
				flags |= opBodyArray
			}
			if op.Body.Required {
				flags |= opBodyRequired
			}
		}
		if op.Response.Paginated {
			flags |= opPaginated
		}
		e.str(op.Resource)
		e.str(op.Method)
		e.dotted(op.JSName)
		e.str(op.OperationID)
		e.str(op.HTTPMethod)
		e.str(op.Path)
		e.str(op.Summary)
		e.digits(flags, 1, "flags")
		e.digits(op.Response.Status, 2, "status")
		e.str(op.Response.Schema)
		e.str(coreShape(op.Response.Shape))
		e.str(op.Response.ItemsKey)
		if op.Body != nil {
			e.str(op.Body.ContentType)
			e.str(op.Body.Schema)
		}
		e.digits(len(op.Params), 1, "parameter count")
		for _, p := range op.Params {
			pflags := 0
			if p.Required {
				pflags |= paramRequired
			}
			if p.Type == "array" && !p.Explode {
				pflags |= paramCommaSeparated
			}
			e.str(p.Name)
			e.str(p.In)
			e.str(p.Type)
			e.str(p.ItemType)
			e.digits(pflags, 1, "parameter flags")
			e.digits(int(p.Max), 2, "maximum of "+p.Name)
			e.digits(len(p.Enum), 1, "enum count of "+p.Name)
			for _, v := range p.Enum {
				e.str(v)
			}
		}
		if e.err != nil {
			return "", "", fmt.Errorf("operation table: %s: %w", op.Name, e.err)
		}
		out = append(out, string(e.line))
	}
	if e.err != nil {
		return "", "", fmt.Errorf("operation table: %w", e.err)
	}
	return "\n" + strings.Join(e.pool[1:], "\n"), strings.Join(out, "\n"), nil
}

// The two texts are then compressed with internal/packlz: the pool is
// identifiers and paths full of repeats, and a byte-oriented LZ77 whose
// decoder is twenty lines shrinks the whole to about a third.
const chunkSize = 96 // packed bytes per source line

func quoteChunks(b *bytes.Buffer, s string) {
	for len(s) > chunkSize {
		b.WriteString(strconv.Quote(s[:chunkSize]))
		b.WriteString(" +\n\t")
		s = s[chunkSize:]
	}
	b.WriteString(strconv.Quote(s))
	b.WriteString("\n")
}

func emitOperations(ops []*Operation) ([]byte, error) {
	strs, recs, err := encodeTable(ops)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(header)
	b.WriteString("package core\n\n")
	b.WriteString("// operationStrings and operationRecords are the operation table, packed;\n")
	b.WriteString("// operations (operation.go) decodes them. internal/gen/codegen/optable.go\n")
	b.WriteString("// documents the format: it costs a wasm module a fifth of Go literals.\n\n")
	fmt.Fprintf(&b, "// operationStrings is the string pool (%d operations, %d strings, %d bytes).\nconst operationStrings = ", len(ops), strings.Count(strs, "\n")+1, len(strs))
	quoteChunks(&b, packlz.Pack(strs))
	fmt.Fprintf(&b, "\n// operationRecords is the operation count, then one record a line (%d bytes).\nconst operationRecords = ", len(recs))
	quoteChunks(&b, packlz.Pack(recs))
	return gofmt("operations_gen.go", &b)
}

// tableDecoder reads the records (decodeTable).
type tableDecoder struct {
	pool []string
	line string
	err  error
}

func (d *tableDecoder) num(width int) int {
	if d.err != nil {
		return 0
	}
	if len(d.line) < width {
		d.err = fmt.Errorf("record ends early")
		return 0
	}
	v := 0
	for i := 0; i < width; i++ {
		k := strings.IndexByte(tokenDigits, d.line[i])
		if k < 0 {
			d.err = fmt.Errorf("bad digit %q", d.line[i])
			return 0
		}
		v = v<<6 | k
	}
	d.line = d.line[width:]
	return v
}

func (d *tableDecoder) str() string {
	i := d.num(2)
	if d.err == nil && i >= len(d.pool) {
		d.err = fmt.Errorf("string index %d out of range", i)
	}
	if d.err != nil {
		return ""
	}
	return d.pool[i]
}

// decodeTable reads back what encodeTable wrote (unpacked); Param.Explode
// is true unless the parameter is comma-separated.
func decodeTable(strs, recs string) ([]*Operation, error) {
	d := &tableDecoder{pool: strings.Split(strs, "\n")}
	lines := strings.Split(recs, "\n")
	d.line = lines[0]
	n := d.num(2)
	if d.err == nil && (d.line != "" || n != len(lines)-1) {
		d.err = fmt.Errorf("%d operations announced, %d lines", n, len(lines)-1)
	}
	var ops []*Operation
	for i := 1; d.err == nil && i < len(lines); i++ {
		d.line = lines[i]
		op := &Operation{Resource: d.str(), Method: d.str()}
		op.Name = op.Resource + "." + op.Method
		if a, b := d.str(), d.str(); a != "" || b != "" {
			op.JSName = a + "." + b
		}
		op.OperationID, op.HTTPMethod, op.Path, op.Summary = d.str(), d.str(), d.str(), d.str()
		flags := d.num(1)
		op.Deprecated = flags&opDeprecated != 0
		op.Response = Response{Status: d.num(2), Schema: d.str(), Shape: d.str(), ItemsKey: d.str(), Paginated: flags&opPaginated != 0}
		if flags&opHasBody != 0 {
			op.Body = &Body{ContentType: d.str(), Schema: d.str(), Array: flags&opBodyArray != 0, Required: flags&opBodyRequired != 0}
		}
		for range d.num(1) {
			p := Param{Name: d.str(), In: d.str(), Type: d.str(), ItemType: d.str()}
			pflags := d.num(1)
			p.Required, p.Explode = pflags&paramRequired != 0, pflags&paramCommaSeparated == 0
			p.Max = int64(d.num(2))
			for range d.num(1) {
				p.Enum = append(p.Enum, d.str())
			}
			op.Params = append(op.Params, p)
		}
		if d.err == nil && d.line != "" {
			d.err = fmt.Errorf("%d bytes left over", len(d.line))
		}
		if d.err != nil {
			d.err = fmt.Errorf("operation table, record %d: %w", i, d.err)
		}
		ops = append(ops, op)
	}
	if d.err != nil {
		return nil, d.err
	}
	return ops, nil
}
