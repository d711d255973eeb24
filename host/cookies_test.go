package host_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host/config"
)

// cookieSites are sites of one server whose names nest: a cookie a guest
// sets for a domain must reach no other site's name.
func cookieSites(wasm string) []config.Site {
	site := func(name string, hosts ...string) config.Site {
		return config.Site{
			Name: name, Hosts: hosts,
			Limits:  config.Limits{Instances: 1, WarmInstances: 1},
			Plugins: map[string]string{"abi": wasm},
			Routes: []config.Route{
				{Path: "/cookies", Plugin: "abi", Handler: "cookies"},
				{Path: "/signed", Plugin: "abi", Handler: "signed"},
				{Path: "/headers", Plugin: "abi", Handler: "headers"},
			},
		}
	}
	lang := site("lang", "lang.test")
	lang.Locale.Cookie = "lang"
	return []config.Site{
		site("a", "a.example.com", "*.a.example.com"),
		site("b", "b.example.com"),
		site("c", "c.test", "www.c.test"),
		site("c-api", "api.c.test"),
		site("w", "*.w.test"),
		site("e", "e.w.test", "*.e.w.test"),
		site("f", "f.w.test", "www.f.w.test"),
		site("any", "*"),
		lang,
	}
}

func TestGuestCookies(t *testing.T) {
	_, do := testHost(t, cookieSites(abiGuest(t))...)
	t.Run("domain-scope", func(t *testing.T) { testCookieDomainScope(t, do) })
	t.Run("host-cookies-reserved", func(t *testing.T) { testHostCookiesReserved(t, do) })
}

// A guest's cookie may name its request's host or a parent its site
// serves, but never a domain that reaches another site's names, a public
// suffix or an address: such a cookie_set, signed_cookie_set or
// Set-Cookie header fails the response and nothing is sent.
func testCookieDomainScope(t *testing.T, do func(string) (*http.Response, string)) {
	for _, tc := range []struct {
		host, domain string
		ok           bool
	}{
		{"a.example.com", "a.example.com", true},
		{"www.a.example.com", "a.example.com", true},
		{"www.a.example.com", ".WWW.a.example.com", true},
		{"a.example.com:8080", "a.example.com", true},
		{"a.example.com", "example.com", false},   // b.example.com is another site's
		{"a.example.com", "com", false},           // a public suffix
		{"a.example.com", "b.example.com", false}, // a sibling
		{"a.example.com", "x.a.example.com", false},
		{"a.example.com", "127.0.0.1", false},
		{"b.example.com", "example.com", false},
		{"b.example.com", "a.example.com", false},
		{"www.c.test", "c.test", false}, // c lists c.test, but api.c.test is c-api's
		{"www.c.test", "www.c.test", true},
		{"e.w.test", "e.w.test", true},          // *.e.w.test answers the names within
		{"f.w.test", "f.w.test", false},         // w's *.w.test answers the other names within
		{"www.f.w.test", "www.f.w.test", false}, // ... and within this one too
		{"x.w.test", "x.w.test", true},
		{"x.w.test", "w.test", false}, // w serves names within w.test, not w.test
		{"any.test", "any.test", true},
		{"x.any.test", "any.test", false}, // "*" lists no name
		{"127.0.0.1", "127.0.0.1", false},
		{"[::1]:80", "::1", false},
		{"localhost", "localhost", false}, // a suffix no site can own
	} {
		for _, path := range []string{
			"/cookies?" + url.Values{"set": {"c"}, "value": {"1"}, "domain": {tc.domain}}.Encode(),
			"/signed?" + url.Values{"set": {"1"}, "domain": {tc.domain}}.Encode(),
			"/headers?" + url.Values{"ops": {`[["add","Set-Cookie","c=1; Domain=` + tc.domain + `"]]`}}.Encode(),
		} {
			resp, body := do("GET " + path + " HTTP/1.1\r\nHost: " + tc.host + "\r\n\r\n")
			sc := resp.Header.Values("Set-Cookie")
			switch {
			case tc.ok && (resp.StatusCode != 200 || len(sc) != 1 || !strings.Contains(strings.ToLower(sc[0]), "domain=")):
				t.Errorf("Host %s, %s: %d %q, Set-Cookie %q; want 200 with the cookie", tc.host, path, resp.StatusCode, body, sc)
			case !tc.ok && (resp.StatusCode != 500 || len(sc) != 0):
				t.Errorf("Host %s, %s: %d, Set-Cookie %q; want 500 and no cookie", tc.host, path, resp.StatusCode, sc)
			}
		}
	}
}

// A guest cannot set the host's own cookies (the XSRF token, the user and
// the locale choice) by cookie_set, signed_cookie_set or a Set-Cookie
// header; a name of its own is fine.
func testHostCookiesReserved(t *testing.T, do func(string) (*http.Response, string)) {
	for _, tc := range []struct {
		host, name string
		ok         bool
	}{
		{"a.example.com", "_xsrf", false},
		{"a.example.com", "wasmweb_user", false},
		{"a.example.com", "wasmweb_locale", false},
		{"a.example.com", "__Host-_xsrf", false},
		{"a.example.com", "__Secure-wasmweb_user", false},
		{"lang.test", "lang", false}, // the site's locale cookie
		{"lang.test", "wasmweb_locale", true},
		{"a.example.com", "lang", true},
		{"a.example.com", "_XSRF", true}, // names are case-sensitive: not the host's
		{"a.example.com", "theme", true},
	} {
		for _, path := range []string{
			"/cookies?" + url.Values{"set": {tc.name}, "value": {"00"}}.Encode(),
			"/signed?" + url.Values{"set": {"00"}, "name": {tc.name}}.Encode(),
			"/headers?" + url.Values{"ops": {`[["add","Set-Cookie","` + tc.name + `=00; Path=/"]]`}}.Encode(),
		} {
			resp, _ := do("GET " + path + " HTTP/1.1\r\nHost: " + tc.host + "\r\n\r\n")
			sc := resp.Header.Values("Set-Cookie")
			if got := resp.StatusCode == 200 && len(sc) == 1 && strings.HasPrefix(sc[0], tc.name+"="); got != tc.ok || !tc.ok && len(sc) != 0 {
				t.Errorf("Host %s, %s: %d, Set-Cookie %q; want set %v", tc.host, path, resp.StatusCode, sc, tc.ok)
			}
		}
	}
}
