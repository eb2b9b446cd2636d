package emulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/clerkscript/clerkscript/core"
)

// Generic emulation: every operation without a handler of its own is served
// from the spec, statefully. Its path says what it does to which record:
//
//	POST /things                  create (a record built from the body)
//	GET  /things                  list (limit/offset, shaped as the spec says)
//	GET  /things/{id}             get (404 resource_not_found when absent)
//	PATCH|PUT /things/{id}        update (body fields merged in)
//	DELETE /things/{id}           delete
//	POST /things/{id}/revoke ...  an action on the record (revoke sets
//	                              revoked, rotate* renews its secrets)
//	GET|PATCH /instance/protect   a singleton, created on first use
//	POST /things/verify           finds the record holding the given secret
//
// and nested collections (/directories/{id}/group_role_mappings) work the
// same below their parent, which must exist. Bodies are checked against the
// request schema (unknown keys, missing required keys, wrong JSON types, with
// Clerk's codes) and every response is the record projected onto the
// response schema: required properties are always present (null where the
// schema allows it), so responses are spec-shaped. What such a record cannot
// do is documented in the README: no SAML round trip, no billing, no email.

// genericRec is one record of a generically emulated collection.
type genericRec struct {
	ID     string         `json:"id"`
	Seq    uint64         `json:"seq"`
	Coll   string         `json:"collection"` // e.g. "/api_keys", "/directories/{}/group_role_mappings"
	Parent string         `json:"parent,omitempty"`
	Data   map[string]any `json:"data"`
}

func (r *genericRec) key() string { return r.ID }
func (r *genericRec) seq() uint64 { return r.Seq }

var _ = declare(&resource[*genericRec]{
	name: "generic_records", prefix: "rec", field: func(s *state) **table[*genericRec] { return &s.Generic },
	indexes: func(s *state, t *table[*genericRec]) []index[*genericRec] {
		s.genByColl = newMulti(func(r *genericRec) string { return r.Coll + "|" + r.Parent })
		return []index[*genericRec]{s.genByColl}
	},
})

// genericPrefixes are the id prefixes Clerk uses for these collections.
var genericPrefixes = map[string]string{
	"api_keys": "ak", "machines": "mch", "oauth_applications": "oa", "saml_connections": "samlc",
	"enterprise_connections": "entc", "organization_roles": "role", "organization_permissions": "perm",
	"role_sets": "rs", "domains": "dmn", "directories": "dir", "scim_directories": "scimdir",
	"m2m_tokens": "mt", "tasks": "agt", "admin_portal_link_tokens": "aplt", "prices": "cprice",
	"group_role_mappings": "grm", "test_runs": "ectr", "scopes": "msc", "trusted_devices": "td",
	"discounts": "cdr", "credits": "ccl",
}

// Events of generic collections (role.*, permission.*), by collection.
var genericEvents = map[string][2]string{
	"/organization_roles":       {"role", "Role"},
	"/organization_permissions": {"permission", "Permission"},
}

type genericKind int

const (
	gCreate genericKind = iota
	gList
	gGet
	gUpdate
	gDelete
	gAction
	gSingleton
	gVerify
	gReplaceList
)

// genericPlan is what an operation does: its kind, the collection it works
// on, and the path parameters naming the parent record and the record.
type genericPlan struct {
	kind        genericKind
	coll        string // collection key, parameters replaced by {}
	parentParam string // path parameter of the parent record, "" at top level
	parentColl  string
	idParam     string // path parameter of the record (get/update/delete/action)
	action      string // last literal for actions ("revoke", "rotate_secret", ...)
}

func isParam(seg string) bool { return strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") }

func collKey(segs []string) string {
	out := make([]string, len(segs))
	for i, s := range segs {
		if isParam(s) {
			s = "{}"
		}
		out[i] = s
	}
	return "/" + strings.Join(out, "/")
}

// genericCollections are the paths that hold records: those some operation
// lists, and those followed by a record's {id} in some path. Built on first
// use: decoding the operation table at init would weigh on every command.
var genericCollections = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, op := range core.Operations() {
		segs := splitPath(op.Path)
		if op.HTTPMethod == http.MethodGet && op.IsList() {
			m[collKey(segs)] = true
		}
		for i, seg := range segs {
			if isParam(seg) && i > 0 {
				m[collKey(segs[:i])] = true
			}
		}
	}
	return m
})

