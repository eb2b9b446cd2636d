// Package minijson is a small JSON package that uses neither reflection nor
// fmt, for code that the wasm guest (GOOS=wasip1) reaches: encoding/json
// with the reflect and fmt it brings costs about 1 MB of the module, which
// every start of the plugin decodes and validates.
//
// It does what the guest needs and nothing more, each part held to
// encoding/json by differential tests and fuzz targets:
//
//   - Decode(data) is json.Unmarshal into an any: map[string]any, []any,
//     string, float64, bool and nil, the same accepted inputs (RFC 8259,
//     nesting up to 10000 levels), the same error messages for syntax errors
//     (*SyntaxError), duplicate keys resolved the same way (the last wins),
//     invalid UTF-8 and lone surrogates turned into U+FFFD, and numbers
//     outside float64's range rejected with the same *UnmarshalTypeError.
//     DecodeUseNumber is the same with json.Number for numbers (as
//     json.Decoder.UseNumber). Valid is json.Valid.
//   - Marshal(v) and Append(dst, v) are json.Marshal, byte for byte, for
//     nil, bool, string, float64, float32, the integer types, json.Number,
//     json.RawMessage (validated and compacted with HTML escaping, as
//     json.Marshal does), []any, []string, map[string]any,
//     map[string]string, map[string]json.RawMessage and any value with an
//     AppendJSON method (an Appender, trusted to append valid JSON). Other
//     types are an error. Strings are escaped HTML-safe (<, >, & as \u003c...,
//     U+2028 and U+2029 escaped, invalid UTF-8 as \ufffd), map keys are
//     sorted, floats are formatted as encoding/json formats them and NaN
//     and ±Inf are an *UnsupportedValueError. AppendString, AppendFloat and
//     AppendCompact are the pieces, for hand-written encoders.
//   - ScanObject and ScanArray walk an object or array once, calling a
//     function with the raw text of each member (a Value), for hand-written
//     typed decoders that keep only the members they know: they accept
//     exactly what encoding/json accepts and return the same *SyntaxError.
//     Value's methods turn a member into a Go value (Str, Num, Int, Bool,
//     Strings, Decode) and TypeError builds the *UnmarshalTypeError message
//     that encoding/json would give for a member of the wrong type, so typed
//     decoders keep encoding/json's behaviour: unknown members ignored, null
//     leaving a field as it is, wrong types rejected after the syntax check.
//
// Importing encoding/json for its types (json.Number, json.RawMessage) costs
// nothing: only code reachable from the module's exports is linked.
package minijson
