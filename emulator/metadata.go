package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
)

// metadataObject is a user's metadata kept as its compact JSON text rather
// than as a map: {"plan":"free"} costs 16 bytes instead of a map of boxed
// values (about 370 bytes), and it is only decoded when a request changes it.
// "" is the empty object. The text is always a valid JSON object: it is
// made by encoding a map (metaOf) or checked as it is read (UnmarshalJSON,
// the state file's fast decoder).
type metadataObject string

// metaOf encodes a metadata object (keys sorted, json.Number kept as its
// text); nil and empty give "".
func metaOf(m map[string]any) metadataObject {
	if len(m) == 0 {
		return ""
	}
	b, err := json.Marshal(m)
	if err != nil { // decoded JSON always encodes; keep the record valid anyway
		return ""
	}
	return metadataObject(b)
}

// m decodes the object (numbers as json.Number); "" gives nil.
func (r metadataObject) m() map[string]any {
	if r == "" {
		return nil
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader([]byte(r)))
	d.UseNumber()
	if d.Decode(&m) != nil {
		return nil
	}
	return m
}

// MarshalJSON writes the object; "" is {}.
func (r metadataObject) MarshalJSON() ([]byte, error) {
	if r == "" {
		return []byte("{}"), nil
	}
	return []byte(r), nil
}

// UnmarshalJSON accepts an object or null (encoding/json has checked that b
// is valid JSON).
func (r *metadataObject) UnmarshalJSON(b []byte) error {
	v, err := rawObject(b)
	if err != nil {
		return err
	}
	*r = v
	return nil
}

var errNotObject = errors.New("metadata must be a JSON object")

// rawObject turns the text of a valid JSON value into a metadataObject: null and {}
// give "", an object its compact text, anything else an error.
func rawObject(b []byte) (metadataObject, error) {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		return "", nil
	case len(b) == 0 || b[0] != '{':
		return "", errNotObject
	}
	if bytes.ContainsAny(b, " \t\r\n") {
		var buf bytes.Buffer
		if err := json.Compact(&buf, b); err != nil {
			return "", err
		}
		b = buf.Bytes()
	}
	if string(b) == "{}" {
		return "", nil
	}
	return metadataObject(b), nil
}
