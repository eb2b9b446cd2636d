package minijson

import (
	"bytes"
	"encoding/json"
	"runtime/debug"
	"testing"
)

// TestMarshalCycle: a value that contains itself (which a Go caller of
// core.Client.Call can build) is encoding/json's "encountered a cycle"
// error, not a fatal stack overflow; deep values without a cycle still
// encode. The stack limit makes a regression fail fast instead of using a
// gigabyte first.
func TestMarshalCycle(t *testing.T) {
	defer debug.SetMaxStack(debug.SetMaxStack(64 << 20))
	selfMap := map[string]any{"x": 1}
	selfMap["a"] = selfMap
	selfSlice := []any{nil, "x"}
	selfSlice[0] = selfSlice
	viaSlice := map[string]any{}
	viaSlice["s"] = []any{1, viaSlice}
	viaMap := []any{nil}
	viaMap[0] = map[string]any{"m": viaMap}
	deep := any("leaf")
	for range 1500 {
		deep = []any{map[string]any{"k": deep}}
	}
	shared := map[string]any{"v": 1} // the same map twice, not a cycle
	var wide any = shared
	for range 1200 {
		wide = []any{wide, shared}
	}
	for name, v := range map[string]any{"selfMap": selfMap, "selfSlice": selfSlice, "viaSlice": viaSlice, "viaMap": viaMap, "deep": deep, "wide": wide} {
		want, wantErr := json.Marshal(v)
		got, err := Marshal(v)
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Errorf("%s: Marshal err = %v, encoding/json %v", name, err, wantErr)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: Marshal differs from encoding/json (%d and %d bytes)", name, len(got), len(want))
		}
	}
}
