package localpath

import (
	"net/url"
	"strings"
	"testing"
)

func TestSafe(t *testing.T) {
	for _, tc := range []struct {
		next string
		ok   bool
	}{
		{"/", true},
		{"/guestbook?page=2#top", true},
		{"/a%20b", true},
		{"/caf%C3%A9", true},
		{"", false},
		{"guestbook", false},
		{"//evil.example", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"/%2F/evil.example", false}, // //evil once decoded again
		{"/%2f/evil.example", false}, // lower case hex too
		{"/%5Cevil.example", false},  // /\evil once decoded again
		{"/\t/evil.example", false},  // browsers drop tabs
		{"/\n/evil.example", false},  // ... and line feeds
		{"/\r/evil.example", false},  // ... and carriage returns
		{"/%09/evil.example", false}, // a tab once decoded again
		{" /evil", false},            // browsers trim spaces
		{"/ok\x00", false},           // control bytes
		{"/ok\x7f", false},           // DEL
		{"https://evil.example/", false},
		{"javascript:alert(1)", false},
		{"/%zz", false}, // does not decode
		{"/" + strings.Repeat("a", MaxLen), false},
	} {
		if got := Safe(tc.next); got != tc.ok {
			t.Errorf("Safe(%q) = %v, want %v", tc.next, got, tc.ok)
		}
	}
}

// FuzzSafe checks that nothing Safe accepts is read by a URL parser,
// as a browser's resolution against the site would, as another host.
func FuzzSafe(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "/%2F/x", "/\t/x", "/a?b#c", "/%5C%5Cx"} {
		f.Add(s)
	}
	base, _ := url.Parse("https://site.example/dir/page")
	f.Fuzz(func(t *testing.T, next string) {
		if !Safe(next) {
			return
		}
		// What a browser does first: drop tabs and line feeds, read
		// backslashes as slashes (Safe accepted none of them).
		cleaned := strings.NewReplacer("\t", "", "\n", "", "\r", "", "\\", "/").Replace(next)
		for _, s := range []string{cleaned, mustUnescape(cleaned)} {
			u, err := base.Parse(s)
			if err != nil {
				continue
			}
			if u.Host != "site.example" || u.Scheme != "https" {
				t.Fatalf("Safe(%q) but it resolves to %s", next, u)
			}
		}
	})
}

func mustUnescape(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}
