package emulator

import (
	"fmt"
	"html"
)

// The emulator sends no email. Where Clerk would send one (an invitation, an
// organization invitation, a waitlist invitation), it emits the email.created
// webhook Clerk emits, with the message it would have sent, so an
// application's email handling can be tested; no record is kept.

// sendEmail emits email.created for a message the instance would send.
func (e *Emulator) sendEmail(slug, to, userID, subject string, data map[string]any) {
	h := e.hooks
	if !h.active() {
		return
	}
	var uid any
	if userID != "" {
		uid = userID
	}
	var emailID any
	if r := e.st.identByValue("email_address", to); r != nil {
		emailID, uid = r.ID, r.UserID
	}
	link, _ := data["action_url"].(string)
	plain := fmt.Sprintf("%s\n\n%s\n", subject, link)
	body := fmt.Sprintf("<!DOCTYPE html><html><body><p>%s</p><p><a href=\"%s\">Accept</a></p></body></html>",
		html.EscapeString(subject), html.EscapeString(link))
	h.mu.Lock()
	id := h.ids.next("ema")
	h.mu.Unlock()
	data["app"] = map[string]any{"name": "clerkscript emulator", "domain_name": e.frontendAPI()}
	e.emit("email.created", map[string]any{
		"object": "email", "id": id, "slug": slug,
		"from_email_name": "notifications", "reply_to_email_name": nil,
		"to_email_address": to, "email_address_id": emailID, "user_id": uid,
		"subject": subject, "body": body, "body_plain": plain, "status": "queued",
		"data": data, "delivered_by_clerk": e.deliveredByClerk("email", slug), // templates.go
	})
}

// sendSMS emits sms.created for a message the instance would send to a
// phone number.
func (e *Emulator) sendSMS(slug string, to *identRec, message string) {
	h := e.hooks
	if !h.active() {
		return
	}
	h.mu.Lock()
	id := h.ids.next("sms")
	h.mu.Unlock()
	e.emit("sms.created", map[string]any{
		"object": "sms_message", "id": id, "slug": slug, "from_phone_number": "+15555550000",
		"to_phone_number": to.Value, "phone_number_id": to.ID, "user_id": to.UserID, "message": message,
		"status": "queued", "data": map[string]any{"otp_code": verificationCode}, "delivered_by_clerk": e.deliveredByClerk("sms", slug),
		"created_at_ms": e.nowMs(),
	})
}
