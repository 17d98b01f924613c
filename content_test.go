package polku_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"polku"
	"polku/bot/content"
	"polku/bot/flowtest"
)

func load(t *testing.T) *content.Content {
	t.Helper()
	c, ds := content.Load(polku.Content())
	if c == nil || ds.HasErrors() {
		t.Fatalf("the built-in content does not load:\n%v", ds)
	}
	return c
}

// TestEveryPathEndsWithLocalOrNationalSuggestions walks the flows and checks
// that every ending shows at least three suggestions, each available in the
// person's area or in the whole country.
//
// Every combination of the single-choice answers (and "I'd rather not say")
// is walked. Multiple-choice questions would multiply the paths by
// millions, so each takes one of a representative set of answers (rather
// not say, each option alone, every option), chosen in turn as the walk
// goes on, so that every representative answer meets many combinations;
// and each representative answer of each multiple-choice question is also
// walked with every area and everything else declined.
func TestEveryPathEndsWithLocalOrNationalSuggestions(t *testing.T) {
	c := load(t)
	area := c.Field("area")
	for _, f := range c.Flows {
		paths := 0
		check := func(w *content.Walk) {
			t.Helper()
			paths++
			res := c.Suggest(w.Profile, c.Languages[0].Code)
			shown := res.Suggestions[:min(len(res.Suggestions), 5)]
			if len(shown) < 3 {
				t.Errorf("flow %s: %s: %d suggestions, want at least 3", f.ID, describe(w), len(shown))
			}
			where := w.Profile.Values(area)
			for _, s := range shown {
				if slices.Contains(s.Service.Areas, content.National) {
					continue
				}
				if len(where) == 0 || !slices.Contains(s.Service.Areas, where[0]) {
					t.Errorf("flow %s: %s: %s is for %v, not the person's area %v", f.ID, describe(w), s.Service.ID, s.Service.Areas, where)
				}
			}
		}
		counter := 0
		var walk func(answers []content.Answer)
		walk = func(answers []content.Answer) {
			w := c.Replay(f, answers)
			if w.Done() {
				check(w)
				return
			}
			s := w.Step
			if s.Multi() {
				reps := representatives(s)
				counter++
				walk(append(slices.Clip(answers), reps[counter%len(reps)]))
				return
			}
			for _, a := range choices(s) {
				walk(append(slices.Clip(answers), a))
			}
		}
		walk(nil)

		// each representative multiple-choice answer with every area
		for _, st := range f.Steps {
			if !st.Multi() {
				continue
			}
			for _, rep := range representatives(st) {
				for _, a := range append(areaOptions(f), content.Answer{Skip: true}) {
					check(walkWith(c, f, map[string]content.Answer{st.ID: rep}, a))
				}
			}
		}
		if paths < 100 {
			t.Errorf("flow %s: only %d paths walked", f.ID, paths)
		}
		t.Logf("flow %s: %d paths", f.ID, paths)
	}
}

// walkWith answers the questions of f from fixed, the area question with
// area, and declines every other question.
func walkWith(c *content.Content, f *content.Flow, fixed map[string]content.Answer, area content.Answer) *content.Walk {
	var answers []content.Answer
	for range len(f.Steps) + 1 {
		w := c.Replay(f, answers)
		if w.Done() {
			return w
		}
		a, ok := fixed[w.Step.ID]
		switch {
		case ok:
		case w.Step.Field.Name == "area":
			a = area
		default:
			a = content.Answer{Skip: true}
		}
		a.Step = w.Step.ID
		answers = append(answers, a)
	}
	panic("flow " + f.ID + " does not end")
}

func areaOptions(f *content.Flow) []content.Answer {
	for _, st := range f.Steps {
		if st.Field != nil && st.Field.Name == "area" {
			return choices(st)[:len(st.Options)]
		}
	}
	return nil
}

// choices are the answers to a single-choice question: each option, then
// "I'd rather not say".
func choices(s *content.Step) []content.Answer {
	var out []content.Answer
	for _, o := range s.Options {
		out = append(out, content.Answer{Step: s.ID, Value: o.Value})
	}
	if s.Required == "" {
		out = append(out, content.Answer{Step: s.ID, Skip: true})
	}
	return out
}

// representatives are answers to a multiple choice: rather not say, each
// option alone, and all options.
func representatives(s *content.Step) []content.Answer {
	out := []content.Answer{{Step: s.ID, Skip: true}}
	var all []string
	for _, o := range s.Options {
		out = append(out, content.Answer{Step: s.ID, Value: o.Value})
		all = append(all, o.Value)
	}
	return append(out, content.Answer{Step: s.ID, Value: strings.Join(all, content.ListSep)})
}

func describe(w *content.Walk) string {
	var parts []string
	for i, a := range w.Answers {
		v := a.Value
		if a.Skip {
			v = "(rather not say)"
		}
		parts = append(parts, w.Steps[i].Field.Name+"="+v)
	}
	return strings.Join(parts, ", ")
}

