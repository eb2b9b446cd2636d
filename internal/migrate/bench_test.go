package migrate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
)

// BenchmarkDryRun measures the whole pipeline without the API: read an
// Auth0 NDJSON export, run the JS transformer, validate, build and print
// the payloads.
//
//	go test ./internal/migrate -run '^$' -bench DryRun -benchmem
func BenchmarkDryRun(b *testing.B) {
	const n = 2000
	var buf bytes.Buffer
	for i := range n {
		fmt.Fprintf(&buf, `{"user_id":"auth0|%07d","email":"user%d@example.com","email_verified":true,"given_name":"F","family_name":"L","passwordHash":"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy","user_metadata":{"n":%d},"created_at":"2023-04-05T06:07:08.123Z"}`+"\n", i, i, i)
	}
	data := buf.Bytes()
	tr, err := LoadBuiltin("auth0")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		s, err := Run(context.Background(), Options{Transformer: tr, Input: bytes.NewReader(data), Format: FormatNDJSON, DryRun: true, DryRunOut: io.Discard})
		if err != nil || s.Planned != n {
			b.Fatalf("%v %+v", err, s)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "users/s")
}
