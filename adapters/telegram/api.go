package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ErrBlocked is returned for a person who blocked the bot: Telegram will
// not deliver anything to them.
var ErrBlocked = errors.New("the person blocked the bot")

// ErrUnauthorized is returned when Telegram does not accept the token.
var ErrUnauthorized = errors.New("the token is not accepted by Telegram (401 Unauthorized): check TELEGRAM_TOKEN, or ask @BotFather for a new one")

// ctxClient gives each Bot API request a context, which the library does
// not, and keeps the token out of errors: the library puts it in every
// request's URL, and a transport error quotes the URL.
type ctxClient struct {
	ctx   context.Context
	http  *http.Client
	token string
}

func (c ctxClient) Do(req *http.Request) (*http.Response, error) {
	if req.Context() != c.ctx {
		req = req.WithContext(c.ctx)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, scrubError(err, c.token)
	}
	if resp.StatusCode >= 500 {
		// Telegram's own failure, often with an HTML body the library
		// cannot read: say what it was, so the caller retries.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		return nil, &serverError{code: resp.StatusCode}
	}
	return resp, nil
}

type serverError struct{ code int }

func (e *serverError) Error() string {
	return fmt.Sprintf("Telegram answered %d %s", e.code, http.StatusText(e.code))
}

// scrubError returns err without the token: a *url.Error holds the request
// URL, and other errors may quote it.
func scrubError(err error, token string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, redact(ue.URL, token), scrubError(ue.Err, token))
	}
	if msg := err.Error(); redact(msg, token) != msg {
		return errors.New(redact(msg, token))
	}
	return err
}

func redact(s, token string) string {
	if token == "" {
		return s
	}
	// as written, and as a URL may quote it (the colon escaped)
	for _, form := range []string{token, url.PathEscape(token), url.QueryEscape(token)} {
		s = strings.ReplaceAll(s, form, "REDACTED")
	}
	return s
}

// api makes Bot API calls: each through the flood limits, retried when
// Telegram asks to wait (429) or fails on its side (5xx, a dropped
// connection), never retried when the request itself is wrong.
type api struct {
	bot   *tgbotapi.BotAPI // a template: every call uses a copy with its own context
	http  *http.Client
	token string
	// endpoint is the Bot API's address with %s for the token and the
	// method, as the library takes it.
	endpoint string
	log      *slog.Logger
	limits   *limits
	// maxBackoff bounds the waits between retries after Telegram's own
	// failures; tests make it short.
	maxBackoff time.Duration
	urls       sync.Map // method → its address (see methodURL)
}

// request makes one call. chat is the chat it writes to, 0 for calls not
// bound to one (setMyCommands, getUpdates). It returns ErrBlocked for a
// person who blocked the bot, ErrUnauthorized for a refused token, and
// *tgbotapi.Error for other refusals.
func (a *api) request(ctx context.Context, chat int64, c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	if u, ok := c.(tgbotapi.UpdateConfig); ok {
		// a long poll waits its own timeout, and then some, for the answer
		ctx = withCallTimeout(ctx, time.Duration(u.Timeout)*time.Second+15*time.Second)
		return a.do(ctx, chat, func(b *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return b.Request(c) })
	}
	if method, body, ok := fastBody(c); ok {
		return a.do(ctx, chat, func(b *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return a.post(ctx, b, method, body) })
	}
	return a.do(ctx, chat, func(b *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return b.Request(c) })
}

// callTimeout bounds one attempt of a call; a long poll gets longer.
const callTimeout = 30 * time.Second

type callTimeoutKey struct{}

func withCallTimeout(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, callTimeoutKey{}, d)
}

// The calls made for every update (a message, an edit, an answered button)
// are sent as JSON, encoded straight from these, instead of through the
// library's form building: a third of an update's time went there.
type (
	sendBody struct {
		ChatID      int64  `json:"chat_id"`
		Text        string `json:"text"`
		ParseMode   string `json:"parse_mode,omitempty"`
		NoPreview   bool   `json:"disable_web_page_preview,omitempty"`
		ReplyMarkup any    `json:"reply_markup,omitempty"`
	}
	editBody struct {
		ChatID      int64                          `json:"chat_id"`
		MessageID   int                            `json:"message_id"`
		Text        string                         `json:"text,omitempty"`
		ParseMode   string                         `json:"parse_mode,omitempty"`
		ReplyMarkup *tgbotapi.InlineKeyboardMarkup `json:"reply_markup,omitempty"`
	}
	callbackBody struct {
		ID   string `json:"callback_query_id"`
		Text string `json:"text,omitempty"`
	}
)

