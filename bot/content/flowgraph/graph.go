package flowgraph

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"polku/bot/content"
)

// Graph is one flow, ready to draw. Every text is in one language and
// already cleaned of what no output format can hold (control characters,
// invalid UTF-8); each renderer escapes it for its own syntax.
type Graph struct {
	Flow  string // the flow's id
	Title string // the flow's title
	Lang  string
	Nodes []*Node // the start, the steps in file order, the end
	Edges []*Edge // in order of their source's steps and branches

	w words
}

// Kind is what a node stands for.
type Kind int

const (
	Start    Kind = iota // where the flow begins
	Question             // a step that sets a field
	Message              // a step that only says something
	End                  // the end of the flow, where suggestions are shown
)

func (k Kind) String() string {
	return [...]string{"start", "question", "message", "end"}[k]
}

// Node is the start, a step or the end.
type Node struct {
	// ID is "start", "end" or "s1", "s2", … by the step's place in the
	// file: safe as an identifier in every format, whatever staff call
	// their steps.
	ID   string
	Kind Kind
	Step string // the step's id; empty for the start and the end
	Text string // the question or message; the word for start or end

	Field    string   // the field a question sets
	Multi    bool     // several options may be chosen
	Options  []Option // in the order the person sees them
	Input    string   // what the person types, e.g. "number 15–99"; "" for options
	Decline  string   // the "I'd rather not say" option, when offered
	Required string   // why the question cannot be skipped, when it cannot

	// Unreachable is set for steps no path from the flow's start leads to.
	Unreachable bool
}

// Option is one choice of a question.
type Option struct {
	Label string
	Value string // what if: expressions compare with
}

// Edge is one way from a node to another. Branches of one step that lead to
// the same place are one edge with several labels.
type Edge struct {
	From, To *Node
	// Conditions are the if: expressions of the branches that lead here.
	Conditions []string
	// Otherwise is set when the last branch, which has no if:, leads here
	// after branches with one.
	Otherwise bool
	// Unreachable is set for edges out of unreachable steps.
	Unreachable bool
}

// Build turns flow f into a Graph with its texts in lang (the content's
// first language when lang is empty). c gives the "I'd rather not say"
// text and the languages to fall back on; it may be nil.
func Build(c *content.Content, f *content.Flow, lang string) *Graph {
	if lang == "" && c != nil && len(c.Languages) > 0 {
		lang = c.Languages[0].Code
	}
	// Texts missing in lang come from its base language (fi for
	// fi-selko), then the content's languages in order: never from Go's
	// random map order, so that a drawing is always the same.
	prefs := []string{lang}
	if base, _, ok := strings.Cut(lang, "-"); ok {
		prefs = append(prefs, base)
	}
	if c != nil {
		for _, l := range c.Languages {
			prefs = append(prefs, l.Code)
		}
	}
	w := vocabulary(prefs)
	decline := w.decline
	if c != nil {
		for _, l := range prefs {
			if c.Language(l) {
				if s := clean(c.Message("decline", l)); strings.TrimSpace(s) != "" {
					decline = s
				}
				break
			}
		}
	}
	in := func(t content.Text) string { return textIn(t, prefs) }
	g := &Graph{Flow: clean(f.ID), Title: in(f.Title), Lang: lang, w: w}
	start := &Node{ID: "start", Kind: Start, Text: w.start}
	g.Nodes = append(g.Nodes, start)

	reached := reachable(f)
	nodes := make(map[*content.Step]*Node, len(f.Steps))
	for i, s := range f.Steps {
		n := &Node{ID: "s" + strconv.Itoa(i+1), Kind: Message, Step: clean(s.ID), Text: in(s.Text), Unreachable: !reached[s]}
		if s.Field != nil {
			n.Kind = Question
			n.Field = clean(s.Field.Name)
			n.Multi = s.Multi()
			for _, o := range s.Options {
				n.Options = append(n.Options, Option{Label: in(o.Label), Value: clean(o.Value)})
			}
			n.Input = w.input(s)
			if s.Required == "" {
				n.Decline = decline
			} else {
				n.Required = clean(s.Required)
			}
		}
		nodes[s] = n
		g.Nodes = append(g.Nodes, n)
	}
	end := &Node{ID: "end", Kind: End, Text: w.end}
	g.Nodes = append(g.Nodes, end)

	if n := nodes[f.Start]; n != nil {
		g.Edges = append(g.Edges, &Edge{From: start, To: n})
	}
	for _, s := range f.Steps {
		from := nodes[s]
		conditions := false
		out := map[*Node]*Edge{}
		for _, b := range s.Next {
			to := end
			if b.To != nil {
				if to = nodes[b.To]; to == nil {
					continue // a step of another flow: not ours to draw
				}
			}
			e := out[to]
			if e == nil {
				e = &Edge{From: from, To: to, Unreachable: from.Unreachable}
				out[to] = e
				g.Edges = append(g.Edges, e)
			}
			if b.If != nil {
				e.Conditions = append(e.Conditions, clean(b.If.Source))
				conditions = true
			} else if conditions {
				e.Otherwise = true
			}
		}
	}
	return g
}

