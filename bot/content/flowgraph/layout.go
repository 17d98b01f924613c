package flowgraph

import (
	"slices"
)

// Sizes in px.
const (
	padX       = 10 // inside a box, left and right
	padY       = 7  // inside a box, above and below
	pillPadX   = 18
	pillH      = 30
	minBoxW    = 140
	labelPadX  = 6
	labelPadY  = 4
	gapBoxes   = 36 // between boxes side by side
	gapDummy   = 16 // between a passing edge and what is beside it
	gapLines   = 10 // between two passing edges
	gapBand    = 22 // above and below each layer, where edges curve
	margin     = 20
	headingH   = 36 // the flow's title above the drawing
	arrowLen   = 10
	arrowHalfW = 5
	loopBulge  = 26 // how far a step's edge to itself reaches out
)

// lnode is a box, or a dummy where an edge crosses a layer.
type lnode struct {
	n     *Node  // nil for a dummy
	e     *ledge // a dummy's edge
	lines []line // a node's lines, or the label a dummy carries
	layer int
	w, h  int
	x, y  int // centre x, top y
	pos   int // index in its layer
	in    []*lnode
	out   []*lnode
}

func (v *lnode) left() int { return v.x - v.w/2 }

// ledge is an edge, with the chain of nodes it runs through from the upper
// end to the lower one.
type ledge struct {
	e        *Edge
	chain    []*lnode
	reversed bool // it points up: it closes a loop
	self     bool // it leads back to its own step
	lines    []line
	label    *lnode // the dummy that carries its label, if any
}

type layout struct {
	g       *Graph
	nodes   []*lnode // in g.Nodes order
	edges   []*ledge // in g.Edges order
	layers  [][]*lnode
	bandTop []int
	bandH   []int
	width   int // rightmost extent, margin included
	bottom  int // lowest extent, margin included
}

// newLayout places g's nodes and edges, its heading starting at y = top.
func newLayout(g *Graph, top int) *layout {
	lo := &layout{g: g}
	index := map[*Node]int{}
	for i, n := range g.Nodes {
		v := &lnode{n: n, lines: g.lines(n)}
		v.w, v.h = boxSize(n, v.lines)
		lo.nodes = append(lo.nodes, v)
		index[n] = i
	}
	for _, e := range g.Edges {
		_, okFrom := index[e.From]
		_, okTo := index[e.To]
		if !okFrom || !okTo {
			continue // not a node of this graph: nothing to draw it between
		}
		lo.edges = append(lo.edges, &ledge{e: e, self: e.From == e.To, lines: g.edgeLines(e)})
	}
	rank := lo.rank(index)
	lo.buildLayers(index, rank)
	lo.order()
	lo.place()
	lo.stack(top + margin + headingH)
	return lo
}

// boxSize is the size of a node showing lines.
func boxSize(n *Node, lines []line) (w, h int) {
	tw, th := 0, 0
	for _, l := range lines {
		tw = max(tw, l.width())
		th += fonts[l.kind].lineHeight()
	}
	if n.Kind == Start || n.Kind == End {
		return tw + 2*pillPadX, pillH
	}
	return max(tw+2*padX, minBoxW), th + 2*padY
}

// rank gives each node its layer: the longest path to it from the start,
// after turning round the edges that close a loop (content with loops does
// not load, but a Flow built by hand may have them). The end is always
// last; steps nothing leads to start on the first step's layer.
func (lo *layout) rank(index map[*Node]int) []int {
	n := len(lo.nodes)
	from := make([][]*ledge, n)
	for _, le := range lo.edges {
		if !le.self {
			from[index[le.e.From]] = append(from[index[le.e.From]], le)
		}
	}
	const (
		white = iota
		grey
		black
	)
	colour := make([]int, n)
	var dfs func(int)
	dfs = func(u int) {
		colour[u] = grey
		for _, le := range from[u] {
			switch v := index[le.e.To]; colour[v] {
			case grey:
				le.reversed = true
			case white:
				dfs(v)
			}
		}
		colour[u] = black
	}
	for u := range n {
		if colour[u] == white {
			dfs(u)
		}
	}
	// Longest path, in topological order (Kahn, lowest index first).
	succ := make([][]int, n)
	indeg := make([]int, n)
	for _, le := range lo.edges {
		if le.self {
			continue
		}
		u, v := index[le.e.From], index[le.e.To]
		if le.reversed {
			u, v = v, u
		}
		succ[u] = append(succ[u], v)
		indeg[v]++
	}
	rank := make([]int, n)
	var queue []int
	for u := range n {
		if u > 0 {
			rank[u] = 1
		}
		if indeg[u] == 0 {
			queue = append(queue, u)
		}
	}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range succ[u] {
			rank[v] = max(rank[v], rank[u]+1)
			if indeg[v]--; indeg[v] == 0 {
				queue = append(queue, v)
			}
		}
	}
	last := 0
	for i, v := range lo.nodes {
		if v.n.Kind != End {
			last = max(last, rank[i])
		}
	}
	for i, v := range lo.nodes {
		if v.n.Kind == End {
			rank[i] = max(rank[i], last+1)
		}
	}
	return rank
}

