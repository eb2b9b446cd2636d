package migrate

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/internal/job"
	"github.com/clerkscript/clerkscript/internal/journal"
	"github.com/clerkscript/clerkscript/internal/ratelimit"
)

type emu struct {
	e      *emulator.Emulator
	client *core.Client
	url    string
}

func newEmu(t *testing.T, opts ...emulator.Option) *emu {
	t.Helper()
	if len(opts) == 0 {
		opts = []emulator.Option{emulator.WithoutRateLimits()}
	}
	e, err := emulator.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	c := core.NewClient(core.NewClientConfig().WithSecretKey(e.SecretKey()).WithAPIURL(srv.URL).
		WithTransport(job.TrackingTransport(core.NewHTTPTransport(&http.Client{}))))
	return &emu{e: e, client: c, url: srv.URL}
}

type emuUser struct {
	ID         string `json:"id"`
	ExternalID string `json:"external_id"`
	Username   string `json:"username"`
	FirstName  string `json:"first_name"`
	CreatedAt  int64  `json:"created_at"`
	Banned     bool   `json:"banned"`
	Emails     []struct {
		Email        string `json:"email_address"`
		Verification struct {
			Status string `json:"status"`
		} `json:"verification"`
	} `json:"email_addresses"`
	Phones []struct {
		Phone        string `json:"phone_number"`
		Verification struct {
			Status string `json:"status"`
		} `json:"verification"`
	} `json:"phone_numbers"`
	PasswordEnabled bool           `json:"password_enabled"`
	Public          map[string]any `json:"public_metadata"`
	Private         map[string]any `json:"private_metadata"`
}

func (m *emu) users(t *testing.T) []emuUser {
	t.Helper()
	raw, err := m.client.Call(context.Background(), "users.list", map[string]any{"limit": 500})
	if err != nil {
		t.Fatal(err)
	}
	var us []emuUser
	if err := json.Unmarshal(raw, &us); err != nil {
		t.Fatal(err)
	}
	return us
}

// externalIDs returns the sorted external ids of the emulator's users,
// duplicates kept.
func (m *emu) externalIDs(t *testing.T) []string {
	var ids []string
	for _, u := range m.users(t) {
		ids = append(ids, u.ExternalID)
	}
	sort.Strings(ids)
	return ids
}

func openJournal(t *testing.T, path string) *journal.Journal {
	t.Helper()
	j, err := journal.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// migrateFile runs a real migration of file into m.
func migrateFile(t *testing.T, m *emu, key, file, journalPath string, o Options) (Stats, string) {
	t.Helper()
	tr, err := Load(key)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	j := openJournal(t, journalPath)
	defer j.Close()
	fails := filepath.Join(t.TempDir(), "failures.ndjson")
	o.Transformer, o.Input, o.Format, o.Client, o.Journal, o.FailuresPath = tr, f, FormatFor(file), m.client, j, fails
	if o.Firebase == nil {
		o.Firebase = testFirebase
	}
	s, err := Run(context.Background(), o)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	b, err := os.ReadFile(fails)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return s, string(b)
}

// wantIDs is the set of source ids a dry run says are valid.
func wantIDs(t *testing.T, key, file string) []string {
	_, out, _ := dryRun(t, key, file, Options{})
	var ids []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var p struct {
			SourceID string `json:"source_id"`
		}
		if err := json.Unmarshal([]byte(line), &p); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, p.SourceID)
	}
	sort.Strings(ids)
	return ids
}

