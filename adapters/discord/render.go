package discord

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"polku/adapters/internal/buttons"
	"polku/adapters/internal/layout"
	"polku/bot"
)

// maxContent is Discord's limit for a message's text; messages are packed
// under it with room to spare.
const maxContent = 2000

const splitAt = 1900

// Custom ids (at most 100 characters) say what a component means: a
// question's options and commands as package buttons writes them, and
// these of Discord's own:
//
//	k|case   Claim, on a case's first message in its thread
//	e|case   End, in the thread
//	t|       the plain text to copy for a client (volunteers)
const maxCustomID = 100

// customIDs writes and reads components' custom ids (see package buttons).
var customIDs = &buttons.Codec{Max: maxCustomID}

// parseChoice reads a question's component: its custom id and, for a
// select menu, the values chosen.
func (a *Adapter) parseChoice(id string, values []string) (bot.Message, bool) {
	return customIDs.Parse(a.h.Content(), id, values)
}

// md escapes text for Discord's markdown, so what staff or people wrote is
// shown as written: no bold from *, no links, no headings, no masked
// mentions (relayed text is also sent with no mentions allowed).
func md(s string) string {
	var b strings.Builder
	lineStart := true
	for _, r := range s {
		switch r {
		case '\\', '*', '_', '~', '`', '|', '[', ']', '(', ')', '<', '>', '@', '#', ':':
			if r == '#' || r == '>' {
				if lineStart {
					b.WriteByte('\\')
				}
			} else if r == ':' {
				// only "://" makes a link; a colon elsewhere stays plain
			} else {
				b.WriteByte('\\')
			}
		case '-':
			if lineStart {
				b.WriteByte('\\')
			}
		}
		b.WriteRune(r)
		lineStart = r == '\n' || (lineStart && (r == ' ' || r == '\t'))
	}
	return b.String()
}

// questionText is a question as its message shows it.
func questionText(q *bot.Question) string {
	var b strings.Builder
	if q.Total > 1 {
		fmt.Fprintf(&b, "*%d/%d*  ", q.Number, q.Total)
	}
	// a long question (the summary of what would be shared) is bold only
	// in its last line, the question itself
	if head, last, ok := cutLast(q.Text); ok {
		b.WriteString(md(head) + "\n")
		b.WriteString("**" + md(last) + "**")
	} else {
		b.WriteString("**" + md(q.Text) + "**")
	}
	if q.Hint != "" {
		b.WriteString("\n" + md(q.Hint))
	}
	return clip(b.String())
}

// answeredText is an answered question's message after the answer.
func answeredText(an *bot.Answered) string {
	return clip("**" + md(an.Question) + "**\n→ " + md(an.Answer))
}

// clip keeps a message under Discord's limit.
func clip(s string) string {
	if len(s) <= maxContent && utf8.RuneCountInString(s) <= maxContent {
		return s
	}
	r := []rune(s)
	return string(r[:maxContent-1]) + "…"
}

// maxButtons is how many options become buttons; more become a select
// menu. Discord allows five buttons a row and five rows.
const maxButtons = 5

// components lays out a question: its options as buttons (up to five, two
// or three to a row when short) or, for more, a select menu (several may
// be chosen for a multiple choice); "Done", "I'd rather not say" and
// commands such as Back as buttons below.
func components(q *bot.Question) []discordgo.MessageComponent {
	var answers, others []discordgo.MessageComponent
	var opts []bot.Option
	for _, o := range q.Options {
		if o.Command != "" || o.ID == bot.DoneID || o.ID == bot.DeclineID {
			others = append(others, button(q, o, discordgo.SecondaryButton))
			continue
		}
		opts = append(opts, o)
	}
	var rows []discordgo.MessageComponent
	if len(opts) > maxButtons && len(opts) <= 25 {
		menu := discordgo.SelectMenu{CustomID: customIDs.Choice(q.Flow, q.Step, ""), Placeholder: clipRunes(q.Text, 150)}
		if q.Multi {
			one := 1
			menu.MinValues, menu.MaxValues = &one, len(opts)
			// a menu answers at once: Done is not needed
			others = slicesDeleteDone(others)
		}
		for _, o := range opts {
			menu.Options = append(menu.Options, discordgo.SelectMenuOption{Label: clipRunes(o.Label, 100), Value: o.ID, Default: o.Selected})
		}
		rows = append(rows, discordgo.ActionsRow{Components: []discordgo.MessageComponent{menu}})
	} else {
		for _, o := range opts {
			style := discordgo.PrimaryButton
			label := o.Label
			if q.Multi {
				style = discordgo.SecondaryButton
				if o.Selected {
					label, style = "✅ "+label, discordgo.SuccessButton
				}
			}
			o.Label = label
			answers = append(answers, button(q, o, style))
		}
		per := 1
		if short(opts) {
			per = min(len(opts), 3)
		}
		for i := 0; i < len(answers); i += per {
			rows = append(rows, discordgo.ActionsRow{Components: answers[i:min(i+per, len(answers))]})
		}
	}
	for _, n := range q.Nav {
		others = append(others, button(q, bot.Option{ID: n.ID, Label: "← " + n.Label, Command: n.Command}, discordgo.SecondaryButton))
	}
	for i := 0; i < len(others) && len(rows) < 5; i += 5 {
		rows = append(rows, discordgo.ActionsRow{Components: others[i:min(i+5, len(others))]})
	}
	if len(rows) > 5 {
		rows = rows[:5]
	}
	return rows
}

