package content

import (
	"fmt"
	"regexp"
	"strings"
)

// EndStep is the target that finishes a flow and shows the suggestions.
const EndStep = "end"

type stepNodes struct {
	next []branchNodes
	at   *node // the step's id, for positions
	seq  *node // the whole next: value
}

type branchNodes struct {
	cond *node
	to   *node
}

func (l *loader) loadFlow(f *contentFile) {
	if f.root == nil {
		return
	}
	m := l.fields(f.root, "flow", spec("flow", map[string]string{"rules": "Rules go in files under rules/.", "services": "Services go in files under rules/services/.",
		"messages": "Messages go in flows/messages.yaml."}))
	if m == nil {
		return
	}
	id, ok := l.id(m["flow"], "flow id")
	if !ok {
		return
	}
	if prev := l.content.flows[id]; prev != nil {
		l.errorf(m["flow"], fmt.Sprintf("The flow %q is defined twice", id), fmt.Sprintf("It is already defined in %s. Give each flow its own id.", prev.File))
		return
	}
	flow := &Flow{ID: id, File: f.path, Pos: m["flow"].pos, steps: map[string]*Step{}}
	if t := m["title"]; t != nil {
		flow.Title = l.text(t, "title", false, nil)
	}
	nodes := map[*Step]*stepNodes{}
	for _, item := range l.list(m["steps"], "steps") {
		st, sn := l.loadStep(flow, item)
		if st == nil {
			continue
		}
		if prev := flow.steps[st.ID]; prev != nil {
			l.errorf(sn.at, fmt.Sprintf("The step %q is defined twice in this flow", st.ID), fmt.Sprintf("It is already defined on line %d. Give each step its own id.", prev.Pos.Line))
			continue
		}
		flow.steps[st.ID] = st
		flow.Steps = append(flow.Steps, st)
		nodes[st] = sn
	}
	if len(flow.Steps) == 0 {
		if m["steps"] != nil {
			l.errorf(m["steps"], "The flow has no steps", "Add at least one question under steps:.")
		}
		return
	}
	stepIDs := make([]string, 0, len(flow.Steps))
	for _, s := range flow.Steps {
		stepIDs = append(stepIDs, s.ID)
	}
	flow.Start = flow.Steps[0]
	if sn := m["start"]; sn != nil {
		if sid, ok := l.id(sn, "step id"); ok {
			if flow.Start = flow.steps[sid]; flow.Start == nil {
				l.errorf(sn, fmt.Sprintf("There is no step %q in this flow", sid), "start: names the first step."+didYouMean(sid, stepIDs))
				flow.Start = flow.Steps[0]
			}
		}
	}
	// Resolve next only now: a branch may point at a step further down.
	for _, st := range flow.Steps {
		sn := nodes[st]
		for i, b := range sn.next {
			br := &Branch{}
			if b.cond != nil {
				br.If = l.compileExpr(b.cond, "condition")
			}
			target, ok := l.id(b.to, "step id")
			if !ok {
				continue
			}
			if target != EndStep {
				if br.To = flow.steps[target]; br.To == nil {
					l.errorf(b.to, fmt.Sprintf("There is no step %q in this flow", target),
						fmt.Sprintf("to: names a step of this flow, or %s to finish and show the suggestions.%s", EndStep, didYouMean(target, append(stepIDs, EndStep))))
					continue
				}
			}
			if b.cond == nil && i < len(sn.next)-1 {
				l.warnf(sn.next[i+1].to, "This branch is never used", "The branch before it has no if:, so it is always taken. Put branches with if: first.")
			}
			st.Next = append(st.Next, br)
		}
		if len(sn.next) > 0 && sn.next[len(sn.next)-1].cond != nil {
			last := sn.next[len(sn.next)-1]
			l.errorf(last.cond, fmt.Sprintf("Step %q has no way forward when none of its conditions hold", st.ID),
				"End next: with a branch that has no if:, for example - to: "+EndStep+".")
		}
	}
	l.checkGraph(flow, nodes)
	l.content.flows[id] = flow
	l.content.Flows = append(l.content.Flows, flow)
}

