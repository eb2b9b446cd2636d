package emulator

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"testing"
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
	heap0 := heapBytes()
	b.ReportAllocs()
	b.ResetTimer()
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
	b.ReportMetric(float64(heapBytes()-heap0)/float64(b.N), "heap-B/user")
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
