package telegram

import (
	"fmt"
	"html"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"polku/adapters/internal/buttons"
	"polku/adapters/internal/layout"
	"polku/bot"
)

// maxMessage is Telegram's limit for a message's text, in UTF-16 code units
// of the text as shown; messages are split to stay under it with room for
// what HTML tags and entities do to the count.
const maxMessage = 4096

const splitAt = 3800

// maxCallbackData is Telegram's limit for a button's callback data.
const maxCallbackData = 64

// callbacks writes and reads buttons' callback data (see package buttons).
var callbacks = &buttons.Codec{Max: maxCallbackData}

func esc(s string) string { return html.EscapeString(s) }

// questionHTML is a question as its message shows it.
func questionHTML(q *bot.Question) string {
	var b strings.Builder
	if q.Total > 1 {
		fmt.Fprintf(&b, "<i>%d/%d</i>  ", q.Number, q.Total)
	}
	// a long question (the summary of what would be shared) is bold only
	// in its last line, the question itself
	text := q.Text
	if i := strings.LastIndexByte(strings.TrimRight(text, "\n"), '\n'); i >= 0 {
		b.WriteString(esc(text[:i]) + "\n")
		text = strings.TrimSpace(text[i+1:])
	}
	b.WriteString("<b>")
	b.WriteString(esc(text))
	b.WriteString("</b>")
	if q.Hint != "" {
		b.WriteString("\n")
		b.WriteString(esc(q.Hint))
	}
	return b.String()
}

// answeredHTML is an answered question's message after the answer: the
// question, then the answer chosen, and no buttons.
func answeredHTML(a *bot.Answered) string {
	return "<b>" + esc(a.Question) + "</b>\n→ " + esc(a.Answer)
}

// keyboard lays out a question's options as buttons: two to a row when
// every label is short enough for half a phone's width, "Done", "I'd rather
// not say" and commands such as Back on rows of their own.
func keyboard(q *bot.Question) tgbotapi.InlineKeyboardMarkup {
	answers := make([]tgbotapi.InlineKeyboardButton, 0, len(q.Options))
	var others []tgbotapi.InlineKeyboardButton
	short := true
	for _, o := range q.Options {
		label := o.Label
		if q.Multi && o.ID != bot.DoneID && o.ID != bot.DeclineID {
			if o.Selected {
				label = "✅ " + label
			} else {
				label = "▫️ " + label
			}
		}
		btn := tgbotapi.InlineKeyboardButton{Text: label, CallbackData: cachedData(q, o)}
		if o.Command != "" || o.ID == bot.DoneID || o.ID == bot.DeclineID || q.Step == bot.EndStep {
			others = append(others, btn)
			continue
		}
		if utf8.RuneCountInString(label) > 16 {
			short = false
		}
		answers = append(answers, btn)
	}
	rows := make([][]tgbotapi.InlineKeyboardButton, 0, len(answers)+len(others)+len(q.Nav))
	per := 1
	if short && len(answers) > 3 {
		per = 2
	}
	for i := 0; i < len(answers); i += per {
		rows = append(rows, answers[i:min(i+per, len(answers))])
	}
	for _, b := range others {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{b})
	}
	for _, n := range q.Nav {
		rows = append(rows, []tgbotapi.InlineKeyboardButton{{Text: "← " + n.Label, CallbackData: cachedData(q, n)}})
	}
	return tgbotapi.InlineKeyboardMarkup{InlineKeyboard: rows}
}

// dataCache keeps the buttons' data: a keyboard is drawn for nearly every
// update, with the same data each time. Only the buttons' text, never
// the data, is shared between keyboards, and nothing changes it.
var dataCache = struct {
	mu sync.RWMutex
	m  map[dataKey]*string
}{m: map[dataKey]*string{}}

type dataKey struct{ flow, step, option, command string }

func cachedData(q *bot.Question, o bot.Option) *string {
	k := dataKey{q.Flow, q.Step, o.ID, o.Command}
	dataCache.mu.RLock()
	d := dataCache.m[k]
	dataCache.mu.RUnlock()
	if d != nil {
		return d
	}
	s := buttonData(q, o)
	dataCache.mu.Lock()
	if len(dataCache.m) >= 10_000 { // content reloaded many times over
		clear(dataCache.m)
	}
	dataCache.m[k] = &s
	dataCache.mu.Unlock()
	return &s
}

func buttonData(q *bot.Question, o bot.Option) string {
	if o.Command != "" {
		return buttons.Command(o.Command)
	}
	return callbacks.Choice(q.Flow, q.Step, o.ID)
}

// suggestionsHTML renders the suggestions as blocks of HTML, each complete
// in itself (every tag closed), so they can be split between messages
// anywhere between blocks.
func suggestionsHTML(s *bot.Suggestions) []string { return layout.Cards(s, htmlMarkup) }

// htmlMarkup is Telegram's HTML, for layout.
var htmlMarkup = layout.Markup{
	Text:   esc,
	Bold:   func(s string) string { return "<b>" + s + "</b>" },
	Italic: func(s string) string { return "<i>" + s + "</i>" },
	Link:   func(u string) string { return fmt.Sprintf("<a href=\"%s\">%s</a>", esc(u), esc(displayURL(u))) },
}

// displayURL is a link as people read it: without the scheme.
func displayURL(u string) string {
	u = strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
	return strings.TrimSuffix(u, "/")
}

// pack joins blocks, separated by blank lines, into as few messages as fit
// under Telegram's limit; a block too long for a message of its own is cut
// at line breaks, and a line too long at spaces (or anywhere) — never
// inside a tag or an entity, since those are only at the start of lines or
// are cut around.
func pack(blocks []string) []string { return layout.Pack(blocks, splitAt, length, cut) }

// length counts as Telegram does: UTF-16 code units. Tags and entities
// make it larger than the shown text, never smaller, which keeps the
// split safe.
func length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r) // 2 outside the BMP; ranging never yields a surrogate
	}
	return n
}

// cut splits one block into pieces under the limit, each with balanced tags:
// a long block is cut between lines, and a long line is made plain text
// (tags dropped) and cut between words.
func cut(b string) []string {
	if length(b) <= splitAt {
		return []string{b}
	}
	var out []string
	cur := ""
	for _, line := range strings.Split(b, "\n") {
		if length(line) > splitAt {
			if cur != "" {
				out, cur = append(out, cur), ""
			}
			out = append(out, cutPlain(html.UnescapeString(stripTags(line)))...)
			continue
		}
		if cur != "" && length(cur)+1+length(line) > splitAt {
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

func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cutPlain cuts plain text into escaped pieces under the limit, at spaces
// where it can.
func cutPlain(s string) []string {
	var out []string
	r := []rune(s)
	for len(r) > 0 {
		n := min(len(r), splitAt/2) // escaping may double the length
		if n < len(r) {
			if sp := lastSpace(r[:n]); sp > n/2 {
				n = sp
			}
		}
		out = append(out, esc(string(r[:n])))
		r = r[n:]
	}
	return out
}

func lastSpace(r []rune) int {
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] == ' ' {
			return i + 1
		}
	}
	return -1
}
