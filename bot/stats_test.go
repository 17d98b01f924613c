package bot_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

// recorder is a bot.Counter that keeps every event in order.
type recorder struct {
	mu     sync.Mutex
	events []bot.Event
}

func (r *recorder) Count(ev bot.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

// take returns the events counted since the last take, written as
// "kind step lang" (the day and flow are checked apart).
func (r *recorder) take(t testing.TB, day string) []string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.events {
		if ev.Day != day || ev.Flow != "jobseeker" {
			t.Errorf("event %+v: want day %s and flow jobseeker", ev, day)
		}
		out = append(out, strings.TrimSpace(string(ev.Kind)+" "+ev.Step)+" "+ev.Lang)
	}
	r.events = nil
	return out
}

// countingConv is a conversation on an engine that counts into a recorder;
// its clock says 00:30 on 24 November in Helsinki, which is still the 23rd
// in UTC.
func countingConv(t *testing.T, c *content.Content) (*conv, *recorder) {
	rec := &recorder{}
	helsinki := time.FixedZone("EET", 2*60*60)
	now := func() time.Time { return time.Date(2026, 11, 24, 0, 30, 0, 0, helsinki) }
	st := store.NewMemory(0)
	return &conv{t: t, e: bot.New(c, st, bot.Options{Counter: rec, Now: now}), st: st, user: "u1"}, rec
}

const statsDay = "2026-11-23"

// TestStatsEvents: a whole conversation counts where the person moved
// forward, asked for a person and asked to be forgotten — and nothing for
// re-asks, help, stale buttons, going back, duplicates or "show again".
//
//	hello (message) → wants (list) → [work: pace] → area → age (int 15–99) → helper (bool) → end
func TestStatsEvents(t *testing.T) {
	c, rec := countingConv(t, baseContent(t))
	steps := []struct {
		name string
		do   func()
		want []string
	}{
		{"first contact", func() { c.say("hei") }, []string{"started fi", "reached wants fi"}},
		{"not understood", func() { c.say("banaani") }, nil},
		{"help", func() { c.say("/apua") }, nil},
		{"my data", func() { c.say("/tiedot") }, nil},
		{"/start mid-way", func() { c.cmd(content.CmdStart) }, nil},
		{"an answer", func() { c.say("1") }, []string{"answered wants fi", "reached pace fi"}},
		{"the same update again", func() {
			m := bot.Message{Platform: "test", User: c.user, UpdateID: fmt.Sprint(c.n), Text: "1"}
			if _, err := c.e.Handle(context.Background(), m); !errors.Is(err, bot.ErrDuplicate) {
				t.Fatalf("resending update %s = %v, want ErrDuplicate", m.UpdateID, err)
			}
		}, nil},
		{"a stale button", func() {
			c.send(bot.Message{Choice: &bot.Choice{Flow: "jobseeker", Step: "wants", Option: "study"}})
		}, nil},
		{"asks for a person", func() { c.say("/ihminen") }, []string{"handoff pace fi"}},
		{"a button", func() { c.press("part_time") }, []string{"answered pace fi", "reached area fi"}},
		{"back", func() { c.press(content.CmdBack) }, nil},
		{"answered again: counted again, these are events, not people", func() { c.press("full_time") }, []string{"answered pace fi", "reached area fi"}},
		{"a word", func() { c.say("tampere") }, []string{"answered area fi", "reached age fi"}},
		{"an invalid number", func() { c.say("200") }, nil},
		{"I'd rather not say", func() { c.press(bot.DeclineID) }, []string{"answered age fi", "reached helper fi"}},
		{"the language question", func() { c.cmd(content.CmdLanguage) }, nil},
		{"a new language", func() { c.say("English") }, nil},
		{"the last answer", func() { c.press("true") }, []string{"answered helper en", "suggested _end en"}},
		{"show again", func() { c.press(bot.AgainID) }, nil},
		{"typed after the end", func() { c.say("kiitos") }, nil},
		{"asks for a person at the end", func() { c.press(content.CmdPerson) }, []string{"handoff _end en"}},
		{"starts over", func() { c.press(content.CmdRestart) }, []string{"restarted en", "reached wants en"}},
		{"a tick of a multiple choice", func() { c.press("study") }, nil},
		{"forget me", func() { c.say("forget me") }, []string{"forgot wants en"}},
		{"forget me again: nothing left to forget", func() { c.say("forget me") }, nil},
		{"first contact again", func() { c.say("hei") }, []string{"started fi", "reached wants fi"}},
	}
	for _, s := range steps {
		s.do()
		if got := rec.take(t, statsDay); !slices.Equal(got, s.want) {
			t.Errorf("%s: counted %q, want %q", s.name, got, s.want)
		}
	}
}

