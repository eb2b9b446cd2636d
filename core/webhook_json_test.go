package core

import (
	"github.com/clerkscript/clerkscript/internal/minijson/minijsontest"

	"testing"
)

var webhookJSONCases = []string{
	`{"type":"user.created","object":"event","data":{"id":"user_1","x":[1, 2]},"event_attributes":{"http_request":{}},"instance_id":"ins_1","timestamp":1700000000000}`,
	`{"data":null}`, `{"TYPE":"a","Type":"b"}`, `{"timestamp":1.5}`, `{"timestamp":"1"}`, `{"timestamp":1e3}`, `{"type":1,"timestamp":"x"}`,
	`[]`, `null`, `"x"`, `{`, `{"a":1} 2`, `{"data":[1e400]}`, `{"instance_id":null,"object":false}`, `{"timestamp":-9223372036854775809}`,
}

func checkWebhookJSON(t *testing.T, data []byte) {
	t.Helper()
	minijsontest.SameDecode(t, "decodeWebhookPayload", data, decodeWebhookPayload)
}

func TestWebhookJSONMatchesEncodingJSON(t *testing.T) {
	for _, c := range webhookJSONCases {
		checkWebhookJSON(t, []byte(c))
	}
}

func FuzzWebhookJSON(f *testing.F) {
	for _, c := range webhookJSONCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkWebhookJSON(t, data) })
}
