package jsbind

import (
	"sync"

	"github.com/clerkscript/clerkscript/core"
)

// schemaShape adapts the derived schema set (core.LookupSchema) to shape.
type schemaShape struct{ s *core.Schema }

func wrapSchema(s *core.Schema) shape {
	s = s.Resolve()
	if s == nil {
		return nil
	}
	return schemaShape{s}
}

// bodyShape returns the shape of an operation's request body.
func bodyShape(op *core.Operation) shape {
	if op.Body == nil || op.Body.Schema == "" {
		return nil
	}
	return wrapSchema(core.LookupSchema(op.Body.Schema))
}

// responseShape returns the shape of an operation's response.
func responseShape(op *core.Operation) shape {
	if op.Response.Schema == "" {
		return nil
	}
	return wrapSchema(core.LookupSchema(op.Response.Schema))
}

// variants lists a schema and the branches of its compositions: a property
// declared in any branch is known.
func variants(s *core.Schema) []*core.Schema {
	out := []*core.Schema{s}
	for _, group := range [][]*core.Schema{s.AllOf, s.OneOf, s.AnyOf} {
		for _, b := range group {
			if r := b.Resolve(); r != nil {
				out = append(out, variants(r)...)
			}
		}
	}
	return out
}

func (s schemaShape) field(wire string) shape {
	for _, v := range variants(s.s) {
		if p := v.Property(wire); p != nil {
			return wrapSchema(p)
		}
	}
	return nil
}

// camelIndex caches, per schema, the JS name → wire name of its properties.
var camelIndex sync.Map // *core.Schema -> map[string]string

func (s schemaShape) wireName(jsKey string) string {
	idx, ok := camelIndex.Load(s.s)
	if !ok {
		m := map[string]string{}
		for _, v := range variants(s.s) {
			for name := range v.Properties {
				m[name] = name
				if c := snakeToCamel(name); c != name {
					if _, taken := m[c]; !taken {
						m[c] = name
					}
				}
			}
		}
		idx, _ = camelIndex.LoadOrStore(s.s, m)
	}
	return idx.(map[string]string)[jsKey]
}

func (s schemaShape) elem() shape {
	if s.s.Items == nil {
		return nil
	}
	return wrapSchema(s.s.Items)
}

func (s schemaShape) freeForm() bool { return s.s.IsFreeForm() }
func (s schemaShape) kind() string   { return s.s.Type }
