package emulator

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Per-collection semantics of generically emulated operations: what the
// spec's shapes do not say but Clerk does with the state. genericHandler
// calls these around its create, update, list and delete.
//
//   - uniqueness (role, permission and role set keys, satellite domain
//     names): 400 duplicate_record;
//   - formats (role and permission keys, domain names, URLs): 422
//     form_param_format_invalid;
//   - references to other records (permissions of a role, roles of a role
//     set, the enterprise connection of a directory, the machine of a scope,
//     the organization of a connection, the subject of an API key): 404
//     resource_not_found when they do not exist;
//   - list filters (every query parameter of the operation that names a
//     field of the records, query / name_query, include_invalid) and
//     order_by, with pagination applied after them;
//   - deletes cascade to the records nested below the deleted one, and to
//     the references Clerk drops with it (a permission from its roles, a
//     machine from other machines' scopes).

// genericRule is what one collection adds to the generic behaviour.
type genericRule struct {
	unique   []string                                                           // fields unique in the collection
	orderBy  []string                                                           // order_by fields
	validate func(e *Emulator, body map[string]any, self *genericRec) *apiError // create (self nil) and update
	prepare  func(e *Emulator, body map[string]any)                             // rewrites a checked body before it is stored
	defaults func(e *Emulator, body map[string]any)                             // fills a create body's absent fields
	deleting func(e *Emulator, r *genericRec) *apiError                         // refuses a delete
	updated  func(e *Emulator, r *genericRec, old map[string]any, now int64)    // follows an update
	created  func(e *Emulator, r *genericRec)                                   // fills what depends on the new record's id
}

