package emulator

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"testing"
	"time"
)

// BenchmarkCreateUser measures one users.create through the handler (no
// network, no load generator): CPU and allocations per create, and the live
// heap each user adds (heap-B/user). With CLERKSCRIPT_HEAP_PROFILE=file it
// writes a heap profile while the users are still live, which is what the
// record layout is tuned against:
//
//	CLERKSCRIPT_HEAP_PROFILE=/tmp/heap.prof go test ./emulator/ -run '^$' -bench CreateUser -benchtime 200000x
func BenchmarkCreateUser(b *testing.B) {
	e := mustNew(WithoutRateLimits())
	auth := "Bearer " + e.SecretKey()
	heap0, objs0 := heapBytes(), heapObjects()
	b.ReportAllocs()
	b.ResetTimer()
	c0 := cpuTime()
	for i := range b.N {
		body := fmt.Sprintf(`{"email_address":["user%d@example.com"],"first_name":"First%d","last_name":"Last","external_id":"ext-%d","password_digest":%q,"password_hasher":"bcrypt","public_metadata":{"plan":"free"}}`, i, i, i, scaleDigest)
		req := httptest.NewRequest("POST", "/v1/users", bytes.NewReader([]byte(body)))
		req.Header.Set("Authorization", auth)
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("create %d: %d %s", i, w.Code, w.Body)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/float64(b.N), "cpu-µs/op")
	b.ReportMetric(float64(heapBytes()-heap0)/float64(b.N), "heap-B/user")
	b.ReportMetric(float64(heapObjects()-objs0)/float64(b.N), "heap-objects/user")
	if p := os.Getenv("CLERKSCRIPT_HEAP_PROFILE"); p != "" {
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	if e.st.Users.len() != b.N {
		b.Fatalf("%d users, want %d", e.st.Users.len(), b.N)
	}
}

// scaleState is an emulator holding n users shaped like the scale run's (an
// email address, names, an external id, a password digest, metadata), made
// directly rather than through HTTP so a load benchmark starts in seconds.
func scaleState(tb testing.TB, n int) *Emulator {
	e := mustNew(WithoutRateLimits())
	s := e.st
	now := e.nowMs()
	for i := range n {
		u := &userRec{ID: s.Users.newID(), Seq: s.IDs.seq(), CreatedAt: now, UpdatedAt: now,
			FirstName: ptr(fmt.Sprintf("First%d", i)), LastName: ptr("Last"), ExternalID: ptr(fmt.Sprintf("ext-%d", i)),
			PasswordHasher: "bcrypt", PasswordDigest: fingerprint(scaleDigest), PasswordUpdatedAt: ptr(now),
			PublicMetadata: `{"plan":"free"}`, DeleteSelfEnabled: true, CreateOrganizationEnabled: true}
		r := &identRec{ID: s.Idents.newID(), Seq: s.IDs.seq(), UserID: u.ID, Kind: "email_address",
			Value: fmt.Sprintf("user%d@example.com", i), Verified: true, CreatedAt: now, UpdatedAt: now}
		s.Idents.insert(r)
		u.EmailIDs = []string{r.ID}
		u.PrimaryEmailID = &u.EmailIDs[0]
		s.Users.insert(u)
	}
	return e
}

// heapObjects is the number of live heap objects after a collection: the
// collector's work on each cycle grows with it.
func heapObjects() int64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapObjects)
}

// gcCPU is the CPU time the garbage collector has used so far (an estimate
// the runtime keeps).
func gcCPU() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64()
}

// BenchmarkLoad measures loading a saved state of CLERKSCRIPT_SCALE_USERS
// users (default 100000): wall time and process CPU per load.
func BenchmarkLoad(b *testing.B) {
	n := 100000
	if s := os.Getenv("CLERKSCRIPT_SCALE_USERS"); s != "" {
		fmt.Sscan(s, &n)
	}
	var buf bytes.Buffer
	if err := scaleState(b, n).Save(&buf); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	var cpu time.Duration
	var gc float64
	b.ResetTimer()
	for range b.N {
		e := mustNew(WithoutRateLimits())
		// The previous copy's garbage is not this load's, and its memory goes
		// back to the system: a load at start-up gets fresh pages too.
		debug.FreeOSMemory()
		c0, g0 := cpuTime(), gcCPU()
		if err := e.load(data); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		gc += gcCPU() - g0
		if e.st.Users.len() != n {
			b.Fatalf("%d users, want %d", e.st.Users.len(), n)
		}
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(gc/float64(b.N), "gc-cpu-s/op")
}

// BenchmarkLoadFile is BenchmarkLoad through LoadFile, as `clerkscript
// emulate --state` loads: the file is mapped rather than read where the
// system allows.
func BenchmarkLoadFile(b *testing.B) {
	n := 100000
	if s := os.Getenv("CLERKSCRIPT_SCALE_USERS"); s != "" {
		fmt.Sscan(s, &n)
	}
	path := filepath.Join(b.TempDir(), "state.json")
	if err := scaleState(b, n).SaveFile(path); err != nil {
		b.Fatal(err)
	}
	if st, err := os.Stat(path); err == nil {
		b.SetBytes(st.Size())
	}
	var cpu time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		e := mustNew(WithoutRateLimits())
		debug.FreeOSMemory()
		c0 := cpuTime()
		if err := e.LoadFile(path); err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime() - c0
		if e.st.Users.len() != n {
			b.Fatalf("%d users, want %d", e.st.Users.len(), n)
		}
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
}