func planFor(op *core.Operation) genericPlan {
	segs := splitPath(op.Path)
	last := len(segs) - 1
	parentOf := func(upto int) (string, string) {
		// the nearest {param} before index upto names the parent record
		for i := upto - 1; i >= 0; i-- {
			if isParam(segs[i]) {
				return segs[i][1 : len(segs[i])-1], collKey(segs[:i])
			}
		}
		return "", ""
	}
	if op.HTTPMethod == http.MethodGet && op.IsList() {
		p := genericPlan{kind: gList, coll: collKey(segs)}
		p.parentParam, p.parentColl = parentOf(last + 1)
		return p
	}
	if last >= 0 && isParam(segs[last]) {
		p := genericPlan{coll: collKey(segs[:last]), idParam: segs[last][1 : len(segs[last])-1]}
		p.parentParam, p.parentColl = parentOf(last)
		switch op.HTTPMethod {
		case http.MethodGet:
			p.kind = gGet
		case http.MethodDelete:
			p.kind = gDelete
		default:
			p.kind = gUpdate // PUT upserts: created when absent
		}
		return p
	}
	if last >= 1 && segs[last] == "verify" && !strings.Contains(op.Path, "{") {
		return genericPlan{kind: gVerify, coll: collKey(segs[:last])}
	}
	coll := collKey(segs)
	if genericCollections()[coll] {
		p := genericPlan{coll: coll}
		p.parentParam, p.parentColl = parentOf(last)
		switch op.HTTPMethod {
		case http.MethodPut:
			p.kind = gReplaceList
		case http.MethodGet:
			p.kind = gList // a list the spec does not mark as one (.../group_role_mappings)
		default:
			p.kind = gCreate
		}
		return p
	}
	// A literal after a record: an action on it, or a sub-resource read.
	if last >= 1 && isParam(segs[last-1]) {
		p := genericPlan{kind: gAction, coll: collKey(segs[:last-1]), idParam: segs[last-1][1 : len(segs[last-1])-1], action: segs[last]}
		p.parentParam, p.parentColl = parentOf(last - 1)
		return p
	}
	// Anything else is a singleton at its path (/instance/protect,
	// /users/{user_id}/billing/credits: one per user).
	p := genericPlan{kind: gSingleton, coll: coll}
	p.parentParam, p.parentColl = parentOf(last + 1)
	return p
}

