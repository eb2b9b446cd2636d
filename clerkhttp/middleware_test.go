package clerkhttp_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/clerkhttp"
	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/testkeys"
)

var (
	now  = time.Unix(1_760_000_000, 0)
	fapi = "clerk.example.com"
)

func token(over map[string]any) string {
	c := map[string]any{"sub": "user_1", "sid": "sess_1", "iss": "https://" + fapi,
		"iat": now.Unix() - 10, "exp": now.Unix() + 60}
	for k, v := range over {
		c[k] = v
	}
	return testkeys.Mint(c, "", "")
}

// server runs the middleware in front of a handler that reports the auth
// object, over real HTTP on loopback.
func server(t *testing.T, opts ...clerkhttp.Option) *httptest.Server {
	t.Helper()
	m, err := clerkhttp.New(core.AuthenticateOptions{
		SecretKey:      "sk_live_x",
		JWTKey:         testkeys.Primary.PublicPEM(),
		PublishableKey: core.BuildPublishableKey(fapi, true),
		Now:            func() time.Time { return now },
	}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := clerkhttp.AuthFromContext(r.Context())
		if !ok {
			http.Error(w, "no auth in context", 500)
			return
		}
		fmt.Fprintf(w, "user=%s authenticated=%v", a.UserID, a.IsAuthenticated)
	})))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, srv *httptest.Server, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/dashboard", nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMiddleware(t *testing.T) {
	uat := strconv.FormatInt(now.Unix()-100, 10)
	open := server(t)
	required := server(t, clerkhttp.RequireAuth())

	resp, body := do(t, open, map[string]string{"Authorization": "Bearer " + token(nil)})
	if resp.StatusCode != 200 || body != "user=user_1 authenticated=true" {
		t.Errorf("signed in: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, open, map[string]string{"Cookie": "__session=" + token(nil) + "; __client_uat=" + uat})
	if resp.StatusCode != 200 || body != "user=user_1 authenticated=true" {
		t.Errorf("cookie: %d %q", resp.StatusCode, body)
	}
	resp, body = do(t, open, nil)
	if resp.StatusCode != 200 || body != "user= authenticated=false" || resp.Header.Get("X-Clerk-Auth-Status") != "signed-out" {
		t.Errorf("optional auth, signed out: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, body = do(t, required, map[string]string{"Authorization": "Bearer nope"})
	if resp.StatusCode != 401 || resp.Header.Get("X-Clerk-Auth-Reason") != "token-invalid" || strings.Contains(body, "user=") {
		t.Errorf("required auth, bad token: %d %q %v", resp.StatusCode, body, resp.Header)
	}
	resp, _ = do(t, required, map[string]string{"Authorization": "Bearer " + token(nil)})
	if resp.StatusCode != 200 {
		t.Errorf("required auth, good token: %d", resp.StatusCode)
	}
	// A pending session is not authenticated by default.
	resp, _ = do(t, required, map[string]string{"Authorization": "Bearer " + token(map[string]any{"sts": "pending"})})
	if resp.StatusCode != 401 {
		t.Errorf("pending session: %d", resp.StatusCode)
	}

	// Page load with a stale session: a handshake redirect.
	resp, _ = do(t, required, map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__session=" + token(nil)})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || !strings.HasPrefix(loc, "https://"+fapi+"/v1/client/handshake?") ||
		resp.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(resp.Header.Get("Set-Cookie"), "__clerk_redirect_count=1") {
		t.Errorf("handshake: %d %v", resp.StatusCode, resp.Header)
	}
	// The same request to an API-only middleware is a plain 401.
	api := server(t, clerkhttp.RequireAuth(), clerkhttp.WithoutHandshake())
	resp, _ = do(t, api, map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__session=" + token(nil)})
	if resp.StatusCode != 401 || resp.Header.Get("Location") != "" || resp.Header.Get("X-Clerk-Auth-Status") != "signed-out" {
		t.Errorf("no-handshake: %d %v", resp.StatusCode, resp.Header)
	}

	// A handshake token in the URL sets the cookies it carries.
	hs := testkeys.Mint(map[string]any{"handshake": []string{"__session=" + token(nil) + "; Path=/", "__client_uat=" + uat + "; Path=/"}}, "", "")
	req, _ := http.NewRequest("GET", open.URL+"/?__clerk_handshake="+hs, nil)
	r2, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r2.Body)
	r2.Body.Close()
	if r2.StatusCode != 200 || len(r2.Header.Values("Set-Cookie")) != 2 || string(b) != "user=user_1 authenticated=true" {
		t.Errorf("handshake resolution: %d %v %q", r2.StatusCode, r2.Header, b)
	}

	// Custom failure handler.
	custom := server(t, clerkhttp.RequireAuth(), clerkhttp.WithUnauthorizedHandler(func(w http.ResponseWriter, r *http.Request, st *core.RequestState) {
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprint(w, "custom:"+st.Reason)
	}))
	resp, body = do(t, custom, nil)
	if resp.StatusCode != 403 || body != "custom:session-token-and-uat-missing" {
		t.Errorf("custom handler: %d %q", resp.StatusCode, body)
	}
}

func TestMiddlewareConfigError(t *testing.T) {
	if _, err := clerkhttp.New(core.AuthenticateOptions{SecretKey: "sk_live_x"}); err == nil || !strings.Contains(err.Error(), "Publishable key is missing") {
		t.Errorf("err = %v", err)
	}
}
