package telegram

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"polku"
	"polku/bot"
	"polku/bot/content"
)

func builtin(t testing.TB) *content.Content {
	t.Helper()
	c, ds := content.Load(polku.Content())
	if c == nil {
		t.Fatal(ds)
	}
	return c
}

func naughty(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("../../bot/testdata/blns.json")
	if err != nil {
		t.Fatal(err)
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatal(err)
	}
	return list
}

// TestCallbackData: every button of the built-in content fits Telegram's 64
// bytes and reads back as the same choice; ids too long fall back to a hash
// found in the content.
func TestCallbackData(t *testing.T) {
	c := builtin(t)
	for _, f := range c.Flows {
		for _, s := range f.Steps {
			for _, o := range append(s.Options, &content.Option{Value: bot.DeclineID}, &content.Option{Value: bot.DoneID}) {
				d := callbacks.Choice(f.ID, s.ID, o.Value)
				if len(d) > maxCallbackData {
					t.Fatalf("data %q is %d bytes", d, len(d))
				}
				m, ok := callbacks.Parse(c, d, nil)
				if ch := m.Choice; !ok || ch.Flow != f.ID || ch.Step != s.ID || ch.Option != o.Value {
					t.Errorf("parseData(%q) = %+v, %v", d, m.Choice, ok)
				}
			}
		}
	}
	long := strings.Repeat("x", 40)
	d := callbacks.Choice(long, long, long)
	if !strings.HasPrefix(d, "h|") || len(d) > maxCallbackData {
		t.Errorf("long ids gave %q", d)
	}
	if _, ok := callbacks.Parse(c, d, nil); ok {
		t.Errorf("a hash of ids the content does not have was accepted")
	}
	for _, bad := range []string{"", "a|", "a|x|y", "c|nonsense", "h|nope", "zzz", "a|||"} {
		m, _ := callbacks.Parse(c, bad, nil)
		if m.Choice == nil && m.Command == "" {
			t.Errorf("parseData(%q) gave an empty message", bad)
		}
	}
	if m, ok := callbacks.Parse(c, "c|back", nil); !ok || m.Command != content.CmdBack {
		t.Errorf("c|back = %+v, %v", m, ok)
	}
}

// TestKeyboard: short labels two to a row, long ones alone; Done, "I'd
// rather not say" and Back on rows of their own; ticks shown.
func TestKeyboard(t *testing.T) {
	q := &bot.Question{Flow: "f", Step: "s", Multi: true, Options: []bot.Option{
		{ID: "a", Label: "Töitä", Selected: true}, {ID: "b", Label: "Opiskella"}, {ID: "c", Label: "Seuraa"}, {ID: "d", Label: "Muuta"},
		{ID: bot.DoneID, Label: "Valmis"}, {ID: bot.DeclineID, Label: "En halua sanoa"}},
		Nav: []bot.Option{{ID: "back", Label: "Takaisin", Command: "back"}}}
	kb := keyboard(q)
	var shape []int
	for _, row := range kb.InlineKeyboard {
		shape = append(shape, len(row))
	}
	if fmt.Sprint(shape) != "[2 2 1 1 1]" {
		t.Errorf("rows %v, want [2 2 1 1 1]", shape)
	}
	if got := kb.InlineKeyboard[0][0].Text; got != "✅ Töitä" {
		t.Errorf("ticked option shows %q", got)
	}
	if got := *kb.InlineKeyboard[4][0].CallbackData; got != "c|back" {
		t.Errorf("back button data %q", got)
	}
	q.Options[1].Label = "Kokeilla jotain alaa, joka kiinnostaa"
	for _, row := range keyboard(q).InlineKeyboard[:4] {
		if len(row) != 1 {
			t.Errorf("a long label shares its row: %v", row)
		}
	}
}

// TestEscaping: content and hostile text never break Telegram's HTML: every
// rendered message is well formed with only Telegram's tags.
func TestEscaping(t *testing.T) {
	for _, s := range naughty(t) {
		sg := &bot.Suggestions{Intro: s, Why: s, HowToStart: s, Notes: []string{s},
			Cards: []bot.Card{{Name: s, Organization: s, URL: "https://example.org/?a=1&b=\"2\"", Description: s, Why: []string{s}, Caveats: []string{s}, HowToStart: s, Fees: s}}}
		texts := append(pack(suggestionsHTML(sg)), questionHTML(&bot.Question{Text: s, Hint: s, Number: 1, Total: 2}), answeredHTML(&bot.Answered{Question: s, Answer: s}))
		for _, text := range texts {
			if err := wellFormed(text); err != nil {
				t.Fatalf("%q renders as %q: %v", s, text, err)
			}
		}
	}
}

