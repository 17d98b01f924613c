package bot_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

func TestFirstContact(t *testing.T) {
	tests := []struct {
		name     string
		msg      bot.Message
		wantLang string
	}{
		{"platform language", bot.Message{Text: "hei", Lang: "en"}, "en"},
		{"language with region", bot.Message{Text: "hello", Lang: "en-US"}, "en"},
		{"locale form", bot.Message{Text: "hello", Lang: "en_GB"}, "en"},
		{"unknown language falls back to the first", bot.Message{Text: "hola", Lang: "es"}, "fi"},
		{"no language", bot.Message{Text: "moi"}, "fi"},
		{"command word picks its language", bot.Message{Text: "/help"}, "en"},
		{"start command", bot.Message{Command: content.CmdStart, Lang: "fi"}, "fi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, baseContent(t))
			r := c.send(tt.msg)
			if r.Lang != tt.wantLang {
				t.Errorf("reply language = %q, want %q", r.Lang, tt.wantLang)
			}
			if tt.msg.Text == "/help" {
				// help at first contact keeps nothing and asks nothing:
				// the next message gets the greeting
				if !strings.Contains(notes(r), "en help") || r.Question != nil {
					t.Errorf("notes = %q, question %v; want the help text alone", r.Notes, r.Question)
				}
				if r := c.send(bot.Message{Text: "hello", Lang: "en"}); !strings.Contains(notes(r), "en welcome") || c.step() != "wants" {
					t.Errorf("after /help, hello gets %q at %q; want the welcome and the first question", r.Notes, c.step())
				}
			} else if c.step() != "wants" {
				t.Errorf("first question = %q, want wants", c.step())
			}
			if tt.msg.Text == "/help" {
				return
			}
			// the welcome, then the flow's opening message, then the question
			if len(r.Notes) != 2 || r.Notes[0] != tt.wantLang+" welcome" || r.Notes[1] == "" {
				t.Errorf("notes = %q, want the welcome and the hello message", r.Notes)
			}
			if got := c.session().Lang; got != tt.wantLang {
				t.Errorf("stored language = %q, want %q", got, tt.wantLang)
			}
		})
	}
}

func TestQuestionShape(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("moi")
	q := c.last.Question
	if !q.Multi || q.Input || q.Number != 1 || q.Total != 5 {
		t.Errorf("wants question = multi %v input %v %d/%d, want multi, not input, 1/5", q.Multi, q.Input, q.Number, q.Total)
	}
	want := []string{"work", "study", "company", bot.DoneID, bot.DeclineID}
	if got := optionIDs(q); !slices.Equal(got, want) {
		t.Errorf("options = %v, want %v", got, want)
	}
	if len(q.Nav) != 0 {
		t.Errorf("first question offers %v, want no Back", q.Nav)
	}
	if q.Hint != "fi multi_hint" {
		t.Errorf("hint = %q, want the multiple-choice hint", q.Hint)
	}
	c.say("1, 2")
	c.wantStep("pace")
	if q := c.last.Question; q.Number != 2 || len(q.Nav) != 1 || q.Nav[0].Command != content.CmdBack {
		t.Errorf("second question: number %d, nav %+v; want 2 and Back", q.Number, q.Nav)
	}
}

// TestTypedAnswers: typed text that matches an option's number, label (in
// any language), value, alias or an unambiguous beginning counts as it.
func TestTypedAnswers(t *testing.T) {
	tests := []struct {
		name  string
		setup []string // typed before, from the first question
		text  string
		field string
		want  []string
	}{
		{"number", []string{"1 ja 3"}, "2", "pace", []string{"part_time"}},
		{"label", []string{"1"}, "Osa-aika", "pace", []string{"part_time"}},
		{"label in another language", []string{"1"}, "Full time", "pace", []string{"full_time"}},
		{"label with punctuation and case", []string{"1"}, "  KOKOAIKA! ", "pace", []string{"full_time"}},
		{"value", []string{"1"}, "few_hours_week", "pace", []string{"few_hours_week"}},
		{"beginning of a label", []string{"1"}, "muuta", "pace", []string{"few_hours_week"}},
		{"alias", []string{"1", "1"}, "tampere", "area", []string{"pirkanmaa"}},
		{"numbers with commas", nil, "1, 3", "wants", []string{"work", "company"}},
		{"numbers with spaces", nil, "3 1", "wants", []string{"work", "company"}},
		{"numbers with and", nil, "1 ja 2", "wants", []string{"work", "study"}},
		{"labels with commas", nil, "Opiskella, Seuraa", "wants", []string{"study", "company"}},
		{"alias in a list", nil, "job, company", "wants", []string{"work", "company"}},
		{"one label", nil, "seuraa", "wants", []string{"company"}},
		{"age as a number", []string{"2", "1"}, "25", "age", []string{"25"}},
		{"age with a word", []string{"2", "1"}, "olen 25 v", "age", []string{"25"}},
		{"yes/no by label", []string{"2", "1", "40"}, "Kyllä", "has_helper", []string{"true"}},
		{"yes/no in English", []string{"2", "1", "40"}, "no", "has_helper", []string{"false"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := baseContent(t)
			c := newConv(t, cc)
			c.say("hei")
			for _, s := range tt.setup {
				c.say(s)
			}
			before := len(c.session().Answers)
			r := c.say(tt.text)
			s := c.session()
			if len(s.Answers) != before+1 {
				t.Fatalf("say(%q) did not answer: notes %q, question %q", tt.text, r.Notes, c.step())
			}
			p := cc.Replay(cc.Flow(s.Flow), s.Answers).Profile
			if got := p.Values(cc.Field(tt.field)); !slices.Equal(got, tt.want) {
				t.Errorf("say(%q): %s = %v, want %v", tt.text, tt.field, got, tt.want)
			}
			if r.Answered == nil || r.Answered.Answer == "" {
				t.Errorf("say(%q): reply does not say what was answered", tt.text)
			}
		})
	}
}

