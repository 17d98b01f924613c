// Package console lets a person talk to Polku in a terminal: questions with
// numbered options, typed answers, suggestions as plain text. It reads
// lines until the input ends, so a file of answers can be piped in.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"polku/bot"
	"polku/bot/content"
)

// handler is what the console needs of the engine.
type handler interface {
	Handle(context.Context, bot.Message) (bot.Reply, error)
}

// Options configure a console conversation.
type Options struct {
	Lang string // the language to start in
	// Echo writes each input line after the prompt, so that a transcript
	// of piped input reads like a conversation.
	Echo  bool
	Width int       // wrap text at this many characters; 80 when 0
	Err   io.Writer // where failures are reported; discarded when nil
}

// maxLine bounds one input line; the rest of a longer line is dropped and
// the engine answers that the message is too long.
const maxLine = 1 << 20

// Run holds one conversation on in and out until in ends or ctx is done.
func Run(ctx context.Context, h handler, in io.Reader, out io.Writer, o Options) error {
	if o.Width <= 0 {
		o.Width = 80
	}
	if o.Err == nil {
		o.Err = io.Discard
	}
	c := &conv{h: h, out: bufio.NewWriter(out), o: o}
	defer c.out.Flush()

	if err := c.send(ctx, bot.Message{Command: content.CmdStart, Lang: o.Lang}); err != nil {
		return err
	}
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		r := bufio.NewReaderSize(in, 64<<10)
		for {
			line, err := readLine(r)
			if err != nil {
				readErr <- err
				close(lines)
				return
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				close(lines)
				return
			}
		}
	}()
	for {
		c.prompt()
		select {
		case <-ctx.Done():
			fmt.Fprintln(c.out)
			return nil
		case line, ok := <-lines:
			if !ok {
				fmt.Fprintln(c.out)
				if err := <-readErr; err != nil && !errors.Is(err, io.EOF) {
					return err
				}
				return nil
			}
			if o.Echo {
				fmt.Fprintln(c.out, printable(line))
			}
			if err := c.send(ctx, c.message(line)); err != nil {
				return err
			}
		}
	}
}

// readLine reads one line without its line break, keeping at most maxLine
// bytes of it.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		chunk, err := r.ReadSlice('\n')
		if b.Len() < maxLine {
			b.Write(chunk[:min(len(chunk), maxLine-b.Len())])
		}
		switch {
		case err == nil:
			return strings.TrimRight(b.String(), "\r\n"), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && b.Len() > 0:
			return strings.TrimRight(b.String(), "\r\n"), nil
		default:
			return "", err
		}
	}
}

// printable is how an echoed line is shown: long or broken input is
// shortened rather than flooding the transcript.
func printable(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	// Control characters (NUL, ESC, a stray CR) are shown as U+FFFD like
	// invalid UTF-8: echoed raw they put NULs in a transcript file or
	// move the cursor of the terminal showing it.
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' {
			return '\uFFFD'
		}
		return r
	}, s)
	if utf8.RuneCountInString(s) > 200 {
		r := []rune(s)
		return string(r[:200]) + fmt.Sprintf("… (%d characters)", len(r))
	}
	return s
}

type conv struct {
	h   handler
	out *bufio.Writer
	o   Options
	q   *bot.Question // the question on screen
}

func (c *conv) prompt() {
	fmt.Fprint(c.out, "> ")
	c.out.Flush()
}

// message turns a typed line into a message. A number picks an option of
// the question on screen, as pressing a button would; anything else goes to
// the engine as text.
func (c *conv) message(line string) bot.Message {
	m := bot.Message{Text: line}
	if q := c.q; q != nil {
		for _, n := range q.Nav {
			if content.NormalizeText(line) == content.NormalizeText(n.Label) {
				return bot.Message{Command: n.Command}
			}
		}
	}
	if q := c.q; q != nil && !q.Input {
		if n, err := strconv.Atoi(strings.TrimSpace(line)); err == nil && n >= 1 && n <= len(q.Options) {
			opt := q.Options[n-1]
			if opt.Command != "" {
				return bot.Message{Command: opt.Command}
			}
			return bot.Message{Choice: &bot.Choice{Flow: q.Flow, Step: q.Step, Option: opt.ID}}
		}
	}
	return m
}

func (c *conv) send(ctx context.Context, m bot.Message) error {
	// A terminal never delivers a line twice, so messages carry no update
	// id: ids counted per run would repeat in the next run, whose session
	// (kept in Redis) still remembers them.
	m.Platform, m.User = "console", "local"
	if m.Lang == "" {
		m.Lang = c.o.Lang
	}
	r, err := c.h.Handle(ctx, m)
	if err != nil {
		if errors.Is(err, bot.ErrDuplicate) {
			return nil
		}
		fmt.Fprintf(c.o.Err, "polku: %v\n", err)
		if len(r.Notes) == 0 {
			return err
		}
	}
	if r.Lang != "" {
		// the language the person chose stays the terminal's, also after
		// /forget deletes everything else
		c.o.Lang = r.Lang
	}
	c.render(r)
	return nil
}