// buildLayers puts nodes on even layers (twice their rank) and gives every
// edge a dummy on each layer it crosses, so that every edge has one on the
// odd layer below its upper end: that one carries its label.
func (lo *layout) buildLayers(index map[*Node]int, rank []int) {
	top := 0
	for i, v := range lo.nodes {
		v.layer = 2 * rank[i]
		top = max(top, v.layer)
	}
	lo.layers = make([][]*lnode, top+1)
	for _, le := range lo.edges {
		if le.self {
			continue
		}
		u, v := lo.nodes[index[le.e.From]], lo.nodes[index[le.e.To]]
		if le.reversed {
			u, v = v, u
		}
		le.chain = []*lnode{u}
		for l := u.layer + 1; l < v.layer; l++ {
			le.chain = append(le.chain, &lnode{e: le, layer: l})
		}
		le.chain = append(le.chain, v)
		if len(le.lines) > 0 {
			// next to where the edge starts: below its step, or, for an
			// edge pointing up, below the step it leaves from
			d := le.chain[1]
			if le.reversed {
				d = le.chain[len(le.chain)-2]
			}
			d.lines = le.lines
			for _, l := range le.lines {
				d.w = max(d.w, l.width())
				d.h += fonts[l.kind].lineHeight()
			}
			d.w += 2 * labelPadX
			d.h += 2 * labelPadY
			le.label = d
		}
		for i := 1; i < len(le.chain); i++ {
			a, b := le.chain[i-1], le.chain[i]
			a.out = append(a.out, b)
			b.in = append(b.in, a)
		}
	}
	// First order: depth first from the start, so the first branch of a
	// step starts on the left.
	seen := map[*lnode]bool{}
	var visit func(*lnode)
	visit = func(v *lnode) {
		if seen[v] {
			return
		}
		seen[v] = true
		lo.layers[v.layer] = append(lo.layers[v.layer], v)
		for _, w := range v.out {
			visit(w)
		}
	}
	for _, v := range lo.nodes {
		visit(v)
	}
	lo.renumber()
}

func (lo *layout) renumber() {
	for _, layer := range lo.layers {
		for i, v := range layer {
			v.pos = i
		}
	}
}

// order reduces crossings with barycenter sweeps, down and up, keeping the
// best order seen.
func (lo *layout) order() {
	best := lo.crossings()
	saved := lo.snapshot()
	for it := 0; it < 24 && best > 0; it++ {
		if it%2 == 0 {
			for l := 1; l < len(lo.layers); l++ {
				sortByBarycenter(lo.layers[l], func(v *lnode) []*lnode { return v.in })
			}
		} else {
			for l := len(lo.layers) - 2; l >= 0; l-- {
				sortByBarycenter(lo.layers[l], func(v *lnode) []*lnode { return v.out })
			}
		}
		lo.renumber()
		if c := lo.crossings(); c < best {
			best, saved = c, lo.snapshot()
		}
	}
	for l := range lo.layers {
		copy(lo.layers[l], saved[l])
	}
	lo.renumber()
}

func (lo *layout) snapshot() [][]*lnode {
	s := make([][]*lnode, len(lo.layers))
	for l, layer := range lo.layers {
		s[l] = slices.Clone(layer)
	}
	return s
}

// sortByBarycenter orders a layer by the mean position of each node's
// neighbours in the layer next to it; a node without any keeps its place.
func sortByBarycenter(layer []*lnode, neighbours func(*lnode) []*lnode) {
	const scale = 1024
	bary := make(map[*lnode]int, len(layer))
	for _, v := range layer {
		ns := neighbours(v)
		if len(ns) == 0 {
			bary[v] = v.pos * scale
			continue
		}
		sum := 0
		for _, w := range ns {
			sum += w.pos
		}
		bary[v] = sum * scale / len(ns)
	}
	slices.SortStableFunc(layer, func(a, b *lnode) int { return bary[a] - bary[b] })
}

