// Package minijsontest holds the hand-written JSON decoders built on
// internal/minijson to encoding/json in tests: one comparison shared by the
// decoders' table tests and fuzz targets in every package.
package minijsontest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// SameDecode fails t unless dec(data) agrees with json.Unmarshal of data
// into a T: both accept or both refuse, with the same error text, and an
// accepted value is the same (reflect.DeepEqual).
func SameDecode[T any](t testing.TB, name string, data []byte, dec func([]byte) (T, error)) {
	t.Helper()
	var want T
	wantErr := json.Unmarshal(data, &want)
	got, err := dec(data)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("%s(%q) err = %v, encoding/json %v", name, data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%s(%q) = %#v, encoding/json %#v", name, data, got, want)
	}
}