// genericHandler serves op from its plan.
func genericHandler(e *Emulator, rq *request) (any, *apiError) {
	p := planFor(rq.op)
	if err := checkGenericBody(rq); err != nil {
		return nil, err
	}
	for _, prm := range rq.op.Params {
		if prm.In == "query" && prm.Required && len(rq.qList(prm.Name)) == 0 {
			return nil, errMissing(prm.Name)
		}
	}
	s := e.st
	parent := ""
	if p.parentParam != "" {
		parent = rq.param(p.parentParam)
		if err := e.checkParent(p.parentColl, parent); err != nil {
			return nil, err
		}
	}
	now := rq.now.UnixMilli()
	find := func() (*genericRec, *apiError) {
		id := rq.param(p.idParam)
		if r := s.Generic.get(id); r != nil && r.Coll == p.coll && r.Parent == parent {
			return r, nil
		}
		// Records addressable by key or slug (role sets, templates).
		for r := range s.genByColl.m[p.coll+"|"+parent] {
			if r.Data["key"] == id || r.Data["slug"] == id {
				return r, nil
			}
		}
		if r := e.builtinRecord(p.coll, id); r != nil && parent == "" {
			return r, nil // builtins.go; Seq 0: not stored
		}
		return nil, errNotFound(strings.TrimPrefix(p.coll, "/") + " " + id)
	}
	switch p.kind {
	case gCreate:
		body, err := e.genericCheck(p.coll, parent, rq.body.m, nil) // generic_rules.go
		if err != nil {
			return nil, err
		}
		r := e.genericCreateFrom(body, rq.op, p.coll, parent, "", now)
		if rule, ok := genericRules[p.coll]; ok && rule.created != nil {
			e.st.Generic.update(r, func() { rule.created(e, r) })
		}
		return e.render(rq.op, r, ""), nil
	case gList:
		all := s.genByColl.get(p.coll + "|" + parent)
		if parent == "" {
			all = append(e.builtinRecords(p.coll), all...)
		}
		items, err := e.genericFilter(rq, p.coll, all)
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, len(items))
		for _, r := range items {
			out = append(out, r)
		}
		return e.renderList(rq, out)
	case gGet:
		r, err := find()
		if err != nil {
			return nil, err
		}
		return e.render(rq.op, r, ""), nil
	case gUpdate:
		r, err := find()
		if err != nil && rq.op.HTTPMethod == http.MethodPut {
			body := cloneMap(rq.body.m)
			body["slug"] = rq.param(p.idParam)
			r = e.genericCreateFrom(body, rq.op, p.coll, parent, "", now)
			return e.render(rq.op, r, ""), nil
		}
		if err != nil {
			return nil, err
		}
		if r.Seq == 0 {
			return nil, errBuiltin(r)
		}
		body, err := e.genericCheck(p.coll, parent, rq.body.m, r)
		if err != nil {
			return nil, err
		}
		old := r.Data
		e.genericUpdate(r, body, now)
		if rule, ok := genericRules[r.Coll]; ok && rule.updated != nil {
			rule.updated(e, r, old, now)
		}
		return e.render(rq.op, r, ""), nil
	case gDelete:
		if p.coll == "/domains" && rq.param(p.idParam) == e.primaryDomainID() {
			return nil, newErr(http.StatusForbidden, "operation_not_allowed_on_primary_domain", "operation not allowed",
				"The primary domain of the instance cannot be deleted; only satellite domains can.", nil)
		}
		r, err := find()
		if err != nil {
			return nil, err
		}
		if r.Seq == 0 {
			return nil, errBuiltin(r)
		}
		if rule, ok := genericRules[r.Coll]; ok && rule.deleting != nil {
			if err := rule.deleting(e, r); err != nil {
				return nil, err
			}
		}
		s.Generic.remove(r)
		e.genericCascade(r, now)
		if ev, ok := genericEvents[r.Coll]; ok {
			e.emit(ev[0]+".deleted", deletedJSON{ID: r.ID, Object: objectOf(r), Deleted: true})
		}
		data := cloneMap(r.Data)
		data["deleted"] = true
		return e.render(rq.op, &genericRec{ID: r.ID, Coll: r.Coll, Data: data}, ""), nil
	case gAction:
		r, err := find()
		if err != nil {
			return nil, err
		}
		if r.Seq == 0 && rq.op.HTTPMethod != http.MethodGet {
			return nil, errBuiltin(r)
		}
		return e.genericAction(rq, p, r, now)
	case gVerify:
		return e.genericVerify(rq, p)
	case gSingleton:
		return e.genericSingleton(rq, p, now)
	case gReplaceList:
		for _, it := range rq.items {
			if _, err := e.genericCheck(p.coll, parent, it.m, nil); err != nil {
				return nil, err
			}
		}
		for _, v := range rq.body.m {
			list, _ := v.([]any)
			for _, it := range list {
				if m, ok := it.(map[string]any); ok {
					if _, err := e.genericCheck(p.coll, parent, m, nil); err != nil {
						return nil, err
					}
				}
			}
		}
		for _, r := range s.genByColl.get(p.coll + "|" + parent) {
			s.Generic.remove(r)
		}
		var out []any
		for _, it := range rq.items {
			out = append(out, e.genericCreateFrom(it.m, rq.op, p.coll, parent, "", now))
		}
		if !rq.array {
			// An object body holding the list under its one array property.
			for _, v := range rq.body.m {
				if list, ok := v.([]any); ok {
					for _, it := range list {
						if m, ok := it.(map[string]any); ok {
							out = append(out, e.genericCreateFrom(m, rq.op, p.coll, parent, "", now))
						}
					}
				}
			}
		}
		return e.renderList(rq, out)
	}
	return nil, newErr(http.StatusInternalServerError, "internal_clerk_error", "internal error", "unclassified operation "+rq.op.Name, nil)
}

