package outbound

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// A Rule is one entry of a site's allow list: a scheme, a host and a
// port. Immutable.
type Rule struct {
	scheme string
	// host is a lower-case DNS name, or "" when addr is set. With
	// wildcard, the rule admits any name ending in "."+host.
	host     string
	wildcard bool
	addr     netip.Addr // an IP address the entry names, or the zero Addr
	port     int        // 0 admits any port
}

// ParseRule parses an allow-list entry: "https://api.example.com",
// "https://*.example.org:8443", "http://127.0.0.1:*", "http://[::1]:8080".
func ParseRule(s string) (Rule, error) {
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return Rule{}, fmt.Errorf("%q: want scheme://host[:port], such as \"https://api.example.com\"", s)
	}
	var r Rule
	switch scheme {
	case "http", "https":
		r.scheme = scheme
	default:
		return Rule{}, fmt.Errorf("%q: the scheme must be http or https", s)
	}
	rest = strings.TrimSuffix(rest, "/")
	if strings.ContainsAny(rest, "/?#@") {
		return Rule{}, fmt.Errorf("%q: an entry is an origin, without user, path, query or fragment", s)
	}
	host, port := rest, ""
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Rule{}, fmt.Errorf("%q: unclosed [ in the host", s)
		}
		host, port = rest[1:end], rest[end+1:]
		if port != "" && !strings.HasPrefix(port, ":") {
			return Rule{}, fmt.Errorf("%q: want :port after the address", s)
		}
		port = strings.TrimPrefix(port, ":")
		a, err := netip.ParseAddr(host)
		if err != nil || !a.Is6() || a.Zone() != "" {
			return Rule{}, fmt.Errorf("%q: %q is not an IPv6 address", s, host)
		}
		r.addr = a
	} else {
		if i := strings.LastIndexByte(rest, ':'); i >= 0 {
			host, port = rest[:i], rest[i+1:]
		}
		host = strings.ToLower(host)
		if a, err := netip.ParseAddr(host); err == nil {
			if !a.Is4() {
				return Rule{}, fmt.Errorf("%q: write an IPv6 address in brackets", s)
			}
			r.addr = a
		} else {
			name := host
			if strings.HasPrefix(host, "*.") {
				r.wildcard, name = true, host[2:]
			}
			if !validName(name) {
				return Rule{}, fmt.Errorf("%q: %q is not a host name, *.domain or IP address", s, host)
			}
			r.host = name
		}
	}
	switch port {
	case "":
		r.port = defaultPort(r.scheme)
	case "*":
		r.port = 0
	default:
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || port[0] == '0' {
			return Rule{}, fmt.Errorf("%q: %q is not a port (1 to 65535, or *)", s, port)
		}
		r.port = n
	}
	return r, nil
}

func defaultPort(scheme string) int {
	if scheme == "https" {
		return 443
	}
	return 80
}

// validName reports whether s is a DNS name written plainly: labels of
// letters, digits and hyphens, not all of them digits (so that numeric
// IPv4 forms such as 2130706433 or 0177.0.0.1 are not names), without a
// trailing dot.
func validName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	numeric := true
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case 'a' <= c && c <= 'z', c == '-':
				numeric = false
			case '0' <= c && c <= '9':
			default:
				return false
			}
		}
	}
	// A name whose last label is numeric, or starts as hex does, could be
	// read as an address by some resolver: 10.1, 0x7f.1, 127.1.
	last := s[strings.LastIndexByte(s, '.')+1:]
	if numeric || isDigits(last) || strings.HasPrefix(last, "0x") && isHex(last[2:]) {
		return false
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// String returns the entry as ParseRule reads it.
func (r Rule) String() string {
	h := r.host
	switch {
	case r.addr.Is6():
		h = "[" + r.addr.String() + "]"
	case r.addr.IsValid():
		h = r.addr.String()
	case r.wildcard:
		h = "*." + h
	}
	p := "*"
	if r.port != 0 {
		p = strconv.Itoa(r.port)
	}
	return r.scheme + "://" + h + ":" + p
}

// A target is a URL's origin, checked and made canonical.
type target struct {
	scheme string
	host   string     // lower case, without brackets
	addr   netip.Addr // when host is an IP address
	port   int
}

var errBadURL = errors.New("not an absolute http or https URL without user information")

// parseTarget checks u, a URL to fetch or a redirect's, and returns its
// origin. Hosts that are neither a plain DNS name nor a canonical IP
// address are refused: a numeric form one resolver reads as an address
// and another as a name has no single meaning to check.
func parseTarget(u *url.URL) (target, error) {
	if (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.User != nil || u.Host == "" {
		return target{}, errBadURL
	}
	t := target{scheme: u.Scheme}
	host := strings.ToLower(u.Hostname())
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" || (a.Is4() && strings.HasPrefix(u.Host, "[")) || (a.Is6() && !strings.HasPrefix(u.Host, "[")) {
			return target{}, fmt.Errorf("%w: %q is not an address written canonically", ErrDenied, host)
		}
		t.addr = a
	} else if !validName(host) {
		return target{}, fmt.Errorf("%w: %q is not a host name or an address written canonically", ErrDenied, host)
	}
	t.host = host
	t.port = defaultPort(u.Scheme)
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return target{}, errBadURL
		}
		t.port = n
	}
	return t, nil
}

// admits reports whether the rule allows fetching from t.
func (r Rule) admits(t target) bool {
	if r.scheme != t.scheme || (r.port != 0 && r.port != t.port) {
		return false
	}
	if r.addr.IsValid() {
		return t.addr.IsValid() && r.addr == t.addr
	}
	if t.addr.IsValid() {
		return false
	}
	if r.wildcard {
		return strings.HasSuffix(t.host, "."+r.host)
	}
	return t.host == r.host
}
