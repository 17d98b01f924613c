package telegram

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// Nearly every update is a text message or a pressed button, and nearly
// every call Polku makes is a message, an edit or a callback answer with
// a short answer. encoding/json reads and writes those through reflection
// over the library's very wide types; profiled under polku load that was
// a fifth of an update's CPU time. The readers and writers here handle
// exactly those few shapes and give up (ok false) at anything else — an
// unknown key, a null, a float, a duplicate key — so the caller uses
// encoding/json instead and the result is what encoding/json gives. The
// one difference: what Telegram adds that the adapter never reads (a
// message's entities and buttons, a user's premium flag) is checked to be
// JSON and skipped. FuzzFastUpdate and TestFastBody hold them to that.

// fastReader reads JSON from b; ok turns false at anything it does not
// handle, and stays false.
type fastReader struct {
	b  []byte
	i  int
	ok bool
}

func (r *fastReader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// eat consumes c, after white space, if it is next.
func (r *fastReader) eat(c byte) bool {
	r.ws()
	if r.ok && r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

func (r *fastReader) expect(c byte) {
	if !r.eat(c) {
		r.ok = false
	}
}

// key reads an object key without copying it; keys with escapes are not
// handled (encoding/json matches them case-insensitively, too).
func (r *fastReader) key() []byte {
	r.ws()
	if !r.ok || r.i >= len(r.b) || r.b[r.i] != '"' {
		r.ok = false
		return nil
	}
	start := r.i + 1
	for j := start; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			r.i = j + 1
			r.expect(':')
			return r.b[start:j]
		case c == '\\' || c < 0x20:
			r.ok = false
			return nil
		}
	}
	r.ok = false
	return nil
}

// str reads a string; escapes and invalid UTF-8 are left to encoding/json.
func (r *fastReader) str() string {
	r.ws()
	if !r.ok || r.i >= len(r.b) || r.b[r.i] != '"' {
		r.ok = false
		return ""
	}
	start, plain, ascii := r.i+1, true, true
	for j := start; j < len(r.b); j++ {
		c := r.b[j]
		switch {
		case c == '\\':
			plain = false
			j++ // the escaped character cannot end the string
		case c < 0x20:
			r.ok = false
			return ""
		case c >= utf8.RuneSelf:
			ascii = false
		case c == '"':
			r.i = j + 1
			s := r.b[start:j]
			if plain && (ascii || utf8.Valid(s)) {
				return string(s)
			}
			var out string
			if json.Unmarshal(r.b[start-1:j+1], &out) != nil {
				r.ok = false
			}
			return out
		}
	}
	r.ok = false
	return ""
}

// int reads an integer of at most 18 digits: no fraction, no exponent.
func (r *fastReader) int() int64 {
	r.ws()
	neg := r.i < len(r.b) && r.b[r.i] == '-'
	if neg {
		r.i++
	}
	start := r.i
	var n int64
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		n = n*10 + int64(r.b[r.i]-'0')
		r.i++
	}
	digits := r.i - start
	if !r.ok || digits == 0 || digits > 18 || digits > 1 && r.b[start] == '0' ||
		r.i < len(r.b) && (r.b[r.i] == '.' || r.b[r.i] == 'e' || r.b[r.i] == 'E') {
		r.ok = false
		return 0
	}
	if neg {
		return -n
	}
	return n
}