// checkParent makes sure the record a nested path hangs from exists.
func (e *Emulator) checkParent(coll, id string) *apiError {
	s := e.st
	switch coll {
	case "/users":
		if s.Users.get(id) == nil {
			return errNotFound("user " + id)
		}
	case "/organizations":
		if s.Orgs.get(id) == nil && s.orgBySlug.get(id) == nil {
			return errNotFound("organization " + id)
		}
	case "/sessions":
		if s.Sessions.get(id) == nil {
			return errNotFound("session " + id)
		}
	case "/email_addresses", "/phone_numbers":
		if s.Idents.get(id) == nil {
			return errNotFound(strings.TrimPrefix(coll, "/") + " " + id)
		}
	default:
		r := s.Generic.get(id)
		if r == nil {
			for x := range s.genByColl.m[coll+"|"] {
				if x.Data["key"] == id || x.Data["slug"] == id {
					r = x
				}
			}
		}
		if r == nil && strings.Count(coll, "/") == 1 && !genericCollections()[coll] {
			return nil // a path segment, not a record (/templates/{template_type})
		}
		if r == nil && strings.Count(coll, "/") == 1 && coll == "/templates" {
			return nil
		}
		if r == nil {
			return errNotFound(strings.TrimPrefix(coll, "/") + " " + id)
		}
	}
	return nil
}

// checkGenericBody applies the request schema: unknown keys, missing
// required keys and wrong JSON types fail with Clerk's codes.
func checkGenericBody(rq *request) *apiError {
	if rq.op.Body == nil || rq.op.Body.Schema == "" {
		return nil
	}
	sch := flatten(core.LookupSchema(rq.op.Body.Schema))
	if sch == nil {
		return nil
	}
	forms := []*form{rq.body}
	if rq.array {
		forms = rq.items
		if sch.Type == "array" {
			sch = flatten(sch.Items)
		}
	}
	if sch == nil || len(sch.Properties) == 0 {
		return nil
	}
	for _, f := range forms {
		if ks := specBodyKeys(rq.op); ks != nil {
			f.only(ks)
		}
		if f.err != nil {
			return f.err
		}
		if rq.op.Body.ContentType != "multipart/form-data" {
			for _, k := range sch.Required {
				if !f.has(k) {
					return errMissing(f.name(k))
				}
			}
		}
		for _, k := range sortedKeys(f.m) {
			ps := flatten(sch.Properties[k])
			if ps == nil || f.m[k] == nil {
				continue
			}
			if want, ok := jsonTypeOK(ps.Type, f.m[k]); !ok {
				return errTypeInvalid(f.name(k), want)
			}
			if len(ps.Enum) > 0 {
				if str, ok := f.m[k].(string); ok && !slices.ContainsFunc(ps.Enum, func(x any) bool { return fmt.Sprint(x) == str }) {
					return errValue(f.name(k), fmt.Sprintf("%s must be one of %v.", f.name(k), ps.Enum))
				}
			}
		}
	}
	return nil
}

func jsonTypeOK(typ string, v any) (string, bool) {
	switch typ {
	case "string":
		_, ok := v.(string)
		return "a string", ok
	case "integer", "number":
		switch x := v.(type) {
		case json.Number:
			return "a number", true
		case string:
			_, err := json.Number(x).Float64()
			return "a number", err == nil // form-encoded bodies
		}
		return "a number", false
	case "boolean":
		switch v.(type) {
		case bool:
			return "a boolean", true
		case string:
			return "a boolean", v == "true" || v == "false"
		}
		return "a boolean", false
	case "array":
		_, ok := v.([]any)
		return "an array", ok
	case "object":
		_, ok := v.(map[string]any)
		return "an object", ok
	}
	return "", true
}

