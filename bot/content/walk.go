package content

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// Answer is one answer a person gave, as stored in their session. The
// profile is always derived from the answers, so going back is dropping the
// last answer and new content can replay old answers.
type Answer struct {
	Step  string `json:"s"`
	Value string `json:"v,omitempty"` // a value, a number, typed text, or list values joined by ListSep
	Skip  bool   `json:"x,omitempty"` // "I'd rather not say"
}

// Walk is where a person is in a flow after replaying their answers.
type Walk struct {
	Flow    *Flow
	Profile *Profile
	Answers []Answer // the answers that still apply, in the order asked
	Steps   []*Step  // the question each answer belongs to
	Step    *Step    // the question waiting for an answer; nil when the flow has ended
	Passed  []*Step  // message steps passed since the last answer, to be shown on arrival
}

// Done reports whether the flow has ended.
func (w *Walk) Done() bool { return w.Step == nil }

// Replay walks flow f from its start with the given answers. An answer is
// used when its question is reached and it is still valid there; answers to
// steps that are no longer on the way (the content changed, or an earlier
// answer changed the path) are dropped.
func (c *Content) Replay(f *Flow, answers []Answer) *Walk {
	w := &Walk{Flow: f, Profile: c.NewProfile(),
		Answers: make([]Answer, 0, len(answers)+1), Steps: make([]*Step, 0, len(answers)+1)}
	w.walk(f.Start, answers)
	return w
}

// Advance answers the question the walk waits at and walks on to the next
// question or the end, as Replay would with a added to the answers. It
// reports false, changing nothing, when a does not answer that question.
func (w *Walk) Advance(a Answer) bool {
	s := w.Step
	if s == nil || a.Step != s.ID || !s.Apply(w.Profile, a) {
		return false
	}
	w.Answers = append(w.Answers, a)
	w.Steps = append(w.Steps, s)
	w.Passed = w.Passed[:0]
	w.walk(s.next(w.Profile), nil)
	return true
}

// walk goes on from step s, applying answers to the questions it reaches,
// and stops at the first question without a usable answer or at the end.
func (w *Walk) walk(s *Step, answers []Answer) {
	w.Step = nil
	// A flow has no loops, so no walk is longer than its steps.
	for range len(w.Flow.Steps) + 1 {
		if s == nil {
			return
		}
		if !s.Question() {
			w.Passed = append(w.Passed, s)
			s = s.next(w.Profile)
			continue
		}
		a, ok := findAnswer(answers, s.ID)
		if !ok || !s.Apply(w.Profile, a) {
			w.Step = s
			return
		}
		w.Answers = append(w.Answers, a)
		w.Steps = append(w.Steps, s)
		w.Passed = w.Passed[:0]
		s = s.next(w.Profile)
	}
}

func findAnswer(answers []Answer, step string) (Answer, bool) {
	for _, a := range answers {
		if a.Step == step {
			return a, true
		}
	}
	return Answer{}, false
}

// Next is where the flow goes from s with profile p; nil is the end.
func (s *Step) next(p *Profile) *Step {
	for _, b := range s.Next {
		if b.If == nil || b.If.Eval(p) == True {
			return b.To
		}
	}
	return nil
}

// Apply records answer a to this question in p. It reports false, changing
// nothing, when the answer does not fit the question (anymore).
func (s *Step) Apply(p *Profile, a Answer) bool {
	if a.Step != s.ID || s.Field == nil {
		return false
	}
	if a.Skip {
		if s.Required != "" {
			return false
		}
		p.Decline(s.Field)
		return true
	}
	if !s.Valid(a.Value) {
		return false
	}
	return p.Set(s.Field, a.Value)
}

// Valid reports whether value (in Answer form) answers this question.
func (s *Step) Valid(value string) bool {
	f := s.Field
	if f == nil {
		return false
	}
	if len(s.Options) > 0 {
		if f.Type != List {
			return s.Option(value) != nil
		}
		if value == "" {
			return false
		}
		parts := strings.Split(value, ListSep)
		for i, v := range parts {
			if s.Option(v) == nil {
				return false
			}
			for _, w := range parts[:i] {
				if w == v {
					return false
				}
			}
		}
		return true
	}
	if s.Input == nil {
		return false
	}
	return s.Input.check(f, value) == ""
}

// check returns "" when value fits the input, or the message key that says
// why not.
func (in *Input) check(f *Field, value string) string {
	if f.Type == Int {
		n, err := strconv.Atoi(value)
		if err != nil || (in.Min != nil && n < *in.Min) || (in.Max != nil && n > *in.Max) {
			return "number_invalid"
		}
		return ""
	}
	if strings.TrimSpace(value) == "" || !utf8.ValidString(value) {
		return "text_invalid"
	}
	if utf8.RuneCountInString(value) > in.MaxLength {
		return "text_too_long"
	}
	if in.Pattern != nil && !in.Pattern.MatchString(value) {
		return "text_invalid"
	}
	return ""
}

