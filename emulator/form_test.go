package emulator

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
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
