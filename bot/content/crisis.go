package content

import (
	"fmt"
	"strings"
	"unicode"
)

// flows/crisis.yaml lists what a person in crisis may type — "haluan
// kuolla", "en jaksa enää", "jag vill inte leva", "I want to die" — per
// language, with their inflections and common misspellings, and harmless
// look-alikes to leave alone ("kuolla nauruun"). Whatever the question,
// the language of the conversation or the channel, typed text that matches
// gets the crisis message before anything else. Staff keep the list: a
// phrase missing here is a person in crisis who is asked the next question.

// Crisis finds crisis phrases in typed text.
type Crisis struct {
	// phrases by their first word: exact words, and the beginnings of words
	// (a first word written with *) in prefixes
	exact    map[string][]*crisisPhrase
	prefixes []*crisisPhrase
	except   []*crisisPhrase
	count    int
}

type crisisPhrase struct {
	lang  string
	words []crisisWord
}

type crisisWord struct {
	text   string
	prefix bool // written with * at the end: every word beginning so
	gap    bool // written after …: up to maxCrisisGap other words may come first
}

// maxCrisisGap is how many words "…" lets come between two words of a
// phrase: "haluan … kuolla" finds "haluan vaan niin kuolla".
const maxCrisisGap = 3

// minCrisisStem is the shortest beginning a word with * may have: a shorter
// one would find too many ordinary words.
const minCrisisStem = 4

// Phrases returns how many phrases are listed (the look-alikes apart).
func (c *Crisis) Phrases() int {
	if c == nil {
		return 0
	}
	return c.count
}

// Match reports whether text holds a crisis phrase that is not part of a
// listed look-alike, and the language of the phrase ("" when none). The
// text is neither kept nor logged here: the caller must not either.
func (c *Crisis) Match(text string) (lang string, ok bool) {
	if c == nil || text == "" {
		return "", false
	}
	words := crisisWords(text)
	if len(words) == 0 {
		return "", false
	}
	// a phrase that shares a word with a look-alike is the look-alike:
	// "haluan kuolla nauruun" is not "haluan kuolla". The look-alikes are
	// looked for only once a phrase is found: most messages have none.
	overlapsExcept := func(start, end int) bool {
		for _, p := range c.except {
			for i := range end {
				if e, ok := p.matchAt(words, i); ok && start < e {
					return true
				}
			}
		}
		return false
	}
	try := func(p *crisisPhrase, i int) bool {
		end, ok := p.matchAt(words, i)
		return ok && !overlapsExcept(i, end)
	}
	for i, w := range words {
		for _, p := range c.exact[w] {
			if try(p, i) {
				return p.lang, true
			}
		}
		for _, p := range c.prefixes {
			if try(p, i) {
				return p.lang, true
			}
		}
	}
	return "", false
}

// matchAt reports whether the phrase starts at words[i], and where it ends.
func (p *crisisPhrase) matchAt(words []string, i int) (end int, ok bool) {
	for k, w := range p.words {
		if k > 0 && w.gap {
			found := false
			for skip := 0; skip <= maxCrisisGap && i+skip < len(words); skip++ {
				if w.fits(words[i+skip]) {
					i, found = i+skip, true
					break
				}
			}
			if !found {
				return 0, false
			}
		} else if i >= len(words) || !w.fits(words[i]) {
			return 0, false
		}
		i++
	}
	return i, true
}

func (w crisisWord) fits(word string) bool {
	if w.prefix {
		return strings.HasPrefix(word, w.text)
	}
	return word == w.text
}

