package emulator

import "strings"

func init() {
	register(map[string]handlerFunc{
		"domains.list": (*Emulator).listDomains,
	})
}

type domainJSON struct {
	Object            string  `json:"object"`
	ID                string  `json:"id"`
	Name              string  `json:"name"`
	IsSatellite       bool    `json:"is_satellite"`
	FrontendAPIURL    string  `json:"frontend_api_url"`
	AccountsPortalURL *string `json:"accounts_portal_url"`
	ProxyURL          *string `json:"proxy_url"`
	DevelopmentOrigin string  `json:"development_origin"`
	CNAMETargets      []any   `json:"cname_targets"`
}

// listDomains lists the instance's own domain (its frontend API host, the
// iss of the tokens it signs; its id is derived from the instance id, so it
// is the same across saves and loads without consuming an id), then the
// satellite domains added with domains.add (generic records).
func (e *Emulator) listDomains(rq *request) (any, *apiError) {
	slug := e.st.Instance.Slug
	d := domainJSON{
		Object:            "domain",
		ID:                e.primaryDomainID(),
		Name:              e.frontendAPI(),
		FrontendAPIURL:    "https://" + e.frontendAPI(),
		AccountsPortalURL: ptr("https://" + slug + ".accounts.dev"),
		DevelopmentOrigin: e.st.Instance.DevelopmentOrigin,
	}
	out := []any{d}
	for _, r := range e.st.genByColl.get("/domains|") {
		out = append(out, e.renderSchema("Domain", r))
	}
	return map[string]any{"data": out, "total_count": len(out)}, nil
}

// primaryDomainID is the id of the instance's own domain.
func (e *Emulator) primaryDomainID() string {
	return "dmn_" + strings.TrimPrefix(e.st.Instance.ID, "ins_")
}
