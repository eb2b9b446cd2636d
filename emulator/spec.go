package emulator

import (
	"sync"

	"github.com/clerkscript/clerkscript/core"
)

var bodyKeyCache sync.Map // op name → map[string]bool (nil map when unknown)

// specBodyKeys returns the property names of the operation's request body
// schema (of its items, for array bodies), or nil when the schema set does not
// describe the body. Unknown keys are rejected with form_param_unknown, as
// Clerk's form decoder does.
func specBodyKeys(op *core.Operation) map[string]bool {
	if v, ok := bodyKeyCache.Load(op.Name); ok {
		return v.(map[string]bool)
	}
	var keys map[string]bool
	if op.Body != nil && op.Body.Schema != "" {
		s := core.LookupSchema(op.Body.Schema).Resolve()
		if s != nil && s.Type == "array" && s.Items != nil {
			s = s.Items.Resolve()
		}
		if s != nil && len(s.Properties) > 0 {
			keys = make(map[string]bool, len(s.Properties))
			for k := range s.Properties {
				keys[k] = true
			}
		}
	}
	bodyKeyCache.Store(op.Name, keys)
	return keys
}
