package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// The scale run: N users created through the HTTP API by 64 concurrent
// clients with limits off, then the reads a migration makes, then a state
// save and load. TestScale runs it small in the normal suite (and checks the
// results are right); BenchmarkScale reports the figures, at
// CLERKSCRIPT_SCALE_USERS users (default 20000):
//
//	CLERKSCRIPT_SCALE_USERS=1000000 go test ./emulator/ -run '^$' -bench Scale -benchtime 1x -timeout 40m
//
// The collector is set as `clerkscript emulate` sets it (GCPercent, unless
// GOGC is set). The load generator runs in the same process and shares the
// cores: creates per CPU-second is the figure that does not depend on what
// else the machine runs.

type scaleFigures struct {
	n                       int
	total, first10, last10  time.Duration
	list, lookup, count     time.Duration
	rssPerUser, heapPerUser float64
	save, load              time.Duration
	stateBytes              int64
	createCPU, loadCPU      time.Duration // process CPU time (user+system)
	gogc                    int
}

func (f scaleFigures) String() string {
	rate := func(n int, d time.Duration) float64 { return float64(n) / d.Seconds() }
	return fmt.Sprintf("GOGC=%d users=%d creates/s=%.0f first10%%=%.0f/s last10%%=%.0f/s creates/cpu-s=%.0f list=%v lookup=%v count=%v rss/user=%.0fB heap/user=%.0fB save=%v load=%v (cpu %v) file=%dMB",
		f.gogc, f.n, rate(f.n, f.total), rate(f.n/10, f.first10), rate(f.n/10, f.last10), rate(f.n, f.createCPU), f.list, f.lookup, f.count,
		f.rssPerUser, f.heapPerUser, f.save, f.load, f.loadCPU, f.stateBytes>>20)
}

func rssBytes() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuTime is the process's CPU time so far: on a shared machine, creates per
// CPU-second says more than wall-clock rates.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapBytes() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}

const scaleDigest = "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"

