// Package cookie builds Set-Cookie values from what a guest asks for,
// refusing anything that is not a well-formed cookie or that reaches
// beyond the guest's site. The host and the SDK's test fake share it, so
// the fake refuses what the host refuses.
//
// The one rule that needs data from outside the standard library, which
// domains are public suffixes, is the Scope's PublicSuffix: the host
// gives it the Public Suffix List (host/cookie), the fake LastLabel. The
// package knows no site: the request's host, the domains a site owns and
// the names the host keeps are what its caller puts in the Scope.
package cookie

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// A Scope is what a guest may do with the cookies of one response (abi/ABI.md
// section 7.6): which domains a cookie may name and which names the host
// keeps for its own cookies. The zero Scope allows no Domain attribute and
// keeps no name, which suits the host's own cookies.
type Scope struct {
	// Host is the request's host name as browsers compare it: lower case,
	// without a port.
	Host string
	// Owns reports whether a cookie for domain, which is Host or a parent
	// of it, reaches no site but the guest's: the site serves domain,
	// and no other site on the server serves it or a name within it.
	Owns func(domain string) bool
	// PublicSuffix returns the public suffix of domain (lower case,
	// without a leading dot): "co.uk" for "a.example.co.uk", "com" for
	// "com". A Domain attribute that is its own public suffix is refused,
	// since sites of different owners share it. When PublicSuffix is nil
	// every Domain attribute is refused.
	PublicSuffix func(domain string) string
	// Reserved names the host's own cookies, which guests may not set.
	Reserved []string
}

// LastLabel returns domain's last label, "com" for "a.example.com": the
// public suffix of a name by the Public Suffix List's default rule, for
// a top-level domain the list does not know. As a Scope's PublicSuffix it
// refuses "com" and "test" but not "co.uk" or "github.io", which the list
// names; it serves the SDK's fake, which has no list.
func LastLabel(domain string) string {
	return domain[strings.LastIndexByte(domain, '.')+1:]
}

// Build returns the Set-Cookie value of one of the host's own cookies:
// Build with the zero Scope, so no Domain attribute.
func Build(name, value, attrs string) (string, error) {
	return Scope{}.Build(name, value, attrs)
}

// Build checks a guest's cookie and its attributes (abi/ABI.md section
// 7.6) and returns the Set-Cookie value, with the defaults applied: Path=/,
// HttpOnly and SameSite=Lax unless attrs say otherwise. Names must be
// tokens and values cookie-octets, so nothing can be injected; a reserved
// name, or a Domain the scope does not allow, is refused.
func (s Scope) Build(name, value, attrs string) (string, error) {
	if s.reserved(name) {
		return "", fmt.Errorf("cookie %q belongs to the host", name)
	}
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode}
	for _, a := range strings.Split(attrs, ";") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		k, v, hasValue := strings.Cut(a, "=")
		switch strings.ToLower(k) {
		case "path":
			ck.Path = v
		case "domain":
			if strings.ContainsAny(v, ";\r\n ") {
				return "", fmt.Errorf("bad Domain %q", v)
			}
			d, err := s.domain(v)
			if err != nil {
				return "", err
			}
			ck.Domain = d
		case "max-age":
			n, err := strconv.Atoi(v)
			if err != nil {
				return "", fmt.Errorf("Max-Age %q is not a number of seconds", v)
			}
			ck.MaxAge = n
			if n <= 0 {
				ck.MaxAge = -1 // net/http writes Max-Age=0: delete
			}
		case "secure":
			if hasValue {
				return "", fmt.Errorf("attribute %q takes no value", a)
			}
			ck.Secure = true
		case "httponly":
			switch {
			case !hasValue || strings.EqualFold(v, "true"):
				ck.HttpOnly = true
			case strings.EqualFold(v, "false"):
				ck.HttpOnly = false
			default:
				return "", fmt.Errorf("HttpOnly=%q: want true or false", v)
			}
		case "samesite":
			switch strings.ToLower(v) {
			case "lax":
				ck.SameSite = http.SameSiteLaxMode
			case "strict":
				ck.SameSite = http.SameSiteStrictMode
			case "none":
				ck.SameSite = http.SameSiteNoneMode
			default:
				return "", fmt.Errorf("SameSite=%q: want Lax, Strict or None", v)
			}
		default:
			return "", fmt.Errorf("unknown cookie attribute %q", a)
		}
	}
	if ck.SameSite == http.SameSiteNoneMode && !ck.Secure {
		return "", fmt.Errorf("SameSite=None needs Secure")
	}
	if err := ck.Valid(); err != nil {
		return "", err
	}
	// Valid accepts values with spaces and commas, which it would quote;
	// the ABI allows only cookie-octets.
	for i := 0; i < len(value); i++ {
		if b := value[i]; b <= ' ' || b == '"' || b == ',' || b == ';' || b == '\\' || b >= 0x7f {
			return "", fmt.Errorf("cookie value has byte %#x, which is not a cookie-octet", b)
		}
	}
	if strings.ContainsAny(ck.Path, ";\r\n") {
		return "", fmt.Errorf("bad Path")
	}
	return ck.String(), nil
}

