package content

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// MessageKeys lists every text flows/messages.yaml must define, with the
// placeholders each may use. The engine says these around the questions.
var MessageKeys = map[string][]string{
	"welcome":            nil,
	"help":               nil,
	"not_understood":     nil,
	"stale_button":       nil,
	"at_start":           nil,
	"restarted":          nil,
	"start_midflow":      nil,
	"forgotten":          nil,
	"my_data":            {"days"},
	"my_data_empty":      {"days"},
	"my_data_language":   nil,
	"person_unavailable": nil,
	"crisis":             nil,
	"crisis_footer":      nil,
	"decline":            nil,
	"declined":           nil,
	"unknown_value":      nil,
	"done":               nil,
	"multi_hint":         nil,
	"multi_empty":        nil,
	"number_hint":        {"min", "max"},
	"number_invalid":     {"min", "max"},
	"text_too_long":      {"max"},
	"text_invalid":       nil,
	"too_long":           nil,
	"unsupported":        nil,
	"edited":             nil,
	"private_only":       nil,
	"suggestions":        nil,
	"no_suggestions":     nil,
	"area_unknown":       nil,
	"why":                nil,
	"how_to_start":       nil,
	"check_eligibility":  {"eligibility", "fields"},
	"check_limit":        {"eligibility"},
	"serves_languages":   {"languages"},
	"end":                nil,
	"show_again":         nil,
	"after_end":          nil,
	"choose_language":    nil,
	"language_changed":   nil,
	"error":              nil,
	"and":                nil,
	"or":                 nil,
	"yes_words":          nil,
	"decline_words":      nil,
	"place_found":        {"place", "area"},
	"place_maybe":        {"places"},
	"checked":            {"date"},
	"unverified":         nil,
	"interpreter":        {"languages"},
	"address":            nil,
	"phone":              nil,
	"email":              nil,
	"hours":              nil,
	"where":              nil,
	"more_places":        {"n"},
	"ask_place":          nil,
	"my_data_place":      nil,
	// Talking to a volunteer (the handoff to an NGO's volunteers).
	"handoff_offer":         nil,
	"handoff_consent":       {"summary"},
	"handoff_share":         nil,
	"handoff_dont_share":    nil,
	"handoff_declined":      nil,
	"handoff_waiting":       nil,
	"handoff_claimed":       nil,
	"handoff_end":           nil,
	"handoff_ended":         nil,
	"handoff_nobody":        nil,
	"handoff_hours":         {"hours"},
	"handoff_outside_hours": nil,
	"weekdays":              nil,
	"handoff_nothing":       nil,
	"handoff_leave_out":     nil,
	"handoff_pick":          nil,
	"handoff_waiting_short": nil,
	"handoff_cancel":        nil,
	"handoff_keep_waiting":  nil,
	"handoff_talking":       nil,
	"handoff_cancelled":     nil,
	"handoff_busy":          nil,
	"handoff_attachment":    nil,
	"handoff_from":          nil,
	// For volunteers in Discord: the /polku command and the threads of
	// requests (adapters/discord).
	"desk_command":       nil,
	"desk_not_volunteer": nil,
	"desk_case":          nil,
	"desk_nothing":       nil,
	"desk_how":           nil,
	"desk_claim":         nil,
	"desk_claimed":       {"volunteer"},
	"desk_end":           nil,
	"desk_ended":         nil,
	"desk_person":        nil,
	"desk_cancelled":     nil,
	"desk_person_ended":  nil,
	"desk_taken":         {"volunteer"},
	"desk_closed":        nil,
	"desk_claim_first":   nil,
	"desk_not_yours":     {"volunteer"},
	"desk_attachment":    nil,
	"desk_copy":          nil,
	"desk_copy_intro":    nil,
}

// Command names. Every one must be defined in flows/messages.yaml.
const (
	CmdStart    = "start"
	CmdRestart  = "restart"
	CmdBack     = "back"
	CmdLanguage = "language"
	CmdHelp     = "help"
	CmdPerson   = "person"
	CmdMyData   = "mydata"
	CmdForget   = "forget"
)

// CommandNames is every command, in the order help lists them.
var CommandNames = []string{CmdStart, CmdRestart, CmdBack, CmdLanguage, CmdHelp, CmdPerson, CmdMyData, CmdForget}

var slashFold = strings.NewReplacer("å", "a", "ä", "a", "ö", "o", "é", "e")

var slashPattern = regexp.MustCompile(`^/[a-z0-9_]{1,32}$`)

