package content

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// valueOf returns the value node of key in a parsed top-level map.
func valueOf(t *testing.T, root *node, key string) *node {
	t.Helper()
	if root == nil || root.kind != mapNode {
		t.Fatalf("root is not a map: %+v", root)
	}
	for i, k := range root.keys {
		if k.value == key {
			return root.vals[i]
		}
	}
	t.Fatalf("no key %q", key)
	return nil
}

func TestPosAt(t *testing.T) {
	tests := []struct {
		name   string
		src    string // a YAML file whose key x holds the scalar
		needle string // a text in the scalar's value; its offset is asked
		value  string // the scalar's value, to check the YAML reading
		want   Pos
	}{
		{"plain, start", "x: agee < 30\n", "agee", "agee < 30", Pos{1, 4}},
		{"plain", "x: age < 3 and agee > 1\n", "agee", "age < 3 and agee > 1", Pos{1, 16}},
		{"plain, last character", "x: a and b\n", "b", "a and b", Pos{1, 10}},
		{"plain, indented key", "y:\n  z: 1\nx: known(age) and agee\n", "agee", "known(age) and agee", Pos{3, 19}},
		{"plain, text before it is not ASCII", "x: lower(pace) == \"työ\" or agee\n", "agee", `lower(pace) == "työ" or agee`, Pos{1, 28}},
		{"plain, CRLF line end", "x: a and agee\r\ny: 1\r\n", "agee", "a and agee", Pos{1, 10}},
		{"plain, two lines", "x: known(age)\n  and agee < 3\n", "agee", "known(age) and agee < 3", Pos{2, 7}},
		{"plain, second line starts with a non-ASCII letter", "x: a\n  ö and agee\n", "agee", "a ö and agee", Pos{2, 9}},
		{"plain, three lines", "x: a\n  and b\n    and agee\n", "agee", "a and b and agee", Pos{3, 9}},
		{"plain, blank line between", "x: known(age)\n\n  and agee\n", "agee", "known(age)\nand agee", Pos{3, 7}},
		{"plain, two blank lines between", "x: known(age)\n\n\n  and agee\n", "agee", "known(age)\n\nand agee", Pos{4, 7}},
		{"plain, trailing spaces before the break", "x: known(age)   \n  and agee\n", "agee", "known(age) and agee", Pos{2, 7}},

		{"single-quoted", `x: '"work" in wants and agee'` + "\n", "agee", `"work" in wants and agee`, Pos{1, 25}},
		{"single-quoted, '' escape", "x: 'pace == ''part_time'' or agee'\n", "agee", "pace == 'part_time' or agee", Pos{1, 30}},
		{"single-quoted, two '' escapes before", "x: '''a'' == ''b'' or agee'\n", "agee", "'a' == 'b' or agee", Pos{1, 23}},
		{"single-quoted, start", "x: 'agee'\n", "agee", "agee", Pos{1, 5}},
		{"single-quoted, two lines", "x: 'known(age)\n  and agee'\n", "agee", "known(age) and agee", Pos{2, 7}},
		{"single-quoted, blank line between", "x: 'known(age)\n\n  and agee'\n", "agee", "known(age)\nand agee", Pos{3, 7}},

		{"double-quoted", `x: "known(age) and agee"` + "\n", "agee", "known(age) and agee", Pos{1, 20}},
		{`double-quoted, \" escape`, `x: "\"work\" in wants and agee"` + "\n", "agee", `"work" in wants and agee`, Pos{1, 27}},
		{`double-quoted, \\ escape`, `x: "\\d and agee"` + "\n", "agee", `\d and agee`, Pos{1, 13}},
		{`double-quoted, \u escape`, `x: "\u00e4 == pace or agee"` + "\n", "agee", "ä == pace or agee", Pos{1, 23}},
		{`double-quoted, \x escape`, `x: "\x41 or agee"` + "\n", "agee", "A or agee", Pos{1, 13}},
		{`double-quoted, \U escape`, `x: "\U0001F600 or agee"` + "\n", "agee", "😀 or agee", Pos{1, 19}},
		{`double-quoted, \t escape`, `x: "a\tagee"` + "\n", "agee", "a\tagee", Pos{1, 8}},
		{"double-quoted, two lines", "x: \"known(age)\n  and agee\"\n", "agee", "known(age) and agee", Pos{2, 7}},
		{"double-quoted, escaped line break", "x: \"known(age) and \\\n  agee\"\n", "agee", "known(age) and agee", Pos{2, 3}},
		{"double-quoted, trailing spaces before the break", "x: \"known(age)  \n  and agee\"\n", "agee", "known(age) and agee", Pos{2, 7}},

		{"literal", "x: |\n  known(age)\n    and agee < 3\n", "agee", "known(age)\n  and agee < 3\n", Pos{3, 9}},
		{"literal, first character", "x: |\n  agee\n", "agee", "agee\n", Pos{2, 3}},
		{"literal, strip", "x: |-\n  a\n  agee\n", "agee", "a\nagee", Pos{3, 3}},
		{"literal, keep", "x: |+\n  a\n  agee\n\n", "agee", "a\nagee\n\n", Pos{3, 3}},
		{"literal, blank line between", "x: |\n  a\n\n  agee\n", "agee", "a\n\nagee\n", Pos{4, 3}},
		{"literal, deeper indent", "x: |\n      a\n      and agee\n", "agee", "a\nand agee\n", Pos{3, 11}},
		{"literal, indentation indicator", "x: |2\n   a\n  agee\n", "agee", " a\nagee\n", Pos{3, 3}},

		{"folded", "x: >\n  known(age)\n  and agee < 3\n", "agee", "known(age) and agee < 3\n", Pos{3, 7}},
		{"folded, strip", "x: >-\n  a\n  agee\n", "agee", "a agee", Pos{3, 3}},
		{"folded, blank line between", "x: >\n  known(age)\n\n  and agee\n", "agee", "known(age)\nand agee\n", Pos{4, 7}},
		{"folded, two blank lines between", "x: >\n  a\n\n\n  agee\n", "agee", "a\n\nagee\n", Pos{5, 3}},
		{"folded, more indented line", "x: >\n  a\n    b\n  agee\n", "agee", "a\n  b\nagee\n", Pos{4, 3}},
		{"folded, blank line after a more indented line", "x: >\n  a\n    b\n\n  agee\n", "agee", "a\n  b\n\nagee\n", Pos{5, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, ds := parseYAML("f.yaml", []byte(tt.src))
			if len(ds) > 0 {
				t.Fatalf("parseYAML(%q) reported %v", tt.src, ds)
			}
			n := valueOf(t, root, "x")
			if n.value != tt.value {
				t.Fatalf("value of x in %q = %q, want %q", tt.src, n.value, tt.value)
			}
			i := strings.Index(n.value, tt.needle)
			if i < 0 {
				t.Fatalf("%q not in %q", tt.needle, n.value)
			}
			off := utf8.RuneCountInString(n.value[:i])
			if got := n.posAt(off); got != tt.want {
				t.Errorf("posAt(%d) in %q = %v, want %v", off, tt.src, got, tt.want)
			}
		})
	}
}

