package content

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"polku"
)

// probeRule is the id of the rule the expression tests add to the base
// content; its when is the expression under test.
const probeRule = "probe"

// yamlQuote writes s as a YAML double-quoted scalar. Only \ and " are
// escaped besides characters YAML does not allow as they are, so that
// positions in the quoted text stay easy to predict.
func yamlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[0])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0xfeff || r == 0x2028 || r == 0x2029 || (r >= 0xd800 && r < 0xe000) || r == 0xfffe || r == 0xffff:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		s = s[size:]
	}
	b.WriteByte('"')
	return b.String()
}

// probeFile is a rules file holding the rule probeRule, with the given
// YAML for its when (already quoted).
func probeFile(when string) *fstest.MapFile {
	return &fstest.MapFile{Data: []byte("rules:\n" +
		"  - id: " + probeRule + "\n" +
		"    when: " + when + "\n" +
		"    suggest: {tags: [guidance]}\n" +
		"    because: {fi: Koe., en: A probe.}\n")}
}

// probeFS is the base content with probeFile as rules/probe.yaml.
func probeFS(t testing.TB, when string) fstest.MapFS {
	t.Helper()
	fsys := baseFS(t)
	fsys["rules/probe.yaml"] = probeFile(when)
	return fsys
}

// compileProbe compiles src as a condition over the base profile, by
// loading the base content with one more rule whose when is src.
func compileProbe(t *testing.T, src string) (*Content, *Expr) {
	t.Helper()
	c, ds := Load(probeFS(t, yamlQuote(src)))
	if ds.HasErrors() {
		t.Fatalf("Load with when: %s reported errors:\n%v", src, ds)
	}
	for _, r := range c.Rules {
		if r.ID == probeRule {
			if r.When == nil {
				t.Fatalf("rule %q has no compiled when", probeRule)
			}
			if r.When.Source != src {
				t.Fatalf("When.Source = %q, want %q", r.When.Source, src)
			}
			return c, r.When
		}
	}
	t.Fatalf("rule %q not loaded", probeRule)
	return nil, nil
}

// profile builds a profile of c: set gives fields their values in Answer
// form ("work,study" for a list), declined are fields the person chose not
// to answer. Every other field is unknown.
func profile(t testing.TB, c *Content, set map[string]string, declined ...string) *Profile {
	t.Helper()
	p := c.NewProfile()
	for name, v := range set {
		f := c.Field(name)
		if f == nil {
			t.Fatalf("no field %q in the base profile", name)
		}
		if !p.Set(f, v) {
			t.Fatalf("Set(%s, %q) = false, want true", name, v)
		}
	}
	for _, name := range declined {
		f := c.Field(name)
		if f == nil {
			t.Fatalf("no field %q in the base profile", name)
		}
		p.Decline(f)
	}
	return p
}

// answers is shorthand for the profile of a case.
type answers = map[string]string

