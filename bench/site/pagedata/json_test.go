package pagedata

import (
	"encoding/json"
	"reflect"
	"testing"
)

// decode decodes JSON as the host does, into maps, slices and float64s.
func decode(t testing.TB, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return v
}

// TestAppendJSON checks that the page's hand-built JSON is, once decoded,
// what encoding/json gives: the host renders the same page from either.
func TestAppendJSON(t *testing.T) {
	for _, tc := range []struct {
		name string
		page *Page
	}{
		{"page", New()},
		{"empty", &Page{}},
		{"empty lists", &Page{Nav: []Link{}, Items: []Item{{Tags: []string{}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := json.Marshal(tc.page)
			if err != nil {
				t.Fatal(err)
			}
			got := tc.page.AppendJSON([]byte("prefix"))
			if string(got[:6]) != "prefix" {
				t.Fatalf("AppendJSON dropped what it appends to: %.20q", got)
			}
			if g, w := decode(t, got[6:]), decode(t, want); !reflect.DeepEqual(g, w) {
				t.Errorf("AppendJSON decodes to\n%v\nwant (json.Marshal)\n%v", g, w)
			}
		})
	}
}

func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain", `"quoted" \ back`, "tab\tnl\ncr\r\x00\x1f\x7f", "Zoë <b>&</b>", "\u2028\u2029", "bad \xff utf-8 \xc3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		got := appendString(nil, s)
		if g, w := decode(t, got), decode(t, want); g != w {
			t.Fatalf("appendString(%q) = %s decodes to %q; json.Marshal gives %s, %q", s, got, g, want, w)
		}
	})
}
