package templates

import (
	"strings"
	"testing"

	"github.com/wasmweb/wasmweb/host/internal/pagedata"
)

// numberPages use numbers the ways pages do: printed in text, in
// attributes, URLs, CSS and scripts, compared, counted and formatted.
var numberPages = map[string]string{
	"text.html":    `{{.n}}|{{range .list}}{{.}},{{end}}|{{range $i, $e := .list}}{{$i}}={{$e}};{{end}}`,
	"attr.html":    `<p id="e{{.n}}" title={{.n}} data-x='{{.n}}'>{{.n}}</p>`,
	"url.html":     `<a href="/entry/{{.n}}?id={{.n}}">x</a>`,
	"css.html":     `<p style="width: {{.n}}px">x</p>`,
	"script.html":  `<script>var n = {{.n}}; var l = {{.list}}; var s = "{{.n}}";</script>`,
	"eq.html":      `{{if eq .n 5}}five{{else}}other{{end}} {{if eq .n .n}}same{{end}}`,
	"lt.html":      `{{if lt .n 10}}small{{else}}large{{end}}`,
	"ltf.html":     `{{if lt .n 2.5}}small{{else}}large{{end}}`,
	"printf.html":  `{{printf "%v %d" .n .n}}`,
	"printff.html": `{{printf "%.2f" .n}}`,
	"truth.html":   `{{if .n}}yes{{else}}no{{end}} {{and .n "a"}} {{or .n "b"}} {{not .n}}`,
	"len.html":     `{{len .list}} {{index .list 0}} {{slice .list 1}}`,
	"number.html":  `{{number .n}} {{number .n 2}}`,
	"json.html":    `<script type="application/json">{{.}}</script>`,
}

// TestNumbersRenderExactly renders JSON documents with the numbers
// guests send, decoded as the host decodes render's data: small and
// large integers (past 2^53, at the ends of the int range), negative
// ones, fractions and exponent forms. Every page renders the same
// compiled and with html/template, or fails with the same error, and
// integers print every digit.
func TestNumbersRenderExactly(t *testing.T) {
	needCompiler(t)
	dir := t.TempDir()
	for name, text := range numberPages {
		write(t, dir, name, text)
	}
	ref, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref.interpret = true
	s, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		js   string
		text string // text.html's page
		eq   string // eq.html's page, "" when it fails
	}{
		{`{"n": 5, "list": [1, 2, 3]}`, "5|1,2,3,|0=1;1=2;2=3;", "five same"},
		{`{"n": 18, "list": [18.5]}`, "18|18.5,|0=18.5;", "other same"},
		{`{"n": 0, "list": [0, -0, 0.0]}`, "0|0,0,0,|0=0;1=0;2=0;", "other same"},
		{`{"n": -7, "list": [-1, -9007199254740993]}`, "-7|-1,-9007199254740993,|0=-1;1=-9007199254740993;", "other same"},
		{`{"n": 1796560501510596, "list": [9007199254740993, 1000000]}`,
			"1796560501510596|9007199254740993,1000000,|0=9007199254740993;1=1000000;", "other same"},
		{`{"n": 9223372036854775807, "list": [-9223372036854775808, 1]}`,
			"9223372036854775807|-9223372036854775808,1,|0=-9223372036854775808;1=1;", "other same"},
		// Past the int range, a float64 as encoding/json decodes it.
		{`{"n": 9223372036854775808, "list": [-9223372036854775809, 1]}`,
			"9.223372036854776e&#43;18|-9.223372036854776e&#43;18,1,|0=-9.223372036854776e&#43;18;1=1;", ""},
		{`{"n": 2.5, "list": [0.1, -2.5, 1e21, 1e-7]}`, "2.5|0.1,-2.5,1e&#43;21,1e-07,|0=0.1;1=-2.5;2=1e&#43;21;3=1e-07;", ""},
		{`{"n": 1e3, "list": [1E3, 1.5e+3, 25e-1]}`, "1000|1000,1500,2.5,|0=1000;1=1500;2=2.5;", ""},
		{`{"n": 1.0, "list": [3.0, 100.00]}`, "1|3,100,|0=3;1=100;", ""},
	} {
		data, err := pagedata.Decode([]byte(tc.js))
		if err != nil {
			t.Fatalf("%s: %v", tc.js, err)
		}
		for name := range numberPages {
			want, wantErr := ref.Render(name, data)
			got, err := s.Render(name, JSON{data})
			if string(got) != string(want) || (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
				t.Errorf("%s with %s: compiled %q, %v; html/template %q, %v", name, tc.js, got, err, want, wantErr)
			}
			switch name {
			case "text.html":
				if string(got) != tc.text || err != nil {
					t.Errorf("%s with %s: %q, %v; want %q", name, tc.js, got, err, tc.text)
				}
			case "eq.html":
				if string(got) != tc.eq || (err == nil) != (tc.eq != "") {
					t.Errorf("%s with %s: %q, %v; want %q", name, tc.js, got, err, tc.eq)
				}
			case "attr.html", "url.html", "script.html":
				n := strings.TrimSuffix(strings.SplitN(strings.SplitN(tc.text, "|", 2)[0], "&", 2)[0], "e")
				if !strings.Contains(string(got), n) {
					t.Errorf("%s with %s: %q lacks %s", name, tc.js, got, n)
				}
			case "printff.html":
				// JSON does not tell 18 from 18.0: an integer formats
				// as a float under a float verb, a price as a price.
				if err != nil || strings.Contains(string(got), "%!") {
					t.Errorf("%s with %s: %q, %v; want a float", name, tc.js, got, err)
				}
			}
		}
	}
}
