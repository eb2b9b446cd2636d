package core

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock advances only when the client sleeps, so retry tests are exact
// and instant.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func (f *fakeClock) total() time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	var t time.Duration
	for _, d := range f.sleeps {
		t += d
	}
	return t
}

var (
	opPost = &Operation{Name: "things.create", HTTPMethod: "POST", Path: "/things", Body: &Body{ContentType: "application/json"}}
	opGet  = &Operation{Name: "things.get", HTTPMethod: "GET", Path: "/things/{thing_id}", Params: []Param{{Name: "thing_id", In: "path", Type: "string", Required: true}}}
)

func testClient(t *testing.T, h http.HandlerFunc, clk Clock) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return NewClient(NewClientConfig().WithSecretKey("sk_test_abc").WithAPIURL(srv.URL).WithClock(clk))
}

// script answers the n-th request with statuses[n] (the last one repeats).
func script(count *atomic.Int32, statuses ...int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := int(count.Add(1)) - 1
		st := statuses[min(n, len(statuses)-1)]
		if st == 429 {
			w.Header().Set("Retry-After", "7")
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		if st >= 400 {
			fmt.Fprintf(w, `{"errors":[{"code":"c%d","message":"m","long_message":"lm"}],"clerk_trace_id":"tr"}`, st)
			return
		}
		fmt.Fprint(w, `{"id":"x"}`)
	}
}

