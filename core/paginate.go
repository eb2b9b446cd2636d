package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"strconv"
	"strings"
)

// maxPageSize is the largest limit the operation accepts, from the spec's
// maximum on its limit parameter (500 for most lists, 100 for API keys and
// M2M tokens); 500, Clerk's usual cap, when the spec gives none.
func maxPageSize(op *Operation) int {
	if p := op.Param("limit"); p != nil && p.Max > 0 {
		return int(p.Max)
	}
	return 500
}

// usesCursor reports whether a list walks with starting_after (only /users
// has the cursor, and only with created_at ordering and no offset).
func usesCursor(op *Operation, m map[string]any) bool {
	if !op.HasParam("starting_after") {
		return false
	}
	if ob, ok := m["order_by"]; ok {
		s, _ := ob.(string)
		s = strings.TrimLeft(s, "+-")
		if s != "created_at" {
			return false
		}
	}
	if off, ok := m["offset"]; ok {
		if s, _ := scalarString(off); s != "" && s != "0" {
			return false
		}
	}
	return true
}

// Paginate walks every page of a list operation and yields its items one by
// one, holding only the current page in memory. It uses offset and limit
// (a limit in params sets the page size, default the maximum), adds
// paginated=true for the legacy bare-array lists, and follows the
// starting_after cursor on /users when the ordering allows (offsets grow
// slower with depth; the cursor does not). Iteration stops at the first
// error, which is yielded.
func (c *Client) Paginate(ctx context.Context, name string, params any, opts ...CallOption) iter.Seq2[json.RawMessage, error] {
	return func(yield func(json.RawMessage, error) bool) {
		op, ok := LookupOperation(name)
		if !ok {
			yield(nil, &UnknownOperationError{Name: name, Suggestions: SuggestOperations(name, 3)})
			return
		}
		if !op.IsList() {
			yield(nil, &ParamError{Operation: op.Name, Problem: "is not a list operation with limit and offset"})
			return
		}
		base, err := paramsMap(op.Name, params)
		if err != nil {
			yield(nil, err)
			return
		}
		m := make(map[string]any, len(base)+3)
		for k, v := range base {
			m[k] = v
		}
		limit := maxPageSize(op)
		if l, ok := m["limit"]; ok {
			s, _ := scalarString(l)
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				yield(nil, &ParamError{Operation: op.Name, Param: "limit", Problem: "must be a positive integer"})
				return
			}
			limit = min(n, maxPageSize(op))
		}
		m["limit"] = limit
		if op.Response.Shape == ShapeArray && op.Response.Paginated {
			m["paginated"] = true
		}
		cursor := usesCursor(op, m)
		offset := 0
		if off, ok := m["offset"]; ok {
			s, _ := scalarString(off)
			offset, _ = strconv.Atoi(s)
		}
		for {
			if cursor {
				delete(m, "offset")
			} else {
				m["offset"] = offset
			}
			resp, err := c.Do(ctx, op, m, opts...)
			if err != nil {
				yield(nil, err)
				return
			}
			items, total, err := decodePage(op, m, resp.Body)
			if err != nil {
				yield(nil, err)
				return
			}
			var last string
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
				last = itemID(it)
			}
			if len(items) < limit || len(items) == 0 {
				return
			}
			if total >= 0 && offset+len(items) >= total && !cursor {
				return
			}
			offset += len(items)
			if cursor {
				if last == "" {
					yield(nil, fmt.Errorf("%s: cannot follow starting_after: item has no id", op.Name))
					return
				}
				// A server that ignores the cursor would send the same
				// page for ever: stop rather than loop.
				if prev, _ := m["starting_after"].(string); prev == last {
					yield(nil, fmt.Errorf("%s: the server ignored starting_after=%s (the same page came back)", op.Name, last))
					return
				}
				m["starting_after"] = last
			}
		}
	}
}

func itemID(r json.RawMessage) string {
	var v struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(r, &v)
	return v.ID
}

// decodePage returns the items of one page and the total count (-1 when
// the shape has none).
func decodePage(op *Operation, m map[string]any, body []byte) ([]json.RawMessage, int, error) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, 0, fmt.Errorf("%s: decoding page: %w", op.Name, err)
		}
		return items, -1, nil
	}
	key := "data"
	if op.Response.ItemsKey != "" {
		key = op.Response.ItemsKey
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		return nil, 0, fmt.Errorf("%s: decoding page: %w", op.Name, err)
	}
	raw, ok := obj[key]
	if !ok {
		return nil, 0, fmt.Errorf("%s: page has no %q array", op.Name, key)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, 0, fmt.Errorf("%s: decoding page %q: %w", op.Name, key, err)
	}
	total := -1
	if tc, ok := obj["total_count"]; ok {
		_ = json.Unmarshal(tc, &total)
	}
	return items, total, nil
}
