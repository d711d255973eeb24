package cookie

import (
	"net/http"
	"strings"
	"testing"
)

// siteA is the scope of a request for www.a.example.com to a site that
// serves a.example.com and its subdomains, beside other sites that serve
// b.example.com and x.a.example.com.
var siteA = Scope{
	Host:         "www.a.example.com",
	Owns:         func(d string) bool { return d == "www.a.example.com" || d == "a.example.com" },
	PublicSuffix: LastLabel,
	Reserved:     []string{"_xsrf", "wasmweb_user", "wasmweb_locale"},
}

func TestBuild(t *testing.T) {
	for _, tc := range []struct {
		name, value, attrs, want string
	}{
		{"theme", "dark", "", "theme=dark; Path=/; HttpOnly; SameSite=Lax"},
		{"theme", "dark", "Max-Age=86400", "theme=dark; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax"},
		{"theme", "", "Max-Age=0", "theme=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"},
		{"s", "v", "Path=/app; Domain=a.example.com; Secure; SameSite=None; HttpOnly=false", "s=v; Path=/app; Domain=a.example.com; Secure; SameSite=None"},
		{"s", "v", "SameSite=Strict", "s=v; Path=/; HttpOnly; SameSite=Strict"},
	} {
		got, err := siteA.Build(tc.name, tc.value, tc.attrs)
		if err != nil || got != tc.want {
			t.Errorf("%s=%s [%s]: %q %v, want %q", tc.name, tc.value, tc.attrs, got, err, tc.want)
		}
	}
	for _, bad := range [][3]string{
		{"bad name", "v", ""}, {"n\r\nX-Injected", "v", ""}, {"n", "v\r\nX-Injected: 1", ""},
		{"n", "a;b", ""}, {"n", "a b", ""}, {"n", `a"b`, ""}, {"n", "a,b", ""}, {"n", "ü", ""},
		{"n", "v", "Path=/\r\nX: 1"}, {"n", "v", "Max-Age=soon"}, {"n", "v", "SameSite=None"},
		{"n", "v", "SameSite=Sometimes"}, {"n", "v", "Expires=Wed"}, {"n", "v", "Secure=yes"}, {"n", "v", "Domain=a;b"},
	} {
		if got, err := siteA.Build(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%q=%q [%q] accepted as %q", bad[0], bad[1], bad[2], got)
		}
	}
}

// A guest's cookie may name the request's host or a parent of it that its
// site owns; never another site's name, a public suffix or an address.
func TestDomainScope(t *testing.T) {
	for _, tc := range []struct {
		domain, want string // want "" means refused
	}{
		{"www.a.example.com", "www.a.example.com"},
		{"a.example.com", "a.example.com"},
		{".a.example.com", "a.example.com"}, // browsers drop the dot
		{"A.Example.COM", "a.example.com"},
		{"", ""},                   // no Domain: the host only
		{"example.com", "refused"}, // not owned: b.example.com is another site's
		{"com", "refused"},         // a public suffix
		{"b.example.com", "refused"},
		{"x.www.a.example.com", "refused"}, // a subdomain of the host, not a parent
		{"evil.test", "refused"},
		{"127.0.0.1", "refused"},
		{"[::1]", "refused"},
		{"::1", "refused"},
		{"example.com.", "refused"},
		{"ww.a.example.com", "refused"}, // a suffix of the host, but not at a dot
	} {
		got, err := siteA.Build("n", "v", "Domain="+tc.domain)
		switch {
		case tc.want == "refused" && err == nil:
			t.Errorf("Domain=%s accepted: %q", tc.domain, got)
		case tc.want == "refused":
		case err != nil:
			t.Errorf("Domain=%s refused: %v", tc.domain, err)
		case tc.want == "" && strings.Contains(got, "Domain"), tc.want != "" && !strings.Contains(got, "; Domain="+tc.want+";"):
			t.Errorf("Domain=%s: %q, want Domain=%s", tc.domain, got, tc.want)
		}
	}
	// An address as the request's host allows no Domain either, nor does
	// a public suffix that a site serves.
	ip := Scope{Host: "127.0.0.1", Owns: func(string) bool { return true }, PublicSuffix: LastLabel}
	if got, err := ip.Build("n", "v", "Domain=127.0.0.1"); err == nil {
		t.Errorf("Domain=127.0.0.1 on 127.0.0.1 accepted: %q", got)
	}
	// The suffix rule is the scope's: here a list that knows github.io.
	ps := Scope{Host: "user.github.io", Owns: func(string) bool { return true }, PublicSuffix: func(d string) string {
		if d == "github.io" || strings.HasSuffix(d, ".github.io") {
			return "github.io"
		}
		return LastLabel(d)
	}}
	if got, err := ps.Build("n", "v", "Domain=github.io"); err == nil {
		t.Errorf("Domain=github.io accepted: %q", got)
	}
	if _, err := ps.Build("n", "v", "Domain=user.github.io"); err != nil {
		t.Errorf("Domain=user.github.io refused: %v", err)
	}
	// Without a suffix rule no Domain passes, not even the host's own.
	none := siteA
	none.PublicSuffix = nil
	if got, err := none.Build("n", "v", "Domain=www.a.example.com"); err == nil {
		t.Errorf("Domain accepted without a suffix rule: %q", got)
	}
	if err := none.CheckHeader("n=v; Domain=a.example.com"); err == nil {
		t.Error("a Set-Cookie header's Domain accepted without a suffix rule")
	}
	if _, err := none.Build("n", "v", ""); err != nil {
		t.Errorf("a cookie without Domain refused without a suffix rule: %v", err)
	}
	// The host's own cookies take no Domain.
	if got, err := Build("_xsrf", "v", "Domain=a.example.com"); err == nil {
		t.Errorf("Build with a Domain accepted: %q", got)
	}
}

