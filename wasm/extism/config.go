package main

import (
	"errors"
	"strconv"
	"strings"

	"github.com/clerkscript/clerkscript/core"
	"github.com/clerkscript/clerkscript/internal/abi"
	"github.com/clerkscript/clerkscript/internal/urlparse"
	"github.com/clerkscript/clerkscript/wasm/internal/plugin"
)

// settings is the plugin's configuration, read once per instance from the
// manifest's config (string -> string).
type settings struct {
	cfg           abi.Config
	secretKey     string
	apiURL        string
	webhookSecret string
}

// configKeys are the manifest config keys the plugin reads, in the order
// they are checked.
var configKeys = []string{"jwt_key", "secret_key", "api_url", "authorized_parties", "audience", "issuer",
	"clock_skew_ms", "cache_size", "publishable_key", "domain", "is_satellite", "satellite_auto_sync",
	"proxy_url", "sign_in_url", "accepts_token", "accept_pending_sessions", "webhook_secret"}

// configError names the key at fault; its message never holds a secret.
type configError struct{ key, problem string }

func (e *configError) Error() string { return "config " + e.key + ": " + e.problem }

// loadSettings reads and checks every key through get. A missing key is
// its default; a malformed one is an error naming it.
func loadSettings(get func(string) (string, bool)) (settings, error) {
	var s settings
	if err := s.load(get); err != nil {
		return settings{}, err
	}
	return s, nil
}

// keyErr is the error of a malformed key.
//
//go:noinline
func keyErr(key, problem string) error { return &configError{key: key, problem: problem} }

// configValue is the trimmed value of key ("" when missing).
//
//go:noinline
func configValue(get func(string) (string, bool), key string) string {
	v, _ := get(key)
	return strings.TrimSpace(v)
}

// load fills s (loadSettings).
func (s *settings) load(get func(string) (string, bool)) error {
	var err error
	str := func(key string) string { return configValue(get, key) }
	if k := str("jwt_key"); k != "" {
		if perr := core.CheckJWTKey(k); perr != nil {
			return keyErr("jwt_key", "not a PEM or base64 RSA public key: "+perr.Error())
		}
		s.cfg.JWTKey = k
	}
	if k := str("secret_key"); k != "" {
		if !strings.HasPrefix(k, "sk_") || strings.ContainsFunc(k, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			return keyErr("secret_key", "want a Clerk secret key (sk_live_... or sk_test_...)")
		}
		s.secretKey = k
	}
	s.apiURL = core.DefaultAPIURL
	if u := str("api_url"); u != "" {
		if perr := checkBaseURL(u); perr != nil {
			return keyErr("api_url", perr.Error())
		}
		s.apiURL = strings.TrimRight(u, "/")
	}
	for _, p := range list(str("authorized_parties")) {
		if perr := checkOrigin(p); perr != nil {
			return keyErr("authorized_parties", quote(p)+": "+perr.Error())
		}
		s.cfg.AuthorizedParties = append(s.cfg.AuthorizedParties, p)
	}
	s.cfg.Audience = list(str("audience"))
	s.cfg.Issuer = str("issuer")
	if v := str("clock_skew_ms"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 0 || n > 3600_000 {
			return keyErr("clock_skew_ms", "want milliseconds between 0 and 3600000, got "+quote(v))
		}
		s.cfg.ClockSkewMs = &n
	}
	if v := str("cache_size"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < -1 || n > 1_000_000 {
			return keyErr("cache_size", "want -1 (off), 0 (default) or up to 1000000, got "+quote(v))
		}
		s.cfg.CacheSize = n
	}
	s.cfg.PublishableKey = str("publishable_key")
	if s.cfg.PublishableKey != "" && !strings.HasPrefix(s.cfg.PublishableKey, "pk_") {
		return keyErr("publishable_key", "want a Clerk publishable key (pk_live_... or pk_test_...)")
	}
	s.cfg.Domain = str("domain")
	for _, b := range []struct {
		key string
		dst *bool
	}{{"is_satellite", &s.cfg.IsSatellite}, {"satellite_auto_sync", &s.cfg.SatelliteAutoSync},
		{"accept_pending_sessions", &s.cfg.AcceptPendingSessions}} {
		if v := str(b.key); v != "" {
			if *b.dst, err = strconv.ParseBool(v); err != nil {
				return keyErr(b.key, "want true or false, got "+quote(v))
			}
		}
	}
	if v := str("proxy_url"); v != "" {
		if perr := checkBaseURL(v); perr != nil {
			return keyErr("proxy_url", perr.Error())
		}
		s.cfg.ProxyURL = v
	}
	s.cfg.SignInURL = str("sign_in_url")
	for _, t := range list(str("accepts_token")) {
		switch core.TokenType(t) {
		case core.TokenTypeSession, core.TokenTypeAPIKey, core.TokenTypeM2M, core.TokenTypeOAuth, core.TokenTypeAny:
		default:
			return keyErr("accepts_token", "unknown token type "+quote(t)+
				" (want session_token, api_key, m2m_token, oauth_token or any)")
		}
		s.cfg.AcceptsToken = append(s.cfg.AcceptsToken, t)
	}
	if w := str("webhook_secret"); w != "" {
		if !strings.HasPrefix(w, "whsec_") {
			return keyErr("webhook_secret", "want the endpoint's signing secret (whsec_...)")
		}
		s.webhookSecret = w
	}
	if msg := plugin.CheckConfig(s.cfg); msg != "" {
		return errors.New("config: " + msg)
	}
	return nil
}

// list splits a comma-separated value, dropping empty items.
func list(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func checkBaseURL(v string) error {
	u, err := urlparse.Parse(v)
	if err != nil {
		// Not v itself: its user info may hold a password, and an
		// unparsable value cannot be redacted.
		return errors.New("want an absolute http(s) URL: " + errors.Unwrap(err).Error())
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return errors.New("want an absolute http(s) URL, got " + quote(u.Redacted()))
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want a URL without user info, query or fragment, got " + quote(u.Redacted()))
	}
	return nil
}

func checkOrigin(v string) error {
	u, err := urlparse.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("want an origin such as https://app.example.com")
	}
	return nil
}

// quote is strconv.Quote.
//
//go:noinline
func quote(s string) string { return strconv.Quote(s) }
