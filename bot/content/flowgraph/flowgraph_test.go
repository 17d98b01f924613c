package flowgraph

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"polku"
	"polku/bot/content"
	"polku/bot/content/contenttest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// load loads fsys and fails the test on any error; warnings (an
// unreachable step) are what some tests are about.
func load(t testing.TB, fsys fs.FS) *content.Content {
	t.Helper()
	c, ds := content.Load(fsys)
	if c == nil {
		t.Fatalf("content.Load: %v", ds)
	}
	return c
}

// hostileFS is the base content with the flows of testdata/hostile: texts
// full of characters every format must escape, a step nothing leads to,
// and a second flow.
func hostileFS(t testing.TB) fs.FS {
	t.Helper()
	fsys := contenttest.BaseFS(t)
	for _, name := range []string{"jobseeker.yaml", "second.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "hostile", "flows", name))
		if err != nil {
			t.Fatal(err)
		}
		fsys["flows/"+name] = &fstest.MapFile{Data: b}
	}
	return fsys
}

func baseFS(t testing.TB) fs.FS { return contenttest.BaseFS(t) }

func builtinFS(testing.TB) fs.FS { return polku.Content() }

// graphs builds every flow of c.
func graphs(c *content.Content, lang string) []*Graph {
	var gs []*Graph
	for _, f := range c.Flows {
		gs = append(gs, Build(c, f, lang))
	}
	return gs
}

var formats = []struct {
	ext   string
	write func(io.Writer, ...*Graph) error
}{
	{"mmd", Mermaid},
	{"dot", DOT},
	{"svg", SVG},
}

func render(t testing.TB, write func(io.Writer, ...*Graph) error, gs []*Graph) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := write(&b, gs...); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// testContent is a content directory to draw, in a language ("" for its
// first).
type testContent struct {
	name string
	fsys func(testing.TB) fs.FS
	lang string
}

var contents = []testContent{
	{"base", baseFS, ""},
	{"base_en", baseFS, "en"},
	{"hostile", hostileFS, ""},
}

// TestGolden compares every format's output with testdata/NAME.EXT; with
// -update it rewrites them. Review the diff, and look at the SVGs.
func TestGolden(t *testing.T) {
	for _, tt := range contents {
		c := load(t, tt.fsys(t))
		for _, f := range formats {
			t.Run(tt.name+"."+f.ext, func(t *testing.T) {
				got := render(t, f.write, graphs(c, tt.lang))
				golden := filepath.Join("testdata", tt.name+"."+f.ext)
				if *update {
					if err := os.WriteFile(golden, got, 0o666); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (run go test -update to create it)", err)
				}
				if !bytes.Equal(got, want) {
					t.Errorf("%s differs from %s; if the change is right, run go test ./bot/content/flowgraph -update and review the diff:\n%s",
						f.ext, golden, firstDiff(got, want))
				}
			})
		}
	}
}

// firstDiff shows the first line where got and want differ.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return ""
}

// The same content gives the same bytes, however often it is drawn:
// nothing may depend on map order.
func TestDeterministic(t *testing.T) {
	for _, tt := range contents {
		c := load(t, tt.fsys(t))
		for _, f := range formats {
			first := render(t, f.write, graphs(c, tt.lang))
			for range 5 {
				again := render(t, f.write, graphs(load(t, tt.fsys(t)), tt.lang))
				if !bytes.Equal(first, again) {
					t.Fatalf("%s %s: two drawings differ:\n%s", tt.name, f.ext, firstDiff(again, first))
				}
			}
		}
	}
}