// crossings counts pairs of edges that cross between adjacent layers.
func (lo *layout) crossings() int {
	total := 0
	var pairs [][2]int
	for _, layer := range lo.layers {
		pairs = pairs[:0]
		for _, v := range layer {
			for _, w := range v.out {
				pairs = append(pairs, [2]int{v.pos, w.pos})
			}
		}
		for i, a := range pairs {
			for _, b := range pairs[i+1:] {
				if (a[0]-b[0])*(a[1]-b[1]) < 0 {
					total++
				}
			}
		}
	}
	return total
}

// sep is the least distance between the centres of a and b, a on the left.
func sep(a, b *lnode) int {
	gap := gapBoxes
	switch {
	case a.n == nil && b.n == nil && a.lines == nil && b.lines == nil:
		gap = gapLines
	case a.n == nil || b.n == nil:
		gap = gapDummy
	}
	return a.w - a.w/2 + b.w/2 + gap
}

// weight is how strongly a node keeps to where its neighbours pull it:
// boxes line up, edges bend.
func weight(v *lnode) int {
	switch {
	case v.n != nil:
		return 4
	case v.lines != nil:
		return 2
	}
	return 1
}

// place gives each node its x: packed left first, then each layer moved
// again and again towards the median x of its neighbours, as near as the
// order and spacing allow.
func (lo *layout) place() {
	for _, layer := range lo.layers {
		x := 0
		for i, v := range layer {
			if i == 0 {
				x = v.w / 2
			} else {
				x += sep(layer[i-1], v)
			}
			v.x = x
		}
	}
	in := func(v *lnode) []*lnode { return v.in }
	out := func(v *lnode) []*lnode { return v.out }
	both := func(v *lnode) []*lnode { return append(slices.Clip(v.in), v.out...) }
	for _, pass := range placementPasses {
		switch pass {
		case 'b':
			for l := range lo.layers {
				lo.align(lo.layers[l], both)
			}
		case 'd':
			for l := 1; l < len(lo.layers); l++ {
				lo.align(lo.layers[l], in)
			}
		case 'u':
			for l := len(lo.layers) - 2; l >= 0; l-- {
				lo.align(lo.layers[l], out)
			}
		}
	}
	minLeft := 0
	first := true
	for _, layer := range lo.layers {
		for _, v := range layer {
			if first || v.left() < minLeft {
				minLeft, first = v.left(), false
			}
		}
	}
	lo.width = 0
	for _, layer := range lo.layers {
		for _, v := range layer {
			v.x += margin - minLeft
			lo.width = max(lo.width, v.left()+v.w+margin)
		}
	}
	for _, le := range lo.edges {
		if le.self {
			v := lo.nodes[slices.IndexFunc(lo.g.Nodes, func(n *Node) bool { return n == le.e.From })]
			labelW := 0
			for _, l := range le.lines {
				labelW = max(labelW, 4+l.width())
			}
			lo.width = max(lo.width, v.left()+v.w+loopBulge+labelW+margin)
		}
	}
}

// placementPasses are the passes of place: d(own) lines nodes up with the
// ones above them, u(p) with the ones below, b(oth) with both. Ending with
// up and down straightens chains of steps that the averaging of both
// leaves slightly askew (fewest bends on the test contents).
const placementPasses = "dudududududududududubbbbbbbbbbud"

// align moves a layer's nodes towards the median x of their neighbours,
// keeping their order and spacing, by weighted isotonic regression (pool
// adjacent violators) on x minus each node's least offset from the first.
func (lo *layout) align(layer []*lnode, neighbours func(*lnode) []*lnode) {
	type block struct{ sum, weight, n int }
	off := make([]int, len(layer))
	for i := 1; i < len(layer); i++ {
		off[i] = off[i-1] + sep(layer[i-1], layer[i])
	}
	var blocks []block
	for i, v := range layer {
		want := v.x
		if ns := neighbours(v); len(ns) > 0 {
			want = median(ns)
		}
		w := weight(v)
		blocks = append(blocks, block{sum: (want - off[i]) * w, weight: w, n: 1})
		for len(blocks) > 1 {
			a, b := blocks[len(blocks)-2], blocks[len(blocks)-1]
			if a.sum*b.weight <= b.sum*a.weight {
				break
			}
			blocks = blocks[:len(blocks)-2]
			blocks = append(blocks, block{sum: a.sum + b.sum, weight: a.weight + b.weight, n: a.n + b.n})
		}
	}
	i := 0
	for _, b := range blocks {
		y := floorDiv(b.sum, b.weight)
		for range b.n {
			layer[i].x = y + off[i]
			i++
		}
	}
}

