package content

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// The loader works on its own small tree rather than on goccy's AST: staff
// content needs only maps, lists and scalars, each with the position the
// diagnostics point at, and keeping the YAML library behind this file means
// it can be swapped without touching the checks.

type nodeKind int

const (
	scalarNode nodeKind = iota
	mapNode
	seqNode
	nullNode
)

// scalar styles, for mapping positions inside expressions back to the file
const (
	plainStyle  = 0
	singleStyle = '\''
	doubleStyle = '"'
	literal     = '|'
	folded      = '>'
)

type node struct {
	kind  nodeKind
	tag   string // scalars: str, int, float or bool
	value string
	style byte
	pos   Pos
	keys  []*node // mapNode: keys[i] maps to vals[i]
	vals  []*node
	items []*node // seqNode
	src   *source
}

// source keeps a file's lines so positions inside scalars can be computed.
type source struct {
	file  string
	lines []string
}

func (n *node) describe() string {
	switch n.kind {
	case mapNode:
		return "a map of keys"
	case seqNode:
		return "a list"
	case nullNode:
		return "nothing"
	}
	switch n.tag {
	case "int", "float":
		return "the number " + n.value
	case "bool":
		return n.value
	}
	return fmt.Sprintf("the text %q", clip(n.value, 40))
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

// maxYAMLDepth bounds nesting: staff content is never deep, and a hostile
// file of ten thousand brackets must not exhaust the stack.
const maxYAMLDepth = 64

// parseYAML parses one file. A syntax error stops that file (YAML cannot be
// read past it reliably) and is returned as a diagnostic.
func parseYAML(file string, src []byte) (*node, Diagnostics) {
	s := &source{file: file, lines: strings.Split(string(src), "\n")}
	if !utf8.Valid(src) {
		line, col := invalidUTF8At(src)
		return nil, Diagnostics{{Severity: Error, Summary: "The file is not valid UTF-8 text",
			Detail:  "Save the file as UTF-8 (most editors have this under \"Save with encoding\").",
			Subject: Range{File: file, Start: Pos{line, col}}}}
	}
	f, err := parseBytes(src)
	if err != nil {
		return nil, Diagnostics{syntaxDiag(file, err)}
	}
	var docs []*ast.DocumentNode
	for _, d := range f.Docs {
		if d != nil && d.Body != nil {
			if _, ok := d.Body.(*ast.CommentGroupNode); ok {
				continue
			}
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return &node{kind: nullNode, pos: Pos{1, 1}, src: s}, nil
	}
	var ds Diagnostics
	if len(docs) > 1 {
		p := tokenPos(docs[1].GetToken())
		ds = append(ds, Diagnostic{Severity: Error, Summary: "More than one YAML document in one file",
			Detail:  "A line with only --- starts a new document. Remove it, or move the second part into a file of its own.",
			Subject: Range{File: file, Start: p}})
	}
	c := converter{src: s, anchors: map[string]ast.Node{}}
	n := c.convert(docs[0].Body, 0)
	return n, append(ds, c.diags...)
}

// parseBytes guards against panics inside the YAML library: a crash on odd
// input must become a diagnostic, not take the bot down during a reload.
func parseBytes(src []byte) (f *ast.File, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("the YAML reader could not read this file (%v)", r)
		}
	}()
	return parser.ParseBytes(src, 0, parser.AllowDuplicateMapKey())
}

func invalidUTF8At(src []byte) (line, col int) {
	line, col = 1, 1
	for len(src) > 0 {
		r, size := utf8.DecodeRune(src)
		if r == utf8.RuneError && size <= 1 {
			return line, col
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
		src = src[size:]
	}
	return line, col
}

func tokenPos(t *token.Token) Pos {
	if t == nil {
		return Pos{1, 1}
	}
	p := Pos{t.Position.Line, t.Position.Column}
	if p.Line < 1 {
		p.Line = 1
	}
	if p.Col < 1 {
		p.Col = 1
	}
	return p
}

func syntaxDiag(file string, err error) Diagnostic {
	d := Diagnostic{Severity: Error, Summary: "The YAML cannot be read", Subject: Range{File: file, Start: Pos{1, 1}}}
	msg := err.Error()
	var se *yaml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Message
		d.Subject.Start = tokenPos(se.Token)
	} else if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	msg = strings.ReplaceAll(msg, "found character '\t' that cannot start any token", "a tab character where YAML expects a key or a value")
	d.Summary = "The YAML cannot be read: " + strings.TrimSuffix(msg, ".")
	d.Detail = syntaxHint(msg)
	return d
}

