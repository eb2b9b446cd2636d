package emulator

import "net/http"

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
