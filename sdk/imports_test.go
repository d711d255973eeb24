package sdk_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestWasmImportsMatchABI checks the //go:wasmimport and //go:wasmexport
// directives, the one place where Wasm names are literals, against package
// abi (the names) and ABI.md (the signatures), so that they cannot drift.
// The imports are package hostcall's, in one file; each is called by the
// exported function named after its abi.Func* constant.
func TestWasmImportsMatchABI(t *testing.T) {
	abiDir := packageDir(t, "github.com/wasmweb/wasmweb/abi")
	consts := abiStringConsts(t, abiDir)
	sigs := abiSignatures(t, abiDir)

	funcs := map[string]string{} // Func* value -> constant name
	for name, v := range consts {
		if strings.HasPrefix(name, "Func") {
			funcs[v] = name
		}
	}
	if len(funcs) == 0 {
		t.Fatal("no Func* constants found in abi/abi.go")
	}

	imported := map[string]string{} // Wasm name -> Go function
	exported := map[string]bool{}
	for _, d := range append(wasmDirectives(t, "."), wasmDirectives(t, "hostcall")...) {
		where := d.file + ": func " + d.goName
		switch d.kind {
		case "wasmimport":
			if d.file != filepath.Join("hostcall", "imports_wasip1.go") {
				t.Errorf("%s: //go:wasmimport outside hostcall/imports_wasip1.go", where)
			}
			if d.module != consts["ModuleName"] {
				t.Errorf("%s: imports from module %q, want abi.ModuleName %q", where, d.module, consts["ModuleName"])
			}
			if _, ok := funcs[d.name]; !ok {
				t.Errorf("%s: imports %q, which is no abi.Func* constant", where, d.name)
			}
			if _, dup := imported[d.name]; dup {
				t.Errorf("%s: imports %q a second time", where, d.name)
			}
			imported[d.name] = d.goName
		case "wasmexport":
			if d.name != consts["ExportHandle"] && d.name != consts["ExportServe"] && d.name != consts["ExportHandlers"] && d.name != consts["ExportInitialize"] {
				t.Errorf("%s: exports %q, which is no abi.Export* function", where, d.name)
			}
			exported[d.name] = true
		}
		want, ok := sigs[d.name]
		if !ok {
			t.Errorf("%s: ABI.md gives no signature for %q", where, d.name)
			continue
		}
		if got := d.sig; got != want {
			t.Errorf("%s: %s %q has Wasm signature %s, ABI.md says %s", where, d.kind, d.name, got, want)
		}
	}
	calls := exportedCalls(t, "hostcall")
	for v, name := range funcs {
		goName := strings.TrimPrefix(name, "Func")
		switch callee, ok := calls[goName]; {
		case imported[v] == "":
			t.Errorf("abi.%s (%q) is not imported in hostcall/imports_wasip1.go", name, v)
		case !ok:
			t.Errorf("abi.%s (%q) has no function hostcall.%s", name, v, goName)
		case callee != imported[v]:
			t.Errorf("hostcall.%s calls %s, not %s, the import of %q", goName, callee, imported[v], v)
		}
		delete(calls, goName)
	}
	for goName := range calls {
		t.Errorf("hostcall.%s is named after no abi.Func* constant", goName)
	}
	for _, name := range []string{"ExportHandle", "ExportServe", "ExportHandlers"} {
		if !exported[consts[name]] {
			t.Errorf("abi.%s (%q) is not exported", name, consts[name])
		}
	}
}

// packageDir returns the directory of the package with import path p.
func packageDir(t *testing.T, p string) string {
	t.Helper()
	out, err := exec.Command(goCommand(), "list", "-f", "{{.Dir}}", p).CombinedOutput()
	if err != nil {
		t.Fatalf("go list %s: %v\n%s", p, err, out)
	}
	return strings.TrimSpace(string(out))
}

// exportedCalls returns, for each exported function of the package in
// dir, the one function its body calls (or "" when it calls none, or
// more than one).
func exportedCalls(t *testing.T, dir string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]string{}
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Recv != nil || !fd.Name.IsExported() || fd.Body == nil {
				continue
			}
			var callees []string
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				if c, ok := n.(*ast.CallExpr); ok {
					if id, ok := c.Fun.(*ast.Ident); ok {
						callees = append(callees, id.Name)
					}
				}
				return true
			})
			calls[fd.Name.Name] = ""
			if len(callees) == 1 {
				calls[fd.Name.Name] = callees[0]
			}
		}
	}
	return calls
}

// abiStringConsts returns package abi's string constants by name.
func abiStringConsts(t *testing.T, abiDir string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(abiDir, "abi.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if i < len(vs.Values) {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					consts[name.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
		return false
	})
	return consts
}