func (e *Emulator) genericCreateFrom(body map[string]any, op *core.Operation, coll, parent, id string, now int64) *genericRec {
	s := e.st
	segs := splitPath(coll)
	name := segs[len(segs)-1]
	if id == "" || s.Generic.get(id) != nil {
		prefix := genericPrefixes[name]
		if prefix == "" {
			prefix = "rec"
		}
		id = s.IDs.next(prefix)
	}
	data := cloneMap(body)
	for k, v := range data {
		if _, isFile := v.(map[string]any); isFile && (k == "file") {
			delete(data, k)
		}
	}
	data["id"] = id
	data["created_at"], data["updated_at"] = now, now
	if parent != "" {
		if pk := parentKey(coll); pk != "" {
			data[pk] = parent
		}
	}
	// Secrets and tokens the response declares are made once, here, so a
	// later get or verify sees the same values.
	if sch := flatten(core.LookupSchema(op.Response.Schema)); sch != nil {
		for k, ps := range sch.Properties {
			ps = flatten(ps)
			if ps == nil || ps.Type != "string" || data[k] != nil {
				continue
			}
			if isSecretName(k) {
				data[k] = secretFor(k, s.IDs.token(32))
			}
		}
	}
	r := &genericRec{ID: id, Seq: s.IDs.seq(), Coll: coll, Parent: parent, Data: data}
	s.Generic.insert(r)
	if ev, ok := genericEvents[coll]; ok {
		e.emit(ev[0]+".created", e.renderSchema(ev[1], r))
	}
	return r
}

// parentKey is the property naming the parent record of a nested record
// ("directory_id" below /directories).
func parentKey(coll string) string {
	segs := splitPath(coll)
	for i := len(segs) - 1; i >= 1; i-- {
		if segs[i] == "{}" {
			return strings.TrimSuffix(strings.TrimSuffix(segs[i-1], "s"), "ie") + "_id"
		}
	}
	return ""
}

func isSecretName(k string) bool {
	switch k {
	case "secret", "client_secret", "secret_key", "token", "api_key", "bearer_token", "client_id", "access_token":
		return true
	}
	return false
}

func secretFor(k, tok string) string {
	switch k {
	case "secret", "api_key", "bearer_token":
		return "ak_" + tok
	case "secret_key":
		return "ak_" + tok
	case "token", "access_token":
		return "mt_" + tok
	}
	return tok
}

func (e *Emulator) genericUpdate(r *genericRec, body map[string]any, now int64) {
	e.st.Generic.update(r, func() {
		data := cloneMap(r.Data)
		for k, v := range body {
			if k == "id" {
				continue
			}
			if m, ok := v.(map[string]any); ok && strings.HasSuffix(k, "metadata") {
				old, _ := data[k].(map[string]any)
				data[k] = deepMerge(old, m)
				continue
			}
			data[k] = v
		}
		data["updated_at"] = now
		r.Data = data
	})
	if ev, ok := genericEvents[r.Coll]; ok {
		e.emit(ev[0]+".updated", e.renderSchema(ev[1], r))
	}
}