// CheckHeader checks a Set-Cookie field that a guest writes as a header
// (resp_header) as a browser would read it: its cookie's name must not be
// reserved, and every Domain attribute, since browsers differ on which
// one counts, must be one the scope allows.
func (s Scope) CheckHeader(value string) error {
	// A field value holds no control bytes but HTAB (RFC 9110, 5.5);
	// refusing them here also keeps this reading and a parser that trims
	// more kinds of white space around a name from telling two stories.
	for i := 0; i < len(value); i++ {
		if b := value[i]; (b < ' ' && b != '\t') || b == 0x7f {
			return fmt.Errorf("Set-Cookie has control byte %#x", b)
		}
	}
	pair, attrs, _ := strings.Cut(value, ";")
	name, _, _ := strings.Cut(pair, "=")
	if name = strings.Trim(name, " \t"); s.reserved(name) {
		return fmt.Errorf("cookie %q belongs to the host", name)
	}
	for _, a := range strings.Split(attrs, ";") {
		k, v, _ := strings.Cut(a, "=")
		if strings.EqualFold(strings.Trim(k, " \t"), "domain") {
			if _, err := s.domain(strings.Trim(v, " \t")); err != nil {
				return err
			}
		}
	}
	return nil
}

// reserved reports whether name is one of the host's cookies, also with a
// __Host- or __Secure- prefix (which browsers match without regard to
// case), so that a guest cannot take a name the host may move to.
func (s Scope) reserved(name string) bool {
	for _, p := range []string{"__Host-", "__Secure-"} {
		if len(name) > len(p) && strings.EqualFold(name[:len(p)], p) {
			name = name[len(p):]
			break
		}
	}
	for _, r := range s.Reserved {
		if name == r {
			return true
		}
	}
	return false
}

// errNoDomain is the refusal of a Domain under the zero Scope.
var errNoDomain = errors.New("the host's own cookies take no Domain")

// errNoSuffixes is the refusal of a Domain under a Scope without
// PublicSuffix.
var errNoSuffixes = errors.New("no public suffix rule to check a Domain against")

// domain returns a Domain attribute's value as browsers take it (without
// a leading dot, in lower case; empty means the request's host only), or
// why a guest may not set it: it must not be an IP address or a public
// suffix, and must be the request's host or a parent of it that the
// guest's site owns.
func (s Scope) domain(v string) (string, error) {
	d := strings.ToLower(strings.TrimPrefix(v, "."))
	if d == "" {
		return "", nil
	}
	if s.Host == "" {
		return "", errNoDomain
	}
	if _, err := netip.ParseAddr(strings.Trim(d, "[]")); err == nil {
		return "", fmt.Errorf("Domain %q is an IP address", v)
	}
	if s.PublicSuffix == nil {
		return "", errNoSuffixes
	}
	if s.PublicSuffix(d) == d {
		return "", fmt.Errorf("Domain %q is a public suffix, shared by sites of different owners", v)
	}
	if d != s.Host && !strings.HasSuffix(s.Host, "."+d) {
		return "", fmt.Errorf("Domain %q is neither the request's host %q nor a parent of it", v, s.Host)
	}
	if s.Owns == nil || !s.Owns(d) {
		return "", fmt.Errorf("Domain %q is not the site's alone: the site does not serve it, or another site serves a name within it", v)
	}
	return d, nil
}
