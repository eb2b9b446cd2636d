package migrate

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"regexp"
	"strings"
)

// Format is the layout of an export file.
type Format string

const (
	FormatAuto   Format = ""       // decided from the extension, then the content
	FormatJSON   Format = "json"   // a JSON array, an object wrapping one ({"users": [...]}), or NDJSON
	FormatCSV    Format = "csv"    // a header line, then one user per line; '#' lines are comments
	FormatNDJSON Format = "ndjson" // one JSON object per line
)

// FormatFor picks the format from a file name the way the official tool does
// (by MIME type from the extension): .csv is CSV, everything else is JSON
// (which covers NDJSON, told apart by content).
func FormatFor(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		return FormatCSV
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	}
	return FormatJSON
}

// Record is one user as read from the export, before any transform.
type Record struct {
	Row  int            // 1-based position in the file (data rows only for CSV)
	Line int            // line the record starts on, when known (CSV, NDJSON)
	Data map[string]any // field → value; JSON numbers are json.Number
}

// InputError is a problem with the file itself (not with one user): the run
// cannot continue past it, because what follows cannot be trusted.
type InputError struct {
	Row  int
	Line int
	Err  error
}

func (e *InputError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	case e.Row > 0:
		return fmt.Sprintf("record %d: %v", e.Row, e.Err)
	}
	return e.Err.Error()
}

func (e *InputError) Unwrap() error { return e.Err }

// ReadOptions adjusts reading for a source (a transformer's "input" block).
type ReadOptions struct {
	// CSVHeaders, when set, is the header of a CSV export that has none
	// (Firebase's `auth:export --format=csv`): every line is data.
	CSVHeaders []string
	// WrapperKey is the key of the array in a JSON object wrapping the users
	// ("users" for Firebase's JSON export). Default "users".
	WrapperKey string
}

// Read streams the records of r one at a time: memory stays flat whatever
// the size of the file. A malformed file yields an *InputError and stops.
func Read(r io.Reader, f Format, opts ReadOptions) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		br := bufio.NewReaderSize(r, 256<<10)
		if f == FormatCSV {
			readCSV(br, opts, yield)
			return
		}
		readJSON(br, opts, yield)
	}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

func skipBOM(br *bufio.Reader) {
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, utf8BOM) {
		_, _ = br.Discard(3)
	}
}

func readCSV(br *bufio.Reader, opts ReadOptions, yield func(Record, error) bool) {
	skipBOM(br)
	cr := csv.NewReader(br)
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header := opts.CSVHeaders
	if len(header) == 0 {
		h, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			yield(Record{}, &InputError{Line: 1, Err: fmt.Errorf("CSV header: %w", err)})
			return
		}
		header = make([]string, len(h))
		for i, s := range h {
			header[i] = strings.TrimSpace(s)
		}
	}
	row := 0
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			yield(Record{}, &InputError{Line: line, Err: err})
			return
		}
		line, _ := cr.FieldPos(0)
		row++
		if len(rec) > len(header) {
			yield(Record{}, &InputError{Line: line, Err: fmt.Errorf("%d fields, but the header names %d", len(rec), len(header))})
			return
		}
		data := make(map[string]any, len(rec))
		for i, v := range rec {
			data[header[i]] = strings.Clone(v)
		}
		if !yield(Record{Row: row, Line: line, Data: data}, nil) {
			return
		}
	}
}

// readJSON handles the three JSON layouts: a top-level array, an object
// wrapping the array under opts.WrapperKey, and NDJSON (objects one after
// another). It looks at the first bytes to tell them apart.
func readJSON(br *bufio.Reader, opts ReadOptions, yield func(Record, error) bool) {
	skipBOM(br)
	key := opts.WrapperKey
	if key == "" {
		key = "users"
	}
	head, _ := br.Peek(4096)
	head = bytes.TrimLeft(head, " \t\r\n")
	if len(head) == 0 {
		return
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	switch {
	case head[0] == '[':
		if _, err := dec.Token(); err != nil {
			yield(Record{}, &InputError{Err: err})
			return
		}
		streamArray(dec, yield)
	case head[0] == '{' && wrapperRE(key).Match(head):
		if _, err := dec.Token(); err != nil { // {
			yield(Record{}, &InputError{Err: err})
			return
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				yield(Record{}, &InputError{Err: err})
				return
			}
			if k, _ := t.(string); k == key {
				if t, err := dec.Token(); err != nil || t != json.Delim('[') {
					yield(Record{}, &InputError{Err: fmt.Errorf("%q is not an array", key)})
					return
				}
				streamArray(dec, yield)
				return
			}
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				yield(Record{}, &InputError{Err: err})
				return
			}
		}
		yield(Record{}, &InputError{Err: fmt.Errorf("no %q array in the JSON object", key)})
	case head[0] == '{':
		row := 0
		for {
			var m map[string]any
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				return
			}
			row++
			if err != nil {
				yield(Record{}, &InputError{Row: row, Err: fmt.Errorf("NDJSON: %w", err)})
				return
			}
			if m == nil {
				yield(Record{}, &InputError{Row: row, Err: errors.New("NDJSON: null instead of a user object")})
				return
			}
			if !yield(Record{Row: row, Data: m}, nil) {
				return
			}
		}
	default:
		yield(Record{}, &InputError{Err: fmt.Errorf("not a JSON array, object or NDJSON file (starts with %q)", string(head[:1]))})
	}
}

func wrapperRE(key string) *regexp.Regexp {
	return regexp.MustCompile(`^\{\s*"` + regexp.QuoteMeta(key) + `"\s*:\s*\[`)
}

func streamArray(dec *json.Decoder, yield func(Record, error) bool) {
	row := 0
	for dec.More() {
		row++
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			yield(Record{}, &InputError{Row: row, Err: err})
			return
		}
		if m == nil {
			yield(Record{}, &InputError{Row: row, Err: errors.New("null instead of a user object")})
			return
		}
		if !yield(Record{Row: row, Data: m}, nil) {
			return
		}
	}
	if _, err := dec.Token(); err != nil { // ]
		yield(Record{}, &InputError{Row: row, Err: fmt.Errorf("unterminated array: %w", err)})
	}
}
