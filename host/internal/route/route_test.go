package route

import (
	"fmt"
	"testing"
)

func TestRouteMatch(t *testing.T) {
	cases := []struct {
		pattern, path string
		ok, bad       bool
		params        string
	}{
		{"/", "/", true, false, "[]"},
		{"/", "/x", false, false, "[]"},
		{"/echo", "/echo", true, false, "[]"},
		{"/echo", "/echo/", false, false, "[]"},
		{"/echo", "/echoes", false, false, "[]"},
		{"/a/", "/a/", true, false, "[]"},
		{"/a/", "/a", false, false, "[]"},
		{"/posts/{id}", "/posts/42", true, false, "[{id 42}]"},
		{"/posts/{id}", "/posts/", false, false, "[]"},
		{"/posts/{id}", "/posts/42/edit", false, false, "[{id 42}]"},
		{"/posts/{id}", "/posts/a%20b", true, false, "[{id a b}]"},
		{"/posts/{id}", "/posts/%zz", false, true, "[]"},
		{"/posts/{id}/edit", "/posts/7/edit", true, false, "[{id 7}]"},
		{"/static/{path...}", "/static/css/site.css", true, false, "[{path css/site.css}]"},
		{"/static/{path...}", "/static/", true, false, "[{path }]"},
		{"/static/{path...}", "/static", false, false, "[]"},
		{"/u/{a}/{b}", "/u/1/2", true, false, "[{a 1} {b 2}]"},
	}
	for _, tc := range cases {
		t.Run(tc.pattern+" "+tc.path, func(t *testing.T) {
			p, err := Parse(tc.pattern)
			if err != nil {
				t.Fatal(err)
			}
			params, ok, bad := p.Match(tc.path, nil)
			if ok != tc.ok || bad != tc.bad || (ok && fmt.Sprint(params) != tc.params) {
				t.Errorf("match = %v %v %v, want %v %v %s", params, ok, bad, tc.ok, tc.bad, tc.params)
			}
		})
	}
	for _, bad := range []string{"posts", "/a/{", "/a/{}", "/a/{x...}/b", "/a/x{y}", "/{a}/{a}"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
