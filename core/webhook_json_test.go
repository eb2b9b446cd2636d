package core

import (
	"encoding/json"
	"reflect"
	"testing"
)

var webhookJSONCases = []string{
	`{"type":"user.created","object":"event","data":{"id":"user_1","x":[1, 2]},"event_attributes":{"http_request":{}},"instance_id":"ins_1","timestamp":1700000000000}`,
	`{"data":null}`, `{"TYPE":"a","Type":"b"}`, `{"timestamp":1.5}`, `{"timestamp":"1"}`, `{"timestamp":1e3}`, `{"type":1,"timestamp":"x"}`,
	`[]`, `null`, `"x"`, `{`, `{"a":1} 2`, `{"data":[1e400]}`, `{"instance_id":null,"object":false}`, `{"timestamp":-9223372036854775809}`,
}

func checkWebhookJSON(t *testing.T, data []byte) {
	t.Helper()
	var want webhookPayload
	wantErr := json.Unmarshal(data, &want)
	got, err := decodeWebhookPayload(data)
	if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
		t.Fatalf("decodeWebhookPayload(%q) err = %v, encoding/json %v", data, err, wantErr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("decodeWebhookPayload(%q) = %#v, encoding/json %#v", data, got, want)
	}
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
