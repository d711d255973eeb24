package locale

import (
	"fmt"
	"strconv"
	"strings"
)

// A pluralRule maps a count to the index of a message's plural form.
type pluralRule func(n uint64) int

// englishRule is the rule of English, of Tornado's CSV files, and of a
// .po file without Plural-Forms: the singular for 1, the plural otherwise.
func englishRule(n uint64) int {
	if n == 1 {
		return 0
	}
	return 1
}

// frenchRule puts 0 with the singular.
func frenchRule(n uint64) int {
	if n > 1 {
		return 1
	}
	return 0
}

// Limits on a Plural-Forms expression, which comes from a site's file.
const (
	maxPluralForms = 20
	maxPluralExpr  = 1000 // bytes
	maxPluralDepth = 50   // nested operators
)

// parsePluralForms parses a Plural-Forms header value, "nplurals=3;
// plural=EXPR;", and checks that the expression gives an index below
// nplurals for a range of counts.
func parsePluralForms(v string) (pluralRule, int, error) {
	var nplurals int
	var expr string
	haveN, haveExpr := false, false
	for _, part := range strings.Split(v, ";") {
		k, val, ok := strings.Cut(part, "=")
		k = strings.TrimSpace(k)
		switch {
		case !ok && k == "":
			continue
		case !ok:
			return nil, 0, fmt.Errorf("Plural-Forms: %q is not name=value", strings.TrimSpace(part))
		case k == "nplurals":
			n, err := strconv.Atoi(strings.TrimSpace(val))
			if err != nil || n < 1 || n > maxPluralForms {
				return nil, 0, fmt.Errorf("Plural-Forms: nplurals=%s: want a number from 1 to %d", strings.TrimSpace(val), maxPluralForms)
			}
			nplurals, haveN = n, true
		case k == "plural":
			expr, haveExpr = val, true // Cut split at the first "=", so "n==1" stays whole
		default:
			return nil, 0, fmt.Errorf("Plural-Forms: unknown field %q", k)
		}
	}
	if !haveN || !haveExpr {
		return nil, 0, fmt.Errorf("Plural-Forms: want nplurals=N; plural=EXPR;")
	}
	rule, err := parsePluralExpr(expr)
	if err != nil {
		return nil, 0, fmt.Errorf("Plural-Forms: %w", err)
	}
	for _, n := range checkCounts() {
		if i := rule(n); i < 0 || i >= nplurals {
			return nil, 0, fmt.Errorf("Plural-Forms: plural gives %d for n=%d, but nplurals=%d", i, n, nplurals)
		}
	}
	return rule, nplurals, nil
}

// checkCounts are the counts a plural expression is tried on at load.
func checkCounts() []uint64 {
	ns := make([]uint64, 0, 1010)
	for n := uint64(0); n <= 1000; n++ {
		ns = append(ns, n)
	}
	return append(ns, 10000, 100000, 1000000, 1<<31-1, 1<<31)
}

// parsePluralExpr compiles a gettext plural expression: C's ?:, ||, &&,
// ==, !=, <, <=, >, >=, +, -, *, /, %, ! and parentheses over n and
// decimal constants, in unsigned arithmetic. Division by zero gives 0.
func parsePluralExpr(src string) (pluralRule, error) {
	if len(src) > maxPluralExpr {
		return nil, fmt.Errorf("plural expression longer than %d bytes", maxPluralExpr)
	}
	p := &exprParser{src: src}
	p.next()
	e, err := p.ternary(0)
	if err != nil {
		return nil, err
	}
	if p.tok != "" {
		return nil, fmt.Errorf("plural expression: unexpected %q at offset %d", p.tok, p.tokPos)
	}
	return func(n uint64) int {
		v := e(n)
		if v > maxPluralForms {
			return maxPluralForms // out of range for every rule; callers check
		}
		return int(v)
	}, nil
}

// expr is a compiled expression.
type expr func(n uint64) uint64

type exprParser struct {
	src    string
	pos    int
	tok    string // "" at the end
	tokPos int
}

// next reads the next token into p.tok.
func (p *exprParser) next() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\r\n", p.src[p.pos]) >= 0 {
		p.pos++
	}
	p.tokPos = p.pos
	if p.pos >= len(p.src) {
		p.tok = ""
		return
	}
	c := p.src[p.pos]
	switch {
	case c >= '0' && c <= '9':
		end := p.pos
		for end < len(p.src) && p.src[end] >= '0' && p.src[end] <= '9' {
			end++
		}
		p.tok, p.pos = p.src[p.pos:end], end
		return
	case p.pos+1 < len(p.src):
		switch two := p.src[p.pos : p.pos+2]; two {
		case "||", "&&", "==", "!=", "<=", ">=":
			p.tok, p.pos = two, p.pos+2
			return
		}
	}
	p.tok, p.pos = p.src[p.pos:p.pos+1], p.pos+1
}

