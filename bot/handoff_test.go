package bot_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

// desk records what the engine tells the volunteers' side. The desk
// itself (Redis streams) is tested in bot/handoff; here it is the
// engine's side of the contract.
type desk struct {
	mu      sync.Mutex
	opened  []bot.Case
	relayed []string // "case id text"
	closed  []string // "case reason"
	fail    error    // the next call fails with it
}

func (d *desk) take() error {
	err := d.fail
	d.fail = nil
	return err
}

func (d *desk) Open(_ context.Context, c bot.Case) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.take(); err != nil {
		return err
	}
	d.opened = append(d.opened, c)
	return nil
}

func (d *desk) Relay(_ context.Context, caseID, id, text string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.take(); err != nil {
		return err
	}
	d.relayed = append(d.relayed, caseID+" "+id+" "+text)
	return nil
}

func (d *desk) Close(_ context.Context, caseID string, why bot.CloseReason) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.take(); err != nil {
		return err
	}
	d.closed = append(d.closed, caseID+" "+string(why))
	return nil
}

// newDeskConv is a conversation with volunteers behind a desk, in English,
// with hours weekdays 9–16 and the clock at a Monday noon.
func newDeskConv(t *testing.T) (*conv, *desk) {
	t.Helper()
	st := store.NewMemory(0)
	d := &desk{}
	hours, err := bot.ParseHours("mon-fri 9-16", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	e := bot.New(baseContent(t), st, bot.Options{Desk: d, Hours: hours, Now: func() time.Time { return noon }})
	c := &conv{t: t, e: e, st: st, user: "u1"}
	c.send(bot.Message{Text: "hello", Lang: "en"})
	c.say("1, 3") // wants: work and company
	c.say("2")    // pace: part time
	return c, d
}

func notesOf(r bot.Reply) string { return strings.Join(r.Notes, "\n") }

// TestHandoffConsent: asking for a person shows who volunteers are and
// when they are there, then exactly what would be shared, and asks; the
// person may leave parts out, and what is shared is what they saw.
func TestHandoffConsent(t *testing.T) {
	c, d := newDeskConv(t)
	r := c.cmd(content.CmdPerson)
	if got := notesOf(r); !strings.Contains(got, "en handoff_offer") || !strings.Contains(got, "en handoff_hours Mon–Fri 9–16") || strings.Contains(got, "outside") {
		t.Errorf("offer = %q, want who volunteers are and their hours", got)
	}
	c.wantStep(bot.HandoffStep)
	if q := r.Question.Text; !strings.Contains(q, ": Work and Company") || !strings.Contains(q, ": Part time") || !strings.Contains(q, ": English") {
		t.Errorf("consent question = %q, want the answers and the language", q)
	}
	if len(d.opened) != 0 {
		t.Fatal("a case was opened before consent")
	}

	c.press(bot.LeaveOutID)
	c.wantStep(bot.HandoffPickStep)
	if q := c.last.Question; !q.Multi || !q.Options[0].Selected || q.Options[len(q.Options)-1].ID != bot.DoneID {
		t.Fatalf("pick question = %+v, want every part ticked and Done", q)
	}
	r = c.press("wants")
	if !r.Redraw || r.Question.Options[0].Selected {
		t.Errorf("unticking: redraw %v, first option %+v", r.Redraw, r.Question.Options[0])
	}
	r = c.press(bot.DoneID)
	c.wantStep(bot.HandoffStep)
	if strings.Contains(r.Question.Text, "Work and Company") || !strings.Contains(r.Question.Text, "Part time") {
		t.Errorf("after leaving out what they want: %q", r.Question.Text)
	}

	r = c.press(bot.ShareID)
	c.wantStep(bot.HandoffWaitStep)
	if got := notesOf(r); got != "en handoff_waiting" || r.Question.Options[0].ID != bot.CancelID {
		t.Errorf("after consent: notes %q, question %+v", got, r.Question)
	}
	if len(d.opened) != 1 {
		t.Fatalf("%d cases opened, want 1", len(d.opened))
	}
	got := d.opened[0]
	if got.Platform != "test" || got.User != "u1" || got.Lang != "en" || got.ID == "" || len(got.Summary) != 2 {
		t.Errorf("case = %+v", got)
	}
	for _, l := range got.Summary {
		if strings.Contains(l.Value, "Work") {
			t.Errorf("a part left out was shared: %+v", l)
		}
	}
	if s := c.session(); s.Handoff == nil || s.Handoff.Stage != bot.HandoffWaiting || s.Handoff.Case != got.ID || s.Asking != "" {
		t.Errorf("session handoff = %+v asking %q", s.Handoff, s.Asking)
	}
}

// TestHandoffRefused: saying no, going back or choosing another command
// shares nothing and leaves the conversation as it was.
func TestHandoffRefused(t *testing.T) {
	for _, tt := range []struct {
		name string
		do   func(c *conv) bot.Reply
		note string
		step string
	}{
		{"don't share", func(c *conv) bot.Reply { return c.press(bot.NoShareID) }, "en handoff_declined", "area"},
		{"typed", func(c *conv) bot.Reply { return c.say("en handoff_dont_share") }, "en handoff_declined", "area"},
		{"back", func(c *conv) bot.Reply { return c.cmd(content.CmdBack) }, "", "area"},
		{"help", func(c *conv) bot.Reply { return c.cmd(content.CmdHelp) }, "en help", "area"},
		{"start over", func(c *conv) bot.Reply { return c.cmd(content.CmdRestart) }, "en restarted", "wants"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, d := newDeskConv(t)
			before := c.session()
			c.cmd(content.CmdPerson)
			r := tt.do(c)
			if tt.note != "" && !strings.HasPrefix(notesOf(r), tt.note) {
				t.Errorf("notes %q, want %q", r.Notes, tt.note)
			}
			c.wantStep(tt.step)
			s := c.session()
			if s.Handoff != nil || len(d.opened) != 0 {
				t.Errorf("after refusing: handoff %+v, %d cases", s.Handoff, len(d.opened))
			}
			if tt.step == "area" && !slices.Equal(s.Answers, before.Answers) {
				t.Errorf("answers changed: %v → %v", before.Answers, s.Answers)
			}
		})
	}
}

