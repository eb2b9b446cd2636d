package core

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// "." and ".." are valid path-escaped strings but dot segments: a proxy
// normalising /organizations/org_1/memberships/.. would turn a membership
// delete into an organization delete.
func TestPathParamDotSegmentsRejected(t *testing.T) {
	var hits atomic.Int32
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }, newFakeClock())
	for _, id := range []string{".", ".."} {
		_, err := c.Call(context.Background(), "organizationMemberships.delete",
			map[string]any{"organization_id": "org_1", "user_id": id})
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != "user_id" {
			t.Errorf("user_id %q: err %v, want a ParamError on user_id", id, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent", hits.Load())
	}
	// A dot inside an id is fine.
	if _, err := c.Call(context.Background(), "users.get", map[string]any{"user_id": "a..b"}); err != nil {
		t.Errorf("a..b: %v", err)
	}
}

// A filename or content type with CR/LF would inject headers into the
// multipart part.
func TestMultipartRejectsHeaderInjection(t *testing.T) {
	var hits atomic.Int32
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }, newFakeClock())
	for _, f := range []map[string]any{
		{"filename": "a.png\r\nContent-Type: text/html", "data": "AAAA"},
		{"filename": "a.png", "content_type": "image/png\r\nX-Evil: 1", "data": "AAAA"},
	} {
		_, err := c.Call(context.Background(), "users.setProfileImage", map[string]any{"user_id": "user_1", "file": f})
		var pe *ParamError
		if !errors.As(err, &pe) || pe.Param != "file" {
			t.Errorf("%v: err %v, want a ParamError on file", f, err)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests sent", hits.Load())
	}
}

// JSON params with trailing content ({"a":1}{"b":2}) are a mistake, not
// an object followed by noise to ignore.
func TestParamsTrailingJSONRejected(t *testing.T) {
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {}, newFakeClock())
	_, err := c.Call(context.Background(), "users.get", []byte(`{"user_id":"user_1"} {"user_id":"user_2"}`))
	var pe *ParamError
	if !errors.As(err, &pe) {
		t.Errorf("err %v, want a ParamError", err)
	}
}

// A nil pointer whose type has a value-receiver String method must be an
// error, not a panic inside fmt.Stringer.
func TestNilStringerParamIsAnError(t *testing.T) {
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {}, newFakeClock())
	var when *time.Time
	for _, params := range []map[string]any{
		{"user_id": when},
		{"user_id": "u", "file": when},
	} {
		_, err := c.Call(context.Background(), "users.get", params)
		var pe *ParamError
		if !errors.As(err, &pe) {
			t.Errorf("%v: err %v, want a ParamError", params, err)
		}
	}
	_, err := c.Call(context.Background(), "users.list", map[string]any{"limit": when})
	var pe *ParamError
	if !errors.As(err, &pe) || pe.Param != "limit" {
		t.Errorf("query: err %v, want a ParamError on limit", err)
	}
}
