package oauth

import (
	"net/url"
	"strings"
)

// MaxNext caps the path a sign-in returns to.
const MaxNext = 2048

// SafeNext reports whether next is a path on the site that a sign-in may
// send the user back to: it starts with one slash and no browser reads
// another host into it. Browsers drop tabs and line feeds from URLs and
// read a backslash as a slash, so "/\t/evil", "/\\evil" and "//evil" all
// reach evil; a next with a control byte, white space or a backslash is
// refused, and so is one that decodes (once more) to such a path, in case
// something on the way decodes it again.
func SafeNext(next string) bool {
	if len(next) > MaxNext || !sameSitePath(next) {
		return false
	}
	if dec, err := url.PathUnescape(next); err != nil || !sameSitePath(dec) {
		return false
	}
	u, err := url.Parse(next)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && u.Opaque == ""
}

func sameSitePath(p string) bool {
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
