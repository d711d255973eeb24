package static

import (
	"net/url"
	"strings"
)

// requestName turns the part of a request path after the prefix into a
// name in the root. It decodes percent-escapes once and returns status
// 400 for an invalid escape, 404 for a name that validName refuses, and
// 0 for a good name.
func requestName(rest string) (name string, status int) {
	name, err := url.PathUnescape(rest)
	if err != nil {
		return "", 400
	}
	if !validName(name) {
		return "", 404
	}
	return name, 0
}

// validName reports whether name, already decoded, may be served. It
// refuses what could mean another file on some system or reveal what is
// meant to stay hidden: NUL, backslash, empty, "." and ".." segments
// (including a leading or trailing "/"), and any segment starting with a
// dot (dotfiles and hidden directories). os.Root is the real guard
// against escaping the directory; this check keeps names canonical, so
// one file has one URL and one cache entry.
func validName(name string) bool {
	if name == "" || strings.ContainsAny(name, "\x00\\") {
		return false
	}
	for seg := range strings.SplitSeq(name, "/") {
		if seg == "" || seg[0] == '.' {
			return false
		}
	}
	return true
}
