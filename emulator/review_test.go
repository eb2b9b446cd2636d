package emulator

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// A form-encoded body is read, not silently dropped: a create that names an
// email address must not fail with "at least one identifier is required".
func TestFormEncodedBodyIsRead(t *testing.T) {
	e, _ := newTestEmulator(t)
	r := httptest.NewRequest("POST", "/v1/users", strings.NewReader("email_address=form%40example.com&first_name=Ann"))
	r.Header.Set("Authorization", "Bearer sk_test_k")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Fatalf("form-encoded users.create: HTTP %d %s", w.Code, w.Body)
	}
	var u struct {
		FirstName      string `json:"first_name"`
		EmailAddresses []struct {
			EmailAddress string `json:"email_address"`
		} `json:"email_addresses"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &u); err != nil || u.FirstName != "Ann" ||
		len(u.EmailAddresses) != 1 || u.EmailAddresses[0].EmailAddress != "form@example.com" {
		t.Fatalf("form fields lost: %s", w.Body)
	}

	// A malformed form body is a 400 naming the problem, not an empty body.
	r = httptest.NewRequest("POST", "/v1/users", strings.NewReader("email_address=%zz"))
	r.Header.Set("Authorization", "Bearer sk_test_k")
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code != http.StatusBadRequest || errCode(t, w) != "request_body_invalid" {
		t.Fatalf("malformed form body: HTTP %d %s", w.Code, w.Body)
	}
}

// countingReader hands out n zero bytes and counts what was read.
type countingReader struct {
	left int64
	read atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	n = min(n, c.left)
	clear(p[:n])
	c.left -= n
	c.read.Add(n)
	return int(n), nil
}

// A multipart body is bounded like a JSON one: a 64 MiB upload is refused
// with 413 after reading little more than the limit, rather than being
// spooled to disk in full.
func TestMultipartBodyIsBounded(t *testing.T) {
	e, _ := newTestEmulator(t)
	h := newHarnessFor(t, e)
	uid := str(h.obj("users.create", map[string]any{"external_id": "big"})["id"])

	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	hdr := textproto.MIMEHeader{}
	hdr.Set("Content-Disposition", `form-data; name="file"; filename="big.png"`)
	hdr.Set("Content-Type", "image/png")
	if _, err := mw.CreatePart(hdr); err != nil {
		t.Fatal(err)
	}
	const size = 64 << 20
	cr := &countingReader{left: size}
	tail := "\r\n--" + mw.Boundary() + "--\r\n"
	body := io.MultiReader(bytes.NewReader(head.Bytes()), cr, strings.NewReader(tail))
	r := httptest.NewRequest("POST", "/v1/users/"+uid+"/profile_image", body)
	r.Header.Set("Authorization", "Bearer sk_test_k")
	r.Header.Set("Content-Type", mw.FormDataContentType())
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("64 MiB multipart body: HTTP %d %s", w.Code, w.Body)
	}
	if got := cr.read.Load(); got > maxBody+1<<20 {
		t.Fatalf("read %d bytes of a %d-byte body; the limit is %d", got, size, maxBody)
	}
}

// newHarnessFor wraps an existing emulator in a harness (loopback server and
// core.Client), for tests that also need the emulator's Go API.
func newHarnessFor(t *testing.T, e *Emulator) *harness {
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	client := core.NewClient(core.NewClientConfig().WithSecretKey(e.SecretKey()).WithAPIURL(srv.URL).
		WithTransport(core.NewHTTPTransport(srv.Client())))
	return &harness{t: t, in: &Instance{URL: srv.URL, SecretKey: e.SecretKey(), Client: client, Emulator: e, Server: srv},
		called: map[string]bool{}}
}

// Save, Load and the key accessors may run while the emulator serves: the
// signing key is swapped by Load under the lock, so readers must take it too
// (go test -race fails otherwise).
func TestSaveLoadWhileServing(t *testing.T) {
	// No WithSecretKey: Load then replaces the secret key too.
	e, err := New(WithSigningKey(sharedKey().SigningKey()))
	if err != nil {
		t.Fatal(err)
	}
	sk := e.SecretKey()
	var saved bytes.Buffer
	if err := e.Save(&saved); err != nil {
		t.Fatal(err)
	}
	other, err := New(WithSeed(7), WithSecretKey(sk))
	if err != nil {
		t.Fatal(err)
	}
	var otherSaved bytes.Buffer
	if err := other.Save(&otherSaved); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				src := saved.Bytes()
				if (i+j)%2 == 0 {
					src = otherSaved.Bytes()
				}
				if err := e.Load(bytes.NewReader(src)); err != nil {
					t.Error(err)
					return
				}
				if err := e.Save(io.Discard); err != nil {
					t.Error(err)
					return
				}
				_ = e.PublicKeyPEM()
				_ = e.JWKS()
				_ = e.SigningKey()
				w := rawDo(t, e, "GET", "/v1/users/count", sk, "")
				if w.Code != http.StatusOK {
					t.Errorf("users.count: HTTP %d", w.Code)
				}
			}
		}()
	}
	wg.Wait()
}

// Setting external_id to "" clears it, as an empty external_id on create
// does, rather than making "" an id that only one user may hold.
func TestUpdateEmptyExternalIDClears(t *testing.T) {
	h := newHarness(t)
	a := str(h.obj("users.create", map[string]any{"external_id": "a"})["id"])
	b := str(h.obj("users.create", map[string]any{"external_id": "b"})["id"])
	ua := h.obj("users.update", map[string]any{"user_id": a, "external_id": ""})
	if ua["external_id"] != nil {
		t.Fatalf("external_id after clearing with \"\": %v", ua["external_id"])
	}
	ub := h.obj("users.update", map[string]any{"user_id": b, "external_id": ""})
	if ub["external_id"] != nil {
		t.Fatalf("second user's external_id after clearing with \"\": %v", ub["external_id"])
	}
}

// A hand-edited state whose records disagree (an email filed under a user
// that does not list it, one identification listed by two users, an id
// listed under the wrong kind) is refused on load with a message naming the
// record: otherwise deleting the user would leave an orphan that holds the
// address forever and makes the next save unloadable.
func TestLoadRejectsInconsistentIdentifications(t *testing.T) {
	e, _ := newTestEmulator(t)
	h := newHarnessFor(t, e)
	u1 := h.obj("users.create", map[string]any{"email_address": []string{"one@example.com"}, "phone_number": []string{"+15555550100"}})
	u2 := h.obj("users.create", map[string]any{"email_address": []string{"two@example.com"}})
	id1, id2 := str(u1["id"]), str(u2["id"])
	em1 := str(u1["primary_email_address_id"])
	ph1 := str(u1["primary_phone_number_id"])
	em2 := str(u2["primary_email_address_id"])

	edit := func(f func(st map[string]any)) []byte {
		var buf bytes.Buffer
		if err := e.Save(&buf); err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		f(doc["state"].(map[string]any))
		b, _ := json.Marshal(doc)
		return b
	}
	user := func(st map[string]any, id string) map[string]any {
		return st["users"].(map[string]any)[id].(map[string]any)
	}
	cases := map[string]struct {
		edit func(st map[string]any)
		want string
	}{
		"unlisted": {func(st map[string]any) { user(st, id1)["email_ids"] = []string{} }, em1},
		"listed twice": {func(st map[string]any) {
			user(st, id2)["email_ids"] = []string{em2, em1}
		}, em1},
		"wrong kind": {func(st map[string]any) {
			user(st, id1)["email_ids"] = []string{em1, ph1}
			user(st, id1)["phone_ids"] = []string{}
		}, ph1},
		"primary elsewhere": {func(st map[string]any) { user(st, id2)["primary_email_address_id"] = em1 }, id2},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			f, _ := newTestEmulator(t)
			err := f.Load(bytes.NewReader(edit(c.edit)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want an error naming %s, got %v", c.want, err)
			}
		})
	}
}

// A hand-edited state whose id counter was set back must not hand out an id
// that a record already has (which would silently replace that record).
func TestLoadedCounterNeverReusesIDs(t *testing.T) {
	e, _ := newTestEmulator(t)
	h := newHarnessFor(t, e)
	for i := range 3 {
		h.ok("users.create", map[string]any{"external_id": fmt.Sprint("x", i)})
	}
	var buf bytes.Buffer
	if err := e.Save(&buf); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	doc["state"].(map[string]any)["ids"].(map[string]any)["n"] = 2
	b, _ := json.Marshal(doc)
	if err := e.Load(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		h.ok("users.create", map[string]any{"external_id": fmt.Sprint("y", i)})
	}
	n := h.obj("users.count", nil)["total_count"]
	if fmt.Sprint(n) != "6" {
		t.Fatalf("users after 3 more creates: %v, want 6 (an id was reused)", n)
	}
}

// A JSON array sent to an operation whose body is an object is refused, not
// read as an empty body.
func TestArrayBodyForObjectOperation(t *testing.T) {
	e, _ := newTestEmulator(t)
	w := rawDo(t, e, "POST", "/v1/users", "sk_test_k", `[{"email_address":["a@example.com"]}]`)
	if w.Code != http.StatusBadRequest || errCode(t, w) != "request_body_invalid" {
		t.Fatalf("array body for users.create: HTTP %d %s", w.Code, w.Body)
	}
	w = rawDo(t, e, "POST", "/v1/invitations/bulk", "sk_test_k", `{"email_address":"a@example.com"}`)
	if w.Code != http.StatusBadRequest || errCode(t, w) != "request_body_invalid" {
		t.Fatalf("object body for invitations.bulkCreate: HTTP %d %s", w.Code, w.Body)
	}
}

// Hostile bodies get a 4xx with a Clerk error, never a panic or a 5xx.
func TestHostileBodies(t *testing.T) {
	e, _ := newTestEmulator(t)
	deep := strings.Repeat(`{"a":`, 20000) + "1" + strings.Repeat("}", 20000)
	cases := map[string]string{
		"deep nesting":       `{"public_metadata":` + deep + `,"external_id":"d"}`,
		"wrong type":         `{"email_address":{"x":1}}`,
		"number for string":  `{"external_id":12}`,
		"huge array of ints": `{"email_address":[` + strings.Repeat("1,", 100000) + `1]}`,
		"invalid json":       `{"external_id":"x"`,
		"trailing data":      `{"external_id":"x"} {}`,
		"scalar":             `"x"`,
	}
	for name, body := range cases {
		w := rawDo(t, e, "POST", "/v1/users", "sk_test_k", body)
		if w.Code < 400 || w.Code >= 500 {
			t.Errorf("%s: HTTP %d %s", name, w.Code, w.Body)
			continue
		}
		errCode(t, w)
	}
	// Duplicate keys: the last one wins, as Go's and Clerk's decoders do,
	// and invalid UTF-8 is replaced, never stored as broken text.
	w := rawDo(t, e, "POST", "/v1/users", "sk_test_k", "{\"external_id\":\"first\",\"external_id\":\"second\",\"first_name\":\"a\xffb\"}")
	if w.Code != http.StatusOK {
		t.Fatalf("duplicate keys: HTTP %d %s", w.Code, w.Body)
	}
	var u map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &u)
	if u["external_id"] != "second" || u["first_name"] != "a\uFFFDb" {
		t.Fatalf("duplicate keys / invalid UTF-8: %v %q", u["external_id"], u["first_name"])
	}
}

// Many clients at once: every identifier stays unique (emails compared
// without case), and a cursor walk over /users made while other clients
// create users sees every user that existed before it started exactly once.
func TestConcurrentClientsKeepUniquenessAndCursor(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	const before = 40
	existing := map[string]bool{}
	for i := range before {
		u := h.obj("users.create", map[string]any{"external_id": fmt.Sprint("pre", i)})
		existing[str(u["id"])] = true
	}
	var wg sync.WaitGroup
	var wins atomic.Int64
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Every client races for the same address, username and
			// external id, each spelled differently.
			email := "Race@Example.com"
			if i%2 == 1 {
				email = strings.ToLower(email)
			}
			_, err := h.in.Client.Call(ctx, "users.create", map[string]any{
				"email_address": []string{email}, "username": fmt.Sprintf("racer_%c", 'a'+i%2*('A'-'a')),
				"external_id": fmt.Sprint("racer-", i),
			}, core.WithRetry(core.RetryConfig{Disabled: true}))
			if err == nil {
				wins.Add(1)
			} else if !core.HasErrorCode(err, "form_identifier_exists") {
				t.Errorf("racing create: %v", err)
			}
			for j := range 5 {
				_, _ = h.in.Client.Call(ctx, "users.create", map[string]any{"external_id": fmt.Sprintf("bg-%d-%d", i, j)})
			}
		}()
	}
	seen := map[string]int{}
	after := ""
	for {
		p := map[string]any{"limit": 7}
		if after != "" {
			p["starting_after"] = after
		}
		raw, err := h.in.Client.Call(ctx, "users.list", p)
		if err != nil {
			t.Fatal(err)
		}
		var page []struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatal(err)
		}
		for _, u := range page {
			seen[u.ID]++
		}
		if len(page) < 7 {
			break
		}
		after = page[len(page)-1].ID
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent creates with the same email address succeeded, want 1", wins.Load())
	}
	for id := range existing {
		if seen[id] != 1 {
			t.Errorf("user %s seen %d times in the cursor walk", id, seen[id])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("user %s seen %d times", id, n)
		}
	}
}

// Per-user rate windows are keyed by a path parameter the caller chooses;
// ended windows must not pile up forever (one per user id ever patched).
func TestRateWindowsDoNotAccumulate(t *testing.T) {
	e, clk := newTestEmulator(t, WithRateLimit(RateLimit{Requests: 1 << 30, Window: 10 * time.Second}))
	for round := range 4 {
		for i := range 3000 {
			w := rawDo(t, e, "PATCH", fmt.Sprintf("/v1/users/user_%d_%d/metadata", round, i), "sk_test_k", `{}`)
			if w.Code != http.StatusNotFound {
				t.Fatalf("PATCH metadata of a missing user: HTTP %d", w.Code)
			}
		}
		clk.Advance(11 * time.Second)
	}
	e.limiter.mu.Lock()
	n := len(e.limiter.windows)
	e.limiter.mu.Unlock()
	if n > 2*3000+1 {
		t.Fatalf("%d rate windows kept after 4 rounds of 3000 users, 10 s apart", n)
	}
	// The budget itself still holds at the window's edge: a user's 11th
	// update in a window is refused until exactly the window's end.
	id := "user_edge"
	for i := range 10 {
		if w := rawDo(t, e, "PATCH", "/v1/users/"+id+"/metadata", "sk_test_k", `{}`); w.Code != http.StatusNotFound {
			t.Fatalf("update %d: HTTP %d", i, w.Code)
		}
	}
	clk.Advance(10*time.Second - time.Millisecond)
	w := rawDo(t, e, "PATCH", "/v1/users/"+id+"/metadata", "sk_test_k", `{}`)
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("11th update 1 ms before the window ends: HTTP %d, Retry-After %q", w.Code, w.Header().Get("Retry-After"))
	}
	clk.Advance(time.Millisecond)
	if w := rawDo(t, e, "PATCH", "/v1/users/"+id+"/metadata", "sk_test_k", `{}`); w.Code != http.StatusNotFound {
		t.Fatalf("update at the window's end: HTTP %d", w.Code)
	}
}

// NaN compares false with everything, so a range check written the obvious
// way lets it through; New must refuse it for the fault rate and the scale.
func TestNewRejectsNonFiniteSettings(t *testing.T) {
	nan := math.NaN()
	for name, opt := range map[string]Option{
		"fault rate NaN":  WithFaults(Faults{Rate: nan}),
		"scale NaN":       WithEndpointLimitScale(nan),
		"scale +Inf":      WithEndpointLimitScale(math.Inf(1)),
		"scale negative":  WithEndpointLimitScale(-1),
		"fault rate 1.01": WithFaults(Faults{Rate: 1.01}),
	} {
		if _, err := New(WithSigningKey(sharedKey().SigningKey()), opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	e, _ := newTestEmulator(t)
	if err := e.SetFaults(Faults{Rate: nan}); err == nil {
		t.Error("SetFaults accepted a NaN rate")
	}
}

// A hand-edited invitation status outside Clerk's words is refused on load
// with the invitation's id; "expired" in particular is derived, never stored.
func TestLoadRejectsUnknownInvitationStatus(t *testing.T) {
	e, _ := newTestEmulator(t)
	h := newHarnessFor(t, e)
	id := str(h.obj("invitations.create", map[string]any{"email_address": "inv@example.com"})["id"])
	var buf bytes.Buffer
	if err := e.Save(&buf); err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{"expired", "Pending", ""} {
		var doc map[string]any
		if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		doc["state"].(map[string]any)["invitations"].(map[string]any)[id].(map[string]any)["status"] = st
		b, _ := json.Marshal(doc)
		f, _ := newTestEmulator(t)
		if err := f.Load(bytes.NewReader(b)); err == nil || !strings.Contains(err.Error(), id) {
			t.Errorf("status %q: want an error naming %s, got %v", st, id, err)
		}
	}
}

// FuzzFormBody drives form-encoded bodies through the handlers: any input
// gets a success or a Clerk error, never a panic or a 5xx.
func FuzzFormBody(f *testing.F) {
	f.Add("/v1/users", "email_address=a%40b.co&first_name=A&banned=true")
	f.Add("/v1/users", "email_address[]=a%40b.co&email_address[]=c%40d.co&create_organizations_limit=3")
	f.Add("/v1/invitations", "email_address=x%40y.co&expires_in_days=7&notify=false")
	f.Add("/v1/users", "public_metadata=%7B%22a%22%3A1%7D&external_id=e")
	f.Add("/v1/users", "a=%zz&&=&;")
	e := mustNew(WithoutRateLimits())
	f.Fuzz(func(t *testing.T, path, body string) {
		if path != "/v1/users" && path != "/v1/invitations" && path != "/v1/organizations" {
			path = "/v1/users"
		}
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer sk_test_k")
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("%s %q: %d %s", path, body, w.Code, w.Body)
		}
		if w.Code >= 400 {
			errCode(t, w)
		}
	})
}
