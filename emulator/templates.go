package emulator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/clerkscript/clerkscript/core"
)

// Email and SMS templates. An instance has Clerk's default templates of each
// type from the start; upsert changes one (kept as a generic record in
// "/templates/{}" below its type), revert drops the change, toggle_delivery
// turns delivery by Clerk off or on (off: the email.created / sms.created
// events the emulator emits say delivered_by_clerk: false, as Clerk's do),
// and preview renders a body with sample values.

func init() {
	register(map[string]handlerFunc{
		"emailSMSTemplates.list":                   (*Emulator).listTemplates,
		"emailSMSTemplates.get":                    (*Emulator).getTemplate,
		"emailAndSmsTemplates.upsert":              (*Emulator).upsertTemplate,
		"emailSMSTemplates.revert":                 (*Emulator).revertTemplate,
		"emailSMSTemplates.toggleTemplateDelivery": (*Emulator).toggleTemplate,
		"templates.preview":                        (*Emulator).previewTemplate,
	})
}

type defaultTemplate struct {
	slug, name, subject string
	required            []string // variables the body must keep
}

// defaultTemplates are Clerk's default templates, by type, in position order.
var defaultTemplates = map[string][]defaultTemplate{
	"email": {
		{"verification_code", "Verification code", "{{otp_code}} is your verification code", []string{"otp_code"}},
		{"reset_password_code", "Reset password code", "{{otp_code}} is your password reset code", []string{"otp_code"}},
		{"magic_link_sign_in", "Magic link sign in", "Sign in to {{app.name}}", []string{"magic_link"}},
		{"magic_link_sign_up", "Magic link sign up", "Sign up to {{app.name}}", []string{"magic_link"}},
		{"magic_link_user_profile", "Magic link user profile", "Verify your email", []string{"magic_link"}},
		{"invitation", "Invitation", "You're invited to join {{app.name}}", []string{"action_url"}},
		{"organization_invitation", "Organization invitation", "You're invited to join {{org.name}}", []string{"action_url"}},
		{"password_changed", "Password changed", "Your password has been changed", nil},
		{"password_removed", "Password removed", "Your password has been removed", nil},
		{"primary_email_address_changed", "Primary email address changed", "Your primary email address has been changed", nil},
		{"waitlist_confirmation", "Waitlist confirmation", "You're on the waitlist for {{app.name}}", nil},
		{"waitlist_invitation", "Waitlist invitation", "You're invited to join {{app.name}}", []string{"action_url"}},
	},
	"sms": {
		{"verification_code", "Verification code", "", []string{"otp_code"}},
		{"reset_password_code", "Reset password code", "", []string{"otp_code"}},
		{"invitation", "Invitation", "", []string{"action_url"}},
		{"password_changed", "Password changed", "", nil},
		{"password_removed", "Password removed", "", nil},
	},
}

var templateVarRe = regexp.MustCompile(`\{\{\s*([a-z_.]+)\s*\}\}`)

func templateType(rq *request) (string, *apiError) {
	t := rq.param("template_type")
	if _, ok := defaultTemplates[t]; !ok {
		return "", errValue("template_type", fmt.Sprintf("template_type must be email or sms, not %q.", t))
	}
	return t, nil
}

func findDefault(typ, slug string) (int, *defaultTemplate) {
	for i := range defaultTemplates[typ] {
		if defaultTemplates[typ][i].slug == slug {
			return i, &defaultTemplates[typ][i]
		}
	}
	return -1, nil
}

// templateOverride is the stored change of a template, if any.
func (e *Emulator) templateOverride(typ, slug string) *genericRec {
	for r := range e.st.genByColl.m["/templates/{}|"+typ] {
		if r.Data["slug"] == slug {
			return r
		}
	}
	return nil
}

func defaultBody(typ string, d *defaultTemplate) string {
	var vars []string
	for _, v := range d.required {
		vars = append(vars, "{{"+v+"}}")
	}
	if typ == "sms" {
		return strings.TrimSpace(d.name + " " + strings.Join(vars, " "))
	}
	return "<p>" + d.name + "</p><p>" + strings.Join(vars, " ") + "</p>"
}