func runScale(tb testing.TB, n int, progress bool) scaleFigures {
	// The collector runs as `clerkscript emulate` runs it (GOGC=50 unless
	// GOGC is set): memory and CPU figures are those of the command.
	prev := debug.SetGCPercent(100)
	gogc := SetGCPercentDefault()
	defer debug.SetGCPercent(prev)
	say := func(format string, a ...any) {
		if progress { // a long run shows each phase as it ends
			fmt.Fprintf(os.Stderr, "scale: "+format+"\n", a...)
		}
	}
	e := mustNew(WithoutRateLimits())
	srv := httptest.NewServer(e)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
	key := e.SecretKey()
	do := func(method, path string, body []byte) ([]byte, int) {
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+key)
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			tb.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return b, resp.StatusCode
	}
	heap0, rss0 := heapBytes(), rssBytes()
	f := scaleFigures{n: n, gogc: gogc}
	var next atomic.Int64
	done := make([]time.Duration, n) // completion time of the i-th create
	var doneN atomic.Int64
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				body := fmt.Sprintf(`{"email_address":["user%d@example.com"],"first_name":"First%d","last_name":"Last","external_id":"ext-%d","password_digest":%q,"password_hasher":"bcrypt","public_metadata":{"plan":"free"}}`, i, i, i, scaleDigest)
				b, code := do("POST", "/v1/users", []byte(body))
				if code != 200 {
					failed.Store(fmt.Sprintf("create %d: %d %s", i, code, b))
					return
				}
				done[doneN.Add(1)-1] = time.Since(start)
			}
		}()
	}
	wg.Wait()
	if v := failed.Load(); v != nil {
		tb.Fatal(v)
	}
	f.total, f.createCPU = time.Since(start), cpuTime()-cpu0
	tenth := n / 10
	f.first10 = done[tenth-1]
	f.last10 = done[n-1] - done[n-1-tenth]
	say("%d creates in %v (%.0f/s; first 10%% %.0f/s, last 10%% %.0f/s; %.0f creates per CPU-second)", n, f.total,
		float64(n)/f.total.Seconds(), float64(tenth)/f.first10.Seconds(), float64(tenth)/f.last10.Seconds(), float64(n)/f.createCPU.Seconds())

	avg := func(path string, check func([]byte)) time.Duration {
		const reps = 20
		t0 := time.Now()
		for range reps {
			b, code := do("GET", path, nil)
			if code != 200 {
				tb.Fatalf("GET %s: %d %s", path, code, b)
			}
			check(b)
		}
		return time.Since(t0) / reps
	}
	f.list = avg("/v1/users?limit=10", func(b []byte) {
		var us []map[string]any
		if json.Unmarshal(b, &us) != nil || len(us) != 10 {
			tb.Fatalf("list: %.200s", b)
		}
	})
	probe := n / 2
	f.lookup = avg(fmt.Sprintf("/v1/users?email_address=user%d@example.com", probe), func(b []byte) {
		var us []map[string]any
		if json.Unmarshal(b, &us) != nil || len(us) != 1 || us[0]["external_id"] != fmt.Sprintf("ext-%d", probe) {
			tb.Fatalf("lookup: %.200s", b)
		}
	})
	f.count = avg("/v1/users/count", func(b []byte) {
		if !bytes.Contains(b, []byte(fmt.Sprintf(`"total_count":%d`, n))) {
			tb.Fatalf("count: %s", b)
		}
	})
	say("list %v, lookup by email %v, count %v", f.list, f.lookup, f.count)
	client.CloseIdleConnections()
	srv.Close()
	f.heapPerUser = float64(heapBytes()-heap0) / float64(n)
	f.rssPerUser = float64(rssBytes()-rss0) / float64(n)

	say("heap %.0f B/user, RSS %.0f B/user", f.heapPerUser, f.rssPerUser)
	path := filepath.Join(tb.TempDir(), "state.json")
	t0 := time.Now()
	if err := e.SaveFile(path); err != nil {
		tb.Fatal(err)
	}
	f.save = time.Since(t0)
	if st, err := os.Stat(path); err == nil {
		f.stateBytes = st.Size()
	}
	say("save %v (%d MB)", f.save, f.stateBytes>>20)
	e2 := mustNew(WithoutRateLimits())
	e, srv.Config.Handler = nil, nil // the loaded copy replaces it
	debug.FreeOSMemory()
	t0, cpu0 = time.Now(), cpuTime()
	if err := e2.LoadFile(path); err != nil {
		tb.Fatal(err)
	}
	f.load, f.loadCPU = time.Since(t0), cpuTime()-cpu0
	say("load %v (CPU %v)", f.load, f.loadCPU)
	if got := e2.st.Users.len(); got != n {
		tb.Fatalf("loaded %d users, want %d", got, n)
	}
	return f
}

func TestScale(t *testing.T) {
	f := runScale(t, 2000, false)
	t.Log(f)
}

func BenchmarkScale(b *testing.B) {
	n := 20000
	if s := os.Getenv("CLERKSCRIPT_SCALE_USERS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 100 {
			b.Fatalf("CLERKSCRIPT_SCALE_USERS=%q: want a number ≥ 100", s)
		}
		n = v
	}
	for range b.N {
		f := runScale(b, n, true)
		b.ReportMetric(float64(n)/f.total.Seconds(), "creates/s")
		b.ReportMetric(float64(n/10)/f.first10.Seconds(), "first10%-creates/s")
		b.ReportMetric(float64(n/10)/f.last10.Seconds(), "last10%-creates/s")
		b.ReportMetric(float64(n)/f.createCPU.Seconds(), "creates/cpu-s")
		b.ReportMetric(float64(f.list.Microseconds())/1000, "list-ms")
		b.ReportMetric(float64(f.lookup.Microseconds())/1000, "lookup-ms")
		b.ReportMetric(float64(f.count.Microseconds())/1000, "count-ms")
		b.ReportMetric(f.rssPerUser, "rss-B/user")
		b.ReportMetric(f.heapPerUser, "heap-B/user")
		b.ReportMetric(f.save.Seconds(), "save-s")
		b.ReportMetric(f.load.Seconds(), "load-s")
		b.Log(f)
	}
}