var (
	roleKeyRe       = regexp.MustCompile(`^org:[a-z0-9_]+$`)
	permissionKeyRe = regexp.MustCompile(`^org:[a-z0-9_]+:[a-z0-9_]+$`)
	hostLabelRe     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

var genericRules = map[string]genericRule{
	"/organization_roles": {
		unique: []string{"key"}, orderBy: []string{"created_at", "name", "key"},
		deleting: roleDeleting, updated: roleKeyChanged,
		validate: func(e *Emulator, b map[string]any, self *genericRec) *apiError {
			if k, ok := b["key"].(string); ok {
				if !roleKeyRe.MatchString(k) {
					return errFormat("key", fmt.Sprintf("%q is not a valid role key: it must start with org: followed by lowercase letters, digits and underscores.", k))
				}
				if _, builtin := roles[k]; builtin {
					return errDuplicate(fmt.Sprintf("A role with key %s already exists.", k), nil)
				}
			}
			return e.checkIDs(b, "permissions", "/organization_permissions", "permission")
		},
		prepare: func(e *Emulator, b map[string]any) { e.expandIDs(b, "permissions", "Permission") },
	},
	"/organization_permissions": {
		unique: []string{"key"}, orderBy: []string{"created_at", "name", "key"},
		updated: func(e *Emulator, p *genericRec, _ map[string]any, now int64) {
			// Roles show the permission as it is now.
			for _, role := range e.st.genByColl.get("/organization_roles|") {
				list, _ := role.Data["permissions"].([]any)
				for i, x := range list {
					if m, ok := x.(map[string]any); ok && m["id"] == p.ID {
						list = slices.Clone(list)
						list[i] = e.renderSchema("Permission", p)
						e.genericUpdate(role, map[string]any{"permissions": list}, now)
						break
					}
				}
			}
		},
		validate: func(_ *Emulator, b map[string]any, _ *genericRec) *apiError {
			if k, ok := b["key"].(string); ok {
				if !permissionKeyRe.MatchString(k) {
					return errFormat("key", fmt.Sprintf("%q is not a valid permission key: use org:<feature>:<action>, lowercase letters, digits and underscores.", k))
				}
				if strings.HasPrefix(k, "org:sys_") {
					return errFormat("key", "Permission keys starting with org:sys_ are reserved for system permissions.")
				}
			}
			return nil
		},
	},
	"/role_sets": {
		unique: []string{"key"}, orderBy: []string{"created_at", "name", "key"}, prepare: prepareRoleSet, defaults: roleSetDefaults,
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			keys, _ := b["roles"].([]any)
			for _, k := range keys {
				if s, _ := k.(string); !e.roleExists(s) {
					return errNotFound("organization role " + fmt.Sprint(k))
				}
			}
			for _, f := range []string{"default_role_key", "creator_role_key"} {
				k, ok := b[f].(string)
				if !ok {
					continue
				}
				if !e.roleExists(k) {
					return errNotFound("organization role " + k)
				}
				if keys != nil && !slices.Contains(keys, any(k)) {
					return errValue(f, fmt.Sprintf("%s %s must be one of the role set's roles.", f, k))
				}
			}
			return nil
		},
	},
	"/domains": {
		unique: []string{"name"},
		prepare: func(_ *Emulator, b map[string]any) {
			// A satellite's Frontend API and accounts portal live on its
			// own subdomains, which the CNAME records point at Clerk.
			n, ok := b["name"].(string)
			if !ok {
				return
			}
			b["frontend_api_url"] = "https://clerk." + n
			b["accounts_portal_url"] = "https://accounts." + n
			b["development_origin"] = ""
			b["cname_targets"] = []any{
				map[string]any{"host": "clerk." + n, "value": "frontend-api.clerk.services", "required": true},
				map[string]any{"host": "accounts." + n, "value": "accounts.clerk.services", "required": false},
			}
		},
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			if n, ok := b["name"].(string); ok {
				if !validDomainName(n) {
					return errFormat("name", fmt.Sprintf("%q is not a valid domain name.", n))
				}
				if strings.EqualFold(n, e.frontendAPI()) {
					return errDuplicate(fmt.Sprintf("The domain %s is already in use.", n), nil)
				}
			}
			return checkURLField(b, "proxy_url")
		},
	},
	"/m2m_tokens": {prepare: expiresIn},
	"/machines": {
		orderBy: []string{"created_at", "name"},
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			if n, ok := b["name"].(string); ok && strings.TrimSpace(n) == "" {
				return errValue("name", "name must not be empty.")
			}
			return e.checkIDs(b, "scoped_machines", "/machines", "machine")
		},
		created: func(e *Emulator, r *genericRec) {
			// scoped_machines given at create become scopes (machines.go).
			ids, _ := r.Data["scoped_machines"].([]any)
			r.Data["scoped_machines"] = []any{}
			for _, id := range ids {
				if s, ok := id.(string); ok && s != r.ID && e.machineScope(r.ID, s) == nil {
					sc := &genericRec{ID: e.st.IDs.next("msc"), Seq: e.st.IDs.seq(), Coll: "/machines/{}/scopes", Parent: r.ID,
						Data: map[string]any{"object": "machine_scope", "from_machine_id": r.ID, "to_machine_id": s, "created_at": r.Data["created_at"]}}
					e.st.Generic.insert(sc)
					if to := e.st.Generic.get(s); to != nil {
						r.Data["scoped_machines"] = append(r.Data["scoped_machines"].([]any), e.renderSchema("MachineWithoutScopedMachines", to))
					}
				}
			}
		},
	},
	"/oauth_applications": {
		orderBy: []string{"created_at", "name"}, prepare: syncCallbackURL, defaults: oauthAppDefaults,
		validate: func(_ *Emulator, b map[string]any, _ *genericRec) *apiError {
			if err := checkURLField(b, "callback_url"); err != nil {
				return err
			}
			return checkURLField(b, "redirect_uris")
		},
	},
	"/saml_connections": {
		orderBy: []string{"created_at", "name"}, prepare: prepareDomains,
		created: func(e *Emulator, r *genericRec) {
			// The service provider's side, on the instance's Frontend API.
			base := "https://" + e.frontendAPI()
			r.Data["acs_url"] = base + "/v1/saml/acs/" + r.ID
			r.Data["sp_entity_id"] = base + "/saml/" + r.ID
			r.Data["sp_metadata_url"] = base + "/v1/saml/metadata/" + r.ID
		},
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			if err := e.checkOrgRef(b); err != nil {
				return err
			}
			for _, f := range []string{"idp_metadata_url", "idp_sso_url"} {
				if err := checkURLField(b, f); err != nil {
					return err
				}
			}
			return checkDomainsField(b)
		},
	},
	"/enterprise_connections": {
		prepare: prepareDomains,
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			if err := e.checkOrgRef(b); err != nil {
				return err
			}
			return checkDomainsField(b)
		},
	},
	"/directories": {
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			return e.checkIDs(b, "enterprise_connection_id", "/enterprise_connections", "enterprise connection")
		},
	},
	"/scim_directories": {
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			return e.checkIDs(b, "enterprise_connection_id", "/enterprise_connections", "enterprise connection")
		},
	},
	"/directories/{}/group_role_mappings": {
		prepare: expandRole,
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			return e.checkIDs(b, "role_id", "/organization_roles", "organization role")
		},
	},
	"/scim_directories/{}/group_role_mappings": {
		prepare: expandRole,
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			return e.checkIDs(b, "role_id", "/organization_roles", "organization role")
		},
	},
	"/agents/tasks": {
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			// on_behalf_of names the user by id or by identifier.
			obo, _ := b["on_behalf_of"].(map[string]any)
			uid, _ := obo["user_id"].(string)
			ident, _ := obo["identifier"].(string)
			switch {
			case uid != "":
				if e.st.Users.get(uid) == nil {
					return errNotFound("user " + uid)
				}
			case ident != "":
				if e.st.identByValue("email_address", ident) == nil && e.st.identByValue("phone_number", ident) == nil {
					return errNotFound("user with identifier " + ident)
				}
			default:
				return errMissing("on_behalf_of.user_id")
			}
			return checkURLField(b, "redirect_url")
		},
		created: func(e *Emulator, r *genericRec) {
			r.Data["agent_task_id"], r.Data["task_id"] = r.ID, r.ID
			r.Data["agent_id"] = "agent_" + strings.TrimPrefix(r.ID, "agt_")
			r.Data["url"] = "https://" + e.frontendAPI() + "/v1/agents/tasks/" + r.ID + "/accept"
		},
	},
	"/proxy_checks": {
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			if id, ok := b["domain_id"].(string); ok && id != e.primaryDomainID() {
				if r := e.st.Generic.get(id); r == nil || r.Coll != "/domains" {
					return errNotFound("domain " + id)
				}
			}
			return checkURLField(b, "proxy_url")
		},
	},
	"/instance/change_domain": {validate: func(_ *Emulator, b map[string]any, _ *genericRec) *apiError { return checkURLField(b, "home_url") }},
	"/beta_features/domain":   {validate: func(_ *Emulator, b map[string]any, _ *genericRec) *apiError { return checkURLField(b, "home_url") }},
	"/api_keys": {
		prepare: expiresIn,
		defaults: func(_ *Emulator, b map[string]any) {
			if _, ok := b["type"]; !ok {
				b["type"] = "api_key" // the only type, and what lists filter on
			}
		},
		validate: func(e *Emulator, b map[string]any, _ *genericRec) *apiError {
			sub, ok := b["subject"].(string)
			if !ok {
				return nil
			}
			switch {
			case strings.HasPrefix(sub, "user_"):
				if e.st.Users.get(sub) == nil {
					return errNotFound("user " + sub)
				}
			case strings.HasPrefix(sub, "org_"):
				if e.st.Orgs.get(sub) == nil {
					return errNotFound("organization " + sub)
				}
			case strings.HasPrefix(sub, "mch_"):
				if r := e.st.Generic.get(sub); r == nil || r.Coll != "/machines" {
					return errNotFound("machine " + sub)
				}
			default:
				return errFormat("subject", fmt.Sprintf("subject %q must be the id of a user (user_...), an organization (org_...) or a machine (mch_...).", sub))
			}
			return nil
		},
	},
}

