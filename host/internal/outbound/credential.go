package outbound

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// A Prefix is where a credential may be sent: an origin and a path
// prefix ending in "/", such as "https://api.github.com/". Immutable.
type Prefix struct {
	t    target
	path string // escaped, ending in "/"
}

// ParsePrefix parses an API prefix: an absolute http or https URL
// without user, query or fragment, whose path ends in "/" (so that
// "https://api.example.com/v1/" cannot match "/v10" nor a host
// "api.example.com.evil").
func ParsePrefix(s string) (Prefix, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Prefix{}, fmt.Errorf("%q is not a URL", s)
	}
	t, err := parseTarget(u)
	if err != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return Prefix{}, fmt.Errorf("%q is not an absolute http or https URL without user, query or fragment", s)
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if !strings.HasSuffix(p, "/") || dotSegments(p) {
		return Prefix{}, fmt.Errorf("%q: the path must end in \"/\" and hold no . or .. segment, such as \"https://api.example.com/\"", s)
	}
	return Prefix{t: t, path: p}, nil
}

// Origin returns the prefix's origin as an allow-list entry reads it.
func (p Prefix) Origin() string {
	h := p.t.host
	if p.t.addr.Is6() {
		h = "[" + h + "]"
	}
	if p.t.port != defaultPort(p.t.scheme) {
		h += ":" + strconv.Itoa(p.t.port)
	}
	return p.t.scheme + "://" + h
}

// AllowedBy reports whether one of rules admits the prefix's origin.
func (p Prefix) AllowedBy(rules []Rule) bool {
	for _, r := range rules {
		if r.admits(p.t) {
			return true
		}
	}
	return false
}

// Admits reports whether u is under the prefix: the same scheme, host
// and port, and a path that starts with the prefix's and holds no dot
// segment, escaped or not (a server would resolve "/v1/../admin"
// outside the prefix).
func (p Prefix) Admits(u *url.URL) bool {
	t, err := parseTarget(u)
	if err != nil || t.scheme != p.t.scheme || t.host != p.t.host || t.port != p.t.port {
		return false
	}
	path := u.EscapedPath()
	return strings.HasPrefix(path, p.path) && !dotSegments(path)
}

// dotSegments reports whether an escaped path has a "." or ".."
// segment, or an escaped dot or slash that could become one.
func dotSegments(path string) bool {
	lower := strings.ToLower(path)
	if strings.Contains(lower, "%2e") || strings.Contains(lower, "%2f") || strings.Contains(lower, "%5c") {
		return true
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// A Credential is an Authorization value the host attaches to a fetch,
// which the guest never sees, and the prefixes it may go to. Immutable.
type Credential struct {
	// Authorization is the field's value, such as "Bearer ...". It is
	// never logged nor part of an error.
	Authorization string
	// Prefixes are the URLs it may go to.
	Prefixes []Prefix
}

// Admits reports whether the credential may go to u.
func (c *Credential) Admits(u *url.URL) bool {
	for _, p := range c.Prefixes {
		if p.Admits(u) {
			return true
		}
	}
	return false
}

// String hides the credential's value from a log or an error that
// prints it by mistake.
func (c *Credential) String() string { return "outbound.Credential(hidden)" }

// credentialKey carries a fetch's credential and first origin to its
// redirects.
type credentialKey struct{}

type credentialCtx struct {
	cred  *Credential
	first target
}

func withCredential(ctx context.Context, cred *Credential, first target) context.Context {
	return context.WithValue(ctx, credentialKey{}, &credentialCtx{cred, first})
}

// redirectCredential sets or removes the host's Authorization on a
// redirect of a fetch that carries a credential: it goes on only to the
// first request's origin, under one of the credential's prefixes.
// Go's client has copied the first request's fields, Authorization
// included when the redirect stays on the same host or goes to a
// subdomain; a subdomain or another scheme or port is another origin.
func redirectCredential(ctx context.Context, h map[string][]string, u *url.URL) {
	cc, _ := ctx.Value(credentialKey{}).(*credentialCtx)
	if cc == nil {
		return
	}
	delete(h, "Authorization")
	t, err := parseTarget(u)
	if err == nil && t == cc.first && cc.cred.Admits(u) {
		h["Authorization"] = []string{cc.cred.Authorization}
	}
}
