package jsbind

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/dop251/goja"
)

// installFS registers the `fs` helpers. They are synchronous: local files
// are fast next to API calls, and a synchronous CSV reader works with
// for...of, which goja supports (it has no for await).
func (r *Runtime) installFS() {
	vm := r.vm
	fsObj := vm.NewObject()
	set := func(name string, fn func(goja.FunctionCall) goja.Value) { _ = fsObj.Set(name, fn) }

	set("readText", func(call goja.FunctionCall) goja.Value {
		b, err := readFile(r.ctx, r.pathArg(call, 0))
		if err != nil {
			r.throw(err)
		}
		return vm.ToValue(string(b))
	})
	set("writeText", func(call goja.FunctionCall) goja.Value {
		if err := writeFileAtomic(r.ctx, r.pathArg(call, 0), []byte(r.textArg(call, "writeText"))); err != nil {
			r.throw(err)
		}
		return goja.Undefined()
	})
	set("appendText", func(call goja.FunctionCall) goja.Value {
		text := r.textArg(call, "appendText")
		f, err := openFile(r.ctx, r.pathArg(call, 0), os.O_WRONLY|os.O_CREATE|os.O_APPEND)
		if err != nil {
			r.throw(err)
		}
		stop := interruptible(r.ctx, f)
		_, werr := f.WriteString(text)
		stop()
		cerr := f.Close()
		if werr != nil {
			r.throw(werr)
		}
		if cerr != nil {
			r.throw(cerr)
		}
		return goja.Undefined()
	})
	set("exists", func(call goja.FunctionCall) goja.Value {
		_, err := os.Stat(r.pathArg(call, 0))
		return vm.ToValue(err == nil)
	})
	set("readJSON", func(call goja.FunctionCall) goja.Value {
		path := r.pathArg(call, 0)
		b, err := readFile(r.ctx, path)
		if err != nil {
			r.throw(err)
		}
		v, err := fromJSONText(vm, bytes.TrimPrefix(b, []byte("\ufeff")))
		if err != nil {
			r.throw(fmt.Errorf("%s: %w", path, err))
		}
		return v
	})
	set("writeJSON", func(call goja.FunctionCall) goja.Value {
		path := r.pathArg(call, 0)
		b, err := r.marshalJSON(call.Argument(1), "  ")
		if err != nil {
			r.throw(fmt.Errorf("%s: %w", path, err))
		}
		if err := writeFileAtomic(r.ctx, path, append(b, '\n')); err != nil {
			r.throw(err)
		}
		return goja.Undefined()
	})
	set("readLines", func(call goja.FunctionCall) goja.Value {
		return r.lineIterator(r.pathArg(call, 0), false)
	})
	set("readNDJSON", func(call goja.FunctionCall) goja.Value {
		return r.lineIterator(r.pathArg(call, 0), true)
	})
	set("readCSV", r.readCSV)
	set("csvWriter", r.csvWriter)
	set("ndjsonWriter", r.ndjsonWriter)
	_ = vm.Set("fs", fsObj)
}

func (r *Runtime) pathArg(call goja.FunctionCall, i int) string {
	a := call.Argument(i)
	if goja.IsUndefined(a) || goja.IsNull(a) || a.String() == "" {
		r.throw(&ConversionError{Problem: "a file path is required"})
	}
	return a.String()
}

// fromJSONText decodes JSON read from a file, keys as written. An empty
// file is an error, as for JSON.parse (fromWire reads an empty response
// as null).
func fromJSONText(vm *goja.Runtime, data []byte) (goja.Value, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("not valid JSON: the file is empty")
	}
	v, err := decodeJSON(vm, data, freeShape{}, true)
	if err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	return v, nil
}

// textArg is the text argument of writeText/appendText: a string, as
// Node's writeFileSync takes it. undefined (a missing field) or an object
// would otherwise be written as "undefined" or "[object Object]".
func (r *Runtime) textArg(call goja.FunctionCall, fn string) string {
	a := call.Argument(1)
	if s, ok := a.Export().(string); ok {
		return s
	}
	what := "undefined"
	switch {
	case goja.IsNull(a):
		what = "null"
	case !goja.IsUndefined(a):
		switch a.Export().(type) {
		case int64, float64:
			what = "a number"
		case bool:
			what = "a boolean"
		default:
			what = "an object"
			if _, ok := a.(*goja.Object); !ok {
				what = "a " + a.ExportType().String() // bigint, symbol
			}
		}
	}
	panic(r.vm.NewTypeError("fs.%s: the text must be a string, got %s", fn, what))
}