// TestEverySourceMigrates migrates every source's test export into an
// emulator and checks that exactly the valid users exist, once each; a
// second run with the same journal creates nothing.
func TestEverySourceMigrates(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/migrate/*.*")
	for _, file := range files {
		if strings.HasSuffix(file, ".golden") {
			continue
		}
		key := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		t.Run(filepath.Base(file), func(t *testing.T) {
			m := newEmu(t)
			journal := filepath.Join(t.TempDir(), "j.jsonl")
			want := wantIDs(t, key, file)
			s, fails := migrateFile(t, m, key, file, journal, Options{})
			got := m.externalIDs(t)
			// Users the API refuses (auth0|010: a 2-letter username) are
			// valid locally but not created; they are reported.
			var refused []string
			for _, line := range strings.Split(strings.TrimSpace(fails), "\n") {
				if strings.Contains(line, `"status":422`) {
					var r struct {
						Key string `json:"key"`
					}
					_ = json.Unmarshal([]byte(line), &r)
					refused = append(refused, r.Key)
				}
			}
			want = slices.DeleteFunc(want, func(id string) bool { return slices.Contains(refused, id) })
			if !slices.Equal(got, want) {
				t.Fatalf("users in Clerk %v, want %v (stats %+v)\nfailures:\n%s", got, want, s, fails)
			}
			if s.Created != int64(len(want)) {
				t.Errorf("created %d, want %d", s.Created, len(want))
			}
			s2, _ := migrateFile(t, m, key, file, journal, Options{})
			if s2.Created != 0 || s2.AlreadyDone != int64(len(want)) {
				t.Errorf("re-run: %+v, want 0 created and %d already done", s2, len(want))
			}
			if got := m.externalIDs(t); !slices.Equal(got, want) {
				t.Errorf("after re-run: %v, want %v", got, want)
			}
		})
	}
}

// TestVerificationAndFieldsLand checks, in Clerk's own user objects, what
// the official tool's mapping promises: verified and unverified addresses,
// the password, metadata, creation time, the ban flag.
func TestVerificationAndFieldsLand(t *testing.T) {
	m := newEmu(t)
	dir := t.TempDir()
	migrateFile(t, m, "auth0", "../../testdata/migrate/auth0.ndjson", filepath.Join(dir, "a.jsonl"), Options{})
	migrateFile(t, m, "supabase", "../../testdata/migrate/supabase.json", filepath.Join(dir, "s.jsonl"), Options{})
	migrateFile(t, m, "betterauth", "../../testdata/migrate/betterauth.json", filepath.Join(dir, "b.jsonl"), Options{})
	by := map[string]emuUser{}
	for _, u := range m.users(t) {
		by[u.ExternalID] = u
	}
	ada := by["auth0|001"]
	if !ada.PasswordEnabled || ada.Username != "ada_lovelace" || ada.Public["theme"] != "dark" || ada.Private["plan"] != "pro" {
		t.Errorf("auth0|001 = %+v", ada)
	}
	if ada.CreatedAt != 1680674828123 {
		t.Errorf("auth0|001 created_at = %d, want 2023-04-05T06:07:08.123Z", ada.CreatedAt)
	}
	both := by["auth0|006"]
	if len(both.Phones) != 1 || both.Phones[0].Phone != "+15555550101" || both.Phones[0].Verification.Status == "verified" {
		t.Errorf("auth0|006 phone should be there, unverified: %+v", both.Phones)
	}
	if len(both.Emails) != 1 || both.Emails[0].Verification.Status != "verified" {
		t.Errorf("auth0|006 email should be verified: %+v", both.Emails)
	}
	sb5 := by["sb-005"]
	if len(sb5.Emails) != 1 || sb5.Emails[0].Email != "sb5@example.com" || sb5.Emails[0].Verification.Status == "verified" {
		t.Errorf("sb-005: unconfirmed email should be added unverified: %+v", sb5.Emails)
	}
	if len(sb5.Phones) != 1 || sb5.Phones[0].Verification.Status != "verified" {
		t.Errorf("sb-005: confirmed phone should be verified: %+v", sb5.Phones)
	}
	if !by["ba-2"].Banned || by["ba-1"].Banned {
		t.Errorf("banned flags: ba-1 %v, ba-2 %v", by["ba-1"].Banned, by["ba-2"].Banned)
	}
	if _, ok := by["auth0|002"]; ok {
		t.Error("a user with only an unverified email was created; the official validator skips it")
	}
}

// TestUserTransformer runs a TypeScript transformer the user wrote for a
// source clerkscript does not know: nested fields, preTransform dropping a
// record, postTransform, defaults.
func TestUserTransformer(t *testing.T) {
	const ts = "../../testdata/migrate/custom/my-transformer.ts"
	s, out, fails := dryRun(t, ts, "../../testdata/migrate/custom/acme.json", Options{})
	if s.Read != 3 || s.Dropped != 1 || s.Planned != 1 || s.Invalid != 1 {
		t.Fatalf("stats %+v\n%s\n%s", s, out, fails)
	}
	var line struct {
		Create core.UsersCreateParams `json:"create"`
	}
	if err := json.Unmarshal([]byte(out), &line); err != nil {
		t.Fatal(err)
	}
	c := line.Create
	if deref(c.ExternalID) != "a-1" || !slices.Equal(c.EmailAddress, []string{"a1@acme.test"}) || deref(c.FirstName) != "Wile" || deref(c.LastName) != "Coyote" ||
		deref(c.PasswordHasher) != "bcrypt" || deref(c.CreatedAt) != "2020-09-13T12:26:40.000Z" {
		t.Errorf("payload %+v", c)
	}
	if c.PrivateMetadata["tier"] != "gold" {
		t.Errorf("private metadata %v", c.PrivateMetadata)
	}
	if !strings.Contains(fails, `"key":"a-3"`) {
		t.Errorf("a-3 (unverified only) should be reported: %s", fails)
	}
	// The same module migrates for real.
	m := newEmu(t)
	migrateFile(t, m, ts, "../../testdata/migrate/custom/acme.json", filepath.Join(t.TempDir(), "j"), Options{})
	if got := m.externalIDs(t); !slices.Equal(got, []string{"a-1"}) {
		t.Errorf("users %v", got)
	}
}

// writeExport writes n Auth0 NDJSON users (auth0|0001...) and returns the
// file and their ids.
func writeExport(t testing.TB, dir string, n int) (string, []string) {
	t.Helper()
	var b strings.Builder
	ids := make([]string, n)
	for i := range n {
		ids[i] = fmt.Sprintf("auth0|%04d", i+1)
		fmt.Fprintf(&b, `{"user_id":%q,"email":"user%d@example.com","email_verified":true,"given_name":"U","family_name":"%d"}`+"\n", ids[i], i+1, i+1)
	}
	path := filepath.Join(dir, "users.ndjson")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	sort.Strings(ids)
	return path, ids
}

// TestAppliedThenFailed: creates that Clerk applied but answered with a 500
// or a dropped connection are found by external_id, not sent again: no
// duplicate, nothing lost, in the same run.
func TestAppliedThenFailed(t *testing.T) {
	m := newEmu(t)
	file, ids := writeExport(t, t.TempDir(), 40)
	for _, k := range []emulator.FaultKind{emulator.FaultApplied, emulator.FaultAppliedReset, emulator.Fault500, emulator.FaultApplied} {
		if err := m.e.InjectOnce("users.create", k); err != nil {
			t.Fatal(err)
		}
	}
	s, fails := migrateFile(t, m, "auth0", file, filepath.Join(t.TempDir(), "j"), Options{Concurrency: 4})
	if got := m.externalIDs(t); !slices.Equal(got, ids) {
		t.Fatalf("users %v\nwant %v\nstats %+v\n%s", got, ids, s, fails)
	}
	if s.Reconciled != 3 || s.Created != 37 || s.Failed != 0 {
		t.Errorf("stats %+v (want 3 reconciled: the applied faults; the plain 500 is resent), failures %q", s, fails)
	}
}

// TestInDoubtFromAnEarlierRunIsReconciled: a journal whose last record for
// a user is "start" (the process died mid-request) makes the next run look
// the user up before sending: found → done, not found → sent.
func TestInDoubtFromAnEarlierRunIsReconciled(t *testing.T) {
	m := newEmu(t)
	dir := t.TempDir()
	file, ids := writeExport(t, dir, 5)
	journal := filepath.Join(dir, "j")
	// auth0|0001 was applied before the crash; auth0|0002 was not.
	if _, err := m.client.Call(context.Background(), "users.create", map[string]any{
		"external_id": "auth0|0001", "email_address": []string{"user1@example.com"}, "skip_password_requirement": true}); err != nil {
		t.Fatal(err)
	}
	j := openJournal(t, journal)
	for _, id := range []string{"auth0|0001", "auth0|0002"} {
		if err := j.Start(JobName, id); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	s, fails := migrateFile(t, m, "auth0", file, journal, Options{})
	if got := m.externalIDs(t); !slices.Equal(got, ids) {
		t.Fatalf("users %v, want %v (%s)", got, ids, fails)
	}
	if s.Reconciled != 1 || s.Created != 4 {
		t.Errorf("stats %+v, want 1 reconciled, 4 created", s)
	}
}

// TestIdentifierTakenByAnotherUser: a 422 form_identifier_exists for a user
// whose external_id is not in Clerk is a real conflict: reported, not
// counted as done.
func TestIdentifierTakenByAnotherUser(t *testing.T) {
	m := newEmu(t)
	file, _ := writeExport(t, t.TempDir(), 3)
	if _, err := m.client.Call(context.Background(), "users.create", map[string]any{
		"email_address": []string{"user2@example.com"}, "skip_password_requirement": true}); err != nil {
		t.Fatal(err)
	}
	s, fails := migrateFile(t, m, "auth0", file, filepath.Join(t.TempDir(), "j"), Options{})
	if s.Created != 2 || s.Failed != 1 || !strings.Contains(fails, `"key":"auth0|0002"`) || !strings.Contains(fails, "form_identifier_exists") {
		t.Errorf("stats %+v, failures %s", s, fails)
	}
}

// TestRateLimitedRetryAfter: against an instance that allows 10 requests a
// second and a client that does not pace, the 429s' Retry-After is waited
// out and every user is created once.
func TestRateLimitedRetryAfter(t *testing.T) {
	m := newEmu(t, emulator.WithRateLimit(emulator.RateLimit{Requests: 10, Window: time.Second}), emulator.WithEndpointLimitScale(0))
	lim := ratelimit.New(1000, time.Second, nil) // observes 429s, does not pace at this size
	file, ids := writeExport(t, t.TempDir(), 15)
	tr, _ := Load("auth0")
	f, _ := os.Open(file)
	defer f.Close()
	j := openJournal(t, filepath.Join(t.TempDir(), "j"))
	defer j.Close()
	c := core.NewClient(core.NewClientConfig().WithSecretKey(m.e.SecretKey()).WithAPIURL(m.url).
		WithTransport(job.TrackingTransport(ratelimit.NewTransport(core.NewHTTPTransport(&http.Client{}), lim, 4))))
	s, err := Run(context.Background(), Options{Transformer: tr, Input: f, Format: FormatNDJSON, Client: c, Journal: j, Concurrency: 4})
	if err != nil {
		t.Fatal(err)
	}
	if got := m.externalIDs(t); !slices.Equal(got, ids) {
		t.Fatalf("users %v, want %v (%+v)", got, ids, s)
	}
	if lim.Throttled() == 0 {
		t.Error("no 429 was seen: the test does not exercise Retry-After")
	}
}

// TestOfficialFlagsShapeTheRun: --resume-after, --require-password and
// --skip-unsupported-providers, as the official tool means them.
func TestOfficialFlagsShapeTheRun(t *testing.T) {
	const a0 = "../../testdata/migrate/auth0.ndjson"
	s, out, _ := dryRun(t, "auth0", a0, Options{ResumeAfter: "github|12345"})
	if s.BeforeResume != 3 || strings.Contains(out, `"auth0|001"`) || !strings.Contains(out, `"auth0|005"`) || s.ResumeMissing {
		t.Errorf("--resume-after: %+v\n%s", s, out)
	}
	s, _, _ = dryRun(t, "auth0", a0, Options{ResumeAfter: "auth0|nope"})
	if !s.ResumeMissing || s.Planned != 0 {
		t.Errorf("--resume-after with an unknown id: %+v", s)
	}
	s, out, fails := dryRun(t, "auth0", a0, Options{Plan: PlanOptions{RequirePassword: true}})
	if s.Planned != 1 || !strings.Contains(out, `"auth0|001"`) || !strings.Contains(fails, "--require-password") {
		t.Errorf("--require-password: %+v\n%s", s, out)
	}
	const sb = "../../testdata/migrate/supabase.json"
	s, out, fails = dryRun(t, "supabase", sb, Options{SkipUnsupportedProviders: true, EnabledProviders: []string{"google"}})
	if s.Unsupported != 1 || strings.Contains(out, `"sb-003"`) || !strings.Contains(out, `"sb-004"`) || !strings.Contains(fails, "discord") {
		t.Errorf("--skip-unsupported-providers: %+v\n%s\n%s", s, out, fails)
	}
	s, out, _ = dryRun(t, "supabase", sb, Options{SkipUnsupportedProviders: true, EnabledProviders: []string{"discord"}})
	if s.Unsupported != 0 || !strings.Contains(out, `"sb-003"`) {
		t.Errorf("discord enabled: %+v", s)
	}
}

// TestFailuresFileFedBack: the failures file is a valid -f for the same
// transformer; users that now pass are migrated, no one twice.
func TestFailuresFileFedBack(t *testing.T) {
	m := newEmu(t)
	dir := t.TempDir()
	journalPath := filepath.Join(dir, "j")
	s, fails := migrateFile(t, m, "auth0", "../../testdata/migrate/auth0.ndjson", journalPath, Options{})
	if s.Reported() != 6 {
		t.Fatalf("stats %+v", s)
	}
	// Fix the refused user (a username too short) in the failures file.
	fixed := strings.Replace(fails, `"username":"x1"`, `"username":"x1-fixed"`, 1)
	back := filepath.Join(dir, "failures.ndjson")
	if err := os.WriteFile(back, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	s2, fails2 := migrateFile(t, m, "auth0", back, journalPath, Options{})
	// The duplicate record comes back with its source id, which is done.
	if s2.Read != 6 || s2.Created != 1 || s2.AlreadyDone != 1 || s2.Reported() != 4 {
		t.Errorf("fed back: %+v\n%s", s2, fails2)
	}
	ids := m.externalIDs(t)
	if !slices.Contains(ids, "auth0|010") || len(slices.Compact(slices.Clone(ids))) != len(ids) {
		t.Errorf("users %v", ids)
	}
}