// TestNotUnderstood: anything else gets a short, kind re-ask with the
// options, and nothing is saved.
func TestNotUnderstood(t *testing.T) {
	for _, text := range []string{"banaani", "", "   ", "99", "0", "-1", "1,99", "työ, banaani", "\x00\x00", "\xff\xfe", "?", "mu"} {
		t.Run(text, func(t *testing.T) {
			c := newConv(t, baseContent(t))
			c.say("hei")
			c.say("1")
			before := c.session()
			r := c.say(text)
			c.wantStep("pace")
			if notes(r) != "fi not_understood" {
				t.Errorf("say(%q) notes = %q, want the kind re-ask", text, r.Notes)
			}
			if len(r.Question.Options) == 0 {
				t.Errorf("say(%q): the re-ask shows no options", text)
			}
			if after := c.session(); after.Updated != before.Updated || len(after.Answers) != len(before.Answers) {
				t.Errorf("say(%q) changed the session", text)
			}
		})
	}
}

func TestMultipleChoiceButtons(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	r := c.press("work")
	if !r.Redraw || r.Answered != nil {
		t.Fatalf("ticking an option: redraw %v answered %v, want a redraw only", r.Redraw, r.Answered)
	}
	if !r.Question.Options[0].Selected {
		t.Errorf("work is not shown ticked")
	}
	c.press("company")
	c.press("work") // untick
	if got := c.session().Picked; !slices.Equal(got, []string{"company"}) {
		t.Errorf("picked = %v, want [company]", got)
	}
	r = c.press(bot.DoneID)
	if r.Answered == nil || r.Answered.Answer != "Seuraa" {
		t.Fatalf("Done answered %+v, want Seuraa", r.Answered)
	}
	c.wantStep("area") // no work, so no pace question
	if s := c.session(); len(s.Picked) != 0 {
		t.Errorf("picked after Done = %v, want cleared", s.Picked)
	}

	c2 := newConv(t, baseContent(t))
	c2.say("hei")
	r = c2.press(bot.DoneID)
	if notes(r) != "fi multi_empty" {
		t.Errorf("Done with nothing ticked: notes %q, want multi_empty", r.Notes)
	}
	c2.wantStep("wants")
}

// TestDecline: "I'd rather not say" is an answer; the field stays unknown.
func TestDecline(t *testing.T) {
	tests := []struct {
		name string
		do   func(c *conv)
	}{
		{"button", func(c *conv) { c.press(bot.DeclineID) }},
		{"label", func(c *conv) { c.say("FI decline") }},
		{"label in another language", func(c *conv) { c.say("en decline") }},
		{"number", func(c *conv) { c.say("5") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := baseContent(t)
			c := newConv(t, cc)
			c.say("hei")
			tt.do(c)
			c.wantStep("area")
			s := c.session()
			if len(s.Answers) != 1 || !s.Answers[0].Skip {
				t.Fatalf("answers = %+v, want one declined answer", s.Answers)
			}
			p := cc.Replay(cc.Start, s.Answers).Profile
			if f := cc.Field("wants"); p.Known(f) || !p.Declined(f) {
				t.Errorf("wants known=%v declined=%v, want unknown and declined", p.Known(f), p.Declined(f))
			}
			if c.last.Answered.Answer != "fi decline" {
				t.Errorf("answered %q, want the decline label", c.last.Answered.Answer)
			}
		})
	}
}

// TestDeclineTyped: people type the end of "I'd rather not say" too; a
// single word of it is not a decline.
func TestDeclineTyped(t *testing.T) {
	for _, tt := range []struct {
		text    string
		decline bool
	}{
		{"I'd rather not say", true}, {"rather not say", true}, {"Rather not say!", true}, {"not say", true},
		{"en halua sanoa", true}, {"halua sanoa", true}, {"vill inte säga", true}, {"inte säga", true},
		{"say", false}, {"sanoa", false}, {"i would rather not", false},
	} {
		c := newConv(t, builtin(t))
		c.send(bot.Message{Text: "hei", Lang: "en"})
		c.say(tt.text)
		s := c.session()
		if got := len(s.Answers) == 1 && s.Answers[0].Skip; got != tt.decline {
			t.Errorf("%q: declined %v, want %v (answers %+v)", tt.text, got, tt.decline, s.Answers)
		}
	}
}

