package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rewriteFile is the config file the rewrite tests change: comments
// everywhere, a [server] table between the sites, and a sub-table of
// site b that comes back to it after [pubsub].
const rewriteFile = `# The demo server.
[server]
listen = "127.0.0.1:8080" # where

# Site a: the front page.
[[site]]
name = "a"
hosts = ["a.test"]
[site.plugins]
p = "p.wasm"
# a's one route
[[site.route]]
path = "/"
plugin = "p"

# Site b.
[[site]]
name = "b"
hosts = ["b.test"]
[site.plugins]
p = "p.wasm"
[[site.route]]
path = "/b"
plugin = "p"

[pubsub]
backend = "memory"

# b's limits, after [pubsub].
[site.limits]
instances = 3
# The end.
`

func siteTable(name, host string) string {
	return "[[site]] # new\nname = \"" + name + "\"\nhosts = [\"" + host + "\"]\n[site.plugins]\np = \"p.wasm\"\n[[site.route]]\npath = \"/new\"\nplugin = \"p\"\n"
}

func TestRewriteSite(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, site, table string
		remove            bool
		want              string // the expected file; "" with err
		err               error
	}{
		{name: "replace the first", site: "a", table: siteTable("a", "a2.test"),
			want: strings.Replace(rewriteFile, "[[site]]\nname = \"a\"\nhosts = [\"a.test\"]\n[site.plugins]\np = \"p.wasm\"\n# a's one route\n[[site.route]]\npath = \"/\"\nplugin = \"p\"\n",
				siteTable("a", "a2.test"), 1)},
		{name: "replace one split by another table", site: "b", table: siteTable("b", "b2.test"),
			want: strings.Replace(strings.Replace(rewriteFile, "[site.limits]\ninstances = 3\n", "", 1),
				"[[site]]\nname = \"b\"\nhosts = [\"b.test\"]\n[site.plugins]\np = \"p.wasm\"\n[[site.route]]\npath = \"/b\"\nplugin = \"p\"\n",
				siteTable("b", "b2.test"), 1)},
		{name: "remove", site: "a", remove: true,
			want: strings.Replace(rewriteFile, "[[site]]\nname = \"a\"\nhosts = [\"a.test\"]\n[site.plugins]\np = \"p.wasm\"\n# a's one route\n[[site.route]]\npath = \"/\"\nplugin = \"p\"\n", "", 1)},
		{name: "add", site: "c", table: siteTable("c", "c.test"), want: rewriteFile + "\n" + siteTable("c", "c.test")},
		{name: "remove a site the file lacks", site: "c", remove: true, err: ErrRewrite},
		{name: "a table of another site", site: "a", table: siteTable("c", "c.test"), err: ErrRewrite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var table []byte
			if !tc.remove {
				table = []byte(tc.table)
			}
			got, err := RewriteSite("wasmweb.toml", []byte(rewriteFile), dir, tc.site, table)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}

	// A multi-line string that holds a table header is content, not a
	// header.
	secret := "[site.cookies]\nsecrets = ['''0123456789abcdef\n[[site]]\nname = \"x\"\n''']\n"
	tricky := rewriteFile + "[[site]]\nname = \"c\"\nhosts = [\"c.test\"]\n" + secret +
		"[site.plugins]\np = \"p.wasm\"\n[[site.route]]\npath = \"/c\"\nplugin = \"p\"\n"
	got, err := RewriteSite("wasmweb.toml", []byte(tricky), dir, "c", []byte(siteTable("c", "c2.test")))
	if err != nil || string(got) != rewriteFile+siteTable("c", "c2.test") {
		t.Fatalf("a file with a header in a multi-line string: %v\n%s", err, got)
	}
}

// FuzzRewriteSite: whatever the file, RewriteSite does not panic, and
// what it returns says what was asked (it checks that itself; the fuzz
// target makes sure the check is always reached).
func FuzzRewriteSite(f *testing.F) {
	f.Add(rewriteFile, "b", siteTable("b", "b2.test"), false)
	f.Add(rewriteFile, "a", "", true)
	f.Add("[[site]]\nname = \"a\"\ndescription = '''\n[[site]]\n'''\n", "a", "", true)
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "p.wasm"), []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src, site, table string, remove bool) {
		var tb []byte
		if !remove {
			tb = []byte(table)
		}
		got, err := RewriteSite("f.toml", []byte(src), dir, site, tb)
		if err != nil {
			return
		}
		after, err := Parse("f.toml", got, dir)
		if err != nil {
			t.Fatalf("the result does not parse: %v\n%s", err, got)
		}
		found := false
		for _, s := range after.Sites {
			found = found || s.Name == site
		}
		if found == remove {
			t.Fatalf("site %q present %v after a rewrite with remove=%v:\n%s", site, found, remove, got)
		}
	})
}
