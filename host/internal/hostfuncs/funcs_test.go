package hostfuncs

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

var (
	// heading is the heading of a host function in ABI.md section 7.
	heading = regexp.MustCompile("^#### `([a-z_]+)`")
	// watParam is one named parameter of a WAT signature.
	watParam  = regexp.MustCompile(`\(param \$(\w+) ([if](?:32|64))\)`)
	watResult = regexp.MustCompile(`\(result ([if](?:32|64))\)`)
)

// abiFunctions returns the signature of every host function ABI.md
// declares, with its parameters' names: "(level i32, msg i32, msg_len
// i32) -> ()".
func abiFunctions(t *testing.T) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "abi", "ABI.md"))
	if err != nil {
		t.Fatal(err)
	}
	sigs := map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		m := heading.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		for i++; i < len(lines) && lines[i] != "```wat"; i++ {
		}
		var wat strings.Builder
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			wat.WriteString(lines[i])
		}
		var params, results []string
		for _, p := range watParam.FindAllStringSubmatch(wat.String(), -1) {
			params = append(params, p[1]+" "+p[2])
		}
		for _, r := range watResult.FindAllStringSubmatch(wat.String(), -1) {
			results = append(results, r[1])
		}
		sigs[m[1]] = "(" + strings.Join(params, ", ") + ") -> (" + strings.Join(results, ", ") + ")"
	}
	if len(sigs) == 0 {
		t.Fatal("no host functions found in abi/ABI.md")
	}
	return sigs
}

// TestFunctionsMatchABI compares each declaration of Functions, its
// parameters' names and types and its results, with ABI.md section 7, and
// checks that every function there is declared once.
func TestFunctionsMatchABI(t *testing.T) {
	want := abiFunctions(t)
	seen := map[string]bool{}
	for _, f := range Functions {
		if seen[f.Name] {
			t.Errorf("%s is declared twice", f.Name)
		}
		seen[f.Name] = true
		if len(f.ParamNames) != len(f.Params) {
			t.Errorf("%s: %d parameter names for %d parameters", f.Name, len(f.ParamNames), len(f.Params))
			continue
		}
		var params, results []string
		for i, p := range f.Params {
			params = append(params, f.ParamNames[i]+" "+api.ValueTypeName(p))
		}
		for _, r := range f.Results {
			results = append(results, api.ValueTypeName(r))
		}
		got := "(" + strings.Join(params, ", ") + ") -> (" + strings.Join(results, ", ") + ")"
		if w, ok := want[f.Name]; !ok {
			t.Errorf("%s is not in ABI.md", f.Name)
		} else if got != w {
			t.Errorf("%s is declared %s, ABI.md says %s", f.Name, got, w)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("ABI.md's %s is not declared", name)
		}
	}
}