// oauthAppDefaults fills what Clerk derives for a new OAuth application: its
// endpoints on the instance's Frontend API and the default scopes.
func oauthAppDefaults(e *Emulator, b map[string]any) {
	base := "https://" + e.frontendAPI()
	for k, path := range map[string]string{"authorize_url": "/oauth/authorize", "token_fetch_url": "/oauth/token",
		"user_info_url": "/oauth/userinfo", "discovery_url": "/.well-known/openid-configuration",
		"token_introspection_url": "/oauth/token_info"} {
		b[k] = base + path
	}
	if _, ok := b["scopes"]; !ok {
		b["scopes"] = "profile email"
	}
}

// syncCallbackURL keeps an OAuth application's callback URL and redirect
// URIs in step when one of them is given.
func syncCallbackURL(_ *Emulator, b map[string]any) {
	uris, _ := b["redirect_uris"].([]any)
	cb, _ := b["callback_url"].(string)
	switch {
	case cb == "" && len(uris) > 0:
		b["callback_url"] = uris[0]
	case cb != "" && len(uris) == 0:
		b["redirect_uris"] = []any{cb}
	}
}

// prepareDomains keeps a connection's deprecated domain and its domains in
// step: either given fills the other.
func prepareDomains(_ *Emulator, b map[string]any) {
	ds, _ := b["domains"].([]any)
	d, _ := b["domain"].(string)
	switch {
	case d == "" && len(ds) > 0:
		b["domain"] = ds[0]
	case d != "" && ds == nil:
		b["domains"] = []any{d}
	}
}