// templateOut renders a template: the default, with the stored change over it.
func (e *Emulator) templateOut(typ string, pos int, d *defaultTemplate) map[string]any {
	body := defaultBody(typ, d)
	out := map[string]any{
		"object": "template", "id": "tmpl_" + typ + "_" + d.slug, "instance_id": e.st.Instance.ID,
		"resource_type": "system", "template_type": typ, "name": d.name, "slug": d.slug, "position": pos,
		"can_revert": false, "can_delete": false, "can_edit_body": true, "can_toggle": true,
		"subject": nil, "markup": "", "body": body,
		"available_variables": append([]string{"app.name", "app.url"}, d.required...),
		"required_variables":  append([]string{}, d.required...),
		"from_email_name":     "notifications", "reply_to_email_name": "", "delivered_by_clerk": true,
		"enabled": true, "flagged_as_suspicious": false, "created_at": int64(0), "updated_at": int64(0),
	}
	if typ == "email" {
		out["subject"] = d.subject
	}
	if r := e.templateOverride(typ, d.slug); r != nil {
		for k, v := range r.Data {
			switch k {
			case "name", "subject", "markup", "body", "from_email_name", "reply_to_email_name", "delivered_by_clerk", "created_at", "updated_at":
				out[k] = v
			}
		}
		out["can_revert"] = true
	}
	return out
}

func (e *Emulator) listTemplates(rq *request) (any, *apiError) {
	typ, err := templateType(rq)
	if err != nil {
		return nil, err
	}
	all := make([]any, len(defaultTemplates[typ]))
	for i := range defaultTemplates[typ] {
		all[i] = e.templateOut(typ, i, &defaultTemplates[typ][i])
	}
	pg, err := page(rq, all)
	if err != nil {
		return nil, err
	}
	return listResponse(rq, pg, len(all))
}

func (e *Emulator) templateParam(rq *request) (string, int, *defaultTemplate, *apiError) {
	typ, err := templateType(rq)
	if err != nil {
		return "", 0, nil, err
	}
	slug := rq.param("slug")
	pos, d := findDefault(typ, slug)
	if d == nil {
		return "", 0, nil, errNotFound(typ + " template " + slug)
	}
	return typ, pos, d, nil
}

func (e *Emulator) getTemplate(rq *request) (any, *apiError) {
	typ, pos, d, err := e.templateParam(rq)
	if err != nil {
		return nil, err
	}
	return e.templateOut(typ, pos, d), nil
}

var emailNameRe = regexp.MustCompile(`^[a-zA-Z0-9._+-]+$`)

// setTemplate stores fields over a template's default.
func (e *Emulator) setTemplate(typ string, d *defaultTemplate, fields map[string]any, now int64) {
	r := e.templateOverride(typ, d.slug)
	if r == nil {
		data := map[string]any{"slug": d.slug, "created_at": now, "updated_at": now}
		for k, v := range fields {
			data[k] = v
		}
		e.st.Generic.insert(&genericRec{ID: e.st.IDs.next("tmpl"), Seq: e.st.IDs.seq(), Coll: "/templates/{}", Parent: typ, Data: data})
		return
	}
	e.genericUpdate(r, fields, now)
}

