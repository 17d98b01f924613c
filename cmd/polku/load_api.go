package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// fakeAPI answers the Bot API calls the Telegram adapter makes, in memory,
// with Telegram's JSON envelope: no sockets, nothing kept but what a
// simulated person needs to answer the next question and what the final
// check needs. It can be made slow (latency) and failing (a fraction of
// calls answered 500). It is written to cost little, since its time and
// allocations are counted with the bot's.
type fakeAPI struct {
	base  int64 // the first person's chat id
	chats []apiChat

	latency time.Duration
	errRate float64
	faults  atomic.Bool // faults are injected only once the run begins

	calls    atomic.Int64
	failed   atomic.Int64 // calls answered 500 on purpose
	unknown  atomic.Int64 // calls of methods the fake does not know
	unknownM atomic.Value // the last such method's name
	// answers written over a message that was not the open question
	wrongEdits atomic.Int64
}

// apiChat is what the fake keeps of one person's chat.
type apiChat struct {
	mu   sync.Mutex
	next int // the last message id used in the chat

	// the last message with buttons: the question waiting for an answer,
	// redrawn in place when a multiple choice option is ticked
	kb    []byte // its inline keyboard, as JSON
	kbMsg int
	kbSeq int // counts questions sent and redrawn, to tell a new one from the old

	// what the texts sent since that message say of suggestions, and
	// what those sent just before it said: the suggestions, before the
	// end question (see suggestionSig)
	pending, before sigState
}

func newFakeAPI(people int, base int64, latency time.Duration, errRate float64) *fakeAPI {
	return &fakeAPI{base: base, chats: make([]apiChat, people), latency: latency, errRate: errRate}
}

func (f *fakeAPI) chat(id int64) *apiChat {
	i := id - f.base
	if i < 0 || i >= int64(len(f.chats)) {
		return nil
	}
	return &f.chats[i]
}

// messageID gives the next message id in a chat: the person's own
// messages and the bot's share one sequence, as in Telegram.
func (f *fakeAPI) messageID(chat int64) int {
	c := f.chat(chat)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.next++
	return c.next
}

// question is the chat's open question: its keyboard (JSON), its message,
// and the count that changes whenever a question is sent or redrawn.
func (f *fakeAPI) question(chat int64) (kb []byte, msg, seq int) {
	c := f.chat(chat)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.kb, c.kbMsg, c.kbSeq
}

// suggestions sums up the suggestions sent just before the open question.
func (f *fakeAPI) suggestions(chat int64) uint64 {
	c := f.chat(chat)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.before.sum
}

var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func (f *fakeAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		defer r.Body.Close()
	}
	f.calls.Add(1)
	if f.faults.Load() {
		if f.latency > 0 && !sleepCtx(r.Context(), f.latency) {
			return nil, r.Context().Err()
		}
		if f.errRate > 0 && rand.Float64() < f.errRate {
			f.failed.Add(1)
			return respond(r, http.StatusInternalServerError, htmlHeader, []byte("<html><body>500 Internal Server Error</body></html>")), nil
		}
	}
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	if r.Body != nil {
		buf.ReadFrom(r.Body)
	}
	switch method {
	case "sendMessage", "editMessageText", "editMessageReplyMarkup":
		return f.message(r, method, buf.Bytes()), nil
	case "answerCallbackQuery", "deleteWebhook", "setWebhook", "setMyCommands", "deleteMyCommands":
		return respond(r, http.StatusOK, jsonHeader, okTrue), nil
	case "getMe":
		return respond(r, http.StatusOK, jsonHeader, []byte(`{"ok":true,"result":{"id":1000001,"is_bot":true,"first_name":"Polku","username":"polku_load_bot","can_join_groups":false}}`)), nil
	case "getMyCommands":
		return respond(r, http.StatusOK, jsonHeader, []byte(`{"ok":true,"result":[]}`)), nil
	}
	f.unknown.Add(1)
	f.unknownM.Store(method)
	return respond(r, http.StatusNotFound, jsonHeader, []byte(`{"ok":false,"error_code":404,"description":"Not Found: method not found"}`)), nil
}

var (
	okTrue     = []byte(`{"ok":true,"result":true}`)
	jsonHeader = http.Header{"Content-Type": {"application/json"}}
	htmlHeader = http.Header{"Content-Type": {"text/html"}}
)