func (c *conv) render(r bot.Reply) {
	w := c.out
	if r.Answered != nil && c.q != nil && !c.q.Input {
		fmt.Fprintf(w, "  → %s\n", r.Answered.Answer)
	}
	if !r.Redraw {
		fmt.Fprintln(w)
	}
	for _, n := range r.Notes {
		c.para(n, "")
		fmt.Fprintln(w)
	}
	if s := r.Suggestions; s != nil {
		c.suggestions(s)
	}
	c.q = r.Question
	if q := r.Question; q != nil && r.Redraw && len(r.Notes) == 0 {
		// a tick in a multiple choice: the options are still on screen
		var picked []string
		for _, o := range q.Options {
			if o.Selected {
				picked = append(picked, o.Label)
			}
		}
		if len(picked) == 0 {
			c.para("[ ]", "  ")
		} else {
			c.para("[x] "+strings.Join(picked, ", "), "  ")
		}
	} else if q != nil {
		c.question(q)
	}
	w.Flush()
}

func (c *conv) suggestions(s *bot.Suggestions) {
	w := c.out
	c.para(s.Intro, "")
	fmt.Fprintln(w)
	for i, card := range s.Cards {
		title := fmt.Sprintf("%d. %s", i+1, card.Name)
		if card.Organization != "" && card.Organization != card.Name {
			title += " — " + card.Organization
		}
		fmt.Fprintln(w, title)
		indent := "   "
		if card.URL != "" {
			fmt.Fprintln(w, indent+card.URL)
		}
		if card.Description != "" {
			c.para(card.Description, indent)
		}
		if len(card.Why) > 0 {
			fmt.Fprintln(w, indent+s.Why+":")
			for _, why := range card.Why {
				c.para(why, indent+"• ")
			}
		}
		for _, cv := range card.Caveats {
			c.para(cv, indent+"! ")
		}
		if card.Fees != "" {
			c.para(card.Fees, indent)
		}
		if card.HowToStart != "" {
			fmt.Fprintln(w, indent+s.HowToStart+":")
			c.para(card.HowToStart, indent+"  ")
		}
		for _, ct := range card.Contact {
			c.para(ct.Label+": "+ct.Value, indent)
		}
		if card.Checked != "" {
			c.para(card.Checked, indent)
		}
		fmt.Fprintln(w)
	}
	for _, n := range s.Notes {
		c.para(n, "")
		fmt.Fprintln(w)
	}
}

func (c *conv) question(q *bot.Question) {
	text := q.Text
	if q.Total > 1 {
		text = fmt.Sprintf("(%d/%d) %s", q.Number, q.Total, text)
	}
	c.para(text, "")
	if q.Hint != "" {
		c.para(q.Hint, "")
	}
	for i, o := range q.Options {
		mark := ""
		if q.Multi && o.ID != bot.DoneID && o.ID != bot.DeclineID {
			mark = "[ ] "
			if o.Selected {
				mark = "[x] "
			}
		}
		if q.Input {
			c.para(o.Label, "  - ")
			continue
		}
		c.para(mark+o.Label, fmt.Sprintf("%3d) ", i+1))
	}
	for _, n := range q.Nav {
		c.para(n.Label, "  ← ")
	}
}

// para writes text wrapped to the width, the first line after prefix and
// the others indented to match.
func (c *conv) para(text, prefix string) {
	hang := strings.Repeat(" ", utf8.RuneCountInString(prefix))
	first := true
	for _, line := range strings.Split(text, "\n") {
		// A "• " item in a note (my data, where to talk to a person) wraps
		// under its own text; under the bullet the list is hard to read.
		bullet, item := "", line
		if rest, ok := strings.CutPrefix(line, "• "); ok {
			bullet, item = "• ", rest
		}
		width := c.o.Width - utf8.RuneCountInString(prefix) - utf8.RuneCountInString(bullet)
		for i, l := range wrap(item, width) {
			p := hang
			if first {
				p, first = prefix, false
			}
			if bullet != "" {
				if i == 0 {
					p += bullet
				} else {
					p += "  "
				}
			}
			fmt.Fprintln(c.out, p+l)
		}
	}
}

// glueNumbers keeps groups of digits together, so a phone number such as
// 09 2525 0111 is never split across lines.
func glueNumbers(words []string) []string {
	isNum := func(w string) bool {
		w = strings.TrimRight(w, ".,;:)")
		return w != "" && strings.Trim(w, "0123456789") == ""
	}
	out := words[:0:0]
	for _, w := range words {
		if n := len(out); n > 0 && isNum(w) && isNum(out[n-1]) && !strings.ContainsAny(out[n-1], ".,;:)") {
			out[n-1] += " " + w
			continue
		}
		out = append(out, w)
	}
	return out
}

func wrap(s string, width int) []string {
	if width < 20 {
		width = 20
	}
	words := glueNumbers(strings.Fields(s))
	if len(words) == 0 {
		return []string{""}
	}
	var lines []string
	cur := words[0]
	for _, word := range words[1:] {
		if utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(word) > width {
			lines = append(lines, cur)
			cur = word
			continue
		}
		cur += " " + word
	}
	return append(lines, cur)
}
