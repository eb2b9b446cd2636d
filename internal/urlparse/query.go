package urlparse

import (
	"errors"
	"slices"
	"strings"
)

// Values is url.Values (the same map type: url.Values(v) and Values(uv)
// convert freely), with the same methods.
type Values map[string][]string

// Get returns the first value of key, or "".
func (v Values) Get(key string) string {
	if vs := v[key]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Set replaces the values of key with value.
func (v Values) Set(key, value string) { v[key] = []string{value} }

// Add appends value to the values of key.
func (v Values) Add(key, value string) { v[key] = append(v[key], value) }

// Del removes key.
func (v Values) Del(key string) { delete(v, key) }

// Has reports whether key is present.
func (v Values) Has(key string) bool {
	_, ok := v[key]
	return ok
}

// Encode is url.Values.Encode: "k=v&k2=v2", keys sorted, each key's values
// in order.
func (v Values) Encode() string {
	if len(v) == 0 {
		return ""
	}
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b []byte
	for _, k := range keys {
		for _, val := range v[k] {
			b = AppendQuery(b, k, val)
		}
	}
	return string(b)
}

// AppendQuery appends k=v to the query b, both escaped as QueryEscape
// escapes them, after a '&' unless b is empty.
//
//go:noinline
func AppendQuery(b []byte, k, v string) []byte {
	if len(b) > 0 {
		b = append(b, '&')
	}
	b = append(b, QueryEscape(k)...)
	b = append(b, '=')
	return append(b, QueryEscape(v)...)
}

// maxParams is net/url's default limit on the pairs of a query.
const maxParams = 10000

// ParseQuery is url.ParseQuery: the pairs of a query string. Pairs with a
// bad escape or a ';' are dropped; the error reports the last ';' found,
// else the first bad escape. The map is never nil.
func ParseQuery(query string) (Values, error) {
	m := Values{}
	if strings.Count(query, "&")+1 > maxParams {
		return m, errors.New("number of URL query parameters exceeded limit")
	}
	var err error
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if strings.IndexByte(pair, ';') >= 0 {
			err = errors.New("invalid semicolon separator in query")
			continue
		}
		if pair == "" {
			continue
		}
		k, val, _ := strings.Cut(pair, "=")
		k, kerr := QueryUnescape(k)
		if kerr != nil {
			if err == nil {
				err = kerr
			}
			continue
		}
		val, verr := QueryUnescape(val)
		if verr != nil {
			if err == nil {
				err = verr
			}
			continue
		}
		m[k] = append(m[k], val)
	}
	return m, err
}
