package telegramtest

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Error texts below are capitalised because they are Telegram's, verbatim
// after "Bad Request: can't parse entities: ".

// parseHTML follows the rules of Telegram's parser (TDLib's parse_html), so
// that the errors and their byte offsets read like Telegram's: only the
// documented tags; attribute values quoted or bare; entities &lt; &gt;
// &amp; &quot; and numeric ones, the ';' optional; any other '&' is a
// literal character, as on Telegram. It returns the text as shown and its
// entities, offsets in UTF-16 code units.
func parseHTML(s string) (string, []Entity, error) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	type open struct {
		tag, arg string
		offset   int // UTF-16
		begin    int // byte in out
	}
	var (
		out    []byte
		u16    int
		stack  []open
		ents   []Entity
		errorf = func(format string, args ...any) (string, []Entity, error) {
			return "", nil, fmt.Errorf(format, args...)
		}
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '&' {
			if r, next, ok := decodeEntity(s, i); ok {
				u16 += utf16.RuneLen(r)
				out = utf8.AppendRune(out, r)
				i = next - 1
				continue
			}
		}
		if c != '<' {
			if c&0xC0 != 0x80 { // first byte of a UTF-8 character
				u16++
				if c >= 0xF0 {
					u16++ // four bytes: a surrogate pair in UTF-16
				}
			}
			out = append(out, c)
			continue
		}

		begin := i
		i++
		if at(i) != '/' {
			for !isSpace(at(i)) && at(i) != '>' {
				i++
			}
			if at(i) == 0 {
				return errorf("Unclosed start tag at byte offset %d", begin)
			}
			tag := strings.ToLower(s[begin+1 : i])
			switch tag {
			case "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
				"tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote":
			default:
				return errorf("Unsupported start tag %q at byte offset %d", tag, begin)
			}
			arg := ""
			for at(i) != '>' {
				for at(i) != 0 && isSpace(at(i)) {
					i++
				}
				if at(i) == '>' {
					break
				}
				nameBegin := i
				for !isSpace(at(i)) && at(i) != '=' && at(i) != '>' && at(i) != '/' && at(i) != '"' && at(i) != '\'' {
					i++
				}
				name := s[nameBegin:i]
				if name == "" {
					return errorf("Empty attribute name in the tag %q at byte offset %d", tag, begin)
				}
				for at(i) != 0 && isSpace(at(i)) {
					i++
				}
				if at(i) != '=' {
					if at(i) == 0 {
						return errorf("Unclosed start tag %q at byte offset %d", tag, begin)
					}
					if tag == "blockquote" && name == "expandable" {
						arg = "1"
					}
					continue
				}
				i++
				for at(i) != 0 && isSpace(at(i)) {
					i++
				}
				if at(i) == 0 {
					return errorf("Unclosed start tag %q at byte offset %d", tag, begin)
				}
				var value string
				if q := at(i); q != '\'' && q != '"' {
					// A bare name token, case-insensitive.
					tokenBegin := i
					for isAlnum(at(i)) || at(i) == '.' || at(i) == '-' {
						i++
					}
					value = strings.ToLower(s[tokenBegin:i])
					if !isSpace(at(i)) && at(i) != '>' {
						return errorf("Unexpected end of name token at byte offset %d", tokenBegin)
					}
				} else {
					i++
					var v []byte
					for at(i) != q && at(i) != 0 {
						if at(i) == '&' {
							if r, next, ok := decodeEntity(s, i); ok {
								v = utf8.AppendRune(v, r)
								i = next
								continue
							}
						}
						v = append(v, s[i])
						i++
					}
					if at(i) == q {
						i++
					}
					value = string(v)
				}
				if at(i) == 0 {
					return errorf("Unclosed start tag at byte offset %d", begin)
				}
				switch {
				case tag == "a" && name == "href":
					arg = value
				case tag == "code" && name == "class" && strings.HasPrefix(value, "language-"):
					arg = value[len("language-"):]
				case tag == "span" && name == "class" && strings.HasPrefix(value, "tg-"):
					arg = value[len("tg-"):]
				case tag == "tg-emoji" && name == "emoji-id":
					arg = value
				case tag == "blockquote" && name == "expandable":
					arg = "1"
				}
			}
			if tag == "span" && arg != "spoiler" {
				return errorf(`Tag "span" must have class "tg-spoiler" at byte offset %d`, begin)
			}
			stack = append(stack, open{tag: tag, arg: arg, offset: u16, begin: len(out)})
			continue
		}

		// An end tag.
		if len(stack) == 0 {
			return errorf("Unexpected end tag at byte offset %d", begin)
		}
		for !isSpace(at(i)) && at(i) != '>' {
			i++
		}
		endTag := strings.ToLower(s[begin+2 : i])
		for isSpace(at(i)) && at(i) != 0 {
			i++
		}
		if at(i) != '>' {
			return errorf("Unclosed end tag at byte offset %d", begin)
		}
		top := stack[len(stack)-1]
		if endTag != "" && endTag != top.tag {
			return errorf(`Unmatched end tag at byte offset %d, expected "</%s>", found "</%s>"`, begin, top.tag, endTag)
		}
		stack = stack[:len(stack)-1]
		if u16 <= top.offset {
			continue // empty entities are dropped
		}
		e := Entity{Offset: top.offset, Length: u16 - top.offset}
		switch top.tag {
		case "i", "em":
			e.Type = "italic"
		case "b", "strong":
			e.Type = "bold"
		case "s", "strike", "del":
			e.Type = "strikethrough"
		case "u", "ins":
			e.Type = "underline"
		case "tg-spoiler", "span":
			e.Type = "spoiler"
		case "tg-emoji":
			if id, err := strconv.ParseInt(top.arg, 10, 64); err != nil || id == 0 {
				//lint:ignore ST1005 Telegram's own wording, which clients match
				return "", nil, errors.New("Invalid custom emoji identifier specified")
			}
			e.Type, e.CustomEmojiID = "custom_emoji", top.arg
		case "a":
			link := top.arg
			if link == "" {
				link = string(out[top.begin:])
			}
			if id, ok := strings.CutPrefix(link, "tg://user?id="); ok {
				if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
					e.Type, e.User = "text_mention", &User{ID: n}
					break
				}
			}
			link, ok := checkedLink(link)
			if !ok {
				continue // Telegram drops a link it can't use, keeping the text
			}
			e.Type, e.URL = "text_link", link
		case "pre":
			if n := len(ents); n > 0 && ents[n-1].Type == "code" && ents[n-1].Offset == e.Offset &&
				ents[n-1].Length == e.Length && ents[n-1].Language != "" {
				ents[n-1].Type = "pre"
				continue
			}
			e.Type = "pre"
		case "code":
			if n := len(ents); n > 0 && ents[n-1].Type == "pre" && ents[n-1].Offset == e.Offset &&
				ents[n-1].Length == e.Length && top.arg != "" {
				ents[n-1].Language = top.arg
				continue
			}
			e.Type, e.Language = "code", top.arg
		case "blockquote":
			e.Type = "blockquote"
			if top.arg != "" {
				e.Type = "expandable_blockquote"
			}
		}
		ents = append(ents, e)
	}
	if len(stack) > 0 {
		return errorf("Can't find end tag corresponding to start tag %q", stack[len(stack)-1].tag)
	}
	for i := range ents {
		if ents[i].Type == "code" {
			ents[i].Language = "" // only pre carries a language
		}
	}
	sort.SliceStable(ents, func(i, j int) bool {
		if ents[i].Offset != ents[j].Offset {
			return ents[i].Offset < ents[j].Offset
		}
		return ents[i].Length > ents[j].Length
	})
	if !utf8.Valid(out) {
		//lint:ignore ST1005 Telegram's own wording, which clients match
		return "", nil, errors.New("Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units")
	}
	return string(out), ents, nil
}