func TestExprEval(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		set      answers
		declined []string
		want     Tri
	}{
		// Comparisons with an unknown field are unknown, never false.
		{"int less, unknown", `age < 30`, nil, nil, Unknown},
		{"int less, declined", `age < 30`, nil, []string{"age"}, Unknown},
		{"int less, true", `age < 30`, answers{"age": "25"}, nil, True},
		{"int less, false", `age < 30`, answers{"age": "35"}, nil, False},
		{"int at least, unknown", `age >= 30`, nil, nil, Unknown},
		{"int greater, boundary", `age > 30`, answers{"age": "30"}, nil, False},
		{"int at most, boundary", `age <= 30`, answers{"age": "30"}, nil, True},
		{"string equal, unknown", `pace == "part_time"`, nil, nil, Unknown},
		{"string not equal, unknown", `pace != "part_time"`, nil, nil, Unknown},
		{"string not equal, declined", `pace != "part_time"`, nil, []string{"pace"}, Unknown},
		{"string not equal, true", `pace != "part_time"`, answers{"pace": "full_time"}, nil, True},
		{"string equal, false", `pace == "part_time"`, answers{"pace": "full_time"}, nil, False},
		{"literal on the left, unknown", `"part_time" == pace`, nil, nil, Unknown},
		{"string order", `pace < "q"`, answers{"pace": "part_time"}, nil, True},
		{"bool field, unknown", `has_helper`, nil, nil, Unknown},
		{"bool field, true", `has_helper`, answers{"has_helper": "true"}, nil, True},
		{"bool equal false, unknown", `has_helper == false`, nil, nil, Unknown},
		{"bool equal false, false answer", `has_helper == false`, answers{"has_helper": "false"}, nil, True},
		{"two unknown fields compared", `age == age`, nil, nil, Unknown},

		// not of unknown stays unknown.
		{"not, unknown", `not (age < 30)`, nil, nil, Unknown},
		{"not, known", `not (age < 30)`, answers{"age": "35"}, nil, True},
		{"bang, unknown", `!has_helper`, nil, nil, Unknown},
		{"bang, false answer", `!has_helper`, answers{"has_helper": "false"}, nil, True},
		{"double not, unknown", `not not has_helper`, nil, nil, Unknown},

		// and/or follow Kleene's logic.
		{"false and unknown", `age < 30 and pace == "part_time"`, answers{"age": "35"}, nil, False},
		{"unknown and false", `pace == "part_time" and age < 30`, answers{"age": "35"}, nil, False},
		{"true and unknown", `age < 30 and pace == "part_time"`, answers{"age": "25"}, nil, Unknown},
		{"unknown and true", `pace == "part_time" and age < 30`, answers{"age": "25"}, nil, Unknown},
		{"true and true", `age < 30 and pace == "part_time"`, answers{"age": "25", "pace": "part_time"}, nil, True},
		{"unknown and unknown", `age < 30 and has_helper`, nil, nil, Unknown},
		{"true or unknown", `age < 30 or has_helper`, answers{"age": "25"}, nil, True},
		{"unknown or true", `has_helper or age < 30`, answers{"age": "25"}, nil, True},
		{"false or unknown", `age < 30 or has_helper`, answers{"age": "35"}, nil, Unknown},
		{"unknown or false", `has_helper or age < 30`, answers{"age": "35"}, nil, Unknown},
		{"false or false", `age < 30 or has_helper`, answers{"age": "35", "has_helper": "false"}, nil, False},
		{"unknown or unknown", `age < 30 or has_helper`, nil, []string{"age", "has_helper"}, Unknown},
		{"&& false and unknown", `has_helper && age < 30`, answers{"age": "35"}, nil, False},
		{"|| unknown or true", `has_helper || age < 30`, answers{"age": "25"}, nil, True},
		{"not of false and unknown", `not (age < 30 and has_helper)`, answers{"age": "35"}, nil, True},

		// known talks about unknown answers explicitly.
		{"known, unknown", `known(age)`, nil, nil, False},
		{"known, declined", `known(age)`, nil, []string{"age"}, False},
		{"known, answered", `known(age)`, answers{"age": "40"}, nil, True},
		{"known list, answered", `known(wants)`, answers{"wants": "work"}, nil, True},
		{"not known, unknown", `not known(pace)`, nil, nil, True},
		{"under 30 or unknown, unknown", `not known(age) or age < 30`, nil, nil, True},
		{"under 30 or unknown, declined", `not known(age) or age < 30`, nil, []string{"age"}, True},
		{"under 30 or unknown, 25", `not known(age) or age < 30`, answers{"age": "25"}, nil, True},
		{"under 30 or unknown, 35", `not known(age) or age < 30`, answers{"age": "35"}, nil, False},
		{"known and compare, unknown", `known(age) and age >= 18`, nil, nil, False},

		// in with list fields and array literals.
		{"value in list field, unknown", `"study" in wants`, nil, nil, Unknown},
		{"value in list field, absent", `"study" in wants`, answers{"wants": "work"}, nil, False},
		{"value in list field, present", `"study" in wants`, answers{"wants": "work,study"}, nil, True},
		{"not in list field, unknown", `"work" not in wants`, nil, nil, Unknown},
		{"not in list field, absent", `"work" not in wants`, answers{"wants": "study"}, nil, True},
		{"field in literal, unknown", `pace in ["part_time", "full_time"]`, nil, nil, Unknown},
		{"field in literal, present", `pace in ["part_time", "full_time"]`, answers{"pace": "full_time"}, nil, True},
		{"field in literal, absent", `pace in ["part_time", "full_time"]`, answers{"pace": "few_hours_week"}, nil, False},
		{"int in literal", `age in [18, 19, 20]`, answers{"age": "19"}, nil, True},
		{"int in literal of floats", `age in [18.0, 19.0]`, answers{"age": "19"}, nil, True},
		{"empty literal", `pace in []`, answers{"pace": "part_time"}, nil, False},
		{"literal holds the value and an unknown", `30 in [age, 30]`, nil, nil, True},
		{"literal holds an unknown, value absent", `31 in [age, 30]`, nil, nil, Unknown},
		{"literal of known fields", `"part_time" in [pace, area]`, answers{"pace": "part_time", "area": "lappi"}, nil, True},
		{"unknown value in literal", `age in [age, 30]`, nil, nil, Unknown},
		{"lists equal but for an unknown item", `[age, 1] == [30, 1]`, nil, nil, Unknown},
		{"lists differ beside an unknown item", `[age, 1] == [30, 2]`, nil, nil, False},
		{"lists not equal but for an unknown item", `[age, 1] != [30, 1]`, nil, nil, Unknown},
		{"lists of different length", `[age] != [30, 1]`, nil, nil, True},
		{"lists of known fields equal", `[pace, area] == ["part_time", "lappi"]`, answers{"pace": "part_time", "area": "lappi"}, nil, True},

		// any/all/none/one/count: an unknown list is unknown; an unknown
		// item matters only when it could change the result.
		{"any, unknown list", `any(wants, # in ["work", "study"])`, nil, nil, Unknown},
		{"any, none fits", `any(wants, # in ["work", "study"])`, answers{"wants": "company"}, nil, False},
		{"any, one fits", `any(wants, # in ["work", "study"])`, answers{"wants": "company,study"}, nil, True},
		{"any, true item beside unknown item", `any(wants, # == "work" or age < 18)`, answers{"wants": "work,study"}, nil, True},
		{"any, only unknown items", `any(wants, # == "work" or age < 18)`, answers{"wants": "study"}, nil, Unknown},
		{"all, unknown list", `all(wants, # != "company")`, nil, nil, Unknown},
		{"all, true", `all(wants, # != "company")`, answers{"wants": "work,study"}, nil, True},
		{"all, false", `all(wants, # != "company")`, answers{"wants": "work,company"}, nil, False},
		{"all, unknown item", `all(wants, # == "work" or age < 18)`, answers{"wants": "work,study"}, nil, Unknown},
		{"all, false item beside unknown item", `all(wants, # == "work" and age < 18)`, answers{"wants": "work,study"}, nil, False},
		{"all, unknown items resolved", `all(wants, # == "work" or age < 18)`, answers{"wants": "work,study", "age": "16"}, nil, True},
		{"none, unknown list", `none(wants, # == "company")`, nil, nil, Unknown},
		{"none, true", `none(wants, # == "company")`, answers{"wants": "work"}, nil, True},
		{"none, false", `none(wants, # == "company")`, answers{"wants": "work,company"}, nil, False},
		{"none, unknown item", `none(wants, # == "study" and age < 18)`, answers{"wants": "work,study"}, nil, Unknown},
		{"none, no item can be true", `none(wants, # == "study" and age < 18)`, answers{"wants": "work"}, nil, True},
		{"one, unknown list", `one(wants, # == "work")`, nil, nil, Unknown},
		{"one, exactly one", `one(wants, # == "work" or # == "study")`, answers{"wants": "work,company"}, nil, True},
		{"one, two", `one(wants, # == "work" or # == "study")`, answers{"wants": "work,study"}, nil, False},
		{"one, true item beside unknown item", `one(wants, # == "work" or age < 18)`, answers{"wants": "work,study"}, nil, Unknown},
		{"one, two unknown items", `one(wants, age < 18)`, answers{"wants": "work,study"}, nil, Unknown},
		{"one, two true items known later", `one(wants, age < 18)`, answers{"wants": "work,study", "age": "16"}, nil, False},
		{"count, unknown list", `count(wants, # != "company") >= 2`, nil, nil, Unknown},
		{"count, known", `count(wants, # != "company") >= 2`, answers{"wants": "work,study,company"}, nil, True},
		{"count, unknown item", `count(wants, age < 18) == 0`, answers{"wants": "work"}, nil, Unknown},
		{"len of list, unknown", `len(wants) >= 2`, nil, nil, Unknown},
		{"len of list, known", `len(wants) >= 2`, answers{"wants": "work,study"}, nil, True},
		{"any over literal of conditions, one true", `any([age < 18, pace == "part_time"], #)`, answers{"age": "16"}, nil, True},
		{"none over literal of conditions, one true", `none([age >= 30, has_helper], #)`, answers{"age": "35"}, nil, False},
		{"all over literal of conditions, one unknown", `all([age >= 30, has_helper], #)`, answers{"age": "35"}, nil, Unknown},
		{"any over literal of conditions, only unknown", `any([age < 18, false], #)`, nil, nil, Unknown},
		{"nested predicates", `any(wants, all(["work"], # == "work"))`, answers{"wants": "study"}, nil, True},

		// A ternary with an unknown condition is known only when both
		// branches agree.
		{"ternary, unknown condition, branches differ", `(age < 30 ? "young" : "old") == "young"`, nil, nil, Unknown},
		{"ternary, known condition", `(age < 30 ? "young" : "old") == "young"`, answers{"age": "20"}, nil, True},
		{"ternary, unknown condition, branches agree", `(has_helper ? 1 : 1) == 1`, nil, nil, True},
		{"ternary, both branches true", `has_helper ? age < 30 : true`, answers{"age": "20"}, nil, True},
		{"ternary, branches disagree", `has_helper ? age < 30 : true`, answers{"age": "40"}, nil, Unknown},
		{"ternary on known", `(known(age) ? age : 20) < 30`, nil, nil, True},

		// ?? replaces an unknown value.
		{"?? with unknown bool", `has_helper ?? false`, nil, nil, False},
		{"?? with known bool", `has_helper ?? false`, answers{"has_helper": "true"}, nil, True},
		{"?? with declined bool", `(has_helper ?? true) == true`, nil, []string{"has_helper"}, True},
		{"?? with unknown int", `(age ?? 0) < 18`, nil, nil, True},
		{"?? with known int", `(age ?? 0) < 18`, answers{"age": "20"}, nil, False},
		{"?? with unknown both sides", `(age ?? age) < 18`, nil, nil, Unknown},

		// Arithmetic: unknown in, unknown out; no division by zero.
		{"plus", `age + 1 == 31`, answers{"age": "30"}, nil, True},
		{"plus, unknown", `age + 1 == 31`, nil, nil, Unknown},
		{"minus", `age - 10 < 10`, answers{"age": "15"}, nil, True},
		{"times", `age * 2 == 50`, answers{"age": "25"}, nil, True},
		{"divide gives a float", `age / 2 == 12.5`, answers{"age": "25"}, nil, True},
		{"divide constants", `7 / 2 == 3.5`, nil, nil, True},
		{"modulo", `age % 2 == 1`, answers{"age": "25"}, nil, True},
		{"modulo, unknown", `age % 2 == 1`, nil, nil, Unknown},
		{"divide by zero", `age / 0 > 1`, answers{"age": "25"}, nil, Unknown},
		{"divide by zero, not", `not (age / 0 > 1)`, answers{"age": "25"}, nil, Unknown},
		{"modulo by zero", `age % 0 == 0`, answers{"age": "25"}, nil, Unknown},
		{"divide by a zero field", `10 / (age - 25) > 0`, answers{"age": "25"}, nil, Unknown},
		{"modulo by a zero field", `10 % (age - 25) == 0`, answers{"age": "25"}, nil, Unknown},
		{"zero divided by zero", `0 / (age - 25) == 0`, answers{"age": "25"}, nil, Unknown},
		{"negation", `-age < 0`, answers{"age": "25"}, nil, True},
		{"negation, unknown", `-age < 0`, nil, nil, Unknown},
		{"string concatenation", `pace + "!" == "part_time!"`, answers{"pace": "part_time"}, nil, True},

		// String functions and operators.
		{"lower", `lower("PART_time") == pace`, answers{"pace": "part_time"}, nil, True},
		{"upper", `upper(pace) == "PART_TIME"`, answers{"pace": "part_time"}, nil, True},
		{"upper, unknown", `upper(pace) == "PART_TIME"`, nil, nil, Unknown},
		{"trim", `trim("  a b ") == "a b"`, nil, nil, True},
		{"len of text", `len(pace) == 9`, answers{"pace": "part_time"}, nil, True},
		{"len counts characters", `len("työ") == 3`, nil, nil, True},
		{"len of text, unknown", `len(pace) > 0`, nil, nil, Unknown},
		{"contains", `pace contains "time"`, answers{"pace": "part_time"}, nil, True},
		{"contains, false", `pace contains "time"`, answers{"pace": "few_hours_week"}, nil, False},
		{"contains, unknown", `pace contains "time"`, nil, nil, Unknown},
		{"startsWith", `pace startsWith "part"`, answers{"pace": "part_time"}, nil, True},
		{"startsWith, false", `pace startsWith "part"`, answers{"pace": "full_time"}, nil, False},
		{"endsWith", `pace endsWith "week"`, answers{"pace": "few_hours_week"}, nil, True},
		{"endsWith, unknown", `pace endsWith "week"`, nil, []string{"pace"}, Unknown},
		{"matches", `pace matches "^(part|full)_time$"`, answers{"pace": "full_time"}, nil, True},
		{"matches, false", `pace matches "^(part|full)_time$"`, answers{"pace": "few_hours_week"}, nil, False},
		{"matches, unknown", `pace matches "^(part|full)_time$"`, nil, nil, Unknown},

		// Whole numbers and decimals compare by value.
		{"int less than float", `age < 30.5`, answers{"age": "30"}, nil, True},
		{"int equal float", `age == 30.0`, answers{"age": "30"}, nil, True},
		{"int not equal float", `age != 30.5`, answers{"age": "30"}, nil, True},
		{"int greater than float", `age > 29.9`, answers{"age": "30"}, nil, True},
		{"int at least float, false", `age >= 30.1`, answers{"age": "30"}, nil, False},
		{"float and int constants", `1 == 1.0`, nil, nil, True},
		{"float compare, unknown", `age < 30.5`, nil, nil, Unknown},
	}
	// Several cases share an expression: load it once.
	type probe struct {
		c *Content
		e *Expr
	}
	compiled := map[string]probe{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pr, ok := compiled[tt.src]
			if !ok {
				pr.c, pr.e = compileProbe(t, tt.src)
				compiled[tt.src] = pr
			}
			c, e := pr.c, pr.e
			p := profile(t, c, tt.set, tt.declined...)
			if got := e.Eval(p); got != tt.want {
				t.Errorf("Eval(%q) with %v, declined %v = %v, want %v", tt.src, tt.set, tt.declined, got, tt.want)
			}
		})
	}
}

