package core

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/clerkscript/clerkscript/internal/digest"
	"github.com/clerkscript/clerkscript/internal/minijson"
)

// Clerk webhooks are delivered by Svix and signed as Standard Webhooks
// specify: HMAC-SHA256 over "<id>.<timestamp>.<body>" with the endpoint's
// whsec_ secret, sent as space-separated "v1,<base64>" entries.

// WebhookTolerance is how far a webhook timestamp may be from now, in
// either direction, as in Svix's libraries.
const WebhookTolerance = 5 * time.Minute

// Webhook verification failures, as WebhookVerificationError.Reason.
const (
	WebhookMissingHeaders      = "missing-headers"
	WebhookInvalidSecret       = "invalid-secret"
	WebhookInvalidTimestamp    = "invalid-timestamp"
	WebhookTimestampTooOld     = "timestamp-too-old"
	WebhookTimestampTooNew     = "timestamp-too-new"
	WebhookNoMatchingSignature = "no-matching-signature"
	WebhookInvalidPayload      = "invalid-payload"
)

// WebhookVerificationError says why a webhook was rejected. It never
// contains the secret.
type WebhookVerificationError struct {
	Reason  string
	Message string
}

func (e *WebhookVerificationError) Error() string {
	return "unable to verify webhook: " + e.Message + " (reason=" + e.Reason + ")"
}

// WebhookEvent is a verified Clerk webhook.
type WebhookEvent struct {
	ID        string    // the svix-id (webhook-id) header: the message id, stable across retries
	Timestamp time.Time // the svix-timestamp header

	Type            string          // "user.created", ...
	Object          string          // "event"
	Data            json.RawMessage // the resource (a user, a session, ...)
	EventAttributes json.RawMessage // event_attributes, when present
	InstanceID      string          // instance_id, when present
	// EventTimestamp is the body's timestamp (Unix milliseconds), 0 when
	// absent.
	EventTimestamp int64
	Raw            json.RawMessage // the body as signed; empty for an empty body
}

// maxSignatureEntries bounds the work one svix-signature header can cause.
const maxSignatureEntries = 64

// VerifyWebhook checks a Clerk (Svix) webhook and returns its event. header
// must carry svix-id, svix-timestamp and svix-signature, or the Standard
// Webhooks names webhook-id, webhook-timestamp and webhook-signature (a
// net/http.Header converts directly: core.Header(r.Header)). secret is the
// endpoint's signing secret, "whsec_<base64>" (the prefix is optional). A
// zero now means the current time. body must be the raw request body, not
// a re-encoding of it.
func VerifyWebhook(secret string, header Header, body []byte, now time.Time) (*WebhookEvent, error) {
	ev, err := verifyWebhook(secret, header, body, now)
	if err != nil {
		return nil, err
	}
	return ev, nil
}

func verifyWebhook(secret string, header Header, body []byte, now time.Time) (*WebhookEvent, *WebhookVerificationError) {
	id, ts, sigs := webhookHeaders(header)
	if id.value == "" || ts.value == "" || sigs.value == "" {
		return nil, missingWebhookHeaders(id, ts, sigs)
	}

	key, werr := webhookKey(secret)
	if werr != nil {
		return nil, werr
	}

	sec, err := strconv.ParseInt(ts.value, 10, 64)
	if err != nil {
		return nil, &WebhookVerificationError{WebhookInvalidTimestamp,
			"the " + ts.name + " header " + quote(snippet([]byte(ts.value), 40)) + " is not a Unix time in seconds"}
	}
	if now.IsZero() {
		now = time.Now()
	}
	nowSec := now.Unix()
	tol := int64(WebhookTolerance / time.Second)
	switch {
	case sec < nowSec-tol:
		return nil, &WebhookVerificationError{WebhookTimestampTooOld,
			"message timestamp too old: " + rfc3339(sec) + " is more than 5 minutes before now (" + rfc3339(nowSec) + ")"}
	case sec > nowSec+tol:
		return nil, &WebhookVerificationError{WebhookTimestampTooNew,
			"message timestamp too new: " + rfc3339(sec) + " is more than 5 minutes after now (" + rfc3339(nowSec) + ")"}
	}

	// HMAC-SHA256 of "<id>.<timestamp>.<body>" (internal/digest: the
	// standard library's crypto/hmac links its FIPS module into the guest).
	mac := digest.NewHMAC256(key)
	mac.WriteString(id.value)
	mac.WriteString(".")
	mac.WriteString(ts.value)
	mac.WriteString(".")
	mac.Write(body)
	want := mac.Sum()
	if !matchSignature(sigs.value, want[:]) {
		return nil, &WebhookVerificationError{WebhookNoMatchingSignature,
			"no matching signature found (checked the v1 entries of " + sigs.name + " against the secret)"}
	}

	ev := &WebhookEvent{ID: id.value, Timestamp: time.Unix(sec, 0).UTC()}
	if len(bytes.TrimSpace(body)) == 0 {
		return ev, nil
	}
	payload, err := decodeWebhookPayload(body)
	if err != nil {
		return nil, &WebhookVerificationError{WebhookInvalidPayload,
			"the signature is valid but the body is not a JSON event: " + err.Error()}
	}
	ev.Type, ev.Object, ev.Data = payload.Type, payload.Object, payload.Data
	ev.EventAttributes, ev.InstanceID, ev.EventTimestamp = payload.EventAttributes, payload.InstanceID, payload.Timestamp
	ev.Raw = json.RawMessage(body)
	return ev, nil
}

