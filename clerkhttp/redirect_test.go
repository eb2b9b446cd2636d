package clerkhttp_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/clerkhttp"
	"github.com/clerkscript/clerkscript/core"
)

// The middleware's JWKS fetch does not follow a redirect from the API URL:
// the target (another port of the same host) never sees the secret key.
func TestMiddlewareJWKSRedirectNotFollowed(t *testing.T) {
	var targetHits, apiHits atomic.Int64
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		targetHits.Add(1)
		_, _ = w.Write([]byte(`{"keys":[]}`))
	}))
	t.Cleanup(target.Close)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiHits.Add(1)
		http.Redirect(w, r, target.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(api.Close)
	m, err := clerkhttp.New(core.AuthenticateOptions{
		SecretKey:      "sk_live_redirect",
		APIURL:         api.URL,
		PublishableKey: core.BuildPublishableKey(fapi, true),
		Now:            func() time.Time { return now },
	}, clerkhttp.RequireAuth())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler ran without a verified session")
	})))
	t.Cleanup(srv.Close)
	resp, _ := do(t, srv, map[string]string{"Authorization": "Bearer " + token(nil)})
	if resp.StatusCode < 400 {
		t.Errorf("status %d, want a refusal", resp.StatusCode)
	}
	if apiHits.Load() == 0 || targetHits.Load() != 0 {
		t.Errorf("API hits %d, redirect target hits %d: the redirect was followed", apiHits.Load(), targetHits.Load())
	}
}
