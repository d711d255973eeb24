//go:build ignore

// gen_abuse writes abuse.wat, a guest that calls one wasmweb_v1 host
// function with hostile pointers and lengths, chosen by the request's
// query string. Run it from this directory: go run gen_abuse.go > abuse.wat
//
// The functions, their order and their signatures come from the Func*
// constants of ../../abi/abi.go and the quoted signature that opens each
// constant's comment, e.g. "(field, buf, buf_limit) -> len"; a parameter
// followed by the same name with "_len" (or by "len") is an input range and
// one followed by the same name with "_limit" an output buffer. A new host function therefore shows up
// here on the next `make`, and one whose scalar parameters this generator
// does not know stops it with an error rather than a guess.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/wasmweb/wasmweb/abi"
)

const abiSource = "../../abi/abi.go"

// variants are the (ptr, len) pairs applied to every range of the chosen
// function; "size" is memory.size × 65536, computed by the guest at run
// time. A variant is in bounds when the host must accept it.
var variants = []struct {
	name     string
	ptr, len string // WAT expressions
	inBounds bool
}{
	{"(0, 0)", "(i32.const 0)", "(i32.const 0)", true},
	{"(size-1, 1)", "(i32.sub (local.get $size) (i32.const 1))", "(i32.const 1)", true},
	{"(size, 0)", "(local.get $size)", "(i32.const 0)", true},
	{"(size, 1)", "(local.get $size)", "(i32.const 1)", false},
	{"(0xFFFFFFFF, 1)", "(i32.const 0xFFFFFFFF)", "(i32.const 1)", false},
	{"(0xFFFFFFF0, 0x20) overflow", "(i32.const 0xFFFFFFF0)", "(i32.const 0x20)", false},
	{"(0, 0x7FFFFFFF) huge length", "(i32.const 0)", "(i32.const 0x7FFFFFFF)", false},
}

// scalars are the values passed for parameters that are not ranges,
// by "function.param" or by "param". Each is a valid, ordinary value so
// that only the ranges are hostile.
var scalars = map[string]int{
	"level":                          abi.LogInfo,
	"field":                          abi.FieldMethod,
	"index":                          0,
	"source":                         abi.ArgsQuery,
	"part":                           abi.FileName,
	"code":                           200,
	"op":                             abi.HeaderSet,
	"cursor":                         0,
	"timeout_ms":                     1,
	"count":                          2,
	"unix_seconds":                   0,
	"offset_min":                     0,
	"flags":                          abi.DateRelative,
	"value":                          1234,
	"digits":                         -1,
	"ttl_seconds":                    0,
	"expect":                         abi.KVAny,
	"delta":                          1,
	"limit":                          1,
	abi.FuncRespRedirect + ".status": 302,
	abi.FuncRespError + ".status":    422,
}

type param struct {
	name string
	kind int // scalar, rangePtr, rangeLen
}

const (
	scalar = iota
	scalar64
	scalarF64
	rangePtr
	rangeLen
)

type hostFunc struct {
	name   string
	params []param
	result string // "", "i32" or "i64"
	ranges int
}

var sigRE = regexp.MustCompile(`^"\(([^)]*)\)(?: -> (\w+))?"`)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gen_abuse: ")
	funcs, err := hostFuncs(abiSource)
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.WriteString(render(funcs))
}

// hostFuncs reads the Func* constants of the abi package in source order.
func hostFuncs(path string) ([]hostFunc, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	var funcs []hostFunc
	for _, decl := range f.Decls {
		gd, ok := decl.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			if len(vs.Names) != 1 || !strings.HasPrefix(vs.Names[0].Name, "Func") || len(vs.Values) != 1 {
				continue
			}
			lit, ok := vs.Values[0].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return nil, fmt.Errorf("%s: %s is not a string literal", fset.Position(vs.Pos()), vs.Names[0].Name)
			}
			name, _ := strconv.Unquote(lit.Value)
			doc := strings.Join(strings.Fields(vs.Doc.Text()), " ")
			_, rest, _ := strings.Cut(doc, ", ")
			m := sigRE.FindStringSubmatch(rest)
			if m == nil {
				return nil, fmt.Errorf("%s: the comment of %s does not start with a quoted signature: %q",
					fset.Position(vs.Pos()), vs.Names[0].Name, doc)
			}
			hf, err := parseSignature(name, m[1], m[2])
			if err != nil {
				return nil, fmt.Errorf("%s: %s: %w", fset.Position(vs.Pos()), vs.Names[0].Name, err)
			}
			funcs = append(funcs, hf)
		}
	}
	if len(funcs) == 0 {
		return nil, fmt.Errorf("%s: no Func* constants", path)
	}
	return funcs, nil
}

