package job

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// progressLine renders the counters: done, failed, skipped, rate and ETA.
// total is -1 when unknown.
func progressLine(name string, total int, done, failed, skipped int64, elapsed time.Duration) string {
	var b strings.Builder
	processed := done + failed
	seen := processed + skipped
	fmt.Fprintf(&b, "job %s: ", name)
	if total >= 0 {
		fmt.Fprintf(&b, "%d/%d", seen, total)
	} else {
		fmt.Fprintf(&b, "%d", seen)
	}
	fmt.Fprintf(&b, " (%d done, %d failed, %d skipped)", done, failed, skipped)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(processed) / elapsed.Seconds()
	}
	fmt.Fprintf(&b, " %.1f/s", rate)
	if total >= 0 && rate > 0 {
		left := float64(int64(total)-seen) / rate
		if left < 0 {
			left = 0
		}
		fmt.Fprintf(&b, " ETA %s", time.Duration(left*float64(time.Second)).Round(time.Second))
	}
	return b.String()
}

// progressBar renders a fixed-width bar for terminals.
func progressBar(total int, seen int64) string {
	const width = 24
	if total <= 0 {
		return ""
	}
	filled := int(float64(width) * float64(seen) / float64(total))
	filled = max(0, min(width, filled))
	return "[" + strings.Repeat("#", filled) + strings.Repeat(".", width-filled) + "] "
}

func (j *Job) render() string {
	el := j.now().Sub(j.started)
	line := progressLine(j.name, j.opts.Total, j.done.Load(), j.failed.Load(), j.skipped.Load(), el)
	if j.opts.Interactive {
		line = progressBar(j.opts.Total, j.done.Load()+j.failed.Load()+j.skipped.Load()) + line
	}
	return line
}

func (j *Job) startProgress() {
	j.stopProgress = make(chan struct{})
	j.progressDone = make(chan struct{})
	every := j.opts.ProgressInterval
	if j.opts.Interactive {
		every = 200 * time.Millisecond
	}
	go func() {
		defer close(j.progressDone)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-j.stopProgress:
				return
			case <-t.C:
				line := j.render()
				j.outMu.Lock()
				if j.opts.Interactive {
					fmt.Fprint(j.opts.Stderr, "\r\033[K"+line)
				} else {
					fmt.Fprintln(j.opts.Stderr, line)
				}
				j.outMu.Unlock()
			}
		}
	}()
}

// haltProgress stops the progress printer and waits for it to exit.
func (j *Job) haltProgress() {
	j.stopOnce.Do(func() { close(j.stopProgress) })
	<-j.progressDone
}

func (j *Job) printSummary(s Summary, fatal error) {
	j.outMu.Lock()
	defer j.outMu.Unlock()
	w := j.opts.Stderr
	if j.opts.Interactive {
		fmt.Fprint(w, "\r\033[K")
	}
	fmt.Fprintf(w, "job %s: finished in %s: %d done", j.name, s.Elapsed.Round(time.Millisecond), s.Done)
	if s.Reconciled > 0 {
		fmt.Fprintf(w, " (%d found by reconcile)", s.Reconciled)
	}
	fmt.Fprintf(w, ", %d failed", s.Failed)
	if s.InDoubt > 0 {
		fmt.Fprintf(w, " (%d in doubt)", s.InDoubt)
	}
	fmt.Fprintf(w, ", %d skipped (done before)", s.Skipped)
	if s.Retried > 0 {
		fmt.Fprintf(w, ", %d retries", s.Retried)
	}
	fmt.Fprintln(w)
	// A job stopped by its own error (Err) says so through its caller:
	// job.run rejects with it, Run returns it.
	if s.Stopped && j.Err() == nil {
		fmt.Fprintf(w, "job %s: stopped before the end; run it again to continue\n", j.name)
	}
	if fatal != nil {
		fmt.Fprintf(w, "job %s: stopped: reading items failed: %s\n", j.name, fatal.Error())
	}
	j.printFailures(w, s)
	if j.journal != nil {
		note := ""
		if j.opts.TemporaryJournal {
			note = " (temporary, removed at exit)"
		}
		fmt.Fprintf(w, "job %s: journal %s%s\n", j.name, j.journal.Path(), note)
	}
}

func (j *Job) printFailures(w io.Writer, s Summary) {
	const show = 20
	for i, f := range s.Failures {
		if i == show {
			where := "above"
			switch {
			case j.failures != nil:
				where = "in " + j.failures.name()
			case j.journal != nil:
				where = "above and in the journal"
			}
			fmt.Fprintf(w, "  ... and %d more (every failure is listed %s)\n", int(s.Failed)-show, where)
			break
		}
		fmt.Fprintf(w, "  failed %s: %s\n", f.Key, f.Error.Message)
	}
}
