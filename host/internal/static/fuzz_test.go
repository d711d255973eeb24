package static

import (
	"net/url"
	"strings"
	"testing"
)

func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-4", "bytes=7-", "bytes=-6", "bytes=-0", "bytes=0-1,3-4", "bytes=99999999999999999999-", "bytes= 1 - 2 ", "items=0-1"} {
		f.Add(s, int64(13))
	}
	f.Fuzz(func(t *testing.T, v string, size int64) {
		if size < 0 {
			return
		}
		br, res := parseRange(v, size)
		if res == rangeOK && (br.start < 0 || br.length <= 0 || br.start+br.length > size) {
			t.Fatalf("parseRange(%q, %d) = %+v, outside the file", v, size, br)
		}
	})
}

func FuzzRequestName(f *testing.F) {
	for _, s := range []string{"a.txt", "../x", "%2e%2e/x", "..%2fx", "%2fx", "a%00b", "a%5cb", "a\\b", ".env", "a//b", "a/", "%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rest string) {
		name, status := requestName(rest)
		if status != 0 {
			return
		}
		if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\x00\\") {
			t.Fatalf("requestName(%q) accepted %q", rest, name)
		}
		for seg := range strings.SplitSeq(name, "/") {
			if seg == "" || seg == "." || seg == ".." || seg[0] == '.' {
				t.Fatalf("requestName(%q) accepted %q with segment %q", rest, name, seg)
			}
		}
	})
}

// FuzzVersioned checks the fast path of versioned against url.ParseQuery,
// which it must agree with on every query.
func FuzzVersioned(f *testing.F) {
	for _, s := range []string{"v=0123456789abcdef", "x=1&v=0123456789abcdef", "v=0123456789abcdef&v=x", "v=x&v=0123456789abcdef",
		"v", "v=", "=v&v=0123456789abcdef", "v=0123456789abcde%66", "v%3D0123456789abcdef", "a;b&v=0123456789abcdef", "v=0123456789abcdef;x", "v+=0123456789abcdef", "&&v=0123456789abcdef"} {
		f.Add(s, "0123456789abcdef")
	}
	f.Fuzz(func(t *testing.T, query, hash string) {
		if hash == "" {
			return // never a file's hash
		}
		q, _ := url.ParseQuery(query)
		if got, want := versioned([]byte(query), hash), q.Get("v") == hash; got != want {
			t.Fatalf("versioned(%q, %q) = %v, url.ParseQuery says %v", query, hash, got, want)
		}
	})
}
