// Package layout lays replies out as text the same way on every platform:
// the suggestion cards, each in the platform's own markup, and blocks of
// text packed into as few messages as the platform's limit allows. What a
// job seeker sees in a card is decided here once, not per adapter.
package layout

import (
	"strconv"
	"strings"

	"polku/bot"
)

// Markup is how a platform writes text. Text escapes plain text; Bold and
// Italic wrap text that is already escaped; Link writes a link.
type Markup struct {
	Text         func(string) string
	Bold, Italic func(string) string
	Link         func(url string) string
}

// Cards renders suggestions as blocks, each whole in itself (every tag or
// mark closed), so that they can be split between messages between any
// two blocks: the intro, a block per card, then the notes.
func Cards(s *bot.Suggestions, m Markup) []string {
	blocks := make([]string, 0, 1+len(s.Cards)+len(s.Notes))
	blocks = append(blocks, m.Text(s.Intro))
	for i, c := range s.Cards {
		var b strings.Builder
		b.WriteString(m.Bold(strconv.Itoa(i+1) + ". " + m.Text(c.Name)))
		if c.Organization != "" && c.Organization != c.Name {
			b.WriteString("\n" + m.Text(c.Organization))
		}
		if c.URL != "" {
			b.WriteString("\n" + m.Link(c.URL))
		}
		if c.Description != "" {
			b.WriteString("\n" + m.Text(c.Description))
		}
		if len(c.Why) > 0 {
			b.WriteString("\n" + m.Italic(m.Text(s.Why)+":"))
			for _, w := range c.Why {
				b.WriteString("\n• " + m.Text(w))
			}
		}
		for _, cv := range c.Caveats {
			b.WriteString("\n⚠️ " + m.Text(cv))
		}
		if c.Fees != "" {
			b.WriteString("\n" + m.Text(c.Fees))
		}
		if c.HowToStart != "" {
			b.WriteString("\n" + m.Bold(m.Text(s.HowToStart)+":") + " " + m.Text(c.HowToStart))
		}
		for _, ct := range c.Contact {
			b.WriteString("\n" + m.Text(ct.Label+": "+ct.Value))
		}
		if c.Checked != "" {
			b.WriteString("\n" + m.Italic(m.Text(c.Checked)))
		}
		blocks = append(blocks, b.String())
	}
	for _, n := range s.Notes {
		blocks = append(blocks, m.Text(n))
	}
	return blocks
}

// Pack joins blocks, separated by blank lines, into as few messages as fit
// under limit, as length counts it. cut first splits a block into pieces
// that each fit (a platform knows where its markup may be cut).
func Pack(blocks []string, limit int, length func(string) int, cut func(string) []string) []string {
	var out []string
	cur, curLen := "", 0 // the message being filled, and its length kept as it grows
	for _, b := range blocks {
		for _, piece := range cut(b) {
			n := length(piece)
			if cur != "" && curLen+2+n > limit {
				out, cur, curLen = append(out, cur), "", 0
			}
			if cur != "" {
				cur += "\n\n"
				curLen += 2
			}
			cur += piece
			curLen += n
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}