func TestNumberInput(t *testing.T) {
	tests := []struct {
		text string
		ok   bool
	}{
		{"25", true}, {"99", true}, {"15", true}, {"25 vuotta", true},
		{"14", false}, {"100", false}, {"kaksikymmentä", false}, {"20 tai 30", false}, {"-20", false}, {"olen -20", false},
		{"25-vuotias", true}, {"2\x005", false}, {"", false}, {"٢٥", false}, {"1e2", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c := newConv(t, baseContent(t))
			c.say("hei")
			c.say("2")
			c.say("1")
			c.wantStep("age")
			if !c.last.Question.Input {
				t.Fatalf("the age question is not a typed question")
			}
			r := c.say(tt.text)
			if tt.ok {
				c.wantStep("helper")
				return
			}
			c.wantStep("age")
			if len(r.Notes) != 1 || !strings.HasPrefix(r.Notes[0], "fi number_invalid 15-99") {
				t.Errorf("say(%q) notes = %q, want the number hint with the limits", tt.text, r.Notes)
			}
		})
	}
}

// TestBack pops the last answer; at the first question it says so.
func TestBack(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	r := c.say("takaisin")
	if notes(r) != "fi at_start" {
		t.Errorf("back at the start: notes %q, want at_start", r.Notes)
	}
	c.wantStep("wants")
	c.say("1")
	c.say("2")
	c.wantStep("area")
	c.say("/back")
	c.wantStep("pace")
	if n := len(c.session().Answers); n != 1 {
		t.Errorf("answers after back = %d, want 1", n)
	}
	c.press("back") // the Nav button
	c.wantStep("wants")
	if n := len(c.session().Answers); n != 0 {
		t.Errorf("answers after two backs = %d, want 0", n)
	}
	// a different answer now takes another path
	c.say("2")
	c.wantStep("area")
}

// TestStaleButton: a button of any question but the current one re-asks
// the current question and is never applied.
func TestStaleButton(t *testing.T) {
	tests := []struct {
		name   string
		choice bot.Choice
	}{
		{"earlier question", bot.Choice{Flow: "jobseeker", Step: "wants", Option: "study"}},
		{"later question", bot.Choice{Flow: "jobseeker", Step: "helper", Option: "true"}},
		{"another flow", bot.Choice{Flow: "other", Step: "pace", Option: "part_time"}},
		{"unknown option", bot.Choice{Flow: "jobseeker", Step: "pace", Option: "sometimes"}},
		{"language question not asked", bot.Choice{Step: bot.LanguageStep, Option: "en"}},
		{"end question before the end", bot.Choice{Flow: "jobseeker", Step: bot.EndStep, Option: bot.AgainID}},
		{"empty", bot.Choice{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, baseContent(t))
			c.say("hei")
			c.say("1")
			before := c.session()
			r := c.send(bot.Message{Choice: &tt.choice})
			c.wantStep("pace")
			if notes(r) != "fi stale_button" {
				t.Errorf("notes = %q, want stale_button", r.Notes)
			}
			if after := c.session(); !slices.Equal(after.Answers, before.Answers) || after.Lang != before.Lang {
				t.Errorf("a stale button changed the session: %+v → %+v", before, after)
			}
		})
	}
}

func TestSuggestionsAtTheEnd(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	for _, a := range []string{"1, 3", "1", "lappi", "22"} {
		c.say(a)
	}
	r := c.press("true")
	s := r.Suggestions
	if s == nil {
		t.Fatalf("no suggestions at the end; reply %+v", r)
	}
	if s.Intro != "fi suggestions" || s.Why != "fi why" || s.HowToStart != "fi how_to_start" {
		t.Errorf("suggestion texts = %q %q %q", s.Intro, s.Why, s.HowToStart)
	}
	if n := len(s.Cards); n < 3 || n > bot.MaxSuggestions {
		t.Fatalf("%d cards, want 3 to %d", n, bot.MaxSuggestions)
	}
	// peer group: few hours (3) + company (2) + everyone (1) = 6; the local
	// Lapland workshop 5; then national guidance 1 each, in catalogue order
	var order []string
	for _, card := range s.Cards {
		order = append(order, card.Service)
	}
	if want := []string{"peer-group", "lappi-workshop", "ohjaamo", "register", "work-trial"}; !slices.Equal(order, want) {
		t.Errorf("cards = %v, want %v", order, want)
	}
	first := s.Cards[0]
	if !slices.Contains(first.Why, "Sanoit: Muutama tunti.") || !slices.Contains(first.Why, "Haluat seuraa.") {
		t.Errorf("reasons = %q, want the person's own answer quoted and the company reason", first.Why)
	}
	if first.URL == "" || first.HowToStart == "" || first.Organization == "" {
		t.Errorf("card lacks url, how to start or organisation: %+v", first)
	}
	// the person's cards carry no trace; staff tools get it for the same
	// answers, with the same cards
	if len(first.Trace) > 0 {
		t.Errorf("the person's card carries a trace %+v, which is for staff tools", first.Trace)
	}
	cc := c.e.Content()
	staff := c.e.Suggestions(cc.Replay(cc.Start, c.session().Answers).Profile, "fi")
	if len(staff.Cards) != len(s.Cards) || staff.Cards[0].Service != first.Service {
		t.Fatalf("staff cards %v, want the person's %v", cardIDs(staff), cardIDs(s))
	}
	var rules []string
	for _, tr := range staff.Cards[0].Trace {
		rules = append(rules, tr.Rule)
	}
	if !slices.Equal(rules, []string{"gentle", "company", "everyone"}) {
		t.Errorf("trace rules = %v, want gentle, company, everyone (by score)", rules)
	}
	if !slices.Contains(staff.Cards[0].Trace[0].Answers, "pace=few_hours_week") {
		t.Errorf("trace answers = %v, want pace=few_hours_week", staff.Cards[0].Trace[0].Answers)
	}
	c.wantStep(bot.EndStep)
	if got := optionIDs(c.last.Question); !slices.Equal(got, []string{bot.AgainID, content.CmdRestart, content.CmdBack, content.CmdPerson}) {
		t.Errorf("end options = %v", got)
	}
	r = c.press(bot.AgainID)
	if r.Suggestions == nil || len(r.Suggestions.Cards) != len(s.Cards) {
		t.Errorf("show again gave %+v", r.Suggestions)
	}
	r = c.say("kiitos")
	if notes(r) != "fi after_end" || r.Suggestions != nil {
		t.Errorf("text after the end: notes %q, want after_end", r.Notes)
	}
	c.press(content.CmdBack)
	c.wantStep("helper")
}

