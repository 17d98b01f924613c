package content

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// flows/style.yaml lists words to avoid in what people read — stigmatising
// or bureaucratic terms, each with the wording to use instead — and limits
// for plain-language variants (selkokieli): sentence length and word
// length. Every text of the content is checked against it; what does not
// fit is a warning at the word, never an error: the staff member decides.

type avoidWord struct {
	stems []string // lower-case beginnings of the forms to find
	lang  string   // only in this language (and its variants); "" for all
	use   string
	why   string
}

type plainLimits struct {
	lang          string
	sentenceWords int
	wordLength    int
}

// Defaults for plain language, from Selkokeskus's guidance: short sentences,
// everyday words.
const (
	defaultSentenceWords = 12
	defaultWordLength    = 20
)

// textRef is a text people read, kept to be checked once the style file
// has been read.
type textRef struct {
	lang, value string
	n           *node
}

func (l *loader) loadStyle(f *contentFile) {
	if f.root == nil {
		return
	}
	m := l.fields(f.root, "style file", spec("style file", nil))
	if m == nil {
		return
	}
	for _, item := range l.list(m["avoid"], "avoid") {
		am := l.fields(item, "word to avoid", spec("word to avoid", nil))
		if am == nil {
			continue
		}
		w := avoidWord{}
		for _, s := range l.list(am["words"], "words") {
			if v, ok := l.scalar(s, "word"); ok && strings.TrimSpace(v) != "" {
				w.stems = append(w.stems, strings.ToLower(strings.TrimSpace(v)))
			}
		}
		if ln := am["lang"]; ln != nil {
			w.lang, _ = l.scalar(ln, "language")
		}
		w.use, _ = l.scalar(am["use"], "wording to use")
		if wn := am["why"]; wn != nil {
			w.why, _ = l.scalar(wn, "reason")
		}
		if len(w.stems) > 0 {
			l.avoid = append(l.avoid, w)
		}
	}
	for _, item := range l.list(m["plain"], "plain") {
		pm := l.fields(item, "plain language", spec("plain language", nil))
		if pm == nil {
			continue
		}
		p := plainLimits{sentenceWords: defaultSentenceWords, wordLength: defaultWordLength}
		lang, ok := l.scalar(pm["lang"], "language")
		if !ok {
			continue
		}
		p.lang = lang
		if !contains(l.langs, lang) {
			if m := closest(lang, l.langs); m != "" {
				l.warnf(pm["lang"], fmt.Sprintf("No text is in %q", lang), fmt.Sprintf("The content's languages are %s. Did you mean %q?", strings.Join(l.langs, ", "), m))
			}
		}
		if n := pm["sentence_words"]; n != nil {
			if v, ok := l.integer(n, "sentence_words"); ok && v > 0 {
				p.sentenceWords = v
			}
		}
		if n := pm["word_length"]; n != nil {
			if v, ok := l.integer(n, "word_length"); ok && v > 0 {
				p.wordLength = v
			}
		}
		l.plain = append(l.plain, p)
	}
}

// appliesTo reports whether a rule for lang covers text in textLang: a rule
// for fi covers fi-selko too.
func appliesTo(lang, textLang string) bool {
	if lang == "" || lang == textLang {
		return true
	}
	base, _, _ := strings.Cut(textLang, "-")
	return lang == base
}

// word is a word of a text and where it starts, in characters.
type word struct {
	text string
	at   int
}

func words(s string) []word {
	var out []word
	// a word's start in bytes (to slice s) and in runes (where it is)
	startByte, startRune, i := -1, 0, 0
	for b, r := range s {
		inWord := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '\''
		switch {
		case inWord && startByte < 0:
			startByte, startRune = b, i
		case !inWord && startByte >= 0:
			out = append(out, word{s[startByte:b], startRune})
			startByte = -1
		}
		i++
	}
	if startByte >= 0 {
		out = append(out, word{s[startByte:], startRune})
	}
	return out
}

func (l *loader) checkStyle() {
	for _, t := range l.texts {
		if len(l.avoid) > 0 {
			l.checkAvoid(t)
		}
		for _, p := range l.plain {
			if p.lang == t.lang {
				l.checkPlain(t, p)
			}
		}
	}
}

func (l *loader) at(t textRef, offset int) *node {
	return &node{kind: scalarNode, pos: t.n.posAt(offset), src: t.n.src}
}

