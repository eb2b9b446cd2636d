package main

import (
	"strings"
	"testing"

	"github.com/clerkscript/clerkscript/internal/testkeys"
)

func getter(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadSettings(t *testing.T) {
	s, err := loadSettings(getter(map[string]string{
		"jwt_key": testkeys.Primary.PublicPEM(), "authorized_parties": " https://a.example , https://b.example/ ,",
		"audience": "x,y", "clock_skew_ms": "0", "cache_size": "-1", "is_satellite": "true",
		"accepts_token": "session_token,api_key", "api_url": "http://127.0.0.1:8080/", "secret_key": "sk_test_x",
		"webhook_secret": "whsec_abc", "publishable_key": "pk_test_x",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.cfg.AuthorizedParties) != 2 || len(s.cfg.Audience) != 2 || s.cfg.ClockSkewMs == nil || *s.cfg.ClockSkewMs != 0 ||
		s.cfg.CacheSize != -1 || !s.cfg.IsSatellite || len(s.cfg.AcceptsToken) != 2 || s.apiURL != "http://127.0.0.1:8080" ||
		s.secretKey != "sk_test_x" || s.webhookSecret != "whsec_abc" || s.cfg.PublishableKey != "pk_test_x" {
		t.Fatalf("settings %+v", s)
	}
	d, err := loadSettings(getter(nil))
	if err != nil || d.apiURL != "https://api.clerk.com" || d.cfg.ClockSkewMs != nil {
		t.Fatalf("defaults: %+v, %v", d, err)
	}
}

func TestLoadSettingsNamesTheKey(t *testing.T) {
	for key, bad := range map[string]string{
		"jwt_key": "nope", "secret_key": "sk_with space", "api_url": "https://u:hunter3@x", "authorized_parties": "https://a/b",
		"clock_skew_ms": "3600001", "cache_size": "x", "publishable_key": "sk_x", "is_satellite": "yes please",
		"satellite_auto_sync": "2", "accept_pending_sessions": "-", "proxy_url": "/relative", "accepts_token": "jwt",
		"webhook_secret": "hunter2",
	} {
		_, err := loadSettings(getter(map[string]string{key: bad}))
		if err == nil || !strings.HasPrefix(err.Error(), "config "+key+": ") {
			t.Errorf("%s=%q: %v, want an error naming %s", key, bad, err, key)
		}
		if key == "secret_key" || key == "webhook_secret" || key == "api_url" {
			if err != nil && strings.Contains(err.Error(), strings.TrimPrefix(strings.TrimSuffix(bad, "@x"), "https://u:")) {
				t.Errorf("%s: the error shows the secret: %v", key, err)
			}
		}
	}
	// A password in api_url's user info stays out of the message, whether
	// the URL parses or not.
	for _, bad := range []string{"https://u:hunter3@x", "https://u:hunter3@x?q=1", "ftp://u:hunter3@x", "https://u:hunter3@x:port", "https://u:hunter3@[::1"} {
		_, err := loadSettings(getter(map[string]string{"api_url": bad}))
		if err == nil || strings.Contains(err.Error(), "hunter3") {
			t.Errorf("api_url=%q: %v, want an error without the password", bad, err)
		}
	}
	// Every key the loader reads is in configKeys (the documented list).
	read := map[string]bool{}
	_, _ = loadSettings(func(k string) (string, bool) { read[k] = true; return "", false })
	for _, k := range configKeys {
		if !read[k] {
			t.Errorf("configKeys lists %s, which is never read", k)
		}
		delete(read, k)
	}
	for k := range read {
		t.Errorf("key %s is read but not in configKeys", k)
	}
}

// FuzzLoadSettings: any config value gives settings or an error naming a
// key, never a panic.
func FuzzLoadSettings(f *testing.F) {
	for _, s := range []string{"", "https://a.example", "5000", "-1", "true", "sk_test_x", "pk_test_x", "whsec_x", "%zz"} {
		f.Add("authorized_parties", s)
	}
	f.Fuzz(func(t *testing.T, key, value string) {
		_, err := loadSettings(getter(map[string]string{key: value}))
		if err != nil && !strings.HasPrefix(err.Error(), "config") {
			t.Fatalf("%s=%q: %v", key, value, err)
		}
	})
}