// checkOutcomes makes sure no one finishes a flow without a suggestion: it
// walks every flow once declining every question, then along many
// pseudo-random paths (always the same ones, so the check is repeatable).
// outcomes walks each flow at random and reports a flow that can end with
// no suggestion, or fewer than three. It only reads the content, so it
// runs beside the style check.
func (c *Content) outcomes() Diagnostics {
	// each flow is walked on its own, the flows side by side
	per := make([]Diagnostics, len(c.Flows))
	crashes := make([]any, len(c.Flows))
	var wg sync.WaitGroup
	for i, f := range c.Flows {
		wg.Go(func() {
			defer func() { crashes[i] = recover() }()
			per[i] = c.flowOutcomes(f)
		})
	}
	wg.Wait()
	for _, r := range crashes {
		if r != nil {
			panic(r) // to Load's recover, through the caller's
		}
	}
	var ds Diagnostics
	for _, d := range per {
		ds = append(ds, d...)
	}
	return ds
}

func (c *Content) flowOutcomes(f *Flow) Diagnostics {
	var ds Diagnostics
	lang := ""
	if len(c.Languages) > 0 {
		lang = c.Languages[0].Code
	}
	{
		rng := rand.New(rand.NewPCG(1, uint64(len(f.Steps))))
		reportedNone, reportedFew := false, false
		for i := range 400 {
			w := c.randomWalk(f, rng, i == 0)
			if w == nil {
				continue
			}
			if reportedNone && reportedFew {
				break // both found: the rest could only repeat them
			}
			n := c.countAtLeast(w.Profile, lang, 3)
			example := "declines every question"
			if i > 0 && (n == 0 && !reportedNone || n > 0 && n < 3 && !reportedFew) {
				example = describeAnswers(w)
			}
			switch {
			case n == 0 && !reportedNone:
				reportedNone = true
				ds = append(ds, Diagnostic{Severity: Error, Summary: fmt.Sprintf("The flow %q can end with no suggestion", f.ID),
					Detail:  fmt.Sprintf("For example when someone %s. Add a rule without when: that suggests national services (areas: [%s]), so that everyone gets a first step.", example, National),
					Subject: Range{File: f.File, Start: f.Pos}})
			case n > 0 && n < 3 && !reportedFew:
				reportedFew = true
				ds = append(ds, Diagnostic{Severity: Warning, Summary: fmt.Sprintf("The flow %q can end with only %d suggestion%s", f.ID, n, plural(n)),
					Detail:  fmt.Sprintf("For example when someone %s. People should get at least three to choose from: add rules that suggest national services.", example),
					Subject: Range{File: f.File, Start: f.Pos}})
			}
		}
	}
	return ds
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func describeAnswers(w *Walk) string {
	var parts []string
	for i, a := range w.Answers {
		v := a.Value
		if a.Skip {
			v = "(rather not say)"
		}
		parts = append(parts, w.Steps[i].Field.Name+"="+v)
	}
	if len(parts) == 0 {
		return "answers nothing"
	}
	return "answers " + strings.Join(parts, ", ")
}

// randomWalk answers the flow's questions at random until it ends; with
// declineAll every question that allows it is declined.
func (c *Content) randomWalk(f *Flow, rng *rand.Rand, declineAll bool) *Walk {
	// answered one at a time with Advance, which is Replay with one more
	// answer, without walking again from the start
	w := c.Replay(f, nil)
	for range len(f.Steps) + 1 {
		if w.Done() {
			return w
		}
		s := w.Step
		a := Answer{Step: s.ID}
		switch {
		case s.Required == "" && (declineAll || rng.IntN(5) == 0):
			a.Skip = true
		case len(s.Options) > 0 && s.Multi():
			var picked []string
			for _, o := range s.Options {
				if rng.IntN(3) == 0 {
					picked = append(picked, o.Value)
				}
			}
			if len(picked) == 0 {
				picked = []string{s.Options[rng.IntN(len(s.Options))].Value}
			}
			a.Value = strings.Join(picked, ListSep)
		case len(s.Options) > 0:
			a.Value = s.Options[rng.IntN(len(s.Options))].Value
		case s.Field.Type == Int:
			lo, hi := 15, 80
			if s.Input.Min != nil {
				lo = *s.Input.Min
			}
			if s.Input.Max != nil {
				hi = *s.Input.Max
			}
			if hi < lo {
				return nil
			}
			a.Value = strconv.Itoa(lo + rng.IntN(hi-lo+1))
		default:
			if s.Required != "" {
				return nil // typed text we cannot make up
			}
			a.Skip = true
		}
		w.Advance(a) // an answer that does not fit leaves the walk where it was
	}
	return nil
}