func slicesDeleteDone(cs []discordgo.MessageComponent) []discordgo.MessageComponent {
	var out []discordgo.MessageComponent
	for _, c := range cs {
		if b, ok := c.(discordgo.Button); ok && strings.HasSuffix(b.CustomID, "|"+bot.DoneID) {
			continue
		}
		out = append(out, c)
	}
	return out
}

func short(opts []bot.Option) bool {
	for _, o := range opts {
		if utf8.RuneCountInString(o.Label) > 20 {
			return false
		}
	}
	return true
}

func button(q *bot.Question, o bot.Option, style discordgo.ButtonStyle) discordgo.Button {
	id := customIDs.Choice(q.Flow, q.Step, o.ID)
	if o.Command != "" {
		id = buttons.Command(o.Command)
	}
	return discordgo.Button{Label: clipRunes(o.Label, 80), Style: style, CustomID: id}
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// suggestionsText renders suggestions as blocks of markdown, each whole in
// itself, so they can be split between messages between blocks.
func suggestionsText(s *bot.Suggestions) []string { return layout.Cards(s, markdown) }

// markdown is Discord's markdown, for layout.
var markdown = layout.Markup{
	Text:   md,
	Bold:   func(s string) string { return "**" + s + "**" },
	Italic: func(s string) string { return "*" + s + "*" },
	// <…> keeps Discord from unfolding a preview of every link
	Link: func(u string) string { return "<" + strings.ReplaceAll(u, ">", "%3E") + ">" },
}

// plainSuggestions is the suggestions as plain text a volunteer can copy
// to a client: no markdown, the links written out.
func plainSuggestions(s *bot.Suggestions) string {
	var b strings.Builder
	b.WriteString(s.Intro)
	for i, c := range s.Cards {
		fmt.Fprintf(&b, "\n\n%d. %s", i+1, c.Name)
		if c.Organization != "" && c.Organization != c.Name {
			b.WriteString(" (" + c.Organization + ")")
		}
		if c.URL != "" {
			b.WriteString("\n" + c.URL)
		}
		for _, w := range c.Why {
			b.WriteString("\n- " + w)
		}
		if c.HowToStart != "" {
			b.WriteString("\n" + s.HowToStart + ": " + c.HowToStart)
		}
		for _, ct := range c.Contact {
			b.WriteString("\n" + ct.Label + ": " + ct.Value)
		}
		if c.Checked != "" {
			b.WriteString("\n" + c.Checked)
		}
	}
	return b.String()
}

// pack joins blocks, separated by blank lines, into as few messages as fit
// under Discord's limit; a block too long for a message of its own is cut
// at line breaks, then at spaces.
func pack(blocks []string) []string {
	return layout.Pack(blocks, splitAt, func(s string) int { return len(s) }, cut)
}

func cut(b string) []string {
	if len(b) <= splitAt {
		return []string{b}
	}
	var out []string
	cur := ""
	for _, line := range strings.Split(b, "\n") {
		for len(line) > splitAt {
			n := splitAt
			for n > splitAt/2 && line[n] != ' ' {
				n--
			}
			for !utf8.RuneStart(line[n]) {
				n--
			}
			if cur != "" {
				out, cur = append(out, cur), ""
			}
			out = append(out, line[:n])
			line = line[n:]
		}
		if cur != "" && len(cur)+1+len(line) > splitAt {
			out, cur = append(out, cur), ""
		}
		if cur != "" {
			cur += "\n"
		}
		cur += line
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

// noMentions allows no pings at all: nothing Polku sends, least of all
// what it relays, may ping a person, a role or @everyone.
func noMentions() *discordgo.MessageAllowedMentions {
	return &discordgo.MessageAllowedMentions{Parse: []discordgo.AllowedMentionType{}}
}

// cutLast splits text before its last line, when it has several.
func cutLast(text string) (head, last string, ok bool) {
	i := strings.LastIndexByte(strings.TrimRight(text, "\n"), '\n')
	if i < 0 {
		return "", text, false
	}
	return text[:i], strings.TrimSpace(text[i+1:]), true
}
