package main

import (
	"errors"

	"github.com/clerkscript/clerkscript/internal/minijson"
)

// verify_webhook's input: the raw body as a string, and the headers as
// name -> value or name -> [values]. decodeWebhookInput reads it as the
// encoding/json code it replaced did (webhook_input_test.go holds it to
// that), without linking encoding/json; msg is the failure's message.
func decodeWebhookInput(data []byte) (body string, headers map[string][]string, msg string) {
	var hasBody bool
	var rawHeaders []minijson.Value
	var keys []string
	var index map[string]int // keys[index[name]] == name: linear in the header count
	var errs minijson.Errs
	const st = "webhookInput"
	err := minijson.ScanStruct(data, "main.webhookInput", func(key []byte, esc bool, v minijson.Value) {
		k := minijson.Unquote(key, esc)
		switch {
		case minijson.FieldIs(k, "body"):
			switch v.Kind {
			case minijson.Null:
				hasBody, body = false, ""
			case minijson.String:
				hasBody, body = true, v.Str()
			default:
				errs.Add(minijson.TypeError(v, st, "body", "string"))
			}
		case minijson.FieldIs(k, "headers"):
			switch v.Kind {
			case minijson.Null:
				rawHeaders, keys, index = nil, nil, nil
			case minijson.Object:
				// Members of a repeated "headers" merge into the map, the
				// last of a repeated name winning, as encoding/json does.
				_ = minijson.ScanObject(v.Raw, func(key []byte, esc bool, h minijson.Value) {
					name := minijson.Unquote(key, esc)
					if i, ok := index[name]; ok {
						rawHeaders[i] = h
						return
					}
					if index == nil {
						index = make(map[string]int)
					}
					index[name] = len(keys)
					keys = append(keys, name)
					rawHeaders = append(rawHeaders, h)
				})
			default:
				errs.Add(minijson.TypeError(v, st, "headers", "map[string]json.RawMessage"))
			}
		}
	})
	if err == nil {
		err = errs.Err()
	}
	if err == nil && !hasBody {
		err = errors.New(`"body" is missing`)
	}
	if err != nil {
		return "", nil, `verify_webhook: want {"body","headers"}: ` + err.Error()
	}
	headers = make(map[string][]string, len(keys))
	for i, k := range keys {
		v := rawHeaders[i]
		switch v.Kind {
		case minijson.String, minijson.Null:
			headers[k] = []string{v.Str()}
			continue
		}
		many, err := v.Strings("", "")
		if err != nil {
			return "", nil, "verify_webhook: header " + quote(k) + ": want a string or a list of strings"
		}
		headers[k] = many
	}
	return body, headers, ""
}
