package host_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/wasmweb/wasmweb/host"
	"github.com/wasmweb/wasmweb/host/config"
)

// abiGuest builds the ABI conformance guest, whose "login" handler calls
// user_login with the arguments name and password and answers what it
// returned.
func abiGuest(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "abi.wasm")
	cmd := exec.Command("go", "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Dir = "../conformance/abi/guest"
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "GOFLAGS=") // no -race for wasip1
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the guest: %v\n%s", err, b)
	}
	return out
}

func TestUserLogin(t *testing.T) {
	wasm := abiGuest(t)
	hash, err := bcrypt.GenerateFromPassword([]byte("wonderland"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	site := func(name, hostName string, accounts map[string]string) config.Site {
		return config.Site{
			Name: name, Hosts: []string{hostName}, Accounts: accounts, LoginURL: "/login",
			Limits:  config.Limits{Instances: 1, WarmInstances: 1},
			Plugins: map[string]string{"abi": wasm},
			Routes: []config.Route{
				{Path: "/login", Plugin: "abi", Handler: "login"},
				{Path: "/private", Plugin: "abi", Handler: "user", Auth: config.AuthRequired},
			},
		}
	}
	accts := map[string]string{"alice": string(hash), "bob": string(hash)}
	_, do := testHost(t, site("accounts", "a.test", accts), site("none", "b.test", nil))
	login := func(hostName, name, password string) (body, cookie string) {
		t.Helper()
		form := url.Values{"name": {name}, "password": {password}}.Encode()
		resp, body := do("POST /login HTTP/1.1\r\nHost: " + hostName + "\r\nContent-Type: application/x-www-form-urlencoded\r\n" +
			"Content-Length: " + strconv.Itoa(len(form)) + "\r\n\r\n" + form)
		if resp.StatusCode != 200 {
			t.Fatalf("login %q: %d %q", name, resp.StatusCode, body)
		}
		cookie, _, _ = strings.Cut(resp.Header.Get("Set-Cookie"), ";")
		return body, cookie
	}

	for _, tc := range []struct {
		name, host, user, password, want string
	}{
		{"wrong password", "a.test", "alice", "Wonderland", "denied"},
		{"unknown user", "a.test", "carol", "wonderland", "denied"},
		{"empty name", "a.test", "", "wonderland", "denied"},
		{"name past 128 bytes", "a.test", strings.Repeat("a", 129), "wonderland", "denied"},
		{"password past 72 bytes", "a.test", "alice", strings.Repeat("w", 73), "invalid"},
		{"site without accounts", "b.test", "alice", "wonderland", "not-found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if body, cookie := login(tc.host, tc.user, tc.password); body != tc.want || cookie != "" {
				t.Errorf("%q with cookie %q, want %q and none", body, cookie, tc.want)
			}
		})
	}

	t.Run("right password", func(t *testing.T) {
		body, cookie := login("a.test", "alice", "wonderland")
		if body != "ok" || !strings.HasPrefix(cookie, "wasmweb_user=") {
			t.Fatalf("%q with cookie %q", body, cookie)
		}
		resp, who := do("GET /private HTTP/1.1\r\nHost: a.test\r\nCookie: " + cookie + "\r\n\r\n")
		if resp.StatusCode != 200 || who != "alice" {
			t.Errorf("private page: %d %q, want alice", resp.StatusCode, who)
		}
		// The other site's keys differ: the cookie means nothing there.
		if resp, _ := do("GET /private HTTP/1.1\r\nHost: b.test\r\nCookie: " + cookie + "\r\n\r\n"); resp.StatusCode != 302 {
			t.Errorf("private page on the other site: %d, want 302 to login", resp.StatusCode)
		}
	})

	t.Run("lock after 5 failures", func(t *testing.T) {
		for range 5 {
			if body, _ := login("a.test", "bob", "guess"); body != "denied" {
				t.Fatalf("guess: %q", body)
			}
		}
		if body, cookie := login("a.test", "bob", "wonderland"); body != "denied" || cookie != "" {
			t.Errorf("right password for a locked name: %q, cookie %q", body, cookie)
		}
		if body, _ := login("a.test", "alice", "wonderland"); body != "ok" {
			t.Errorf("another name while bob is locked: %q", body)
		}
	})
}

func TestLoadBadAccounts(t *testing.T) {
	engine, err := host.NewEngine("")
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	spec := watSite("s", config.Route{Path: "/", Plugin: "hello"})
	spec.Accounts = map[string]string{"alice": "wonderland"}
	_, err = host.New(context.Background(), engine, config.Config{Sites: []config.Site{spec}}, nil)
	if err == nil || !strings.Contains(err.Error(), `user "alice": not a bcrypt hash`) || strings.Contains(err.Error(), "wonderland") {
		t.Fatalf("err = %v, want it to name the user and not show the hash", err)
	}
}