// TestPlainStartTrailingSpace: goccy places a plain scalar that ends its
// line with spaces or tabs too far right; the converter puts it back.
func TestPlainStartTrailingSpace(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want Pos
	}{
		{"text", "x: abc   \n", Pos{1, 4}},
		{"text, tab and space", "x: abc\t \n", Pos{1, 4}},
		{"text, space and tab", "x: abc \t\n", Pos{1, 4}},
		{"text, tabs", "x: abc\t\t\n", Pos{1, 4}},
		{"text, spaces and tabs", "x: abc \t \n", Pos{1, 4}},
		{"text in a list", "- abc   \n- d\n", Pos{1, 3}},
		{"text whose words repeat", "x: ab ab  \n", Pos{1, 4}},
		{"one letter repeated", "x: a a a  \n", Pos{1, 4}},
		{"last item of a flow list", "x: [aa, a]  \n", Pos{1, 9}},
		{"spaces between tabs", "x: abc  \t  \n", Pos{1, 4}},
		{"tab only", "x: abc\t\n", Pos{1, 4}},
		{"key and value the same", "a: a  \n", Pos{1, 4}},
		{"text, CRLF", "x: abc   \r\ny: 1\r\n", Pos{1, 4}},
		{"number", "x: 12   \n", Pos{1, 4}},
		{"bool", "x: true  \n", Pos{1, 4}},
		{"multi-line text", "x: a b   \n  c\n", Pos{1, 4}},
		{"text on its own line", "x:\n  abc   \n  def\n", Pos{2, 3}},
		{"no trailing space", "x: abc\n", Pos{1, 4}},
		{"comment after spaces", "x: abc   # note\n", Pos{1, 4}},
		{"the value repeats the key", "abc: abc  \n", Pos{1, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, ds := parseYAML("f.yaml", []byte(tt.src))
			if len(ds) > 0 {
				t.Fatalf("parseYAML(%q) reported %v", tt.src, ds)
			}
			var n *node
			switch root.kind {
			case mapNode:
				n = root.vals[0]
			case seqNode:
				n = root.items[0]
			default:
				t.Fatalf("root of %q = %+v, want a map or a list", tt.src, root)
			}
			for n.kind == seqNode { // a flow list: its last item
				n = n.items[len(n.items)-1]
			}
			if n.pos != tt.want {
				t.Errorf("position of the value in %q = %v, want %v", tt.src, n.pos, tt.want)
			}
		})
	}
}

