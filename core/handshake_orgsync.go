package core

import (
	"strings"

	"github.com/clerkscript/clerkscript/internal/urlparse"
)

// OrganizationSyncOptions activate the organization a URL names, as
// @clerk/backend's organizationSyncOptions: when the path matches an
// organization pattern whose :id or :slug differs from the session's active
// organization (or a personal account pattern while an organization is
// active), the request gets a handshake that switches it.
//
// Patterns are path templates: literal segments (compared without case),
// ":name" for one segment, and a final "(.*)" or "*" for the rest, e.g.
// "/orgs/:slug", "/orgs/:slug/(.*)", "/me/(.*)". A trailing slash is
// optional.
type OrganizationSyncOptions struct {
	OrganizationPatterns    []string
	PersonalAccountPatterns []string
}

type pathPattern struct {
	segs []string
	rest bool
}

type orgMatcher struct {
	org, personal []pathPattern
}

type orgTarget struct {
	_        [0]func() // incomparable: no equality function in the wasm module
	personal bool
	id, slug string
}

// param is the organization_id the handshake asks to activate: "" for the
// personal account.
func (t *orgTarget) param() string {
	if t.id != "" {
		return t.id
	}
	return t.slug
}

func newOrgMatcher(o *OrganizationSyncOptions) (*orgMatcher, error) {
	m := &orgMatcher{}
	for _, p := range o.OrganizationPatterns {
		pp, err := parsePathPattern(p)
		if err != nil {
			return nil, err
		}
		m.org = append(m.org, pp)
	}
	for _, p := range o.PersonalAccountPatterns {
		pp, err := parsePathPattern(p)
		if err != nil {
			return nil, err
		}
		m.personal = append(m.personal, pp)
	}
	return m, nil
}

func parsePathPattern(p string) (pathPattern, error) {
	if !strings.HasPrefix(p, "/") {
		return pathPattern{}, configErr("invalid organization sync pattern " + quoteJSON(p) + ": it must start with /")
	}
	var pp pathPattern
	segs := strings.Split(strings.Trim(p, "/"), "/")
	for i, s := range segs {
		if s == "(.*)" || s == "*" {
			if i != len(segs)-1 {
				return pathPattern{}, configErr("invalid organization sync pattern " + quoteJSON(p) + ": (.*) must come last")
			}
			pp.rest = true
			break
		}
		if s == ":" || (strings.HasPrefix(s, ":") && strings.ContainsAny(s[1:], ":()*?+")) || (!strings.HasPrefix(s, ":") && strings.ContainsAny(s, "()*?+")) {
			return pathPattern{}, configErr("invalid organization sync pattern " + quoteJSON(p) + ": unsupported segment " + quoteJSON(s))
		}
		pp.segs = append(pp.segs, s)
	}
	if len(pp.segs) == 1 && pp.segs[0] == "" {
		pp.segs = nil
	}
	return pp, nil
}

// match returns the named parameters when path matches.
func (pp pathPattern) match(path string) (map[string]string, bool) {
	trimmed := strings.Trim(path, "/")
	var segs []string
	if trimmed != "" {
		segs = strings.Split(trimmed, "/")
	}
	if len(segs) < len(pp.segs) || (!pp.rest && len(segs) != len(pp.segs)) {
		return nil, false
	}
	params := map[string]string{}
	for i, s := range pp.segs {
		if name, ok := strings.CutPrefix(s, ":"); ok {
			if segs[i] == "" {
				return nil, false
			}
			v, err := urlparse.PathUnescape(segs[i])
			if err != nil {
				v = segs[i]
			}
			params[name] = v
			continue
		}
		if !strings.EqualFold(s, segs[i]) {
			return nil, false
		}
	}
	return params, true
}

// target finds what the path asks to activate, organization patterns
// first.
func (m *orgMatcher) target(path string) *orgTarget {
	for _, p := range m.org {
		if params, ok := p.match(path); ok {
			if id := params["id"]; id != "" {
				return &orgTarget{id: id}
			}
			if slug := params["slug"]; slug != "" {
				return &orgTarget{slug: slug}
			}
		}
	}
	for _, p := range m.personal {
		if _, ok := p.match(path); ok {
			return &orgTarget{personal: true}
		}
	}
	return nil
}

// maybeOrgSyncHandshake returns a handshake when the URL asks for another
// active organization than the session's; nil when nothing is to be done
// (including after a handshake already tried: the organization must be
// invalid, and looping would not help).
func (a *Authenticator) maybeOrgSyncHandshake(ac *authContext, auth *AuthObject) *RequestState {
	if a.orgSync == nil {
		return nil
	}
	t := a.orgSync.target(ac.url.Path)
	if t == nil {
		return nil
	}
	must := false
	switch {
	case t.personal:
		must = auth.OrgID != ""
	case t.slug != "":
		must = t.slug != auth.OrgSlug
	case t.id != "":
		must = t.id != auth.OrgID
	}
	if !must || ac.redirectCounter >= maxHandshakeRedirects {
		return nil
	}
	st := a.maybeHandshake(ac, ReasonActiveOrganizationMismatch, "", nil)
	if st.Status != StatusHandshake {
		return nil
	}
	return &st
}
