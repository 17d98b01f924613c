package flowgraph

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Mermaid writes gs as one Mermaid flowchart, top to bottom, for pasting
// into GitHub or GitLab between a line ```mermaid and a line ```. Several
// flows each get a subgraph.
//
// Node ids are "f1_s3" and the like, never the steps' own ids, which could
// be Mermaid keywords ("end") or contain "-". Every text is quoted, with
// the characters Mermaid gives a meaning to written as entity codes
// (#quot; #35; …), which Mermaid turns back into the characters.
func Mermaid(w io.Writer, gs ...*Graph) error {
	var b strings.Builder
	b.WriteString("flowchart TD\n")
	several := len(gs) > 1
	classes := map[string][]string{}
	var greyLinks []string
	link := 0
	for i, g := range gs {
		prefix := fmt.Sprintf("f%d_", i+1)
		indent := "  "
		if several {
			fmt.Fprintf(&b, "  subgraph f%d[\"%s\"]\n", i+1, mermaidText(g.heading()))
			indent = "    "
		}
		for _, n := range g.Nodes {
			ls := g.lines(n)
			if n.Kind == Start && !several {
				ls = append(ls, line{kind: linePill, text: g.heading()})
			}
			open, close := `["`, `"]`
			class := "question"
			switch n.Kind {
			case Start:
				open, close, class = `(["`, `"])`, "start"
			case End:
				// not "end": a Mermaid keyword
				open, close, class = `(["`, `"])`, "finish"
			case Message:
				open, close, class = `("`, `")`, "message"
			}
			if n.Unreachable {
				class = "unreachable"
			}
			id := mermaidID(prefix + n.ID)
			classes[class] = append(classes[class], id)
			fmt.Fprintf(&b, "%s%s%s%s%s\n", indent, id, open, mermaidLines(ls), close)
		}
		for _, e := range g.Edges {
			arrow := "-->"
			if e.Unreachable {
				arrow = "-.->"
				greyLinks = append(greyLinks, strconv.Itoa(link))
			}
			if ls := g.edgeLines(e); len(ls) > 0 {
				arrow += `|"` + mermaidLines(ls) + `"|`
			}
			fmt.Fprintf(&b, "%s%s %s %s\n", indent, mermaidID(prefix+e.From.ID), arrow, mermaidID(prefix+e.To.ID))
			link++
		}
		if several {
			b.WriteString("  end\n")
		}
	}
	for _, c := range []struct{ name, style string }{
		{"start", "fill:" + startFill + ",stroke:" + startFill + ",color:#ffffff"},
		{"finish", "fill:" + endFill + ",stroke:" + endFill + ",color:#ffffff"},
		{"question", "fill:" + questionFill + ",stroke:" + questionStroke + ",color:" + inkColour},
		{"message", "fill:" + messageFill + ",stroke:" + messageStroke + ",color:" + inkColour},
		{"unreachable", "fill:" + greyFill + ",stroke:" + greyStroke + ",color:#666666,stroke-dasharray:6 4"},
	} {
		if ids := classes[c.name]; len(ids) > 0 {
			fmt.Fprintf(&b, "  classDef %s %s\n", c.name, c.style)
			fmt.Fprintf(&b, "  class %s %s\n", strings.Join(ids, ","), c.name)
		}
	}
	if len(greyLinks) > 0 {
		fmt.Fprintf(&b, "  linkStyle %s stroke:%s\n", strings.Join(greyLinks, ","), greyEdge)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// mermaidID keeps a node id to letters, digits and _, which is all Build
// makes, for a Graph made some other way.
func mermaidID(id string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, id)
}

// mermaidLines joins lines with Mermaid's line break.
func mermaidLines(ls []line) string {
	parts := make([]string, len(ls))
	for i, l := range ls {
		parts[i] = mermaidText(l.plain())
	}
	return strings.Join(parts, "<br>")
}

// Inside a quoted label Mermaid ends the text at `"`, reads #…; as an
// entity, and passes <…> and & on as HTML; | ends an edge label, a
// backtick starts Markdown. Each is written as an entity code instead.
var mermaidEscaper = strings.NewReplacer(
	`"`, "#quot;",
	"#", "#35;",
	"&", "#38;",
	"<", "#60;",
	">", "#62;",
	"|", "#124;",
	"`", "#96;",
	"%", "#37;",
	"\n", " ",
)

// mermaidText escapes s for a quoted Mermaid label.
func mermaidText(s string) string {
	s = mermaidEscaper.Replace(clean(s))
	// Mermaid trims the last character of any line where "style" or
	// "classDef" is followed by ":", "#" and ";" (to read colours), which
	// would break the last entity code; an entity for the first letter
	// hides the word from it.
	s = strings.ReplaceAll(s, "style", "#115;tyle")
	return strings.ReplaceAll(s, "classDef", "#99;lassDef")
}