// wellFormed checks text the way Telegram's HTML parse mode does, as far as
// Polku uses it: known tags, closed in order, and only &lt; &gt; &amp; &quot;.
func wellFormed(s string) error {
	var open []string
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return fmt.Errorf("unclosed < at %d", i)
			}
			tag := s[i+1 : i+j]
			i += j
			if strings.HasPrefix(tag, "/") {
				if len(open) == 0 || open[len(open)-1] != tag[1:] {
					return fmt.Errorf("</%s> closes %v", tag[1:], open)
				}
				open = open[:len(open)-1]
				continue
			}
			name, _, _ := strings.Cut(tag, " ")
			switch name {
			case "b", "i", "a":
			default:
				return fmt.Errorf("tag <%s>", tag)
			}
			open = append(open, name)
		case '>':
			return fmt.Errorf("bare > at %d", i)
		case '&':
			ok := false
			for _, e := range []string{"&lt;", "&gt;", "&amp;", "&quot;", "&#39;", "&#34;"} {
				if strings.HasPrefix(s[i:], e) {
					ok = true
				}
			}
			if !ok {
				return fmt.Errorf("bare & at %d", i)
			}
		}
	}
	if len(open) > 0 {
		return fmt.Errorf("unclosed %v", open)
	}
	return nil
}

// TestPack: suggestions of any length come as few messages as fit, each
// under Telegram's limit and well formed, and nothing is lost.
func TestPack(t *testing.T) {
	long := strings.Repeat("Pitkä kuvaus palvelusta & sen aloittamisesta <b>ei tagi</b>. ", 300)
	cards := make([]bot.Card, 12)
	for i := range cards {
		cards[i] = bot.Card{Name: fmt.Sprint("Palvelu ", i), URL: "https://example.org", Description: long[:400*(i%3+1)], Why: []string{"Koska."}, HowToStart: "Soita."}
	}
	cards[5].Description = long // one card longer than a whole message
	cards[6].Description = strings.Repeat("x", 9000)
	sg := &bot.Suggestions{Intro: "Ehdotukset", Cards: cards, Why: "Miksi", HowToStart: "Näin"}
	msgs := pack(suggestionsHTML(sg))
	if len(msgs) < 3 {
		t.Errorf("%d messages for about %d characters", len(msgs), len(long)*2)
	}
	var all strings.Builder
	for i, m := range msgs {
		if n := length(m); n > maxMessage {
			t.Errorf("message %d is %d code units", i, n)
		}
		if err := wellFormed(m); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
		all.WriteString(m)
	}
	for i := range cards {
		if !strings.Contains(all.String(), fmt.Sprint("Palvelu ", i)) {
			t.Errorf("card %d is missing", i)
		}
	}
	if got := strings.Count(stripTags(all.String()), "x"); got < 9000 {
		t.Errorf("%d of 9000 x's arrived", got)
	}
	if !utf8.ValidString(all.String()) {
		t.Errorf("a split cut a character")
	}
}

func TestScrubError(t *testing.T) {
	const token = "123456:SECRET-token_value"
	err := &url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + token + "/getMe", Err: errors.New("dial tcp: lookup failed for bot" + token)}
	got := scrubError(err, token).Error()
	if strings.Contains(got, "SECRET") {
		t.Errorf("the token shows: %s", got)
	}
	if !strings.Contains(got, "REDACTED") || !strings.Contains(got, "getMe") {
		t.Errorf("scrubbed error says too little: %s", got)
	}
	// quoted the way a URL writes it, the colon escaped
	escaped := errors.New(`parse "https://x/bot123456%3ASECRET-token_value/getMe": invalid`)
	if got := scrubError(escaped, token).Error(); strings.Contains(got, "SECRET") {
		t.Errorf("the escaped token shows: %s", got)
	}
}

// TestLength: Telegram counts UTF-16 code units: two for a character
// outside the Basic Multilingual Plane, one for an invalid byte's U+FFFD.
func TestLength(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want int
	}{{"", 0}, {"abc", 3}, {"äö", 2}, {"😀", 2}, {"a😀b", 4}, {"\xff\xfe", 2}, {"𝔘𝔫𝔦", 6}} {
		if got := length(tt.s); got != tt.want {
			t.Errorf("length(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}
