package bot_test

import (
	"slices"
	"testing"

	"polku/bot"
)

// TestExclusiveOption: "no one" cannot be ticked with the others. Ticking
// it clears them, ticking another clears it; typed or chosen at once
// together with others, it gives way to them.
func TestExclusiveOption(t *testing.T) {
	c := builtin(t)
	atHelpers := func() *conv {
		cv := newConv(t, c)
		cv.send(bot.Message{Text: "hei", Lang: "fi"})
		cv.press("ask_me")
		cv.press("work")
		cv.press(bot.DoneID)
		cv.press("part_time")
		cv.press("helsinki")
		cv.press("age_30_54")
		cv.wantStep("helpers")
		return cv
	}
	ticked := func(cv *conv) []string {
		var out []string
		for _, o := range cv.last.Question.Options {
			if o.Selected {
				out = append(out, o.ID)
			}
		}
		return out
	}
	answer := func(cv *conv) []string {
		for _, a := range cv.session().Answers {
			if a.Step == "helpers" {
				return []string{a.Value}
			}
		}
		return nil
	}

	cv := atHelpers()
	cv.press("social_services")
	cv.press("health_care")
	cv.press("no_one")
	if got := ticked(cv); !slices.Equal(got, []string{"no_one"}) {
		t.Errorf("after ticking no one: %v ticked, want only no_one", got)
	}
	cv.press("ngo")
	if got := ticked(cv); !slices.Equal(got, []string{"ngo"}) {
		t.Errorf("after ticking an NGO: %v ticked, want only ngo", got)
	}
	cv.press("no_one")
	cv.press("no_one") // untick
	if got := ticked(cv); len(got) != 0 {
		t.Errorf("after unticking no one: %v ticked, want none", got)
	}

	for _, typed := range []string{"2, 5", "5, 2", "sosiaalipalvelut, ei kukaan"} {
		cv = atHelpers()
		cv.say(typed)
		if got := answer(cv); !slices.Equal(got, []string{"social_services"}) {
			t.Errorf("typed %q: answer %v, want social_services alone", typed, got)
		}
	}
	cv = atHelpers()
	cv.say("ei kukaan")
	if got := answer(cv); !slices.Equal(got, []string{"no_one"}) {
		t.Errorf(`typed "ei kukaan": answer %v, want no_one`, got)
	}

	cv = atHelpers()
	q := cv.last.Question
	cv.send(bot.Message{Choice: &bot.Choice{Flow: q.Flow, Step: q.Step, Many: []string{"no_one", "health_care"}}})
	if got := answer(cv); !slices.Equal(got, []string{"health_care"}) {
		t.Errorf("chosen at once with health care: answer %v, want health_care alone", got)
	}
}

// TestTypedAfterTicks: a number typed after ticks made with buttons adds
// to the ticks (issue 16: it used to drop them).
func TestTypedAfterTicks(t *testing.T) {
	c := newConv(t, builtin(t))
	c.send(bot.Message{Text: "hei", Lang: "fi"})
	c.press("ask_me")
	c.press("work") // ticked with a button
	c.say("2")      // then "Opiskella" typed by its number
	var got string
	for _, a := range c.session().Answers {
		if a.Step == "wants" {
			got = a.Value
		}
	}
	if got != "work,study" {
		t.Errorf("wants = %q, want work and study", got)
	}
}