// marshalJSON serialises a JS value with its own keys (user data: nothing
// is renamed).
func (r *Runtime) marshalJSON(v goja.Value, indent string) ([]byte, error) {
	w, err := exportFree(r.vm, v, "", 0)
	if err != nil {
		return nil, err
	}
	if indent == "" {
		return json.Marshal(w)
	}
	return json.MarshalIndent(w, "", indent)
}

// writeFileAtomic writes through a temporary file and a rename, so a crash
// or a full disk never leaves a half-written file behind.
//
// A path that exists and is not a regular file (/dev/stdout, a pipe) is
// written in place: renaming over it would replace it.
func writeFileAtomic(ctx context.Context, path string, data []byte) error {
	if st, err := os.Stat(path); err == nil && !st.Mode().IsRegular() {
		if st.IsDir() {
			return fmt.Errorf("%s: is a directory", path)
		}
		f, err := openFile(ctx, path, os.O_WRONLY|os.O_TRUNC)
		if err != nil {
			return err
		}
		stop := interruptible(ctx, f)
		_, werr := f.Write(data)
		stop()
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		return werr
	}
	// The file keeps the mode of the one it replaces; a new one gets
	// 0666 less the umask, as Node's writeFileSync gives it.
	perm, keep := os.FileMode(0o666), false
	if st, err := os.Stat(path); err == nil {
		perm, keep = st.Mode().Perm(), true
	}
	f, err := createTemp(filepath.Dir(path), filepath.Base(path), perm)
	if err != nil {
		return err
	}
	tmp := f.Name()
	var werr error
	if keep {
		werr = f.Chmod(perm) // exactly, whatever the umask
	}
	if werr == nil {
		_, werr = f.Write(data)
	}
	if werr == nil {
		werr = f.Sync()
	}
	cerr := f.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		os.Remove(tmp)
		return werr
	}
	return nil
}

// syncIterator builds a JS iterator object (usable with for...of and
// job.run) from a Go pull function. The file behind it is closed when the
// iteration ends, when return() is called, or when the script ends.
func (r *Runtime) syncIterator(pull func() (goja.Value, bool, error), closer io.Closer) goja.Value {
	vm := r.vm
	it := vm.NewObject()
	var once sync.Once
	closeIt := func() {
		once.Do(func() {
			r.removeCloser(closer)
			_ = closer.Close()
		})
	}
	r.addCloser(closer)
	result := func(v goja.Value, done bool) goja.Value {
		o := vm.NewObject()
		_ = o.Set("value", v)
		_ = o.Set("done", done)
		return o
	}
	finished := false // several job workers keep pulling after the end
	_ = it.Set("next", func(goja.FunctionCall) goja.Value {
		if finished {
			return result(goja.Undefined(), true)
		}
		v, ok, err := pull()
		if err != nil {
			finished = true
			closeIt()
			r.throw(err)
		}
		if !ok {
			finished = true
			closeIt()
			return result(goja.Undefined(), true)
		}
		return result(v, false)
	})
	_ = it.Set("return", func(goja.FunctionCall) goja.Value {
		finished = true
		closeIt()
		return result(goja.Undefined(), true)
	})
	_ = it.SetSymbol(goja.SymIterator, func(call goja.FunctionCall) goja.Value { return call.This })
	return it
}

func (r *Runtime) lineIterator(path string, parseJSON bool) goja.Value {
	f, err := openFile(r.ctx, path, os.O_RDONLY)
	if err != nil {
		r.throw(err)
	}
	// A read blocked on a pipe returns when the run is interrupted.
	stop := interruptible(r.ctx, f)
	br := skipBOM(bufio.NewReaderSize(f, 64<<10))
	line := 0
	return r.syncIterator(func() (goja.Value, bool, error) {
		for {
			s, err := readLine(br, maxLine)
			if err == io.EOF {
				return nil, false, nil
			}
			if err != nil {
				if r.ctx.Err() != nil {
					return nil, false, fmt.Errorf("%s: reading interrupted: %w", path, r.ctx.Err())
				}
				return nil, false, fmt.Errorf("%s:%d: %w", path, line+1, err)
			}
			line++
			s = strings.TrimRight(s, "\r\n")
			if !parseJSON {
				return r.vm.ToValue(s), true, nil
			}
			if strings.TrimSpace(s) == "" {
				continue
			}
			v, perr := fromJSONText(r.vm, []byte(s))
			if perr != nil {
				return nil, false, fmt.Errorf("%s:%d: %w", path, line, perr)
			}
			return v, true, nil
		}
	}, &fileCloser{f, stop})
}

// fileCloser closes a file and ends its interrupt watch. It is a pointer,
// so runtime closers can be compared and removed.
type fileCloser struct {
	f    *os.File
	stop func() bool
}