// median is the median x of ns, or the mean of the middle two: unlike the
// mean, it lines a box up exactly with one of its neighbours, so chains of
// steps come out straight.
func median(ns []*lnode) int {
	xs := make([]int, len(ns))
	for i, w := range ns {
		xs[i] = w.x
	}
	slices.Sort(xs)
	m := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[m]
	}
	return floorDiv(xs[m-1]+xs[m], 2)
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// stack gives layers their y, from top, each as tall as its tallest box,
// with room between them for edges to curve, and centres boxes in them.
func (lo *layout) stack(top int) {
	lo.bandTop = make([]int, len(lo.layers))
	lo.bandH = make([]int, len(lo.layers))
	y := top
	for l, layer := range lo.layers {
		h := 0
		for _, v := range layer {
			h = max(h, v.h)
		}
		lo.bandTop[l], lo.bandH[l] = y, h
		for _, v := range layer {
			v.y = y + (h-v.h)/2
		}
		y += h
		if l < len(lo.layers)-1 {
			y += gapBand
		}
	}
	lo.bottom = y + margin
}

func (lo *layout) bandBottom(l int) int { return lo.bandTop[l] + lo.bandH[l] }

type point struct{ x, y int }

// path is an edge's route, from its source box to its target box: straight
// down through layers, curving only in the gaps between them, where no box
// is; and which way its arrow points at the end.
type path struct {
	pts    []point // pairs: a straight piece, then a curve to the next pair
	dx, dy int     // direction of the arrow
	self   bool
}

// route returns every edge's path, in lo.edges order.
func (lo *layout) route() []path {
	// Where edges leave and enter boxes: spread along the bottom and the
	// top, in the order of where they go to or come from, so that they do
	// not cross at the box.
	outs := map[*lnode][]*ledge{}
	ins := map[*lnode][]*ledge{}
	for _, le := range lo.edges {
		if le.self {
			continue
		}
		outs[le.chain[0]] = append(outs[le.chain[0]], le)
		last := le.chain[len(le.chain)-1]
		ins[last] = append(ins[last], le)
	}
	attach := func(v *lnode, les []*ledge, le *ledge, other func(*ledge) *lnode) int {
		if len(les) < 2 {
			return v.x
		}
		sorted := slices.Clone(les)
		slices.SortStableFunc(sorted, func(a, b *ledge) int { return other(a).x - other(b).x })
		k := slices.Index(sorted, le)
		step := min(v.w/(len(les)+1), 28)
		return v.x + (2*k-(len(les)-1))*step/2
	}
	next := func(le *ledge) *lnode { return le.chain[1] }
	prev := func(le *ledge) *lnode { return le.chain[len(le.chain)-2] }

	paths := make([]path, len(lo.edges))
	for i, le := range lo.edges {
		if le.self {
			v := lo.nodes[slices.IndexFunc(lo.g.Nodes, func(n *Node) bool { return n == le.e.From })]
			right, mid := v.left()+v.w, v.y+v.h/2
			paths[i] = path{pts: []point{{right, mid - 8}, {right, mid + 8}}, dx: -1, self: true}
			continue
		}
		u, w := le.chain[0], le.chain[len(le.chain)-1]
		ax := attach(u, outs[u], le, next)
		pts := []point{{ax, u.y + u.h}, {ax, lo.bandBottom(u.layer)}}
		for _, d := range le.chain[1 : len(le.chain)-1] {
			pts = append(pts, point{d.x, lo.bandTop[d.layer]}, point{d.x, lo.bandBottom(d.layer)})
		}
		bx := attach(w, ins[w], le, prev)
		pts = append(pts, point{bx, lo.bandTop[w.layer]}, point{bx, w.y})
		p := path{pts: pts, dy: 1}
		if le.reversed {
			slices.Reverse(p.pts)
			p.dy = -1
		}
		paths[i] = p
	}
	return paths
}