func TestBuild(t *testing.T) {
	c := load(t, hostileFS(t))
	g := Build(c, c.Flow("jobseeker"), "en")
	if g.Lang != "en" || g.Flow != "jobseeker" || g.Title != `Job search "test" <b>&amp;</b> #1` {
		t.Errorf("Build = lang %q, flow %q, title %q", g.Lang, g.Flow, g.Title)
	}
	nodes := map[string]*Node{}
	for _, n := range g.Nodes {
		nodes[n.ID] = n
	}
	tests := []struct {
		id, step    string
		kind        Kind
		unreachable bool
		decline     string
		required    string
		input       string
		options     int
	}{
		{"start", "", Start, false, "", "", "", 0},
		{"s1", "hello", Message, false, "", "", "", 0},
		{"s2", "wants", Question, false, "en decline", "", "", 3},
		{"s3", "pace", Question, false, "en decline", "", "", 3},
		{"s4", "orphan", Question, true, "", `Needed because "reasons" & <more> #2`, "", 2},
		{"s5", "area", Question, false, "en decline", "", "", 3},
		{"s6", "age", Question, false, "en decline", "", "number 15–99", 0},
		{"end", "", End, false, "", "", "", 0},
	}
	if len(g.Nodes) != len(tests) {
		t.Errorf("Build made %d nodes, want %d", len(g.Nodes), len(tests))
	}
	for _, tt := range tests {
		n := nodes[tt.id]
		if n == nil {
			t.Errorf("no node %s", tt.id)
			continue
		}
		if n.Step != tt.step || n.Kind != tt.kind || n.Unreachable != tt.unreachable || n.Decline != tt.decline ||
			n.Required != tt.required || n.Input != tt.input || len(n.Options) != tt.options {
			t.Errorf("node %s = step %q %v unreachable %v decline %q required %q input %q, %d options; want %q %v %v %q %q %q, %d",
				tt.id, n.Step, n.Kind, n.Unreachable, n.Decline, n.Required, n.Input, len(n.Options),
				tt.step, tt.kind, tt.unreachable, tt.decline, tt.required, tt.input, tt.options)
		}
	}

	edges := map[string]*Edge{}
	for _, e := range g.Edges {
		edges[e.From.ID+"->"+e.To.ID] = e
	}
	edgeTests := []struct {
		edge        string
		conditions  []string
		otherwise   bool
		unreachable bool
	}{
		{"start->s1", nil, false, false},
		{"s1->s2", nil, false, false},
		{"s2->s3", []string{`"work" in wants and any(wants, # in ["work", "study"])`}, false, false},
		// two branches to one step: one edge, both labels
		{"s2->s5", []string{`"study" in wants`}, true, false},
		{"s3->s5", nil, false, false},
		{"s4->s5", nil, false, true},
		{"s5->s6", []string{`area == "lappi" || age > 20 && "a|b" != "<c>"`}, true, false},
		{"s6->end", nil, false, false},
	}
	if len(g.Edges) != len(edgeTests) {
		t.Errorf("Build made %d edges, want %d", len(g.Edges), len(edgeTests))
	}
	for _, tt := range edgeTests {
		e := edges[tt.edge]
		if e == nil {
			t.Errorf("no edge %s", tt.edge)
			continue
		}
		if fmt.Sprint(e.Conditions) != fmt.Sprint(tt.conditions) || e.Otherwise != tt.otherwise || e.Unreachable != tt.unreachable {
			t.Errorf("edge %s = conditions %q, otherwise %v, unreachable %v; want %q, %v, %v",
				tt.edge, e.Conditions, e.Otherwise, e.Unreachable, tt.conditions, tt.otherwise, tt.unreachable)
		}
	}
}