func TestEligibilityAndArea(t *testing.T) {
	suggested := func(answers ...string) (*bot.Suggestions, []string) {
		c := newConv(t, baseContent(t))
		c.say("hei")
		for _, a := range answers {
			c.say(a)
		}
		if c.last.Suggestions == nil {
			t.Fatalf("answers %q did not reach the suggestions; at %q", answers, c.step())
		}
		var ids []string
		for _, card := range c.last.Suggestions.Cards {
			ids = append(ids, card.Service)
		}
		return c.last.Suggestions, ids
	}
	_, ids := suggested("2", "helsinki", "45", "ei")
	if slices.Contains(ids, "ohjaamo") {
		t.Errorf("a 45-year-old was offered Ohjaamo (under 30s): %v", ids)
	}
	_, ids = suggested("2", "helsinki", "fi decline", "ei")
	if !slices.Contains(ids, "ohjaamo") {
		t.Errorf("an unknown age left Ohjaamo out: %v; unknown must never exclude", ids)
	}
	s, ids := suggested("3", "fi decline", "20", "ei")
	if slices.Contains(ids, "lappi-workshop") {
		t.Errorf("an unknown area got a Lapland-only service: %v", ids)
	}
	if !slices.Contains(s.Notes, "fi area_unknown") {
		t.Errorf("notes = %q, want the note that only national services are shown", s.Notes)
	}
	_, ids = suggested("3", "helsinki", "20", "ei")
	if slices.Contains(ids, "lappi-workshop") {
		t.Errorf("someone in Helsinki got a Lapland-only service: %v", ids)
	}
}

func TestCommandWordsInAnyLanguage(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"/apua", "help"}, {"apua", "help"}, {"HELP", "help"}, {"/help@PolkuBot", "help"},
		{"/ihminen", "person"}, {"talk to a person", "person"},
		{"/tiedot", "mydata"}, {"/mydata", "mydata"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			c := newConv(t, baseContent(t))
			c.send(bot.Message{Text: "hei", Lang: "en"})
			c.say("1")
			r := c.say(tt.text)
			c.wantStep("pace") // the question stays on screen
			got := notes(r)
			switch tt.want {
			case "help":
				// in the session's language, with the commands listed
				if !strings.HasPrefix(got, "en help") || !strings.Contains(got, "/back") || !strings.Contains(got, "en back description") {
					t.Errorf("help = %q", got)
				}
			case "person":
				if got != "en person_unavailable" {
					t.Errorf("person = %q", got)
				}
			case "mydata":
				if !strings.HasPrefix(got, "en my_data 30") || !strings.Contains(got, "Wishes: Work") {
					t.Errorf("my data = %q, want the 30 days and the answer in plain words", got)
				}
			}
		})
	}
}

func TestMyData(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	if got := notes(c.cmd(content.CmdMyData)); got != "fi my_data_empty 30" {
		t.Errorf("my data before answering = %q", got)
	}
	// a tick not yet sent is stored, so it is shown too
	c.press("study")
	if got := notes(c.cmd(content.CmdMyData)); !strings.Contains(got, "Toiveet: Opiskella") {
		t.Errorf("my data with a tick = %q, want the ticked option", got)
	}
	c.press("study")
	c.say("1, 2")
	c.say("fi decline")
	got := notes(c.cmd(content.CmdMyData))
	for _, want := range []string{"Toiveet: Töitä ja Opiskella", "Tahti: fi declined", "fi my_data_language: suomi"} {
		if !strings.Contains(got, want) {
			t.Errorf("my data = %q, want it to contain %q", got, want)
		}
	}
}

func TestLanguage(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	c.say("1")
	r := c.say("/kieli")
	c.wantStep(bot.LanguageStep)
	if got := optionIDs(r.Question); !slices.Equal(got, []string{"fi", "en"}) {
		t.Errorf("language options = %v", got)
	}
	r = c.press("en")
	if r.Lang != "en" || notes(r) != "en language_changed" {
		t.Errorf("after choosing English: lang %q notes %q", r.Lang, r.Notes)
	}
	c.wantStep("pace")
	if r.Question.Text != "At what pace?" {
		t.Errorf("question in %q, want English", r.Question.Text)
	}
	r = c.say("/language suomi")
	if r.Lang != "fi" || r.Question.Text != "Millä tahdilla?" {
		t.Errorf("/language suomi: lang %q question %q", r.Lang, r.Question.Text)
	}
	c.say("/kieli")
	r = c.say("swahili")
	c.wantStep(bot.LanguageStep)
	if notes(r) != "fi not_understood" {
		t.Errorf("an unknown language: notes %q", r.Notes)
	}
	c.say("back")
	c.wantStep("pace")
	if n := len(c.session().Answers); n != 1 {
		t.Errorf("leaving the language question lost answers: %d left", n)
	}
}