// skip reads a value the adapter never looks at, checking it is JSON.
func (r *fastReader) skip() {
	r.ws()
	start, depth := r.i, 0
scan:
	for ; r.i < len(r.b); r.i++ {
		switch r.b[r.i] {
		case '"':
			for r.i++; r.i < len(r.b) && r.b[r.i] != '"'; r.i++ {
				if r.b[r.i] == '\\' {
					r.i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				break scan // the end of the object holding the value
			}
			depth--
		case ',':
			if depth == 0 {
				break scan
			}
		}
	}
	if !r.ok || r.i > len(r.b) || start == r.i || !json.Valid(r.b[start:r.i]) {
		r.ok = false
		r.i = min(r.i, len(r.b))
	}
}

// typed skips a value the adapter never reads, but that the library's
// Message has a field for: encoding/json would refuse it in the wrong
// shape ("entities":[{"language":0}]), so it must fit that field's type.
// Only the few messages that carry one pay for the reflection.
func (r *fastReader) typed(v any) {
	r.ws()
	start := r.i
	r.skip()
	if r.ok && json.Unmarshal(r.b[start:r.i], v) != nil {
		r.ok = false
	}
}

func (r *fastReader) bool() bool {
	r.ws()
	rest := r.b[r.i:]
	switch {
	case len(rest) >= 4 && string(rest[:4]) == "true":
		r.i += 4
		return true
	case len(rest) >= 5 && string(rest[:5]) == "false":
		r.i += 5
		return false
	}
	r.ok = false
	return false
}

// object reads an object, calling field for each key; field reads the
// value, or sets ok false for a key it does not know. A key met twice is
// not handled (encoding/json would merge the two).
func (r *fastReader) object(field func(key []byte)) {
	if !r.eat('{') {
		r.ok = false
		return
	}
	if r.eat('}') {
		return
	}
	var seen [8][]byte
	n := 0
	for r.ok {
		k := r.key()
		for _, s := range seen[:n] {
			if string(s) == string(k) {
				r.ok = false
			}
		}
		if n == len(seen) {
			r.ok = false
		}
		if !r.ok {
			return
		}
		seen[n] = k
		n++
		field(k)
		if r.eat('}') {
			return
		}
		r.expect(',')
	}
}

func (r *fastReader) user() *tgbotapi.User {
	u := &tgbotapi.User{}
	r.object(func(k []byte) {
		switch string(k) {
		case "id":
			u.ID = r.int()
		case "is_bot":
			u.IsBot = r.bool()
		case "first_name":
			u.FirstName = r.str()
		case "last_name":
			u.LastName = r.str()
		case "username":
			u.UserName = r.str()
		case "language_code":
			u.LanguageCode = r.str()
		case "is_premium", "added_to_attachment_menu":
			r.skip()
		default:
			r.ok = false
		}
	})
	return u
}

func (r *fastReader) chat() *tgbotapi.Chat {
	c := &tgbotapi.Chat{}
	r.object(func(k []byte) {
		switch string(k) {
		case "id":
			c.ID = r.int()
		case "type":
			c.Type = r.str()
		case "title":
			c.Title = r.str()
		case "username":
			c.UserName = r.str()
		case "first_name":
			c.FirstName = r.str()
		case "last_name":
			c.LastName = r.str()
		default:
			r.ok = false
		}
	})
	return c
}

func (r *fastReader) message() *tgbotapi.Message {
	m := &tgbotapi.Message{}
	r.object(func(k []byte) {
		switch string(k) {
		case "message_id":
			m.MessageID = int(r.int())
		case "from":
			m.From = r.user()
		case "chat":
			m.Chat = r.chat()
		case "date":
			m.Date = int(r.int())
		case "text":
			m.Text = r.str()
		case "entities":
			r.typed(new([]tgbotapi.MessageEntity))
		case "reply_markup":
			r.typed(new(tgbotapi.InlineKeyboardMarkup))
		case "edit_date":
			r.typed(new(int))
		case "link_preview_options":
			r.skip() // not a field of the library's Message: encoding/json ignores it too
		default:
			r.ok = false
		}
	})
	return m
}

func (r *fastReader) callback() *tgbotapi.CallbackQuery {
	q := &tgbotapi.CallbackQuery{}
	r.object(func(k []byte) {
		switch string(k) {
		case "id":
			q.ID = r.str()
		case "from":
			q.From = r.user()
		case "message":
			q.Message = r.message()
		case "chat_instance":
			q.ChatInstance = r.str()
		case "data":
			q.Data = r.str()
		default:
			r.ok = false
		}
	})
	return q
}

// fastUpdate reads an update that is a plain text message or a pressed
// button; ok is false for any other (read it with encoding/json).
func fastUpdate(b []byte) (u tgbotapi.Update, ok bool) {
	r := fastReader{b: b, ok: true}
	r.object(func(k []byte) {
		switch string(k) {
		case "update_id":
			u.UpdateID = int(r.int())
		case "message":
			u.Message = r.message()
		case "callback_query":
			u.CallbackQuery = r.callback()
		default:
			r.ok = false
		}
	})
	r.ws()
	if !r.ok || r.i != len(b) {
		return tgbotapi.Update{}, false
	}
	return u, true
}

// fastResponse reads Telegram's answer to a call that succeeded, as
// {"ok":true,"result":…} exactly; ok is false for any other.
func fastResponse(b []byte) (*tgbotapi.APIResponse, bool) {
	const head = `{"ok":true,"result":`
	end := len(b)
	for end > 0 && (b[end-1] == '\n' || b[end-1] == ' ' || b[end-1] == '\r' || b[end-1] == '\t') {
		end--
	}
	if end < len(head)+2 || string(b[:len(head)]) != head || b[end-1] != '}' {
		return nil, false
	}
	result := b[len(head) : end-1]
	if !json.Valid(result) {
		return nil, false
	}
	return &tgbotapi.APIResponse{Ok: true, Result: result}, true
}

// fastMessageID reads message_id from a sent message, as Telegram puts it
// first; ok is false otherwise.
func fastMessageID(result []byte) (int, bool) {
	r := fastReader{b: result, ok: true}
	if !r.eat('{') || string(r.key()) != "message_id" || bytes.Count(result, []byte(`"message_id"`)) != 1 {
		return 0, false
	}
	id := r.int()
	if !r.ok || !r.eat(',') && !r.eat('}') {
		return 0, false
	}
	return int(id), true
}

// appendBody appends the JSON of a call's body built by fastBody; ok is
// false when the body holds something only encoding/json writes (a
// keyboard with other than callback buttons, another kind of markup).
func appendBody(b []byte, body any) ([]byte, bool) {
	switch v := body.(type) {
	case sendBody:
		b = append(b, `{"chat_id":`...)
		b = strconv.AppendInt(b, v.ChatID, 10)
		b = append(b, `,"text":`...)
		b = appendString(b, v.Text)
		b = appendOpt(b, "parse_mode", v.ParseMode)
		if v.NoPreview {
			b = append(b, `,"disable_web_page_preview":true`...)
		}
		switch kb := v.ReplyMarkup.(type) {
		case nil:
		case tgbotapi.InlineKeyboardMarkup:
			var ok bool
			if b, ok = appendKeyboard(append(b, `,"reply_markup":`...), &kb); !ok {
				return b, false
			}
		default:
			return b, false
		}
		return append(b, '}'), true
	case editBody:
		b = append(b, `{"chat_id":`...)
		b = strconv.AppendInt(b, v.ChatID, 10)
		b = append(b, `,"message_id":`...)
		b = strconv.AppendInt(b, int64(v.MessageID), 10)
		b = appendOpt(b, "text", v.Text)
		b = appendOpt(b, "parse_mode", v.ParseMode)
		if v.ReplyMarkup != nil {
			var ok bool
			if b, ok = appendKeyboard(append(b, `,"reply_markup":`...), v.ReplyMarkup); !ok {
				return b, false
			}
		}
		return append(b, '}'), true
	case callbackBody:
		b = append(b, `{"callback_query_id":`...)
		b = appendString(b, v.ID)
		b = appendOpt(b, "text", v.Text)
		return append(b, '}'), true
	}
	return b, false
}

// bodySize is room enough for most bodies written by appendBody, so that
// one allocation does.
func bodySize(body any) int {
	n := 128
	var kb *tgbotapi.InlineKeyboardMarkup
	switch v := body.(type) {
	case sendBody:
		n += len(v.Text) + len(v.Text)/8
		if k, ok := v.ReplyMarkup.(tgbotapi.InlineKeyboardMarkup); ok {
			kb = &k
		}
	case editBody:
		n += len(v.Text) + len(v.Text)/8
		kb = v.ReplyMarkup
	}
	if kb != nil {
		for _, row := range kb.InlineKeyboard {
			for _, k := range row {
				n += 36 + len(k.Text)
				if k.CallbackData != nil {
					n += len(*k.CallbackData)
				}
			}
		}
	}
	return n
}

func appendOpt(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, key...)
	b = append(b, '"', ':')
	return appendString(b, v)
}

func appendKeyboard(b []byte, kb *tgbotapi.InlineKeyboardMarkup) ([]byte, bool) {
	b = append(b, `{"inline_keyboard":[`...)
	for i, row := range kb.InlineKeyboard {
		if i > 0 {
			b = append(b, ',')
		}
		if row == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, k := range row {
			if k.CallbackData == nil || k.URL != nil || k.LoginURL != nil || k.SwitchInlineQuery != nil ||
				k.SwitchInlineQueryCurrentChat != nil || k.CallbackGame != nil || k.Pay {
				return b, false
			}
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"text":`...)
			b = appendString(b, k.Text)
			b = append(b, `,"callback_data":`...)
			b = appendString(b, *k.CallbackData)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, ']', '}'), true
}

// appendString appends s as a JSON string, as encoding/json reads it back:
// invalid UTF-8 becomes U+FFFD, as encoding/json writes it.
func appendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			// valid JSON either way; escaped as encoding/json does, for
			// JavaScript readers of logs
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
