package emulator

import (
	"fmt"
	"net/http"
)

// Machine secret keys: the key issued at machines.create (secret_key),
// read back by getSecretKey and replaced by rotateSecretKey. The previous
// key's grace period (previous_token_ttl) is not kept: once rotated, only the
// new key is the machine's.

func init() {
	register(map[string]handlerFunc{
		"machines.getSecretKey":    machineSecretKey(false),
		"machines.rotateSecretKey": machineSecretKey(true),
	})
}

func machineSecretKey(rotate bool) handlerFunc {
	return func(e *Emulator, rq *request) (any, *apiError) {
		id := rq.param("machine_id")
		m := e.st.Generic.get(id)
		if m == nil || m.Coll != "/machines" {
			return nil, errNotFound("machine " + id)
		}
		if rotate {
			f := rq.body
			ttl := f.intp("previous_token_ttl")
			if f.err != nil {
				return nil, f.err
			}
			if ttl == nil {
				return nil, errMissing("previous_token_ttl")
			}
			if *ttl < 0 || *ttl > 8*3600 {
				return nil, errValue("previous_token_ttl", "previous_token_ttl must be between 0 and 28800 seconds.")
			}
			e.genericUpdate(m, map[string]any{"secret_key": secretFor("secret_key", e.st.IDs.token(32))}, rq.now.UnixMilli())
		}
		sk, _ := m.Data["secret_key"].(string)
		if sk == "" {
			return nil, newErr(http.StatusNotFound, "resource_not_found", "not found", "This machine has no secret key.", nil)
		}
		return map[string]any{"object": "machine_secret_key", "secret": sk}, nil
	}
}

// Machine scopes: machine A may reach machine B. They are records below A
// ("/machines/{}/scopes", addressed by B's id), and A's scoped_machines shows
// the machines it reaches.

func init() {
	register(map[string]handlerFunc{
		"machines.createScope": (*Emulator).createMachineScope,
		"machines.deleteScope": (*Emulator).deleteMachineScope,
	})
}

func (e *Emulator) machineParam(id string) (*genericRec, *apiError) {
	if m := e.st.Generic.get(id); m != nil && m.Coll == "/machines" {
		return m, nil
	}
	return nil, errNotFound("machine " + id)
}

func (e *Emulator) machineScope(from, to string) *genericRec {
	for _, sc := range e.st.genByColl.get("/machines/{}/scopes|" + from) {
		if sc.Data["to_machine_id"] == to {
			return sc
		}
	}
	return nil
}

// addMachineScope records that from may reach to.
func (e *Emulator) addMachineScope(from *genericRec, to string, now int64) (*genericRec, *apiError) {
	if _, err := e.machineParam(to); err != nil {
		return nil, err
	}
	if to == from.ID {
		return nil, errValue("to_machine_id", "A machine cannot be scoped to itself.")
	}
	if e.machineScope(from.ID, to) != nil {
		return nil, errDuplicate(fmt.Sprintf("Machine %s is already scoped to %s.", from.ID, to), nil)
	}
	sc := &genericRec{ID: e.st.IDs.next("msc"), Seq: e.st.IDs.seq(), Coll: "/machines/{}/scopes", Parent: from.ID,
		Data: map[string]any{"object": "machine_scope", "from_machine_id": from.ID, "to_machine_id": to, "created_at": now}}
	e.st.Generic.insert(sc)
	e.refreshScopedMachines(from, now)
	return sc, nil
}

// refreshScopedMachines renders a machine's scoped_machines from its scopes.
func (e *Emulator) refreshScopedMachines(m *genericRec, now int64) {
	list := []any{}
	for _, sc := range e.st.genByColl.get("/machines/{}/scopes|" + m.ID) {
		if to := e.st.Generic.get(fmt.Sprint(sc.Data["to_machine_id"])); to != nil {
			list = append(list, e.renderSchema("MachineWithoutScopedMachines", to))
		}
	}
	e.genericUpdate(m, map[string]any{"scoped_machines": list}, now)
}

// scopedMachineIDs are the machines m may reach.
func (e *Emulator) scopedMachineIDs(m string) []any {
	out := []any{}
	for _, sc := range e.st.genByColl.get("/machines/{}/scopes|" + m) {
		out = append(out, sc.Data["to_machine_id"])
	}
	return out
}

func (e *Emulator) createMachineScope(rq *request) (any, *apiError) {
	from, err := e.machineParam(rq.param("machine_id"))
	if err != nil {
		return nil, err
	}
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("to_machine_id")))
	to := f.reqStr("to_machine_id")
	if f.err != nil {
		return nil, f.err
	}
	sc, err := e.addMachineScope(from, to, rq.now.UnixMilli())
	if err != nil {
		return nil, err
	}
	return e.render(rq.op, sc, ""), nil
}

func (e *Emulator) deleteMachineScope(rq *request) (any, *apiError) {
	from, err := e.machineParam(rq.param("machine_id"))
	if err != nil {
		return nil, err
	}
	to := rq.param("other_machine_id")
	sc := e.machineScope(from.ID, to)
	if sc == nil {
		return nil, errNotFound("scope of machine " + from.ID + " to " + to)
	}
	e.st.Generic.remove(sc)
	e.refreshScopedMachines(from, rq.now.UnixMilli())
	return map[string]any{"object": "machine_scope", "from_machine_id": from.ID, "to_machine_id": to, "deleted": true}, nil
}