// TestFirstContactLanguage: the platform's language decides the first
// reply, also when the first message is a word of every language (/start);
// a word of one language decides over it.
func TestFirstContactLanguage(t *testing.T) {
	for _, tt := range []struct{ text, platform, want string }{
		{"/start", "en", "en"},
		{"/start", "fi", "fi"},
		{"/start", "", "fi"},
		{"/apua", "en", "fi"},
		{"hello", "en", "en"},
	} {
		c := newConv(t, baseContent(t))
		if r := c.send(bot.Message{Text: tt.text, Lang: tt.platform}); r.Lang != tt.want {
			t.Errorf("%q from a person whose platform says %q: reply in %q, want %q", tt.text, tt.platform, r.Lang, tt.want)
		}
	}
}

func TestRestartAndStart(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	c.say("1")
	r := c.say("/start")
	if notes(r) != "fi start_midflow" {
		t.Errorf("/start mid-flow: notes %q, want start_midflow", r.Notes)
	}
	c.wantStep("pace")
	r = c.say("alkuun")
	c.wantStep("wants")
	if len(r.Notes) < 1 || r.Notes[0] != "fi restarted" {
		t.Errorf("restart notes = %q", r.Notes)
	}
	if n := len(c.session().Answers); n != 0 {
		t.Errorf("answers after restart = %d", n)
	}
}

// TestForget deletes everything at once and confirms in the person's
// language; the next message starts over.
func TestForget(t *testing.T) {
	for _, how := range []bot.Message{{Text: "forget me"}, {Text: "/unohda"}, {Command: content.CmdForget}} {
		t.Run(how.Text+how.Command, func(t *testing.T) {
			c := newConv(t, baseContent(t))
			c.send(bot.Message{Text: "hello", Lang: "en"})
			c.say("1")
			r := c.send(how)
			// the conversation's language, whatever the command word's
			if notes(r) != "en forgotten" || r.Question != nil {
				t.Errorf("forget: notes %q question %v", r.Notes, r.Question)
			}
			if n := c.st.Len(); n != 0 {
				t.Errorf("store holds %d sessions after forget, want 0", n)
			}
			r = c.say("hei")
			if len(r.Notes) == 0 || !strings.HasSuffix(r.Notes[0], "welcome") {
				t.Errorf("after forget: %q, want a new welcome", r.Notes)
			}
		})
	}
}

func TestDuplicateUpdate(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	m := bot.Message{Platform: "test", User: c.user, UpdateID: "dup-1", Text: "1"}
	if _, err := c.e.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	r, err := c.e.Handle(context.Background(), m)
	if !errors.Is(err, bot.ErrDuplicate) {
		t.Fatalf("the same update again = %v, want ErrDuplicate", err)
	}
	if r.Question != nil || len(r.Notes) > 0 {
		t.Errorf("a duplicate got a reply: %+v", r)
	}
	if n := len(c.session().Answers); n != 1 {
		t.Errorf("answers = %d, want 1 (applied once)", n)
	}
}

// TestConcurrentTaps: one person's two different answers to the same
// question at the same moment, over many trials. Exactly one is applied;
// the other finds the question answered and is treated as stale.
func TestConcurrentTaps(t *testing.T) {
	cc := baseContent(t)
	for trial := range 200 {
		c := newConv(t, cc)
		c.say("hei")
		c.say("1")
		var wg sync.WaitGroup
		replies := make([]bot.Reply, 2)
		for i, opt := range []string{"part_time", "full_time"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				m := bot.Message{Platform: "test", User: c.user, UpdateID: opt, Choice: &bot.Choice{Flow: "jobseeker", Step: "pace", Option: opt}}
				r, err := c.e.Handle(context.Background(), m)
				if err != nil {
					t.Errorf("Handle = %v", err)
				}
				replies[i] = r
			}()
		}
		wg.Wait()
		s := c.session()
		if len(s.Answers) != 2 || s.Answers[1].Step != "pace" {
			t.Fatalf("trial %d: answers %+v, want wants and exactly one pace", trial, s.Answers)
		}
		applied := 0
		for _, r := range replies {
			if r.Answered != nil {
				applied++
				if r.Answered.Answer == "Osa-aika" && s.Answers[1].Value != "part_time" || r.Answered.Answer == "Kokoaika" && s.Answers[1].Value != "full_time" {
					t.Fatalf("trial %d: the reply says %q but %q was stored", trial, r.Answered.Answer, s.Answers[1].Value)
				}
			} else if notes(r) != "fi stale_button" {
				t.Fatalf("trial %d: the losing tap got %q, want stale_button", trial, r.Notes)
			}
		}
		if applied != 1 {
			t.Fatalf("trial %d: %d taps applied, want 1", trial, applied)
		}
	}
}