func (l *loader) checkAvoid(t textRef) {
	lower := strings.ToLower(t.value)
	var ws []word // split only when some stem is in the text at all
	for _, a := range l.avoid {
		if !appliesTo(a.lang, t.lang) {
			continue
		}
		for _, stem := range a.stems {
			if !strings.Contains(lower, stem) {
				continue
			}
			if ws == nil {
				ws = words(lower)
			}
			if strings.Contains(stem, " ") {
				// a phrase: find it where a word begins
				for i := 0; ; {
					j := strings.Index(lower[i:], stem)
					if j < 0 {
						break
					}
					at := i + j
					if at == 0 || !isWordRune(lastRune(lower[:at])) {
						l.avoidWarning(t, utf8.RuneCountInString(lower[:at]), string([]rune(t.value)[utf8.RuneCountInString(lower[:at]):utf8.RuneCountInString(lower[:at])+utf8.RuneCountInString(stem)]), a)
					}
					i = at + len(stem)
				}
				continue
			}
			for _, w := range ws {
				if strings.HasPrefix(w.text, stem) {
					l.avoidWarning(t, w.at, string([]rune(t.value)[w.at:w.at+utf8.RuneCountInString(w.text)]), a)
				}
			}
		}
	}
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func (l *loader) avoidWarning(t textRef, at int, found string, a avoidWord) {
	detail := "Use instead: " + a.use + "."
	if a.why != "" {
		detail += " (" + a.why + ")"
	}
	detail += " The list is in flows/style.yaml."
	n := l.at(t, at)
	l.diags = append(l.diags, Diagnostic{Severity: Warning, Summary: fmt.Sprintf("%q is on the list of words to avoid", found), Detail: detail,
		Subject: Range{File: n.src.file, Start: n.pos, End: endOnLine(t, at, found)}})
}

// endOnLine is where found ends, when it is on the same line it starts.
func endOnLine(t textRef, at int, found string) Pos {
	s, e := t.n.posAt(at), t.n.posAt(at+utf8.RuneCountInString(found))
	if e.Line != s.Line {
		return Pos{}
	}
	return e
}

func longestPart(word string) int {
	n := 0
	for part := range strings.SplitSeq(word, "-") {
		n = max(n, utf8.RuneCountInString(part))
	}
	return n
}

// inAddress reports whether the word at runes[at:at+n] is part of a web
// address: a dot joins it to a letter on either side.
func inAddress(runes []rune, at, n int) bool {
	end := at + n
	return end+1 < len(runes) && runes[end] == '.' && unicode.IsLetter(runes[end+1]) ||
		at >= 2 && runes[at-1] == '.' && unicode.IsLetter(runes[at-2])
}

func (l *loader) checkPlain(t textRef, p plainLimits) {
	runes := []rune(t.value)
	start := 0
	flush := func(end int) {
		sentence := string(runes[start:end])
		ws := words(sentence)
		if len(ws) > p.sentenceWords {
			n := l.at(t, start+ws[0].at)
			l.diags = append(l.diags, Diagnostic{Severity: Warning,
				Summary: fmt.Sprintf("A sentence of %d words in plain language (%s)", len(ws), p.lang),
				Detail:  fmt.Sprintf("Plain language keeps to one thing per sentence, at most %d words (flows/style.yaml). Split it in two.", p.sentenceWords),
				Subject: Range{File: n.src.file, Start: n.pos}})
		}
		for _, w := range ws {
			// a part of a web address (satakunnanhyvinvointialue.fi) is
			// not a word anyone reads as one; names joined with hyphens
			// (Ylivieska-Kalajoki-Nivala) are read part by part
			if longestPart(w.text) > p.wordLength && !inAddress(runes, start+w.at, utf8.RuneCountInString(w.text)) {
				at := start + w.at
				n := l.at(t, at)
				l.diags = append(l.diags, Diagnostic{Severity: Warning,
					Summary: fmt.Sprintf("A long word in plain language: %q (%d letters)", w.text, utf8.RuneCountInString(w.text)),
					Detail:  fmt.Sprintf("Use a shorter everyday word, or say it in two words; the limit in flows/style.yaml is %d letters.", p.wordLength),
					Subject: Range{File: n.src.file, Start: n.pos, End: endOnLine(t, at, w.text)}})
			}
		}
		start = end
	}
	for i, r := range runes {
		if r == '\n' || ((r == '.' || r == '!' || r == '?') && (i+1 == len(runes) || unicode.IsSpace(runes[i+1]))) {
			flush(i + 1)
		}
	}
	if start < len(runes) {
		flush(len(runes))
	}
}
