// Package buttons writes what a button of a question means into the data a
// platform carries back when it is pressed (Telegram's callback data,
// Discord's custom id), and reads it back, so that a button from an old
// message is recognised as stale rather than applied to another question:
//
//	a|flow|step|option   an option of a question (a|flow|step| for a
//	                     select menu, its values chosen apart)
//	c|command            a command button (back, start over, …)
//	h|hash               an option whose ids are too long for the platform:
//	                     a hash, looked up in the content (the same on
//	                     every replica, and after a restart)
//
// The platform adapters share it; each adds kinds of its own.
package buttons

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"sync"

	"polku/bot"
	"polku/bot/content"
)

// Codec writes and reads button data within a platform's limit.
type Codec struct {
	Max int // the most bytes the platform carries

	mu      sync.Mutex
	content *content.Content // the content the hash index is for
	choices map[string]bot.Choice
}

// Choice is the data of an option of a question.
func (x *Codec) Choice(flow, step, option string) string {
	d := "a|" + flow + "|" + step + "|" + option
	if len(d) <= x.Max {
		return d
	}
	return "h|" + hash(flow, step, option)
}

// Command is the data of a command button.
func Command(name string) string { return "c|" + name }

func hash(flow, step, option string) string {
	h := sha256.Sum256([]byte(flow + "\x00" + step + "\x00" + option))
	return base64.RawURLEncoding.EncodeToString(h[:18]) // 24 characters
}

// lookup finds the choice behind a hash in c.
func (x *Codec) lookup(c *content.Content, h string) (bot.Choice, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.content != c {
		x.content, x.choices = c, map[string]bot.Choice{}
		for _, f := range c.Flows {
			add := func(step, option string) {
				x.choices[hash(f.ID, step, option)] = bot.Choice{Flow: f.ID, Step: step, Option: option}
			}
			for _, s := range f.Steps {
				for _, o := range s.Options {
					add(s.ID, o.Value)
				}
				add(s.ID, bot.DeclineID)
				add(s.ID, bot.DoneID)
			}
			add(bot.EndStep, bot.AgainID)
		}
		for _, l := range c.Languages {
			x.choices[hash("", bot.LanguageStep, l.Code)] = bot.Choice{Step: bot.LanguageStep, Option: l.Code}
		}
	}
	ch, ok := x.choices[h]
	return ch, ok
}

// Parse reads data, and for a select menu the values chosen, into what
// the person chose. ok is false for data Polku did not write (or wrote for
// content long gone): the message is then a stale choice, which the engine
// answers as it answers any stale button.
func (x *Codec) Parse(c *content.Content, data string, values []string) (m bot.Message, ok bool) {
	kind, rest, _ := strings.Cut(data, "|")
	switch kind {
	case "a":
		parts := strings.SplitN(rest, "|", 3)
		if len(parts) == 3 {
			ch := &bot.Choice{Flow: parts[0], Step: parts[1], Option: parts[2]}
			if parts[2] == "" && len(values) > 0 { // a select menu
				if len(values) == 1 && !multi(c, parts[0], parts[1]) {
					ch.Option = values[0]
				} else {
					ch.Many = values
				}
			}
			return bot.Message{Choice: ch}, true
		}
	case "c":
		if c.Command(rest) != nil {
			return bot.Message{Command: rest}, true
		}
	case "h":
		if ch, found := x.lookup(c, rest); found {
			return bot.Message{Choice: &ch}, true
		}
	}
	return bot.Message{Choice: &bot.Choice{}}, false
}

// multi reports whether step of flow is a multiple choice.
func multi(c *content.Content, flow, step string) bool {
	if f := c.Flow(flow); f != nil {
		if st := f.Step(step); st != nil {
			return st.Multi()
		}
	}
	return false
}