// TestContentReload: a conversation under way continues in new content;
// answers to steps that are gone are dropped and the person is asked what
// is new.
func TestContentReload(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	c.say("1")
	c.say("2")
	c.wantStep("area")

	fsys := baseFS(t)
	// the new flow asks area first and has no pace question
	fsys["flows/jobseeker.yaml"] = &fstest.MapFile{Data: []byte(`flow: jobseeker
steps:
  - id: area
    sets: area
    text: {fi: Missä asut nyt?, en: Where do you live now?}
    options:
      - {value: helsinki, label: {fi: Helsinki, en: Helsinki}}
      - {value: lappi, label: {fi: Lappi, en: Lapland}}
    next: wants
  - id: wants
    sets: wants
    text: {fi: Mitä haluaisit?, en: What would you like?}
    options:
      - {value: work, label: {fi: Töitä, en: Work}}
      - {value: study, label: {fi: Opiskella, en: Study}}
    next: end
`)}
	c.e.SetContent(loadDir(t, fsys))
	r := c.say("apua") // any message replays the session into the new flow
	c.wantStep("area")
	if r.Question.Text != "Missä asut nyt?" {
		t.Errorf("question = %q, want the new content's text", r.Question.Text)
	}
	s := c.session()
	if len(s.Answers) != 0 {
		t.Errorf("answers after reload = %+v, want none (area comes first now and is not answered)", s.Answers)
	}
	c.say("lappi")
	c.wantStep("wants")
}

func TestUnsupportedAndTooLong(t *testing.T) {
	tests := []struct {
		name string
		msg  bot.Message
		want string
	}{
		{"sticker", bot.Message{Unsupported: "sticker"}, "fi unsupported"},
		{"photo with caption", bot.Message{Unsupported: "photo", Text: "1"}, "fi unsupported"},
		{"one megabyte", bot.Message{Text: strings.Repeat("a", 1<<20)}, "fi too_long"},
		{"long command-like", bot.Message{Text: "/apua " + strings.Repeat("x", 1<<20)}, "fi too_long"},
		{"empty", bot.Message{Text: ""}, "fi not_understood"},
		{"NUL bytes", bot.Message{Text: "\x00\x00\x00"}, "fi not_understood"},
		{"invalid UTF-8", bot.Message{Text: "\xc3\x28\xa0\xa1"}, "fi not_understood"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newConv(t, baseContent(t))
			c.say("hei")
			c.say("1")
			before := c.session()
			r := c.send(tt.msg)
			if notes(r) != tt.want {
				t.Errorf("notes = %q, want %q", r.Notes, tt.want)
			}
			c.wantStep("pace")
			if after := c.session(); after.Updated != before.Updated || !slices.Equal(after.Answers, before.Answers) {
				t.Errorf("bad input changed the session")
			}
		})
	}
}

func TestNoUser(t *testing.T) {
	e := bot.New(baseContent(t), store.NewMemory(0), bot.Options{})
	for _, m := range []bot.Message{{Text: "hei"}, {Platform: "test", Text: "hei"}, {User: "1", Text: "hei"}} {
		if _, err := e.Handle(context.Background(), m); !errors.Is(err, bot.ErrNoUser) {
			t.Errorf("Handle(%+v) = %v, want ErrNoUser", m, err)
		}
	}
}

// failingStore stands for a store that is down.
type failingStore struct{ err error }

func (f failingStore) Update(context.Context, string, func(*bot.Session) error) error { return f.err }
func (f failingStore) Delete(context.Context, string) error                           { return f.err }

func TestStoreDown(t *testing.T) {
	down := errors.New("connection refused")
	e := bot.New(baseContent(t), failingStore{down}, bot.Options{})
	for _, m := range []bot.Message{{Text: "hei", Lang: "en"}, {Text: "forget me"}} {
		m.Platform, m.User = "test", "1"
		r, err := e.Handle(context.Background(), m)
		if !errors.Is(err, down) {
			t.Errorf("Handle(%q) error = %v, want it to wrap the store's error", m.Text, err)
		}
		if notes(r) != "en error" {
			t.Errorf("Handle(%q) reply = %q, want the kind error message in English", m.Text, r.Notes)
		}
	}
}

func TestForgetFirstContact(t *testing.T) {
	c := newConv(t, baseContent(t))
	if got := notes(c.say("forget me")); got != "en forgotten" {
		t.Errorf("forget as the first message = %q, want the command word's language", got)
	}
	if n := c.st.Len(); n != 0 {
		t.Errorf("store holds %d sessions, want 0", n)
	}
}

// TestRecentUpdateIds: a session remembers the newest update ids — a
// redelivery of any of them is recognised — and no more, to stay small.
func TestRecentUpdateIds(t *testing.T) {
	c := newConv(t, baseContent(t))
	for i := range 20 {
		c.send(bot.Message{Text: "/apua", UpdateID: fmt.Sprint(1000 + i)}) // help saves nothing...
		c.send(bot.Message{Text: "/kieli", UpdateID: fmt.Sprint(2000 + i)})
		c.send(bot.Message{Command: content.CmdBack, UpdateID: fmt.Sprint(3000 + i)}) // ...these do
	}
	seen := c.session().Seen
	if len(seen) != 8 || seen[len(seen)-1] != "3019" {
		t.Fatalf("remembered ids = %v, want the newest 8", seen)
	}
	for _, id := range seen {
		if _, err := c.e.Handle(context.Background(), bot.Message{Platform: "test", User: c.user, UpdateID: id, Text: "1"}); !errors.Is(err, bot.ErrDuplicate) {
			t.Errorf("redelivery of %s = %v, want ErrDuplicate", id, err)
		}
	}
}