// fastBody is the JSON body of a call sent often, or ok false for others.
func fastBody(c tgbotapi.Chattable) (method string, body any, ok bool) {
	switch c := c.(type) {
	case tgbotapi.MessageConfig:
		if c.ChannelUsername != "" || c.ReplyToMessageID != 0 || len(c.Entities) > 0 || c.DisableNotification {
			return "", nil, false
		}
		return "sendMessage", sendBody{ChatID: c.ChatID, Text: c.Text, ParseMode: c.ParseMode, NoPreview: c.DisableWebPagePreview, ReplyMarkup: c.ReplyMarkup}, true
	case tgbotapi.EditMessageTextConfig:
		if c.InlineMessageID != "" || c.ChannelUsername != "" || len(c.Entities) > 0 {
			return "", nil, false
		}
		return "editMessageText", editBody{ChatID: c.ChatID, MessageID: c.MessageID, Text: c.Text, ParseMode: c.ParseMode, ReplyMarkup: c.ReplyMarkup}, true
	case tgbotapi.EditMessageReplyMarkupConfig:
		if c.InlineMessageID != "" || c.ChannelUsername != "" || c.ReplyMarkup == nil {
			return "", nil, false
		}
		return "editMessageReplyMarkup", editBody{ChatID: c.ChatID, MessageID: c.MessageID, ReplyMarkup: c.ReplyMarkup}, true
	case tgbotapi.CallbackConfig:
		if c.ShowAlert || c.URL != "" || c.CacheTime != 0 {
			return "", nil, false
		}
		return "answerCallbackQuery", callbackBody{ID: c.CallbackQueryID, Text: c.Text}, true
	}
	return "", nil, false
}