func (e *Emulator) genericAction(rq *request, p genericPlan, r *genericRec, now int64) (any, *apiError) {
	patch := map[string]any{}
	switch {
	case p.action == "revoke_token":
		// Revoking an OAuth token: the emulator issues none (no Frontend
		// API), and revoking an unknown token succeeds (RFC 7009).
		return e.render(rq.op, r, ""), nil
	case p.action == "revoke":
		if r.Data["revoked"] == true && rq.op.Response.Schema != "" {
			return nil, errBadRequest("already_revoked", "This "+strings.TrimSuffix(strings.TrimPrefix(p.coll, "/"), "s")+" has already been revoked.")
		}
		patch["revoked"] = true
		if reason, ok := rq.body.m["revocation_reason"]; ok {
			patch["revocation_reason"] = reason
		}
	case strings.HasPrefix(p.action, "rotate"):
		for k, v := range r.Data {
			if _, ok := v.(string); ok && isSecretName(k) && k != "client_id" {
				patch[k] = secretFor(k, e.st.IDs.token(32))
			}
		}
	case rq.op.Response.Schema == "DeletedObject":
		// An action answering a deleted object (role_sets/{id}/replace)
		// removes the record.
		e.st.Generic.remove(r)
		data := cloneMap(r.Data)
		data["deleted"] = true
		return e.render(rq.op, &genericRec{ID: r.ID, Coll: r.Coll, Data: data}, ""), nil
	default:
		for k, v := range rq.body.m {
			patch[k] = v
		}
	}
	if rq.op.HTTPMethod != http.MethodGet && len(patch) > 0 {
		e.genericUpdate(r, patch, now)
	}
	return e.render(rq.op, r, ""), nil
}

func (e *Emulator) genericVerify(rq *request, p genericPlan) (any, *apiError) {
	var secret string
	for _, v := range rq.body.m {
		if s, ok := v.(string); ok {
			secret = s
		}
	}
	for r := range e.st.genByColl.m[p.coll+"|"] {
		for k, v := range r.Data {
			if isSecretName(k) && v == secret && secret != "" {
				if r.Data["revoked"] == true {
					return nil, newErr(http.StatusUnauthorized, "token_invalid", "token is invalid", "The token has been revoked.", nil)
				}
				if genericExpired(r, rq.now.UnixMilli()) {
					return nil, newErr(http.StatusUnauthorized, "token_invalid", "token is invalid", "The token has expired.", nil)
				}
				return e.render(rq.op, r, ""), nil
			}
		}
	}
	return nil, errNotFound("token")
}

func (e *Emulator) genericSingleton(rq *request, p genericPlan, now int64) (any, *apiError) {
	s := e.st
	id := "singleton:" + p.coll
	if p.parentParam != "" {
		id += ":" + rq.param(p.parentParam)
	}
	r := s.Generic.get(id)
	switch rq.op.HTTPMethod {
	case http.MethodDelete:
		if r != nil {
			s.Generic.remove(r)
		}
		return e.render(rq.op, &genericRec{ID: id, Coll: p.coll, Data: map[string]any{"deleted": true}}, ""), nil
	case http.MethodGet:
		if r == nil {
			return e.render(rq.op, &genericRec{ID: id, Coll: p.coll, Data: map[string]any{}}, ""), nil
		}
	default:
		body, err := e.genericCheck(p.coll, "", rq.body.m, r) // generic_rules.go
		if err != nil {
			return nil, err
		}
		if r == nil {
			r = &genericRec{ID: id, Seq: s.IDs.seq(), Coll: p.coll, Data: map[string]any{"created_at": now}}
			s.Generic.insert(r)
		}
		e.genericUpdate(r, body, now)
	}
	return e.render(rq.op, r, ""), nil
}

// ---- rendering records as the spec's schemas ----

func objectOf(r *genericRec) string {
	if o, ok := r.Data["object"].(string); ok {
		return o
	}
	segs := splitPath(r.Coll)
	return strings.TrimSuffix(segs[len(segs)-1], "s")
}

