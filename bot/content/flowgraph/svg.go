package flowgraph

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Colours and fonts of the SVG. Presentation attributes rather than CSS,
// so that every viewer (browsers, image previews, librsvg, Inkscape) draws
// the same.
const (
	fontFamily     = "Verdana, 'DejaVu Sans', 'Bitstream Vera Sans', sans-serif"
	monoFamily     = "Menlo, Consolas, 'DejaVu Sans Mono', monospace"
	inkColour      = "#1a202c"
	softInk        = "#4a5568"
	faintInk       = "#718096"
	greyInk        = "#8a8f98"
	warnInk        = "#9b2c2c"
	edgeColour     = "#4a5568"
	greyEdge       = "#a0a7b1"
	questionFill   = "#ffffff"
	questionStroke = "#4a5568"
	messageFill    = "#fff8dc"
	messageStroke  = "#b7950b"
	greyFill       = "#f2f2f2"
	greyStroke     = "#9a9a9a"
	startFill      = "#2b6cb0"
	endFill        = "#2f855a"
	dashes         = "6 4"
)

// SVG writes gs as one SVG picture, one flow under the other, laid out
// here: no Graphviz needed. Nodes are <g class="node …" data-id=…> with a
// <rect class="box">, edges <g class="edge" data-from=… data-to=…> with a
// <path class="line">, for whoever wants to read the picture back.
func SVG(w io.Writer, gs ...*Graph) error {
	var b strings.Builder
	var los []*layout
	width, y := 2*margin, 0
	for _, g := range gs {
		lo := newLayout(g, y)
		los = append(los, lo)
		width = max(width, lo.width, margin+textWidth(g.heading(), font{size: 16, bold: true})+margin)
		y = lo.bottom
	}
	legend := legendLines(gs)
	for _, l := range legend {
		width = max(width, margin+l.width()+margin)
	}
	legendTop := y
	if len(legend) > 0 {
		y += len(legend)*fonts[lineHeader].lineHeight() + margin
	}
	height := max(y, 2*margin)
	var titles []string
	for _, g := range gs {
		titles = append(titles, g.heading())
	}
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="%s" font-size="12">
<title>%s</title>
<rect class="background" x="0" y="0" width="%d" height="%d" fill="#ffffff"/>
`, width, height, width, height, fontFamily, xmlText(strings.Join(titles, "; ")), width, height)
	for i, lo := range los {
		lo.svg(&b, fmt.Sprintf("f%d_", i+1))
	}
	if len(legend) > 0 {
		b.WriteString("<g class=\"legend\">\n")
		for i, l := range legend {
			svgLine(&b, l, margin, legendTop+i*fonts[l.kind].lineHeight(), "start", false)
		}
		b.WriteString("</g>\n")
	}
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// legendLines explain what the drawings show that a first-time reader may
// not guess: only what is in them.
func legendLines(gs []*Graph) []line {
	var value, decline, unreachable bool
	for _, g := range gs {
		for _, n := range g.Nodes {
			for _, o := range n.Options {
				value = value || optionLine(o).note != ""
			}
			decline = decline || n.Decline != ""
			unreachable = unreachable || n.Unreachable
		}
	}
	if len(gs) == 0 {
		return nil
	}
	w := gs[0].w
	var ls []line
	for _, l := range []struct {
		show bool
		text string
	}{{value, w.legendValue}, {decline, w.legendDecline}, {unreachable, w.legendUnreachable}} {
		if l.show {
			ls = append(ls, line{kind: lineHeader, text: l.text})
		}
	}
	return ls
}

// heading is the flow's title and id, above its drawing.
func (g *Graph) heading() string {
	if g.Title == "" || g.Title == g.Flow {
		return g.Flow
	}
	return g.Title + " (" + g.Flow + ")"
}

func (lo *layout) svg(b *strings.Builder, prefix string) {
	g := lo.g
	top := lo.bandTop[0] - headingH
	fmt.Fprintf(b, "<g class=\"flow\" data-flow=\"%s\">\n", xmlText(g.Flow))
	fmt.Fprintf(b, "<text class=\"heading\" x=\"%d\" y=\"%d\" font-size=\"16\" font-weight=\"bold\" fill=\"%s\">%s</text>\n",
		margin, top+18, inkColour, xmlText(g.heading()))

	paths := lo.route()
	// Lines first, then labels on them, then boxes on top of everything.
	for i, le := range lo.edges {
		p := paths[i]
		colour, dash := edgeColour, ""
		if le.e.Unreachable {
			colour, dash = greyEdge, ` stroke-dasharray="`+dashes+`"`
		}
		fmt.Fprintf(b, "<g class=\"edge\" data-from=\"%s\" data-to=\"%s\">\n", xmlText(prefix+le.e.From.ID), xmlText(prefix+le.e.To.ID))
		fmt.Fprintf(b, "<path class=\"line\" d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\"%s/>\n", p.d(), colour, dash)
		fmt.Fprintf(b, "<path class=\"arrow\" d=\"%s\" fill=\"%s\"/>\n", p.arrow(), colour)
		if le.self && len(le.lines) > 0 {
			end := p.pts[len(p.pts)-1]
			for j, l := range le.lines {
				svgLine(b, l, end.x+loopBulge+4, end.y+4+j*fonts[l.kind].lineHeight(), "start", le.e.Unreachable)
			}
		}
		b.WriteString("</g>\n")
	}
	for _, le := range lo.edges {
		d := le.label
		if d == nil {
			continue
		}
		stroke := "#cbd5e0"
		if le.e.Unreachable {
			stroke = greyStroke
		}
		fmt.Fprintf(b, "<g class=\"label\" data-from=\"%s\" data-to=\"%s\">\n", xmlText(prefix+le.e.From.ID), xmlText(prefix+le.e.To.ID))
		fmt.Fprintf(b, "<rect class=\"label-box\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" fill=\"#ffffff\" stroke=\"%s\"/>\n", d.left(), d.y, d.w, d.h, stroke)
		ly := d.y + labelPadY
		for _, l := range d.lines {
			svgLine(b, l, d.x, ly, "middle", le.e.Unreachable)
			ly += fonts[l.kind].lineHeight()
		}
		b.WriteString("</g>\n")
	}
	for _, v := range lo.nodes {
		lo.svgNode(b, v, prefix)
	}
	b.WriteString("</g>\n")
}

func (lo *layout) svgNode(b *strings.Builder, v *lnode, prefix string) {
	n := v.n
	fill, stroke, rx, dash := questionFill, questionStroke, 6, ""
	switch n.Kind {
	case Message:
		fill, stroke, rx = messageFill, messageStroke, 14
	case Start:
		fill, stroke, rx = startFill, startFill, v.h/2
	case End:
		fill, stroke, rx = endFill, endFill, v.h/2
	}
	if n.Unreachable {
		fill, stroke, dash = greyFill, greyStroke, ` stroke-dasharray="`+dashes+`"`
	}
	class := n.Kind.String()
	if n.Unreachable {
		class += " unreachable"
	}
	fmt.Fprintf(b, "<g class=\"node %s\" data-id=\"%s\"", class, xmlText(prefix+n.ID))
	if n.Step != "" {
		fmt.Fprintf(b, " data-step=\"%s\"", xmlText(n.Step))
	}
	b.WriteString(">\n")
	if n.Kind == Question || n.Kind == Message {
		// The whole text on hover, for what the box had to shorten.
		fmt.Fprintf(b, "<title>%s</title>\n", xmlText(truncateRunes(n.Text, maxRunes)))
	}
	fmt.Fprintf(b, "<rect class=\"box\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"%d\" fill=\"%s\" stroke=\"%s\" stroke-width=\"1.5\"%s/>\n",
		v.left(), v.y, v.w, v.h, rx, fill, stroke, dash)
	if n.Kind == Start || n.Kind == End {
		l := v.lines[0]
		fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"%d\" font-weight=\"bold\" fill=\"#ffffff\">%s</text>\n",
			v.x, v.y+v.h/2+fonts[l.kind].size*35/100, fonts[l.kind].size, xmlText(l.text))
	} else {
		y := v.y + padY
		for _, l := range v.lines {
			svgLine(b, l, v.left()+padX, y, "start", n.Unreachable)
			y += fonts[l.kind].lineHeight()
		}
	}
	b.WriteString("</g>\n")
}

// svgLine writes one line of text whose line box starts at y.
func svgLine(b *strings.Builder, l line, x, y int, anchor string, grey bool) {
	f := fonts[l.kind]
	lh := f.lineHeight()
	baseline := y + lh - (lh-f.size)/2 - f.size/5
	colour := inkColour
	attrs := ""
	switch l.kind {
	case lineHeader:
		colour = faintInk
	case lineWarn, lineRequired:
		colour = warnInk
	case lineOption, lineInput:
		colour = softInk
	case lineDecline:
		colour, attrs = faintInk, ` font-style="italic"`
	case lineOtherwise:
		colour, attrs = softInk, ` font-style="italic"`
	case lineCondition:
		colour, attrs = softInk, ` font-family="`+monoFamily+`"`
	}
	if l.kind == lineInput {
		attrs += ` font-style="italic"`
	}
	if f.bold {
		attrs += ` font-weight="bold"`
	}
	if grey && l.kind != lineWarn {
		colour = greyInk
	}
	if anchor != "start" {
		attrs += ` text-anchor="` + anchor + `"`
	}
	fmt.Fprintf(b, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" fill=\"%s\"%s>%s", x, baseline, f.size, colour, attrs, xmlText(l.text))
	if l.note != "" {
		fmt.Fprintf(b, "<tspan dx=\"%d\" font-size=\"%d\" fill=\"%s\">%s</tspan>", noteGap, noteFont.size, "#a0aec0", xmlText(l.note))
	}
	b.WriteString("</text>\n")
}

// d is the path's SVG path data.
func (p path) d() string {
	var b strings.Builder
	pt := func(cmd string, q point) {
		b.WriteString(cmd)
		b.WriteString(strconv.Itoa(q.x))
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(q.y))
	}
	if p.self {
		a, z := p.pts[0], p.pts[1]
		pt("M", a)
		fmt.Fprintf(&b, " C%d %d %d %d %d %d", a.x+loopBulge, a.y-loopBulge/2, z.x+loopBulge, z.y+loopBulge/2, z.x, z.y)
		return b.String()
	}
	pt("M", p.pts[0])
	for i := 1; i < len(p.pts); i++ {
		a, z := p.pts[i-1], p.pts[i]
		if i%2 == 1 { // straight, through a layer
			if a != z {
				pt(" L", z)
			}
			continue
		}
		// a curve across the gap between layers, leaving and arriving upright
		mid := (a.y + z.y) / 2
		fmt.Fprintf(&b, " C%d %d %d %d %d %d", a.x, mid, z.x, mid, z.x, z.y)
	}
	return b.String()
}

// arrow is the arrowhead at the path's end, its tip on the box.
func (p path) arrow() string {
	t := p.pts[len(p.pts)-1]
	if p.self { // pointing left, into the box's right side
		return fmt.Sprintf("M%d %d L%d %d L%d %d Z", t.x, t.y, t.x+arrowLen, t.y-arrowHalfW, t.x+arrowLen, t.y+arrowHalfW)
	}
	by := t.y - p.dy*arrowLen
	return fmt.Sprintf("M%d %d L%d %d L%d %d Z", t.x, t.y, t.x-arrowHalfW, by, t.x+arrowHalfW, by)
}

var xmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// xmlText escapes s for XML text and attribute values, after cleaning it of
// characters XML cannot hold.
func xmlText(s string) string { return xmlEscaper.Replace(clean(s)) }

// truncateRunes cuts s to n runes, ending it in "…" when anything was cut.
func truncateRunes(s string, n int) string {
	i := 0
	for at := range s {
		if i == n {
			return s[:at] + "…"
		}
		i++
	}
	return s
}