// decodeEntity decodes the HTML entity at s[i] ('&'), returning the rune
// and the index after it, or ok false when it isn't one Telegram knows.
func decodeEntity(s string, i int) (r rune, next int, ok bool) {
	at := func(i int) byte {
		if i < len(s) {
			return s[i]
		}
		return 0
	}
	end := i + 1
	var code int64
	if at(i+1) == '#' {
		end++
		if at(i+2) == 'x' {
			end++
			for isHex(at(end)) {
				code = code*16 + int64(hexVal(at(end)))
				end++
				if code >= 0x10ffff {
					return 0, 0, false
				}
			}
		} else {
			for at(end) >= '0' && at(end) <= '9' {
				code = code*10 + int64(at(end)-'0')
				end++
				if code >= 0x10ffff {
					return 0, 0, false
				}
			}
		}
		if code == 0 || end-i >= 10 {
			return 0, 0, false
		}
	} else {
		for isAlpha(at(end)) {
			end++
		}
		switch s[i+1 : end] {
		case "lt":
			code = '<'
		case "gt":
			code = '>'
		case "amp":
			code = '&'
		case "quot":
			code = '"'
		default:
			return 0, 0, false
		}
	}
	if at(end) == ';' {
		end++
	}
	return rune(code), end, true
}

// checkedLink approximates Telegram's link check: a scheme-less link gets
// http://, and a bare host gets a trailing slash.
func checkedLink(link string) (string, bool) {
	link = strings.TrimSpace(link)
	if link == "" || strings.ContainsAny(link, " \n\t") {
		return "", false
	}
	if !strings.Contains(link, "://") && !strings.HasPrefix(link, "tg:") && !strings.HasPrefix(link, "mailto:") {
		link = "http://" + link
	}
	u, err := url.Parse(link)
	if err != nil {
		return "", false
	}
	switch u.Scheme {
	case "http", "https", "ftp":
		if u.Host == "" {
			return "", false
		}
		if u.Path == "" && u.RawQuery == "" && u.Fragment == "" {
			link += "/"
		}
	case "tg", "ton", "mailto":
	default:
		return "", false
	}
	return link, true
}

