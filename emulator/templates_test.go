package emulator

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Email and SMS templates: an instance has Clerk's defaults; upsert changes
// one (keeping its required variables), revert restores it, toggling
// delivery shows in the email.created events, preview renders samples.
// Before, lists were empty, a default slug was 404, any template_type was
// accepted and upsert created records of any slug.
// (run by TestAPI).
func testTemplates(t *testing.T, h *harness) {
	h.fail("emailSMSTemplates.list", map[string]any{"template_type": "fax"}, 422, "form_param_value_invalid")
	emails := h.list("emailSMSTemplates.list", map[string]any{"template_type": "email"})
	if len(emails) < 5 || !slices.Contains(keysOf(emails, "slug"), "verification_code") || !slices.Contains(keysOf(emails, "slug"), "organization_invitation") {
		t.Fatalf("email templates: %v", keysOf(emails, "slug"))
	}
	if n := len(h.list("emailSMSTemplates.list", map[string]any{"template_type": "sms", "limit": 2})); n != 2 {
		t.Errorf("sms page of 2: %d", n)
	}
	vc := h.obj("emailSMSTemplates.get", map[string]any{"template_type": "email", "slug": "verification_code"})
	if vc["object"] != "template" || vc["template_type"] != "email" || vc["can_revert"] != false || !strings.Contains(str(vc["body"]), "{{otp_code}}") {
		t.Errorf("default template: %v", vc)
	}
	h.fail("emailSMSTemplates.get", map[string]any{"template_type": "email", "slug": "nope"}, 404, "resource_not_found")
	h.fail("emailAndSmsTemplates.upsert", map[string]any{"template_type": "email", "slug": "nope", "body": "x"}, 404, "resource_not_found")

	// Upsert keeps the required variables.
	h.fail("emailAndSmsTemplates.upsert", map[string]any{"template_type": "email", "slug": "verification_code", "body": "no code here"}, 422, "form_param_value_invalid")
	h.fail("emailAndSmsTemplates.upsert", map[string]any{"template_type": "sms", "slug": "verification_code", "subject": "s"}, 422, "form_param_value_invalid")
	h.fail("emailAndSmsTemplates.upsert", map[string]any{"template_type": "email", "slug": "verification_code", "from_email_name": "a@b"}, 422, "form_param_format_invalid")
	up := h.obj("emailAndSmsTemplates.upsert", map[string]any{"template_type": "email", "slug": "verification_code",
		"subject": "Your code", "body": "<p>Code: {{ otp_code }}</p>", "from_email_name": "support"})
	if up["subject"] != "Your code" || up["can_revert"] != true || up["from_email_name"] != "support" {
		t.Errorf("upsert: %v", up)
	}
	if g := h.obj("emailSMSTemplates.get", map[string]any{"template_type": "email", "slug": "verification_code"}); g["body"] != "<p>Code: {{ otp_code }}</p>" {
		t.Errorf("get after upsert: %v", g["body"])
	}
	if r := h.obj("emailSMSTemplates.revert", map[string]any{"template_type": "email", "slug": "verification_code"}); r["subject"] != vc["subject"] || r["can_revert"] != false {
		t.Errorf("revert: %v", r)
	}

	// Delivery off: the instance's email.created says so.
	if tg := h.obj("emailSMSTemplates.toggleTemplateDelivery", map[string]any{"template_type": "email", "slug": "invitation", "delivered_by_clerk": false}); tg["delivered_by_clerk"] != false {
		t.Errorf("toggle: %v", tg)
	}
	h.obj("invitations.create", map[string]any{"email_address": "self@example.com"})
	ev := h.in.WaitEvent(t, "email.created", func(ev Event) bool { return strings.Contains(string(ev.Body), "self@example.com") })
	var p struct {
		Data struct {
			Slug      string `json:"slug"`
			Delivered bool   `json:"delivered_by_clerk"`
		} `json:"data"`
	}
	if err := json.Unmarshal(ev.Body, &p); err != nil || p.Data.Slug != "invitation" || p.Data.Delivered {
		t.Errorf("email.created: %s", ev.Body)
	}

	pv := h.obj("templates.preview", map[string]any{"template_type": "email", "slug": "verification_code", "subject": "{{otp_code}} for {{app.name}}", "body": "<b>{{otp_code}}</b>"})
	if pv["subject"] != verificationCode+" for clerkscript emulator" || pv["body"] != "<b>"+verificationCode+"</b>" {
		t.Errorf("preview: %v", pv)
	}
}