var reservedStep = regexp.MustCompile(`^(end|_.*)$`)

func (l *loader) loadStep(flow *Flow, n *node) (*Step, *stepNodes) {
	m := l.fields(n, "step", spec("step", map[string]string{"decline": "\"I'd rather not say\" is offered automatically. To leave it out, write required: and the reason.",
		"field": "Write sets: with the field's name.", "question": "Write the question as text:."}))
	if m == nil || m["id"] == nil {
		return nil, nil
	}
	id, ok := l.id(m["id"], "step id")
	if !ok {
		return nil, nil
	}
	if reservedStep.MatchString(id) {
		l.errorf(m["id"], fmt.Sprintf("%q cannot be a step id", id), "end finishes a flow and ids starting with _ are Polku's own. Choose another id.")
		return nil, nil
	}
	st := &Step{ID: id, Flow: flow, File: m["id"].src.file, Pos: m["id"].pos}
	sn := &stepNodes{at: m["id"], seq: m["next"]}
	// A message step may quote answers given before it ({wants}), as in a
	// summary to hand over; a question's text is read before it is answered.
	var placeholders []string
	if m["sets"] == nil {
		placeholders = anyPlaceholder
		if !l.profileBroken && len(l.brokenFields) == 0 {
			placeholders = fieldNames(l.content.fields)
		}
	}
	st.Text = l.text(m["text"], "text", false, placeholders)
	if h := m["hint"]; h != nil {
		st.Hint = l.text(h, "hint", false, nil)
	}
	if fn := m["sets"]; fn != nil {
		if name, ok := l.scalar(fn, "field name"); ok {
			if st.Field = l.content.fields[name]; st.Field == nil && !l.profileBroken && !l.brokenFields[name] {
				l.errorf(fn, fmt.Sprintf("There is no profile field %q", name), "Fields are listed in rules/profile.yaml."+didYouMean(name, fieldNames(l.content.fields)))
			}
		}
	}
	if r := m["required"]; r != nil {
		if r.kind == scalarNode && r.tag == "bool" {
			l.errorf(r, "Say why this question cannot be skipped", "Write the reason instead of true, for example required: We need a language to talk in. People who cannot skip a question deserve a good reason.")
		} else if s, ok := l.scalar(r, "reason"); ok {
			if strings.TrimSpace(s) == "" {
				l.errorf(r, "The reason is empty", "Write why this question cannot be skipped.")
			}
			st.Required = s
		}
		if m["sets"] == nil {
			l.errorf(r, "Only a question can be required", "This step asks nothing (it has no sets:). Remove required:.")
		}
	}
	f := st.Field
	if on := m["options"]; on != nil {
		switch {
		case m["sets"] == nil:
			l.errorf(on, "A step with options must say which field it sets", "Add sets: with the name of a field from rules/profile.yaml.")
		case f != nil && f.Type == Int:
			l.errorf(on, fmt.Sprintf("%s is a number field: people type the answer", f.Name), "Remove options: and use input: {min: …, max: …}, or make the field a string with values.")
		case f != nil && f.Type == String && !f.Enum():
			l.errorf(on, fmt.Sprintf("%s has no values to choose from", f.Name), "Add values: to the field in rules/profile.yaml, or use input: for a typed answer.")
		}
		l.loadOptions(st, on)
	} else if f != nil && (f.Enum() || f.Type == Bool) && m["input"] == nil {
		l.errorf(sn.at, fmt.Sprintf("The question sets %s but has no options", f.Name), fmt.Sprintf("Add options: with a value of %s and a label each.", f.Name))
	}
	if in := m["input"]; in != nil {
		switch {
		case m["sets"] == nil:
			l.errorf(in, "A step with input must say which field it sets", "Add sets: with the name of a field from rules/profile.yaml.")
		case f != nil && (f.Enum() || f.Type == Bool || f.Type == List):
			l.errorf(in, fmt.Sprintf("%s takes values from a list, not typed text", f.Name), "Use options: instead of input:. Options can have aliases: for words people might type.")
		}
		st.Input = l.loadInput(in, f)
	} else if f != nil && (f.Type == Int || (f.Type == String && !f.Enum())) {
		st.Input = &Input{MaxLength: defaultMaxLength}
	}
	if m["sets"] == nil && m["next"] == nil && m[misspeltKey+"next"] == nil {
		l.errorf(sn.at, fmt.Sprintf("Step %q has no way forward", id), "Add next: with the step that comes after it, or next: "+EndStep+" to finish the flow.")
	}
	if m["sets"] != nil && m["next"] == nil && m[misspeltKey+"next"] == nil {
		l.errorf(sn.at, fmt.Sprintf("Step %q has no way forward", id), "Add next: with the step that comes after it, or next: "+EndStep+" to finish the flow and show the suggestions.")
	}
	if nx := m["next"]; nx != nil {
		switch nx.kind {
		case scalarNode:
			sn.next = []branchNodes{{to: nx}}
		case seqNode:
			for _, b := range nx.items {
				bm := l.fields(b, "branch", spec("branch", map[string]string{
					"when": "In next:, a condition is written if:.", "goto": "Write to:.", "step": "Write to:."}))
				if bm == nil || bm["to"] == nil {
					continue
				}
				sn.next = append(sn.next, branchNodes{cond: bm["if"], to: bm["to"]})
			}
			if len(nx.items) == 0 {
				l.errorf(nx, fmt.Sprintf("Step %q has no way forward", id), "next: is an empty list. Add - to: with the next step.")
			}
		default:
			l.errorf(nx, "next must name a step or list branches", "Write next: step_id, or a list of - {if: …, to: …} ending with a branch without if.")
		}
	}
	return st, sn
}