// post sends one call as JSON and reads Telegram's answer into the
// library's types, so that do's retries treat it like any other call.
func (a *api) post(ctx context.Context, b *tgbotapi.BotAPI, method string, body any) (*tgbotapi.APIResponse, error) {
	data, ok := appendBody(make([]byte, 0, bodySize(body)), body)
	if !ok {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	if cc, ok := b.Client.(ctxClient); ok {
		ctx = cc.ctx // the attempt's: the request needs no copy with it
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.methodURL(method), bytes.NewReader(data))
	if err != nil {
		return nil, scrubError(err, a.token)
	}
	req.Header = http.Header{"Content-Type": jsonContent}
	resp, err := b.Client.Do(req)
	if err != nil {
		return nil, err // scrubbed by ctxClient
	}
	defer resp.Body.Close()
	answer, err := readBody(resp.Body, resp.ContentLength, 1<<20)
	if fast, ok := fastResponse(answer); ok && err == nil {
		return fast, nil
	}
	var out tgbotapi.APIResponse
	if err := json.NewDecoder(bytes.NewReader(answer)).Decode(&out); err != nil {
		return nil, fmt.Errorf("the answer to %s is not JSON (%d)", method, resp.StatusCode)
	}
	if !out.Ok {
		te := &tgbotapi.Error{Code: out.ErrorCode, Message: out.Description}
		if out.Parameters != nil {
			te.ResponseParameters = *out.Parameters
		}
		return &out, te
	}
	return &out, nil
}

var jsonContent = []string{"application/json"}

// methodURL is the address of a method, made once per method.
func (a *api) methodURL(method string) string {
	if u, ok := a.urls.Load(method); ok {
		return u.(string)
	}
	u := fmt.Sprintf(a.endpoint, a.token, method)
	a.urls.Store(method, u)
	return u
}

// readBody reads up to limit bytes of r, in one allocation when the
// length is known. A body cut short is an error, with what was read. A
// length of 0 is taken as unknown: a response made by hand (a test's
// transport, a proxy's) often leaves it so and has a body all the same.
func readBody(r io.Reader, length, limit int64) ([]byte, error) {
	if length <= 0 || length > limit {
		return io.ReadAll(io.LimitReader(r, limit))
	}
	b := make([]byte, length)
	n, err := io.ReadFull(r, b)
	return b[:n], err
}

// raw makes a call the library has no config for (setWebhook with a secret).
func (a *api) raw(ctx context.Context, method string, p tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	return a.do(ctx, 0, func(b *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return b.MakeRequest(method, p) })
}

func (a *api) do(ctx context.Context, chat int64, call func(*tgbotapi.BotAPI) (*tgbotapi.APIResponse, error)) (*tgbotapi.APIResponse, error) {
	b := *a.bot
	failures := 0
	timeout, ok := ctx.Value(callTimeoutKey{}).(time.Duration)
	if !ok {
		timeout = callTimeout
	}
	for {
		if err := a.limits.wait(ctx, chat); err != nil {
			return nil, err
		}
		// each attempt has a deadline of its own (the client has none: a
		// timeout on http.Client costs a timer and a goroutine per call)
		attempt, cancel := context.WithTimeout(ctx, timeout)
		b.Client = ctxClient{ctx: attempt, http: a.http, token: a.token}
		resp, err := call(&b)
		cancel()
		if err == nil {
			return resp, nil
		}
		var te *tgbotapi.Error
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.As(err, &te) && te.Code == http.StatusTooManyRequests:
			// Flood control: wait as long as Telegram says, then send the
			// same again. A reply is never dropped for this.
			wait := time.Duration(max(te.RetryAfter, 1)) * time.Second
			a.limits.pause(chat, wait)
			a.log.Warn("telegram asks to wait", "seconds", int(wait.Seconds()), "chat_bound", chat != 0)
			continue
		case errors.As(err, &te) && te.Code == http.StatusForbidden:
			return nil, ErrBlocked
		case errors.As(err, &te) && te.Code == http.StatusUnauthorized:
			return nil, ErrUnauthorized
		case errors.As(err, &te) && te.Code < 500:
			// the request is wrong: sending it again changes nothing
			return nil, &tgbotapi.Error{Code: te.Code, Message: safeDescription(te.Message), ResponseParameters: te.ResponseParameters}
		}
		// a URL that does not parse is a configuration error: no retry
		// mends it (CheckAPIURL keeps it from happening at start)
		var ue *url.Error
		parse := errors.As(err, &ue) && ue.Op == "parse"
		err = scrubError(err, a.token) // whatever the path, never the token
		if parse {
			return nil, err
		}
		// Telegram's own failure or the network: back off and try again
		failures++
		if failures > 6 {
			return nil, fmt.Errorf("giving up after %d failures: %w", failures, err)
		}
		d := min(a.maxBackoff, (250*time.Millisecond)<<failures)
		d = d/2 + rand.N(d/2+1)
		a.log.Warn("telegram call failed, retrying", "attempt", failures, "in_ms", d.Milliseconds(), "err", err)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// safeDescription keeps Telegram's description of a refusal up to its
// detail ("Bad Request: can't parse entities"), which may quote the text
// sent, so that errors can be logged without anything a person wrote.
func safeDescription(desc string) string {
	head, rest, ok := strings.Cut(desc, ": ")
	if !ok {
		return clipRunes(desc, 80)
	}
	what, _, _ := strings.Cut(rest, ": ")
	return clipRunes(head+": "+what, 80)
}

// notModified reports Telegram's refusal to "edit" a message into what it
// already says: for an edit, that is success.
func notModified(err error) bool {
	var te *tgbotapi.Error
	return errors.As(err, &te) && strings.Contains(te.Message, "message is not modified")
}

// limits keeps within Telegram's flood limits: about 30 messages a second
// for the whole bot, fewer for one chat. Sends are spaced for the first;
// for the second, and for anything else, Telegram's 429 with retry_after
// says how long to wait. A 429 pauses its chat, and 429s in several chats
// at once, or for a call bound to no chat, pause the whole bot.
type limits struct {
	mu       sync.Mutex
	interval time.Duration // between any two calls: the global rate
	next     time.Time     // when the next call may go
	global   time.Time     // the whole bot waits until then
	chats    map[int64]time.Time
	recent   map[int64]time.Time // chats that got a 429 lately
}

func newLimits(perSecond int) *limits {
	return &limits{interval: time.Second / time.Duration(perSecond), chats: map[int64]time.Time{}, recent: map[int64]time.Time{}}
}

func (l *limits) wait(ctx context.Context, chat int64) error {
	for {
		l.mu.Lock()
		now := time.Now()
		// first the pauses Telegram asked for, which reserve nothing: a
		// chat told to wait must not hold up other chats' slots
		if until := later(l.global, l.chats[chat]); until.After(now) {
			l.mu.Unlock()
			if !sleep(ctx, until.Sub(now)) {
				return ctx.Err()
			}
			continue
		}
		if t, ok := l.chats[chat]; ok && !t.After(now) {
			delete(l.chats, chat)
		}
		slot := later(l.next, now)
		l.next = slot.Add(l.interval)
		l.mu.Unlock()
		if d := slot.Sub(now); d > 0 && !sleep(ctx, d) {
			return ctx.Err()
		}
		return nil
	}
}

func (l *limits) pause(chat int64, d time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	until := now.Add(d)
	if chat == 0 {
		l.global = later(l.global, until)
		return
	}
	l.chats[chat] = later(l.chats[chat], until)
	l.recent[chat] = now
	n := 0
	for c, t := range l.recent {
		if now.Sub(t) > time.Second {
			delete(l.recent, c)
			continue
		}
		n++
	}
	if n >= 3 {
		// many chats told to wait at once: the bot as a whole is too fast
		l.global = later(l.global, until)
	}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