// TestHandoffRelay: while the case is open, what the person writes goes
// to the volunteers and the bot says nothing; a failed relay is tried
// again with the same id; commands and attachments get a kind word.
func TestHandoffRelay(t *testing.T) {
	c, d := newDeskConv(t)
	c.cmd(content.CmdPerson)
	c.press(bot.ShareID)
	id := d.opened[0].ID

	r := c.send(bot.Message{Text: "hello, I need help", UpdateID: "900"})
	if len(r.Notes) != 0 || r.Question != nil {
		t.Errorf("the bot answered a relayed message: %+v", r)
	}
	d.fail = errors.New("redis down")
	r, err := c.e.Handle(context.Background(), bot.Message{Platform: "test", User: "u1", Text: "are you there?", UpdateID: "901"})
	if err == nil || notesOf(r) != "en error" {
		t.Errorf("failed relay: %v, %q", err, r.Notes)
	}
	c.send(bot.Message{Text: "are you there?", UpdateID: "901"}) // the platform delivers it again
	want := []string{id + " test:900 hello, I need help", id + " test:901 are you there?"}
	if !slices.Equal(d.relayed, want) {
		t.Errorf("relayed %q, want %q", d.relayed, want)
	}

	r = c.cmd(content.CmdHelp)
	if notesOf(r) != "en handoff_busy" || r.Question == nil || r.Question.Step != bot.HandoffWaitStep {
		t.Errorf("a command while waiting: %q %+v", r.Notes, r.Question)
	}
	r = c.send(bot.Message{Unsupported: "sticker"})
	if notesOf(r) != "en handoff_attachment" {
		t.Errorf("a sticker while waiting: %q", r.Notes)
	}
	r = c.send(bot.Message{Choice: &bot.Choice{Flow: "jobseeker", Step: "area", Option: "lappi"}})
	if notesOf(r) != "en handoff_busy" {
		t.Errorf("an old flow button while waiting: %q", r.Notes)
	}
	if len(d.relayed) != 2 {
		t.Errorf("commands or attachments were relayed: %q", d.relayed)
	}
}

