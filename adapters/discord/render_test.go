package discord

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"polku"
	"polku/bot"
	"polku/bot/content"
)

type contentOnly struct{ c *content.Content }

func (h contentOnly) Content() *content.Content { return h.c }
func (contentOnly) Handle(context.Context, bot.Message) (bot.Reply, error) {
	return bot.Reply{}, errors.New("not here")
}
func (contentOnly) HandoffEvent(context.Context, bot.HandoffEvent) (bot.Reply, error) {
	return bot.Reply{}, errors.New("not here")
}
func (contentOnly) Forget(context.Context, string, string) error { return nil }

func builtin(t testing.TB) *content.Content {
	t.Helper()
	c, ds := content.Load(polku.Content())
	if c == nil {
		t.Fatal(ds)
	}
	return c
}

// FuzzMarkdown: whatever staff or people write, md leaves no markdown,
// mention or link syntax unescaped, and at most doubles the length.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"**bold** _it_ ~~s~~ `c` ||spoiler||", "@everyone <@123> <@&5> <#7>", "[x](https://e.org)", "# head\n> quote\n- item", "\\*", "a\\b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		out := md(s)
		if len(out) > 2*len(s) {
			t.Fatalf("md(%q) = %q: too long", s, out)
		}
		escaped := false
		for _, r := range out {
			if escaped {
				escaped = false
				continue
			}
			switch r {
			case '\\':
				escaped = true
			case '*', '_', '~', '`', '|', '[', ']', '(', ')', '<', '@':
				t.Fatalf("md(%q) = %q: %q is not escaped", s, out, r)
			}
		}
		// undoing the escapes gives the text back (\\ is an escaped backslash)
		if strings.ReplaceAll(strings.ReplaceAll(out, `\\`, "\x00"), `\`, "") != strings.ReplaceAll(s, `\`, "\x00") {
			t.Fatalf("md(%q) = %q: unescaped it is not the same text", s, out)
		}
	})
}

// FuzzCustomID: a component's custom id comes from Discord (anyone can
// send any): reading it never panics, and what Polku writes reads back.
func FuzzCustomID(f *testing.F) {
	c := builtin(f)
	a := &Adapter{h: contentOnly{c}}
	for _, fl := range c.Flows {
		for _, s := range fl.Steps {
			for _, o := range s.Options {
				f.Add(customIDs.Choice(fl.ID, s.ID, o.Value), "")
			}
		}
	}
	f.Add("a|jobseeker|wants|", "work,study")
	f.Add("h|xyz", "")
	f.Add("k|case", "")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, id, values string) {
		var vs []string
		if values != "" {
			vs = strings.Split(values, ",")
		}
		m, ok := a.parseChoice(id, vs)
		if m.Choice == nil && m.Command == "" {
			t.Fatalf("parseChoice(%q) gave an empty message", id)
		}
		if ok && m.Choice != nil && len(vs) == 0 && m.Choice.Option != "" {
			if again := customIDs.Choice(m.Choice.Flow, m.Choice.Step, m.Choice.Option); len(again) > maxCustomID {
				t.Fatalf("customIDs.Choice(%+v) = %d bytes", m.Choice, len(again))
			}
		}
	})
}

// TestComponents: up to five options are buttons; more are a select menu
// (several at once for a multiple choice, without a Done button); custom
// ids fit Discord's 100 characters and read back as the same choice.
func TestComponents(t *testing.T) {
	c := builtin(t)
	a := &Adapter{h: contentOnly{c}}
	for _, fl := range c.Flows {
		for _, s := range fl.Steps {
			if len(s.Options) == 0 {
				continue
			}
			q := &bot.Question{Flow: fl.ID, Step: s.ID, Multi: s.Multi(), Text: "q"}
			for _, o := range s.Options {
				q.Options = append(q.Options, bot.Option{ID: o.Value, Label: o.Label.In("fi")})
				id := customIDs.Choice(fl.ID, s.ID, o.Value)
				if len(id) > maxCustomID {
					t.Fatalf("%q is %d bytes", id, len(id))
				}
				m, ok := a.parseChoice(id, nil)
				if ch := m.Choice; !ok || ch.Flow != fl.ID || ch.Step != s.ID || ch.Option != o.Value {
					t.Errorf("%q read back as %+v", id, m.Choice)
				}
			}
			q.Options = append(q.Options, bot.Option{ID: bot.DeclineID, Label: "x"})
			if s.Multi() {
				q.Options = append(q.Options, bot.Option{ID: bot.DoneID, Label: "done"})
			}
			rows := components(q)
			if len(rows) > 5 {
				t.Errorf("%s/%s: %d rows", fl.ID, s.ID, len(rows))
			}
			menu := len(s.Options) > maxButtons
			js := strings.Contains(componentsString(rows), "select")
			if menu != js {
				t.Errorf("%s/%s with %d options: select menu %v", fl.ID, s.ID, len(s.Options), js)
			}
			if menu && s.Multi() && strings.Contains(componentsString(rows), bot.DoneID) {
				t.Errorf("%s/%s: a menu with a Done button", fl.ID, s.ID)
			}
		}
	}
	// a select menu answers a multiple choice at once
	m, _ := a.parseChoice("a|jobseeker|wants|", []string{"work", "study"})
	if m.Choice == nil || len(m.Choice.Many) != 2 {
		t.Errorf("a multi select = %+v", m.Choice)
	}
	m, _ = a.parseChoice("a|jobseeker|area|", []string{"lappi"})
	if m.Choice == nil || m.Choice.Option != "lappi" || m.Choice.Many != nil {
		t.Errorf("a single select = %+v", m.Choice)
	}
}

// componentsString describes components for assertions.
func componentsString(cs []discordgo.MessageComponent) string {
	b, _ := json.Marshal(cs)
	s := string(b)
	if strings.Contains(s, `"type":3`) {
		s += " select"
	}
	return s
}
