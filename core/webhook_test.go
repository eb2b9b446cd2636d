package core

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testWebhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

func webhookSign(secret, id string, ts int64, body string) string {
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + strconv.FormatInt(ts, 10) + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func svixHeaders(id string, ts int64, sig string) Header {
	h := Header{}
	h.Set("svix-id", id)
	h.Set("svix-timestamp", strconv.FormatInt(ts, 10))
	h.Set("svix-signature", sig)
	return h
}

// The example from Svix's documentation: an independent check of the
// signing scheme.
func TestVerifyWebhookSvixDocsVector(t *testing.T) {
	h := svixHeaders("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	ev, err := VerifyWebhook(testWebhookSecret, h, []byte(`{"test": 2432232314}`), time.Unix(1614265330, 0))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "msg_p5jXN8AQM9LWM0D4loKWxJek" || !ev.Timestamp.Equal(time.Unix(1614265330, 0)) {
		t.Fatalf("%+v", ev)
	}
}

func TestVerifyWebhookVectors(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	ts := now.Unix()
	body := `{"data":{"id":"user_1","object":"user"},"event_attributes":{"http_request":{"client_ip":"1.2.3.4"}},"instance_id":"ins_1","object":"event","timestamp":1750000000000,"type":"user.created"}`
	good := webhookSign(testWebhookSecret, "msg_1", ts, body)
	other := webhookSign("whsec_"+base64.StdEncoding.EncodeToString([]byte("another secret!!")), "msg_1", ts, body)

	for _, tc := range []struct {
		name   string
		secret string
		header Header
		body   string
		now    time.Time
		reason string
		msg    string
	}{
		{name: "valid", header: svixHeaders("msg_1", ts, good)},
		{name: "secret without prefix", secret: strings.TrimPrefix(testWebhookSecret, "whsec_"), header: svixHeaders("msg_1", ts, good)},
		{name: "several signatures, one matching", header: svixHeaders("msg_1", ts, other+" v2,abc "+good)},
		{name: "v1a entries skipped", header: svixHeaders("msg_1", ts, strings.Replace(good, "v1,", "v1a,", 1)), reason: WebhookNoMatchingSignature},
		{name: "4 min 59 old", header: svixHeaders("msg_1", ts, good), now: now.Add(5 * time.Minute)},
		{name: "5 min 1 s old", header: svixHeaders("msg_1", ts, good), now: now.Add(5*time.Minute + time.Second), reason: WebhookTimestampTooOld, msg: "too old"},
		{name: "5 min 1 s in the future", header: svixHeaders("msg_1", ts, good), now: now.Add(-5*time.Minute - time.Second), reason: WebhookTimestampTooNew, msg: "too new"},
		{name: "wrong secret", secret: "whsec_" + base64.StdEncoding.EncodeToString([]byte("wrong")), header: svixHeaders("msg_1", ts, good), reason: WebhookNoMatchingSignature},
		{name: "only other signatures", header: svixHeaders("msg_1", ts, other), reason: WebhookNoMatchingSignature},
		{name: "tampered body", header: svixHeaders("msg_1", ts, good), body: strings.Replace(body, "user_1", "user_2", 1), reason: WebhookNoMatchingSignature},
		{name: "tampered id", header: svixHeaders("msg_2", ts, good), reason: WebhookNoMatchingSignature},
		{name: "signature not base64", header: svixHeaders("msg_1", ts, "v1,@@@"), reason: WebhookNoMatchingSignature},
		{name: "missing headers", header: Header{}, reason: WebhookMissingHeaders, msg: "svix-id, svix-timestamp, svix-signature"},
		{name: "missing signature", header: func() Header { h := svixHeaders("msg_1", ts, good); h.Del("svix-signature"); return h }(), reason: WebhookMissingHeaders, msg: "missing required webhook headers: svix-signature"},
		{name: "standard webhook names", header: Header{"Webhook-Id": {"msg_1"}, "Webhook-Timestamp": {strconv.FormatInt(ts, 10)}, "Webhook-Signature": {good}}},
		{name: "standard webhook names, two missing", header: Header{"Webhook-Id": {"msg_1"}}, reason: WebhookMissingHeaders, msg: "missing required webhook headers: webhook-timestamp, webhook-signature"},
		{name: "id missing", header: func() Header { h := svixHeaders("msg_1", ts, good); h.Del("svix-id"); return h }(), reason: WebhookMissingHeaders, msg: "missing required webhook headers: svix-id"},
		{name: "timestamp not a number", header: svixHeaders("msg_1", ts, good), reason: WebhookInvalidTimestamp},
		{name: "empty secret", secret: "whsec_", header: svixHeaders("msg_1", ts, good), reason: WebhookInvalidSecret},
		{name: "secret not base64", secret: "whsec_!!!!", header: svixHeaders("msg_1", ts, good), reason: WebhookInvalidSecret},
		{name: "signed body not JSON", header: svixHeaders("msg_1", ts, webhookSign(testWebhookSecret, "msg_1", ts, "nope")), body: "nope", reason: WebhookInvalidPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			secret := tc.secret
			if secret == "" {
				secret = testWebhookSecret
			}
			b := tc.body
			if b == "" {
				b = body
			}
			n := tc.now
			if n.IsZero() {
				n = now
			}
			if tc.name == "timestamp not a number" {
				tc.header.Set("svix-timestamp", "17e8")
			}
			ev, err := VerifyWebhook(secret, tc.header, []byte(b), n)
			if tc.reason == "" {
				if err != nil {
					t.Fatal(err)
				}
				if ev.Type != "user.created" || ev.Object != "event" || ev.InstanceID != "ins_1" ||
					ev.EventTimestamp != 1750000000000 || string(ev.Data) != `{"id":"user_1","object":"user"}` ||
					string(ev.Raw) != body || len(ev.EventAttributes) == 0 {
					t.Fatalf("event %+v", ev)
				}
				return
			}
			var we *WebhookVerificationError
			if !errors.As(err, &we) || we.Reason != tc.reason {
				t.Fatalf("err %v, want reason %s", err, tc.reason)
			}
			if !strings.Contains(we.Message, tc.msg) {
				t.Fatalf("message %q does not contain %q", we.Message, tc.msg)
			}
			if strings.Contains(err.Error(), strings.TrimPrefix(secret, "whsec_")) && len(secret) > 6 {
				t.Fatal("error leaks the secret")
			}
			if ev != nil {
				t.Fatal("event returned with an error")
			}
		})
	}
}