// TestHandoffEvents: a volunteer takes the case, writes, ends it; the
// person hears each change, and is back where they were with the bot.
func TestHandoffEvents(t *testing.T) {
	c, d := newDeskConv(t)
	c.cmd(content.CmdPerson)
	c.press(bot.ShareID)
	id := d.opened[0].ID
	ev := func(kind bot.HandoffKind, evID, text string) (bot.Reply, error) {
		return c.e.HandoffEvent(context.Background(), bot.HandoffEvent{Kind: kind, Case: id, Platform: "test", User: "u1", ID: evID, Text: text})
	}

	if _, err := c.e.HandoffEvent(context.Background(), bot.HandoffEvent{Kind: bot.HandoffClaimed, Case: "other", Platform: "test", User: "u1"}); !errors.Is(err, bot.ErrNoCase) {
		t.Errorf("an event of another case: %v", err)
	}
	r, err := ev(bot.HandoffClaimed, "1700000000000-0", "")
	if err != nil || notesOf(r) != "en handoff_claimed" || r.Question.Step != bot.HandoffTalkStep || r.Question.Options[0].ID != bot.EndTalkID {
		t.Fatalf("claimed: %v %q %+v", err, r.Notes, r.Question)
	}
	r, err = ev(bot.HandoffMessage, "1700000000001-0", "Hi! <b>I'm</b> Sanna.")
	if err != nil || notesOf(r) != "en handoff_from\nHi! <b>I'm</b> Sanna." || r.Question != nil {
		t.Errorf("message: %v %q", err, r.Notes)
	}
	// a message handled again (the process died before the desk heard it
	// was sent) is sent again: the desk, not the engine, keeps it to once
	if r2, err := ev(bot.HandoffMessage, "1700000000001-0", "Hi! <b>I'm</b> Sanna."); err != nil || notesOf(r2) != notesOf(r) {
		t.Errorf("the same message again: %v %q", err, r2.Notes)
	}
	if _, err := ev(bot.HandoffClaimed, "1700000000000-0", ""); !errors.Is(err, bot.ErrDuplicate) {
		t.Errorf("claimed again: %v, want ErrDuplicate", err)
	}
	c.say("thanks")
	r, err = ev(bot.HandoffEnded, "1700000000002-0", "")
	if err != nil || notesOf(r) != "en handoff_ended" || r.Question == nil || r.Question.Step != "area" {
		t.Fatalf("ended: %v %q %+v", err, r.Notes, r.Question)
	}
	if s := c.session(); s.Handoff != nil || len(s.Answers) != 2 {
		t.Errorf("after the end: %+v", s)
	}
	r = c.say("lapland")
	if r.Question == nil || r.Question.Step != "age" {
		t.Errorf("back with the bot, an answer moves on: %+v", r.Question)
	}
	if _, err := ev(bot.HandoffMessage, "1700000000003-0", "late"); !errors.Is(err, bot.ErrNoCase) {
		t.Errorf("a message after the end: %v", err)
	}
}

// TestHandoffNobody: nobody takes the case in time; the person is told
// honestly, offered services to contact themselves, and may keep waiting
// or cancel.
func TestHandoffNobody(t *testing.T) {
	c, d := newDeskConv(t)
	c.cmd(content.CmdPerson)
	c.press(bot.ShareID)
	id := d.opened[0].ID
	r, err := c.e.HandoffEvent(context.Background(), bot.HandoffEvent{Kind: bot.HandoffNobody, Case: id, Platform: "test", User: "u1", ID: "1-0"})
	if err != nil || notesOf(r) != "en handoff_nobody" || r.Suggestions == nil || len(r.Suggestions.Cards) == 0 {
		t.Fatalf("nobody: %v %q, suggestions %+v", err, r.Notes, r.Suggestions)
	}
	if _, err := c.e.HandoffEvent(context.Background(), bot.HandoffEvent{Kind: bot.HandoffNobody, Case: id, Platform: "test", User: "u1", ID: "1-0"}); !errors.Is(err, bot.ErrDuplicate) {
		t.Errorf("nobody again: %v, want ErrDuplicate", err)
	}
	c.last = r
	if got := optionIDs(r.Question); !slices.Equal(got, []string{bot.KeepWaitID, bot.CancelID}) {
		t.Errorf("options %v", got)
	}
	r = c.press(bot.KeepWaitID)
	if notesOf(r) != "en handoff_waiting" {
		t.Errorf("keep waiting: %q", r.Notes)
	}
	r = c.press(bot.CancelID)
	if notesOf(r) != "en handoff_cancelled" || r.Question.Step != "area" {
		t.Errorf("cancel: %q %+v", r.Notes, r.Question)
	}
	if !slices.Equal(d.closed, []string{id + " cancelled"}) {
		t.Errorf("closed %q", d.closed)
	}
}