// TestReplyUpdates: a reply names the session's last update before and
// after it — what lets an adapter with several replicas tell whether its
// own memory of a chat is still current. An update that saves nothing
// leaves the session where it was.
func TestReplyUpdates(t *testing.T) {
	c := newConv(t, baseContent(t))
	for _, step := range []struct {
		m          bot.Message
		prev, last string
	}{
		{bot.Message{Text: "/start", UpdateID: "u1"}, "", "u1"},
		{bot.Message{Text: "/apua", UpdateID: "u2"}, "u1", "u1"}, // help saves nothing
		{bot.Message{Text: "1", UpdateID: "u3"}, "u1", "u3"},
		{bot.Message{Text: "1", UpdateID: "u4"}, "u3", "u4"},
	} {
		r := c.send(step.m)
		if r.PrevUpdate != step.prev || r.LastUpdate != step.last {
			t.Errorf("%q (%s): PrevUpdate %q, LastUpdate %q; want %q and %q", step.m.Text+step.m.Command, step.m.UpdateID, r.PrevUpdate, r.LastUpdate, step.prev, step.last)
		}
	}
}

// TestStartAnotherFlow: a first contact or a restart may name the flow to
// begin (a volunteer's flow, a test of another flow); an unknown name
// falls back to the content's start flow.
func TestStartAnotherFlow(t *testing.T) {
	fsys := baseFS(t)
	fsys["flows/volunteer.yaml"] = &fstest.MapFile{Data: []byte(`flow: volunteer
steps:
  - id: client_pace
    sets: pace
    text: {fi: Millä tahdilla asiakas haluaisi aloittaa?, en: At what pace would your client like to start?}
    options:
      - {value: part_time, label: {fi: Osa-aika, en: Part time}}
    next: end
`)}
	c := loadDir(t, fsys)
	for _, tt := range []struct{ flow, want string }{{"volunteer", "client_pace"}, {"", "wants"}, {"nonexistent", "wants"}} {
		cv := newConv(t, c)
		cv.send(bot.Message{Command: content.CmdStart, Flow: tt.flow})
		cv.wantStep(tt.want)
		cv.send(bot.Message{Command: content.CmdRestart, Flow: tt.flow})
		cv.wantStep(tt.want)
	}
}

// TestStartPayloadFlow: a start link may name the flow to open
// (flow-volunteer), together with answers for that flow; starting over
// stays in that flow. An unknown flow is left out.
func TestStartPayloadFlow(t *testing.T) {
	fsys := baseFS(t)
	fsys["flows/volunteer.yaml"] = &fstest.MapFile{Data: []byte(`flow: volunteer
steps:
  - id: client_pace
    sets: pace
    text: {fi: Millä tahdilla asiakas haluaisi aloittaa?, en: At what pace would your client like to start?}
    options:
      - {value: part_time, label: {fi: Osa-aika, en: Part time}}
      - {value: full_time, label: {fi: Kokoaika, en: Full time}}
    next: client_area
  - id: client_area
    sets: area
    text: {fi: Missä asiakas asuu?, en: Where does your client live?}
    options:
      - {value: helsinki, label: {fi: Helsinki, en: Helsinki}}
      - {value: lappi, label: {fi: Lappi, en: Lapland}}
    next: end
`)}
	c := loadDir(t, fsys)
	for _, tt := range []struct{ payload, want string }{
		{"flow-volunteer", "client_pace"},
		{"flow-volunteer__pace-full_time", "client_area"},
		{"flow-nonexistent", "wants"},
		{"area-lappi", "wants"},
	} {
		t.Run(tt.payload, func(t *testing.T) {
			cv := newConv(t, c)
			cv.send(bot.Message{Command: content.CmdStart, Arg: tt.payload})
			cv.wantStep(tt.want)
			wantFlow, wantFirst := "jobseeker", "wants"
			if strings.HasPrefix(tt.want, "client_") {
				wantFlow, wantFirst = "volunteer", "client_pace"
			}
			cv.cmd(content.CmdRestart)
			if got := cv.session().Flow; got != wantFlow {
				t.Errorf("after restart the flow is %q, want %q", got, wantFlow)
			}
			cv.wantStep(wantFirst)
		})
	}
}

// TestMessageStepQuotesAnswers: a message step's text may quote answers
// given before it, in the person's language, as a summary to hand over.
func TestMessageStepQuotesAnswers(t *testing.T) {
	fsys := baseFS(t)
	fsys["flows/summary.yaml"] = &fstest.MapFile{Data: []byte(`flow: summary
steps:
  - id: s_pace
    sets: pace
    text: {fi: Millä tahdilla?, en: At what pace?}
    options:
      - {value: part_time, label: {fi: Osa-aika, en: Part time}}
    next: s_area
  - id: s_area
    sets: area
    text: {fi: Missä?, en: Where?}
    options:
      - {value: helsinki, label: {fi: Helsinki, en: Helsinki}}
    next: handover
  - id: handover
    text: {fi: "Tahti: {pace}. Alue: {area}.", en: "Pace: {pace}. Area: {area}."}
    next: end
`)}
	cv := newConv(t, loadDir(t, fsys))
	cv.send(bot.Message{Command: content.CmdStart, Flow: "summary", Lang: "en"})
	cv.press("part_time")
	r := cv.press(bot.DeclineID)
	if got := strings.Join(r.Notes, "\n"); !strings.Contains(got, "Pace: Part time. Area: en declined.") {
		t.Errorf("notes = %q, want the answers quoted", got)
	}
}