// The words of the drawing follow the language; one Polku has no words for
// falls back to its base language, then the content's languages.
func TestLanguage(t *testing.T) {
	c := load(t, builtinFS(t))
	tests := []struct {
		lang, start, otherwise, decline string
	}{
		{"", "alku", "muuten", "En halua sanoa"}, // the content's first language
		{"fi", "alku", "muuten", "En halua sanoa"},
		{"sv", "början", "annars", "Vill inte säga"},
		{"en", "start", "otherwise", "I'd rather not say"},
		{"fi-selko", "alku", "muuten", "En halua sanoa"},
		// a language the content lacks: its first language, words and all
		{"de", "alku", "muuten", "En halua sanoa"},
	}
	for _, tt := range tests {
		g := Build(c, c.Start, tt.lang)
		if got := g.Nodes[0].Text; got != tt.start {
			t.Errorf("Build(%q): start = %q, want %q", tt.lang, got, tt.start)
		}
		if got := g.w.otherwise; got != tt.otherwise {
			t.Errorf("Build(%q): otherwise = %q, want %q", tt.lang, got, tt.otherwise)
		}
		if got := g.Nodes[1].Decline; got != tt.decline {
			t.Errorf("Build(%q): decline = %q, want %q", tt.lang, got, tt.decline)
		}
	}
	// Without content there is no decline message: the word in lang.
	if got := Build(nil, c.Start, "sv").Nodes[1].Decline; got != "vill inte säga" {
		t.Errorf("Build(nil, sv): decline = %q, want %q", got, "vill inte säga")
	}
}

