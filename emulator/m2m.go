package emulator

import (
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"

	"github.com/clerkscript/clerkscript/core"
)

// Machine-to-machine tokens, as Clerk scopes them: a machine creates tokens
// with its own secret key (Authorization: Bearer ak_...), a token carries the
// machine as its subject and the machines it may reach (the creator's
// scopes) as its scopes, and a machine verifying a token with its key must be
// one of those. Lists and verification also accept the instance's secret
// key; with a machine's key a list shows only that machine's tokens.

func init() {
	register(map[string]handlerFunc{
		"m2mTokens.create": (*Emulator).createM2MToken,
		"m2mTokens.list":   (*Emulator).listM2MTokens,
		"m2mTokens.verify": (*Emulator).verifyM2MToken,
		"m2mTokens.revoke": genericHandler,
	})
}

// machineForKey returns the machine whose secret key authorizes r for op,
// or "" (only m2m token operations take machine keys).
func (e *Emulator) machineForKey(op *core.Operation, r *http.Request) string {
	if !strings.HasPrefix(op.Name, "m2mTokens.") {
		return ""
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.HasPrefix(tok, "ak_") {
		return ""
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	for m := range e.st.genByColl.m["/machines|"] {
		if sk, _ := m.Data["secret_key"].(string); subtle.ConstantTimeCompare([]byte(sk), []byte(tok)) == 1 {
			return m.ID
		}
	}
	return ""
}

func errMachineKeyRequired() *apiError {
	return newErr(http.StatusUnauthorized, "machine_secret_key_required", "machine secret key required",
		"Creating an M2M token must be authenticated with a machine's secret key, not the instance's secret key.", nil)
}

func (e *Emulator) createM2MToken(rq *request) (any, *apiError) {
	if err := checkGenericBody(rq); err != nil {
		return nil, err
	}
	if rq.machine == "" {
		return nil, errMachineKeyRequired()
	}
	m := e.st.Generic.get(rq.machine)
	if m == nil {
		return nil, errNotFound("machine " + rq.machine)
	}
	scopes := e.scopedMachineIDs(m.ID)
	body := cloneMap(rq.body.m)
	body["subject"], body["scopes"], body["revoked"] = m.ID, scopes, false
	expiresIn(e, body)
	r := e.genericCreateFrom(body, rq.op, "/m2m_tokens", "", "", rq.now.UnixMilli())
	return e.render(rq.op, r, ""), nil
}

func (e *Emulator) listM2MTokens(rq *request) (any, *apiError) {
	if rq.machine != "" && rq.q("subject") != "" && rq.q("subject") != rq.machine {
		return nil, newErr(http.StatusForbidden, "operation_not_allowed", "operation not allowed",
			"A machine's secret key lists only that machine's tokens.", nil)
	}
	return genericHandler(e, rq)
}

func (e *Emulator) verifyM2MToken(rq *request) (any, *apiError) {
	f := rq.body
	f.only(e.bodyKeys(rq, keySet("token")))
	tok := f.reqStr("token")
	if f.err != nil {
		return nil, f.err
	}
	for r := range e.st.genByColl.m["/m2m_tokens|"] {
		if sk, _ := r.Data["token"].(string); subtle.ConstantTimeCompare([]byte(sk), []byte(tok)) != 1 {
			continue
		}
		invalid := func(why string) *apiError {
			return newErr(http.StatusUnauthorized, "token_invalid", "token is invalid", why, nil)
		}
		switch {
		case r.Data["revoked"] == true:
			return nil, invalid("The token has been revoked.")
		case genericExpired(r, rq.now.UnixMilli()):
			return nil, invalid("The token has expired.")
		case rq.machine != "" && r.Data["subject"] != rq.machine && !slices.Contains(anyList(r.Data["scopes"]), any(rq.machine)):
			return nil, invalid("The token does not grant access to this machine.")
		}
		return e.render(rq.op, r, ""), nil
	}
	return nil, errNotFound("token")
}

func anyList(v any) []any {
	l, _ := v.([]any)
	return l
}