// TestExprEvalDoesNotChangeProfile: evaluation reads the profile only, so
// the same profile gives the same value twice and keeps its answers.
func TestExprEvalDoesNotChangeProfile(t *testing.T) {
	c, e := compileProbe(t, `any(wants, # == "work" or age < 18) and count(wants, # != "company") >= 1`)
	p := profile(t, c, answers{"wants": "work,study"})
	for i := range 2 {
		if got := e.Eval(p); got != True {
			t.Errorf("Eval(%q), time %d = %v, want %v", e.Source, i+1, got, True)
		}
	}
	if got := p.Values(c.Field("wants")); !slices.Equal(got, []string{"work", "study"}) {
		t.Errorf("Values(wants) after Eval = %q, want [work study]", got)
	}
	if p.Known(c.Field("age")) {
		t.Errorf("Known(age) after Eval = true, want false")
	}
}

// TestExprLength: expressions are refused by length before expr parses
// them, as deep nesting would overflow expr's stack.
func TestExprLength(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		wantErr string // the summary of the only error; "" when it compiles
	}{
		{"nested brackets up to the limit", strings.Repeat("(", 2498) + "true" + strings.Repeat(")", 2498), ""},
		{"one character too long", strings.Repeat("(", 2498) + "true " + strings.Repeat(")", 2498), "The expression is too long"},
		{"a million brackets", strings.Repeat("(", 1_000_000) + "true" + strings.Repeat(")", 1_000_000), "The expression is too long"},
		{"a million nots", strings.Repeat("not ", 1_000_000) + "true", "The expression is too long"},
		{"long but flat", `pace in [` + strings.Repeat(`"part_time", `, 350) + `"full_time"]`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := utf8.RuneCountInString(tt.src); tt.wantErr == "" && n > maxExprLength {
				t.Fatalf("case has %d characters, more than the limit %d", n, maxExprLength)
			}
			c, ds := Load(probeFS(t, yamlQuote(tt.src)))
			var errs []Diagnostic
			for _, d := range ds {
				if d.Severity == Error {
					errs = append(errs, d)
				}
			}
			if tt.wantErr == "" {
				if len(errs) > 0 || c == nil {
					t.Fatalf("Load(%.30q…) reported %v", tt.src, errs)
				}
				return
			}
			if len(errs) != 1 || errs[0].Summary != tt.wantErr {
				t.Fatalf("Load(%.30q…) = %v, want one error %q", tt.src, errs, tt.wantErr)
			}
			if got, want := errs[0].Subject.Start, (Pos{3, 11}); got != want {
				t.Errorf("Load(%.30q…) reported the error at %v, want %v", tt.src, got, want)
			}
		})
	}
}

