package host_test

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/wasmweb/wasmweb/host/config"
)

// The warning about cookie secrets is for sites that sign something:
// by their config (accounts, login_url, auth = "required"), or because a
// plugin imports a function that signs or verifies.
func TestNoSecretsWarning(t *testing.T) {
	const warning = "host: site has no cookie secrets; signed cookies will not survive a restart"
	hello := wasmPath("hello")
	hash, err := bcrypt.GenerateFromPassword([]byte("wonderland"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(*config.Site)
		want bool
	}{
		{"plain", func(*config.Site) {}, false},
		{"with secrets", func(s *config.Site) {
			s.Cookies.Secrets = []config.Secret{config.NewSecret("0123456789abcdef")}
			s.Plugins["g"] = wasmPath("abuse")
		}, false},
		{"xsrf only", func(s *config.Site) { s.XSRF = true }, false},
		{"auth required", func(s *config.Site) { s.Routes[0].Auth = config.AuthRequired }, true},
		{"login url", func(s *config.Site) { s.LoginURL = "/login" }, true},
		{"accounts", func(s *config.Site) { s.Accounts = map[string]string{"alice": string(hash)} }, true},
		{"plugin signs", func(s *config.Site) { s.Plugins["g"] = wasmPath("abuse") }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := config.Site{Name: "s", Hosts: []string{"*"}, Limits: config.Limits{Instances: 1, WarmInstances: 1},
				Plugins: map[string]string{"hello": hello}, Routes: []config.Route{{Path: "/", Plugin: "hello"}}}
			tc.edit(&s)
			_, log, err := loggedHost(t, config.Config{Sites: []config.Site{s}})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(log.records(warning)) > 0; got != tc.want {
				t.Errorf("warned %v, want %v", got, tc.want)
			}
		})
	}
}