func (l *loader) loadMessages(f *contentFile) {
	if f.root == nil {
		return
	}
	m := l.fields(f.root, "messages file", spec("messages file", nil))
	if m == nil {
		return
	}
	keys := make([]string, 0, len(MessageKeys))
	for k := range MessageKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if mm := m["messages"]; mm != nil {
		spec := keySpec{optional: keys}
		for name, n := range l.fields(mm, "messages list", spec) {
			if t := l.text(n, name+" message", false, MessageKeys[name]); t != nil {
				l.content.messages[name] = t
			}
		}
		if mm.kind == mapNode {
			var missing []string
			for _, k := range keys {
				if seen(mm, k) == mm {
					missing = append(missing, k)
				}
			}
			if len(missing) > 0 {
				l.errorf(mm, "Some messages are missing: "+strings.Join(missing, ", "),
					"Add each of them with a text per language; docs/content.md lists when each is said.")
			}
		}
	}
	cm := m["commands"]
	if cm == nil {
		return
	}
	cmds := l.fields(cm, "commands list", keySpec{required: CommandNames})
	for _, name := range CommandNames {
		n := cmds[name]
		if n == nil {
			continue
		}
		spec := keySpec{required: []string{"words", "label", "description"}}
		c := l.fields(n, "command", spec)
		if c == nil {
			continue
		}
		cmd := &Command{Name: name, Words: map[string][]string{}}
		cmd.Label = l.text(c["label"], "label", false, nil)
		cmd.Description = l.text(c["description"], "description", false, nil)
		if wn := c["words"]; wn != nil {
			if wn.kind != mapNode {
				l.errorf(wn, "words must list the command's words per language", "Write for example fi: [/takaisin, takaisin].")
			} else {
				for i, k := range wn.keys {
					lang := k.value
					if l.checkLangs() && !contains(l.langs, lang) {
						l.errorf(k, fmt.Sprintf("%q is not one of the content's languages", lang), "rules/profile.yaml declares: "+strings.Join(l.langs, ", ")+"."+didYouMean(lang, l.langs))
						continue
					}
					for _, w := range l.list(wn.vals[i], "words") {
						word, ok := l.scalar(w, "command word")
						if !ok {
							continue
						}
						norm := NormalizeText(word)
						if strings.HasPrefix(word, "/") && !slashPattern.MatchString(word) {
							l.errorf(w, fmt.Sprintf("%q cannot be a slash command", word), "Slash commands use only lower-case a–z, digits and _ (Telegram's rule), for example /tillbaka.")
							continue
						}
						if norm == "" {
							l.errorf(w, "A command word is empty", "Remove it or write the word.")
							continue
						}
						if code, dup := l.content.langWords[norm]; dup {
							l.errorf(w, fmt.Sprintf("%q already switches to the language %s", word, code), "It is one of that language's words in rules/profile.yaml. A word can do only one thing: remove it from one of them.")
							continue
						}
						if prev, dup := l.content.commandWords[norm]; dup && prev.cmd.Name != name {
							l.errorf(w, fmt.Sprintf("%q is already a word of the %s command", word, prev.cmd.Name), "A word can start only one command. Remove it from one of them.")
							continue
						}
						cmd.Words[lang] = append(cmd.Words[lang], word)
						if prev, dup := l.content.commandWords[norm]; !dup {
							l.content.commandWords[norm] = commandWord{cmd: cmd, lang: lang}
						} else if prev.lang != lang {
							// a word of several languages (/start) says
							// nothing about the person's language
							l.content.commandWords[norm] = commandWord{cmd: cmd}
						}
					}
				}
				for _, lang := range l.langs {
					if l.checkLangs() && len(cmd.Words[lang]) == 0 && seen(wn, lang) == wn {
						l.errorf(wn, fmt.Sprintf("The %s command has no words in %s", name, lang), fmt.Sprintf("Add %s: [/…, …] so that people writing %s can use it.", lang, lang))
					}
				}
			}
		}
		l.content.Commands = append(l.content.Commands, cmd)
	}
}

// NormalizeText prepares typed text for matching against options and
// command words: lower case, no surrounding space or final punctuation,
// inner whitespace collapsed.
func NormalizeText(s string) string {
	s = strings.ToLower(strings.Join(strings.Fields(s), " "))
	return strings.TrimRight(s, ".!?,;: ")
}

// ParseCommand recognises a command in typed text: a command word or slash
// form in any of the content's languages, as the whole message. A slash
// form may be followed by an argument ("/kieli sv") and by @botname, as
// Telegram sends in groups. It returns the command, its argument and the
// language of the word matched.
func (c *Content) ParseCommand(text string) (cmd *Command, arg, lang string) {
	t := strings.TrimSpace(text)
	if strings.HasPrefix(t, "/") {
		word, rest, _ := strings.Cut(t, " ")
		if at := strings.IndexByte(word, '@'); at > 0 {
			word = word[:at]
		}
		// slash words are a–z (Telegram's rule): /glöm, /hjälp and /språk
		// as typed are /glom, /hjalp and /sprak
		word = slashFold.Replace(strings.ToLower(word))
		if w, ok := c.commandWords[word]; ok {
			return w.cmd, strings.TrimSpace(rest), w.lang
		}
		if code, ok := c.langWords[word]; ok && c.Command(CmdLanguage) != nil {
			return c.Command(CmdLanguage), code, code
		}
		return nil, "", ""
	}
	if len(t) > 200 {
		return nil, "", ""
	}
	norm := NormalizeText(t)
	if w, ok := c.commandWords[norm]; ok {
		return w.cmd, "", w.lang
	}
	// a language's own word ("selkosuomi") is the language command with
	// that language
	if code, ok := c.langWords[norm]; ok && c.Command(CmdLanguage) != nil {
		return c.Command(CmdLanguage), code, code
	}
	return nil, "", ""
}
