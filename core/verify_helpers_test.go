package core

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testNow is the fixed "now" of the verification tests.
var testNow = time.Unix(1_750_000_000, 0)

// verifyClock is a settable clock whose Sleep returns at once, moving time
// forward, so JWKS retries cost nothing and TTLs are exact.
type verifyClock struct {
	mu  sync.Mutex
	now time.Time
}

func newVerifyClock() *verifyClock { return &verifyClock{now: testNow} }

func (c *verifyClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *verifyClock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

func (c *verifyClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// jwksServer is an httptest BAPI that serves /v1/jwks and counts requests.
type jwksServer struct {
	*httptest.Server
	mu       sync.Mutex
	body     []byte
	status   []int // statuses to answer before serving body, consumed in order
	requests atomic.Int64
	gate     chan struct{} // when non-nil, requests wait for it to close
	arrived  chan struct{} // receives once per request, when non-nil
	lastAuth atomic.Value
	lastPath atomic.Value
}

const testSecretKey = "sk_test_verifysecretdonotprint0123456789"

func newJWKSServer(t testing.TB, body []byte) *jwksServer {
	s := &jwksServer{body: body}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.requests.Add(1)
		s.lastAuth.Store(r.Header.Get("Authorization"))
		s.lastPath.Store(r.URL.Path)
		if s.arrived != nil {
			s.arrived <- struct{}{}
		}
		if s.gate != nil {
			<-s.gate
		}
		s.mu.Lock()
		var status int
		if len(s.status) > 0 {
			status, s.status = s.status[0], s.status[1:]
		}
		body := s.body
		s.mu.Unlock()
		if r.URL.Path != "/v1/jwks" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch status {
		case 0:
			_, _ = w.Write(body)
		case 401:
			w.WriteHeader(401)
			_, _ = w.Write([]byte(`{"errors":[{"code":"clerk_key_invalid","message":"Secret key invalid","long_message":"The provided secret key is invalid"}],"clerk_trace_id":"tr_1"}`))
		default:
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"errors":[{"code":"internal_clerk_error","message":"Oops"}]}`))
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setBody(b []byte) {
	s.mu.Lock()
	s.body = b
	s.mu.Unlock()
}

func (s *jwksServer) failNext(statuses ...int) {
	s.mu.Lock()
	s.status = append(s.status, statuses...)
	s.mu.Unlock()
}

func (s *jwksServer) opts() VerifyOptions {
	return VerifyOptions{SecretKey: testSecretKey, APIURL: s.URL}
}

// wantReason fails unless err is a *TokenVerificationError with reason.
func wantReason(t *testing.T, err error, reason string) *TokenVerificationError {
	t.Helper()
	if err == nil {
		t.Fatalf("verification succeeded, want reason %s", reason)
	}
	te, ok := err.(*TokenVerificationError)
	if !ok {
		t.Fatalf("error %T %v, want *TokenVerificationError", err, err)
	}
	if te.Reason != reason {
		t.Fatalf("reason %s (%s), want %s", te.Reason, te.Message, reason)
	}
	if strings.Contains(te.Error(), testSecretKey) {
		t.Fatalf("error leaks the secret key: %s", te.Error())
	}
	return te
}
