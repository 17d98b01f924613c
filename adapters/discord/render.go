package discord

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/bwmarrin/discordgo"

	"polku/bot"
	"polku/bot/content"
)

// maxContent is Discord's limit for a message's text; messages are packed
// under it with room to spare.
const maxContent = 2000

const splitAt = 1900

// Custom ids (at most 100 characters) say what a component means, so a
// component of an old message is recognised as stale:
//
//	a|flow|step|option   an option of a question (a select menu: a|flow|step|)
//	c|command            a command button (back, start over, …)
//	h|hash               an option whose ids are too long: a hash, looked
//	                     up in the content
//	k|case               Claim, on a case's first message in its thread
//	e|case               End, in the thread
//	t|                   the plain text to copy for a client (volunteers)
const maxCustomID = 100

func choiceID(flow, step, option string) string {
	d := "a|" + flow + "|" + step + "|" + option
	if len(d) <= maxCustomID {
		return d
	}
	return "h|" + choiceHash(flow, step, option)
}

func choiceHash(flow, step, option string) string {
	h := sha256.Sum256([]byte(flow + "\x00" + step + "\x00" + option))
	return base64.RawURLEncoding.EncodeToString(h[:18])
}

// hashIndex finds the choice behind an h| hash, for the content in use.
type hashIndex struct {
	mu      sync.Mutex
	content *content.Content
	choices map[string]bot.Choice
}

func (x *hashIndex) lookup(c *content.Content, hash string) (bot.Choice, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.content != c {
		x.content, x.choices = c, map[string]bot.Choice{}
		for _, f := range c.Flows {
			add := func(step, option string) {
				x.choices[choiceHash(f.ID, step, option)] = bot.Choice{Flow: f.ID, Step: step, Option: option}
			}
			for _, s := range f.Steps {
				for _, o := range s.Options {
					add(s.ID, o.Value)
				}
				add(s.ID, bot.DeclineID)
				add(s.ID, bot.DoneID)
			}
		}
	}
	ch, ok := x.choices[hash]
	return ch, ok
}

// parseChoice reads a component's custom id and, for a select menu, its
// values into what the person chose. ok is false for ids Polku did not
// write: the engine answers those as it answers any stale button.
func (a *Adapter) parseChoice(id string, values []string) (m bot.Message, ok bool) {
	kind, rest, _ := strings.Cut(id, "|")
	switch kind {
	case "a":
		parts := strings.SplitN(rest, "|", 3)
		if len(parts) == 3 {
			ch := &bot.Choice{Flow: parts[0], Step: parts[1], Option: parts[2]}
			if parts[2] == "" && len(values) > 0 { // a select menu
				if len(values) == 1 && !a.multi(parts[0], parts[1]) {
					ch.Option = values[0]
				} else {
					ch.Many = values
				}
			}
			return bot.Message{Choice: ch}, true
		}
	case "c":
		if a.h.Content().Command(rest) != nil {
			return bot.Message{Command: rest}, true
		}
	case "h":
		if ch, found := a.hashes.lookup(a.h.Content(), rest); found {
			return bot.Message{Choice: &ch}, true
		}
	}
	return bot.Message{Choice: &bot.Choice{}}, false
}

// multi reports whether step of flow is a multiple choice.
func (a *Adapter) multi(flow, step string) bool {
	if f := a.h.Content().Flow(flow); f != nil {
		if st := f.Step(step); st != nil {
			return st.Multi()
		}
	}
	return false
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
		menu := discordgo.SelectMenu{CustomID: choiceID(q.Flow, q.Step, ""), Placeholder: clipRunes(q.Text, 150)}
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
	id := choiceID(q.Flow, q.Step, o.ID)
	if o.Command != "" {
		id = "c|" + o.Command
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
func suggestionsText(s *bot.Suggestions) []string {
	blocks := []string{md(s.Intro)}
	for i, c := range s.Cards {
		var b strings.Builder
		fmt.Fprintf(&b, "**%d. %s**", i+1, md(c.Name))
		if c.Organization != "" && c.Organization != c.Name {
			b.WriteString("\n" + md(c.Organization))
		}
		if c.URL != "" {
			// <…> keeps Discord from unfolding a preview of every link
			b.WriteString("\n<" + strings.ReplaceAll(c.URL, ">", "%3E") + ">")
		}
		if c.Description != "" {
			b.WriteString("\n" + md(c.Description))
		}
		if len(c.Why) > 0 {
			b.WriteString("\n*" + md(s.Why) + ":*")
			for _, w := range c.Why {
				b.WriteString("\n• " + md(w))
			}
		}
		for _, cv := range c.Caveats {
			b.WriteString("\n⚠️ " + md(cv))
		}
		if c.Fees != "" {
			b.WriteString("\n" + md(c.Fees))
		}
		if c.HowToStart != "" {
			b.WriteString("\n**" + md(s.HowToStart) + ":** " + md(c.HowToStart))
		}
		blocks = append(blocks, b.String())
	}
	for _, n := range s.Notes {
		blocks = append(blocks, md(n))
	}
	return blocks
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
	}
	return b.String()
}

// pack joins blocks, separated by blank lines, into as few messages as fit
// under Discord's limit; a block too long for a message of its own is cut
// at line breaks, then at spaces.
func pack(blocks []string) []string {
	var out []string
	cur := ""
	for _, b := range blocks {
		for _, piece := range cut(b) {
			if cur != "" && len(cur)+2+len(piece) > splitAt {
				out, cur = append(out, cur), ""
			}
			if cur != "" {
				cur += "\n\n"
			}
			cur += piece
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
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
