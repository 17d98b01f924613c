package bot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

// naughty returns the Big List of Naughty Strings (testdata/blns.json, MIT),
// strings that have broken software before.
func naughty(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("testdata/blns.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	if len(list) < 500 {
		t.Fatalf("blns.json has %d strings, want the whole list", len(list))
	}
	return list
}

// atEveryQuestion runs fn in a fresh conversation standing at each question
// of the built-in flow in turn, and at the end.
func atEveryQuestion(t *testing.T, c *content.Content, fn func(t *testing.T, cv *conv)) {
	// walk the flow once, recording how to reach each question
	var path []content.Answer
	for {
		w := c.Replay(c.Start, path)
		cv := newConv(t, c)
		cv.say("hei")
		for _, a := range path {
			cv.send(bot.Message{Choice: &bot.Choice{Flow: c.Start.ID, Step: a.Step, Option: bot.DeclineID}})
		}
		if w.Step == nil {
			cv.wantStep(bot.EndStep)
			fn(t, cv)
			return
		}
		cv.wantStep(w.Step.ID)
		fn(t, cv)
		path = append(path, content.Answer{Step: w.Step.ID, Skip: true})
	}
}

// TestNaughtyStrings sends every string of the list through every input
// path — typed text at every question, button data, command arguments, the
// platform language, a user id — and checks that the engine answers, never
// panics and never stores a broken session.
func TestNaughtyStrings(t *testing.T) {
	c := builtin(t)
	list := naughty(t)
	atEveryQuestion(t, c, func(t *testing.T, cv *conv) {
		step := cv.step()
		for _, s := range list {
			for _, m := range []bot.Message{
				{Text: s},
				{Choice: &bot.Choice{Flow: c.Start.ID, Step: step, Option: s}},
				{Choice: &bot.Choice{Flow: s, Step: s, Option: s}},
				{Command: content.CmdLanguage, Arg: s},
				{Text: "/kieli " + s},
				{Unsupported: s},
			} {
				r := cv.send(m)
				if r.Question == nil && len(r.Notes) == 0 {
					t.Fatalf("at %q, %+v got an empty reply", step, m)
				}
				checkSession(t, c, cv.session())
				if cv.step() == bot.LanguageStep {
					cv.cmd(content.CmdBack)
				}
			}
		}
	})
	// as a platform language and as a user id at first contact
	for _, s := range list {
		cv := newConv(t, c)
		cv.user = "naughty"
		r := cv.send(bot.Message{Text: s, Lang: s, User: s + "x"})
		if r.Question == nil {
			t.Fatalf("first contact with %q got no question", s)
		}
		if !c.Language(r.Lang) {
			t.Fatalf("Lang %q gave reply language %q", s, r.Lang)
		}
	}
}

// FuzzHandle feeds arbitrary input to the engine at an arbitrary point of
// the built-in flow. The engine must answer every message, and whatever it
// stores must replay.
func FuzzHandle(f *testing.F) {
	for _, s := range naughty(f) {
		f.Add(uint8(len(s)), uint8(0), s)
	}
	for _, s := range []string{"1", "1, 3", "2 ja 4", "/takaisin", "/kieli sv", "unohda minut", "25", "tampere", "en halua sanoa", "\x00", "\xff"} {
		f.Add(uint8(3), uint8(1), s)
	}
	c := builtin(f)
	f.Fuzz(func(t *testing.T, depth, kind uint8, s string) {
		cv := newConv(t, c)
		cv.say("hei")
		// decline the first depth questions to stand somewhere in the flow
		for range int(depth % 10) {
			if q := cv.last.Question; q != nil && q.Step != bot.EndStep {
				cv.press(bot.DeclineID)
			}
		}
		step := cv.step()
		var m bot.Message
		switch kind % 4 {
		case 0:
			m.Text = s
		case 1:
			m.Choice = &bot.Choice{Flow: c.Start.ID, Step: step, Option: s}
		case 2:
			m.Command, m.Arg = content.CmdLanguage, s
		default:
			m.Text, m.Lang = "hei", s
		}
		r := cv.send(m)
		if r.Question == nil && len(r.Notes) == 0 {
			t.Fatalf("empty reply to %+v at %q", m, step)
		}
		checkSession(t, c, cv.session())
	})
}

// TestLogsHoldNothingPersonal talks to the engine with debug logging on and
// checks that no message text, answer or user id reaches the log.
func TestLogsHoldNothingPersonal(t *testing.T) {
	const canary = "CANARY-7f3a"
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := baseContent(t)
	st := store.NewMemory(0)
	e := bot.New(c, st, bot.Options{Logger: log})
	send := func(m bot.Message) {
		m.Platform, m.User = "test", canary+"-user"
		if _, err := e.Handle(context.Background(), m); err != nil && !errors.Is(err, bot.ErrDuplicate) {
			t.Fatal(err)
		}
	}
	for i, text := range []string{"hei " + canary, canary, "1", canary, "2", "/kieli " + canary, "unohda minut"} {
		send(bot.Message{Text: text, UpdateID: canary + string(rune('a'+i)), Lang: canary})
	}
	send(bot.Message{Text: "again", UpdateID: canary + "a"}) // a duplicate is logged
	down := bot.New(c, failingStore{errors.New("refused")}, bot.Options{Logger: log})
	if _, err := down.Handle(context.Background(), bot.Message{Platform: "test", User: canary, Text: canary}); err == nil {
		t.Fatal("the failing store did not fail")
	}
	if buf.Len() == 0 {
		t.Fatal("nothing was logged; the test would prove nothing")
	}
	if strings.Contains(buf.String(), canary) {
		t.Errorf("the log contains personal data:\n%s", buf.String())
	}
}

// TestEngineImportsNoPlatform keeps dependencies pointing inward: the engine
// and the content loader know no platform, no Redis and no adapter.
func TestEngineImportsNoPlatform(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "polku/bot", "polku/bot/content").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"telegram", "discordgo", "go-redis", "polku/adapters", "polku/bot/store"} {
			if strings.Contains(dep, banned) {
				t.Errorf("polku/bot depends on %s", dep)
			}
		}
	}
}