// TestEveryQuestionCanBeSkipped: "I'd rather not say" is offered everywhere.
func TestEveryQuestionCanBeSkipped(t *testing.T) {
	for _, f := range load(t).Flows {
		for _, s := range f.Steps {
			if s.Question() && s.Required != "" {
				t.Errorf("flow %s, step %s cannot be skipped (%s)", f.ID, s.ID, s.Required)
			}
		}
	}
}

// TestReasonsQuoteTheAnswer: every rule has a condition, and its reason
// quotes, in every language, an answer the condition reads ({field}), so the
// person sees their own choice back.
func TestReasonsQuoteTheAnswer(t *testing.T) {
	c := load(t)
	for _, r := range c.Rules {
		if r.When == nil {
			t.Errorf("rule %s has no when: its reason cannot quote an answer", r.ID)
			continue
		}
		for _, l := range c.Languages {
			text := r.Because[l.Code]
			quoted := false
			for _, f := range r.When.Fields {
				if strings.Contains(text, "{"+f.Name+"}") {
					quoted = true
				}
			}
			if !quoted {
				t.Errorf("rule %s (%s): because %q quotes none of the answers its when reads", r.ID, l.Code, text)
			}
		}
	}
}

// TestEveryAreaHasALocalFirstStep: each value of the area field has at
// least one service of its own.
func TestEveryAreaHasALocalFirstStep(t *testing.T) {
	c := load(t)
	for _, a := range c.Field("area").Values {
		found := false
		for _, s := range c.Services {
			if slices.Contains(s.Areas, a) {
				found = true
			}
		}
		if !found {
			t.Errorf("area %s has no service of its own", a)
		}
	}
}

// concreteKinds are the kinds of a concrete local place a person can go to
// or call, as opposed to a county's front page (local_services).
var concreteKinds = []string{"ohjaamo", "youth_workshop", "outreach_youth_work", "clubhouse", "social_enterprise",
	"unemployed_association", "ngo_activity", "work_cooperative", "employment_services", "parish_diaconia",
	"job_coaching", "rehab_work_activity", "substance_support", "language_integration", "debt_housing_advice"}

// TestConcretePlacesInEveryArea holds the catalogue to what a volunteer
// anywhere in Finland needs on day one: in each of the 23 areas at least
// five concrete local services of at least three kinds, and 250 services
// in all.
func TestConcretePlacesInEveryArea(t *testing.T) {
	c := load(t)
	if n := len(c.Services); n < 250 {
		t.Errorf("the catalogue has %d services, want at least 250", n)
	}
	count := map[string]int{}
	kinds := map[string]map[string]bool{}
	for _, s := range c.Services {
		if s.Status != "active" || slices.Contains(s.Areas, content.National) || !slices.Contains(concreteKinds, s.Kind.ID) {
			continue
		}
		for _, a := range s.Areas {
			count[a]++
			if kinds[a] == nil {
				kinds[a] = map[string]bool{}
			}
			kinds[a][s.Kind.ID] = true
		}
	}
	for _, a := range c.Field("area").Values {
		t.Logf("%-18s %3d services, %d kinds", a, count[a], len(kinds[a]))
		if count[a] < 5 || len(kinds[a]) < 3 {
			t.Errorf("%s has %d concrete local services of %d kinds, want at least 5 of 3 kinds", a, count[a], len(kinds[a]))
		}
	}
}

// TestPersonaSuite holds the built-in conversation tests to what a social
// counsellor would ask of them: at least 40, all passing, and together
// reaching every area, every age band and every language form, someone who
// declines, and someone in crisis.
func TestPersonaSuite(t *testing.T) {
	c := load(t)
	cases, ds := c.LoadTests(polku.Content())
	if ds.HasErrors() {
		t.Fatal(ds)
	}
	if len(cases) < 40 {
		t.Errorf("%d conversation tests, want at least 40", len(cases))
	}
	seen := map[string]map[string]bool{"area": {}, "age_band": {}, "lang": {}}
	declined, crisis := false, false
	for _, tc := range cases {
		r := flowtest.Run(context.Background(), c, tc)
		if !r.Passed() {
			t.Errorf("%s: %q fails: %v", tc.File, tc.Name, r.Failures)
		}
		seen["lang"][r.Lang] = true
		for _, f := range []string{"area", "age_band"} {
			for _, v := range r.Values[f] {
				seen[f][v] = true
			}
		}
		for _, a := range tc.Answers {
			declined = declined || a.Press == "_skip"
			if _, ok := c.Crisis.Match(a.Text); ok {
				crisis = true
			}
		}
	}
	want := map[string][]string{"area": c.Field("area").Values, "age_band": c.Field("age_band").Values}
	for _, l := range c.Languages {
		want["lang"] = append(want["lang"], l.Code)
	}
	for f, values := range want {
		for _, v := range values {
			if !seen[f][v] {
				t.Errorf("no conversation test reaches %s %s", f, v)
			}
		}
	}
	if !declined || !crisis {
		t.Errorf("the tests decline an answer: %v; type a crisis phrase: %v; want both", declined, crisis)
	}
}