// syntaxHint turns the YAML library's messages into advice for someone who
// has never seen YAML before.
func syntaxHint(msg string) string {
	m := strings.ToLower(msg)
	switch {
	case strings.Contains(m, "tab"):
		return "YAML does not allow tab characters for indenting. Indent with spaces."
	case strings.Contains(m, "mapping value is not allowed"), strings.Contains(m, "mapping values are not allowed"):
		return "A colon followed by a space starts a new key. If the text itself contains \": \", put the whole text in quotes."
	case strings.Contains(m, "could not find end character"):
		return "A quote was opened but not closed. Add the closing quote at the end of the text."
	case strings.Contains(m, "value is not allowed in this context"), strings.Contains(m, "indent"):
		return "Check the indentation: keys of the same item must start in the same column, indented with spaces."
	case strings.Contains(m, "']'"), strings.Contains(m, "'}'"), strings.Contains(m, "must be specified"):
		return "A [ or { was opened but not closed. Close it on the same item, or write the list one item per line with \"- \"."
	}
	return "Compare this line with the lines around it: indentation with spaces, a space after every colon, and quotes around texts that contain a colon or #."
}

type converter struct {
	src     *source
	anchors map[string]ast.Node
	diags   Diagnostics
}

func (c *converter) errorf(p Pos, summary, detail string) {
	c.diags = append(c.diags, Diagnostic{Severity: Error, Summary: summary, Detail: detail, Subject: Range{File: c.src.file, Start: p}})
}

func (c *converter) convert(an ast.Node, depth int) *node {
	if an == nil {
		return &node{kind: nullNode, pos: Pos{1, 1}, src: c.src}
	}
	p := tokenPos(an.GetToken())
	if depth > maxYAMLDepth {
		c.errorf(p, "The YAML is nested too deeply", "Content files never need more than a few levels of indentation.")
		return &node{kind: nullNode, pos: p, src: c.src}
	}
	n := &node{pos: p, src: c.src}
	switch v := an.(type) {
	case *ast.MappingNode:
		n.kind = mapNode
		if len(v.Values) > 0 {
			n.pos = keyPos(v.Values[0])
		}
		for _, mv := range v.Values {
			c.pair(n, mv, depth)
		}
	case *ast.MappingValueNode:
		n.kind = mapNode
		n.pos = keyPos(v)
		c.pair(n, v, depth)
	case *ast.SequenceNode:
		n.kind = seqNode
		for _, e := range v.Values {
			n.items = append(n.items, c.convert(e, depth+1))
		}
	case *ast.StringNode:
		n.kind, n.tag, n.value = scalarNode, "str", v.Value
		switch v.GetToken().Type {
		case token.SingleQuoteType:
			n.style = singleStyle
		case token.DoubleQuoteType:
			n.style = doubleStyle
		}
	case *ast.LiteralNode:
		n.kind, n.tag = scalarNode, "str"
		if v.Value != nil {
			n.value = v.Value.Value
		}
		n.style = literal
		if v.Start != nil && strings.HasPrefix(v.Start.Value, ">") {
			n.style = folded
		}
	case *ast.IntegerNode:
		n.kind, n.tag, n.value = scalarNode, "int", v.GetToken().Value
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		n.kind, n.tag, n.value = scalarNode, "float", an.GetToken().Value
	case *ast.BoolNode:
		n.kind, n.tag, n.value = scalarNode, "bool", fmt.Sprint(v.Value)
	case *ast.NullNode:
		n.kind = nullNode
	case *ast.TagNode:
		inner := c.convert(v.Value, depth+1)
		if v.Start != nil && v.Start.Value == "!!str" && inner.kind == scalarNode {
			inner.tag = "str"
		}
		return inner
	case *ast.AnchorNode:
		if v.Name != nil {
			c.anchors[v.Name.GetToken().Value] = v.Value
		}
		return c.convert(v.Value, depth+1)
	case *ast.AliasNode:
		name := ""
		if v.Value != nil {
			name = v.Value.GetToken().Value
		}
		target, ok := c.anchors[name]
		if !ok {
			c.errorf(p, fmt.Sprintf("Unknown alias *%s", name), "An alias (*name) must refer to an anchor (&name) written earlier in the same file.")
			return &node{kind: nullNode, pos: p, src: c.src}
		}
		out := c.convert(target, depth+1)
		return out
	case *ast.CommentGroupNode:
		n.kind = nullNode
	default:
		c.errorf(p, fmt.Sprintf("This YAML feature (%s) is not supported in Polku content", an.Type()),
			"Write plain keys, lists and texts.")
		n.kind = nullNode
	}
	return n
}

