package form

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/abi"
)

const multipartBody = "--B\r\n" +
	"Content-Disposition: form-data; name=\"title\"\r\n\r\n" +
	"Hello\r\n" +
	"--B\r\n" +
	"Content-Disposition: form-data; name=\"up\"; filename=\"../etc/passwd\"\r\n\r\n" +
	"no type\r\n" +
	"--B\r\n" +
	"Content-Disposition: form-data; name=\"up\"; filename=\"b.txt\"\r\n" +
	"Content-Type: text/plain\r\n\r\n" +
	"second\r\n" +
	"--B\r\n" +
	"Content-Disposition: form-data; name=\"empty\"; filename=\"\"\r\n\r\n" +
	"an argument\r\n" +
	"--B\r\n" +
	"Content-Disposition: form-data; name=\"title\"\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n\r\n" +
	"a=3Db\r\n" +
	"--B--\r\n"

func TestParse(t *testing.T) {
	tests := []struct {
		name, query, ctype, body string
		want                     *Arguments
	}{
		{
			name:  "query",
			query: "a=1&b=x+y%21&a=2&c&bad=%zz&semi=1;x=2",
			want:  &Arguments{Query: map[string][]string{"a": {"1", "2"}, "b": {"x y!"}, "c": {""}}},
		},
		{
			name:  "urlencoded body",
			query: "a=q", ctype: "application/x-www-form-urlencoded; charset=UTF-8", body: "a=b&z=1",
			want: &Arguments{Query: map[string][]string{"a": {"q"}}, Body: map[string][]string{"a": {"b"}, "z": {"1"}}},
		},
		{name: "not a form", ctype: "text/plain", body: "a=1", want: &Arguments{}},
		{name: "no content type", body: "a=1", want: &Arguments{}},
		{
			name:  "multipart",
			ctype: `multipart/form-data; boundary="B"`, body: multipartBody,
			want: &Arguments{
				Body: map[string][]string{"title": {"Hello", "a=b"}, "empty": {"an argument"}},
				Files: map[string][]File{"up": {
					{"passwd", "", []byte("no type")},
					{"b.txt", "text/plain", []byte("second")},
				}},
			},
		},
		{name: "multipart without boundary", ctype: "multipart/form-data", body: multipartBody, want: &Arguments{}},
		{
			name:  "truncated multipart",
			ctype: "multipart/form-data; boundary=B", body: multipartBody[:60],
			want: &Arguments{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Parse(tc.query, tc.ctype, []byte(tc.body))
			for _, m := range []*map[string][]string{&tc.want.Query, &tc.want.Body} {
				if *m == nil {
					*m = map[string][]string{}
				}
			}
			if tc.want.Files == nil {
				tc.want.Files = map[string][]File{}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestArgumentSources(t *testing.T) {
	a := Parse("b=1&a=2", "application/x-www-form-urlencoded", []byte("a=3&c=4"))
	for _, tc := range []struct {
		source int32
		a      []string
		names  []string
	}{
		{abi.ArgsQuery, []string{"2"}, []string{"a", "b"}},
		{abi.ArgsBody, []string{"3"}, []string{"a", "c"}},
		{abi.ArgsAll, []string{"2", "3"}, []string{"a", "b", "c"}},
	} {
		vs, ok1 := a.Values(tc.source, "a")
		names, ok2 := a.Names(tc.source)
		if !ok1 || !ok2 || !slices.Equal(vs, tc.a) || !slices.Equal(names, tc.names) {
			t.Errorf("source %d: values %q, names %q; want %q, %q", tc.source, vs, names, tc.a, tc.names)
		}
	}
	if _, ok := a.Values(0, "a"); ok {
		t.Error("source 0 accepted by values")
	}
	if _, ok := a.Names(4); ok {
		t.Error("source 4 accepted by names")
	}
}

// FuzzParse checks that no body or query makes the parser panic
// and that ArgsAll is the query values followed by the body values.
func FuzzParse(f *testing.F) {
	f.Add("a=1&b", "application/x-www-form-urlencoded", "a=2")
	f.Add("", `multipart/form-data; boundary="B"`, multipartBody)
	f.Fuzz(func(t *testing.T, query, ctype, body string) {
		a := Parse(query, ctype, []byte(body))
		names, _ := a.Names(abi.ArgsAll)
		for _, n := range names {
			all, _ := a.Values(abi.ArgsAll, n)
			if want := append(slices.Clone(a.Query[n]), a.Body[n]...); !slices.Equal(all, want) {
				t.Fatalf("ArgsAll %q = %q, want %q", n, all, want)
			}
		}
	})
}

// firstOfParse is what First must return: Parse's first body value, else
// its first query value.
func firstOfParse(query, ctype string, body []byte, name string) (string, bool) {
	a := Parse(query, ctype, body)
	if v := a.Body[name]; len(v) > 0 {
		return v[0], true
	}
	if v := a.Query[name]; len(v) > 0 {
		return v[0], true
	}
	return "", false
}

func TestFirst(t *testing.T) {
	tests := []struct {
		name, query, ctype, body, arg string
		want                          string
		ok                            bool
	}{
		{"body first", "_xsrf=q", "application/x-www-form-urlencoded", "a=1&_xsrf=b", "_xsrf", "b", true},
		{"query when the body has none", "_xsrf=q", "application/x-www-form-urlencoded", "a=1", "_xsrf", "q", true},
		{"content type with parameters", "", "application/x-www-form-urlencoded; charset=UTF-8", "_xsrf=b", "_xsrf", "b", true},
		{"not a form", "", "text/plain", "_xsrf=b", "_xsrf", "", false},
		{"escaped name and value", "", "application/x-www-form-urlencoded", "%5Fxsrf=a+b%21", "_xsrf", "a b!", true},
		{"bad escape dropped", "", "application/x-www-form-urlencoded", "_xsrf=%zz&_xsrf=ok", "_xsrf", "ok", true},
		{"semicolon dropped", "", "application/x-www-form-urlencoded", "_xsrf=a;b&_xsrf=ok", "_xsrf", "ok", true},
		{"no value", "", "application/x-www-form-urlencoded", "_xsrf", "_xsrf", "", true},
		{"multipart", "", `multipart/form-data; boundary="B"`, multipartBody, "title", "Hello", true},
		{"absent", "a=1", "", "", "_xsrf", "", false},
		{"many pairs", strings.Repeat("a=1&", 2*firstPairs) + "_xsrf=q", "", "", "_xsrf", "q", true},
		{"past url's limit", strings.Repeat("a=1&", 20000) + "_xsrf=q", "", "", "_xsrf", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := First(tc.query, tc.ctype, []byte(tc.body), tc.arg)
			if v != tc.want || ok != tc.ok {
				t.Fatalf("First = %q, %v; want %q, %v", v, ok, tc.want, tc.ok)
			}
			if pv, pok := firstOfParse(tc.query, tc.ctype, []byte(tc.body), tc.arg); pv != v || pok != ok {
				t.Fatalf("First = %q, %v; Parse gives %q, %v", v, ok, pv, pok)
			}
		})
	}
}

// FuzzFirst checks First against Parse, which it must agree with.
func FuzzFirst(f *testing.F) {
	f.Add("_xsrf=q", "application/x-www-form-urlencoded", "a=1&_xsrf=b", "_xsrf")
	f.Add("", "application/x-www-form-urlencoded; charset=UTF-8", "%5Fxsrf=a+b&_xsrf=%zz", "_xsrf")
	f.Add("a;b=1&a=2", "text/plain", "a=1", "a")
	f.Add("", `multipart/form-data; boundary="B"`, multipartBody, "title")
	f.Fuzz(func(t *testing.T, query, ctype, body, name string) {
		v, ok := First(query, ctype, []byte(body), name)
		if pv, pok := firstOfParse(query, ctype, []byte(body), name); pv != v || pok != ok {
			t.Fatalf("First(%q, %q, %q, %q) = %q, %v; Parse gives %q, %v", query, ctype, body, name, v, ok, pv, pok)
		}
	})
}