func TestStatsFirstContact(t *testing.T) {
	tests := []struct {
		name string
		msgs []bot.Message
		want []string
	}{
		{"/start", []bot.Message{{Command: content.CmdStart}}, []string{"started fi", "reached wants fi"}},
		{"/start twice: the second is a re-ask", []bot.Message{{Command: content.CmdStart}, {Command: content.CmdStart}}, []string{"started fi", "reached wants fi"}},
		// help and "what do you know" start nothing: the next message does
		{"help first", []bot.Message{{Text: "/help"}}, nil},
		{"help, then hello", []bot.Message{{Text: "/help"}, {Text: "hei"}}, []string{"started fi", "reached wants fi"}},
		{"my data first", []bot.Message{{Command: content.CmdMyData}}, nil},
		{"asks for a person first", []bot.Message{{Text: "/ihminen"}}, []string{"started fi", "reached wants fi", "handoff wants fi"}},
		{"restart first", []bot.Message{{Command: content.CmdRestart}}, []string{"started fi", "reached wants fi"}},
		{"a sticker first", []bot.Message{{Unsupported: "sticker"}}, []string{"started fi", "reached wants fi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, rec := countingConv(t, baseContent(t))
			for _, m := range tt.msgs {
				c.send(m)
			}
			if got := rec.take(t, statsDay); !slices.Equal(got, tt.want) {
				t.Errorf("counted %q, want %q", got, tt.want)
			}
		})
	}
}

// interfering runs another message of the same person inside the first
// Update, after fn changed the session and before it is saved: a race lost
// every time, so fn runs again on what the other message saved.
type interfering struct {
	bot.Store
	mu    sync.Mutex
	other func()
}

func (s *interfering) Update(ctx context.Context, key string, fn func(*bot.Session) error) error {
	return s.Store.Update(ctx, key, func(sess *bot.Session) error {
		err := fn(sess)
		s.mu.Lock()
		other := s.other
		s.other = nil
		s.mu.Unlock()
		if other != nil {
			other()
		}
		return err
	})
}

// TestStatsLostRace: a message whose update lost a race and ran again is
// counted for what it finally did, once.
func TestStatsLostRace(t *testing.T) {
	rec := &recorder{}
	st := &interfering{Store: store.NewMemory(0)}
	now := func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	e := bot.New(baseContent(t), st, bot.Options{Counter: rec, Now: now})
	send := func(id string, m bot.Message) bot.Reply {
		t.Helper()
		m.Platform, m.User, m.UpdateID = "test", "u1", id
		r, err := e.Handle(context.Background(), m)
		if err != nil {
			t.Fatalf("Handle(%s) = %v", id, err)
		}
		return r
	}
	send("1", bot.Message{Text: "hei"})
	send("2", bot.Message{Text: "1"})
	rec.take(t, statsDay)

	tap := func(option string) bot.Message {
		return bot.Message{Choice: &bot.Choice{Flow: "jobseeker", Step: "pace", Option: option}}
	}
	st.other = func() { send("other", tap("full_time")) }
	r := send("first", tap("part_time"))
	if notes(r) != "fi stale_button" {
		t.Fatalf("the tap that lost got %q, want stale_button", r.Notes)
	}
	want := []string{"answered pace fi", "reached area fi"} // the other tap's, alone
	if got := rec.take(t, statsDay); !slices.Equal(got, want) {
		t.Errorf("counted %q, want %q", got, want)
	}
}

// TestStatsConcurrentTaps: two taps at the same moment, over many trials,
// count one answer and one arrival, whichever tap won.
func TestStatsConcurrentTaps(t *testing.T) {
	cc := baseContent(t)
	for trial := range 200 {
		c, rec := countingConv(t, cc)
		c.say("hei")
		c.say("1")
		rec.take(t, statsDay)
		var wg sync.WaitGroup
		for _, opt := range []string{"part_time", "full_time"} {
			wg.Go(func() {
				m := bot.Message{Platform: "test", User: c.user, UpdateID: opt, Choice: &bot.Choice{Flow: "jobseeker", Step: "pace", Option: opt}}
				if _, err := c.e.Handle(context.Background(), m); err != nil {
					t.Errorf("Handle = %v", err)
				}
			})
		}
		wg.Wait()
		want := []string{"answered pace fi", "reached area fi"}
		if got := rec.take(t, statsDay); !slices.Equal(got, want) {
			t.Fatalf("trial %d: counted %q, want %q", trial, got, want)
		}
	}
}

// TestStatsNoCounter: without a counter nothing is collected, and the
// conversation is the same.
func TestStatsNoCounter(t *testing.T) {
	c := newConv(t, baseContent(t))
	c.say("hei")
	c.say("1")
	c.say("forget me")
	c.wantStep("")
}

// TestEventHoldsNoPerson: an Event has room for what, where, when and in
// which language — nothing that could say who. A new field needs a look
// at design.md's privacy section first.
func TestEventHoldsNoPerson(t *testing.T) {
	var fields []string
	for f := range reflect.TypeFor[bot.Event]().Fields() {
		fields = append(fields, f.Name)
	}
	if want := []string{"Day", "Flow", "Step", "Lang", "Kind"}; !slices.Equal(fields, want) {
		t.Errorf("bot.Event has fields %q, want %q: counters are never per person", fields, want)
	}
}