func TestLastLabel(t *testing.T) {
	for d, want := range map[string]string{
		"a.example.com": "com", "com": "com", "co.uk": "uk", "user.github.io": "io", "localhost": "localhost", "example.com.": "",
	} {
		if got := LastLabel(d); got != want {
			t.Errorf("LastLabel(%q) = %q, want %q", d, got, want)
		}
	}
}

// Guests cannot set the host's cookies, with or without a prefix; the
// host can.
func TestReservedNames(t *testing.T) {
	for _, name := range []string{"_xsrf", "wasmweb_user", "wasmweb_locale", "__Host-_xsrf", "__host-wasmweb_user", "__Secure-_xsrf"} {
		if got, err := siteA.Build(name, "00", ""); err == nil {
			t.Errorf("a guest set %s: %q", name, got)
		}
		if err := siteA.CheckHeader(name + "=00; Path=/"); err == nil {
			t.Errorf("a guest's Set-Cookie header set %s", name)
		}
	}
	for _, name := range []string{"_XSRF", "xsrf", "_xsrf2", "__Host-", "theme"} {
		if _, err := siteA.Build(name, "00", ""); err != nil {
			t.Errorf("%s refused: %v", name, err)
		}
	}
	if _, err := Build("_xsrf", "00", "HttpOnly=false"); err != nil {
		t.Errorf("the host's own _xsrf refused: %v", err)
	}
}

func TestCheckHeader(t *testing.T) {
	for _, ok := range []string{
		"a=1", "a=1; Path=/", "a=1; Domain=a.example.com", "a=1; domain = .A.example.com ; Secure",
		"a=1; Domain=", "a=1; Domain=www.a.example.com; Max-Age=5", "nameless", "",
	} {
		if err := siteA.CheckHeader(ok); err != nil {
			t.Errorf("%q refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"a=1; Domain=example.com", "a=1; DOMAIN=com", "a=1;Domain=127.0.0.1", "a=1; Domain=b.example.com",
		"a=1; Domain=a.example.com; Domain=example.com", "a=1; Domain=example.com; Domain=a.example.com",
		" _xsrf =1", "\t_xsrf=1; Path=/", "_xsrf", "a=1; \tdomain\t=\texample.com",
		"0=;\nDomAin=0", "a=1;\rDomain=example.com", "a=1; Domain=example.com\x00", "\v_xsrf=1",
	} {
		if err := siteA.CheckHeader(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// FuzzCheckHeader: whatever a guest writes as a Set-Cookie header, if
// CheckHeader lets it through then net/http's reading of it names no
// reserved cookie and no Domain outside the scope.
func FuzzCheckHeader(f *testing.F) {
	for _, s := range []string{"a=1; Domain=a.example.com", "_xsrf=1", "a=1; Domain=example.com", " a = 1 ; domain = .com", "__Host-_xsrf=1; Path=/; Secure", "0=;\nDomAin=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if siteA.CheckHeader(v) != nil {
			return
		}
		c, err := http.ParseSetCookie(v)
		if err != nil {
			return
		}
		if siteA.reserved(c.Name) {
			t.Errorf("%q: accepted, but sets %q", v, c.Name)
		}
		if d := strings.ToLower(strings.TrimPrefix(c.Domain, ".")); d != "" && d != "www.a.example.com" && d != "a.example.com" {
			t.Errorf("%q: accepted, but Domain %q", v, c.Domain)
		}
	})
}