func (c *fileCloser) Close() error {
	c.stop()
	return c.f.Close()
}

// skipBOM drops a UTF-8 byte order mark at the start of br (Excel and
// Notepad write one): it would otherwise stick to the first cell, key or
// line, and make the first NDJSON record invalid.
func skipBOM(br *bufio.Reader) *bufio.Reader {
	if b, err := br.Peek(3); err == nil && string(b) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	return br
}

// readCSV(path, {header: true, delimiter: ",", comment: ""}) streams rows:
// objects keyed by the header row (default) or arrays of strings.
func (r *Runtime) readCSV(call goja.FunctionCall) goja.Value {
	vm := r.vm
	path := r.pathArg(call, 0)
	header := true
	var delim, comment rune = ',', 0
	if o, ok := call.Argument(1).(*goja.Object); ok {
		if v := o.Get("header"); v != nil && !goja.IsUndefined(v) {
			header = v.ToBoolean()
		}
		if v := o.Get("delimiter"); v != nil && !goja.IsUndefined(v) {
			rs := []rune(v.String())
			if len(rs) != 1 {
				r.throw(&ConversionError{Path: "delimiter", Problem: "must be one character"})
			}
			delim = rs[0]
		}
		if v := o.Get("comment"); v != nil && !goja.IsUndefined(v) {
			rs := []rune(v.String())
			if len(rs) > 1 {
				r.throw(&ConversionError{Path: "comment", Problem: "must be one character"})
			}
			if len(rs) == 1 {
				comment = rs[0]
			}
		}
	}
	f, err := openFile(r.ctx, path, os.O_RDONLY)
	if err != nil {
		r.throw(err)
	}
	// A read blocked on a pipe returns when the run is interrupted; a line
	// (a field) cannot grow without bound.
	stop := interruptible(r.ctx, f)
	closer := &fileCloser{f, stop}
	cr := csv.NewReader(&lineLimiter{r: skipBOM(bufio.NewReaderSize(f, 64<<10)), max: maxLine})
	cr.Comma = delim
	cr.Comment = comment
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	var cols []string
	if header {
		rec, err := cr.Read()
		if err != nil {
			closer.Close()
			if errors.Is(err, io.EOF) {
				r.throw(fmt.Errorf("%s: empty CSV file (no header row)", path))
			}
			r.throw(fmt.Errorf("%s: %w", path, err))
		}
		cols = make([]string, len(rec))
		seen := make(map[string]int, len(rec))
		for i, c := range rec {
			cols[i] = strings.TrimSpace(c)
			// A repeated name would make the later column overwrite the
			// earlier one in every row, silently.
			if j, dup := seen[cols[i]]; dup {
				closer.Close()
				r.throw(fmt.Errorf("%s: the header has column %q twice (columns %d and %d)", path, cols[i], j+1, i+1))
			}
			seen[cols[i]] = i
		}
		// Rows may be shorter (missing trailing cells are undefined) but
		// not longer than the header.
		cr.FieldsPerRecord = -1
	}
	return r.syncIterator(func() (goja.Value, bool, error) {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, fmt.Errorf("%s: %w", path, err)
		}
		if !header {
			vals := make([]any, len(rec))
			for i, s := range rec {
				vals[i] = s
			}
			return vm.NewArray(vals...), true, nil
		}
		if len(rec) > len(cols) {
			line, _ := cr.FieldPos(0)
			return nil, false, fmt.Errorf("%s:%d: %d fields, but the header has %d", path, line, len(rec), len(cols))
		}
		o := vm.NewObject()
		for i, s := range rec {
			_ = o.Set(cols[i], s)
		}
		return o, true, nil
	}, closer)
}

// streamWriter is a buffered file writer the script writes rows to.
type streamWriter struct {
	mu    sync.Mutex
	f     *os.File
	bw    *bufio.Writer
	csv   *csv.Writer
	close bool
	stop  func() bool // ends the interrupt watch
}

func (w *streamWriter) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.close {
		return nil
	}
	w.close = true
	if w.stop != nil {
		defer w.stop()
	}
	if w.csv != nil {
		w.csv.Flush()
	}
	err := w.bw.Flush()
	// Only a regular file can be synced: on a pipe or terminal fsync
	// fails with EINVAL although every byte was written.
	if st, serr := w.f.Stat(); serr == nil && st.Mode().IsRegular() {
		if serr := w.f.Sync(); err == nil {
			err = serr
		}
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

func openStream(ctx context.Context, path string, appendMode bool) (*streamWriter, bool, error) {
	flags := os.O_WRONLY | os.O_CREATE
	if appendMode {
		flags |= os.O_APPEND
	} else {
		flags |= os.O_TRUNC
	}
	f, err := openFile(ctx, path, flags)
	if err != nil {
		return nil, false, err
	}
	empty := true
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		empty = false
	}
	// A write blocked on a full pipe returns when the run is interrupted.
	return &streamWriter{f: f, bw: bufio.NewWriterSize(f, 64<<10), stop: interruptible(ctx, f)}, empty, nil
}

