// Package flowgraph draws flows, so that staff can see the conversation they
// wrote: every step with its text, each question's options, where each
// answer leads and under which condition, and the steps nothing leads to.
//
// Build turns a content.Flow into a Graph: nodes for the start, the steps
// and the end (where the suggestions are shown), edges for the branches of
// next:, labelled with their if: expression or "otherwise". Mermaid, DOT
// and SVG write graphs out. Mermaid is for pasting into a GitHub or GitLab
// page, DOT for Graphviz, and SVG is laid out here, so that a picture needs
// nothing installed.
//
// The SVG layout is layered, top to bottom (Sugiyama style): each node's
// layer is its longest path from the start, edges that skip layers run
// through dummy nodes, the order within layers comes from barycenter
// sweeps, and each node's x from passes that move it to the median of its
// neighbours', as near as the order and spacing allow. Edge
// labels are dummy nodes of their own in the layers between the nodes',
// so no label ever covers a box. Coordinates are integers: the same flow
// always gives the same bytes, on every machine.
package flowgraph