// TestHandoffEndAndForget: the person ends the conversation, or asks to be
// forgotten mid-case: the desk hears why.
func TestHandoffEndAndForget(t *testing.T) {
	c, d := newDeskConv(t)
	c.cmd(content.CmdPerson)
	c.press(bot.ShareID)
	id := d.opened[0].ID
	r, _ := c.e.HandoffEvent(context.Background(), bot.HandoffEvent{Kind: bot.HandoffClaimed, Case: id, Platform: "test", User: "u1"})
	c.last = r
	r = c.press(bot.EndTalkID)
	if notesOf(r) != "en handoff_ended" || c.session().Handoff != nil {
		t.Errorf("end: %q", r.Notes)
	}

	c.cmd(content.CmdPerson)
	c.press(bot.ShareID)
	second := d.opened[1].ID
	c.say("/forget")
	if s := c.session(); s.Flow != "" {
		t.Errorf("not forgotten: %+v", s)
	}
	if want := []string{id + " ended", second + " forgotten"}; !slices.Equal(d.closed, want) {
		t.Errorf("closed %q, want %q", d.closed, want)
	}

	// a person who blocked the bot is forgotten the same way
	c.cmd(content.CmdPerson)
	c.press(bot.ShareID)
	third := d.opened[2].ID
	if err := c.e.Forget(context.Background(), "test", "u1"); err != nil {
		t.Fatal(err)
	}
	if d.closed[len(d.closed)-1] != third+" forgotten" {
		t.Errorf("closed %q", d.closed)
	}
}

// TestHandoffOpenFails: when the case cannot be filed the person hears so
// and is not left waiting for nobody.
func TestHandoffOpenFails(t *testing.T) {
	c, d := newDeskConv(t)
	c.cmd(content.CmdPerson)
	d.fail = errors.New("redis down")
	r := c.press(bot.ShareID)
	if notesOf(r) != "en error" {
		t.Errorf("notes %q", r.Notes)
	}
	if s := c.session(); s.Handoff != nil {
		t.Errorf("still waiting for a case that does not exist: %+v", s.Handoff)
	}
	c.cmd(content.CmdPerson)
	c.press(bot.ShareID)
	if len(d.opened) != 1 {
		t.Errorf("asking again: %d cases", len(d.opened))
	}
}

// TestHandoffOutsideHours: outside the hours the offer says an answer may
// take until the next day.
func TestHandoffOutsideHours(t *testing.T) {
	d := &desk{}
	hours, _ := bot.ParseHours("mon-fri 9-16", time.UTC)
	sunday := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	e := bot.New(baseContent(t), store.NewMemory(0), bot.Options{Desk: d, Hours: hours, Now: func() time.Time { return sunday }})
	r, err := e.Handle(context.Background(), bot.Message{Platform: "test", User: "u", Command: content.CmdPerson, Lang: "en"})
	if err != nil || !strings.Contains(notesOf(r), "en handoff_outside_hours") {
		t.Errorf("%v %q", err, r.Notes)
	}
}

func TestParseHours(t *testing.T) {
	for _, tt := range []struct {
		in, text string
		open     []string // "Mon 09:00" times that are within
		closed   []string
	}{
		{"mon-fri 9-16", "Mon–Fri 9–16", []string{"Mon 09:00", "Fri 15:59"}, []string{"Mon 08:59", "Fri 16:00", "Sat 12:00"}},
		{"Mon,Wed 10:30-14", "Mon, Wed 10.30–14", []string{"Wed 10:30"}, []string{"Tue 12:00", "Mon 10:29"}},
		{"sat-sun 12-18", "Sat–Sun 12–18", []string{"Sun 12:00"}, []string{"Mon 12:00"}},
		{"fri-mon 8-20", "Mon, Fri–Sun 8–20", []string{"Sun 19:00", "Mon 08:00"}, []string{"Tue 12:00"}},
	} {
		h, err := bot.ParseHours(tt.in, time.UTC)
		if err != nil {
			t.Errorf("%q: %v", tt.in, err)
			continue
		}
		if got := h.Text("Mon Tue Wed Thu Fri Sat Sun"); got != tt.text {
			t.Errorf("%q: text %q, want %q", tt.in, got, tt.text)
		}
		at := func(s string) time.Time {
			day := map[string]int{"Mon": 23, "Tue": 24, "Wed": 25, "Thu": 26, "Fri": 27, "Sat": 28, "Sun": 29}[s[:3]]
			clock, _ := time.Parse("15:04", s[4:])
			return time.Date(2026, 11, day, clock.Hour(), clock.Minute(), 0, 0, time.UTC)
		}
		for _, s := range tt.open {
			if !h.Open(at(s)) {
				t.Errorf("%q: closed at %s", tt.in, s)
			}
		}
		for _, s := range tt.closed {
			if h.Open(at(s)) {
				t.Errorf("%q: open at %s", tt.in, s)
			}
		}
	}
	for _, bad := range []string{"", "mon-fri", "mon-fri 16-9", "someday 9-16", "mon 9", "mon 25-26", "mon 9:75-10"} {
		if _, err := bot.ParseHours(bad, time.UTC); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
