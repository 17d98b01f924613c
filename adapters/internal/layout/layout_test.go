package layout

import (
	"strings"
	"testing"

	"polku/bot"
)

var brackets = Markup{
	Text:   strings.ToUpper,
	Bold:   func(s string) string { return "[b]" + s + "[/b]" },
	Italic: func(s string) string { return "[i]" + s + "[/i]" },
	Link:   func(u string) string { return "[url]" + u + "[/url]" },
}

// TestCards: a card holds what is known of a service in a fixed order, in
// the platform's markup; what is missing leaves no empty line.
func TestCards(t *testing.T) {
	s := &bot.Suggestions{Intro: "intro", Why: "why", HowToStart: "how", Notes: []string{"note"}, Cards: []bot.Card{
		{Name: "Ohjaamo", Organization: "City", URL: "https://example.org", Description: "desc", Why: []string{"a", "b"},
			Caveats: []string{"c"}, Fees: "free", HowToStart: "call"},
		{Name: "Same", Organization: "Same"},
	}}
	got := Cards(s, brackets)
	want := []string{"INTRO",
		"[b]1. OHJAAMO[/b]\nCITY\n[url]https://example.org[/url]\nDESC\n[i]WHY:[/i]\n• A\n• B\n⚠️ C\nFREE\n[b]HOW:[/b] CALL",
		"[b]2. SAME[/b]", "NOTE"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Cards =\n%q\nwant\n%q", got, want)
	}
}

// TestPack: blocks go into as few messages as fit, in order and whole,
// separated by blank lines; each block is cut first.
func TestPack(t *testing.T) {
	cut := func(b string) []string {
		if len(b) <= 10 {
			return []string{b}
		}
		return []string{b[:10], b[10:]}
	}
	length := func(s string) int { return len(s) }
	for _, c := range []struct {
		blocks, want []string
	}{
		{nil, nil},
		{[]string{"abc", "def"}, []string{"abc\n\ndef"}},
		{[]string{"abcd", "efgh", "ij"}, []string{"abcd\n\nefgh", "ij"}},
		{[]string{"0123456789xyz", "k"}, []string{"0123456789", "xyz\n\nk"}},
	} {
		got := Pack(c.blocks, 10, length, cut)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("Pack(%q) = %q, want %q", c.blocks, got, c.want)
		}
		for _, m := range got {
			if len(m) > 10 {
				t.Errorf("Pack(%q): %q is over the limit", c.blocks, m)
			}
		}
	}
}
