// Package localpath decides whether a redirect target is a path on the
// same site: the rule the host's sign-in applies to its next parameter,
// shared with the SDK's fake host so that both refuse the same targets.
package localpath

import (
	"net/url"
	"strings"
)

// MaxLen caps a target.
const MaxLen = 2048

// Safe reports whether next is a path on the site that a user may be
// sent back to: it starts with one slash and no browser reads another
// host into it. Browsers drop tabs and line feeds from URLs and read a
// backslash as a slash, so "/\t/evil", "/\\evil" and "//evil" all reach
// evil; a next with a control byte, white space or a backslash is
// refused, and so is one that, decoded once more (in case something on
// the way decodes it again), starts with such a pair.
func Safe(next string) bool {
	if len(next) > MaxLen || !sameSite(next) {
		return false
	}
	// Decoded again, and with what browsers drop dropped, the path must
	// still not start with two slashes (its first byte is a slash).
	dec, err := url.PathUnescape(next)
	if err != nil {
		return false
	}
	dec = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(dec)
	if len(dec) > 1 && (dec[1] == '/' || dec[1] == '\\') {
		return false
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

func sameSite(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return false
	}
	for i := 0; i < len(p); i++ {
		if b := p[i]; b <= ' ' || b == 0x7f || b == '\\' {
			return false
		}
	}
	return true
}
