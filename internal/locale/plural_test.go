package locale

import (
	"strings"
	"testing"
)

// Plural-Forms of languages with two to six forms, as gettext's manual
// gives them, and the form each count takes.
func TestPluralForms(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		nplurals     int
		want         map[uint64]int
	}{
		{"english", "nplurals=2; plural=(n != 1);", 2, map[uint64]int{0: 1, 1: 0, 2: 1, 101: 1}},
		{"french", "nplurals=2; plural=(n > 1);", 2, map[uint64]int{0: 0, 1: 0, 2: 1}},
		{"japanese", "nplurals=1; plural=0;", 1, map[uint64]int{0: 0, 1: 0, 7: 0}},
		{"russian", "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", 3,
			map[uint64]int{1: 0, 2: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 21: 0, 22: 1, 25: 2, 111: 2, 101: 0, 0: 2}},
		{"polish", "nplurals=3; plural=(n==1 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);", 3,
			map[uint64]int{1: 0, 2: 1, 5: 2, 12: 2, 22: 1, 21: 2, 0: 2}},
		{"arabic", "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);", 6,
			map[uint64]int{0: 0, 1: 1, 2: 2, 3: 3, 10: 3, 11: 4, 99: 4, 100: 5, 102: 5, 103: 3}},
		{"no spaces, no final semicolon", "nplurals=2;plural=n!=1", 2, map[uint64]int{1: 0, 3: 1}},
		{"arithmetic", "nplurals=3; plural=(n*2+1)/3-(n-n)%5 > 2 ? 2 : !(n == 1);", 3, map[uint64]int{0: 1, 1: 0, 2: 1, 4: 2}},
		{"division by zero is 0", "nplurals=2; plural=n/0 + n%0;", 2, map[uint64]int{5: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rule, n, err := parsePluralForms(tc.header)
			if err != nil {
				t.Fatal(err)
			}
			if n != tc.nplurals {
				t.Errorf("nplurals %d, want %d", n, tc.nplurals)
			}
			for count, want := range tc.want {
				if got := rule(count); got != want {
					t.Errorf("n=%d: form %d, want %d", count, got, want)
				}
			}
		})
	}
}

func TestPluralFormsErrors(t *testing.T) {
	for _, tc := range []struct{ header, want string }{
		{"nplurals=2;", "want nplurals=N; plural=EXPR"},
		{"plural=n!=1;", "want nplurals=N; plural=EXPR"},
		{"nplurals=0; plural=0;", "nplurals=0"},
		{"nplurals=x; plural=0;", "nplurals=x"},
		{"nplurals=2; plural=n>1 ? 2 : 0;", "plural gives 2 for n=2, but nplurals=2"},
		{"nplurals=2; plural=(n != 1;", `want ")"`},
		{"nplurals=2; plural=n ? 1;", `want ":"`},
		{"nplurals=2; plural=n $ 1;", `unexpected "$"`},
		{"nplurals=2; plural=;", "unexpected end"},
		{"nplurals=2; plural=99999999999999999999999;", "out of range"},
		{"nplurals=2; plural=" + strings.Repeat("(", 60) + "1" + strings.Repeat(")", 60) + ";", "nested too deeply"},
		{"nplurals=2; plural=" + strings.Repeat("!", 60) + "n;", "nested too deeply"},
		{"nplurals=2; plural=" + strings.Repeat("n+", 600) + "n;", "longer than"},
		{"nplurals=2; plural=n!=1; extra=1", `unknown field "extra"`},
		{"nplurals=2; plural n", "is not name=value"},
	} {
		t.Run(tc.header, func(t *testing.T) {
			_, _, err := parsePluralForms(tc.header)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// FuzzPluralForms: no header panics or hangs, and an accepted rule gives
// indices below nplurals for the counts checked at load.
func FuzzPluralForms(f *testing.F) {
	f.Add("nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);")
	f.Add("nplurals=2; plural=n/0;")
	f.Add("nplurals=1; plural=((((0))));")
	f.Fuzz(func(t *testing.T, header string) {
		rule, n, err := parsePluralForms(header)
		if err != nil {
			return
		}
		for _, c := range []uint64{0, 1, 2, 5, 11, 21, 100, 1 << 31} {
			if i := rule(c); i < 0 || i >= n {
				t.Fatalf("%q: n=%d gives %d of %d forms", header, c, i, n)
			}
		}
	})
}
