package codegen

import (
	"fmt"
	"strconv"

	"gopkg.in/yaml.v3"
)

// omap is a YAML mapping that remembers key order: property order in the spec
// becomes field order in the Go models, which keeps them readable.
type omap struct {
	keys []string
	vals map[string]any
}

func (m *omap) get(k string) any {
	if m == nil {
		return nil
	}
	return m.vals[k]
}

// keyList returns the keys in document order (nil for a nil map).
func (m *omap) keyList() []string {
	if m == nil {
		return nil
	}
	return m.keys
}

func (m *omap) has(k string) bool {
	if m == nil {
		return false
	}
	_, ok := m.vals[k]
	return ok
}

func (m *omap) str(k string) string {
	s, _ := m.get(k).(string)
	return s
}

func (m *omap) bool(k string) bool {
	b, _ := m.get(k).(bool)
	return b
}

func (m *omap) m(k string) *omap {
	o, _ := m.get(k).(*omap)
	return o
}

func (m *omap) list(k string) []any {
	l, _ := m.get(k).([]any)
	return l
}

// parseYAML decodes a YAML document into *omap, []any and scalars.
func parseYAML(data []byte) (*omap, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, err
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("not a single YAML document")
	}
	v, err := convertNode(doc.Content[0], 0)
	if err != nil {
		return nil, err
	}
	root, ok := v.(*omap)
	if !ok {
		return nil, fmt.Errorf("top level is not a mapping")
	}
	return root, nil
}

func convertNode(n *yaml.Node, depth int) (any, error) {
	if depth > 200 {
		return nil, fmt.Errorf("line %d: nesting too deep", n.Line)
	}
	switch n.Kind {
	case yaml.MappingNode:
		m := &omap{vals: make(map[string]any, len(n.Content)/2)}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			if _, dup := m.vals[k]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", n.Content[i].Line, k)
			}
			v, err := convertNode(n.Content[i+1], depth+1)
			if err != nil {
				return nil, err
			}
			m.keys = append(m.keys, k)
			m.vals[k] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := convertNode(c, depth+1)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!bool":
			return n.Value == "true" || n.Value == "True" || n.Value == "TRUE", nil
		case "!!int":
			i, err := strconv.ParseInt(n.Value, 0, 64)
			if err != nil {
				return n.Value, nil
			}
			return i, nil
		case "!!float":
			f, err := strconv.ParseFloat(n.Value, 64)
			if err != nil {
				return n.Value, nil
			}
			return f, nil
		case "!!null":
			return nil, nil
		}
		return n.Value, nil
	case yaml.AliasNode:
		return convertNode(n.Alias, depth+1)
	}
	return nil, fmt.Errorf("line %d: unsupported YAML node", n.Line)
}