var (
	// abiHeading is a host function's heading, "#### `req_get` *(output)*".
	abiHeading = regexp.MustCompile("^#### `([a-z_0-9]+)`")
	// abiExportRow is a row of the exports table with a signature.
	abiExportRow = regexp.MustCompile("^\\| `([a-z_0-9]+)` \\| `\\(([^)]*)\\) -> \\(([^)]*)\\)`")
	watParam     = regexp.MustCompile(`\(param(?: \$\w+)?((?: [if](?:32|64))+)\)`)
	watResult    = regexp.MustCompile(`\(result((?: [if](?:32|64))+)\)`)
	namedType    = regexp.MustCompile(`[if](?:32|64)`)
)

// abiSignatures returns the Wasm signature of each function ABI.md
// declares, as "(i32 i32) -> (i32)".
func abiSignatures(t *testing.T, abiDir string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(abiDir, "ABI.md"))
	if err != nil {
		t.Fatal(err)
	}
	sigs := map[string]string{}
	lines := strings.Split(string(b), "\n")
	for i := 0; i < len(lines); i++ {
		if m := abiExportRow.FindStringSubmatch(lines[i]); m != nil {
			sigs[m[1]] = signature(namedType.FindAllString(m[2], -1), namedType.FindAllString(m[3], -1))
			continue
		}
		m := abiHeading.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		// The signature is the ```wat block that follows the heading.
		for i++; i < len(lines) && lines[i] != "```wat"; i++ {
		}
		var wat strings.Builder
		for i++; i < len(lines) && lines[i] != "```"; i++ {
			wat.WriteString(lines[i])
		}
		var params, results []string
		for _, p := range watParam.FindAllStringSubmatch(wat.String(), -1) {
			params = append(params, strings.Fields(p[1])...)
		}
		for _, r := range watResult.FindAllStringSubmatch(wat.String(), -1) {
			results = append(results, strings.Fields(r[1])...)
		}
		sigs[m[1]] = signature(params, results)
	}
	if len(sigs) == 0 {
		t.Fatal("no signatures found in abi/ABI.md")
	}
	return sigs
}

func signature(params, results []string) string {
	return "(" + strings.Join(params, " ") + ") -> (" + strings.Join(results, " ") + ")"
}

type directive struct {
	file, goName       string
	kind, module, name string
	sig                string
}

// wasmDirectives returns every //go:wasmimport and //go:wasmexport in the
// files of the package in dir, with the Wasm signature the compiler gives
// its Go function.
func wasmDirectives(t *testing.T, dir string) []directive {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	var ds []directive
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Doc == nil {
				continue
			}
			for _, c := range fd.Doc.List {
				kind, args, ok := strings.Cut(strings.TrimPrefix(c.Text, "//go:"), " ")
				if !strings.HasPrefix(c.Text, "//go:") || !ok || (kind != "wasmimport" && kind != "wasmexport") {
					continue
				}
				d := directive{file: file, goName: fd.Name.Name, kind: kind}
				fields := strings.Fields(args)
				switch {
				case kind == "wasmimport" && len(fields) == 2:
					d.module, d.name = fields[0], fields[1]
				case kind == "wasmexport" && len(fields) == 1:
					d.name = fields[0]
				default:
					t.Errorf("%s: malformed directive %q", file, c.Text)
					continue
				}
				d.sig = signature(wasmTypes(t, fd.Type.Params), wasmTypes(t, fd.Type.Results))
				ds = append(ds, d)
			}
		}
	}
	if !slices.ContainsFunc(ds, func(d directive) bool { return d.kind != "" }) {
		t.Fatalf("no //go:wasmimport or //go:wasmexport directives found in %s", dir)
	}
	return ds
}

// wasmTypes lowers Go parameter types as the compiler does for
// //go:wasmimport and //go:wasmexport.
func wasmTypes(t *testing.T, fl *ast.FieldList) []string {
	t.Helper()
	if fl == nil {
		return nil
	}
	var types []string
	for _, f := range fl.List {
		var wt []string
		switch typ := f.Type.(type) {
		case *ast.StarExpr:
			wt = []string{"i32"}
		case *ast.SelectorExpr: // unsafe.Pointer
			wt = []string{"i32"}
		case *ast.Ident:
			switch typ.Name {
			case "int32", "uint32", "uintptr", "bool":
				wt = []string{"i32"}
			case "int64", "uint64":
				wt = []string{"i64"}
			case "float32":
				wt = []string{"f32"}
			case "float64":
				wt = []string{"f64"}
			case "string":
				wt = []string{"i32", "i32"} // (ptr, len)
			}
		}
		if wt == nil {
			t.Errorf("unexpected parameter type %T in a Wasm function", f.Type)
			continue
		}
		n := max(len(f.Names), 1)
		for range n {
			types = append(types, wt...)
		}
	}
	return types
}