func TestWrap(t *testing.T) {
	f := fonts[lineQuestion]
	tests := []struct {
		name     string
		in       string
		maxW     int
		maxLines int
		want     []string
	}{
		{"fits", "Missä asut?", 300, 6, []string{"Missä asut?"}},
		{"empty", "", 300, 6, nil},
		{"spaces only", "   ", 300, 6, nil},
		{"at spaces", "aaa bbb ccc", 70, 6, []string{"aaa bbb", "ccc"}},
		{"line breaks kept", "one\ntwo", 300, 6, []string{"one", "two"}},
		{"too many lines", "aaa bbb ccc ddd", 40, 2, []string{"aaa", "bb…"}},
		{"long word cut", "abcdefghijkl", 45, 6, []string{"abcde", "fghijk", "l"}},
		{"joiner stays", "ab\u200dcd", 20, 6, []string{"ab\u200d", "cd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := wrap(tt.in, f, tt.maxW, tt.maxLines)
			if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", tt.want) {
				t.Errorf("wrap(%q, %d, %d) = %q, want %q", tt.in, tt.maxW, tt.maxLines, got, tt.want)
			}
			for _, l := range got {
				if w := textWidth(l, f); w > tt.maxW {
					t.Errorf("wrap(%q): line %q is %d px, over %d", tt.in, l, w, tt.maxW)
				}
			}
		})
	}
}

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in          string
		xml, mermaid, dot string
	}{
		{"plain", "Missä asut?", "Missä asut?", "Missä asut?", "Missä asut?"},
		{"quotes", `say "hi" 'x'`, "say &quot;hi&quot; &#39;x&#39;", "say #quot;hi#quot; 'x'", `say \"hi\" 'x'`},
		{"markup", "<b>&amp;</b>", "&lt;b&gt;&amp;amp;&lt;/b&gt;", "#60;b#62;#38;amp;#60;/b#62;", "<b>&amp;amp;</b>"},
		{"entity codes", "#quot; #35;", "#quot; #35;", "#35;quot; #35;35;", "#quot; #35;"},
		{"mermaid syntax", "a|b `c` 50%", "a|b `c` 50%", "a#124;b #96;c#96; 50#37;", "a|b `c` 50%"},
		{"mermaid style", "style:x #f;", "style:x #f;", "#115;tyle:x #35;f;", "style:x #f;"},
		{"backslash", `a\nb\`, `a\nb\`, `a\nb\`, `a\\nb\\`},
		{"controls", "a\x00b\x1bc\u0085d", "a\ufffdb\ufffdc\nd", "a\ufffdb\ufffdc d", "a\ufffdb\ufffdc d"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb", "a\ufffdb", "a\ufffdb"},
		{"emoji", "👩‍👩‍👧", "👩‍👩‍👧", "👩‍👩‍👧", "👩‍👩‍👧"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := xmlText(tt.in); got != tt.xml {
				t.Errorf("xmlText(%q) = %q, want %q", tt.in, got, tt.xml)
			}
			if got := mermaidText(tt.in); got != tt.mermaid {
				t.Errorf("mermaidText(%q) = %q, want %q", tt.in, got, tt.mermaid)
			}
			if got := dotText(tt.in); got != tt.dot {
				t.Errorf("dotText(%q) = %q, want %q", tt.in, got, tt.dot)
			}
		})
	}
}

// TestSVGGeometry reads every drawing back: it must be well-formed XML, no
// two boxes (steps, start, end, edge labels) may overlap, and every edge
// must start on the box of its step and end on the box it leads to,
// passing through no box on the way.
func TestSVGGeometry(t *testing.T) {
	all := append(slices.Clone(contents),
		testContent{"builtin_fi", builtinFS, "fi"},
		testContent{"builtin_sv", builtinFS, "sv"},
		testContent{"builtin_en", builtinFS, "en"},
	)
	for _, tt := range all {
		t.Run(tt.name, func(t *testing.T) {
			c := load(t, tt.fsys(t))
			gs := graphs(c, tt.lang)
			pic := checkSVG(t, render(t, SVG, gs))
			wantNodes, wantEdges := 0, 0
			for _, g := range gs {
				wantNodes += len(g.Nodes)
				wantEdges += len(g.Edges)
			}
			if len(pic.nodes) != wantNodes || len(pic.edges) != wantEdges {
				t.Errorf("the SVG has %d nodes and %d edges, want %d and %d", len(pic.nodes), len(pic.edges), wantNodes, wantEdges)
			}
			// one drawing at a time too: each flow alone must hold up
			for _, g := range gs {
				checkSVG(t, render(t, SVG, []*Graph{g}))
			}
		})
	}
}

type rect struct{ x, y, w, h int }

// inside reports whether p is strictly inside r, more than a pixel from
// its border.
func (r rect) inside(x, y float64) bool {
	return x > float64(r.x)+1 && x < float64(r.x+r.w)-1 && y > float64(r.y)+1 && y < float64(r.y+r.h)-1
}

// onBorder reports whether p lies on r's outline.
func (r rect) onBorder(x, y int) bool {
	in := x >= r.x && x <= r.x+r.w && y >= r.y && y <= r.y+r.h
	return in && (x == r.x || x == r.x+r.w || y == r.y || y == r.y+r.h)
}

func (r rect) overlaps(o rect) bool {
	return r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h
}

type svgEdge struct {
	from, to string
	d        string
}

type picture struct {
	width, height int
	nodes         map[string]rect
	order         []string
	labels        []rect
	edges         []svgEdge
}

// checkSVG parses an SVG drawing and checks its geometry.
func checkSVG(t *testing.T, svg []byte) *picture {
	t.Helper()
	pic := &picture{nodes: map[string]rect{}}
	dec := xml.NewDecoder(bytes.NewReader(svg))
	var groups []map[string]string // attributes of the enclosing <g>s
	attrs := func(se xml.StartElement) map[string]string {
		m := map[string]string{}
		for _, a := range se.Attr {
			m[a.Name.Local] = a.Value
		}
		return m
	}
	num := func(m map[string]string, k string) int {
		n, err := strconv.Atoi(m[k])
		if err != nil {
			t.Fatalf("attribute %s=%q is not a whole number", k, m[k])
		}
		return n
	}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			m := attrs(tok)
			var g map[string]string
			if len(groups) > 0 {
				g = groups[len(groups)-1]
			}
			switch tok.Name.Local {
			case "svg":
				pic.width, pic.height = num(m, "width"), num(m, "height")
			case "g":
				groups = append(groups, m)
			case "rect":
				r := rect{num(m, "x"), num(m, "y"), num(m, "width"), num(m, "height")}
				switch m["class"] {
				case "box":
					id := g["data-id"]
					if _, dup := pic.nodes[id]; dup || id == "" {
						t.Errorf("box with id %q: missing or seen before", id)
					}
					pic.nodes[id] = r
					pic.order = append(pic.order, id)
				case "label-box":
					pic.labels = append(pic.labels, r)
				}
			case "path":
				if m["class"] == "line" {
					pic.edges = append(pic.edges, svgEdge{from: g["data-from"], to: g["data-to"], d: m["d"]})
				}
			}
		case xml.EndElement:
			if tok.Name.Local == "g" {
				groups = groups[:len(groups)-1]
			}
		}
	}
	var boxes []rect
	var names []string
	for _, id := range pic.order {
		boxes, names = append(boxes, pic.nodes[id]), append(names, "box "+id)
	}
	for i, r := range pic.labels {
		boxes, names = append(boxes, r), append(names, fmt.Sprintf("label %d", i+1))
	}
	for i, a := range boxes {
		if a.x < 0 || a.y < 0 || a.x+a.w > pic.width || a.y+a.h > pic.height {
			t.Errorf("%s %v is outside the picture (%dx%d)", names[i], a, pic.width, pic.height)
		}
		for j := i + 1; j < len(boxes); j++ {
			if a.overlaps(boxes[j]) {
				t.Errorf("%s %v overlaps %s %v", names[i], a, names[j], boxes[j])
			}
		}
	}
	for _, e := range pic.edges {
		from, okFrom := pic.nodes[e.from]
		to, okTo := pic.nodes[e.to]
		if !okFrom || !okTo {
			t.Errorf("edge %s → %s: no such box", e.from, e.to)
			continue
		}
		pts, samples := parsePath(t, e.d)
		first, last := pts[0], pts[len(pts)-1]
		if !from.onBorder(first[0], first[1]) {
			t.Errorf("edge %s → %s starts at %v, not on its box %v", e.from, e.to, first, from)
		}
		if !to.onBorder(last[0], last[1]) {
			t.Errorf("edge %s → %s ends at %v, not on its box %v", e.from, e.to, last, to)
		}
		for _, s := range samples {
			for i, b := range boxes[:len(pic.order)] {
				if b.inside(s[0], s[1]) {
					t.Errorf("edge %s → %s passes through %s at (%.0f, %.0f)", e.from, e.to, names[i], s[0], s[1])
					break
				}
			}
		}
	}
	return pic
}

var pathToken = regexp.MustCompile(`[MLC]|-?\d+`)

// parsePath reads path data of M, L and C commands with whole numbers: the
// points it names, and points sampled along it.
func parsePath(t *testing.T, d string) (pts [][2]int, samples [][2]float64) {
	t.Helper()
	toks := pathToken.FindAllString(d, -1)
	var cmd string
	var nums []int
	flush := func() {
		switch {
		case cmd == "M" && len(nums) == 2, cmd == "L" && len(nums) == 2:
			p := [2]int{nums[0], nums[1]}
			if cmd == "L" {
				a := pts[len(pts)-1]
				for s := 0.0; s <= 1; s += 0.05 {
					samples = append(samples, [2]float64{float64(a[0]) + s*float64(p[0]-a[0]), float64(a[1]) + s*float64(p[1]-a[1])})
				}
			}
			pts = append(pts, p)
		case cmd == "C" && len(nums) == 6:
			a := pts[len(pts)-1]
			c := [4][2]float64{{float64(a[0]), float64(a[1])}, {float64(nums[0]), float64(nums[1])}, {float64(nums[2]), float64(nums[3])}, {float64(nums[4]), float64(nums[5])}}
			for s := 0.0; s <= 1; s += 0.05 {
				u := 1 - s
				x := u*u*u*c[0][0] + 3*u*u*s*c[1][0] + 3*u*s*s*c[2][0] + s*s*s*c[3][0]
				y := u*u*u*c[0][1] + 3*u*u*s*c[1][1] + 3*u*s*s*c[2][1] + s*s*s*c[3][1]
				samples = append(samples, [2]float64{math.Round(x*10) / 10, math.Round(y*10) / 10})
			}
			pts = append(pts, [2]int{nums[4], nums[5]})
		case cmd != "":
			t.Fatalf("path %q: %s with %d numbers", d, cmd, len(nums))
		}
		nums = nums[:0]
	}
	for _, tok := range toks {
		if tok == "M" || tok == "L" || tok == "C" {
			flush()
			cmd = tok
			continue
		}
		n, _ := strconv.Atoi(tok)
		nums = append(nums, n)
	}
	flush()
	if len(pts) < 2 {
		t.Fatalf("path %q has fewer than two points", d)
	}
	return pts, samples
}

// mermaidLine is every line Mermaid writes: quoted labels hold no quote,
// and ids are letters, digits and _.
var mermaidLine = regexp.MustCompile(`^(flowchart TD` +
	`|  (subgraph f\d+\["[^"]*"\]|end)` +
	`| +[A-Za-z][A-Za-z0-9_]*(\["[^"]*"\]|\("[^"]*"\)|\(\["[^"]*"\]\))` +
	`| +[A-Za-z][A-Za-z0-9_]* (-->|-\.->)(\|"[^"]*"\|)? [A-Za-z][A-Za-z0-9_]*` +
	`|  classDef [a-z]+ [a-z:#0-9,\- ]+` +
	`|  class [A-Za-z0-9_,]+ [a-z]+` +
	`|  linkStyle [0-9,]+ stroke:#[0-9a-f]+)$`)

var mermaidQuoted = regexp.MustCompile(`"[^"]*"`)

// checkMermaid checks the shape of every line, and that nothing in a label
// could end it or be read as markup: only the <br> Mermaid writes itself.
func checkMermaid(t *testing.T, text []byte) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	for i, l := range lines {
		if !mermaidLine.MatchString(l) {
			t.Errorf("Mermaid line %d is not well-formed: %q", i+1, l)
		}
		for _, q := range mermaidQuoted.FindAllString(l, -1) {
			q = strings.ReplaceAll(q, "<br>", "")
			if strings.ContainsAny(q, "<>&`|%\n") || strings.Contains(q, "style") || strings.Contains(q, "classDef") {
				t.Errorf("Mermaid line %d has an unescaped label: %q", i+1, q)
			}
		}
	}
}

// dotString is a DOT quoted string: any escaped character, or anything but
// a quote, a backslash or a line break.
var dotLine = regexp.MustCompile(`^(digraph polku \{|\}|  \}` +
	`| +(graph|node|edge) \[.*\];` +
	`| +subgraph cluster_f\d+ \{|    label="(\\.|[^"\\\n])*";` +
	`| +"[A-Za-z0-9_]+" \[label="(\\.|[^"\\\n])*"(, [a-z]+=("[^"\\\n]*"|[a-z]+))*\];` +
	`| +"[A-Za-z0-9_]+" -> "[A-Za-z0-9_]+"( \[(label="(\\.|[^"\\\n])*"(, )?)?(style=dashed, color="[^"]*", fontcolor="[^"]*")?\])?;)$`)

func checkDOT(t *testing.T, text []byte) {
	t.Helper()
	for i, l := range strings.Split(strings.TrimSuffix(string(text), "\n"), "\n") {
		if !dotLine.MatchString(l) {
			t.Errorf("DOT line %d is not well-formed: %q", i+1, l)
		}
	}
}

// TestSyntax checks the golden Mermaid and DOT line by line, and with
// Graphviz itself when it is installed.
func TestSyntax(t *testing.T) {
	for _, tt := range contents {
		c := load(t, tt.fsys(t))
		checkMermaid(t, render(t, Mermaid, graphs(c, tt.lang)))
		dot := render(t, DOT, graphs(c, tt.lang))
		checkDOT(t, dot)
		if _, err := exec.LookPath("dot"); err != nil {
			continue
		}
		cmd := exec.Command("dot", "-Tsvg")
		cmd.Stdin = bytes.NewReader(dot)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil || stderr.Len() > 0 {
			t.Errorf("%s: Graphviz rejects the DOT: %v %s", tt.name, err, stderr.String())
		}
	}
}

// hostile puts s in every text of c's flows (titles, questions, messages,
// options, reasons) and returns the drawings of them.
func hostile(c *content.Content, s string) []*Graph {
	for _, f := range c.Flows {
		for l := range f.Title {
			f.Title[l] = s
		}
		for _, st := range f.Steps {
			for l := range st.Text {
				st.Text[l] = s
			}
			for _, o := range st.Options {
				for l := range o.Label {
					o.Label[l] = s
				}
			}
			if st.Required != "" {
				st.Required = s
			}
		}
	}
	return graphs(c, "")
}

// checkAll draws gs in every format and checks each.
func checkAll(t *testing.T, gs []*Graph) {
	t.Helper()
	checkSVG(t, render(t, SVG, gs))
	checkMermaid(t, render(t, Mermaid, gs))
	checkDOT(t, render(t, DOT, gs))
}

// TestNaughtyStrings draws the built-in content with every string of the
// Big List of Naughty Strings as every text.
func TestNaughtyStrings(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "blns.json"))
	if err != nil {
		t.Fatal(err)
	}
	var blns []string
	if err := json.Unmarshal(b, &blns); err != nil {
		t.Fatal(err)
	}
	blns = append(blns, strings.Repeat("x", 5000), strings.Repeat("👩‍👩‍👧 ", 300), "\xff\xfe\x00", "a\r\nb\rc\u2028d")
	c := load(t, builtinFS(t))
	for i, s := range blns {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			checkAll(t, hostile(c, s))
		})
	}
}

