package content

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
	yaml3 "go.yaml.in/yaml/v3"
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
	// trailing describes the lines that end in spaces, for plainStart.
	trailing map[int]*lineInfo
}

type lineInfo struct {
	runes []rune
	end   int // the index past the last character that is not a space or tab
	shift int // the spaces among the white space at the end, which goccy counts before the scalar
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

// maxAliasNodes bounds what aliases may copy. Without aliases a file's size
// bounds its nodes, but aliases of aliases multiply: nine lines of nine
// aliases each ("billion laughs") would build 9⁹ nodes and hang a reload.
const maxAliasNodes = 100_000

// parseYAML parses one file. A syntax error stops that file (YAML cannot be
// read past it reliably) and is returned as a diagnostic.
//
// Two readers share the work. go.yaml.in/yaml/v3 is the fast one: it reads
// a clean file in about half the time, and a reload parses the whole
// catalogue. goccy/go-yaml is the careful one: its tokens carry the line and
// column of every syntax error, where yaml.v3 names only a line, so every
// file the fast reader does not take cleanly — a syntax error, an anchor,
// a tag, a second document, a problem the converter would report — is read
// again by goccy, which gives the diagnostics exactly as before. A test
// checks that both readers build the same tree for every file the fast one
// takes (TestFastReaderAgrees, FuzzFastReaderAgrees).
func parseYAML(file string, src []byte) (*node, Diagnostics) {
	// Some editors (Windows Notepad) start UTF-8 files with a byte order
	// mark; YAML allows it, but goccy would read it as part of the first key.
	src = bytes.TrimPrefix(src, []byte("\ufeff"))
	s := &source{file: file, lines: strings.Split(string(src), "\n")}
	if !utf8.Valid(src) {
		line, col := invalidUTF8At(src)
		return nil, Diagnostics{{Severity: Error, Summary: "The file is not valid UTF-8 text",
			Detail:  "Save the file as UTF-8 (most editors have this under \"Save with encoding\").",
			Subject: Range{File: file, Start: Pos{line, col}}}}
	}
	if n := parseFast(s, src); n != nil {
		return n, nil
	}
	return parseCareful(s, src)
}

// parseCareful reads a file with goccy/go-yaml, for the diagnostics.
func parseCareful(s *source, src []byte) (*node, Diagnostics) {
	file := s.file
	f, deep, err := parseBytes(src)
	if deep != nil {
		return nil, Diagnostics{{Severity: Error, Summary: "The YAML is nested too deeply",
			Detail:  "Content files never need more than a few levels of indentation.",
			Subject: Range{File: file, Start: tokenPos(deep)}}}
	}
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

// parseFast reads a clean file with yaml.v3, or returns nil when the file
// needs the careful reader: anything that is not plain maps, lists and
// scalars in one document, nested at most maxYAMLDepth deep.
func parseFast(s *source, src []byte) (n *node) {
	defer func() {
		if recover() != nil {
			n = nil
		}
	}()
	// text the two readers read differently, found before parsing: a bare
	// tag, a lone carriage return, a line of only spaces or tabs (goccy
	// folds it into a text of several lines differently, and reads some as
	// an error)
	if hasTag(src) || loneCR(src) || blankWithSpaces(src) {
		return nil
	}
	// A Decoder, not Unmarshal: Unmarshal stops after the first document
	// without reading on, so text after a list or a flow map at the top
	// ("- a\nb") would pass unread. The second Decode must meet the end.
	dec := yaml3.NewDecoder(bytes.NewReader(src))
	var doc yaml3.Node
	if err := dec.Decode(&doc); err != nil || len(doc.Content) != 1 {
		return nil
	}
	var more yaml3.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return nil // a second document, or an error after the first
	}
	body := doc.Content[0]
	if body.Kind == yaml3.ScalarNode && body.Tag == "!!null" && body.Value == "" {
		return nil // an empty document
	}
	c := fastConverter{src: s, lastLineEnds: bytes.HasSuffix(src, []byte("\n"))}
	n = c.convert(body, 0)
	if c.refused {
		return nil
	}
	return n
}

// loneCR reports a carriage return that does not end a Windows line:
// yaml.v3 counts it as a line break, the loader's lines do not.
func loneCR(src []byte) bool {
	for i := bytes.IndexByte(src, '\r'); i >= 0; {
		if i+1 >= len(src) || src[i+1] != '\n' {
			return true
		}
		j := bytes.IndexByte(src[i+1:], '\r')
		if j < 0 {
			return false
		}
		i += 1 + j
	}
	return false
}

// blankWithSpaces reports a line of only spaces and tabs.
func blankWithSpaces(src []byte) bool {
	for line := range bytes.SplitSeq(src, []byte("\n")) {
		if len(line) > 0 && len(bytes.Trim(line, " \t\r")) == 0 && !bytes.Equal(line, []byte("\r")) {
			return true
		}
	}
	return false
}

// plainInt reports an integer written the common ways: digits (with _),
// or 0x, 0o, 0b and digits, with an optional sign.
func plainInt(v string) bool {
	v = strings.TrimLeft(v, "+-")
	digits := "0123456789_"
	for _, p := range []struct{ prefix, digits string }{{"0x", "0123456789abcdefABCDEF_"}, {"0o", "01234567_"}, {"0b", "01_"}} {
		if strings.HasPrefix(v, p.prefix) {
			v, digits = v[2:], p.digits
			break
		}
	}
	return v != "" && strings.Trim(v, digits) == ""
}

// hasTag reports a "!" that may start a tag: yaml.v3 marks most tags on
// the node, but not the bare "!", which changes how a value is read. A tag
// can only come first in a node: at the start of a line or after an
// indicator (": ", "- ", "[", "{", ",", "? "). The "!=" inside a condition
// follows a word, and an exclamation mark that only looks like a tag sends
// the file to the careful reader, which reads it right.
func hasTag(src []byte) bool {
	for i, k := 0, 0; ; i++ {
		if k = bytes.IndexByte(src[i:], '!'); k < 0 {
			return false
		}
		i += k
		j := i - 1
		for j >= 0 && (src[j] == ' ' || src[j] == '\t') {
			j--
		}
		if j < 0 || bytes.IndexByte([]byte("\r\n:-[{,?"), src[j]) >= 0 {
			return true
		}
	}
}

// plainBlockHeader reports a | or > header the careful reader takes too:
// the indicator, chomping and indentation, then nothing or a comment.
func (s *source) plainBlockHeader(p Pos) bool {
	if p.Line > len(s.lines) {
		return false
	}
	col, rest := 1, ""
	for i := range s.lines[p.Line-1] {
		if col == p.Col {
			rest = s.lines[p.Line-1][i:]
			break
		}
		col++
	}
	if rest == "" || (rest[0] != '|' && rest[0] != '>') {
		return false
	}
	rest = strings.TrimLeft(rest[1:], "+-123456789")
	t := strings.TrimLeft(rest, " \t")
	return t == "" || t == "\r" || (t[0] == '#' && len(t) < len(rest))
}

// continues reports whether a plain text starting at p goes on past the
// end of its line: its value is longer than what the line holds from p.
func (s *source) continues(p Pos, value string) bool {
	// folding turns a line break into a space or a \n: a word alone
	// (every key) is on one line
	if p.Line > len(s.lines) || !strings.ContainsAny(value, " \n") {
		return false
	}
	if line := s.lines[p.Line-1]; len(line) >= len(value) && strings.HasSuffix(strings.TrimRight(line, " \t\r"), value) {
		return false // the value ends its line, as most do
	}
	col, rest := 1, 0
	for range s.lines[p.Line-1] {
		if col >= p.Col {
			rest++
		}
		col++
	}
	return utf8.RuneCountInString(value) > rest
}

// closesOnItsLine reports whether the [ or { at p is closed on the same
// line, reading quoted texts as such.
func (s *source) closesOnItsLine(p Pos) bool {
	if p.Line > len(s.lines) {
		return false
	}
	depth, col := 0, 1
	var quote, prev rune // prev: the last character before r that is not a space
	for _, r := range s.lines[p.Line-1] {
		if col++; col <= p.Col {
			continue
		}
		switch {
		case quote != 0:
			if r == quote {
				quote = 0 // '' and \" inside are read as closing and opening again
			}
		case (r == '\'' || r == '"') && strings.ContainsRune("{[,:", prev):
			// a quote opens a text only where a value starts: "I'd" is plain
			quote = r
		case r == '[' || r == '{':
			depth++
		case r == ']' || r == '}':
			if depth--; depth == 0 {
				return true
			}
		}
		if r != ' ' && r != '\t' {
			prev = r
		}
	}
	return false
}

// explicitKey reports a key written after "?", which the careful reader
// refuses with a message of its own. Only the text before the key is
// looked at: indentation and "- ", a few characters.
func (s *source) explicitKey(p Pos) bool {
	if p.Line > len(s.lines) {
		return false
	}
	last, col := ' ', 1
	for _, r := range s.lines[p.Line-1] {
		if col >= p.Col {
			break
		}
		if r != ' ' && r != '\t' {
			last = r
		}
		col++
	}
	return last == '?'
}

// fastConverter builds the loader's tree from yaml.v3's, refusing what
// the careful reader has to see.
type fastConverter struct {
	src     *source
	refused bool
	// inFlow counts the [lists] and {maps} the node is in
	inFlow int
	// lastLineEnds is set when the file ends with a line break: goccy
	// drops white space at the end of a block that ends the file without one
	lastLineEnds bool
}

func (c *fastConverter) convert(y *yaml3.Node, depth int) *node {
	if c.refused || depth > maxYAMLDepth || y.Anchor != "" || y.Style&yaml3.TaggedStyle != 0 {
		c.refused = true
		return nil
	}
	n := &node{pos: Pos{max(y.Line, 1), max(y.Column, 1)}, src: c.src}
	if y.Style&yaml3.FlowStyle != 0 && !c.src.closesOnItsLine(n.pos) {
		// a [list] or {map} over several lines: goccy refuses some that
		// yaml.v3 takes (a line not indented under its key)
		c.refused = true
		return nil
	}
	if y.Style&yaml3.FlowStyle != 0 {
		c.inFlow++
		defer func() { c.inFlow-- }()
	}
	switch y.Kind {
	case yaml3.MappingNode:
		n.kind = mapNode
		if len(y.Content)%2 != 0 {
			c.refused = true
			return nil
		}
		n.keys = make([]*node, 0, len(y.Content)/2)
		n.vals = make([]*node, 0, len(y.Content)/2)
		for i := 0; i < len(y.Content); i += 2 {
			k := c.convert(y.Content[i], depth+1)
			// keys are plain words; a colon in one ("{00:: 0}") is read
			// differently by the two
			if c.refused || k.kind != scalarNode || y.Content[i].Tag == "!!merge" || c.src.explicitKey(k.pos) ||
				k.style == plainStyle && strings.ContainsRune(k.value, ':') {
				c.refused = true
				return nil
			}
			if i == 0 {
				n.pos = k.pos
			}
			n.keys = append(n.keys, k)
			n.vals = append(n.vals, c.convert(y.Content[i+1], depth+1))
		}
	case yaml3.SequenceNode:
		n.kind = seqNode
		n.items = make([]*node, 0, len(y.Content))
		for _, e := range y.Content {
			n.items = append(n.items, c.convert(e, depth+1))
		}
	case yaml3.ScalarNode:
		n.kind, n.value = scalarNode, y.Value
		switch y.Tag {
		case "!!str", "!!timestamp", "!!binary":
			n.tag = "str"
		case "!!int":
			// yaml.v3 also reads 0X1F as a number, goccy as a text
			if !plainInt(y.Value) {
				c.refused = true
				return nil
			}
			n.tag = "int"
		case "!!float":
			// goccy reads 1e3 as a text; the files never need it
			if !strings.Contains(y.Value, ".") {
				c.refused = true
				return nil
			}
			n.tag = "float"
		case "!!bool":
			n.tag, n.value = "bool", strings.ToLower(y.Value)
		case "!!null":
			// where an empty value is differs between the readers by a
			// column; the careful reader's is the one the diagnostics use
			if y.Value == "" {
				c.refused = true
				return nil
			}
			n.kind, n.value = nullNode, ""
		default:
			c.refused = true
			return nil
		}
		if y.Style&(yaml3.DoubleQuotedStyle|yaml3.SingleQuotedStyle|yaml3.LiteralStyle|yaml3.FoldedStyle) == 0 &&
			c.src.continues(Pos{max(y.Line, 1), max(y.Column, 1)}, y.Value) {
			// a plain text over several lines: goccy folds some of them
			// differently (a later "#", a line of only "-"); content
			// writes long texts on one line or with | and >
			c.refused = true
			return nil
		}
		if c.inFlow > 0 && y.Style&(yaml3.DoubleQuotedStyle|yaml3.SingleQuotedStyle) == 0 && strings.Contains(y.Value, ":") &&
			(strings.HasSuffix(y.Value, ":") || !strings.ContainsAny(y.Value, " \t")) {
			// "[0:]", "[0:0]": a colon in a plain word inside brackets is
			// read differently by the two
			c.refused = true
			return nil
		}
		switch {
		case y.Style&yaml3.DoubleQuotedStyle != 0:
			n.style = doubleStyle
		case y.Style&yaml3.SingleQuotedStyle != 0:
			n.style = singleStyle
		case y.Style&yaml3.LiteralStyle != 0:
			n.style = literal
		case y.Style&yaml3.FoldedStyle != 0:
			n.style = folded
		}
		// an empty block is read differently by the two (at the end of a
		// file goccy keeps a line break); the careful reader decides
		if (n.style == literal || n.style == folded) && (!c.lastLineEnds || strings.Trim(n.value, "\n") == "" || !c.src.plainBlockHeader(n.pos)) {
			c.refused = true
			return nil
		}
	default: // aliases (their anchors are refused above) and documents
		c.refused = true
		return nil
	}
	if c.refused {
		return nil
	}
	return n
}

// parseBytes guards against panics inside the YAML library: a crash on odd
// input must become a diagnostic, not take the bot down during a reload.
// It returns the token where the file is nested too deeply, if it is.
func parseBytes(src []byte) (f *ast.File, deep *token.Token, err error) {
	defer func() {
		if r := recover(); r != nil {
			f, deep, err = nil, nil, fmt.Errorf("the YAML reader could not read this file (%v)", r)
		}
	}()
	tokens := lexer.Tokenize(string(src))
	if deep = nestedTooDeep(tokens); deep != nil {
		return nil, deep, nil
	}
	f, err = parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
	return f, nil, err
}

// nestedTooDeep returns the first token nested deeper than maxYAMLDepth, or
// nil. goccy's parser recurses once per level, so a few megabytes of "{a: "
// overflow the stack (a fatal error, which recover cannot catch), and it
// slows down faster than the depth grows ("- - - …" a hundred thousand
// times takes a minute): such a file must never reach it. The lexer is
// linear and its tokens are what the parser will see. Brackets count
// exactly; block levels count by the columns of -, ? and keys (a list
// written at its key's column is missed, so this counts at most the real
// depth); a run of tags and anchors counts as levels too.
func nestedTooDeep(tokens token.Tokens) *token.Token {
	flow, run := 0, 0
	var block []int // columns of the open block levels
	for i, tk := range tokens {
		if tk.Type == token.TagType || tk.Type == token.AnchorType {
			run++
		} else if tk.Type != token.CommentType {
			run = 0
		}
		switch tk.Type {
		case token.DocumentHeaderType:
			flow, block = 0, block[:0]
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow = max(flow-1, 0)
		case token.SequenceEntryType, token.MappingKeyType, token.MappingValueType:
			if flow > 0 {
				break
			}
			at := tk
			if tk.Type == token.MappingValueType {
				if i == 0 {
					break
				}
				at = tokens[i-1] // the key
			}
			col := at.Position.Column
			for len(block) > 0 && block[len(block)-1] > col {
				block = block[:len(block)-1]
			}
			if len(block) == 0 || block[len(block)-1] < col {
				block = append(block, col)
			}
		}
		if flow+len(block)+run > maxYAMLDepth {
			return tk
		}
	}
	return nil
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
	// inAlias counts the aliases being expanded, copied the nodes built
	// for them.
	inAlias, copied int
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
	if c.inAlias > 0 {
		if c.copied++; c.copied > maxAliasNodes {
			return &node{kind: nullNode, pos: p, src: c.src}
		}
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
		default:
			n.pos = c.src.plainStart(p, v.GetToken().Value)
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
		n.pos = c.src.plainStart(p, n.value)
	case *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		n.kind, n.tag, n.value = scalarNode, "float", an.GetToken().Value
		n.pos = c.src.plainStart(p, n.value)
	case *ast.BoolNode:
		n.kind, n.tag, n.value = scalarNode, "bool", fmt.Sprint(v.Value)
		n.pos = c.src.plainStart(p, v.GetToken().Value)
	case *ast.NullNode:
		n.kind = nullNode
		n.pos = c.src.plainStart(p, v.GetToken().Value)
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
		if c.copied > maxAliasNodes {
			return &node{kind: nullNode, pos: p, src: c.src}
		}
		c.inAlias++
		out := c.convert(target, depth+1)
		c.inAlias--
		if c.copied > maxAliasNodes && c.inAlias == 0 {
			c.errorf(p, "The aliases in this file copy too much",
				"An alias (*name) copies everything under its anchor (&name), and aliases of aliases multiply. Write the content out instead.")
		}
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

// plainStart corrects the start of a plain scalar (tok is its text as
// goccy read it, lines folded). goccy counts the spaces (not the tabs) in
// the white space that ends the line of a plain scalar as if they came
// before it, so "kind: ohjaamoo   " would put every caret three columns to
// the right of the value. Only the scalar that ends its line is affected:
// it is moved back when its text, so placed, runs exactly to the line's
// end. The work is bounded by tok's length, so a long line of many scalars
// stays linear.
func (s *source) plainStart(p Pos, tok string) Pos {
	if p.Line > len(s.lines) || tok == "" {
		return p
	}
	text := strings.TrimSuffix(s.lines[p.Line-1], "\r")
	if text == "" || (text[len(text)-1] != ' ' && text[len(text)-1] != '\t') {
		return p // goccy's column is right
	}
	li := s.trailing[p.Line]
	if li == nil {
		trimmed := strings.TrimRight(text, " \t")
		li = &lineInfo{runes: []rune(text)}
		// the shift is the spaces at the end; tabs there do not count
		li.shift = strings.Count(text[len(trimmed):], " ")
		li.end = len(li.runes) - (len(text) - len(trimmed))
		if s.trailing == nil {
			s.trailing = map[int]*lineInfo{}
		}
		s.trailing[p.Line] = li
	}
	start := p.Col - 1 - li.shift
	if start < 0 || start >= li.end || li.end-start > utf8.RuneCountInString(tok) {
		return p
	}
	first := string(li.runes[start:li.end]) // the scalar's first line, if it starts there
	if first == tok || (strings.HasPrefix(tok, first) && (tok[len(first)] == ' ' || tok[len(first)] == '\n')) {
		return Pos{p.Line, start + 1}
	}
	return p
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
		if depth+1 <= maxYAMLDepth { // else "nested too deeply" says it already
			c.errorf(k.pos, "A key must be a plain word", "Keys are names like id, text or options, followed by a colon.")
		}
		return
	}
	n.keys = append(n.keys, k)
	n.vals = append(n.vals, c.convert(mv.Value, depth+1))
}

// posAt maps an offset (in characters) inside a scalar's value to its
// position in the file, following YAML's quoting and line folding. Offset 0
// is the first character of the value: past an opening quote, on the first
// line of a | or > block.
func (n *node) posAt(off int) Pos {
	if n.src == nil || n.kind != scalarNode || off < 0 {
		return n.pos
	}
	lines := n.src.lines
	line := n.pos.Line
	if line < 1 || line > len(lines) {
		return n.pos
	}
	text := func(l int) []rune { return []rune(strings.TrimRight(lines[l-1], "\r")) }
	switch n.style {
	case literal, folded:
		return n.blockPosAt(off, text)
	}
	// r is the current line; white space from end on is not part of the
	// scalar when a line break follows.
	r := text(line)
	end := contentEnd(r)
	i := n.pos.Col - 1
	if n.style != plainStyle {
		i++
	}
	// nextLine moves to the start of the scalar's next line; white space
	// at the start of a line is not part of a plain or quoted scalar.
	nextLine := func() bool {
		if line >= len(lines) {
			return false
		}
		line++
		r = text(line)
		end = contentEnd(r)
		for i = 0; i < len(r) && (r[i] == ' ' || r[i] == '\t'); i++ {
		}
		return true
	}
	for k := 0; k < off; {
		switch {
		case n.style == doubleStyle && i == len(r)-1 && r[i] == '\\':
			// an escaped line break is no character at all
			if !nextLine() {
				return Pos{line, i + 1}
			}
		case i >= end:
			// A line break, with the white space around it, folds to one
			// space; followed by blank lines, to one \n per blank line.
			if !nextLine() {
				return Pos{line, i + 1}
			}
			blanks := 0
			for end == 0 && nextLine() {
				blanks++
			}
			k += max(1, blanks)
		case n.style == singleStyle && r[i] == '\'' && i+1 < len(r) && r[i+1] == '\'':
			i += 2
			k++
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
			k++
		default:
			i++
			k++
		}
	}
	// the character at off comes after an escaped line break
	for n.style == doubleStyle && i == len(r)-1 && r[i] == '\\' && nextLine() {
	}
	return Pos{line, i + 1}
}

// contentEnd is the index just past the last character of r that is not a
// space or tab.
func contentEnd(r []rune) int {
	end := len(r)
	for end > 0 && (r[end-1] == ' ' || r[end-1] == '\t') {
		end--
	}
	return end
}

// blockPosAt is posAt for | and > blocks, whose value starts on the line
// after the indicator.
func (n *node) blockPosAt(off int, text func(int) []rune) Pos {
	lines := n.src.lines
	isBlank := func(r []rune) bool { return strings.TrimSpace(string(r)) == "" }
	// The block's indentation is that of its first non-blank line, less
	// the spaces the value keeps at its start (set by an indentation
	// indicator such as |2).
	first := n.pos.Line + 1
	for first <= len(lines) && isBlank(text(first)) {
		first++
	}
	if first > len(lines) {
		return n.pos
	}
	r := text(first)
	indent := len(r) - len([]rune(strings.TrimLeft(string(r), " ")))
	v := strings.TrimLeft(n.value, "\n")
	indent -= len(v) - len(strings.TrimLeft(v, " "))
	if indent < 0 {
		return n.pos
	}
	moreIndented := func(r []rune) bool { return len(r) > indent && (r[indent] == ' ' || r[indent] == '\t') }
	k := 0
	for line := n.pos.Line + 1; line <= len(lines); {
		r := text(line)
		i := min(indent, len(r))
		for ; i < len(r); i++ {
			if k == off {
				return Pos{line, i + 1}
			}
			k++
		}
		if k == off {
			return Pos{line, i + 1}
		}
		if n.style != folded || isBlank(r) {
			k++ // the line break
			line++
			continue
		}
		// In a > block a line break between two lines of text is a
		// space, but followed by blank lines it is dropped and each blank
		// line is a \n; around more-indented lines every break is kept.
		next, blanks := line+1, 0
		for next <= len(lines) && isBlank(text(next)) {
			next++
			blanks++
		}
		if blanks > 0 && next <= len(lines) && !moreIndented(r) && !moreIndented(text(next)) {
			k += blanks
		} else {
			k += 1 + blanks
		}
		line = next
		if k > off && line <= len(lines) {
			return Pos{line, min(indent, len(text(line))) + 1}
		}
	}
	return n.pos
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
