package emulator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
)

// receiver is an application's webhook endpoint: it records every request
// and answers with the status fail chooses (200 when nil).
type receiver struct {
	srv  *httptest.Server
	mu   sync.Mutex
	got  []received
	more chan struct{} // closed and replaced on every request
	fail func(n int, r received) int
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, fail func(n int, r received) int) *receiver {
	rc := &receiver{more: make(chan struct{}), fail: fail}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rv := received{r.Header.Clone(), b}
		rc.got = append(rc.got, rv)
		n := len(rc.got)
		close(rc.more)
		rc.more = make(chan struct{})
		rc.mu.Unlock()
		status := 200
		if rc.fail != nil {
			status = rc.fail(n, rv)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// wait returns the first n requests once they have arrived.
func (rc *receiver) wait(t *testing.T, n int) []received {
	t.Helper()
	ctx := context.Background() // a request that never comes fails at -timeout
	for {
		rc.mu.Lock()
		got, ch := rc.got, rc.more
		rc.mu.Unlock()
		if len(got) >= n {
			return got[:n]
		}
		select {
		case <-ch:
		case <-ctx.Done():
			t.Fatalf("received %d webhook requests, want %d", len(got), n)
		}
	}
}

func verify(t *testing.T, secret string, r received) *core.WebhookEvent {
	t.Helper()
	ev, err := core.VerifyWebhook(secret, core.Header(r.header), r.body, time.Time{})
	if err != nil {
		t.Fatalf("core.VerifyWebhook rejected a delivery: %v\n%s", err, r.body)
	}
	return ev
}

// eventSchemas maps event types to the Backend API schema of their data.
var eventSchemas = map[string]string{
	"user.created": "User", "user.updated": "User", "user.deleted": "DeletedObject",
	"organization.created": "Organization", "organization.updated": "Organization", "organization.deleted": "DeletedObject",
	"organizationMembership.created": "OrganizationMembership", "organizationMembership.updated": "OrganizationMembership",
	"organizationMembership.deleted": "OrganizationMembership",
	// organizationInvitation.* carry public_organization_data, which the
	// Backend API's OrganizationInvitation schema does not declare.
	"organizationDomain.created": "OrganizationDomain", "organizationDomain.deleted": "DeletedObject",
	"session.created": "Session", "session.revoked": "Session", "session.removed": "Session",
	"waitlistEntry.created": "WaitlistEntry", "waitlistEntry.updated": "WaitlistEntry",
}

func TestWebhooksDeliverSignedEventsInOrder(t *testing.T) {
	rc := newReceiver(t, nil)
	h := newHarness(t, WithWebhookURL(rc.srv.URL))
	secret := h.in.Emulator.WebhookSecret()
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("secret %q", secret)
	}
	u := h.obj("users.create", map[string]any{"email_address": []string{"hook@example.com"}, "first_name": "Ada"})
	uid := str(u["id"])
	h.obj("users.update", map[string]any{"user_id": uid, "last_name": "Lovelace"})
	o := h.obj("organizations.create", map[string]any{"name": "Hooks Inc", "created_by": uid})
	oid := str(o["id"])
	h.obj("organizationInvitations.create", map[string]any{"organization_id": oid, "email_address": "guest@example.com", "role": "org:member"})
	h.obj("invitations.create", map[string]any{"email_address": "invitee@example.com"})
	h.obj("invitations.create", map[string]any{"email_address": "quiet@example.com", "notify": false})
	s := h.obj("sessions.create", map[string]any{"user_id": uid})
	h.obj("sessions.revoke", map[string]any{"session_id": str(s["id"])})
	h.obj("waitlistEntries.create", map[string]any{"email_address": "wait@example.com"})
	h.obj("organizations.delete", map[string]any{"organization_id": oid})
	h.obj("users.delete", map[string]any{"user_id": uid})

	// Deleting the organization removes its memberships (announced) and its
	// pending invitations (not announced, as Clerk); the session was revoked
	// before the user was deleted, so no session.removed follows.
	want := []string{"user.created", "user.updated", "organization.created", "organizationMembership.created",
		"organizationInvitation.created", "email.created", "email.created", "session.created", "session.revoked",
		"waitlistEntry.created", "organizationMembership.deleted", "organization.deleted", "user.deleted"}
	got := rc.wait(t, len(want))
	var types []string
	ids := map[string]bool{}
	for _, r := range got {
		ev := verify(t, secret, r)
		types = append(types, ev.Type)
		if ids[ev.ID] {
			t.Errorf("svix-id %s delivered twice without a fault", ev.ID)
		}
		ids[ev.ID] = true
		var payload map[string]any
		if err := json.Unmarshal(ev.Raw, &payload); err != nil {
			t.Fatal(err)
		}
		if payload["object"] != "event" || payload["instance_id"] == "" || ev.EventTimestamp == 0 || payload["event_attributes"] == nil {
			t.Errorf("%s: envelope %v", ev.Type, payload)
		}
		if schema := eventSchemas[ev.Type]; schema != "" {
			if errs := validate(core.LookupSchema(schema), decode(t, ev.Data), ev.Type); len(errs) > 0 {
				t.Errorf("%s data does not match %s: %v", ev.Type, schema, errs)
			}
		}
		if ev.Type == "email.created" {
			var d map[string]any
			_ = json.Unmarshal(ev.Data, &d)
			if d["object"] != "email" || d["slug"] == nil || d["to_email_address"] == "quiet@example.com" {
				t.Errorf("email.created data: %v", d)
			}
		}
	}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Errorf("events:\n got %v\nwant %v", types, want)
	}
	// The signature covers the body: a changed body is rejected.
	r := got[0]
	r.body = append([]byte{}, r.body...)
	r.body[len(r.body)-2] ^= 1
	if _, err := core.VerifyWebhook(secret, core.Header(r.header), r.body, time.Time{}); err == nil {
		t.Error("a tampered body verified")
	}
	// Deliveries are listed, and served on the inspection endpoint.
	last := verify(t, secret, got[len(got)-1]).ID
	h.in.WaitDelivery(t, func(d Delivery) bool { return d.EventID == last })
	ds := h.in.Emulator.Deliveries()
	if len(ds) < len(want) || !ds[0].OK || ds[0].Attempt != 1 || ds[0].URL != rc.srv.URL {
		t.Errorf("deliveries: %+v", ds)
	}
	req, _ := http.NewRequest("GET", h.in.URL+"/_emulator/webhooks", nil)
	req.Header.Set("Authorization", "Bearer "+h.in.SecretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"type":"user.created"`) || strings.Contains(string(b), secret) {
		t.Errorf("inspection endpoint: %d %.300s", resp.StatusCode, b)
	}
	req.Header.Set("Authorization", "Bearer sk_test_wrong")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("inspection endpoint without the key: %v %v", resp, err)
	}
}

func TestWebhooksRetryInOrderWithTheSameID(t *testing.T) {
	// The first two attempts fail (500, then 410 is not special: Svix
	// retries every non-2xx); the third succeeds.
	rc := newReceiver(t, func(n int, _ received) int {
		if n <= 2 {
			return 500 + n
		}
		return 204
	})
	h := newHarness(t, WithWebhookURL(rc.srv.URL), WithWebhookRetryScale(0))
	h.obj("users.create", map[string]any{"external_id": "first"})
	h.obj("users.create", map[string]any{"external_id": "second"})
	got := rc.wait(t, 4)
	secret := h.in.Emulator.WebhookSecret()
	var ids []string
	for _, r := range got {
		ids = append(ids, verify(t, secret, r).ID)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] || ids[3] == ids[0] {
		t.Errorf("svix-ids %v: want the first event three times, then the second", ids)
	}
	d := h.in.WaitDelivery(t, func(d Delivery) bool { return d.EventID == ids[0] && d.OK })
	if d.Attempt != 3 || !d.Final {
		t.Errorf("delivery %+v", d)
	}
	var failed int
	for _, d := range h.in.Emulator.Deliveries() {
		if d.EventID == ids[0] && !d.OK {
			failed++
			if d.Final || d.Status < 500 || d.Error == "" {
				t.Errorf("failed attempt %+v", d)
			}
		}
	}
	if failed != 2 {
		t.Errorf("%d failed attempts listed, want 2", failed)
	}
}

func TestWebhooksGiveUpAfterTheSchedule(t *testing.T) {
	rc := newReceiver(t, func(int, received) int { return 503 })
	h := newHarness(t, WithWebhookURL(rc.srv.URL), WithWebhookRetryScale(0))
	u := h.obj("users.create", map[string]any{"external_id": "doomed"})
	ev := h.in.WaitEvent(t, "user.created", nil)
	d := h.in.WaitDelivery(t, func(d Delivery) bool { return d.EventID == ev.ID && d.Final })
	if d.OK || d.Attempt != len(SvixRetrySchedule)+1 {
		t.Errorf("final delivery %+v, want failed attempt %d", d, len(SvixRetrySchedule)+1)
	}
	if !strings.Contains(string(ev.Body), str(u["id"])) {
		t.Errorf("event body %s", ev.Body)
	}
}

func TestWebhookFaultsDuplicateAndDelay(t *testing.T) {
	rc := newReceiver(t, nil)
	h := newHarness(t, WithWebhookURL(rc.srv.URL),
		WithWebhookFaults(WebhookFaults{DuplicateRate: 1, DelayRate: 1, Delay: time.Millisecond}))
	h.obj("users.create", map[string]any{"external_id": "twice"})
	got := rc.wait(t, 2)
	secret := h.in.Emulator.WebhookSecret()
	a, b := verify(t, secret, got[0]), verify(t, secret, got[1])
	if a.ID != b.ID || a.Type != "user.created" || string(a.Raw) != string(b.Raw) {
		t.Errorf("duplicate: %s %s / %s %s", a.ID, a.Type, b.ID, b.Type)
	}
	d := h.in.WaitDelivery(t, func(d Delivery) bool { return d.Injected == "duplicate" })
	if !d.OK || d.EventID != a.ID {
		t.Errorf("duplicate delivery %+v", d)
	}
	h.in.WaitDelivery(t, func(d Delivery) bool { return d.Injected == "delay" && d.EventID == a.ID })
}

func TestWaitEventAndBadOptions(t *testing.T) {
	h := newHarness(t)
	done := make(chan Event, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		ev, _ := h.in.Emulator.WaitEvent(ctx, "organization.created", nil)
		done <- ev
	}()
	o := h.obj("organizations.create", map[string]any{"name": "Waited"})
	ev := <-done
	if !strings.Contains(string(ev.Body), str(o["id"])) {
		t.Errorf("waited event %s", ev.Body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.in.Emulator.WaitEvent(ctx, "user.created", nil); err == nil {
		t.Error("WaitEvent with a cancelled context and no event returned no error")
	}
	for _, opt := range []Option{WithWebhookURL("ftp://x"), WithWebhookURL("/relative"), WithWebhookSecret("whsec_!!"),
		WithWebhookSecret("whsec_c2hvcnQ="), WithWebhookFaults(WebhookFaults{DuplicateRate: 2})} {
		if _, err := New(WithSigningKey(sharedKey().SigningKey()), opt); err == nil {
			t.Errorf("New accepted a bad webhook option")
		} else if strings.Contains(err.Error(), "c2hvcnQ") {
			t.Errorf("error echoes the secret: %v", err)
		}
	}
}

// TestWebhooksVerifyWithClerkBackend delivers events to a Node process
// running @clerk/backend's verifyWebhook (from @clerk/backend/webhooks), the
// function Clerk's docs tell applications to use. Opt-in:
//
//	CLERKSCRIPT_NODE_TESTS=1 go test ./emulator/ -run ClerkBackend
//
// It installs @clerk/backend with npm into a directory outside the
// repository (CLERKSCRIPT_NODE_DIR, default under the system temp dir).
func TestWebhooksVerifyWithClerkBackend(t *testing.T) {
	if os.Getenv("CLERKSCRIPT_NODE_TESTS") == "" {
		t.Skip("set CLERKSCRIPT_NODE_TESTS=1 to verify deliveries with @clerk/backend in Node (needs node and npm)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: cannot run @clerk/backend's verifyWebhook")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm is not installed: cannot install @clerk/backend")
	}
	dir := os.Getenv("CLERKSCRIPT_NODE_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "clerkscript-node-webhooks")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@clerk", "backend")); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"private":true}`), 0o644)
		cmd := exec.Command(npm, "install", "--no-audit", "--no-fund", "@clerk/backend")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Skipf("npm install @clerk/backend failed (offline?): %v\n%s", err, out)
		}
	}
	script := filepath.Join(dir, "verify.mjs")
	// Reads {url, headers, body} lines; prints the verified event type or
	// "ERR <message>".
	const js = `import { verifyWebhook } from '@clerk/backend/webhooks';
import { createInterface } from 'node:readline';
const rl = createInterface({ input: process.stdin });
for await (const line of rl) {
  const { headers, body } = JSON.parse(line);
  try {
    const evt = await verifyWebhook(new Request('http://localhost/api/webhooks', { method: 'POST', headers, body }),
      { signingSecret: process.env.SECRET });
    console.log(evt.type + ' ' + evt.data.id);
  } catch (e) { console.log('ERR ' + e.message); }
}
`
	if err := os.WriteFile(script, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t, nil)
	h := newHarness(t, WithWebhookURL(rc.srv.URL))
	u := h.obj("users.create", map[string]any{"email_address": []string{"node@example.com"}})
	o := h.obj("organizations.create", map[string]any{"name": "Node", "created_by": str(u["id"])})
	h.obj("users.delete", map[string]any{"user_id": str(u["id"])})
	got := rc.wait(t, 5)
	var in strings.Builder
	for i, r := range got {
		hd := map[string]string{}
		for k := range r.header {
			hd[k] = r.header.Get(k)
		}
		body := string(r.body)
		if i == len(got)-1 {
			body = strings.Replace(body, `"object":"event"`, `"object":"evenT"`, 1) // tampered: must fail
		}
		line, _ := json.Marshal(map[string]any{"headers": hd, "body": body})
		in.Write(append(line, '\n'))
	}
	cmd := exec.Command(node, script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SECRET="+h.in.Emulator.WebhookSecret())
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	want := []string{"user.created " + str(u["id"]), "organization.created " + str(o["id"]),
		"organizationMembership.created ", "organizationMembership.deleted ", "ERR"}
	if len(lines) != len(want) {
		t.Fatalf("node printed:\n%s", out)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want prefix %q", i, lines[i], w)
		}
	}
}
