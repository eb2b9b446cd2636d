package migrate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/emulator"
	"github.com/clerkscript/clerkscript/internal/job"
)

// sampleFor is a source value (as a transformer returns it) for a create
// field of type t, and the JSON the payload must carry for it.
func sampleFor(t *testing.T, name string, typ reflect.Type) (any, string) {
	switch typ {
	case reflect.TypeFor[*string]():
		return "v-" + name, `"v-` + name + `"`
	case reflect.TypeFor[*bool]():
		return true, `true`
	case reflect.TypeFor[*int64]():
		return json.Number("7"), `7`
	case reflect.TypeFor[[]string]():
		return []any{"a-" + name, "b-" + name}, `["a-` + name + `","b-` + name + `"]`
	case reflect.TypeFor[map[string]any]():
		return map[string]any{"k": "v"}, `{"k":"v"}`
	}
	t.Fatalf("create field %s has a type (%s) this test has no sample for: add one", name, typ)
	return nil, ""
}

// Every field of the generated create type that Build has no rule of its
// own for reaches the payload from the transformer's camelCase name, so a
// field the spec adds needs no hand edit in migrate.
func TestSpecFieldsReachPayload(t *testing.T) {
	typ := reflect.TypeFor[core.UsersCreateParams]()
	u := map[string]any{"userId": "u1", "email": "a@b.co"}
	want := map[string]string{}
	wires := map[string]bool{}
	for i := range typ.NumField() {
		wire, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		wires[wire] = true
		if handledWire[wire] {
			continue
		}
		v, js := sampleFor(t, wire, typ.Field(i).Type)
		u[camelCase(wire)] = v
		want[wire] = js
	}
	for w := range handledWire {
		if !wires[w] {
			t.Errorf("handledWire names %q, which core.UsersCreateParams lacks", w)
		}
	}
	for _, w := range payloadOrder {
		if !wires[w] {
			t.Errorf("payloadOrder names %q, which core.UsersCreateParams lacks", w)
		}
	}
	for _, w := range []string{"locale", "locked", "skip_user_requirement", "web3_wallet"} {
		if _, ok := want[w]; !ok {
			t.Errorf("%s should be passed through from the transformer", w)
		}
	}
	p, err := Build(u, 1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := payloadJSON(p.Create)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for w, js := range want {
		if string(got[w]) != js {
			t.Errorf("%s: payload has %s, want %s (payload %s)", w, got[w], js, b)
		}
	}
	// CSV text for a boolean, a bad type named.
	p, err = Build(map[string]any{"userId": "u2", "email": "a@b.co", "locked": "TRUE", "locale": "en-GB"}, 1, PlanOptions{})
	if err != nil || p.Create.Locked == nil || !*p.Create.Locked || p.Create.Locale == nil || *p.Create.Locale != "en-GB" {
		t.Errorf("CSV locked/locale: %v %+v", err, p.Create)
	}
	if _, err := Build(map[string]any{"userId": "u3", "email": "a@b.co", "locked": "maybe"}, 1, PlanOptions{}); err == nil || !strings.Contains(err.Error(), "locked") {
		t.Errorf("locked: maybe: %v", err)
	}
}

// A custom transformer's spec field (locale, locked) is in the dry run
// and in the body sent to POST /v1/users.
func TestSpecFieldReachesCreateBody(t *testing.T) {
	dir := t.TempDir()
	mod := filepath.Join(dir, "t.js")
	if err := os.WriteFile(mod, []byte(`module.exports = { transformer: { id: 'userId', mail: 'email', lang: 'locale', gone: 'banned' } }`), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "u.json")
	if err := os.WriteFile(data, []byte(`[{"id":"x1","mail":"x1@example.com","lang":"fr-FR","gone":true},{"id":"x2","mail":"x2@example.com","gone":false}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, out, _ := dryRun(t, mod, data, Options{})
	wantOut := `{"row":1,"source_id":"x1","create":{"external_id":"x1","email_address":["x1@example.com"],"skip_password_requirement":true,"banned":true,"locale":"fr-FR"}}
{"row":2,"source_id":"x2","create":{"external_id":"x2","email_address":["x2@example.com"],"skip_password_requirement":true}}
`
	if out != wantOut {
		t.Errorf("dry run:\n%s\nwant\n%s", out, wantOut)
	}

	e, err := emulator.New(emulator.WithoutRateLimits())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/v1/users" {
			b, _ := io.ReadAll(r.Body)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			mu.Lock()
			bodies = append(bodies, m)
			mu.Unlock()
			r.Body = io.NopCloser(bytes.NewReader(b))
		}
		e.ServeHTTP(w, r)
	}))
	defer srv.Close()
	m := &emu{e: e, url: srv.URL, client: core.NewClient(core.NewClientConfig().WithSecretKey(e.SecretKey()).WithAPIURL(srv.URL).
		WithTransport(job.TrackingTransport(core.NewHTTPTransport(&http.Client{}))))}
	migrateFile(t, m, mod, data, filepath.Join(dir, "j"), Options{})
	mu.Lock()
	defer mu.Unlock()
	slices.SortFunc(bodies, func(a, b map[string]any) int {
		return strings.Compare(a["external_id"].(string), b["external_id"].(string))
	})
	if len(bodies) != 2 || bodies[0]["locale"] != "fr-FR" || bodies[0]["banned"] != true {
		t.Fatalf("create bodies %v", bodies)
	}
	if _, ok := bodies[1]["banned"]; ok {
		t.Errorf("banned: false is the default and is left out, got %v", bodies[1])
	}
	if _, ok := bodies[1]["locale"]; ok {
		t.Errorf("no locale in the source, got %v", bodies[1])
	}
}

// Masked hides every secret of the payload and leaves the plan as it was.
func TestMaskedPayload(t *testing.T) {
	const digest = "$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234"
	p, err := Build(map[string]any{"userId": "m1", "email": "m@b.co", "password": digest, "passwordHasher": "bcrypt",
		"totpSecret": "JBSWY3DPEHPK3PXP", "backupCodes": []any{"code-one", "code-two"}}, 1, PlanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plain := "s3cret-plaintext"
	p.Create.Password = &plain
	b, err := payloadJSON(Masked(p.Create))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{digest, "JBSWY3DPEHPK3PXP", "code-one", "code-two", plain} {
		if strings.Contains(string(b), secret) {
			t.Errorf("masked payload shows %q: %s", secret, b)
		}
	}
	for _, want := range []string{`"password_digest":"<bcrypt digest, 60 characters>"`, `"totp_secret":"<totp secret>"`, `"backup_codes":["<2 backup codes>"]`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("masked payload lacks %s: %s", want, b)
		}
	}
	if *p.Create.PasswordDigest != digest || *p.Create.TOTPSecret != "JBSWY3DPEHPK3PXP" || p.Create.BackupCodes[0] != "code-one" {
		t.Errorf("Masked changed the plan: %+v", p.Create)
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// The failures file holds the source records as they were (to be fed back),
// TOTP secrets and digests included: only its owner may read it, in a dry
// run and in a real one.
func TestFailuresFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "u.json")
	if err := os.WriteFile(data, []byte(`[{"id":"user_1","primary_email_address":"a@example.com","password_digest":"x","password_hasher":"rot13","totp_secret":"JBSWY3DPEHPK3PXP"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, dry := range []bool{true, false} {
		tr, err := Load("clerk")
		if err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(data)
		if err != nil {
			t.Fatal(err)
		}
		fails := filepath.Join(dir, fmt.Sprintf("failures-%v.ndjson", dry))
		o := Options{Transformer: tr, Input: f, Format: FormatFor(data), FailuresPath: fails, Firebase: testFirebase}
		if dry {
			o.DryRun, o.DryRunOut = true, io.Discard
		} else {
			m := newEmu(t)
			j := openJournal(t, filepath.Join(dir, "j"))
			o.Client, o.Journal = m.client, j
			defer j.Close()
		}
		_, err = Run(context.Background(), o)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		st, err := os.Stat(fails)
		if err != nil {
			t.Fatalf("dry run %v: %v", dry, err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("dry run %v: failures file mode %v, want 0600 (it holds the user's TOTP secret)", dry, st.Mode().Perm())
		}
	}
}