// expandRole adds the role a group role mapping names (role_id) as a Role.
func expandRole(e *Emulator, b map[string]any) {
	id, ok := b["role_id"].(string)
	if !ok {
		return
	}
	r := e.st.Generic.get(id)
	if r == nil {
		r = e.builtinRecord("/organization_roles", id)
	}
	if r != nil {
		b["role"] = e.renderSchema("Role", r)
	}
}

// expiresIn turns seconds_until_expiration into the expiration timestamp
// (Unix ms) the response carries, and that list filters and verify read.
func expiresIn(e *Emulator, b map[string]any) {
	if n, err := strconv.ParseFloat(fmt.Sprint(b["seconds_until_expiration"]), 64); err == nil && n > 0 {
		b["expiration"] = e.nowMs() + int64(n*1000)
	}
}

// genericCheck applies the collection's rule to a create (self nil) or an
// update body and returns the body to store.
func (e *Emulator) genericCheck(coll, parent string, body map[string]any, self *genericRec) (map[string]any, *apiError) {
	rule, ok := genericRules[coll]
	if !ok {
		return body, nil
	}
	if rule.validate != nil {
		if err := rule.validate(e, body, self); err != nil {
			return nil, err
		}
	}
	for _, f := range rule.unique {
		v, ok := body[f].(string)
		if !ok {
			continue
		}
		if b := e.builtinRecord(coll, v); b != nil && f == "key" {
			return nil, errDuplicate(fmt.Sprintf("A %s with key %s already exists.", objectOf(b), v), map[string]any{"param_name": f})
		}
		for _, r := range e.st.genByColl.get(coll + "|" + parent) {
			if r != self && strings.EqualFold(fmt.Sprint(r.Data[f]), v) {
				return nil, errDuplicate(fmt.Sprintf("A %s with %s %s already exists.", objectOf(r), f, v), map[string]any{"param_name": f})
			}
		}
	}
	if rule.prepare != nil || (self == nil && rule.defaults != nil) {
		body = cloneMap(body)
	}
	if self == nil && rule.defaults != nil {
		rule.defaults(e, body)
	}
	if rule.prepare != nil {
		rule.prepare(e, body)
	}
	return body, nil
}

// checkIDs makes sure the id (or ids) at body[field] name records of coll.
func (e *Emulator) checkIDs(body map[string]any, field, coll, what string) *apiError {
	var ids []any
	switch v := body[field].(type) {
	case string:
		ids = []any{v}
	case []any:
		ids = v
	}
	for _, id := range ids {
		s, _ := id.(string)
		if e.builtinRecord(coll, s) != nil {
			continue
		}
		if r := e.st.Generic.get(s); r == nil || r.Coll != coll {
			return errNotFound(what + " " + fmt.Sprint(id))
		}
	}
	return nil
}

