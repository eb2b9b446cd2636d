package emulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/core"
)

// sampleValue is a plausible value for a required request property.
func sampleValue(name string, s *core.Schema, n int) any {
	s = flatten(s)
	if s == nil {
		return "x"
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch s.Type {
	case "integer", "number":
		return 1
	case "boolean":
		return false
	case "array":
		return []any{}
	case "object":
		m := map[string]any{}
		for _, k := range s.Required {
			m[k] = sampleValue(k, s.Properties[k], n)
		}
		return m
	}
	switch {
	case strings.Contains(name, "email"):
		return fmt.Sprintf("sweep%d@example.com", n)
	case strings.Contains(name, "phone"):
		return fmt.Sprintf("+1555555%04d", n)
	case strings.Contains(name, "url") || strings.Contains(name, "uri") || strings.Contains(name, "origin"):
		return "https://example.com/cb"
	case name == "key":
		return fmt.Sprintf("org:sweep%d", n)
	case strings.Contains(name, "domain") || name == "name" && false:
		return fmt.Sprintf("sweep%d.example.com", n)
	}
	return fmt.Sprintf("sweep-%s-%d", name, n)
}

func sampleBody(op *core.Operation, n int) string {
	if op.Body == nil || op.Body.ContentType != "application/json" || op.Body.Schema == "" {
		return ""
	}
	s := flatten(core.LookupSchema(op.Body.Schema))
	if s == nil {
		return "{}"
	}
	if op.Body.Array {
		it := flatten(s.Items)
		one := sampleValue("", it, n)
		b, _ := json.Marshal([]any{one})
		return string(b)
	}
	b, _ := json.Marshal(sampleValue("", s, n))
	return string(b)
}

// TestEveryOperationIsEmulated walks the whole operation table with minimal
// valid requests against a populated instance: no operation answers 501 or
// 5xx, every success matches the operation's response schema, every failure
// is a Clerk error, and a wrong key is refused first. It reports how many
// operations succeeded in the sweep.
func TestEveryOperationIsEmulated(t *testing.T) {
	h := newHarness(t)
	e := h.in.Emulator
	u := h.obj("users.create", map[string]any{"email_address": []string{"sweep@example.com"}, "phone_number": []string{"+15555550999"},
		"password_digest": scaleDigest, "password_hasher": "bcrypt", "backup_codes": []string{"backup-1"}})
	uid := str(u["id"])
	o := h.obj("organizations.create", map[string]any{"name": "Sweep", "created_by": uid})
	sess := h.obj("sessions.create", map[string]any{"user_id": uid})
	dom := h.obj("organizationDomains.create", map[string]any{"organization_id": str(o["id"]), "name": "sweep.example.com"})
	ids := map[string]string{
		"/users": uid, "/organizations": str(o["id"]), "/sessions": str(sess["id"]),
		"/email_addresses":          str(field(u, "email_addresses").([]any)[0].(map[string]any)["id"]),
		"/phone_numbers":            str(field(u, "phone_numbers").([]any)[0].(map[string]any)["id"]),
		"/organizations/{}/domains": str(dom["id"]), "/clients": str(sess["client_id"]),
	}
	// core.Operations returns the shared table (the router points into it):
	// sort a copy.
	ops := append([]core.Operation(nil), core.Operations()...)
	// Creates first (top-level, then nested), so the other operations find
	// records to act on.
	sort.SliceStable(ops, func(i, j int) bool {
		pi, pj := planFor(&ops[i]), planFor(&ops[j])
		ci, cj := pi.kind == gCreate, pj.kind == gCreate
		if ci != cj {
			return ci
		}
		if ci {
			return strings.Count(ops[i].Path, "{") < strings.Count(ops[j].Path, "{")
		}
		// deletes and revocations last
		di, dj := ops[i].HTTPMethod == http.MethodDelete, ops[j].HTTPMethod == http.MethodDelete
		return !di && dj
	})
	succeeded, n := 0, 0
	var failures []string
	for i := range ops {
		op := &ops[i]
		n++
		segs := splitPath(op.Path)
		path := make([]string, len(segs))
		for j, seg := range segs {
			path[j] = seg
			if isParam(seg) {
				id := ids[collKey(segs[:j])]
				switch seg {
				case "{template_type}":
					id = "email"
				case "{provider}":
					id = "oauth_google"
				}
				if id == "" {
					id = "x_" + seg[1:len(seg)-1]
				}
				path[j] = id
			}
		}
		url := "/v1/" + strings.Join(path, "/")
		body := sampleBody(op, i)
		if w := rawDo(t, e, op.HTTPMethod, url, "sk_test_wrong", body); w.Code != 401 {
			t.Errorf("%s with a wrong key: %d %s", op.Name, w.Code, w.Body)
		}
		w := rawDo(t, e, op.HTTPMethod, url, h.in.SecretKey, body)
		switch {
		case w.Code >= 500:
			t.Errorf("%s %s %s: %d %s", op.Name, op.HTTPMethod, url, w.Code, w.Body)
		case w.Code >= 400:
			errCode(t, w) // a ClerkErrors body
			failures = append(failures, fmt.Sprintf("%s=%d", op.Name, w.Code))
		default:
			succeeded++
			if op.Response.Schema != "" && w.Body.Len() > 0 {
				var pre bytes.Buffer
				pre.Write(w.Body.Bytes())
				checkResponse(t, op.Name, pre.Bytes())
			}
			// Remember created records for the operations that follow.
			if p := planFor(op); p.kind == gCreate || (p.kind == gUpdate && op.HTTPMethod == http.MethodPut) {
				var m map[string]any
				if json.Unmarshal(w.Body.Bytes(), &m) == nil && str(m["id"]) != "" {
					key := p.coll
					if ids[key] == "" {
						ids[key] = str(m["id"])
						if p.kind == gUpdate {
							ids[key] = path[len(path)-1]
						}
					}
				}
			}
		}
	}
	sort.Strings(failures)
	t.Logf("%d operations: none answers 501 or 5xx; %d succeeded in this sweep with spec-shaped bodies; Clerk errors (with minimal input): %s",
		n, succeeded, strings.Join(failures, " "))
	if n != len(core.Operations()) {
		t.Fatal("not every operation was called")
	}
}
