package bot_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

// crisisTexts reads testdata/crisis.yaml: per language, what a person in
// crisis may type and harmless look-alikes.
func crisisTexts(t *testing.T) map[string]struct{ Crisis, Harmless []string } {
	t.Helper()
	b, err := os.ReadFile("testdata/crisis.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]struct{ Crisis, Harmless []string }
	if err := yaml.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"fi", "sv", "en"} {
		if n, m := len(out[lang].Crisis), len(out[lang].Harmless); n < 30 || m < 30 {
			t.Fatalf("testdata/crisis.yaml has %d crisis texts and %d look-alikes in %s, want at least 30 of each", n, m, lang)
		}
	}
	return out
}

// crisisConv is a conversation in lang on the built-in content, at its
// second question, whose engine logs everything, debug included, into log.
func crisisConv(t *testing.T, c *content.Content, lang string, log *bytes.Buffer) *conv {
	st := store.NewMemory(0)
	logger := slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cv := &conv{t: t, e: bot.New(c, st, bot.Options{Logger: logger}), st: st, user: "u1"}
	cv.send(bot.Message{Text: "hei", Lang: lang})
	cv.press(cv.last.Question.Options[0].ID)
	return cv
}

// TestCrisis sends every crisis text of every language at a question in
// the middle of the flow: the crisis message comes first, in the
// conversation's language, the same question is asked again, and nothing
// of the text is stored or logged. No look-alike gets the message.
func TestCrisis(t *testing.T) {
	c := builtin(t)
	texts := crisisTexts(t)
	var log bytes.Buffer
	for _, lang := range []string{"fi", "sv", "en", "fi-selko"} {
		want := c.Message("crisis", lang)
		if !strings.Contains(want, "112") || !strings.Contains(want, "09 2525 0111") {
			t.Fatalf("the %s crisis message names neither 112 nor the round-the-clock line: %q", lang, want)
		}
		for _, phraseLang := range []string{"fi", "sv", "en"} {
			for _, text := range texts[phraseLang].Crisis {
				cv := crisisConv(t, c, lang, &log)
				step, before := cv.step(), cv.session()
				r := cv.say(text)
				if len(r.Notes) == 0 || r.Notes[0] != want {
					t.Errorf("%s conversation, %q: notes %q, want the crisis message first", lang, text, r.Notes)
					continue
				}
				if cv.step() != step {
					t.Errorf("%s conversation, %q: question %q after the crisis message, want %q again", lang, text, cv.step(), step)
				}
				after := cv.session()
				if !slices.Equal(after.Answers, before.Answers) || after.Lang != lang {
					t.Errorf("%q changed the session: answers %v → %v, language %s", text, before.Answers, after.Answers, after.Lang)
				}
				if s := fmt.Sprintf("%+v", after); strings.Contains(s, text) {
					t.Errorf("the session holds %q: %s", text, s)
				}
			}
		}
	}
	for _, phraseLang := range []string{"fi", "sv", "en"} {
		for _, text := range texts[phraseLang].Harmless {
			r := crisisConv(t, c, phraseLang, &log).say(text)
			for _, n := range r.Notes {
				if strings.Contains(n, "112") {
					t.Errorf("%q (harmless) got the crisis message: %q", text, n)
				}
			}
		}
	}
	for _, phraseLang := range []string{"fi", "sv", "en"} {
		for _, text := range append(texts[phraseLang].Crisis, texts[phraseLang].Harmless...) {
			if strings.Contains(log.String(), text) {
				t.Errorf("the log holds %q", text)
			}
		}
	}
}

// TestCrisisFirstContact: a crisis text as the very first message gets the
// crisis message before the greeting, in the language it was written in
// when the platform named none.
func TestCrisisFirstContact(t *testing.T) {
	c := builtin(t)
	for _, tt := range []struct{ text, platformLang, want string }{
		{"en jaksa enää", "", "fi"},
		{"jag vill inte leva", "", "sv"},
		{"I want to die", "", "en"},
		{"I want to die", "fi", "fi"}, // the platform's language stands
	} {
		cv := newConv(t, c)
		r := cv.send(bot.Message{Text: tt.text, Lang: tt.platformLang})
		if r.Lang != tt.want || len(r.Notes) < 2 || r.Notes[0] != c.Message("crisis", tt.want) || r.Notes[1] != c.Message("welcome", tt.want) {
			t.Errorf("%q (platform %q): language %s, notes %q; want the %s crisis message, then the welcome", tt.text, tt.platformLang, r.Lang, r.Notes, tt.want)
		}
		if r.Question == nil {
			t.Errorf("%q: no first question after the crisis message", tt.text)
		}
	}
}

// TestCrisisAtTheEnd: after the suggestions, the crisis message and the end
// question again; and every result screen ends with the crisis footer.
func TestCrisisAtTheEnd(t *testing.T) {
	c := builtin(t)
	cv := newConv(t, c)
	cv.send(bot.Message{Text: "hei", Lang: "fi"})
	for i := 0; cv.last.Suggestions == nil; i++ {
		if i > 30 {
			t.Fatal("no suggestions after 30 answers")
		}
		q := cv.last.Question
		id := q.Options[0].ID
		if q.Multi {
			id = bot.DeclineID
		}
		cv.press(id)
	}
	notes := cv.last.Suggestions.Notes
	if len(notes) == 0 || notes[len(notes)-1] != c.Message("crisis_footer", "fi") {
		t.Errorf("the result screen ends with %q, want the crisis footer", notes)
	}
	end := cv.step()
	r := cv.say("en halua elää")
	if len(r.Notes) == 0 || r.Notes[0] != c.Message("crisis", "fi") || cv.step() != end {
		t.Errorf("at the end: notes %q, question %q; want the crisis message and %q again", r.Notes, cv.step(), end)
	}
}

// TestCrisisInHandoff: while talking with a volunteer, the person gets the
// crisis message at once, and the message still reaches the volunteer.
func TestCrisisInHandoff(t *testing.T) {
	cv, d := newDeskConv(t)
	cv.cmd(content.CmdPerson)
	cv.press(bot.ShareID)
	cv.wantStep(bot.HandoffWaitStep)
	r := cv.say("I want to die")
	if len(r.Notes) == 0 || r.Notes[0] != "en crisis 112" {
		t.Errorf("notes %q, want the crisis message first", r.Notes)
	}
	if len(d.relayed) != 1 || !strings.HasSuffix(d.relayed[0], " I want to die") {
		t.Errorf("relayed %q, want the message passed on to the volunteer", d.relayed)
	}
}
