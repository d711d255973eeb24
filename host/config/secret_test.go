package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const varsSite = `
[[site]]
name = "a"
hosts = ["*"]
[site.vars]
greeting = "greetings-inline-77"
api_key = { env = "WASMWEB_TEST_API_KEY" }
token = { file = "secrets/token" }
[site.cookies]
secrets = [{ env = "WASMWEB_TEST_COOKIE_SECRET" }]
[site.plugins]
hello = "plugins/hello"
[[site.route]]
path = "/"
plugin = "hello"
`

// Variables and cookie secrets come inline, from the environment or from
// a file (relative to the config, its trailing newline dropped).
func TestSecretSources(t *testing.T) {
	t.Setenv("WASMWEB_TEST_API_KEY", "sk-env-4242")
	t.Setenv("WASMWEB_TEST_COOKIE_SECRET", "cookie-secret-from-env-0123")
	cfg, err := Parse("vars.toml", []byte(varsSite), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	s := cfg.Sites[0]
	for name, want := range map[string]string{"greeting": "greetings-inline-77", "api_key": "sk-env-4242", "token": "from-a-file"} {
		if got := s.Vars[name].Value(); got != want {
			t.Errorf("var %s = %q, want %q", name, got, want)
		}
	}
	if got := s.Cookies.Secrets[0].Value(); got != "cookie-secret-from-env-0123" {
		t.Errorf("cookie secret = %q", got)
	}
	if got := s.Vars["api_key"].Source(); got != "env WASMWEB_TEST_API_KEY" {
		t.Errorf("source %q", got)
	}
}

// A Secret never shows its value: printed, logged or encoded, with the
// config that holds it.
func TestSecretRedacted(t *testing.T) {
	t.Setenv("WASMWEB_TEST_API_KEY", "sk-env-4242")
	t.Setenv("WASMWEB_TEST_COOKIE_SECRET", "cookie-secret-from-env-0123")
	cfg, err := Parse("vars.toml", []byte(varsSite), "testdata")
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("config", "site", cfg.Sites[0], "vars", cfg.Sites[0].Vars, "one", cfg.Sites[0].Vars["token"])
	slog.New(slog.NewTextHandler(&log, nil)).Info("config", "site", cfg.Sites[0], "one", cfg.Sites[0].Vars["api_key"])
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), log.String(), string(js)} {
		for _, secret := range []string{"greetings-inline-77", "sk-env-4242", "from-a-file", "cookie-secret-from-env-0123"} {
			if strings.Contains(out, secret) {
				t.Errorf("%q shows up in %s", secret, out)
			}
		}
	}
}

// A site given to the admin API may not read the server's environment
// or files into a guest.
func TestParseSiteInlineOnly(t *testing.T) {
	t.Setenv("WASMWEB_TEST_API_KEY", "sk-env-4242")
	t.Setenv("WASMWEB_TEST_COOKIE_SECRET", "cookie-secret-from-env-0123")
	_, err := ParseSite("PUT /v1/sites/a", []byte(varsSite), "testdata")
	if err == nil || !strings.Contains(err.Error(), "inline values only") || strings.Contains(err.Error(), "sk-env") {
		t.Errorf("ParseSite with env and file sources: %v", err)
	}
	inline := strings.NewReplacer(`{ env = "WASMWEB_TEST_API_KEY" }`, `"k"`, `{ file = "secrets/token" }`, `"t"`,
		`[{ env = "WASMWEB_TEST_COOKIE_SECRET" }]`, `["0123456789abcdef"]`).Replace(varsSite)
	if _, err := ParseSite("PUT /v1/sites/a", []byte(inline), "testdata"); err != nil {
		t.Errorf("ParseSite with inline values: %v", err)
	}
}

// A provider's client secret comes from the same sources as any secret,
// and a site given to the admin API may not name the server's
// environment for it either.
func TestProviderSecretSources(t *testing.T) {
	t.Setenv("WASMWEB_TEST_CLIENT_SECRET", "client-secret-from-env-55")
	site := func(secret string) string {
		return `
[[site]]
name = "a"
hosts = ["*"]
[site.auth]
base_url = "https://example.com/"
[site.auth.providers.gh]
type = "github"
client_id = "id"
` + secret + `
[site.plugins]
hello = "plugins/hello"
[[site.route]]
path = "/"
plugin = "hello"
`
	}
	for secret, want := range map[string]string{
		`client_secret = "inline-secret"`:                        "inline-secret",
		`client_secret = { env = "WASMWEB_TEST_CLIENT_SECRET" }`: "client-secret-from-env-55",
		`client_secret = { file = "secrets/token" }`:             "from-a-file",
		`client_secret_env = "WASMWEB_TEST_CLIENT_SECRET"`:       "client-secret-from-env-55",
	} {
		cfg, err := Parse("auth.toml", []byte(site(secret)), "testdata")
		if err != nil {
			t.Errorf("%s: %v", secret, err)
			continue
		}
		if got := cfg.Sites[0].Auth.Providers["gh"].Secret(); got != want {
			t.Errorf("%s: secret %q, want %q", secret, got, want)
		}
	}
	for _, secret := range []string{`client_secret = { env = "WASMWEB_TEST_CLIENT_SECRET" }`, `client_secret_env = "WASMWEB_TEST_CLIENT_SECRET"`} {
		_, err := ParseSite("PUT /v1/sites/a", []byte(site(secret)), "testdata")
		if err == nil || !strings.Contains(err.Error(), "inline values only") || strings.Contains(err.Error(), "client-secret-from-env") {
			t.Errorf("ParseSite with %s: %v", secret, err)
		}
	}
}