func TestVerifyWebhookFromNetHTTPHeader(t *testing.T) {
	ts := time.Now().Unix()
	hh := http.Header{}
	hh.Set("Svix-Id", "msg_9")
	hh.Set("Svix-Timestamp", strconv.FormatInt(ts, 10))
	hh.Set("Svix-Signature", webhookSign(testWebhookSecret, "msg_9", ts, ""))
	ev, err := VerifyWebhook(testWebhookSecret, Header(hh), nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "msg_9" || ev.Raw != nil {
		t.Fatalf("%+v", ev)
	}
}

func webhookSignKey(key []byte, id, ts, body string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(id + "." + ts + "." + body))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// rfc3339(now.Unix()) is what the timestamp messages printed before:
// now.UTC().Format(time.RFC3339), whatever now's zone, fraction or
// monotonic reading.
func TestRFC3339OfUnixMatchesFormat(t *testing.T) {
	for _, now := range []time.Time{
		time.Now(),
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("x", -7*3600)),
		time.Date(1969, 12, 31, 23, 59, 59, 500, time.UTC),
		time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(12000, 6, 1, 0, 0, 0, 0, time.FixedZone("y", 5*3600+1800)),
		{},
	} {
		if got, want := rfc3339(now.Unix()), now.UTC().Format(time.RFC3339); got != want {
			t.Errorf("rfc3339(%d) = %q, now.UTC().Format %q", now.Unix(), got, want)
		}
	}
}