func FuzzDraw(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "blns.json"))
	if err != nil {
		f.Fatal(err)
	}
	var blns []string
	if err := json.Unmarshal(b, &blns); err != nil {
		f.Fatal(err)
	}
	for _, s := range blns {
		f.Add(s)
	}
	c := load(f, baseFS(f))
	f.Fuzz(func(t *testing.T, s string) {
		checkAll(t, hostile(c, s))
	})
}

// Content with loops does not load, but Build takes any Flow: a loop, a
// step leading to itself, a branch to a step of another flow, or no steps
// at all must still draw, with every edge from box to box.
func TestHandMadeFlows(t *testing.T) {
	text := func(s string) content.Text { return content.Text{"en": s} }
	a := &content.Step{ID: "a", Text: text("first")}
	b := &content.Step{ID: "b", Text: text("second")}
	c := &content.Step{ID: "c", Text: text("third")}
	stranger := &content.Step{ID: "x", Text: text("elsewhere")}
	a.Next = []*content.Branch{{To: b}}
	b.Next = []*content.Branch{{If: &content.Expr{Source: "back"}, To: a}, {If: &content.Expr{Source: "again"}, To: b}, {To: c}}
	c.Next = []*content.Branch{{If: &content.Expr{Source: "away"}, To: stranger}, {To: nil}}
	tests := []struct {
		name  string
		flow  *content.Flow
		edges int
	}{
		{"loops", &content.Flow{ID: "loops", Start: a, Steps: []*content.Step{a, b, c}}, 6},
		{"start elsewhere", &content.Flow{ID: "elsewhere", Start: c, Steps: []*content.Step{a, b, c}}, 6},
		{"no steps", &content.Flow{ID: "empty"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Build(nil, tt.flow, "en")
			if len(g.Edges) != tt.edges {
				t.Errorf("Build made %d edges, want %d", len(g.Edges), tt.edges)
			}
			checkAll(t, []*Graph{g})
		})
	}
}
