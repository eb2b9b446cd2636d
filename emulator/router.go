package emulator

import (
	"net/url"
	"strings"

	"github.com/clerkscript/clerkscript/core"
)

// router matches METHOD + path (below /v1) against the operation table's path
// templates. Each HTTP method has a segment trie; at every level a literal
// segment is tried before the {param} child, so /users/count wins over
// /users/{user_id} while /users/user_123 still reaches the latter.
type router struct {
	roots map[string]*routeNode
}

type routeNode struct {
	literal   map[string]*routeNode
	param     *routeNode
	paramName string
	op        *core.Operation
}

func newRouter(ops []core.Operation) *router {
	rt := &router{roots: map[string]*routeNode{}}
	for i := range ops {
		op := &ops[i]
		root := rt.roots[op.HTTPMethod]
		if root == nil {
			root = &routeNode{}
			rt.roots[op.HTTPMethod] = root
		}
		n := root
		for _, seg := range splitPath(op.Path) {
			if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
				if n.param == nil {
					n.param = &routeNode{paramName: seg[1 : len(seg)-1]}
				}
				// Two templates may name the same position differently
				// (/users/{id} vs /users/{user_id}/...); each leaf remembers
				// its own names, collected on the way down in match.
				n = n.param
				continue
			}
			if n.literal == nil {
				n.literal = map[string]*routeNode{}
			}
			child := n.literal[seg]
			if child == nil {
				child = &routeNode{}
				n.literal[seg] = child
			}
			n = child
		}
		if n.op == nil {
			n.op = op
		}
	}
	return rt
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}

// match returns the operation for method and the escaped path below /v1, and
// the unescaped path parameters named as in that operation's template.
func (rt *router) match(method, escapedPath string) (*core.Operation, map[string]string, bool) {
	root := rt.roots[method]
	if root == nil {
		return nil, nil, false
	}
	raw := splitPath(escapedPath)
	segs := make([]string, len(raw))
	for i, s := range raw {
		u, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, false
		}
		segs[i] = u
	}
	op := root.find(segs)
	if op == nil {
		return nil, nil, false
	}
	params := map[string]string{}
	for i, seg := range splitPath(op.Path) {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			params[seg[1:len(seg)-1]] = segs[i]
		}
	}
	return op, params, true
}

func (n *routeNode) find(segs []string) *core.Operation {
	if len(segs) == 0 {
		return n.op
	}
	if child := n.literal[segs[0]]; child != nil {
		if op := child.find(segs[1:]); op != nil {
			return op
		}
	}
	if n.param != nil && segs[0] != "" {
		return n.param.find(segs[1:])
	}
	return nil
}