// TestReasonQuotesItsAnswers: of a person's several answers, a reason
// quotes back those its rule is about, in their words; a rule about the
// answer as a whole quotes it whole.
func TestReasonQuotesItsAnswers(t *testing.T) {
	fsys := baseFS(t)
	fsys["rules/suggestions.yaml"] = &fstest.MapFile{Data: []byte(`rules:
  - id: everyone
    suggest: {tags: [guidance], services: [lappi-workshop]}
    because: {fi: "Kaikille.", en: "For all."}
  - id: company
    when: '"company" in wants'
    suggest: {tags: [guidance]}
    because: {fi: "A: {wants}.", en: "A: {wants}."}
  - id: two
    when: 'any(wants, # in ["work", "study"])'
    suggest: {tags: [guidance]}
    because: {fi: "B: {wants}.", en: "B: {wants}."}
  - id: whole
    when: 'pace == "part_time"'
    suggest: {tags: [guidance]}
    because: {fi: "C: {wants}, {pace}.", en: "C: {wants}, {pace}."}
`)}
	cv := newConv(t, loadDir(t, fsys))
	for _, a := range []string{"hei", "1, 2, 3", "2", "helsinki", "40"} {
		cv.say(a)
	}
	r := cv.say("kyllä")
	if r.Suggestions == nil || len(r.Suggestions.Cards) == 0 {
		t.Fatalf("no suggestions: %+v", r)
	}
	why := r.Suggestions.Cards[0].Why
	for _, want := range []string{"A: Seuraa.", "B: Töitä ja Opiskella.", "C: Töitä, Opiskella ja Seuraa, Osa-aika."} {
		if !slices.Contains(why, want) {
			t.Errorf("reasons %q lack %q", why, want)
		}
	}
}

// TestStartPayload: a start link (an NGO's QR code) answers questions in
// advance; each is applied when its question comes up. Parts that do not
// fit the flow are left out.
func TestStartPayload(t *testing.T) {
	tests := []struct {
		name      string
		payload   string
		answers   []string // typed after the start
		wantStep  string
		wantField map[string][]string
	}{
		{"area, applied when reached", "area-lappi", []string{"1, 3", "2"}, "age", map[string][]string{"area": {"lappi"}}},
		{"the first question", "wants-work-study", nil, "pace", map[string][]string{"wants": {"work", "study"}}},
		{"several", "wants-company__area-helsinki__age-40", nil, "helper", map[string][]string{"age": {"40"}}},
		{"unknown field, value or form", "colour-blue__area-atlantis__nonsense", []string{"2"}, "area", nil},
		{"a value that fails the question's limits", "age-7", []string{"2", "lappi"}, "age", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc := baseContent(t)
			c := newConv(t, cc)
			c.send(bot.Message{Command: content.CmdStart, Arg: tt.payload})
			for _, a := range tt.answers {
				c.say(a)
			}
			c.wantStep(tt.wantStep)
			s := c.session()
			p := cc.Replay(cc.Start, s.Answers).Profile
			for field, want := range tt.wantField {
				if got := p.Values(cc.Field(field)); !slices.Equal(got, want) {
					t.Errorf("%s = %v, want %v", field, got, want)
				}
			}
		})
	}
	// typed as Telegram sends a deep link, and shown by /mydata before it applies
	c := newConv(t, baseContent(t))
	c.say("/start area-pirkanmaa")
	if got := notes(c.cmd(content.CmdMyData)); !strings.Contains(got, "Alue: Pirkanmaa") {
		t.Errorf("my data = %q, want the preset area", got)
	}
	c.say("alkuun")
	if s := c.session(); len(s.Preset) != 0 {
		t.Errorf("starting over kept presets %v", s.Preset)
	}
	// a start link in the middle of a conversation changes nothing
	c = newConv(t, baseContent(t))
	c.say("hei")
	c.say("1")
	c.send(bot.Message{Command: content.CmdStart, Arg: "area-lappi"})
	if s := c.session(); len(s.Preset) != 0 || len(s.Answers) != 1 {
		t.Errorf("a start link mid-flow changed the session: %+v", s)
	}
}

func TestForgetFromAdapter(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	if err := c.e.Forget(context.Background(), "test", c.user); err != nil {
		t.Fatal(err)
	}
	if n := c.st.Len(); n != 0 {
		t.Errorf("%d sessions left after Forget", n)
	}
}

// TestChooseMany: a select menu answers a multiple choice at once, in the
// question's order; an option the question lacks makes it stale.
func TestChooseMany(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	r := c.send(bot.Message{Choice: &bot.Choice{Flow: "jobseeker", Step: "wants", Many: []string{"company", "work"}}})
	if r.Answered == nil || r.Answered.Answer != "Töitä ja Seuraa" {
		t.Fatalf("answered %+v", r.Answered)
	}
	c.wantStep("pace")
	c.cmd(content.CmdBack)
	r = c.send(bot.Message{Choice: &bot.Choice{Flow: "jobseeker", Step: "wants", Many: []string{"work", "flying"}}})
	if notes(r) != "fi stale_button" {
		t.Errorf("an unknown option: %q", r.Notes)
	}
	c.wantStep("wants")
}
