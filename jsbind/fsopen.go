package jsbind

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Limits of the fs helpers: a script reading /dev/zero, or a file that is
// one endless line, gets a clear error instead of exhausting memory.
var (
	// maxReadFile caps fs.readText and fs.readJSON (whole-file reads).
	maxReadFile = 256 << 20
	// maxLine caps one line of fs.readLines and fs.readNDJSON, and one
	// physical line of fs.readCSV.
	maxLine = 32 << 20
)

// openFile opens path for fs helpers without letting the open defeat
// --timeout or Ctrl-C. Opening a FIFO blocks until its other end is opened,
// in a system call nothing interrupts: that open runs on its own goroutine,
// and when the run ends first (ctx) the goroutine is released by opening
// the other end ourselves. Other files open at once.
func openFile(ctx context.Context, path string, flag int) (*os.File, error) {
	st, err := os.Stat(path)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		return os.OpenFile(path, flag, 0o644)
	}
	type result struct {
		f   *os.File
		err error
	}
	ch := make(chan result, 1)
	go func() {
		f, err := os.OpenFile(path, flag, 0o644)
		ch <- result{f, err}
	}()
	select {
	case res := <-ch:
		return res.f, res.err
	case <-ctx.Done():
		// The opening goroutine may not have entered open(2) yet, and a
		// non-blocking open of the other end fails (ENXIO) or is over
		// before it does: release again until it has returned. Wait for it
		// here (it returns as soon as it is in open(2) and released), so
		// that it is gone when the run ends; only if that takes seconds (the
		// FIFO was removed while we waited) is it left to finish on its own.
		wait, waited := time.Millisecond, time.Duration(0)
		for {
			releaseFIFO(path, flag)
			select {
			case res := <-ch:
				if res.f != nil {
					res.f.Close()
				}
				return nil, fmt.Errorf("%s: waiting for the other end of the FIFO: %w", path, ctx.Err())
			case <-time.After(wait):
			}
			if waited += wait; waited > 5*time.Second {
				break
			}
			wait = min(2*wait, 250*time.Millisecond)
		}
		go func() {
			if res := <-ch; res.f != nil {
				res.f.Close()
			}
		}()
		return nil, fmt.Errorf("%s: waiting for the other end of the FIFO: %w", path, ctx.Err())
	}
}

// interruptible closes f when ctx ends if f is not a regular file, so that
// a read or write blocked on a pipe, a FIFO or a terminal returns; the
// returned stop function ends the watch. Regular files never block for
// long, and closing them would lose what a writer still has to flush.
func interruptible(ctx context.Context, f *os.File) (stop func() bool) {
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		return func() bool { return false }
	}
	return context.AfterFunc(ctx, func() { f.Close() })
}

// readFile is os.ReadFile for the fs helpers: interruptible by ctx, and
// capped at maxReadFile.
func readFile(ctx context.Context, path string) ([]byte, error) {
	f, err := openFile(ctx, path, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	defer interruptible(ctx, f)()
	b, err := io.ReadAll(io.LimitReader(f, int64(maxReadFile)+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: reading interrupted: %w", path, ctx.Err())
		}
		return nil, err
	}
	if len(b) > maxReadFile {
		return nil, fmt.Errorf("%s: larger than %d MiB: read it a line at a time with fs.readLines, fs.readNDJSON or fs.readCSV", path, maxReadFile>>20)
	}
	return b, nil
}

// errLineTooLong reports a line longer than maxLine.
func errLineTooLong() error {
	return fmt.Errorf("a line is longer than %d MiB (is this a text file?)", maxLine>>20)
}

// lineLimiter fails a read once a line (bytes since the last '\n') grows
// past max, so that readers built on it (encoding/csv) stay bounded.
type lineLimiter struct {
	r   io.Reader
	max int
	cur int
}

func (l *lineLimiter) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	for i := 0; i < n; i++ {
		if p[i] == '\n' {
			l.cur = 0
			continue
		}
		l.cur++
		if l.cur > l.max {
			return i, errLineTooLong()
		}
	}
	return n, err
}

// readLine reads one line of at most max bytes (without the limit a line
// of /dev/zero grows without end). It returns the line with its '\n', or
// io.EOF after the last line.
func readLine(br *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(buf)+len(chunk) > max {
			return "", errLineTooLong()
		}
		buf = append(buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && len(buf) > 0 && errors.Is(err, io.EOF) {
			return string(buf), nil
		}
		return string(buf), err
	}
}