// TestUnknownFieldColumn: a misspelt field in a rule's when is reported at
// the exact line and column of the misspelt name, whatever the YAML style
// of the expression. The rule's when is on line 3, its value at column 11.
func TestUnknownFieldColumn(t *testing.T) {
	tests := []struct {
		name string
		when string // the YAML after "when: "
		want Pos
	}{
		{"plain", `agee < 30`, Pos{3, 11}},
		{"plain, after other text", `known(age) and agee < 30`, Pos{3, 26}},
		{"plain, text before it is not ASCII", `lower(pace) == "työ" or agee < 30`, Pos{3, 35}},
		{"plain, trailing spaces", "agee < 30   ", Pos{3, 11}},
		{"plain, second line", "known(age)\n      and agee < 30", Pos{4, 11}},
		{"plain, second line after trailing spaces", "known(age)  \n      and agee < 30", Pos{4, 11}},
		{"single-quoted, start", `'agee < 30'`, Pos{3, 12}},
		{"single-quoted", `'"work" in wants and agee < 30'`, Pos{3, 32}},
		{"single-quoted, '' escape", `'pace == ''part_time'' or agee < 30'`, Pos{3, 37}},
		{"single-quoted, second line", "'known(age)\n      and agee < 30'", Pos{4, 11}},
		{"double-quoted, start", `"agee < 30"`, Pos{3, 12}},
		{`double-quoted, \" escape`, `"\"work\" in wants and agee < 30"`, Pos{3, 34}},
		{`double-quoted, \u escape`, `"lower(pace) == \"\u00e4\" or agee < 30"`, Pos{3, 41}},
		{"double-quoted, escaped line break", "\"known(age) and \\\n      agee < 30\"", Pos{4, 7}},
		{"literal, first line", "|\n      agee < 30", Pos{4, 7}},
		{"literal, second line", "|\n      known(age)\n        and agee < 30", Pos{5, 13}},
		{"literal, strip", "|-\n      known(age) and\n      agee < 30", Pos{5, 7}},
		{"literal, blank line", "|\n      known(age)\n\n      and agee < 30", Pos{6, 11}},
		{"folded, first line", ">\n      agee < 30", Pos{4, 7}},
		{"folded, second line", ">\n      known(age)\n      and agee < 30", Pos{5, 11}},
		{"folded, blank line", ">\n      known(age)\n\n      and agee < 30", Pos{6, 11}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ds := Load(probeFS(t, tt.when))
			var found []Diagnostic
			for _, d := range ds {
				if d.Summary == `Unknown profile field "agee"` {
					found = append(found, d)
				} else if d.Severity == Error {
					t.Errorf("unexpected error: %v", d)
				}
			}
			if len(found) != 1 {
				t.Fatalf("Load with when: %s reported %d unknown-field errors, want 1:\n%v", tt.when, len(found), ds)
			}
			d := found[0]
			if d.Subject.File != "rules/probe.yaml" || d.Subject.Start != tt.want {
				t.Errorf("Load with when: %s reported the unknown field at %s:%v, want rules/probe.yaml:%v", tt.when, d.Subject.File, d.Subject.Start, tt.want)
			}
			// a one-line name is underlined exactly
			if e := d.Subject.End; e != (Pos{}) && e != (Pos{tt.want.Line, tt.want.Col + len("agee")}) {
				t.Errorf("Load with when: %s underlined up to %v, want %v", tt.when, e, Pos{tt.want.Line, tt.want.Col + len("agee")})
			}
		})
	}
}