func (e *Emulator) renderList(rq *request, items []any) (any, *apiError) {
	op := rq.op
	sch := flatten(core.LookupSchema(op.Response.Schema))
	var itemName *core.Schema
	switch {
	case op.Response.Shape == core.ShapeArray && sch != nil:
		itemName = sch.Items
	case sch != nil:
		key := "data"
		if op.Response.ItemsKey != "" {
			key = op.Response.ItemsKey
		}
		if d := flatten(sch.Properties[key]); d != nil {
			itemName = d.Items
		}
	}
	pg, err := page(rq, items)
	if err != nil {
		return nil, err
	}
	out := make([]any, len(pg))
	for i, it := range pg {
		r := it.(*genericRec)
		out[i] = e.shape(itemName, e.withDerived(withMeta(r)), 0)
	}
	if op.Response.Shape == core.ShapeArray {
		return listResponse(rq, out, len(items))
	}
	key := "data"
	if op.Response.ItemsKey != "" {
		key = op.Response.ItemsKey
	}
	full := map[string]any{key: out, "total_count": len(items)}
	return e.shape(sch, full, 0), nil
}

func withMeta(r *genericRec) map[string]any {
	m := cloneMap(r.Data)
	m["id"] = r.ID
	return m
}

func (e *Emulator) render(op *core.Operation, r *genericRec, _ string) any {
	if op.Response.Schema == "" {
		return nil
	}
	return e.shape(core.LookupSchema(op.Response.Schema), e.withDerived(withMeta(r)), 0)
}

// withDerived adds what a record's data implies at this moment: expired,
// from expiration (API keys, M2M tokens).
func (e *Emulator) withDerived(m map[string]any) map[string]any {
	if exp, ok := m["expiration"].(int64); ok && exp > 0 {
		m["expired"] = exp <= e.nowMs()
	}
	return m
}

func (e *Emulator) renderSchema(name string, r *genericRec) any {
	return e.shape(core.LookupSchema(name), withMeta(r), 0)
}

// flatten resolves references and folds allOf into one object schema.
func flatten(s *core.Schema) *core.Schema {
	if s == nil {
		return nil
	}
	nullable := s.Nullable
	s = s.Resolve()
	if s == nil {
		return nil
	}
	if len(s.AllOf) == 0 {
		if nullable && !s.Nullable {
			c := *s
			c.Nullable = true
			return &c
		}
		return s
	}
	out := &core.Schema{Type: "object", Properties: map[string]*core.Schema{}, Nullable: s.Nullable || nullable}
	parts := append([]*core.Schema{}, s.AllOf...)
	base := *s
	base.AllOf = nil
	parts = append(parts, &base)
	closed := true
	for _, p := range parts {
		p = flatten(p)
		if p == nil {
			continue
		}
		if p.Type != "" && p.Type != "object" {
			return p
		}
		for k, v := range p.Properties {
			out.Properties[k] = v
		}
		out.Required = append(out.Required, p.Required...)
		if p.AdditionalProperties == nil || p.AdditionalProperties.Allowed {
			closed = false
		}
	}
	if closed {
		out.AdditionalProperties = &core.AdditionalProperties{}
	}
	return out
}

