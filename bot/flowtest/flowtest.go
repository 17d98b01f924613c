// Package flowtest runs the conversation tests that staff write in
// tests/*.yaml: each test is a conversation with the real engine, from a
// first contact through the person's answers, and then a check of what
// must be true. A failure says where the expectation is written, what was
// expected, what happened, and shows the conversation up to that point.
package flowtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

// Result is the outcome of one test.
type Result struct {
	Case       *content.TestCase
	Failures   []Failure
	Transcript []string // the conversation, one line per line of text
	// Shown are the services on the cards shown during the conversation,
	// and Fired the rules whose condition held whenever suggestions were
	// shown: what polku test --cover adds up.
	Shown, Fired []string
	// Lang and Values are the conversation's language and the answers the
	// session holds at the end, by field: what a suite covers.
	Lang   string
	Values map[string][]string
}

// Passed reports whether every expectation held.
func (r Result) Passed() bool { return len(r.Failures) == 0 }

// Failure is one expectation that did not hold.
type Failure struct {
	Pos     content.Pos
	Message string
}

// Run holds the conversation of tc with a fresh engine on c and checks
// what tc expects.
func Run(ctx context.Context, c *content.Content, tc *content.TestCase) Result {
	r := Result{Case: tc}
	st := store.NewMemory(0)
	e := bot.New(c, st, bot.Options{})
	t := &talk{ctx: ctx, e: e, st: st, c: c, r: &r}
	t.send(bot.Message{Command: content.CmdStart, Lang: tc.Lang, Flow: tc.Flow.ID}, "(the person opens the chat)")
	for _, a := range tc.Answers {
		if a.Press == "" {
			t.send(bot.Message{Text: a.Text}, a.Text)
			continue
		}
		m, ok := t.press(a.Press)
		if !ok {
			r.Failures = append(r.Failures, Failure{a.Pos, t.noSuchOption(a.Press)})
			return r
		}
		t.send(m, "[press "+a.Press+"]")
		if t.err != nil {
			break
		}
	}
	if t.err != nil {
		r.Failures = append(r.Failures, Failure{tc.Pos, "the engine failed: " + t.err.Error()})
		return r
	}
	t.check(tc.Expect)
	if sess := t.session(); sess != nil {
		r.Lang, r.Values = sess.Lang, map[string][]string{}
		if f := c.Flow(sess.Flow); f != nil {
			w := c.Replay(f, sess.Answers)
			for _, fl := range c.Fields {
				if v := w.Profile.Values(fl); v != nil {
					r.Values[fl.Name] = v
				}
			}
		}
	}
	return r
}

type talk struct {
	ctx   context.Context
	e     *bot.Engine
	st    *store.Memory
	c     *content.Content
	r     *Result
	last  bot.Reply
	shown *bot.Suggestions // the last suggestions shown
	said  strings.Builder  // everything the bot said, for says:
	err   error
}

func (t *talk) send(m bot.Message, echo string) {
	m.Platform, m.User = "test", "tester"
	reply, err := t.e.Handle(t.ctx, m)
	if err != nil {
		t.err = err
		return
	}
	t.last = reply
	if reply.Suggestions != nil {
		t.shown = reply.Suggestions
		t.cover(reply.Suggestions)
	}
	t.line("> " + echo)
	t.render(reply)
}

func (t *talk) line(s string) { t.r.Transcript = append(t.r.Transcript, s) }

// say records text the bot said: in the transcript and for says:.
func (t *talk) say(prefix, text string) {
	t.said.WriteString(text)
	t.said.WriteString("\n")
	for _, l := range strings.Split(text, "\n") {
		t.line(prefix + l)
	}
}

func (t *talk) render(r bot.Reply) {
	if r.Answered != nil {
		t.line("  → " + r.Answered.Answer)
	}
	for _, n := range r.Notes {
		t.say("  ", n)
	}
	if s := r.Suggestions; s != nil {
		t.say("  ", s.Intro)
		for i, c := range s.Cards {
			t.say(fmt.Sprintf("  %d. ", i+1), fmt.Sprintf("%s — %s [%s]", c.Name, c.Organization, c.Service))
			for _, w := range c.Why {
				t.say("       • ", w)
			}
			for _, cv := range c.Caveats {
				t.say("       ! ", cv)
			}
			t.said.WriteString(c.Description + "\n" + c.HowToStart + "\n")
		}
		for _, n := range s.Notes {
			t.say("  ", n)
		}
	}
	if q := r.Question; q != nil {
		t.say(fmt.Sprintf("  [%s] ", stepName(q.Step)), q.Text)
		var opts []string
		for _, o := range q.Options {
			id := o.ID
			if o.Command != "" {
				id = o.Command
			}
			// a button's label is not something the bot said: says:
			// looks at texts only, so that a reason quoting an answer
			// cannot pass by matching the button that gave it
			opts = append(opts, fmt.Sprintf("%s (%s)", o.Label, id))
		}
		if len(opts) > 0 {
			t.line("      " + strings.Join(opts, " | "))
		}
	}
}