// expandIDs replaces the ids at body[field] with the records they name,
// rendered as schema (a role's permissions are Permission objects).
func (e *Emulator) expandIDs(body map[string]any, field, schema string) {
	ids, ok := body[field].([]any)
	if !ok {
		return
	}
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		if s, ok := id.(string); ok {
			r := e.st.Generic.get(s)
			if r == nil {
				r = e.builtinRecord("/organization_permissions", s)
			}
			if r != nil {
				out = append(out, e.renderSchema(schema, r))
			}
		}
	}
	body[field] = out
}

func (e *Emulator) checkOrgRef(body map[string]any) *apiError {
	if id, ok := body["organization_id"].(string); ok && id != "" && e.st.Orgs.get(id) == nil {
		return errNotFound("organization " + id)
	}
	return nil
}

// checkURLField: body[field] (a string or strings) must be absolute URLs;
// any scheme, as Clerk allows custom schemes for native apps.
func checkURLField(body map[string]any, field string) *apiError {
	var vals []any
	switch v := body[field].(type) {
	case string:
		vals = []any{v}
	case []any:
		vals = v
	}
	for _, v := range vals {
		s, _ := v.(string)
		if s == "" && len(vals) == 1 {
			continue // an empty string clears the field
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || (u.Host == "" && u.Opaque == "" && u.Path == "") {
			return errFormat(field, fmt.Sprintf("%q is not a valid URL.", s))
		}
	}
	return nil
}

func checkDomainsField(body map[string]any) *apiError {
	var vals []any
	switch v := body["domains"].(type) {
	case []any:
		vals = v
	}
	if d, ok := body["domain"].(string); ok {
		vals = append(vals, d)
	}
	for _, v := range vals {
		if s, _ := v.(string); !validDomainName(s) {
			return errFormat("domains", fmt.Sprintf("%q is not a valid domain name.", fmt.Sprint(v)))
		}
	}
	return nil
}

// validDomainName accepts a host name of two or more labels, or localhost,
// with an optional port (development instances).
func validDomainName(s string) bool {
	host := strings.ToLower(s)
	if h, port, err := net.SplitHostPort(s); err == nil {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return false
		}
		host = strings.ToLower(h)
	}
	if host == "localhost" {
		return true
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 || len(host) > 253 {
		return false
	}
	for _, l := range labels {
		if !hostLabelRe.MatchString(l) {
			return false
		}
	}
	return true
}

// roleExists reports whether key is a role of the instance: a default one
// or one created with organizationRoles.create.
func (e *Emulator) roleExists(key string) bool {
	_, ok := e.roleInfo(key)
	return ok
}

type roleDef struct {
	name  string
	perms []string
}

// roleInfo returns a role's name and permission keys.
func (e *Emulator) roleInfo(key string) (roleDef, bool) {
	if r, ok := roles[key]; ok {
		return roleDef{r.name, r.perms}, true
	}
	for r := range e.st.genByColl.m["/organization_roles|"] {
		if r.Data["key"] != key {
			continue
		}
		def := roleDef{name: fmt.Sprint(r.Data["name"]), perms: []string{}}
		list, _ := r.Data["permissions"].([]any)
		for _, p := range list {
			if m, ok := p.(map[string]any); ok {
				if k, ok := m["key"].(string); ok {
					def.perms = append(def.perms, k)
				}
			}
		}
		return def, true
	}
	return roleDef{}, false
}

func (e *Emulator) roleName(key string) string {
	r, _ := e.roleInfo(key)
	return r.name
}

// checkRole validates a role key given for a membership, an invitation or
// an organization setting.
func (e *Emulator) checkRole(param, role string) *apiError {
	if !e.roleExists(role) {
		return errValue(param, fmt.Sprintf("role %q does not exist in this instance; use org:admin, org:member or a role created with organizationRoles.create.", role))
	}
	return nil
}

// genericFilter applies a list operation's filters and order_by to items.
func (e *Emulator) genericFilter(rq *request, coll string, items []*genericRec) ([]*genericRec, *apiError) {
	out := items[:0:0]
	query := strings.ToLower(rq.q("query"))
	nameQuery := strings.ToLower(rq.q("name_query"))
	includeInvalid, _, err := rq.qBool("include_invalid")
	if err != nil {
		return nil, err
	}
	type eq struct {
		field string
		vals  []string
	}
	var eqs []eq
	for _, p := range rq.op.Params {
		if p.In != "query" {
			continue
		}
		switch p.Name {
		case "limit", "offset", "order_by", "query", "name_query", "paginated", "include_invalid":
			continue
		}
		if vals := rq.qList(p.Name); len(vals) > 0 {
			if p.Type == "boolean" {
				for _, v := range vals {
					if v != "true" && v != "false" {
						return nil, errQuery(p.Name, p.Name+" must be true or false.")
					}
				}
			}
			eqs = append(eqs, eq{p.Name, vals})
		}
	}
	now := rq.now.UnixMilli()
	for _, r := range items {
		if query != "" && !recordMatches(r, query, "name", "key", "slug", "domain", "description", "subject", "email_address", "provider") {
			continue
		}
		if nameQuery != "" && !recordMatches(r, nameQuery, "name") {
			continue
		}
		if coll == "/api_keys" && !includeInvalid && !genericValid(r, now) {
			continue
		}
		keep := true
		for _, f := range eqs {
			if !fieldMatches(r, f.field, f.vals, now) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, r)
		}
	}
	if rule, ok := genericRules[coll]; ok && len(rule.orderBy) > 0 {
		keys := map[string]orderKey[*genericRec]{}
		for _, f := range rule.orderBy {
			keys[f] = func(r *genericRec) string {
				switch v := r.Data[f].(type) {
				case int64:
					return num(v)
				case string:
					return strings.ToLower(v)
				}
				return fmt.Sprint(r.Data[f])
			}
		}
		if err := orderBy(rq, out, "", keys); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func recordMatches(r *genericRec, q string, fields ...string) bool {
	for _, f := range fields {
		switch v := r.Data[f].(type) {
		case string:
			if strings.Contains(strings.ToLower(v), q) {
				return true
			}
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok && strings.Contains(strings.ToLower(s), q) {
					return true
				}
			}
		}
	}
	return false
}

// genericValid: not revoked and not expired.
func genericValid(r *genericRec, now int64) bool {
	if r.Data["revoked"] == true {
		return false
	}
	return !genericExpired(r, now)
}

func genericExpired(r *genericRec, now int64) bool {
	switch v := r.Data["expiration"].(type) {
	case int64:
		return v > 0 && v <= now
	}
	return false
}

// fieldMatches compares a record's field with the values of a query filter
// ("expired" is derived from expiration).
func fieldMatches(r *genericRec, field string, vals []string, now int64) bool {
	var have string
	switch field {
	case "expired":
		have = strconv.FormatBool(genericExpired(r, now))
	default:
		v, ok := r.Data[field]
		if !ok || v == nil {
			// A boolean field never set is false; anything else is absent.
			if slices.Contains(vals, "false") {
				return true
			}
			return false
		}
		have = fmt.Sprint(v)
	}
	for _, want := range vals {
		if strings.EqualFold(have, want) {
			return true
		}
	}
	return false
}

// genericCascade removes what goes with a deleted record: the records nested
// below it, and references Clerk drops with it.
func (e *Emulator) genericCascade(r *genericRec, now int64) {
	s := e.st
	var children []*genericRec
	for k, set := range s.genByColl.m {
		if strings.HasSuffix(k, "|"+r.ID) {
			for c := range set {
				children = append(children, c)
			}
		}
	}
	sortBySeq(children)
	for _, c := range children {
		s.Generic.remove(c)
		e.genericCascade(c, now)
	}
	switch r.Coll {
	case "/organization_permissions":
		// Roles lose the permission.
		for _, role := range s.genByColl.get("/organization_roles|") {
			list, _ := role.Data["permissions"].([]any)
			kept := slices.DeleteFunc(slices.Clone(list), func(p any) bool {
				m, _ := p.(map[string]any)
				return m != nil && m["id"] == r.ID
			})
			if len(kept) != len(list) {
				e.genericUpdate(role, map[string]any{"permissions": kept}, now)
			}
		}
	case "/machines":
		// Other machines' scopes to it go.
		var owners []*genericRec
		for _, sc := range s.Generic.all() {
			if sc.Coll == "/machines/{}/scopes" && sc.Data["to_machine_id"] == r.ID {
				s.Generic.remove(sc)
				if m := s.Generic.get(sc.Parent); m != nil {
					owners = append(owners, m)
				}
			}
		}
		for _, m := range owners {
			e.refreshScopedMachines(m, now)
		}
	}
}

// dropOwned removes what goes with a deleted user or organization among the
// generic records: records nested below it (trusted devices, billing
// singletons) and its API keys; connections of a deleted organization stay,
// no longer tied to it.
func (e *Emulator) dropOwned(owner string, now int64) {
	s := e.st
	var gone []*genericRec
	for _, r := range s.Generic.all() {
		switch {
		case r.Parent == owner, strings.HasPrefix(r.ID, "singleton:") && strings.HasSuffix(r.ID, ":"+owner):
			gone = append(gone, r)
		case r.Coll == "/api_keys" && r.Data["subject"] == owner:
			gone = append(gone, r)
		case (r.Coll == "/saml_connections" || r.Coll == "/enterprise_connections") && r.Data["organization_id"] == owner:
			e.genericUpdate(r, map[string]any{"organization_id": nil}, now)
		}
	}
	sortBySeq(gone)
	for _, r := range gone {
		s.Generic.remove(r)
		e.genericCascade(r, now)
	}
}

// roleDeleting refuses to delete a role in use: the instance's creator or
// domain default role, a member's role, or a pending invitation's.
func roleDeleting(e *Emulator, r *genericRec) *apiError {
	key, _ := r.Data["key"].(string)
	inUse := func(what string) *apiError {
		return formErr("organization_role_in_use", "organization_role_id", "role in use",
			fmt.Sprintf("The role %s cannot be deleted while it is %s.", key, what))
	}
	s := e.st
	switch key {
	case s.Instance.OrgCreatorRole:
		return inUse("the organization creator role")
	case s.Instance.OrgDomainsDefaultRole:
		return inUse("the domains default role")
	}
	for _, m := range s.Memberships.all() {
		if m.Role == key {
			return inUse("assigned to members")
		}
	}
	now := e.nowMs()
	for _, inv := range s.OrgInvitations.all() {
		if inv.Role == key && expiringStatus(inv.Status, inv.ExpiresAt, now) == "pending" {
			return inUse("the role of pending invitations")
		}
	}
	return nil
}

// roleKeyChanged carries a role's new key to where the old one is used: the
// instance's creator and domain default role (as Clerk does), and the
// emulator also moves memberships and invitations, which would otherwise
// name a role that no longer exists.
func roleKeyChanged(e *Emulator, r *genericRec, old map[string]any, now int64) {
	from, _ := old["key"].(string)
	to, _ := r.Data["key"].(string)
	if from == "" || from == to {
		return
	}
	s := e.st
	if s.Instance.OrgCreatorRole == from {
		s.Instance.OrgCreatorRole = to
	}
	if s.Instance.OrgDomainsDefaultRole == from {
		s.Instance.OrgDomainsDefaultRole = to
	}
	for _, m := range s.Memberships.all() {
		if m.Role == from {
			s.Memberships.update(m, func() { m.Role, m.UpdatedAt = to, now })
		}
	}
	for _, inv := range s.OrgInvitations.all() {
		if inv.Role == from {
			s.OrgInvitations.update(inv, func() { inv.Role, inv.UpdatedAt = to, now })
		}
	}
}