func parseSignature(name, params, result string) (hostFunc, error) {
	hf := hostFunc{name: name}
	var names []string
	if params != "" {
		names = strings.Split(params, ", ")
	}
	for i := 0; i < len(names); i++ {
		n := names[i]
		if name64, ok := strings.CutSuffix(n, " i64"); ok {
			if _, ok := scalarValue(name, name64); !ok {
				return hf, fmt.Errorf("no value for scalar parameter %q: add it to scalars in gen_abuse.go", name64)
			}
			hf.params = append(hf.params, param{name64, scalar64})
			continue
		}
		if nameF64, ok := strings.CutSuffix(n, " f64"); ok {
			if _, ok := scalarValue(name, nameF64); !ok {
				return hf, fmt.Errorf("no value for scalar parameter %q: add it to scalars in gen_abuse.go", nameF64)
			}
			hf.params = append(hf.params, param{nameF64, scalarF64})
			continue
		}
		if i+1 < len(names) && (names[i+1] == n+"_len" || names[i+1] == n+"_limit" || names[i+1] == "len") {
			hf.params = append(hf.params, param{n, rangePtr}, param{names[i+1], rangeLen})
			hf.ranges++
			i++
			continue
		}
		if _, ok := scalarValue(name, n); !ok {
			return hf, fmt.Errorf("no value for scalar parameter %q: add it to scalars in gen_abuse.go", n)
		}
		hf.params = append(hf.params, param{n, scalar})
	}
	switch result {
	case "":
	case "len", "err", "n", "status":
		hf.result = "i32"
	case "i64":
		hf.result = "i64"
	default:
		return hf, fmt.Errorf("unknown result %q", result)
	}
	return hf, nil
}

func scalarValue(fn, p string) (int, bool) {
	if v, ok := scalars[fn+"."+p]; ok {
		return v, true
	}
	v, ok := scalars[p]
	return v, ok
}

func render(funcs []hostFunc) string {
	var b strings.Builder
	nv := len(variants)
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p(";; abuse: calls one %s host function with hostile pointers and lengths.", abi.ModuleName)
	p(";; Generated by gen_abuse.go from %s; DO NOT EDIT.", strings.TrimPrefix(abiSource, "../../"))
	p(";;")
	p(";; The request's query string is a decimal case number N. Case N calls")
	p(";; function N/%d with variant N%%%d applied to every (ptr, len) and", nv, nv)
	p(";; (buf, buf_limit) pair of the function, then returns STATUS_DONE.")
	p(";; \"size\" is memory.size × 65536. A query that is not a case gets 400.")
	p(";;")
	p(";; variants (v):")
	for i, v := range variants {
		what := "in bounds: the host must not trap"
		if !v.inBounds {
			what = "out of bounds: the host must trap (500)"
		}
		p(";;   %d %-28s %s", i, v.name, what)
	}
	p(";;")
	p(";; functions (cases f*%d .. f*%d+%d; ranges = pointer/length pairs):", nv, nv, nv-1)
	for i, f := range funcs {
		p(";;   case %d-%d: %s ranges=%d", i*nv, i*nv+nv-1, f.name, f.ranges)
	}
	p("(module")
	for _, f := range funcs {
		p("  (import %q %q (func $%s%s))", abi.ModuleName, f.name, f.name, signature(f))
	}
	if !hasFunc(funcs, abi.FuncReqGet) || !hasFunc(funcs, abi.FuncRespSetStatus) {
		log.Fatalf("the guest needs %s and %s", abi.FuncReqGet, abi.FuncRespSetStatus)
	}
	p("  (memory (export \"memory\") 1)")
	p("")
	p("  ;; query reads the query string into 256..272 and parses it as a")
	p("  ;; decimal number; it returns -1 when it is empty, too long or not a number.")
	p("  (func $query (result i32)")
	p("    (local $len i32) (local $i i32) (local $c i32) (local $n i32)")
	p("    (local.set $len (call $%s (i32.const %d) (i32.const 256) (i32.const 16)))", abi.FuncReqGet, abi.FieldQuery)
	p("    (if (i32.or (i32.lt_s (local.get $len) (i32.const 1)) (i32.gt_s (local.get $len) (i32.const 9)))")
	p("      (then (return (i32.const -1))))")
	p("    (block $end")
	p("      (loop $digit")
	p("        (br_if $end (i32.eq (local.get $i) (local.get $len)))")
	p("        (local.set $c (i32.sub (i32.load8_u (i32.add (i32.const 256) (local.get $i))) (i32.const 48)))")
	p("        (if (i32.gt_u (local.get $c) (i32.const 9)) (then (return (i32.const -1))))")
	p("        (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10)) (local.get $c)))")
	p("        (local.set $i (i32.add (local.get $i) (i32.const 1)))")
	p("        (br $digit)))")
	p("    (local.get $n))")
	p("")
	p("  (func (export %q) (param $route i32) (result i32)", abi.ExportHandle)
	p("    (local $n i32) (local $size i32) (local $ptr i32) (local $len i32)")
	p("    (local.set $n (call $query))")
	p("    (if (i32.or (i32.lt_s (local.get $n) (i32.const 0)) (i32.ge_s (local.get $n) (i32.const %d)))", len(funcs)*nv)
	p("      (then")
	p("        (drop (call $%s (i32.const 400)))", abi.FuncRespSetStatus)
	p("        (return (i32.const %d))))", abi.StatusDone)
	p("    (local.set $size (i32.mul (memory.size) (i32.const 65536)))")
	p("    ;; the variant: sets $ptr and $len")
	nested(&b, "    ", "v", nv, "(i32.rem_u (local.get $n) (i32.const "+strconv.Itoa(nv)+"))", func(i int) []string {
		v := variants[i]
		return []string{
			";; " + v.name,
			"(local.set $ptr " + v.ptr + ")",
			"(local.set $len " + v.len + ")",
		}
	})
	p("    ;; the function")
	nested(&b, "    ", "f", len(funcs), "(i32.div_u (local.get $n) (i32.const "+strconv.Itoa(nv)+"))", func(i int) []string {
		return []string{call(funcs[i])}
	})
	p("    (i32.const %d)))", abi.StatusDone)
	return b.String()
}

