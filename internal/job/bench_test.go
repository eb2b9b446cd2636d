package job

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// BenchmarkJournaledPosts measures what the journal costs per item when
// each item makes one POST: "untracked" makes only the start record
// durable, "tracked" also the send record announcing the POST (the JS
// runtime's default). Run: go test ./internal/job -run '^$' -bench Journaled
func BenchmarkJournaledPosts(b *testing.B) {
	ok := transportFunc(func(context.Context, *core.HTTPRequest) (*core.HTTPResponse, error) {
		return &core.HTTPResponse{StatusCode: 200}, nil
	})
	for _, tracked := range []bool{false, true} {
		name := map[bool]string{false: "untracked", true: "tracked"}[tracked]
		b.Run(name, func(b *testing.B) {
			j := openJournal(b, filepath.Join(b.TempDir(), "j.jsonl"))
			tr := TrackingTransport(ok)
			items := func(yield func(string, error) bool) {
				for i := range b.N {
					if !yield(fmt.Sprint(i), nil) {
						return
					}
				}
			}
			b.ResetTimer()
			_, err := Run(context.Background(), Options{Name: "bench", Concurrency: 10, Journal: j, Tracked: tracked, Total: -1},
				iter.Seq2[string, error](items), Spec[string]{
					Key: keyIsItem,
					Do: func(ctx context.Context, _ string) (string, error) {
						_, err := tr.RoundTrip(ctx, &core.HTTPRequest{Method: "POST"})
						return "id", err
					},
				})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