// isSpace is TDLib's: NUL counts, which is how the end of input stops a tag.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0 || c == '\v'
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnum(c byte) bool { return isAlpha(c) || c >= '0' && c <= '9' }
func isHex(c byte) bool   { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

func hexVal(c byte) int {
	switch {
	case c >= 'a':
		return int(c-'a') + 10
	case c >= 'A':
		return int(c-'A') + 10
	}
	return int(c - '0')
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// trimText removes leading and trailing white space as Telegram does with
// message text, moving and clipping the entities to match.
func trimText(text string, ents []Entity) (string, []Entity) {
	trimmed := strings.TrimLeftFunc(text, unicode.IsSpace)
	shift := utf16Len(text[:len(text)-len(trimmed)])
	trimmed = strings.TrimRightFunc(trimmed, unicode.IsSpace)
	n := utf16Len(trimmed)
	var out []Entity
	for _, e := range ents {
		start, end := max(e.Offset-shift, 0), min(e.Offset+e.Length-shift, n)
		if end <= start {
			continue
		}
		e.Offset, e.Length = start, end-start
		out = append(out, e)
	}
	return trimmed, out
}

// commandEntities marks /commands in a person's text the way Telegram does
// (TDLib's match_bot_commands), so tgbotapi's Message.IsCommand works.
func commandEntities(text string) []Entity {
	var ents []Entity
	word := func(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }
	stop := func(r rune) bool { return word(r) || r == '/' || r == '<' || r == '>' }
	isCmd := func(c byte) bool { return isAlnum(c) || c == '_' }
	for i := 0; i < len(text); i++ {
		if text[i] != '/' {
			continue
		}
		if i > 0 {
			if prev, _ := utf8.DecodeLastRuneInString(text[:i]); stop(prev) {
				continue
			}
		}
		j := i + 1
		for j < len(text) && isCmd(text[j]) {
			j++
		}
		if n := j - i - 1; n < 1 || n > 64 {
			continue
		}
		if j < len(text) && text[j] == '@' {
			k := j + 1
			for k < len(text) && isCmd(text[k]) {
				k++
			}
			if n := k - j - 1; n < 3 || n > 32 {
				continue
			}
			j = k
		}
		if j < len(text) {
			if next, _ := utf8.DecodeRuneInString(text[j:]); stop(next) {
				continue
			}
		}
		ents = append(ents, Entity{Type: "bot_command", Offset: utf16Len(text[:i]), Length: utf16Len(text[i:j])})
		i = j - 1
	}
	return ents
}