// nested writes a br_table over n cases: case i runs body(i), then leaves.
func nested(b *strings.Builder, indent, label string, n int, selector string, body func(i int) []string) {
	p := func(depth int, s string) { fmt.Fprintf(b, "%s%s%s\n", indent, strings.Repeat("  ", depth), s) }
	p(0, "(block $"+label+"_done")
	for i := n - 1; i >= 0; i-- {
		p(n-i, fmt.Sprintf("(block $%s%d", label, i))
	}
	targets := make([]string, n)
	for i := range targets {
		targets[i] = fmt.Sprintf("$%s%d", label, i)
	}
	p(n+1, "(br_table "+strings.Join(targets, " ")+" $"+label+"_done "+selector+"))")
	for i := 0; i < n; i++ {
		for _, s := range body(i) {
			p(n-i, s)
		}
		p(n-i, "(br $"+label+"_done))")
	}
}

func call(f hostFunc) string {
	args := make([]string, len(f.params))
	for i, pr := range f.params {
		switch pr.kind {
		case rangePtr:
			args[i] = "(local.get $ptr)"
		case rangeLen:
			args[i] = "(local.get $len)"
		case scalar64:
			v, _ := scalarValue(f.name, pr.name)
			args[i] = fmt.Sprintf("(i64.const %d)", v)
		case scalarF64:
			v, _ := scalarValue(f.name, pr.name)
			args[i] = fmt.Sprintf("(f64.const %d)", v)
		default:
			v, _ := scalarValue(f.name, pr.name)
			args[i] = fmt.Sprintf("(i32.const %d)", v)
		}
	}
	c := "(call $" + f.name
	if len(args) > 0 {
		c += " " + strings.Join(args, " ")
	}
	c += ")"
	if f.result != "" {
		c = "(drop " + c + ")"
	}
	return c
}

func signature(f hostFunc) string {
	s := ""
	if len(f.params) > 0 {
		s += " (param"
		for _, p := range f.params {
			switch p.kind {
			case scalar64:
				s += " i64"
			case scalarF64:
				s += " f64"
			default:
				s += " i32"
			}
		}
		s += ")"
	}
	if f.result != "" {
		s += " (result " + f.result + ")"
	}
	return s
}

func hasFunc(funcs []hostFunc, name string) bool {
	for _, f := range funcs {
		if f.name == name {
			return true
		}
	}
	return false
}
