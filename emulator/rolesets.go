package emulator

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Role sets hold organization roles by key; responses carry them as
// RoleSetItem objects (roles, default_role, creator_role).

func init() {
	register(map[string]handlerFunc{
		"roleSets.addRoles":    (*Emulator).addRolesToRoleSet,
		"roleSets.replaceRole": (*Emulator).replaceRoleInRoleSet,
	})
}

// roleItem renders a role of the instance as a RoleSetItem.
func (e *Emulator) roleItem(key string) map[string]any {
	item := map[string]any{"object": "role_set_item", "key": key, "description": nil,
		"id": "role_" + strings.TrimPrefix(key, "org:"), "created_at": int64(0), "updated_at": int64(0)}
	if r, ok := roles[key]; ok {
		item["name"] = r.name
		return item
	}
	for r := range e.st.genByColl.m["/organization_roles|"] {
		if r.Data["key"] == key {
			item["id"], item["name"], item["description"] = r.ID, r.Data["name"], r.Data["description"]
			item["created_at"], item["updated_at"] = r.Data["created_at"], r.Data["updated_at"]
		}
	}
	return item
}

var nonKeyRe = regexp.MustCompile(`[^a-z0-9_]+`)

// prepareRoleSet turns the role keys of a create or update body into items.
func prepareRoleSet(e *Emulator, b map[string]any) {
	if keys, ok := b["roles"].([]any); ok {
		items := make([]any, 0, len(keys))
		for _, k := range keys {
			items = append(items, e.roleItem(fmt.Sprint(k)))
		}
		b["roles"] = items
	}
	for f, out := range map[string]string{"default_role_key": "default_role", "creator_role_key": "creator_role"} {
		if k, ok := b[f].(string); ok {
			b[out] = e.roleItem(k)
		}
	}
}

// roleSetDefaults derives a new role set's key from its name when none is
// given; a set made through the API is "custom".
func roleSetDefaults(_ *Emulator, b map[string]any) {
	if _, ok := b["key"]; !ok {
		if n, ok := b["name"].(string); ok {
			b["key"] = "role_set:" + strings.Trim(nonKeyRe.ReplaceAllString(strings.ToLower(n), "_"), "_")
		}
	}
	if _, ok := b["type"]; !ok {
		b["type"] = "custom"
	}
}

func roleSetKeys(r *genericRec) []string {
	var out []string
	list, _ := r.Data["roles"].([]any)
	for _, it := range list {
		if m, ok := it.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["key"]))
		}
	}
	return out
}

func (e *Emulator) roleSetParam(rq *request) (*genericRec, *apiError) {
	id := rq.param("role_set_key_or_id")
	if r := e.st.Generic.get(id); r != nil && r.Coll == "/role_sets" {
		return r, nil
	}
	for r := range e.st.genByColl.m["/role_sets|"] {
		if r.Data["key"] == id {
			return r, nil
		}
	}
	return nil, errNotFound("role set " + id)
}

// addRolesToRoleSet adds roles (by key), optionally making them the default
// or creator role.
func (e *Emulator) addRolesToRoleSet(rq *request) (any, *apiError) {
	rs, err := e.roleSetParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	add, _ := f.strs("role_keys")
	def := f.strOr("default_role_key", "")
	creator := f.strOr("creator_role_key", "")
	if f.err != nil {
		return nil, f.err
	}
	if len(add) == 0 {
		return nil, errMissing("role_keys")
	}
	keys := roleSetKeys(rs)
	for _, k := range add {
		if !e.roleExists(k) {
			return nil, errNotFound("organization role " + k)
		}
		if slices.Contains(keys, k) {
			return nil, errDuplicate(fmt.Sprintf("The role %s is already in the role set.", k), nil)
		}
		keys = append(keys, k)
	}
	for name, k := range map[string]string{"default_role_key": def, "creator_role_key": creator} {
		if k != "" && !slices.Contains(keys, k) {
			return nil, errValue(name, fmt.Sprintf("%s %s must be one of the role set's roles.", name, k))
		}
	}
	body := map[string]any{"roles": toAnys(keys)}
	if def != "" {
		body["default_role_key"] = def
	}
	if creator != "" {
		body["creator_role_key"] = creator
	}
	prepareRoleSet(e, body)
	e.genericUpdate(rs, body, rq.now.UnixMilli())
	return e.render(rq.op, rs, ""), nil
}

// replaceRoleInRoleSet swaps one role of the set for another; the default
// and creator roles follow.
func (e *Emulator) replaceRoleInRoleSet(rq *request) (any, *apiError) {
	rs, err := e.roleSetParam(rq)
	if err != nil {
		return nil, err
	}
	f := rq.body
	from := f.reqStr("role_key")
	to := f.reqStr("to_role_key")
	if f.err != nil {
		return nil, f.err
	}
	keys := roleSetKeys(rs)
	i := slices.Index(keys, from)
	if i < 0 {
		return nil, errNotFound("role " + from + " in role set " + fmt.Sprint(rs.Data["key"]))
	}
	if !e.roleExists(to) {
		return nil, errNotFound("organization role " + to)
	}
	if slices.Contains(keys, to) {
		keys = slices.Delete(keys, i, i+1)
	} else {
		keys[i] = to
	}
	body := map[string]any{"roles": toAnys(keys)}
	for _, f := range []string{"default_role_key", "creator_role_key"} {
		if rs.Data[f] == from {
			body[f] = to
		}
	}
	prepareRoleSet(e, body)
	e.genericUpdate(rs, body, rq.now.UnixMilli())
	return e.render(rq.op, rs, ""), nil
}

func toAnys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