func (p *exprParser) errorf(format string, args ...any) error {
	return fmt.Errorf("plural expression: "+format+" at offset %d", append(args, p.tokPos)...)
}

func (p *exprParser) ternary(depth int) (expr, error) {
	if depth > maxPluralDepth {
		return nil, p.errorf("nested too deeply")
	}
	cond, err := p.binary(0, depth+1)
	if err != nil || p.tok != "?" {
		return cond, err
	}
	p.next()
	yes, err := p.ternary(depth + 1)
	if err != nil {
		return nil, err
	}
	if p.tok != ":" {
		return nil, p.errorf("want \":\", got %q", p.tok)
	}
	p.next()
	no, err := p.ternary(depth + 1)
	if err != nil {
		return nil, err
	}
	return func(n uint64) uint64 {
		if cond(n) != 0 {
			return yes(n)
		}
		return no(n)
	}, nil
}

// levels are the binary operators by precedence, loosest first.
var levels = [][]string{
	{"||"},
	{"&&"},
	{"==", "!="},
	{"<", "<=", ">", ">="},
	{"+", "-"},
	{"*", "/", "%"},
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func (p *exprParser) binary(level, depth int) (expr, error) {
	if level == len(levels) {
		return p.unary(depth)
	}
	left, err := p.binary(level+1, depth)
	if err != nil {
		return nil, err
	}
	for {
		op := p.tok
		found := false
		for _, o := range levels[level] {
			found = found || o == op
		}
		if !found {
			return left, nil
		}
		p.next()
		right, err := p.binary(level+1, depth)
		if err != nil {
			return nil, err
		}
		l, r := left, right
		switch op {
		case "||":
			left = func(n uint64) uint64 { return b2u(l(n) != 0 || r(n) != 0) }
		case "&&":
			left = func(n uint64) uint64 { return b2u(l(n) != 0 && r(n) != 0) }
		case "==":
			left = func(n uint64) uint64 { return b2u(l(n) == r(n)) }
		case "!=":
			left = func(n uint64) uint64 { return b2u(l(n) != r(n)) }
		case "<":
			left = func(n uint64) uint64 { return b2u(l(n) < r(n)) }
		case "<=":
			left = func(n uint64) uint64 { return b2u(l(n) <= r(n)) }
		case ">":
			left = func(n uint64) uint64 { return b2u(l(n) > r(n)) }
		case ">=":
			left = func(n uint64) uint64 { return b2u(l(n) >= r(n)) }
		case "+":
			left = func(n uint64) uint64 { return l(n) + r(n) }
		case "-":
			left = func(n uint64) uint64 { return l(n) - r(n) }
		case "*":
			left = func(n uint64) uint64 { return l(n) * r(n) }
		case "/":
			left = func(n uint64) uint64 {
				if d := r(n); d != 0 {
					return l(n) / d
				}
				return 0
			}
		case "%":
			left = func(n uint64) uint64 {
				if d := r(n); d != 0 {
					return l(n) % d
				}
				return 0
			}
		}
	}
}

func (p *exprParser) unary(depth int) (expr, error) {
	if depth > maxPluralDepth {
		return nil, p.errorf("nested too deeply")
	}
	switch tok := p.tok; {
	case tok == "!":
		p.next()
		e, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		return func(n uint64) uint64 { return b2u(e(n) == 0) }, nil
	case tok == "(":
		p.next()
		e, err := p.ternary(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.tok != ")" {
			return nil, p.errorf("want \")\", got %q", p.tok)
		}
		p.next()
		return e, nil
	case tok == "n":
		p.next()
		return func(n uint64) uint64 { return n }, nil
	case tok != "" && tok[0] >= '0' && tok[0] <= '9':
		v, err := strconv.ParseUint(tok, 10, 64)
		if err != nil {
			return nil, p.errorf("number %s out of range", tok)
		}
		p.next()
		return func(uint64) uint64 { return v }, nil
	case tok == "":
		return nil, p.errorf("unexpected end")
	default:
		return nil, p.errorf("unexpected %q", tok)
	}
}
