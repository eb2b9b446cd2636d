package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// newHarnessFor wraps an existing emulator in a harness (loopback server and
// core.Client), for tests that also need the emulator's Go API.
func newHarnessFor(t *testing.T, e *Emulator) *harness {
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	client := core.NewClient(core.NewClientConfig().WithSecretKey(e.SecretKey()).WithAPIURL(srv.URL).
		WithTransport(core.NewHTTPTransport(srv.Client())))
	return &harness{t: t, in: &Instance{URL: srv.URL, SecretKey: e.SecretKey(), Client: client, Emulator: e},
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
		"primary elsewhere":         {func(st map[string]any) { user(st, id2)["primary_email_address_id"] = em1 }, id2},
		"same id twice in one user": {func(st map[string]any) { user(st, id1)["email_ids"] = []string{em1, em1} }, em1},
		"empty value": {func(st map[string]any) {
			st["identifications"].(map[string]any)[em2].(map[string]any)["value"] = ""
		}, em2},
		"same value": {func(st map[string]any) {
			st["identifications"].(map[string]any)[em2].(map[string]any)["value"] = "ONE@example.com"
		}, "same email_address"},
		"unknown kind": {func(st map[string]any) {
			st["identifications"].(map[string]any)[em2].(map[string]any)["kind"] = "web3_wallet"
		}, em2},
		"missing owner": {func(st map[string]any) {
			st["identifications"].(map[string]any)[em2].(map[string]any)["user_id"] = "user_gone"
		}, em2},
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

// A load sets each user's sort keys (its primary email in lower case and its
// primary phone, which order_by=email_address and phone_number compare) in
// the users' check rather than a pass of its own: they must come out as the
// handlers set them.
func TestLoadDerivesSortKeys(t *testing.T) {
	h := newHarness(t)
	for i, em := range []string{"Carol@Example.com", "alice@example.com", "BOB@example.com"} {
		h.ok("users.create", map[string]any{"email_address": []string{em, fmt.Sprintf("other%d@example.com", i)},
			"phone_number": []string{fmt.Sprintf("+1555555010%d", 3-i)}})
	}
	h.ok("users.create", map[string]any{"external_id": "no-identifications"})
	var saved bytes.Buffer
	if err := h.in.Emulator.Save(&saved); err != nil {
		t.Fatal(err)
	}
	e := mustNew(WithSecretKey(h.in.Emulator.SecretKey()))
	if err := e.Load(&saved); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, u := range e.st.Users.all() {
		want := *u
		deriveSortKeys{e.st}.add(&want)
		if u.sortEmail != want.sortEmail || u.sortPhone != want.sortPhone {
			t.Errorf("user %s: sort keys %q, %q after load; want %q, %q", u.ID, u.sortEmail, u.sortPhone, want.sortEmail, want.sortPhone)
		}
		if u.sortEmail != "" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d users with an email sort key, want 3", n)
	}
	h2 := newHarnessFor(t, e)
	byEmail := h2.list("users.list", map[string]any{"order_by": "email_address"})
	if len(byEmail) != 4 {
		t.Fatalf("%d users listed", len(byEmail))
	}
	var firsts []string
	for _, u := range byEmail[1:] {
		for _, a := range u.(map[string]any)["email_addresses"].([]any) {
			if a.(map[string]any)["id"] == u.(map[string]any)["primary_email_address_id"] {
				firsts = append(firsts, a.(map[string]any)["email_address"].(string))
			}
		}
	}
	if strings.Join(firsts, " ") != "alice@example.com BOB@example.com Carol@Example.com" {
		t.Errorf("order_by=email_address after load: %v", firsts)
	}
}

// A record that is null, or filed under a key other than its own id, is
// rejected, whichever decoder read its table; a load that finds none
// skips the walk that looks for them (table.loaded).
func TestLoadRejectsMisfiledRecords(t *testing.T) {
	h := newHarness(t)
	uid := str(h.obj("users.create", map[string]any{"external_id": "misfiled"})["id"])
	iid := str(h.obj("invitations.create", map[string]any{"email_address": "misfiled@example.com"})["id"])
	var saved bytes.Buffer
	if err := h.in.Emulator.Save(&saved); err != nil {
		t.Fatal(err)
	}
	good := saved.String()
	for name, edit := range map[string]func(string) string{
		"user under another id": func(s string) string {
			return strings.Replace(s, `"`+uid+`":{`, `"user_other":{`, 1)
		},
		"null user": func(s string) string {
			i := strings.Index(s, `"`+uid+`":{`) + len(uid) + 3
			end, err := scanValue([]byte(s), i)
			if err != nil {
				t.Fatal(err)
			}
			return s[:i] + "null" + s[end:]
		},
		"invitation under another id": func(s string) string {
			return strings.Replace(s, `"`+iid+`":{`, `"inv_other":{`, 1)
		},
	} {
		bad := edit(good)
		if bad == good {
			t.Fatalf("%s: the edit changed nothing", name)
		}
		e := mustNew()
		err := e.Load(strings.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "null or filed under another id") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}