// cover records what a screen of suggestions shows: its services, and
// the rules that held for the answers the session stores then.
func (t *talk) cover(s *bot.Suggestions) {
	for _, c := range s.Cards {
		if !slices.Contains(t.r.Shown, c.Service) {
			t.r.Shown = append(t.r.Shown, c.Service)
		}
	}
	sess := t.session()
	if sess == nil {
		return
	}
	f := t.c.Flow(sess.Flow)
	if f == nil {
		return
	}
	w := t.c.Replay(f, sess.Answers)
	w.Profile.SetPlace(sess.Place)
	for _, rr := range t.c.Suggest(w.Profile, sess.Lang).Rules {
		if rr.Value == content.True && !slices.Contains(t.r.Fired, rr.Rule.ID) {
			t.r.Fired = append(t.r.Fired, rr.Rule.ID)
		}
	}
}

var errRead = errors.New("read only")

// session is what the store holds for the person under test.
func (t *talk) session() *bot.Session {
	var out *bot.Session
	_ = t.st.Update(t.ctx, "test:tester", func(s *bot.Session) error {
		out = s.Clone()
		return errRead
	})
	return out
}

func stepName(step string) string {
	if step == bot.EndStep {
		return content.EndStep
	}
	return step
}

// press finds the option with value id on the question on screen, as a
// button would send it.
func (t *talk) press(id string) (bot.Message, bool) {
	q := t.last.Question
	if q == nil {
		return bot.Message{}, false
	}
	for _, o := range append(slices.Clone(q.Options), q.Nav...) {
		if o.ID != id && o.Command != id {
			continue
		}
		if o.Command != "" {
			return bot.Message{Command: o.Command}, true
		}
		return bot.Message{Choice: &bot.Choice{Flow: q.Flow, Step: q.Step, Option: o.ID}}, true
	}
	return bot.Message{}, false
}

func (t *talk) noSuchOption(id string) string {
	q := t.last.Question
	if q == nil {
		return fmt.Sprintf("cannot press %q: no question is on screen", id)
	}
	var ids []string
	for _, o := range append(slices.Clone(q.Options), q.Nav...) {
		if o.Command != "" {
			ids = append(ids, o.Command)
		} else {
			ids = append(ids, o.ID)
		}
	}
	return fmt.Sprintf("cannot press %q: the question %q has the options %s", id, stepName(q.Step), strings.Join(ids, ", "))
}

func (t *talk) fail(p content.Pos, format string, args ...any) {
	t.r.Failures = append(t.r.Failures, Failure{p, fmt.Sprintf(format, args...)})
}

func (t *talk) check(e content.TestExpect) {
	at := "nothing (no question on screen)"
	if q := t.last.Question; q != nil {
		at = fmt.Sprintf("%q", stepName(q.Step))
	}
	if want := e.Step; want.Value != "" {
		got := ""
		if q := t.last.Question; q != nil {
			got = stepName(q.Step)
		}
		if got != want.Value {
			what := fmt.Sprintf("the question %q", want.Value)
			if want.Value == content.EndStep {
				what = "the end of the flow (the suggestions)"
			}
			t.fail(want.Pos, "expected %s, but the conversation is at %s", what, at)
		}
	}
	if len(e.Suggested)+len(e.NotSuggested) > 0 {
		if t.shown == nil {
			t.fail(e.Pos, "expected suggestions, but none were shown; the conversation is at %s", at)
		} else {
			var ids []string
			for _, c := range t.shown.Cards {
				ids = append(ids, c.Service)
			}
			n := len(ids)
			if e.Top > 0 && e.Top < n {
				n = e.Top
			}
			top := ids[:n]
			where := fmt.Sprintf("the %d suggestions shown", len(ids))
			if n < len(ids) {
				where = fmt.Sprintf("the first %d suggestions", n)
			}
			for _, s := range e.Suggested {
				if !slices.Contains(top, s.Value) {
					t.fail(s.Pos, "expected %s among %s, but they are: %s", s.Value, where, strings.Join(ids, ", "))
				}
			}
			for _, s := range e.NotSuggested {
				if slices.Contains(top, s.Value) {
					t.fail(s.Pos, "expected %s not among %s, but it is number %d: %s", s.Value, where, slices.Index(ids, s.Value)+1, strings.Join(ids, ", "))
				}
			}
		}
	}
	said := strings.ToLower(t.said.String())
	for _, s := range e.Says {
		if !strings.Contains(said, strings.ToLower(s.Value)) {
			t.fail(s.Pos, "expected the bot to say %q, but it did not", s.Value)
		}
	}
	for _, s := range e.NotSays {
		if strings.Contains(said, strings.ToLower(s.Value)) {
			t.fail(s.Pos, "expected the bot not to say %q, but it did", s.Value)
		}
	}
}
