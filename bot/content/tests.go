package content

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
)

// TestCase is one conversation test from tests/*.yaml: what a person sends
// and what must be true at the end. polku test runs them.
type TestCase struct {
	Name    string
	File    string
	Pos     Pos
	Lang    string
	Flow    *Flow
	Answers []TestAnswer
	Expect  TestExpect
}

// TestAnswer is one message of a test conversation: typed text, or a
// press of the option with the value Press on the question on screen.
type TestAnswer struct {
	Text  string
	Press string
	Pos   Pos
}

// TestExpect is what must be true after a test conversation. Every item
// keeps its position, so a failure points at the line that expected it.
type TestExpect struct {
	Step         Located // "" when not checked; EndStep for the suggestions
	Top          int     // 0: all suggestions shown
	Suggested    []Located
	NotSuggested []Located
	Says         []Located
	NotSays      []Located
	Pos          Pos
}

// Located is a value and where it is written.
type Located struct {
	Value string
	Pos   Pos
}

// LoadTests reads every tests/*.yaml of fsys and checks it against c:
// languages, flows, steps and services must exist. It returns the tests in
// file order and every problem found.
func (c *Content) LoadTests(fsys fs.FS) ([]*TestCase, Diagnostics) {
	l := &loader{fsys: fsys, content: c, langs: languageCodes(c)}
	var out []*TestCase
	entries, err := fs.ReadDir(fsys, "tests")
	if err != nil {
		return nil, nil // no tests/ folder: nothing to run
	}
	for _, e := range entries {
		p := "tests/" + e.Name()
		if e.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml") {
			continue
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			l.diags = append(l.diags, Diagnostic{Severity: Error, Summary: "This file cannot be read: " + errText(err), Subject: Range{File: p, Start: Pos{1, 1}}})
			continue
		}
		root, ds := parseYAML(p, src)
		l.diags = append(l.diags, ds...)
		if root == nil {
			continue
		}
		out = append(out, l.loadTests(p, root)...)
	}
	l.diags.Sort()
	return out, l.diags
}

func languageCodes(c *Content) []string {
	var out []string
	for _, l := range c.Languages {
		out = append(out, l.Code)
	}
	return out
}

func (l *loader) loadTests(file string, root *node) []*TestCase {
	m := l.fields(root, "tests file", spec("tests file", nil))
	if m == nil {
		return nil
	}
	var out []*TestCase
	for _, item := range l.list(m["tests"], "tests") {
		if tc := l.loadTest(file, item); tc != nil {
			out = append(out, tc)
		}
	}
	return out
}

func (l *loader) loadTest(file string, n *node) *TestCase {
	m := l.fields(n, "test", spec("test", map[string]string{"steps": "Write what the person sends as answers:.", "expected": "Write expect:."}))
	if m == nil {
		return nil
	}
	c := l.content
	tc := &TestCase{File: file, Pos: n.pos, Lang: c.Languages[0].Code, Flow: c.Start}
	tc.Name, _ = l.scalar(m["name"], "test name")
	if ln := m["lang"]; ln != nil {
		if lang, ok := l.scalar(ln, "language"); ok {
			if !c.Language(lang) {
				l.errorf(ln, fmt.Sprintf("%q is not one of the content's languages", lang), "rules/profile.yaml declares: "+strings.Join(l.langs, ", ")+"."+didYouMean(lang, l.langs))
			} else {
				tc.Lang = lang
			}
		}
	}
	if fn := m["flow"]; fn != nil {
		if id, ok := l.id(fn, "flow id"); ok {
			if tc.Flow = c.flows[id]; tc.Flow == nil {
				l.errorf(fn, fmt.Sprintf("There is no flow %q", id), "The flows are the flow: ids of the files in flows/."+didYouMean(id, mapKeys(c.flows)))
				tc.Flow = c.Start
			}
		}
	}
	if an := m["answers"]; an != nil {
		items := l.list(an, "answers")
		if len(items) == 0 && an.kind == seqNode {
			l.errorf(an, "The test sends nothing", "List what the person sends under answers:.")
		}
		for _, a := range items {
			switch a.kind {
			case scalarNode:
				tc.Answers = append(tc.Answers, TestAnswer{Text: a.value, Pos: a.pos})
			case mapNode:
				pm := l.fields(a, "button press", keySpec{required: []string{"press"}})
				if pm == nil || pm["press"] == nil {
					continue
				}
				v, ok := l.scalar(pm["press"], "option value")
				if ok {
					tc.Answers = append(tc.Answers, TestAnswer{Press: v, Pos: pm["press"].pos})
				}
			default:
				l.errorf(a, "An answer must be a text or {press: value}", "Write what the person types, e.g. \"2\" or tampere, or {press: part_time} for a button.")
			}
		}
	}
	if en := m["expect"]; en != nil {
		tc.Expect = l.loadExpect(tc, en)
	}
	return tc
}

func (l *loader) loadExpect(tc *TestCase, n *node) TestExpect {
	e := TestExpect{Pos: n.pos}
	m := l.fields(n, "expect", spec("expect", map[string]string{"suggests": "Write suggested:.", "not_suggests": "Write not_suggested:.", "text": "Write says:."}))
	if m == nil {
		return e
	}
	if len(m) == 0 {
		l.errorf(n, "The test expects nothing", "Under expect: say what must be true: step:, suggested:, not_suggested:, says: or not_says:.")
	}
	if sn := m["step"]; sn != nil {
		if id, ok := l.id(sn, "step id"); ok {
			var ids []string
			for _, s := range tc.Flow.Steps {
				ids = append(ids, s.ID)
			}
			if id != EndStep && tc.Flow.steps[id] == nil {
				l.errorf(sn, fmt.Sprintf("There is no step %q in the flow %s", id, tc.Flow.ID), "Name a question of the flow, or end for the suggestions."+didYouMean(id, append(ids, EndStep)))
			}
			e.Step = Located{id, sn.pos}
		}
	}
	if tn := m["top"]; tn != nil {
		if v, ok := l.integer(tn, "top"); ok {
			if v < 1 {
				l.errorf(tn, "top must be 1 or more", "It is how many of the first suggestions to look at.")
			} else {
				e.Top = v
			}
		}
	}
	services := func(key string) []Located {
		var out []Located
		ids, nodes := l.ids(m[key], "service id")
		for i, id := range ids {
			if l.content.services[id] == nil {
				l.errorf(nodes[i], fmt.Sprintf("There is no service %q", id), "Services are defined in rules/services/."+didYouMean(id, mapKeys(l.content.services)))
				continue
			}
			out = append(out, Located{id, nodes[i].pos})
		}
		return out
	}
	e.Suggested = services("suggested")
	e.NotSuggested = services("not_suggested")
	texts := func(key string) []Located {
		var out []Located
		for _, item := range l.list(m[key], key) {
			if s, ok := l.scalar(item, "text"); ok {
				out = append(out, Located{s, item.pos})
			}
		}
		return out
	}
	e.Says = texts("says")
	e.NotSays = texts("not_says")
	return e
}
