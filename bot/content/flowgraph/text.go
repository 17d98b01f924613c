package flowgraph

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean makes s safe to put into any output format once escaped: invalid
// UTF-8 and control characters (which XML 1.0 cannot hold at all, and
// which would break a Mermaid or DOT line) become U+FFFD, tabs spaces, and
// every kind of line break "\n".
func clean(s string) string {
	ok := true
	for _, r := range s {
		if r < 0x20 && r != '\n' || r >= 0x7f && r < 0xa0 || r == utf8.RuneError || r == 0x2028 || r == 0x2029 || r == 0xfffe || r == 0xffff {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\r':
			if !strings.HasPrefix(s[i+1:], "\n") {
				b.WriteByte('\n')
			}
		case r == '\n' || r == 0x2028 || r == 0x2029 || r == 0x85:
			b.WriteByte('\n')
		case r == '\t':
			b.WriteByte(' ')
		case r < 0x20 || r >= 0x7f && r < 0xa0 || r == 0xfffe || r == 0xffff:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r) // invalid UTF-8 arrives here as RuneError already
		}
	}
	return b.String()
}

// font is how a line of text is set. Widths are estimated from DejaVu Sans
// (and DejaVu Sans Mono), which the SVG asks for after Verdana, whose
// metrics are nearly the same; both are wider than Arial, so text never
// outgrows its box when a viewer substitutes a narrower font.
type font struct {
	size       int // px
	bold, mono bool
}

// lineHeight is the distance between baselines.
func (f font) lineHeight() int { return f.size*4/3 + 1 }

// DejaVu Sans advance widths of ' ' to '~', in thousandths of an em.
var (
	asciiRegular = [95]int16{318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
		636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
		1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
		603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
		500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
		635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838}
	asciiBold = [95]int16{348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
		696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
		1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
		733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
		500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
		716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838}
)

// runeWidth is r's estimated advance in thousandths of an em.
func runeWidth(r rune, f font) int {
	if r >= ' ' && r <= '~' {
		switch {
		case f.mono:
			return 602
		case f.bold:
			return int(asciiBold[r-' '])
		default:
			return int(asciiRegular[r-' '])
		}
	}
	var w int
	switch {
	case zeroWidth(r):
		return 0
	case r >= 0x1f000 && r <= 0x1faff || r >= 0x2600 && r <= 0x27bf:
		w = 1150 // emoji and symbols, often from a colour font
	case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xff60 || r >= 0xffe0 && r <= 0xffe6:
		w = 1000
	case r == '…' || r == '—' || r == '\ufffd':
		w = 1000
	case unicode.IsUpper(r):
		w = 760
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		w = 640
	default:
		w = 840
	}
	if f.mono {
		return max(w, 602)
	}
	if f.bold {
		w = w * 11 / 10
	}
	return w
}

// zeroWidth reports runes that take no room of their own: combining marks,
// joiners, variation selectors, direction marks.
func zeroWidth(r rune) bool {
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf)
}

// textWidth is the estimated width of s in px, rounded up.
func textWidth(s string, f font) int { return f.px(units(s, f)) }

// units is the width of s in thousandths of an em.
func units(s string, f font) int {
	sum := 0
	for _, r := range s {
		sum += runeWidth(r, f)
	}
	return sum
}

// px turns thousandths of an em into px, rounded up.
func (f font) px(units int) int { return (units*f.size + 999) / 1000 }

// maxRunes bounds the text wrapped: no box shows more than a few hundred
// characters, and a runaway text must not cost a long wrap.
const maxRunes = 1200

// wrap breaks s into at most maxLines lines no wider than maxW px, at
// spaces where it can and inside a word where it must; a line break in s
// starts a new line. When s does not fit, the last line ends in "…".
func wrap(s string, f font, maxW, maxLines int) []string {
	truncated := false
	if utf8.RuneCountInString(s) > maxRunes {
		s = string([]rune(s)[:maxRunes])
		truncated = true
	}
	space := runeWidth(' ', f)
	var lines []string
	for _, para := range strings.Split(s, "\n") {
		cur, curW := "", 0
		for _, word := range strings.FieldsFunc(para, func(r rune) bool { return r == ' ' }) {
			if len(lines) > maxLines {
				break
			}
			w := units(word, f)
			if cur != "" && f.px(curW+space+w) <= maxW {
				cur, curW = cur+" "+word, curW+space+w
				continue
			}
			if cur != "" {
				lines = append(lines, cur)
			}
			for f.px(w) > maxW && len(lines) <= maxLines {
				head, tail := cut(word, f, maxW)
				lines = append(lines, head)
				word = tail
				w = units(word, f)
			}
			cur, curW = word, w
		}
		if cur != "" {
			lines = append(lines, cur)
		}
	}
	if len(lines) > maxLines {
		lines = lines[:maxLines]
		truncated = true
	}
	if truncated && len(lines) > 0 {
		lines[len(lines)-1] = ellipsize(lines[len(lines)-1]+"…", f, maxW)
	}
	return lines
}

// cut splits word where its head is as wide as fits maxW, never before a
// zero-width rune (which belongs to the rune before it), and never empty.
func cut(word string, f font, maxW int) (head, tail string) {
	at := fit(word, f, maxW, 0)
	if at == 0 {
		// not even one character fits: take one anyway, with its marks
		_, at = utf8.DecodeRuneInString(word)
		for at < len(word) {
			r, n := utf8.DecodeRuneInString(word[at:])
			if !zeroWidth(r) {
				break
			}
			at += n
		}
	}
	return word[:at], word[at:]
}

// fit is the length in bytes of the longest start of s that, with extra
// units after it, is no wider than maxW px and does not end before a
// zero-width rune.
func fit(s string, f font, maxW, extra int) int {
	sum, at := extra, 0
	for i, r := range s {
		sum += runeWidth(r, f)
		if f.px(sum) > maxW {
			break
		}
		end := i + utf8.RuneLen(r)
		if next, _ := utf8.DecodeRuneInString(s[end:]); end == len(s) || !zeroWidth(next) {
			at = end
		}
	}
	return at
}

// ellipsize shortens s to fit maxW, ending it in "…" when anything was cut.
func ellipsize(s string, f font, maxW int) string {
	if textWidth(s, f) <= maxW {
		return s
	}
	s = strings.TrimSuffix(s, "…")
	return strings.TrimRight(s[:fit(s, f, maxW, runeWidth('…', f))], " ") + "…"
}
