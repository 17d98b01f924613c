package content

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
)

// Expressions are parsed and type-checked by expr against an environment
// built from rules/profile.yaml, then compiled here into closures that
// evaluate with three values — true, false and unknown — because an answer
// the person did not give must never count as "no". expr's own VM has no
// notion of unknown, so evaluation is ours; parsing, type checking and the
// positions of errors are expr's.

// Tri is the value of a condition: true, false or unknown.
type Tri uint8

const (
	Unknown Tri = iota
	False
	True
)

func (t Tri) String() string {
	switch t {
	case True:
		return "true"
	case False:
		return "false"
	}
	return "unknown"
}

// Expr is a compiled condition.
type Expr struct {
	Source string
	Fields []*Field // fields the condition reads, in order of first use
	// Values are the strings the condition names ("housing" in
	// any(in_the_way, # in ["money_or_debt", "housing"])): a reason can
	// then quote, of a person's several answers, those the rule is about.
	Values []string
	eval   evalFn
}

type stringLiterals struct{ values []string }

func (v *stringLiterals) Visit(n *ast.Node) {
	if s, ok := (*n).(*ast.StringNode); ok && !slices.Contains(v.values, s.Value) {
		v.values = append(v.values, s.Value)
	}
}

// Eval evaluates the condition for a profile.
func (e *Expr) Eval(p *Profile) Tri {
	ev := &p.ev
	ev.p, ev.elem = p, ev.elem[:0]
	v := e.eval(ev)
	if v.k != kBool {
		return Unknown
	}
	if v.b {
		return True
	}
	return False
}

type vkind uint8

const (
	kUnknown vkind = iota
	kBool
	kInt
	kFloat
	kString
	kList
)

type val struct {
	k vkind
	b bool
	i int
	f float64
	s string
	l []val
}

var unknown = val{}

func boolVal(b bool) val { return val{k: kBool, b: b} }

type env struct {
	p    *Profile
	elem []val // the # of enclosing predicates, innermost last
}

type evalFn func(*env) val

// functions staff may use; everything else is refused at load with a list
// of these.
var exprBuiltins = []string{"len", "any", "all", "none", "one", "count", "lower", "upper", "trim"}