// missingWebhookHeaders names the missing headers, with the prefix of the
// id header when it was found (svix- otherwise), comma-separated.
func missingWebhookHeaders(id, ts, sigs webhookHeader) *WebhookVerificationError {
	prefix := "svix-"
	if strings.HasPrefix(id.name, "webhook-") {
		prefix = "webhook-"
	}
	list := ""
	for i, v := range [...]string{id.value, ts.value, sigs.value} {
		if v == "" {
			if list != "" {
				list += ", "
			}
			list += prefix + [...]string{"id", "timestamp", "signature"}[i]
		}
	}
	return &WebhookVerificationError{WebhookMissingHeaders, "missing required webhook headers: " + list}
}

// rfc3339 formats the Unix time sec as now.UTC().Format(time.RFC3339) does
// for a time now of that second (the format has no fraction), in one place:
// each inlined Unix/UTC/Format chain cost the guest about 1 KB.
// time.Time.Format itself stays in the wasm guest whatever core does:
// context.Background() alone makes time.Time.String (and so Format)
// reachable, through the Deadline method's result type and the runtime's
// Stringer call when it prints a panic value; formatting by hand only
// added code (measured: +8 KB with RFC 3339 and Date.toUTCString by hand).
func rfc3339(sec int64) string {
	return time.Unix(sec, 0).UTC().Format(time.RFC3339)
}

type webhookHeader struct{ name, value string }

// webhookHeaders reads the svix-* headers, falling back to webhook-* for
// each one missing, so either naming works (Clerk sends svix-*).
func webhookHeaders(h Header) (id, ts, sig webhookHeader) {
	get := func(suffix string) webhookHeader {
		for _, p := range []string{"svix-", "webhook-"} {
			if v := strings.TrimSpace(h.Get(p + suffix)); v != "" {
				return webhookHeader{p + suffix, v}
			}
		}
		return webhookHeader{}
	}
	return get("id"), get("timestamp"), get("signature")
}

// webhookKey decodes a "whsec_<base64>" secret (prefix optional).
func webhookKey(secret string) ([]byte, *WebhookVerificationError) {
	s := strings.TrimSpace(secret)
	s = strings.TrimPrefix(s, "whsec_")
	if s == "" {
		return nil, &WebhookVerificationError{WebhookInvalidSecret, "the webhook signing secret is empty"}
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if key, err = base64.RawStdEncoding.DecodeString(s); err != nil {
			return nil, &WebhookVerificationError{WebhookInvalidSecret,
				"the webhook signing secret is not whsec_ followed by base64 (copy it from the Clerk Dashboard)"}
		}
	}
	if len(key) == 0 {
		return nil, &WebhookVerificationError{WebhookInvalidSecret, "the webhook signing secret is empty"}
	}
	return key, nil
}

// matchSignature reports whether any "v1,<base64>" entry of the
// space-separated header equals want. Every v1 entry is compared in
// constant time; other versions are skipped.
func matchSignature(header string, want []byte) bool {
	matched := false
	for i, entry := range strings.Fields(header) {
		if i >= maxSignatureEntries {
			break
		}
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err != nil {
			continue
		}
		if digest.Equal(got, want) {
			matched = true
		}
	}
	return matched
}

// webhookPayload is the part of a webhook body WebhookEvent carries.
type webhookPayload struct {
	Type            string          `json:"type"`
	Object          string          `json:"object"`
	Data            json.RawMessage `json:"data"`
	EventAttributes json.RawMessage `json:"event_attributes"`
	InstanceID      string          `json:"instance_id"`
	Timestamp       int64           `json:"timestamp"`
}

// decodeWebhookPayload decodes the body as json.Unmarshal would, error
// messages included (webhook_json_test.go holds it to that), without
// linking encoding/json.
func decodeWebhookPayload(body []byte) (webhookPayload, error) {
	var p webhookPayload
	var errs minijson.Errs
	const st = "webhookPayload"
	err := minijson.ScanStruct(body, "core."+st, func(key []byte, esc bool, v minijson.Value) {
		k := minijson.Unquote(key, esc)
		switch {
		case minijson.FieldIs(k, "type"):
			errs.Add(v.ToString(&p.Type, st, "type"))
		case minijson.FieldIs(k, "object"):
			errs.Add(v.ToString(&p.Object, st, "object"))
		case minijson.FieldIs(k, "data"):
			v.ToRaw(&p.Data)
		case minijson.FieldIs(k, "event_attributes"):
			v.ToRaw(&p.EventAttributes)
		case minijson.FieldIs(k, "instance_id"):
			errs.Add(v.ToString(&p.InstanceID, st, "instance_id"))
		case minijson.FieldIs(k, "timestamp"):
			errs.Add(v.ToInt64(&p.Timestamp, st, "timestamp", "int64"))
		}
	})
	if err == nil {
		err = errs.Err()
	}
	return p, err
}
