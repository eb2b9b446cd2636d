package emulator

import (
	"net/http"
	"slices"
	"strings"
)

// An instance's default organization roles (org:admin, org:member) and the
// system permissions they hold are listed and read like the roles and
// permissions created through the API, as Clerk lists them. They are not
// stored: they are built from the roles table on the fly, have fixed ids
// (role_admin, perm_sys_profile_manage, ...), and cannot be changed or
// deleted here. System permissions can be given to created roles.

var systemPermissionNames = map[string]string{
	"org:sys_profile:manage":     "Manage organization",
	"org:sys_profile:delete":     "Delete organization",
	"org:sys_memberships:read":   "Read members",
	"org:sys_memberships:manage": "Manage members",
	"org:sys_domains:read":       "Read domains",
	"org:sys_domains:manage":     "Manage domains",
}

func builtinPermissionID(key string) string {
	return "perm_" + strings.ReplaceAll(strings.TrimPrefix(key, "org:"), ":", "_")
}

func builtinPermission(key string) *genericRec {
	return &genericRec{ID: builtinPermissionID(key), Coll: "/organization_permissions", Data: map[string]any{
		"object": "permission", "key": key, "name": systemPermissionNames[key], "description": systemPermissionNames[key] + " (system permission)",
		"type": "system", "created_at": int64(0), "updated_at": int64(0)}}
}

// builtinRecords are the default records of a collection, in list order.
func (e *Emulator) builtinRecords(coll string) []*genericRec {
	switch coll {
	case "/organization_permissions":
		keys := make([]string, 0, len(systemPermissionNames))
		for k := range systemPermissionNames {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		out := make([]*genericRec, len(keys))
		for i, k := range keys {
			out[i] = builtinPermission(k)
		}
		return out
	case "/organization_roles":
		var out []*genericRec
		for _, key := range []string{"org:admin", "org:member"} {
			r := roles[key]
			perms := make([]any, len(r.perms))
			for i, p := range r.perms {
				perms[i] = e.renderSchema("Permission", builtinPermission(p))
			}
			out = append(out, &genericRec{ID: "role_" + strings.TrimPrefix(key, "org:"), Coll: coll, Data: map[string]any{
				"object": "role", "key": key, "name": r.name, "description": "Default " + strings.ToLower(r.name) + " role",
				"is_creator_eligible": key == "org:admin", "permissions": perms, "created_at": int64(0), "updated_at": int64(0)}})
		}
		return out
	}
	return nil
}

// builtinRecord finds a default record by id or key.
func (e *Emulator) builtinRecord(coll, id string) *genericRec {
	for _, r := range e.builtinRecords(coll) {
		if r.ID == id || r.Data["key"] == id {
			return r
		}
	}
	return nil
}

func errBuiltin(r *genericRec) *apiError {
	return newErr(http.StatusForbidden, "operation_not_allowed", "operation not allowed",
		"The default "+objectOf(r)+" "+r.Data["key"].(string)+" cannot be changed or deleted in the emulator.", nil)
}