func (e *Emulator) upsertTemplate(rq *request) (any, *apiError) {
	typ, pos, d, err := e.templateParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("name", "subject", "markup", "body", "delivered_by_clerk", "from_email_name", "reply_to_email_name")))
	fields := map[string]any{}
	for _, k := range []string{"name", "subject", "markup", "body", "from_email_name", "reply_to_email_name"} {
		if v := f.str(k); v != nil {
			fields[k] = *v
		}
	}
	if b := f.boolp("delivered_by_clerk"); b != nil {
		fields["delivered_by_clerk"] = *b
	}
	if f.err != nil {
		return nil, f.err
	}
	if body, ok := fields["body"].(string); ok {
		if strings.TrimSpace(body) == "" {
			return nil, errValue("body", "body must not be empty.")
		}
		for _, v := range d.required {
			if !slices.ContainsFunc(templateVarRe.FindAllStringSubmatch(body, -1), func(m []string) bool { return m[1] == v }) {
				return nil, errValue("body", fmt.Sprintf("body must contain the variable {{%s}}.", v))
			}
		}
	}
	if typ == "email" {
		if s, ok := fields["subject"].(string); ok && strings.TrimSpace(s) == "" {
			return nil, errValue("subject", "subject must not be empty.")
		}
	} else if _, ok := fields["subject"]; ok {
		return nil, errValue("subject", "SMS templates have no subject.")
	}
	for _, k := range []string{"from_email_name", "reply_to_email_name"} {
		if s, ok := fields[k].(string); ok && s != "" && !emailNameRe.MatchString(s) {
			return nil, errFormat(k, fmt.Sprintf("%s must be the local part of an email address (before the @), not %q.", k, s))
		}
	}
	e.setTemplate(typ, d, fields, rq.now.UnixMilli())
	return e.templateOut(typ, pos, d), nil
}

func (e *Emulator) revertTemplate(rq *request) (any, *apiError) {
	typ, pos, d, err := e.templateParam(rq)
	if err != nil {
		return nil, err
	}
	if r := e.templateOverride(typ, d.slug); r != nil {
		e.st.Generic.remove(r)
	}
	return e.templateOut(typ, pos, d), nil
}

func (e *Emulator) toggleTemplate(rq *request) (any, *apiError) {
	typ, pos, d, err := e.templateParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("delivered_by_clerk")))
	cur, _ := e.templateOut(typ, pos, d)["delivered_by_clerk"].(bool)
	next := f.boolOr("delivered_by_clerk", !cur)
	if f.err != nil {
		return nil, f.err
	}
	e.setTemplate(typ, d, map[string]any{"delivered_by_clerk": next}, rq.now.UnixMilli())
	return e.templateOut(typ, pos, d), nil
}

// deliveredByClerk reports whether the instance delivers messages of a
// template itself (email.created / sms.created say so).
func (e *Emulator) deliveredByClerk(typ, slug string) bool {
	if r := e.templateOverride(typ, slug); r != nil {
		if b, ok := r.Data["delivered_by_clerk"].(bool); ok {
			return b
		}
	}
	return true
}

// previewTemplate renders a subject and body with sample values.
func (e *Emulator) previewTemplate(rq *request) (any, *apiError) {
	typ, _, d, err := e.templateParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("subject", "body", "from_email_name", "reply_to_email_name")))
	subject := f.strOr("subject", d.subject)
	body := f.strOr("body", defaultBody(typ, d))
	from := f.strOr("from_email_name", "notifications")
	reply := f.strOr("reply_to_email_name", "")
	if f.err != nil {
		return nil, f.err
	}
	sample := map[string]string{"app.name": "clerkscript emulator", "app.url": "https://" + e.frontendAPI(),
		"otp_code": verificationCode, "org.name": "Acme", "magic_link": "https://" + e.frontendAPI() + "/v1/verify?token=sample",
		"action_url": "https://" + e.frontendAPI() + "/v1/tickets/accept?ticket=sample"}
	render := func(s string) string {
		return templateVarRe.ReplaceAllStringFunc(s, func(m string) string {
			k := templateVarRe.FindStringSubmatch(m)[1]
			if v, ok := sample[k]; ok {
				return v
			}
			return m
		})
	}
	out := map[string]any{"subject": render(subject), "body": render(body),
		"from_email_address": from + "@" + e.frontendAPI()}
	if reply != "" {
		out["reply_to_email_address"] = reply + "@" + e.frontendAPI()
	}
	return e.shape(core.LookupSchema(rq.op.Response.Schema), out, 0), nil
}