// exprConfig builds the expr configuration for the profile fields once per
// load; expr's checker reads it and does not change it.
func exprConfig(fields []*Field, broken map[string]bool) *conf.Config {
	envMap := map[string]any{}
	// A field whose definition has errors is still a name, typed loosely,
	// so expressions using it do not repeat the profile's error.
	for name := range broken {
		envMap[name] = any(nil)
	}
	for _, f := range fields {
		switch f.Type {
		case Int:
			envMap[f.Name] = 0
		case Bool:
			envMap[f.Name] = false
		case List:
			envMap[f.Name] = []string{}
		default:
			envMap[f.Name] = ""
		}
	}
	c := conf.CreateNew()
	opts := []expr.Option{expr.Env(envMap), expr.AsBool(), expr.DisableAllBuiltins(), expr.MaxNodes(500),
		expr.Function("known", func(...any) (any, error) { return true, nil }, new(func(any) bool))}
	for _, b := range exprBuiltins {
		opts = append(opts, expr.EnableBuiltin(b))
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// maxExprLength bounds an expression before expr parses it: expr's parser
// recurses once per bracket or not before it counts nodes against
// MaxNodes, and a million of them overflow the stack, a fatal error that no
// recover catches. Real conditions are a line or two.
const maxExprLength = 5000

type exprCompiler struct {
	cfg    *conf.Config
	fields map[string]*Field
	broken map[string]bool
	failed bool  // gave up quietly on a broken field
	n      *node // the YAML scalar holding the expression
	diags  Diagnostics
	used   []*Field
	depth  int
}

func (l *loader) compileExpr(n *node, what string) *Expr {
	src, ok := l.scalar(n, what)
	if !ok {
		return nil
	}
	if strings.TrimSpace(src) == "" {
		l.errorf(n, "The "+what+" is empty", "Write a condition, for example: pace == \"part_time\".")
		return nil
	}
	if utf8.RuneCountInString(src) > maxExprLength {
		l.errorf(n, "The expression is too long", fmt.Sprintf("A condition can have at most %d characters. Split it into several rules or branches.", maxExprLength))
		return nil
	}
	if l.exprCfg == nil {
		return nil // the profile is broken; its own errors say so
	}
	ec := &exprCompiler{cfg: l.exprCfg, fields: l.content.fields, broken: l.brokenFields, n: n}
	tree, err := checker.ParseCheck(src, ec.cfg)
	if err != nil {
		l.diags = append(l.diags, ec.checkError(src, err))
		return nil
	}
	fn := ec.compile(tree.Node)
	l.diags = append(l.diags, ec.diags...)
	if fn == nil || len(ec.diags) > 0 || ec.failed {
		return nil
	}
	lits := &stringLiterals{}
	ast.Walk(&tree.Node, lits)
	return &Expr{Source: src, Fields: ec.used, Values: lits.values, eval: fn}
}

func (ec *exprCompiler) at(loc file.Location) Range {
	r := ec.n.rng()
	r.Start = ec.n.posAt(loc.From)
	r.End = Pos{}
	if loc.To > loc.From {
		if e := ec.n.posAt(loc.To); e.Line == r.Start.Line {
			r.End = e
		}
	}
	return r
}

func (ec *exprCompiler) errorf(loc file.Location, summary, detail string) {
	ec.diags = append(ec.diags, Diagnostic{Severity: Error, Summary: summary, Detail: detail, Subject: ec.at(loc)})
}

var (
	reUnknownName = regexp.MustCompile(`^unknown name (\S+)$`)
	reMismatch    = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (\S+) and (\S+)\)$`)
	reExpected    = regexp.MustCompile(`^expected bool, but got (\S+)$`)
	reUnexpected  = regexp.MustCompile(`^unexpected token (.*)$`)
)

// typeWord names expr's types in the words of rules/profile.yaml.
func typeWord(t string) string {
	switch {
	case t == "string":
		return "text"
	case t == "int", t == "float64", t == "float":
		return "a number"
	case t == "bool":
		return "true/false"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "interface {}" || t == "any":
		return "a value"
	}
	return t
}

// checkError turns expr's parse and type errors into diagnostics a staff
// member can act on.
func (ec *exprCompiler) checkError(src string, err error) Diagnostic {
	d := Diagnostic{Severity: Error, Subject: ec.n.rng()}
	msg := err.Error()
	fe, ok := err.(*file.Error)
	if ok {
		msg = fe.Message
		d.Subject = ec.at(fe.Location)
		if strings.HasSuffix(msg, "EOF") {
			// point just past the last character, where something is missing
			end := utf8.RuneCountInString(strings.TrimRight(src, " \n\r\t"))
			d.Subject = Range{File: d.Subject.File, Start: ec.n.posAt(end)}
		}
	}
	switch {
	case ec.cutByComment():
		d.Summary = "The expression is cut short by a #"
		d.Detail = "In YAML, # after a space starts a comment, so the rest of the line was not read. Put the whole expression in single quotes: '" +
			strings.TrimSpace(ec.n.src.lines[ec.n.pos.Line-1][ec.lineOffset():]) + "'."
		d.Subject = Range{File: d.Subject.File, Start: ec.n.pos}
	case reUnknownName.MatchString(msg):
		name := reUnknownName.FindStringSubmatch(msg)[1]
		isCall := ok && fe.To < utf8.RuneCountInString(src) && strings.HasPrefix(strings.TrimLeft(string([]rune(src)[fe.To:]), " "), "(")
		if isCall {
			d.Summary = fmt.Sprintf("Unknown function %q", name)
			d.Detail = "The functions you can use are: known, " + strings.Join(exprBuiltins, ", ") + "." + didYouMean(name, append([]string{"known"}, exprBuiltins...))
		} else {
			d.Summary = fmt.Sprintf("Unknown profile field %q", name)
			d.Detail = "Every field an expression uses must be listed in rules/profile.yaml."
			if m := didYouMean(name, fieldNames(ec.fields)); m != "" {
				d.Detail += m
			} else {
				d.Detail += " If it is meant as a text, put it in quotes: \"" + name + "\"."
			}
		}
	case reMismatch.MatchString(msg):
		m := reMismatch.FindStringSubmatch(msg)
		d.Summary = fmt.Sprintf("Type mismatch: %s cannot compare %s with %s", m[1], typeWord(m[2]), typeWord(m[3]))
		switch {
		case m[1] == "==" || m[1] == "!=":
			if strings.HasPrefix(m[2], "[]") {
				d.Detail = "A list field holds several values: to test one of them write \"value\" in field."
			} else {
				d.Detail = "Compare a number field with a number (age < 30) and a text field with a text in quotes (pace == \"part_time\")."
			}
		case m[1] == "in":
			d.Detail = "Use in with a list on the right: \"value\" in list_field, or field in [\"a\", \"b\"]."
		default:
			d.Detail = "Both sides must be numbers, or both texts."
		}
	case reExpected.MatchString(msg):
		d.Summary = fmt.Sprintf("The condition gives %s, not true or false", typeWord(reExpected.FindStringSubmatch(msg)[1]))
		d.Detail = "A condition must be a comparison or a test, for example age < 30 or known(age)."
	case msg == "unexpected token EOF":
		d.Summary = "The expression ends too early"
		d.Detail = "Something is missing at the end: the other side of and, or or a comparison, or a closing bracket or quote."
	case reUnexpected.MatchString(msg):
		d.Summary = "The expression has a syntax error: unexpected " + strings.ToLower(reUnexpected.FindStringSubmatch(msg)[1])
		d.Detail = "Check for a missing value, quote or bracket here. Texts go in double quotes inside a single-quoted YAML value: '\"study\" in wants'."
	default:
		d.Summary = "The expression cannot be used: " + msg
		d.Detail = "See docs/content.md (Expressions) for what expressions can say."
	}
	return d
}

// cutByComment reports an unquoted expression whose line goes on with a
// comment: "when: any(wants, # in [...])" reaches expr as "any(wants,".
func (ec *exprCompiler) cutByComment() bool {
	n := ec.n
	if n.style != plainStyle || n.src == nil || n.pos.Line < 1 || n.pos.Line > len(n.src.lines) {
		return false
	}
	line := n.src.lines[n.pos.Line-1]
	rest := line[ec.lineOffset():]
	i := strings.Index(rest, n.value)
	return i >= 0 && strings.HasPrefix(strings.TrimLeft(rest[i+len(n.value):], " \t"), "#")
}

// lineOffset is the byte offset of the scalar's start in its line.
func (ec *exprCompiler) lineOffset() int {
	line := ec.n.src.lines[ec.n.pos.Line-1]
	r := []rune(line)
	col := min(max(ec.n.pos.Col-1, 0), len(r))
	return len(string(r[:col]))
}

func fieldNames(m map[string]*Field) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func (ec *exprCompiler) use(f *Field) {
	for _, u := range ec.used {
		if u == f {
			return
		}
	}
	ec.used = append(ec.used, f)
}

func (ec *exprCompiler) unsupported(n ast.Node, what, instead string) evalFn {
	ec.errorf(n.Location(), what+" is not supported in Polku expressions", instead)
	return nil
}

// compile turns a checked expr tree into a closure. It returns nil after
// recording a diagnostic for anything Polku does not support.
func (ec *exprCompiler) compile(n ast.Node) evalFn {
	ec.depth++
	defer func() { ec.depth-- }()
	if ec.depth > 100 {
		return ec.unsupported(n, "An expression this deeply nested", "Split it into simpler rules.")
	}
	switch n := n.(type) {
	case *ast.IdentifierNode:
		f := ec.fields[n.Value]
		if f == nil && ec.broken[n.Value] {
			ec.failed = true
			return func(*env) val { return unknown }
		}
		if f == nil {
			return ec.unsupported(n, fmt.Sprintf("The name %q", n.Value), "Use profile fields from rules/profile.yaml.")
		}
		ec.use(f)
		i := f.Index
		return func(e *env) val { return e.p.vals[i] }
	case *ast.BoolNode:
		v := boolVal(n.Value)
		return func(*env) val { return v }
	case *ast.IntegerNode:
		v := val{k: kInt, i: n.Value}
		return func(*env) val { return v }
	case *ast.FloatNode:
		v := val{k: kFloat, f: n.Value}
		return func(*env) val { return v }
	case *ast.StringNode:
		v := val{k: kString, s: n.Value}
		return func(*env) val { return v }
	case *ast.NilNode:
		return ec.unsupported(n, "nil", "To test whether a field has been answered, write known(field).")
	case *ast.ArrayNode:
		return ec.array(n)
	case *ast.UnaryNode:
		return ec.unary(n)
	case *ast.BinaryNode:
		return ec.binary(n)
	case *ast.ConditionalNode:
		return ec.conditional(n)
	case *ast.BuiltinNode:
		return ec.builtin(n)
	case *ast.CallNode:
		return ec.call(n)
	case *ast.PointerNode:
		if n.Name != "" {
			return ec.unsupported(n, "#"+n.Name, "Inside any(…), all(…) and similar, write # for the current item.")
		}
		return func(e *env) val {
			if len(e.elem) == 0 {
				return unknown
			}
			return e.elem[len(e.elem)-1]
		}
	case *ast.MemberNode, *ast.SliceNode:
		return ec.unsupported(n, "Taking one item of a list", "Test whether a list contains a value instead: \"work\" in wants.")
	case *ast.VariableDeclaratorNode, *ast.SequenceNode:
		return ec.unsupported(n, "let and ;", "Write one condition.")
	case *ast.MapNode, *ast.PairNode:
		return ec.unsupported(n, "A map", "Use lists: [\"a\", \"b\"].")
	}
	return ec.unsupported(n, fmt.Sprintf("This kind of expression (%s)", strings.TrimPrefix(reflect.TypeOf(n).String(), "*ast.")), "See docs/content.md (Expressions).")
}

func (ec *exprCompiler) array(n *ast.ArrayNode) evalFn {
	fns := make([]evalFn, len(n.Nodes))
	constant := true
	for i, e := range n.Nodes {
		if fns[i] = ec.compile(e); fns[i] == nil {
			return nil
		}
		if !isLiteral(e) {
			constant = false
		}
	}
	// An unknown item stays in the list as unknown instead of making the
	// whole list unknown: 30 in [age, 30] is true whatever age is, and
	// any([a, b], #) must agree with a or b. Operators that read items
	// (in, ==, the predicates) handle unknown items themselves.
	build := func(e *env) val {
		l := make([]val, len(fns))
		for i, f := range fns {
			l[i] = f(e)
		}
		return val{k: kList, l: l}
	}
	if constant {
		v := build(&env{})
		return func(*env) val { return v }
	}
	return build
}

func isLiteral(n ast.Node) bool {
	switch n.(type) {
	case *ast.StringNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		return true
	}
	return false
}

func not(v val) val {
	if v.k != kBool {
		return unknown
	}
	return boolVal(!v.b)
}

func (ec *exprCompiler) unary(n *ast.UnaryNode) evalFn {
	x := ec.compile(n.Node)
	if x == nil {
		return nil
	}
	switch n.Operator {
	case "not", "!":
		return func(e *env) val { return not(x(e)) }
	case "-":
		return func(e *env) val {
			v := x(e)
			switch v.k {
			case kInt:
				return val{k: kInt, i: -v.i}
			case kFloat:
				return val{k: kFloat, f: -v.f}
			}
			return unknown
		}
	case "+":
		return x
	}
	return ec.unsupported(n, "The operator "+n.Operator, "See docs/content.md (Expressions).")
}

// checkEnum reports a text literal compared with an enumerated field when
// the text is not one of the field's values: the comparison could never be
// true, which is always a typo.
func (ec *exprCompiler) checkEnum(field ast.Node, lit ast.Node) {
	id, ok := field.(*ast.IdentifierNode)
	if !ok {
		return
	}
	f := ec.fields[id.Value]
	if f == nil || !f.Enum() {
		return
	}
	var lits []*ast.StringNode
	switch l := lit.(type) {
	case *ast.StringNode:
		lits = append(lits, l)
	case *ast.ArrayNode:
		for _, e := range l.Nodes {
			if s, ok := e.(*ast.StringNode); ok {
				lits = append(lits, s)
			}
		}
	}
	for _, s := range lits {
		if !f.values[s.Value] {
			ec.errorf(s.Location(), fmt.Sprintf("%q is not a value of %s", s.Value, f.Name),
				fmt.Sprintf("The values of %s are: %s.%s", f.Name, strings.Join(f.Values, ", "), didYouMean(s.Value, f.Values)))
		}
	}
}

func (ec *exprCompiler) binary(n *ast.BinaryNode) evalFn {
	switch n.Operator {
	case "==", "!=":
		ec.checkEnum(n.Left, n.Right)
		ec.checkEnum(n.Right, n.Left)
	case "in":
		ec.checkEnum(n.Left, n.Right)
		ec.checkEnum(n.Right, n.Left)
	}
	l, r := ec.compile(n.Left), ec.compile(n.Right)
	if l == nil || r == nil {
		return nil
	}
	switch n.Operator {
	case "and", "&&":
		return func(e *env) val {
			a := l(e)
			if a.k == kBool && !a.b {
				return a
			}
			b := r(e)
			if b.k == kBool && !b.b {
				return b
			}
			if a.k == kBool && b.k == kBool {
				return boolVal(true)
			}
			return unknown
		}
	case "or", "||":
		return func(e *env) val {
			a := l(e)
			if a.k == kBool && a.b {
				return a
			}
			b := r(e)
			if b.k == kBool && b.b {
				return b
			}
			if a.k == kBool && b.k == kBool {
				return boolVal(false)
			}
			return unknown
		}
	case "??":
		return func(e *env) val {
			if a := l(e); a.k != kUnknown {
				return a
			}
			return r(e)
		}
	case "==":
		generic := known2(l, r, eq)
		if fast := ec.fieldIsText(n, false, generic); fast != nil {
			return fast
		}
		return generic
	case "!=":
		generic := known2(l, r, func(a, b val) val { return not(eq(a, b)) })
		if fast := ec.fieldIsText(n, true, generic); fast != nil {
			return fast
		}
		return generic
	case "<", "<=", ">", ">=":
		op := n.Operator
		return known2(l, r, func(a, b val) val {
			c, ok := compare(a, b)
			if !ok {
				return unknown
			}
			switch op {
			case "<":
				return boolVal(c < 0)
			case "<=":
				return boolVal(c <= 0)
			case ">":
				return boolVal(c > 0)
			}
			return boolVal(c >= 0)
		})
	case "in":
		generic := known2(l, r, in)
		if fast := ec.textInField(n, generic); fast != nil {
			return fast
		}
		if fast := ec.fieldInTexts(n, generic); fast != nil {
			return fast
		}
		return generic
	case "contains", "startsWith", "endsWith":
		fn := map[string]func(string, string) bool{"contains": strings.Contains, "startsWith": strings.HasPrefix, "endsWith": strings.HasSuffix}[n.Operator]
		return known2(l, r, func(a, b val) val {
			if a.k != kString || b.k != kString {
				return unknown
			}
			return boolVal(fn(a.s, b.s))
		})
	case "matches":
		s, ok := n.Right.(*ast.StringNode)
		if !ok {
			return ec.unsupported(n.Right, "A pattern that is not a text in quotes", "Write the pattern directly: field matches \"^[0-9]+$\".")
		}
		re, err := regexp.Compile(s.Value)
		if err != nil {
			ec.errorf(s.Location(), "The pattern is not a valid regular expression", "Go's regexp package says: "+err.Error()+".")
			return nil
		}
		return known2(l, r, func(a, _ val) val {
			if a.k != kString {
				return unknown
			}
			return boolVal(re.MatchString(a.s))
		})
	case "+", "-", "*", "/", "%":
		return known2(l, r, arith(n.Operator))
	}
	return ec.unsupported(n, "The operator "+n.Operator, "See docs/content.md (Expressions).")
}

// in is the operator in: whether b, a list, holds a.
func in(a, b val) val {
	if b.k != kList {
		return unknown
	}
	unsure := false
	for _, x := range b.l {
		switch v := eq(a, x); {
		case v.k == kBool && v.b:
			return boolVal(true)
		case v.k != kBool:
			unsure = true
		}
	}
	if unsure {
		return unknown
	}
	return boolVal(false)
}

// The three shapes below are most of the conditions staff write, and the
// last answer evaluates every rule and the eligibility of every service that
// fits: they read the field in place instead of going through the general
// operators. Any other value (unknown, another type) takes the general path,
// so the result is always the same.

// fastShapes is off only in the test that compares the shapes with the
// general operators.
var fastShapes = true

// fieldAt is the profile place of the field n names, when n is a field's
// name and the fast shapes are on.
func (ec *exprCompiler) fieldAt(n ast.Node) (int, bool) {
	id, ok := n.(*ast.IdentifierNode)
	if !fastShapes || !ok || ec.fields[id.Value] == nil {
		return 0, false
	}
	return ec.fields[id.Value].Index, true
}

// fieldIsText is field == "text" (or !=, negated).
func (ec *exprCompiler) fieldIsText(n *ast.BinaryNode, negated bool, generic evalFn) evalFn {
	i, ok1 := ec.fieldAt(n.Left)
	lit, ok2 := n.Right.(*ast.StringNode)
	if !ok1 || !ok2 {
		return nil
	}
	text := lit.Value
	return func(e *env) val {
		if v := &e.p.vals[i]; v.k == kString {
			return boolVal((v.s == text) != negated)
		}
		return generic(e)
	}
}

// textInField is "text" in field, for a list field.
func (ec *exprCompiler) textInField(n *ast.BinaryNode, generic evalFn) evalFn {
	lit, ok1 := n.Left.(*ast.StringNode)
	i, ok2 := ec.fieldAt(n.Right)
	if !ok1 || !ok2 {
		return nil
	}
	text := lit.Value
	return func(e *env) val {
		v := &e.p.vals[i]
		if v.k != kList {
			return generic(e)
		}
		for j := range v.l {
			if x := &v.l[j]; x.k != kString {
				return generic(e)
			} else if x.s == text {
				return boolVal(true)
			}
		}
		return boolVal(false)
	}
}

// fieldInTexts is field in ["a", "b"].
func (ec *exprCompiler) fieldInTexts(n *ast.BinaryNode, generic evalFn) evalFn {
	i, ok1 := ec.fieldAt(n.Left)
	arr, ok2 := n.Right.(*ast.ArrayNode)
	if !ok1 || !ok2 {
		return nil
	}
	texts := make([]string, len(arr.Nodes))
	for j, item := range arr.Nodes {
		lit, ok := item.(*ast.StringNode)
		if !ok {
			return nil
		}
		texts[j] = lit.Value
	}
	return func(e *env) val {
		if v := &e.p.vals[i]; v.k == kString {
			return boolVal(slices.Contains(texts, v.s))
		}
		return generic(e)
	}
}

// known2 makes an operator unknown when either side is unknown.
func known2(l, r evalFn, op func(a, b val) val) evalFn {
	return func(e *env) val {
		a := l(e)
		if a.k == kUnknown {
			return unknown
		}
		b := r(e)
		if b.k == kUnknown {
			return unknown
		}
		return op(a, b)
	}
}

func num(v val) (float64, bool) {
	switch v.k {
	case kInt:
		return float64(v.i), true
	case kFloat:
		return v.f, true
	}
	return 0, false
}

// eq is == with three values: unknown when either side is, or when lists
// differ only where an item is unknown.
func eq(a, b val) val {
	if a.k == kUnknown || b.k == kUnknown {
		return unknown
	}
	if x, ok := num(a); ok {
		y, ok := num(b)
		return boolVal(ok && x == y)
	}
	if a.k != b.k {
		return boolVal(false)
	}
	switch a.k {
	case kBool:
		return boolVal(a.b == b.b)
	case kString:
		return boolVal(a.s == b.s)
	case kList:
		if len(a.l) != len(b.l) {
			return boolVal(false)
		}
		res := boolVal(true)
		for i := range a.l {
			switch v := eq(a.l[i], b.l[i]); {
			case v.k == kBool && !v.b:
				return v
			case v.k != kBool:
				res = unknown
			}
		}
		return res
	}
	return boolVal(false)
}

func compare(a, b val) (int, bool) {
	if x, ok := num(a); ok {
		y, ok := num(b)
		if !ok {
			return 0, false
		}
		switch {
		case x < y:
			return -1, true
		case x > y:
			return 1, true
		}
		return 0, true
	}
	if a.k == kString && b.k == kString {
		return strings.Compare(a.s, b.s), true
	}
	return 0, false
}

func arith(op string) func(a, b val) val {
	return func(a, b val) val {
		if op == "+" && a.k == kString && b.k == kString {
			return val{k: kString, s: a.s + b.s}
		}
		if a.k == kInt && b.k == kInt && op != "/" {
			switch op {
			case "+":
				return val{k: kInt, i: a.i + b.i}
			case "-":
				return val{k: kInt, i: a.i - b.i}
			case "*":
				return val{k: kInt, i: a.i * b.i}
			case "%":
				if b.i == 0 {
					return unknown
				}
				return val{k: kInt, i: a.i % b.i}
			}
		}
		x, ok1 := num(a)
		y, ok2 := num(b)
		if !ok1 || !ok2 {
			return unknown
		}
		var f float64
		switch op {
		case "+":
			f = x + y
		case "-":
			f = x - y
		case "*":
			f = x * y
		case "/":
			if y == 0 {
				return unknown
			}
			f = x / y
		default:
			return unknown
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return unknown
		}
		return val{k: kFloat, f: f}
	}
}

func (ec *exprCompiler) conditional(n *ast.ConditionalNode) evalFn {
	c, a, b := ec.compile(n.Cond), ec.compile(n.Exp1), ec.compile(n.Exp2)
	if c == nil || a == nil || b == nil {
		return nil
	}
	return func(e *env) val {
		switch v := c(e); {
		case v.k == kBool && v.b:
			return a(e)
		case v.k == kBool:
			return b(e)
		}
		// unknown condition: the answer is known only if both sides agree
		x, y := a(e), b(e)
		if v := eq(x, y); v.k == kBool && v.b {
			return x
		}
		return unknown
	}
}

func (ec *exprCompiler) call(n *ast.CallNode) evalFn {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok || id.Value != "known" {
		return ec.unsupported(n, "This function call", "The functions you can use are: known, "+strings.Join(exprBuiltins, ", ")+".")
	}
	if len(n.Arguments) != 1 {
		ec.errorf(n.Location(), "known takes one field", "Write known(age).")
		return nil
	}
	arg, ok := n.Arguments[0].(*ast.IdentifierNode)
	f := (*Field)(nil)
	if ok {
		f = ec.fields[arg.Value]
	}
	if f == nil {
		ec.errorf(n.Arguments[0].Location(), "known needs a profile field", "Write the name of a field from rules/profile.yaml, for example known(age).")
		return nil
	}
	ec.use(f)
	i := f.Index
	return func(e *env) val { return boolVal(e.p.vals[i].k != kUnknown) }
}

func (ec *exprCompiler) builtin(n *ast.BuiltinNode) evalFn {
	args := make([]evalFn, len(n.Arguments))
	for i, a := range n.Arguments {
		if p, ok := a.(*ast.PredicateNode); ok {
			a = p.Node
		}
		if args[i] = ec.compile(a); args[i] == nil {
			return nil
		}
	}
	switch n.Name {
	case "len":
		if len(args) != 1 {
			break
		}
		x := args[0]
		return func(e *env) val {
			switch v := x(e); v.k {
			case kString:
				return val{k: kInt, i: utf8.RuneCountInString(v.s)}
			case kList:
				return val{k: kInt, i: len(v.l)}
			}
			return unknown
		}
	case "lower", "upper", "trim":
		if len(args) != 1 {
			break
		}
		x := args[0]
		fn := map[string]func(string) string{"lower": strings.ToLower, "upper": strings.ToUpper, "trim": strings.TrimSpace}[n.Name]
		return func(e *env) val {
			v := x(e)
			if v.k != kString {
				return unknown
			}
			return val{k: kString, s: fn(v.s)}
		}
	case "any", "all", "none", "one", "count":
		if len(args) != 2 {
			break
		}
		return predicate(n.Name, args[0], args[1])
	}
	return ec.unsupported(n, "The function "+n.Name+" used this way", "The functions you can use are: known, "+strings.Join(exprBuiltins, ", ")+".")
}

// predicate evaluates any/all/none/one/count with three values: an unknown
// item makes the result unknown only when it could change it.
func predicate(name string, list, pred evalFn) evalFn {
	return func(e *env) val {
		l := list(e)
		if l.k != kList {
			return unknown
		}
		trues, unknowns := 0, 0
		for _, item := range l.l {
			e.elem = append(e.elem, item)
			v := pred(e)
			e.elem = e.elem[:len(e.elem)-1]
			switch {
			case v.k != kBool:
				unknowns++
			case v.b:
				trues++
			}
		}
		falses := len(l.l) - trues - unknowns
		switch name {
		case "any":
			if trues > 0 {
				return boolVal(true)
			}
		case "none":
			if trues > 0 {
				return boolVal(false)
			}
		case "all":
			if falses > 0 {
				return boolVal(false)
			}
		case "one":
			if trues > 1 {
				return boolVal(false)
			}
		}
		if unknowns > 0 {
			return unknown
		}
		switch name {
		case "any":
			return boolVal(false)
		case "none", "all":
			return boolVal(true)
		case "one":
			return boolVal(trues == 1)
		}
		return val{k: kInt, i: trues}
	}
}