// laughs is a "billion laughs" file: each line holds nine aliases of the
// line before it.
func laughs(levels int) string {
	var b strings.Builder
	b.WriteString("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n")
	for i := 1; i <= levels; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := range 9 {
			if j > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return b.String()
}

// TestParseYAMLOddInput: odd or hostile files give a node or a diagnostic
// with a position, never a panic.
func TestParseYAMLOddInput(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		wantDiag string // part of the only diagnostic's summary; "" for none
		wantLine int    // the diagnostic's line, when wantDiag is set
		check    func(t *testing.T, n *node)
	}{
		{"empty", "", "", 0, func(t *testing.T, n *node) {
			if n.kind != nullNode {
				t.Errorf("kind = %v, want nullNode", n.kind)
			}
		}},
		{"only a comment", "# nothing here yet\n# really\n", "", 0, func(t *testing.T, n *node) {
			if n.kind != nullNode {
				t.Errorf("kind = %v, want nullNode", n.kind)
			}
		}},
		{"only a document start", "---\n", "", 0, nil},
		{"only spaces and newlines", "  \n\n   \n", "", 0, nil},
		{"byte order mark", "\ufeffx: 1\n", "", 0, func(t *testing.T, n *node) {
			if n.kind != mapNode || len(n.keys) != 1 || n.keys[0].value != "x" {
				t.Errorf("root = %+v, want a map with key x", n)
			}
		}},
		{"two documents", "x: 1\n---\ny: 2\n", "More than one YAML document", 3, nil},
		{"anchor and alias", "a: &t {fi: yksi, en: one}\nb: *t\n", "", 0, func(t *testing.T, n *node) {
			b := valueOf(t, n, "b")
			if b.kind != mapNode || len(b.keys) != 2 || b.vals[0].value != "yksi" || b.vals[1].value != "one" {
				t.Errorf("b = %+v, want the map under &t", b)
			}
		}},
		{"alias of a scalar", "a: &s text\nb: [*s, *s]\n", "", 0, func(t *testing.T, n *node) {
			b := valueOf(t, n, "b")
			if b.kind != seqNode || len(b.items) != 2 || b.items[1].value != "text" {
				t.Errorf("b = %+v, want [text, text]", b)
			}
		}},
		{"alias used before its anchor", "b: *t\na: &t 1\n", "*t", 1, nil},
		{"alias inside its own anchor", "a: &s [1, *s]\n", "", 0, nil},
		{"billion laughs", laughs(9), "copy too much", 0, nil},
		{"merge key", "base: &b {fi: yksi}\nx:\n  <<: *b\n  en: one\n", "Merge keys", 3, nil},
		{"invalid UTF-8", "a: b\nc: d\xffe\n", "not valid UTF-8", 2, nil},
		{"invalid UTF-8 at the start", "\xc3(\n", "not valid UTF-8", 1, nil},
		{"ten thousand brackets", strings.Repeat("[", 10000), "nested too deeply", 1, nil},
		{"ten thousand closed brackets", "x: " + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "\n", "nested too deeply", 1, nil},
		{"sixty brackets", "x: " + strings.Repeat("[", 60) + strings.Repeat("]", 60) + "\n", "", 0, func(t *testing.T, n *node) {
			if x := valueOf(t, n, "x"); x.kind != seqNode {
				t.Errorf("x = %+v, want a list", x)
			}
		}},
		{"deep indentation", deepMaps(100), "nested too deeply", 0, nil},
		{"sixty levels of indentation", deepMaps(60), "", 0, func(t *testing.T, n *node) {
			if n.kind != mapNode {
				t.Errorf("root = %+v, want a map", n)
			}
		}},
		// Nesting that would hang goccy's parser for minutes or overflow
		// its stack (fatal, past any recover) is refused before parsing.
		{"many unclosed brackets", strings.Repeat("[", 200_000), "nested too deeply", 1, nil},
		{"many nested maps", strings.Repeat("{a: ", 300_000), "nested too deeply", 1, nil},
		{"many list entries on one line", strings.Repeat("- ", 200_000) + "x\n", "nested too deeply", 1, nil},
		{"many complex keys on one line", strings.Repeat("? ", 200_000) + "x\n", "nested too deeply", 1, nil},
		{"many keys on one line", strings.Repeat("a: ", 200_000) + "x\n", "nested too deeply", 1, nil},
		{"many tags", "x: " + strings.Repeat("!t ", 200_000) + "x\n", "nested too deeply", 1, nil},
		{"nesting after a second document", "a: 1\n---\n" + strings.Repeat("[", 1000), "nested too deeply", 3, nil},
		{"tab-indented", "kinds:\n\t- id: ohjaamo\n", "tab", 2, nil},
		{"tab after a key", "kinds:\n  - id: ohjaamo\n\tname: x\n", "", 3, nil},
		{"NUL byte", "x: a\x00b\n", "", 0, nil},
		{"unclosed quote", "x: 'abc\n", "", 0, nil},
		{"key without value", "x:\n", "", 0, func(t *testing.T, n *node) {
			if v := valueOf(t, n, "x"); v.kind != nullNode {
				t.Errorf("x = %+v, want nothing", v)
			}
		}},
		{"complex key", "? [a, b]\n: c\n", "", 2, nil},
		{"tags", "x: !!str 12\ny: !custom z\n", "", 0, func(t *testing.T, n *node) {
			if x := valueOf(t, n, "x"); x.tag != "str" || x.value != "12" {
				t.Errorf("x = %+v, want the text 12", x)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ds := parseYAML("f.yaml", []byte(tt.src))
			if n == nil && len(ds) == 0 {
				t.Fatalf("parseYAML returned neither a node nor a diagnostic")
			}
			for _, d := range ds {
				if d.Subject.File != "f.yaml" || d.Subject.Start.Line < 1 || d.Subject.Start.Col < 1 {
					t.Errorf("diagnostic without a position: %v", d)
				}
				if strings.Contains(d.Summary, "internal error") {
					t.Errorf("internal error: %v", d)
				}
			}
			switch {
			case tt.wantDiag != "":
				if len(ds) != 1 || !strings.Contains(ds[0].Summary, tt.wantDiag) {
					t.Fatalf("parseYAML(%.40q) = %v, want one diagnostic about %q", tt.src, ds, tt.wantDiag)
				}
				if tt.wantLine > 0 && ds[0].Subject.Start.Line != tt.wantLine {
					t.Errorf("parseYAML(%.40q) reported line %d, want %d", tt.src, ds[0].Subject.Start.Line, tt.wantLine)
				}
			case tt.wantLine > 0:
				// the YAML library's own message; only its place matters
				if len(ds) == 0 || ds[0].Subject.Start.Line != tt.wantLine {
					t.Errorf("parseYAML(%.40q) = %v, want a diagnostic on line %d", tt.src, ds, tt.wantLine)
				}
			case tt.check != nil:
				if len(ds) > 0 {
					t.Fatalf("parseYAML(%.40q) reported %v", tt.src, ds)
				}
				tt.check(t, n)
			}
		})
	}
}

// deepMaps nests maps by indentation, levels deep.
func deepMaps(levels int) string {
	var b strings.Builder
	for i := range levels {
		fmt.Fprintf(&b, "%sa:\n", strings.Repeat("  ", i))
	}
	fmt.Fprintf(&b, "%sa: 1\n", strings.Repeat("  ", levels))
	return b.String()
}
