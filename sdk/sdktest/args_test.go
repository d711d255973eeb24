package sdktest

import (
	"net/url"
	"reflect"
	"slices"
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

func TestParseArguments(t *testing.T) {
	tests := []struct {
		name, query, ctype, body string
		want                     *arguments
	}{
		{
			name:  "query",
			query: "a=1&b=x+y%21&a=2&c&bad=%zz&semi=1;x=2",
			want:  &arguments{query: map[string][]string{"a": {"1", "2"}, "b": {"x y!"}, "c": {""}}},
		},
		{
			name:  "urlencoded body",
			query: "a=q", ctype: "application/x-www-form-urlencoded; charset=UTF-8", body: "a=b&z=1",
			want: &arguments{query: map[string][]string{"a": {"q"}}, body: map[string][]string{"a": {"b"}, "z": {"1"}}},
		},
		{name: "not a form", ctype: "text/plain", body: "a=1", want: &arguments{}},
		{name: "no content type", body: "a=1", want: &arguments{}},
		{
			name:  "multipart",
			ctype: `multipart/form-data; boundary="B"`, body: multipartBody,
			want: &arguments{
				body: map[string][]string{"title": {"Hello", "a=b"}, "empty": {"an argument"}},
				files: map[string][]upload{"up": {
					{"passwd", "", []byte("no type")},
					{"b.txt", "text/plain", []byte("second")},
				}},
			},
		},
		{name: "multipart without boundary", ctype: "multipart/form-data", body: multipartBody, want: &arguments{}},
		{
			name:  "truncated multipart",
			ctype: "multipart/form-data; boundary=B", body: multipartBody[:60],
			want: &arguments{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := parseArguments(tc.query, tc.ctype, []byte(tc.body))
			for _, m := range []*map[string][]string{&tc.want.query, &tc.want.body} {
				if *m == nil {
					*m = map[string][]string{}
				}
			}
			if tc.want.files == nil {
				tc.want.files = map[string][]upload{}
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestArgumentSources(t *testing.T) {
	a := parseArguments("b=1&a=2", "application/x-www-form-urlencoded", []byte("a=3&c=4"))
	for _, tc := range []struct {
		source int32
		a      []string
		names  []string
	}{
		{abi.ArgsQuery, []string{"2"}, []string{"a", "b"}},
		{abi.ArgsBody, []string{"3"}, []string{"a", "c"}},
		{abi.ArgsAll, []string{"2", "3"}, []string{"a", "b", "c"}},
	} {
		vs, ok1 := a.values(tc.source, "a")
		names, ok2 := a.names(tc.source)
		if !ok1 || !ok2 || !slices.Equal(vs, tc.a) || !slices.Equal(names, tc.names) {
			t.Errorf("source %d: values %q, names %q; want %q, %q", tc.source, vs, names, tc.a, tc.names)
		}
	}
	if _, ok := a.values(0, "a"); ok {
		t.Error("source 0 accepted by values")
	}
	if _, ok := a.names(4); ok {
		t.Error("source 4 accepted by names")
	}
}

// FuzzParseArguments checks that no body or query makes the parser panic
// and that ArgsAll is the query values followed by the body values.
func FuzzParseArguments(f *testing.F) {
	f.Add("a=1&b", "application/x-www-form-urlencoded", "a=2")
	f.Add("", `multipart/form-data; boundary="B"`, multipartBody)
	f.Fuzz(func(t *testing.T, query, ctype, body string) {
		a := parseArguments(query, ctype, []byte(body))
		names, _ := a.names(abi.ArgsAll)
		for _, n := range names {
			all, _ := a.values(abi.ArgsAll, n)
			if want := append(slices.Clone(a.query[n]), a.body[n]...); !slices.Equal(all, want) {
				t.Fatalf("ArgsAll %q = %q, want %q", n, all, want)
			}
		}
	})
}

func TestWire(t *testing.T) {
	r := NewRequest("POST", "/").
		WithHeader("Content-Type", "text/plain").
		WithForm(url.Values{"b": {"2"}, "a": {"1", "x y"}})
	header, body := r.wire()
	want := []headerField{{"Host", "example.com"}, {"Content-Type", "application/x-www-form-urlencoded"}, {"Content-Length", "13"}}
	if string(body) != "a=1&a=x+y&b=2" || !reflect.DeepEqual(header, want) {
		t.Errorf("wire() = %q, %q", header, body)
	}
	if _, body := r.WithBodyString("raw").wire(); string(body) != "raw" {
		t.Errorf("WithBody after WithForm: body %q", body)
	}
	header, body = r.WithFile("f", "n", "", []byte("data")).wire()
	a := parseArguments("", header[1].value, body)
	if !reflect.DeepEqual(a.body, map[string][]string{"a": {"1", "x y"}, "b": {"2"}}) ||
		!reflect.DeepEqual(a.files, map[string][]upload{"f": {{"n", "", []byte("data")}}}) {
		t.Errorf("multipart wire: %+v", a)
	}
}
