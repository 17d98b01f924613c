package flowgraph

import "strings"

// Every format shows the same lines in a node and on an edge, wrapped the
// same way; only the SVG can also show their styles.

type lineKind int

const (
	lineHeader    lineKind = iota // the step's id and kind
	lineWarn                      // "unreachable"
	lineQuestion                  // the question's text
	lineMessage                   // a message's text
	lineOption                    // one option; its value in note
	lineInput                     // what the person types
	lineDecline                   // the automatic "I'd rather not say"
	lineRequired                  // why the question cannot be skipped
	linePill                      // the start or the end
	lineCondition                 // an if: expression on an edge
	lineOtherwise                 // "otherwise" on an edge
)

var fonts = [...]font{
	lineHeader:    {size: 11},
	lineWarn:      {size: 11, bold: true},
	lineQuestion:  {size: 13, bold: true},
	lineMessage:   {size: 13},
	lineOption:    {size: 12},
	lineInput:     {size: 12},
	lineDecline:   {size: 12},
	lineRequired:  {size: 12},
	linePill:      {size: 13, bold: true},
	lineCondition: {size: 11, mono: true},
	lineOtherwise: {size: 11},
}

// noteFont sets an option's value after its label.
var noteFont = font{size: 11}

// noteGap is the room between an option's label and its value, in px.
const noteGap = 6

type line struct {
	kind lineKind
	text string
	note string // an option's value, when it says more than the label
}

// width is the line's estimated width in px.
func (l line) width() int {
	w := textWidth(l.text, fonts[l.kind])
	if l.note != "" {
		w += noteGap + textWidth(l.note, noteFont)
	}
	return w
}

// plain is the line as one string, for formats without styles.
func (l line) plain() string {
	if l.note != "" {
		return l.text + " (" + l.note + ")"
	}
	return l.text
}

// Widths in px that texts wrap at, and how many lines each may take.
const (
	boxTextWidth   = 300
	labelTextWidth = 240
	maxTextLines   = 6
	maxLabelLines  = 4
)

// lines is what node n shows, in order.
func (g *Graph) lines(n *Node) []line {
	if n.Kind == Start || n.Kind == End {
		return []line{{kind: linePill, text: ellipsize(n.Text, fonts[linePill], boxTextWidth)}}
	}
	var ls []line
	add := func(k lineKind, s string, maxLines int) {
		for _, t := range wrap(s, fonts[k], boxTextWidth, maxLines) {
			ls = append(ls, line{kind: k, text: t})
		}
	}
	header := []string{n.Step, g.w.message}
	if n.Kind == Question {
		header[1] = g.w.question
		if n.Multi {
			header = append(header, g.w.several)
		}
		if n.Field != n.Step {
			header = append(header, "sets: "+n.Field)
		}
	}
	add(lineHeader, strings.Join(header, " · "), 2)
	if n.Unreachable {
		add(lineWarn, "⚠ "+g.w.unreachable, 1)
	}
	if n.Kind == Message {
		add(lineMessage, n.Text, maxTextLines+2)
		return ls
	}
	add(lineQuestion, n.Text, maxTextLines)
	for _, o := range n.Options {
		ls = append(ls, optionLine(o))
	}
	if n.Input != "" {
		add(lineInput, "✎ "+n.Input, 1)
	}
	if n.Decline != "" {
		add(lineDecline, "+ "+n.Decline, 1)
	}
	if n.Required != "" {
		add(lineRequired, "! "+g.w.required+": "+n.Required, 3)
	}
	return ls
}

// optionLine shows an option's label, and its value when that differs
// (if: expressions name values, people read labels), shortened to fit.
func optionLine(o Option) line {
	l := line{kind: lineOption, text: "• " + strings.ReplaceAll(o.Label, "\n", " ")}
	if !strings.EqualFold(strings.TrimSpace(o.Label), o.Value) {
		l.note = o.Value
	}
	if l.width() <= boxTextWidth {
		return l
	}
	if l.note != "" {
		// the value is short (an id); shorten the label first
		l.note = ellipsize(l.note, noteFont, boxTextWidth/3)
		l.text = ellipsize(l.text, fonts[lineOption], boxTextWidth-noteGap-textWidth(l.note, noteFont))
		return l
	}
	l.text = ellipsize(l.text, fonts[lineOption], boxTextWidth)
	return l
}

// edgeLines is what edge e's label shows.
func (g *Graph) edgeLines(e *Edge) []line {
	var ls []line
	for _, s := range e.Conditions {
		for _, t := range wrap(s, fonts[lineCondition], labelTextWidth, maxLabelLines) {
			ls = append(ls, line{kind: lineCondition, text: t})
		}
	}
	if e.Otherwise {
		ls = append(ls, line{kind: lineOtherwise, text: g.w.otherwise})
	}
	return ls
}
