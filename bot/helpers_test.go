package bot_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"polku"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/content/contenttest"
	"polku/bot/store"
)

// baseContent is the small, stable content of bot/content/testdata/base:
// the engine's semantics are tested on it so that editing the real content
// never breaks these tests.
//
//	hello (message) → wants (list) → [work: pace] → area → age (int 15–99) → helper (bool) → end
func baseContent(t testing.TB) *content.Content {
	t.Helper()
	return loadDir(t, baseFS(t))
}

func baseFS(t testing.TB) fstest.MapFS { return contenttest.BaseFS(t) }

func loadDir(t testing.TB, fsys fs.FS) *content.Content {
	t.Helper()
	c, ds := content.Load(fsys)
	if c == nil {
		t.Fatalf("content does not load:\n%v", ds)
	}
	return c
}

// builtin is the embedded content that polku chat uses.
func builtin(t testing.TB) *content.Content {
	t.Helper()
	return loadDir(t, polku.Content())
}

// conv is one person talking to an engine.
type conv struct {
	t     testing.TB
	e     *bot.Engine
	st    *store.Memory
	user  string
	n     int
	last  bot.Reply
	lastE error
}

func newConv(t testing.TB, c *content.Content) *conv {
	st := store.NewMemory(0)
	return &conv{t: t, e: bot.New(c, st, bot.Options{}), st: st, user: "u1"}
}

func (c *conv) send(m bot.Message) bot.Reply {
	c.t.Helper()
	c.n++
	if m.Platform == "" {
		m.Platform = "test"
	}
	if m.User == "" {
		m.User = c.user
	}
	if m.UpdateID == "" {
		m.UpdateID = fmt.Sprint(c.n)
	}
	r, err := c.e.Handle(context.Background(), m)
	c.last, c.lastE = r, err
	if err != nil {
		c.t.Fatalf("Handle(%+v) = %v", m, err)
	}
	return r
}

func (c *conv) say(text string) bot.Reply { c.t.Helper(); return c.send(bot.Message{Text: text}) }

func (c *conv) cmd(name string) bot.Reply { c.t.Helper(); return c.send(bot.Message{Command: name}) }

// press presses the option with id on the question on screen.
func (c *conv) press(id string) bot.Reply {
	c.t.Helper()
	q := c.last.Question
	if q == nil {
		c.t.Fatalf("press(%q): no question on screen; last reply %+v", id, c.last)
	}
	for _, o := range append(q.Options, q.Nav...) {
		if o.ID == id {
			if o.Command != "" {
				return c.cmd(o.Command)
			}
			return c.send(bot.Message{Choice: &bot.Choice{Flow: q.Flow, Step: q.Step, Option: id}})
		}
	}
	c.t.Fatalf("press(%q): question %q has no such option (%v)", id, q.Step, optionIDs(q))
	return bot.Reply{}
}

func optionIDs(q *bot.Question) []string {
	var ids []string
	for _, o := range q.Options {
		ids = append(ids, o.ID)
	}
	return ids
}

// step is the id of the question on screen.
func (c *conv) step() string {
	if c.last.Question == nil {
		return ""
	}
	return c.last.Question.Step
}

func (c *conv) wantStep(want string) {
	c.t.Helper()
	if got := c.step(); got != want {
		c.t.Fatalf("question on screen = %q, want %q; reply notes %q", got, want, c.last.Notes)
	}
}

// session reads what the store holds for this person.
func (c *conv) session() *bot.Session {
	c.t.Helper()
	return readSession(c.t, c.st, "test:"+c.user)
}

var errRead = errors.New("read only")

func readSession(t testing.TB, st bot.Store, key string) *bot.Session {
	t.Helper()
	var out *bot.Session
	if err := st.Update(context.Background(), key, func(s *bot.Session) error { out = s.Clone(); return errRead }); !errors.Is(err, errRead) {
		t.Fatalf("reading session %q: %v", key, err)
	}
	return out
}

// notes joins the reply's notes for matching.
func notes(r bot.Reply) string { return strings.Join(r.Notes, "\n") }

// checkSession asserts the stored session is sound: every stored answer
// still replays through the flow, so no broken state was saved.
func checkSession(t testing.TB, c *content.Content, s *bot.Session) {
	t.Helper()
	if s.Flow == "" {
		return
	}
	f := c.Flow(s.Flow)
	if f == nil {
		t.Fatalf("session is in flow %q, which the content does not have", s.Flow)
	}
	if w := c.Replay(f, s.Answers); len(w.Answers) != len(s.Answers) {
		t.Fatalf("stored answers %+v do not replay (only %d apply)", s.Answers, len(w.Answers))
	}
	if !c.Language(s.Lang) {
		t.Fatalf("stored language %q is not a content language", s.Lang)
	}
}
