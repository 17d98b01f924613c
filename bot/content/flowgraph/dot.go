package flowgraph

import (
	"fmt"
	"io"
	"strings"
)

// DOT writes gs as one Graphviz graph, for `dot -Tsvg` or `dot -Tpng`.
// Several flows each get a cluster.
func DOT(w io.Writer, gs ...*Graph) error {
	var b strings.Builder
	several := len(gs) > 1
	b.WriteString("digraph polku {\n")
	b.WriteString(`  graph [rankdir=TB, fontname="Verdana", fontsize=14, nodesep=0.35, ranksep=0.45, labelloc=t, labeljust=l`)
	if !several && len(gs) == 1 {
		fmt.Fprintf(&b, `, label="%s"`, dotText(gs[0].heading()))
	}
	b.WriteString("];\n")
	fmt.Fprintf(&b, "  node [shape=box, style=\"rounded,filled\", fillcolor=\"%s\", color=\"%s\", fontcolor=\"%s\", fontname=\"Verdana\", fontsize=11, margin=\"0.15,0.08\"];\n",
		questionFill, questionStroke, inkColour)
	fmt.Fprintf(&b, "  edge [color=\"%s\", fontcolor=\"%s\", fontname=\"Verdana\", fontsize=10];\n", edgeColour, softInk)
	for i, g := range gs {
		prefix := fmt.Sprintf("f%d_", i+1)
		indent := "  "
		if several {
			fmt.Fprintf(&b, "  subgraph cluster_f%d {\n    label=\"%s\";\n", i+1, dotText(g.heading()))
			indent = "    "
		}
		for _, n := range g.Nodes {
			ls := g.lines(n)
			var attrs string
			switch n.Kind {
			case Start, End:
				fill := startFill
				if n.Kind == End {
					fill = endFill
				}
				attrs = fmt.Sprintf(`label="%s", shape=oval, style=filled, fillcolor="%s", color="%s", fontcolor="#ffffff"`, dotLines(ls, `\n`), fill, fill)
			case Message:
				attrs = fmt.Sprintf(`label="%s", shape=note, style=filled, fillcolor="%s", color="%s"`, dotLines(ls, `\l`), messageFill, messageStroke)
			default:
				attrs = fmt.Sprintf(`label="%s"`, dotLines(ls, `\l`))
			}
			if n.Unreachable {
				style := `"rounded,filled,dashed"`
				if n.Kind == Message {
					style = `"filled,dashed"`
				}
				attrs += fmt.Sprintf(`, style=%s, fillcolor="%s", color="%s", fontcolor="#666666"`, style, greyFill, greyStroke)
			}
			fmt.Fprintf(&b, "%s\"%s\" [%s];\n", indent, dotText(prefix+n.ID), attrs)
		}
		for _, e := range g.Edges {
			var attrs []string
			if ls := g.edgeLines(e); len(ls) > 0 {
				attrs = append(attrs, fmt.Sprintf(`label="%s"`, dotLines(ls, `\n`)))
			}
			if e.Unreachable {
				attrs = append(attrs, `style=dashed`, fmt.Sprintf(`color="%s"`, greyEdge), `fontcolor="#666666"`)
			}
			fmt.Fprintf(&b, "%s\"%s\" -> \"%s\"", indent, dotText(prefix+e.From.ID), dotText(prefix+e.To.ID))
			if len(attrs) > 0 {
				fmt.Fprintf(&b, " [%s]", strings.Join(attrs, ", "))
			}
			b.WriteString(";\n")
		}
		if several {
			b.WriteString("  }\n")
		}
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// dotLines joins lines with a DOT line break: `\l` ends a left-aligned
// line, `\n` a centred one.
func dotLines(ls []line, brk string) string {
	var b strings.Builder
	for i, l := range ls {
		if i > 0 && brk == `\n` {
			b.WriteString(brk)
		}
		b.WriteString(dotText(l.plain()))
		if brk == `\l` {
			b.WriteString(brk)
		}
	}
	return b.String()
}

// In a quoted DOT string only `"` and `\` are special to the parser, but
// Graphviz then reads `\n`-style escapes and HTML entities (&amp;) in
// labels, so a backslash and an ampersand are escaped too.
var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "&", "&amp;", "\n", " ")

func dotText(s string) string { return dotEscaper.Replace(clean(s)) }