// message answers sendMessage and the edits, keeping the chat's open
// question and what the texts before it say.
func (f *fakeAPI) message(r *http.Request, method string, body []byte) *http.Response {
	var chatID int64
	var msgID int
	var text []byte // still JSON: quoted and escaped
	var markup []byte
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		// the adapter's own encoding of the calls it makes for every update
		fields(body, func(key string, value []byte) {
			switch key {
			case "chat_id":
				chatID, _ = strconv.ParseInt(string(value), 10, 64)
			case "message_id":
				msgID, _ = strconv.Atoi(string(value))
			case "text":
				text = value
			case "reply_markup":
				markup = value
			}
		})
	} else {
		// the library's: a form
		form(body, func(key, value string) {
			switch key {
			case "chat_id":
				chatID, _ = strconv.ParseInt(value, 10, 64)
			case "message_id":
				msgID, _ = strconv.Atoi(value)
			case "text":
				text, _ = json.Marshal(unescape(value))
			case "reply_markup":
				markup = []byte(unescape(value))
			}
		})
	}
	c := f.chat(chatID)
	if c == nil {
		return respond(r, http.StatusBadRequest, jsonHeader, []byte(`{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}`))
	}
	buttons := bytes.Contains(markup, []byte(`"callback_data"`))
	c.mu.Lock()
	switch method {
	case "sendMessage":
		c.next++
		msgID = c.next
		if buttons {
			c.kb, c.kbMsg, c.before, c.pending = bytes.Clone(markup), msgID, c.pending, sigState{}
			c.kbSeq++
		} else if len(text) > 0 {
			var s string
			if json.Unmarshal(text, &s) == nil {
				c.pending.add(s)
			}
		}
	case "editMessageText":
		// the simulated people answer only the open question, so an
		// answer shown on any other message overwrites an earlier one
		if msgID != c.kbMsg {
			f.wrongEdits.Add(1)
		}
	case "editMessageReplyMarkup":
		if buttons && msgID == c.kbMsg {
			c.kb = bytes.Clone(markup) // a tick in a multiple choice, redrawn
			c.kbSeq++
		}
	}
	c.mu.Unlock()
	b := make([]byte, 0, 128)
	b = append(b, `{"ok":true,"result":{"message_id":`...)
	b = strconv.AppendInt(b, int64(msgID), 10)
	b = append(b, `,"date":`...)
	b = strconv.AppendInt(b, time.Now().Unix(), 10)
	b = append(b, `,"chat":{"id":`...)
	b = strconv.AppendInt(b, chatID, 10)
	b = append(b, `,"type":"private"}}}`...)
	return respond(r, http.StatusOK, jsonHeader, b)
}

// fields calls fn for each key of a JSON object with its value's JSON
// text, without decoding what is not asked for. It stops at anything that
// is not a well-formed object.
func fields(b []byte, fn func(key string, value []byte)) {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) || b[i] != '"' {
			return
		}
		end := skipValue(b, i)
		if end < 0 {
			return
		}
		key := b[i+1 : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return
		}
		i = skipSpace(b, i+1)
		end = skipValue(b, i)
		if end < 0 {
			return
		}
		fn(string(key), b[i:end])
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ',' {
			return
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// skipValue returns where the JSON value starting at b[i] ends, or -1.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		for j := i + 1; j < len(b); j++ {
			switch b[j] {
			case '\\':
				j++
			case '"':
				return j + 1
			}
		}
		return -1
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := skipValue(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' {
		j++
	}
	return j
}

// hasButton reports whether a keyboard (JSON) has a button with data.
func hasButton(kb []byte, data string) bool {
	return buttonAt(kb, data) >= 0
}

func buttonAt(kb []byte, data string) int {
	needle := make([]byte, 0, len(data)+20)
	needle = append(needle, `"callback_data":`...)
	needle = strconv.AppendQuote(needle, data)
	return bytes.Index(kb, needle)
}

// buttonText is what the button with data says; "" without one.
func buttonText(kb []byte, data string) string {
	at := buttonAt(kb, data)
	if at < 0 {
		return ""
	}
	start := bytes.LastIndex(kb[:at], []byte(`"text":`))
	if start < 0 {
		return ""
	}
	start += len(`"text":`)
	end := skipValue(kb, start)
	if end < 0 {
		return ""
	}
	var s string
	if json.Unmarshal(kb[start:end], &s) != nil {
		return ""
	}
	return s
}

// firstButton is the callback data of a keyboard's first button.
func firstButton(kb []byte) string {
	at := bytes.Index(kb, []byte(`"callback_data":`))
	if at < 0 {
		return ""
	}
	at += len(`"callback_data":`)
	end := skipValue(kb, at)
	var s string
	if end < 0 || json.Unmarshal(kb[at:end], &s) != nil {
		return ""
	}
	return s
}

// form calls fn for each key and (still escaped) value of a form body.
func form(body []byte, fn func(key, value string)) {
	s := string(body)
	for s != "" {
		var pair string
		pair, s, _ = strings.Cut(s, "&")
		k, v, _ := strings.Cut(pair, "=")
		fn(k, v)
	}
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// respond is an answer of the fake Bot API. The header is shared: nothing
// on the way writes to a response's header.
func respond(r *http.Request, status int, header http.Header, body []byte) *http.Response {
	line := "200 OK"
	if status != http.StatusOK {
		line = strconv.Itoa(status) + " " + http.StatusText(status)
	}
	return &http.Response{StatusCode: status, Status: line,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: header, ContentLength: int64(len(body)),
		Body: &bodyReader{Reader: *bytes.NewReader(body)}, Request: r}
}

// bodyReader is a request or response body read from memory.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// sleepCtx waits d, or less when ctx ends first; it reports whether the
// whole wait passed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