func TestRetryPolicy(t *testing.T) {
	cases := []struct {
		name     string
		op       *Operation
		statuses []int
		opts     []CallOption
		wantN    int32
		wantErr  bool
	}{
		{"429 retried for POST", opPost, []int{429, 200}, nil, 2, false},
		{"503 retried for POST", opPost, []int{503, 503, 200}, nil, 3, false},
		{"500 not replayed for POST", opPost, []int{500, 200}, nil, 1, true},
		{"502 not replayed for POST", opPost, []int{502, 200}, nil, 1, true},
		{"504 not replayed for POST", opPost, []int{504, 200}, nil, 1, true},
		{"500 replayed for POST when opted in", opPost, []int{500, 200}, []CallOption{WithReplayNonIdempotent()}, 2, false},
		{"500 replayed for GET", opGet, []int{500, 502, 504, 200}, nil, 4, false},
		{"422 never retried", opGet, []int{422, 200}, nil, 1, true},
		{"per-call disabled wins", opGet, []int{503, 200}, []CallOption{WithRetry(RetryConfig{Disabled: true})}, 1, true},
		{"max attempts", opGet, []int{503}, []CallOption{WithRetry(RetryConfig{MaxAttempts: 3})}, 3, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var n atomic.Int32
			clk := newFakeClock()
			c := testClient(t, script(&n, tc.statuses...), clk)
			_, err := c.Do(context.Background(), tc.op, map[string]any{"thing_id": "t1"}, tc.opts...)
			if got := n.Load(); got != tc.wantN {
				t.Errorf("requests = %d, want %d", got, tc.wantN)
			}
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if err != nil {
				var ae *APIError
				if !errors.As(err, &ae) {
					t.Fatalf("error %T is not *APIError", err)
				}
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	var n atomic.Int32
	clk := newFakeClock()
	c := testClient(t, script(&n, 429, 200), clk)
	if _, err := c.Do(context.Background(), opPost, nil); err != nil {
		t.Fatal(err)
	}
	if len(clk.sleeps) != 1 || clk.sleeps[0] < 7*time.Second {
		t.Fatalf("sleeps = %v, want one of at least Retry-After 7s", clk.sleeps)
	}
}

func TestPerCallRetryOverridesClient(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(script(&n, 503, 200))
	defer srv.Close()
	clk := newFakeClock()
	// The client disables retries; the call enables them: the call wins.
	c := NewClient(NewClientConfig().WithSecretKey("sk_test_abc").WithAPIURL(srv.URL).WithClock(clk).WithRetry(RetryConfig{Disabled: true}))
	if _, err := c.Do(context.Background(), opGet, map[string]any{"thing_id": "a"}, WithRetry(RetryConfig{InitialInterval: time.Second})); err != nil {
		t.Fatalf("per-call retry ignored: %v", err)
	}
	if n.Load() != 2 {
		t.Fatalf("requests = %d, want 2", n.Load())
	}
	if clk.sleeps[0] < 750*time.Millisecond {
		t.Fatalf("per-call initial interval ignored: slept %v", clk.sleeps[0])
	}
}

func TestMaxElapsedRespected(t *testing.T) {
	var n atomic.Int32
	clk := newFakeClock()
	c := testClient(t, script(&n, 503), clk)
	rc := RetryConfig{InitialInterval: time.Second, MaxInterval: 4 * time.Second, Exponent: 2, MaxElapsedTime: 20 * time.Second}
	_, err := c.Do(context.Background(), opGet, map[string]any{"thing_id": "a"}, WithRetry(rc))
	if err == nil {
		t.Fatal("want error after max elapsed")
	}
	if tot := clk.total(); tot > 20*time.Second {
		t.Fatalf("slept %v in all, beyond MaxElapsedTime 20s", tot)
	}
	if n.Load() < 4 {
		t.Fatalf("only %d attempts within 20s of backoff starting at 1s", n.Load())
	}
}

func TestRetryAfterBeyondMaxElapsedReturnsAtOnce(t *testing.T) {
	var n atomic.Int32
	clk := newFakeClock()
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"errors":[{"code":"too_many_requests","message":"slow down"}]}`)
	}, clk)
	_, err := c.Do(context.Background(), opPost, nil, WithRetry(RetryConfig{MaxElapsedTime: time.Minute}))
	ae, ok := AsAPIError(err)
	if !ok || ae.StatusCode != 429 || ae.RetryAfter != time.Hour || !IsRateLimited(err) {
		t.Fatalf("err = %v, want 429 with RetryAfter 1h", err)
	}
	if n.Load() != 1 || len(clk.sleeps) != 0 {
		t.Fatalf("requests=%d sleeps=%v, want 1 request and no sleep", n.Load(), clk.sleeps)
	}
}

func TestConnectionErrors(t *testing.T) {
	// A refused connection never sent anything: even a POST is retried.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	clk := newFakeClock()
	c := NewClient(NewClientConfig().WithSecretKey("sk_test_abc").WithAPIURL("http://" + addr).WithClock(clk))
	_, err = c.Do(context.Background(), opPost, nil, WithRetry(RetryConfig{MaxAttempts: 3}))
	var te *TransportError
	if !errors.As(err, &te) || te.Attempts != 3 || !IsNotSent(err) {
		t.Fatalf("err = %v, want a not-sent TransportError after 3 attempts", err)
	}

	// A reset after the request was read may have been applied: a POST is
	// not replayed, a GET is.
	var n atomic.Int32
	reset := func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			conn.Close()
		}
	}
	c2 := testClient(t, reset, newFakeClock())
	_, err = c2.Do(context.Background(), opPost, map[string]any{"a": 1}, WithRetry(RetryConfig{MaxAttempts: 3}))
	if err == nil || IsNotSent(err) || n.Load() != 1 {
		t.Fatalf("POST after reset: err=%v requests=%d, want 1 request and a maybe-sent error", err, n.Load())
	}
	n.Store(0)
	_, err = c2.Do(context.Background(), opGet, map[string]any{"thing_id": "x"}, WithRetry(RetryConfig{MaxAttempts: 3}))
	if err == nil || n.Load() != 3 {
		t.Fatalf("GET after reset: err=%v requests=%d, want 3 attempts", err, n.Load())
	}
	if strings.Contains(err.Error(), "sk_test_abc") {
		t.Fatal("secret key leaked into error")
	}
}

func TestErrorDecoding(t *testing.T) {
	t.Run("clerk errors", func(t *testing.T) {
		c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(422)
			fmt.Fprint(w, `{"errors":[{"code":"form_identifier_exists","message":"taken","long_message":"That email address is taken.","meta":{"param_name":"email_address"}}],"clerk_trace_id":"trace123"}`)
		}, newFakeClock())
		_, err := c.Do(context.Background(), opPost, nil)
		ae, ok := AsAPIError(err)
		if !ok {
			t.Fatalf("err %T", err)
		}
		if ae.StatusCode != 422 || ae.TraceID != "trace123" || ae.Code() != "form_identifier_exists" || !IsIdentifierExists(err) {
			t.Fatalf("decoded %+v", ae)
		}
		if ae.Errors[0].LongMessage != "That email address is taken." || string(ae.Errors[0].Meta) != `{"param_name":"email_address"}` {
			t.Fatalf("item %+v", ae.Errors[0])
		}
		if !strings.Contains(err.Error(), "form_identifier_exists") || !strings.Contains(err.Error(), "trace123") {
			t.Fatalf("message %q", err.Error())
		}
	})
	t.Run("trace header and not found", func(t *testing.T) {
		c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Clerk-Trace-Id", "hdr-trace")
			w.WriteHeader(404)
			fmt.Fprint(w, `{"errors":[{"code":"resource_not_found","message":"not found"}]}`)
		}, newFakeClock())
		_, err := c.Do(context.Background(), opGet, map[string]any{"thing_id": "x"})
		ae, _ := AsAPIError(err)
		if !IsNotFound(err) || ae.TraceID != "hdr-trace" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("non-JSON body", func(t *testing.T) {
		c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(418)
			fmt.Fprint(w, "<html><body>teapot\n</body></html>")
		}, newFakeClock())
		_, err := c.Do(context.Background(), opGet, map[string]any{"thing_id": "x"})
		ae, ok := AsAPIError(err)
		if !ok || ae.StatusCode != 418 || len(ae.Errors) != 0 || !strings.Contains(err.Error(), "teapot") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestRequestBuildingErrors(t *testing.T) {
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) { t.Error("no request expected") }, newFakeClock())
	ctx := context.Background()
	if _, err := c.Do(ctx, opGet, nil); err == nil || !strings.Contains(err.Error(), `"thing_id": is required`) {
		t.Errorf("missing path param: %v", err)
	}
	if _, err := c.Do(ctx, opGet, map[string]any{"thing_id": "a", "bogus": 1}); err == nil || !strings.Contains(err.Error(), "bogus") {
		t.Errorf("unknown param: %v", err)
	}
	if _, err := c.Do(ctx, opGet, json.RawMessage(`[1,2]`)); err == nil || !strings.Contains(err.Error(), "JSON object") {
		t.Errorf("array params: %v", err)
	}
	if _, err := c.Do(ctx, opGet, map[string]any{"thing_id": map[string]any{}}); err == nil {
		t.Error("object path param accepted")
	}
	if _, err := c.Call(ctx, "users.lsit", nil); err == nil || !strings.Contains(err.Error(), "unknown operation") {
		t.Errorf("unknown op: %v", err)
	}
	noKey := NewClient(NewClientConfig().WithSecretKey("").WithAPIURL("http://127.0.0.1:1"))
	if _, err := noKey.Do(ctx, opPost, nil); err == nil || !strings.Contains(err.Error(), "missing secret key") {
		t.Errorf("missing key: %v", err)
	}
}

func TestMultipartBody(t *testing.T) {
	op := &Operation{Name: "users.setProfileImage", HTTPMethod: "POST", Path: "/users/{user_id}/profile_image",
		Params: []Param{{Name: "user_id", In: "path", Type: "string", Required: true}},
		Body:   &Body{ContentType: "multipart/form-data", Required: true}}
	var got struct {
		path, name, ctype string
		data              []byte
	}
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		got.path = r.URL.EscapedPath()
		mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "multipart/form-data" {
			t.Errorf("content type %q", r.Header.Get("Content-Type"))
			return
		}
		mr := multipart.NewReader(r.Body, params["boundary"])
		p, err := mr.NextPart()
		if err != nil {
			t.Error(err)
			return
		}
		got.name, got.ctype = p.FileName(), p.Header.Get("Content-Type")
		got.data, _ = io.ReadAll(p)
		fmt.Fprint(w, `{"id":"user_1"}`)
	}, newFakeClock())
	params := map[string]any{"user_id": "user 1", "file": map[string]any{"filename": "me.png", "content_type": "image/png", "data": "iVBORw=="}}
	if _, err := c.Do(context.Background(), op, params); err != nil {
		t.Fatal(err)
	}
	if got.path != "/v1/users/user%201/profile_image" || got.name != "me.png" || got.ctype != "image/png" || string(got.data) != "\x89PNG" {
		t.Fatalf("got %+v", got)
	}
}

func TestPaginateShapes(t *testing.T) {
	items := make([]string, 23)
	for i := range items {
		items[i] = fmt.Sprintf(`{"id":"it_%02d"}`, i)
	}
	page := func(r *http.Request) []string {
		q := r.URL.Query()
		var limit, offset int
		fmt.Sscan(q.Get("limit"), &limit)
		fmt.Sscan(q.Get("offset"), &offset)
		if sa := q.Get("starting_after"); sa != "" {
			for i, it := range items {
				if strings.Contains(it, `"`+sa+`"`) {
					offset = i + 1
				}
			}
		}
		end := min(offset+limit, len(items))
		if offset > end {
			return nil
		}
		return items[offset:end]
	}
	cases := []struct {
		name  string
		op    *Operation
		write func(w io.Writer, r *http.Request, p []string)
		check func(t *testing.T, r *http.Request)
	}{
		{"bare array with paginated=true",
			&Operation{Name: "a.list", HTTPMethod: "GET", Path: "/a", Params: []Param{{Name: "limit", In: "query"}, {Name: "offset", In: "query"}, {Name: "paginated", In: "query"}}, Response: Response{Shape: ShapeArray, Paginated: true}},
			func(w io.Writer, r *http.Request, p []string) {
				fmt.Fprintf(w, `{"data":[%s],"total_count":%d}`, strings.Join(p, ","), len(items))
			},
			func(t *testing.T, r *http.Request) {
				if r.URL.Query().Get("paginated") != "true" {
					t.Errorf("paginated not sent: %s", r.URL.RawQuery)
				}
			}},
		{"data list",
			&Operation{Name: "b.list", HTTPMethod: "GET", Path: "/b", Params: []Param{{Name: "limit", In: "query"}, {Name: "offset", In: "query"}}, Response: Response{Shape: ShapeList}},
			func(w io.Writer, r *http.Request, p []string) {
				fmt.Fprintf(w, `{"data":[%s],"total_count":%d}`, strings.Join(p, ","), len(items))
			}, nil},
		{"items key",
			&Operation{Name: "m.list", HTTPMethod: "GET", Path: "/m2m_tokens", Params: []Param{{Name: "limit", In: "query"}, {Name: "offset", In: "query"}}, Response: Response{Shape: ShapeOther, ItemsKey: "m2m_tokens"}},
			func(w io.Writer, r *http.Request, p []string) {
				fmt.Fprintf(w, `{"m2m_tokens":[%s],"total_count":%d}`, strings.Join(p, ","), len(items))
			},
			func(t *testing.T, r *http.Request) {
				if l := r.URL.Query().Get("limit"); l != "5" {
					t.Errorf("limit = %s", l)
				}
			}},
		{"users cursor",
			&Operation{Name: "users.list", HTTPMethod: "GET", Path: "/users", Params: []Param{{Name: "limit", In: "query"}, {Name: "offset", In: "query"}, {Name: "starting_after", In: "query"}, {Name: "order_by", In: "query"}}, Response: Response{Shape: ShapeArray}},
			func(w io.Writer, r *http.Request, p []string) { fmt.Fprintf(w, `[%s]`, strings.Join(p, ",")) },
			func(t *testing.T, r *http.Request) {
				if r.URL.Query().Has("offset") {
					t.Errorf("cursor walk sent offset: %s", r.URL.RawQuery)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var reqs atomic.Int32
			c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
				reqs.Add(1)
				if tc.check != nil {
					tc.check(t, r)
				}
				tc.write(w, r, page(r))
			}, newFakeClock())
			operations() // decode the table before patching it
			prev, had := opTable.byName[tc.op.Name]
			opTable.byName[tc.op.Name] = tc.op
			defer func() {
				if had {
					opTable.byName[tc.op.Name] = prev // the real entry of the generated table
				} else {
					delete(opTable.byName, tc.op.Name)
				}
			}()
			var got []string
			for it, err := range c.Paginate(context.Background(), tc.op.Name, map[string]any{"limit": 5}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, string(it))
			}
			if len(got) != len(items) || got[0] != items[0] || got[22] != items[22] {
				t.Fatalf("got %d items %v", len(got), got)
			}
			if reqs.Load() != 5 {
				t.Fatalf("requests = %d, want 5 pages of 5", reqs.Load())
			}
		})
	}
}

func TestHeadersSent(t *testing.T) {
	var h http.Header
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		h = r.Header.Clone()
		fmt.Fprint(w, `{}`)
	}, newFakeClock())
	if _, err := c.Do(context.Background(), opPost, map[string]any{"a": 1}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Authorization":     "Bearer sk_test_abc",
		"Clerk-Api-Version": DefaultClerkAPIVersion,
		"User-Agent":        "clerkscript/" + Version,
		"Content-Type":      "application/json",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
}

// A server that ignores starting_after must not make Paginate loop.
func TestPaginateCursorIgnored(t *testing.T) {
	op := &Operation{Name: "users.list", HTTPMethod: "GET", Path: "/users", Params: []Param{{Name: "limit", In: "query"}, {Name: "offset", In: "query"}, {Name: "starting_after", In: "query"}}, Response: Response{Shape: ShapeArray}}
	var reqs atomic.Int32
	c := testClient(t, func(w http.ResponseWriter, r *http.Request) {
		reqs.Add(1)
		fmt.Fprint(w, `[{"id":"a"},{"id":"b"}]`)
	}, newFakeClock())
	operations() // decode the table before patching it
	prev := opTable.byName[op.Name]
	opTable.byName[op.Name] = op
	defer func() { opTable.byName[op.Name] = prev }()
	var err error
	n := 0
	for _, e := range c.Paginate(context.Background(), op.Name, map[string]any{"limit": 2}) {
		if e != nil {
			err = e
			break
		}
		n++
	}
	if err == nil || !strings.Contains(err.Error(), "ignored starting_after") || reqs.Load() != 2 || n != 4 {
		t.Fatalf("err=%v requests=%d items=%d", err, reqs.Load(), n)
	}
}

// NewClientConfig reads the environment; DefaultClientConfig reads nothing.
func TestDefaultClientConfigReadsNoEnvironment(t *testing.T) {
	t.Setenv("CLERK_SECRET_KEY", "sk_test_fromenv")
	t.Setenv("CLERK_API_URL", "http://127.0.0.1:1/")
	t.Setenv("CLERK_API_VERSION", "v9")
	d := DefaultClientConfig()
	if d.secretKey != "" || d.apiURL != DefaultAPIURL || d.apiVersion != DefaultAPIVersion {
		t.Errorf("DefaultClientConfig read the environment: %q %q %q", d.secretKey, d.apiURL, d.apiVersion)
	}
	e := NewClientConfig()
	if e.secretKey != "sk_test_fromenv" || e.apiURL != "http://127.0.0.1:1" || e.apiVersion != "v9" {
		t.Errorf("NewClientConfig: %q %q %q", e.secretKey, e.apiURL, e.apiVersion)
	}
}

// Operations hands out a copy: changing it does not change the table.
func TestOperationsIsACopy(t *testing.T) {
	ops := Operations()
	op, _ := LookupOperation("users.list")
	for i := range ops {
		if ops[i].Name == "users.list" {
			ops[i].Path = "/changed"
			ops[i].Params[0].Name = "changed"
		}
	}
	again, _ := LookupOperation("users.list")
	if again.Path != "/users" || op.Params[0].Name == "changed" || Operations()[0].Path == "/changed" {
		t.Errorf("the shared table changed: %s %s", again.Path, op.Params[0].Name)
	}
}