// crisisWords splits text into words the way phrases are written: lower
// case, ä, ö and å read as a, o and a (a phone without them, or a hurried
// hand, still finds "en jaksa enää"), apostrophes dropped ("don't" is
// "dont"), everything else that is not a letter or a digit a space.
func crisisWords(text string) []string {
	var b strings.Builder
	b.Grow(len(text))
	for _, r := range text {
		switch r = unicode.ToLower(r); {
		case r == 'ä' || r == 'å' || r == 'á' || r == 'à' || r == 'â':
			b.WriteByte('a')
		case r == 'ö' || r == 'ó' || r == 'ò' || r == 'ô' || r == 'ø':
			b.WriteByte('o')
		case r == 'é' || r == 'è' || r == 'ê':
			b.WriteByte('e')
		case r == '\'' || r == '’' || r == 'ʼ':
			// "don't" → "dont"
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return strings.Fields(b.String())
}

func (l *loader) loadCrisis(f *contentFile) {
	if f.root == nil {
		return
	}
	m := l.fields(f.root, "crisis file", spec("crisis file", nil))
	if m == nil {
		return
	}
	c := &Crisis{exact: map[string][]*crisisPhrase{}}
	seen := map[string]*node{}
	for _, item := range l.list(m["phrases"], "phrases") {
		pm := l.fields(item, "crisis phrases", spec("crisis phrases", nil))
		if pm == nil {
			continue
		}
		lang, ok := l.scalar(pm["lang"], "language")
		if !ok {
			continue
		}
		if !contains(l.langs, lang) && !l.langsBroken {
			hint := fmt.Sprintf("The content's languages are %s.", strings.Join(l.langs, ", "))
			if m := closest(lang, l.langs); m != "" {
				hint += fmt.Sprintf(" Did you mean %q?", m)
			}
			l.errorf(pm["lang"], fmt.Sprintf("No text is in %q", lang), hint)
			continue
		}
		for _, key := range []string{"match", "except"} {
			for _, s := range l.list(pm[key], key) {
				v, ok := l.scalar(s, "phrase")
				if !ok {
					continue
				}
				p := l.crisisPhrase(s, v, lang)
				if p == nil {
					continue
				}
				id := key + ":" + lang + ":" + crisisKey(p)
				if first := seen[id]; first != nil {
					l.warnf(s, "This phrase is listed twice", fmt.Sprintf("It is also on line %d. Remove one of them.", first.pos.Line))
					continue
				}
				seen[id] = s
				switch {
				case key == "except":
					c.except = append(c.except, p)
				case p.words[0].prefix:
					c.prefixes = append(c.prefixes, p)
					c.count++
				default:
					c.exact[p.words[0].text] = append(c.exact[p.words[0].text], p)
					c.count++
				}
			}
		}
	}
	l.content.Crisis = c
}

// crisisPhrase compiles one phrase, or reports why it cannot be used.
func (l *loader) crisisPhrase(n *node, v, lang string) *crisisPhrase {
	p := &crisisPhrase{lang: lang}
	gap := false
	for _, field := range strings.Fields(v) {
		if field == "…" || field == "..." {
			if len(p.words) == 0 {
				l.errorf(n, "A phrase cannot start with …", "… stands for up to three other words between two words of the phrase: haluan … kuolla.")
				return nil
			}
			gap = true
			continue
		}
		prefix := strings.HasSuffix(field, "*")
		words := crisisWords(strings.TrimSuffix(field, "*"))
		if len(words) != 1 || strings.Contains(strings.TrimSuffix(field, "*"), "*") {
			l.errorf(n, fmt.Sprintf("%q is not one word", field),
				"Write words of letters and digits separated by spaces, a * at the end of a word for every word that begins so (itsemurh*), and … between two words for up to three others.")
			return nil
		}
		w := crisisWord{text: words[0], prefix: prefix, gap: gap}
		if prefix && len([]rune(w.text)) < minCrisisStem {
			l.errorf(n, fmt.Sprintf("%q is too short a beginning", field),
				fmt.Sprintf("A word with * needs at least %d letters before it; a shorter beginning finds too many ordinary words. Write the word out.", minCrisisStem))
			return nil
		}
		p.words = append(p.words, w)
		gap = false
	}
	if len(p.words) == 0 {
		l.errorf(n, "The phrase is empty", "Write the words a person might type, for example: haluan kuolla.")
		return nil
	}
	if gap {
		l.errorf(n, "A phrase cannot end with …", "… stands for up to three other words between two words of the phrase: haluan … kuolla.")
		return nil
	}
	return p
}

// crisisKey is a phrase as it matches, to find the same phrase listed twice.
func crisisKey(p *crisisPhrase) string {
	var b strings.Builder
	for _, w := range p.words {
		if w.gap {
			b.WriteString("… ")
		}
		b.WriteString(w.text)
		if w.prefix {
			b.WriteByte('*')
		}
		b.WriteByte(' ')
	}
	return b.String()
}