func keyPos(mv *ast.MappingValueNode) Pos {
	if mv.Key != nil {
		return tokenPos(mv.Key.GetToken())
	}
	return tokenPos(mv.GetToken())
}

func (c *converter) pair(n *node, mv *ast.MappingValueNode, depth int) {
	if _, ok := mv.Key.(*ast.MergeKeyNode); ok {
		c.errorf(keyPos(mv), "Merge keys (<<) are not supported in Polku content", "Write the keys out in full.")
		return
	}
	var k *node
	if mv.Key == nil {
		k = &node{kind: nullNode, pos: keyPos(mv), src: c.src}
	} else {
		k = c.convert(mv.Key, depth+1)
	}
	if k.kind != scalarNode {
		c.errorf(k.pos, "A key must be a plain word", "Keys are names like id, text or options, followed by a colon.")
		return
	}
	n.keys = append(n.keys, k)
	n.vals = append(n.vals, c.convert(mv.Value, depth+1))
}

// posAt maps an offset (in characters) inside a scalar's value to its
// position in the file, following YAML's quoting and line folding.
func (n *node) posAt(off int) Pos {
	if n.src == nil || n.kind != scalarNode || off <= 0 {
		return n.pos
	}
	lines := n.src.lines
	line := n.pos.Line
	if line < 1 || line > len(lines) {
		return n.pos
	}
	switch n.style {
	case literal, folded:
		line++
		indent := -1
		for l := line; l <= len(lines); l++ {
			if t := strings.TrimLeft(lines[l-1], " "); strings.TrimSpace(t) != "" {
				indent = len(lines[l-1]) - len(t)
				break
			}
		}
		if indent < 0 {
			return n.pos
		}
		k := 0
		for ; line <= len(lines); line++ {
			r := []rune(lines[line-1])
			i := indent
			if i > len(r) {
				i = len(r)
			}
			for ; i < len(r); i++ {
				if k == off {
					return Pos{line, i + 1}
				}
				k++
			}
			if k == off {
				return Pos{line, i + 1}
			}
			k++ // the line break (a newline in |, a space in >)
		}
		return n.pos
	}
	r := []rune(strings.TrimRight(lines[line-1], "\r"))
	i := n.pos.Col - 1
	if n.style != plainStyle {
		i++
	}
	for k := 0; k < off; k++ {
		if i >= len(r) {
			// a folded line break inside a plain or quoted scalar is one space
			if line >= len(lines) {
				break
			}
			line++
			r = []rune(strings.TrimRight(lines[line-1], "\r"))
			i = utf8.RuneCountInString(string(r)) - utf8.RuneCountInString(strings.TrimLeft(string(r), " \t"))
			continue
		}
		switch {
		case n.style == singleStyle && r[i] == '\'' && i+1 < len(r) && r[i+1] == '\'':
			i += 2
		case n.style == doubleStyle && r[i] == '\\' && i+1 < len(r):
			switch r[i+1] {
			case 'x':
				i += 4
			case 'u':
				i += 6
			case 'U':
				i += 10
			default:
				i += 2
			}
		default:
			i++
		}
	}
	return Pos{line, i + 1}
}

// end is the position just past a single-line scalar, for underlining it.
func (n *node) end() Pos {
	if n.kind != scalarNode || n.style == literal || n.style == folded {
		return Pos{}
	}
	p := n.posAt(utf8.RuneCountInString(n.value))
	if p.Line != n.pos.Line {
		return Pos{}
	}
	if n.style != plainStyle {
		p.Col++
	}
	return p
}

func (n *node) rng() Range {
	file := ""
	if n.src != nil {
		file = n.src.file
	}
	return Range{File: file, Start: n.pos, End: n.end()}
}
