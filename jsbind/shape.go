package jsbind

import (
	"github.com/clerkscript/clerkscript/core"
)

// opShape is the top level of an operation's parameters: its path and query
// parameters side by side with the body's properties.
type opShape struct {
	op   *core.Operation
	body shape
}

func newOpShape(op *core.Operation) shape {
	return &opShape{op: op, body: bodyShape(op)}
}

func (s *opShape) field(wire string) shape {
	if p := s.op.Param(wire); p != nil {
		return paramShape{p: p}
	}
	if wire == "body" && s.op.Body != nil && s.op.Body.Array {
		return s.body
	}
	return shapeField(s.body, wire)
}

func (s *opShape) wireName(jsKey string) string {
	for i := range s.op.Params {
		n := s.op.Params[i].Name
		if n == jsKey || snakeToCamel(n) == jsKey {
			return n
		}
	}
	if s.body != nil && (s.op.Body == nil || !s.op.Body.Array) {
		return s.body.wireName(jsKey)
	}
	return ""
}

func (s *opShape) elem() shape    { return nil }
func (s *opShape) freeForm() bool { return false }
func (s *opShape) kind() string   { return "object" }

// paramShape describes a path or query parameter.
type paramShape struct{ p *core.Param }

func (s paramShape) field(string) shape     { return nil }
func (s paramShape) wireName(string) string { return "" }
func (s paramShape) elem() shape {
	if s.p.ItemType != "" {
		return kindShape(s.p.ItemType)
	}
	return nil
}
func (s paramShape) freeForm() bool { return false }
func (s paramShape) kind() string   { return s.p.Type }

// kindShape is a scalar of a known JSON type.
type kindShape string

func (s kindShape) field(string) shape     { return nil }
func (s kindShape) wireName(string) string { return "" }
func (s kindShape) elem() shape            { return nil }
func (s kindShape) freeForm() bool         { return false }
func (s kindShape) kind() string           { return string(s) }