func optBool(o *goja.Object, name string) bool {
	if o == nil {
		return false
	}
	v := o.Get(name)
	return v != nil && !goja.IsUndefined(v) && v.ToBoolean()
}

// ndjsonWriter(path, {append}) returns {write(value), close()}: one JSON
// value per line, buffered, so exports run in flat memory.
func (r *Runtime) ndjsonWriter(call goja.FunctionCall) goja.Value {
	vm := r.vm
	path := r.pathArg(call, 0)
	opts, _ := call.Argument(1).(*goja.Object)
	w, _, err := openStream(r.ctx, path, optBool(opts, "append"))
	if err != nil {
		r.throw(err)
	}
	r.addCloser(w)
	obj := vm.NewObject()
	count := 0
	_ = obj.Set("write", func(c goja.FunctionCall) goja.Value {
		b, err := r.marshalJSON(c.Argument(0), "")
		if err != nil {
			r.throw(err)
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.close {
			r.throw(errors.New(path + ": writer is closed"))
		}
		b = append(b, '\n')
		if _, err := w.bw.Write(b); err != nil {
			r.throw(err)
		}
		count++
		return goja.Undefined()
	})
	_ = obj.Set("close", func(goja.FunctionCall) goja.Value {
		r.removeCloser(w)
		if err := w.Close(); err != nil {
			r.throw(err)
		}
		return vm.ToValue(count)
	})
	return obj
}

// csvWriter(path, {header: [...], append}) returns {write(row), close()}.
// Rows are arrays, or objects whose values are taken in header order.
func (r *Runtime) csvWriter(call goja.FunctionCall) goja.Value {
	vm := r.vm
	path := r.pathArg(call, 0)
	opts, _ := call.Argument(1).(*goja.Object)
	var header []string
	if opts != nil {
		if h, ok := opts.Get("header").(*goja.Object); ok {
			if err := vm.ExportTo(h, &header); err != nil {
				r.throw(&ConversionError{Path: "header", Problem: "must be an array of column names"})
			}
		}
	}
	w, empty, err := openStream(r.ctx, path, optBool(opts, "append"))
	if err != nil {
		r.throw(err)
	}
	w.csv = csv.NewWriter(w.bw)
	r.addCloser(w)
	if len(header) > 0 && empty {
		if err := w.csv.Write(header); err != nil {
			r.throw(err)
		}
	}
	obj := vm.NewObject()
	_ = obj.Set("write", func(c goja.FunctionCall) goja.Value {
		row, ok := c.Argument(0).(*goja.Object)
		if !ok {
			r.throw(&ConversionError{Problem: "csvWriter.write takes an array or an object"})
		}
		var rec []string
		if row.ClassName() == "Array" {
			n := int(row.Get("length").ToInteger())
			for i := 0; i < n; i++ {
				rec = append(rec, cell(row.Get(fmt.Sprint(i))))
			}
		} else {
			if len(header) == 0 {
				r.throw(&ConversionError{Problem: "csvWriter: writing objects needs {header: [...]}"})
			}
			for _, h := range header {
				rec = append(rec, cell(row.Get(h)))
			}
		}
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.close {
			r.throw(errors.New(path + ": writer is closed"))
		}
		if err := w.csv.Write(rec); err != nil {
			r.throw(err)
		}
		return goja.Undefined()
	})
	_ = obj.Set("close", func(goja.FunctionCall) goja.Value {
		r.removeCloser(w)
		if err := w.Close(); err != nil {
			r.throw(err)
		}
		return goja.Undefined()
	})
	return obj
}

func cell(v goja.Value) string {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return ""
	}
	if o, ok := v.(*goja.Object); ok && o.ClassName() != "Date" {
		if b, err := o.MarshalJSON(); err == nil {
			return string(b)
		}
	}
	return v.String()
}

// createTemp creates a new file next to the target (".name.tmpNNN") with
// perm less the umask (os.CreateTemp's files are 0600 whatever the umask).
func createTemp(dir, base string, perm os.FileMode) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, "."+base+".tmp"+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("%s: no free temporary file name", filepath.Join(dir, base))
}
