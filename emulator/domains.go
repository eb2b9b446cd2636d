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

// listDomains lists the instance's one domain, the development instance's
// own: its frontend API host, the iss of the tokens it signs. The emulator
// keeps no satellite domains (domains.add answers 501), so the list is
// always this one entry. Its id is derived from the instance id, so it is
// the same across saves and loads without consuming an id.
func (e *Emulator) listDomains(*request) (any, *apiError) {
	slug := e.st.Instance.Slug
	d := domainJSON{
		Object:            "domain",
		ID:                "dmn_" + strings.TrimPrefix(e.st.Instance.ID, "ins_"),
		Name:              e.frontendAPI(),
		FrontendAPIURL:    "https://" + e.frontendAPI(),
		AccountsPortalURL: ptr("https://" + slug + ".accounts.dev"),
		DevelopmentOrigin: e.st.Instance.DevelopmentOrigin,
	}
	return map[string]any{"data": []domainJSON{d}, "total_count": 1}, nil
}