// shape projects v onto schema s: what fits is kept, required properties
// that are missing get a default of the right type.
func (e *Emulator) shape(s *core.Schema, v any, depth int) any {
	s = flatten(s)
	if s == nil || depth > 12 {
		return v
	}
	if alts := append(append([]*core.Schema{}, s.OneOf...), s.AnyOf...); len(alts) > 0 {
		// The alternative v fits best: the one whose required properties
		// it has, else the first.
		best := alts[0]
		if m, ok := v.(map[string]any); ok {
			for _, a := range alts {
				fa := flatten(a)
				if fa == nil {
					continue
				}
				fits := true
				for _, k := range fa.Required {
					if _, ok := m[k]; !ok {
						fits = false
					}
				}
				if o, ok := fa.Properties["object"]; ok && fits {
					if fo := flatten(o); fo != nil && len(fo.Enum) > 0 && m["object"] != nil && fmt.Sprint(fo.Enum[0]) != fmt.Sprint(m["object"]) {
						fits = false
					}
				}
				if fits {
					best = a
					break
				}
			}
		}
		return e.shape(best, v, depth+1)
	}
	if v == nil {
		if s.Nullable {
			return nil
		}
		return e.zero(s, "", depth)
	}
	switch s.Type {
	case "object", "":
		m, ok := v.(map[string]any)
		if !ok {
			if s.Type == "" {
				return v
			}
			return e.zero(s, "", depth)
		}
		if len(s.Properties) == 0 {
			return m
		}
		out := map[string]any{}
		for k, ps := range s.Properties {
			if val, ok := m[k]; ok {
				out[k] = e.shape(ps, val, depth+1)
			}
		}
		for _, k := range s.Required {
			if _, ok := out[k]; !ok {
				out[k] = e.zero(flatten(s.Properties[k]), k, depth+1)
			}
		}
		if s.AdditionalProperties != nil && s.AdditionalProperties.Allowed {
			for k, val := range m {
				if _, ok := out[k]; !ok {
					out[k] = val
				}
			}
		}
		return out
	case "array":
		a, ok := v.([]any)
		if !ok {
			if ss, ok := v.([]string); ok {
				for _, x := range ss {
					a = append(a, x)
				}
			} else {
				return []any{}
			}
		}
		out := make([]any, len(a))
		for i, x := range a {
			out[i] = e.shape(s.Items, x, depth+1)
		}
		return out
	case "string":
		str, ok := v.(string)
		if !ok || (len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(x any) bool { return fmt.Sprint(x) == str })) {
			return e.zero(s, "", depth)
		}
		return str
	case "integer":
		switch x := v.(type) {
		case int64, int:
			return x
		case json.Number:
			if _, err := x.Int64(); err == nil {
				return x
			}
		case float64:
			return int64(x)
		}
		return e.zero(s, "", depth)
	case "number":
		switch v.(type) {
		case int64, int, float64, json.Number:
			return v
		}
		return e.zero(s, "", depth)
	case "boolean":
		if b, ok := v.(bool); ok {
			return b
		}
		return e.zero(s, "", depth)
	}
	return v
}

// zero is the value of a required property the record lacks: null where
// the schema allows it, the first enum value, or an empty value of the type.
func (e *Emulator) zero(s *core.Schema, name string, depth int) any {
	if s == nil {
		return nil
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if s.Nullable {
		return nil
	}
	switch s.Type {
	case "string":
		if name == "instance_id" {
			return e.st.Instance.ID
		}
		return ""
	case "integer", "number":
		if name == "created_at" || name == "updated_at" {
			return e.nowMs()
		}
		return 0
	case "boolean":
		return false
	case "array":
		return []any{}
	case "object", "":
		return e.shape(s, map[string]any{}, depth+1)
	}
	return nil
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func init() {
	register(map[string]handlerFunc{
		"organizationRoles.assignPermission": rolePermission(true),
		"organizationRoles.removePermission": rolePermission(false),
	})
}

// rolePermission adds a permission to a role's permissions, or removes it.
func rolePermission(assign bool) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		s := e.st
		role := s.Generic.get(rq.param("organization_role_id"))
		if role == nil || role.Coll != "/organization_roles" {
			return nil, errNotFound("organization role " + rq.param("organization_role_id"))
		}
		perm := s.Generic.get(rq.param("permission_id"))
		if perm == nil {
			perm = e.builtinRecord("/organization_permissions", rq.param("permission_id"))
		}
		if perm == nil || perm.Coll != "/organization_permissions" {
			return nil, errNotFound("permission " + rq.param("permission_id"))
		}
		var kept []any
		has := false
		list, _ := role.Data["permissions"].([]any)
		for _, p := range list {
			if m, ok := p.(map[string]any); ok && m["id"] == perm.ID {
				has = true
				if !assign {
					continue
				}
			}
			kept = append(kept, p)
		}
		switch {
		case assign && has:
			return nil, errBadRequest("duplicate_record", "The role already has this permission.")
		case !assign && !has:
			return nil, errNotFound("permission " + perm.ID + " of role " + role.ID)
		case assign:
			kept = append(kept, e.renderSchema("Permission", perm))
		}
		if kept == nil {
			kept = []any{}
		}
		e.genericUpdate(role, map[string]any{"permissions": kept}, rq.now.UnixMilli())
		return e.render(rq.op, role, ""), nil
	}
}