func (l *loader) loadOptions(st *Step, on *node) {
	f := st.Field
	seenValues := map[string]*node{}
	for _, item := range l.list(on, "options") {
		om := l.fields(item, "option", spec("option", map[string]string{"text": "An option's text is its label:."}))
		if om == nil || om["value"] == nil {
			continue
		}
		vn := om["value"]
		var value string
		if f != nil && f.Type == Bool {
			if vn.kind != scalarNode || vn.tag != "bool" {
				l.errorf(vn, fmt.Sprintf("%s is a yes/no field: the value must be true or false", f.Name), "Write value: true or value: false.")
				continue
			}
			value = vn.value
		} else {
			v, ok := l.id(vn, "option value")
			if !ok {
				continue
			}
			value = v
			if f != nil && f.Enum() && !f.values[v] {
				l.errorf(vn, fmt.Sprintf("%q is not a value of %s", v, f.Name),
					fmt.Sprintf("The values of %s in rules/profile.yaml are: %s.%s Add it there if it is new.", f.Name, strings.Join(f.Values, ", "), didYouMean(v, f.Values)))
			}
		}
		if prev, dup := seenValues[value]; dup {
			l.errorf(vn, fmt.Sprintf("Two options have the value %q", value), fmt.Sprintf("The other one is on line %d. Each option needs its own value.", prev.pos.Line))
			continue
		}
		seenValues[value] = vn
		o := &Option{Value: value, Label: l.text(om["label"], "label", false, nil)}
		for _, a := range l.list(om["aliases"], "aliases") {
			if s, ok := l.scalar(a, "alias"); ok && NormalizeText(s) != "" {
				o.Aliases = append(o.Aliases, s)
			}
		}
		if n := om["exclusive"]; n != nil {
			o.Exclusive, _ = l.boolean(n, "exclusive")
			if o.Exclusive && (f == nil || f.Type != List) {
				l.errorf(n, "Only an option of a multiple choice can be exclusive",
					"exclusive: true means the option cannot be ticked together with others; this question takes one answer anyway. Remove it.")
			}
		}
		st.Options = append(st.Options, o)
		if f != nil && o.Label != nil {
			if _, ok := f.labels[value]; !ok {
				f.labels[value] = o.Label
			}
		}
	}
	if len(st.Options) == 0 && on.kind == seqNode && len(on.items) == 0 {
		l.errorf(on, "The question has no options", "Add options, each with a value and a label.")
	}
}

