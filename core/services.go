package core

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
)

// serviceParams merges path arguments, params and an array body into the
// one flat params object Call takes.
func serviceParams(name string, path []string, params, body any) (json.RawMessage, error) {
	obj := map[string]json.RawMessage{}
	if params != nil {
		b, err := json.Marshal(params)
		if err != nil {
			return nil, &ParamError{Operation: name, Problem: "cannot encode params: " + err.Error()}
		}
		if string(b) != "null" {
			if err := json.Unmarshal(b, &obj); err != nil {
				return nil, &ParamError{Operation: name, Problem: "params must encode to a JSON object: " + err.Error()}
			}
		}
	}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, &ParamError{Operation: name, Param: "body", Problem: err.Error()}
		}
		obj["body"] = b
	}
	for i := 0; i+1 < len(path); i += 2 {
		b, _ := json.Marshal(path[i+1])
		obj[path[i]] = b
	}
	in, err := json.Marshal(obj)
	if err != nil {
		return nil, &ParamError{Operation: name, Problem: err.Error()}
	}
	return in, nil
}

// callService is what every generated service method does: one Call with
// the merged params, the response decoded into out.
func (c *Client) callService(ctx context.Context, name string, path []string, params, body, out any, opts []CallOption) error {
	in, err := serviceParams(name, path, params, body)
	if err != nil {
		return err
	}
	raw, err := c.Call(ctx, name, in, opts...)
	if err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("clerk: %s: decoding the response: %w", name, err)
	}
	return nil
}

// allItems is what every generated iterator does: Paginate with the merged
// params, each item decoded into T as it is yielded.
func allItems[T any](ctx context.Context, c *Client, name string, path []string, params any, opts []CallOption) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		in, err := serviceParams(name, path, params, nil)
		if err != nil {
			yield(zero, err)
			return
		}
		for raw, err := range c.Paginate(ctx, name, in, opts...) {
			if err != nil {
				yield(zero, err)
				return
			}
			var v T
			if err := json.Unmarshal(raw, &v); err != nil {
				yield(zero, fmt.Errorf("clerk: %s: decoding an item: %w", name, err))
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}