// reachable returns the steps some path from f.Start leads to.
func reachable(f *content.Flow) map[*content.Step]bool {
	seen := map[*content.Step]bool{}
	stack := []*content.Step{f.Start}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if s == nil || seen[s] {
			continue
		}
		seen[s] = true
		for _, b := range s.Next {
			stack = append(stack, b.To)
		}
	}
	return seen
}

// textIn picks the text in the first of prefs it has, else in the first
// language in alphabetical order.
func textIn(t content.Text, prefs []string) string {
	for _, l := range prefs {
		if s, ok := t[l]; ok {
			return clean(s)
		}
	}
	keys := make([]string, 0, len(t))
	for k := range t {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return ""
	}
	return clean(t[keys[0]])
}

// words are the few texts of a drawing that are not in the content.
type words struct {
	start, end, otherwise, unreachable, required string
	question, message, several, decline          string
	number, text                                 string
	// the legend under an SVG
	legendValue, legendDecline, legendUnreachable string
}

var vocabularies = map[string]words{
	"fi": {start: "alku", end: "loppu / ehdotukset", otherwise: "muuten", unreachable: "tähän ei pääse",
		required: "pakollinen", question: "kysymys", message: "viesti", several: "voi valita useita",
		decline: "en halua sanoa", number: "luku", text: "vapaa teksti",
		legendValue:       "harmaa sana vaihtoehdon perässä: arvo, jota if:-ehdot käyttävät",
		legendDecline:     "+ tämän vaihtoehdon Polku lisää kysymykseen itse",
		legendUnreachable: "harmaa katkoviiva: askel, johon mikään next: ei johda"},
	"sv": {start: "början", end: "slut / förslag", otherwise: "annars", unreachable: "nås aldrig",
		required: "obligatorisk", question: "fråga", message: "meddelande", several: "flera svar",
		decline: "vill inte säga", number: "tal", text: "fritext",
		legendValue:       "grått ord efter ett alternativ: värdet som if:-villkor använder",
		legendDecline:     "+ det här alternativet lägger Polku till själv",
		legendUnreachable: "grå streckad: ett steg som ingen next: leder till"},
	"en": {start: "start", end: "end / suggestions", otherwise: "otherwise", unreachable: "unreachable",
		required: "required", question: "question", message: "message", several: "several answers",
		decline: "I'd rather not say", number: "number", text: "typed text",
		legendValue:       "grey word after an option: the value that if: conditions use",
		legendDecline:     "+ Polku adds this option to the question by itself",
		legendUnreachable: "grey and dashed: a step that no next: leads to"},
}

// vocabulary returns the words for the first of prefs Polku has words
// for, or English.
func vocabulary(prefs []string) words {
	for _, l := range prefs {
		if w, ok := vocabularies[l]; ok {
			return w
		}
	}
	return vocabularies["en"]
}

// input describes what the person types at s, or "" when s has options.
func (w words) input(s *content.Step) string {
	if s.Input == nil || s.Field == nil {
		return ""
	}
	if s.Field.Type != content.Int {
		return w.text
	}
	in := s.Input
	switch {
	case in.Min != nil && in.Max != nil:
		return fmt.Sprintf("%s %d–%d", w.number, *in.Min, *in.Max)
	case in.Min != nil:
		return fmt.Sprintf("%s ≥ %d", w.number, *in.Min)
	case in.Max != nil:
		return fmt.Sprintf("%s ≤ %d", w.number, *in.Max)
	}
	return w.number
}