const defaultMaxLength = 200

func (l *loader) loadInput(n *node, f *Field) *Input {
	m := l.fields(n, "input", spec("input", nil))
	in := &Input{MaxLength: defaultMaxLength}
	if m == nil {
		return in
	}
	isInt := f != nil && f.Type == Int
	for _, k := range []string{"min", "max"} {
		vn := m[k]
		if vn == nil {
			continue
		}
		if f != nil && !isInt {
			l.errorf(vn, k+" works only for number fields", fmt.Sprintf("%s is text: use max_length: or pattern:.", f.Name))
			continue
		}
		if v, ok := l.integer(vn, k); ok {
			if k == "min" {
				in.Min = &v
			} else {
				in.Max = &v
			}
		}
	}
	if in.Min != nil && in.Max != nil && *in.Min > *in.Max {
		l.errorf(m["max"], "max is smaller than min", "No answer could fit. Swap them.")
	}
	if vn := m["max_length"]; vn != nil {
		if isInt {
			l.errorf(vn, "max_length works only for text fields", "For a number field use min: and max:.")
		} else if v, ok := l.integer(vn, "max_length"); ok {
			if v < 1 || v > 2000 {
				l.errorf(vn, "max_length must be between 1 and 2000", "Polku keeps typed answers short; ask for less.")
			} else {
				in.MaxLength = v
			}
		}
	}
	if pn := m["pattern"]; pn != nil {
		if isInt {
			l.errorf(pn, "pattern works only for text fields", "For a number field use min: and max:.")
		} else if s, ok := l.scalar(pn, "pattern"); ok {
			re, err := regexp.Compile("^(?:" + s + ")$")
			if err != nil {
				l.errorf(pn, "The pattern is not a valid regular expression", "Go's regexp package says: "+err.Error()+".")
			} else {
				in.Pattern = re
			}
		}
	}
	if en := m["error"]; en != nil {
		in.Error = l.text(en, "error", false, nil)
	}
	return in
}

// checkGraph reports steps that cannot be reached and loops, and computes
// how many questions can remain from each step.
func (l *loader) checkGraph(flow *Flow, nodes map[*Step]*stepNodes) {
	reached := map[*Step]bool{}
	var visit func(*Step)
	visit = func(s *Step) {
		if s == nil || reached[s] {
			return
		}
		reached[s] = true
		for _, b := range s.Next {
			visit(b.To)
		}
	}
	visit(flow.Start)
	for _, s := range flow.Steps {
		if !reached[s] {
			l.warnf(nodes[s].at, fmt.Sprintf("Step %q can never be reached", s.ID),
				"No next: leads to it from the start of the flow. Point a branch at it, or remove it; polku graph draws the flow.")
		}
	}
	// Loops: depth-first search with colours; a grey step seen again closes a loop.
	const (
		white = iota
		grey
		black
	)
	colour := map[*Step]int{}
	var stack []*Step
	reported := false
	var dfs func(*Step) int
	dfs = func(s *Step) int {
		colour[s] = grey
		stack = append(stack, s)
		best := 0
		for _, b := range s.Next {
			if b.To == nil {
				continue
			}
			switch colour[b.To] {
			case grey:
				if !reported {
					reported = true
					var path []string
					for i := len(stack) - 1; i >= 0; i-- {
						path = append([]string{stack[i].ID}, path...)
						if stack[i] == b.To {
							break
						}
					}
					path = append(path, b.To.ID)
					l.errorf(nodes[s].at, "The flow loops back: "+strings.Join(path, " → "),
						"A conversation must always move towards the end. Point the branch at a later step, or use back to let people change answers.")
				}
			case white:
				best = max(best, dfs(b.To))
			default:
				best = max(best, b.To.remaining)
			}
		}
		stack = stack[:len(stack)-1]
		colour[s] = black
		if s.Question() {
			best++
		}
		s.remaining = best
		return best
	}
	for _, s := range flow.Steps {
		if colour[s] == white {
			dfs(s)
		}
	}
}