func TestExprFields(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"one field", `age < 30`, []string{"age"}},
		{"in order of first use", `"work" in wants and age < 30 or known(age) and pace == "part_time"`, []string{"wants", "age", "pace"}},
		{"known counts as a read", `known(has_helper)`, []string{"has_helper"}},
		{"constants only", `1 < 2`, nil},
		{"inside a predicate", `any(wants, # == "work" or area == "lappi")`, []string{"wants", "area"}},
		{"each field once", `age > 18 and age < 30 and age != 25`, []string{"age"}},
		{"in an array literal", `"part_time" in [pace, area]`, []string{"pace", "area"}},
		{"both sides of ??", `(area ?? pace) == "lappi"`, []string{"area", "pace"}},
		{"ternary", `has_helper ? age < 30 : len(wants) > 1`, []string{"has_helper", "age", "wants"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, e := compileProbe(t, tt.src)
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Fields(%q) = %q, want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestTriString(t *testing.T) {
	tests := []struct {
		in   Tri
		want string
	}{
		{True, "true"},
		{False, "false"},
		{Unknown, "unknown"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Tri(%d).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestFastShapesAgree evaluates every condition of the built-in content,
// compiled with and without the fast shapes (field == "text", "text" in
// field, field in [...]), for many profiles: the results must be the same.
func TestFastShapesAgree(t *testing.T) {
	fast, ds := Load(polku.Content())
	if fast == nil {
		t.Fatal(ds)
	}
	fastShapes = false
	general, ds := Load(polku.Content())
	fastShapes = true
	if general == nil {
		t.Fatal(ds)
	}
	exprs := func(c *Content) (out []*Expr) {
		for _, r := range c.Rules {
			out = append(out, r.When)
		}
		for _, s := range c.Services {
			out = append(out, s.Eligible)
		}
		return out
	}
	a, b := exprs(fast), exprs(general)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		// the same answers in both contents: unknown, declined, or a
		// value (a few of a list, an age)
		pa, pb := fast.NewProfile(), general.NewProfile()
		for i, f := range fast.Fields {
			g := general.Fields[i]
			var v string
			switch n := rng.IntN(4); {
			case n == 0:
				continue
			case n == 1:
				pa.Decline(f)
				pb.Decline(g)
				continue
			case f.Type == Int:
				v = strconv.Itoa(rng.IntN(80))
			case f.Type == Bool:
				v = strconv.FormatBool(rng.IntN(2) == 0)
			case f.Type == List && f.Enum():
				var picked []string
				for _, x := range f.Values {
					if rng.IntN(3) == 0 {
						picked = append(picked, x)
					}
				}
				v = strings.Join(picked, ListSep)
			case f.Enum():
				v = f.Values[rng.IntN(len(f.Values))]
			default:
				v = "text"
			}
			if pa.Set(f, v) != pb.Set(g, v) {
				t.Fatalf("Set(%s, %q) differs", f.Name, v)
			}
		}
		for i := range a {
			if a[i] == nil {
				continue
			}
			if x, y := a[i].Eval(pa), b[i].Eval(pb); x != y {
				t.Fatalf("%s = %v with the fast shapes, %v without, for %v", a[i].Source, x, y, pa.vals)
			}
		}
	}
}
