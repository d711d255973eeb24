package cookie

import "testing"

func TestBuild(t *testing.T) {
	for _, tc := range []struct {
		name, value, attrs, want string
	}{
		{"theme", "dark", "", "theme=dark; Path=/; HttpOnly; SameSite=Lax"},
		{"theme", "dark", "Max-Age=86400", "theme=dark; Path=/; Max-Age=86400; HttpOnly; SameSite=Lax"},
		{"theme", "", "Max-Age=0", "theme=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"},
		{"s", "v", "Path=/app; Domain=example.com; Secure; SameSite=None; HttpOnly=false", "s=v; Path=/app; Domain=example.com; Secure; SameSite=None"},
		{"s", "v", "SameSite=Strict", "s=v; Path=/; HttpOnly; SameSite=Strict"},
	} {
		got, err := Build(tc.name, tc.value, tc.attrs)
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
		if got, err := Build(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("%q=%q [%q] accepted as %q", bad[0], bad[1], bad[2], got)
		}
	}
}
