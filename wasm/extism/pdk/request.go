package pdk

import "github.com/clerkscript/clerkscript/internal/minijson"

// HTTPRequest is the request description of http_request.
type HTTPRequest struct {
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

// appendJSON appends the request as json.Marshal encodes it (pdk_test.go
// holds it to that), without linking encoding/json.
func (r HTTPRequest) appendJSON(b []byte) []byte {
	b = append(b, `{"method":`...)
	b = minijson.AppendString(b, r.Method)
	b = append(b, `,"url":`...)
	b = minijson.AppendString(b, r.URL)
	if len(r.Headers) > 0 {
		b = append(b, `,"headers":`...)
		b, _ = minijson.Append(b, r.Headers) // a map[string]string always encodes
	}
	return append(b, '}')
}
