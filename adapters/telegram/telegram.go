package telegram

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"polku/adapters/internal/chatqueue"
	"polku/bot"
	"polku/bot/content"
)

// Handler is what the adapter needs of the engine.
type Handler interface {
	Handle(context.Context, bot.Message) (bot.Reply, error)
	// Forget deletes what is kept about a person who blocked the bot.
	Forget(ctx context.Context, platform, user string) error
	// Content is the content in use: for command menus and button data.
	Content() *content.Content
	// HandoffEvent turns what happened on the volunteers' side into what
	// to tell the person.
	HandoffEvent(context.Context, bot.HandoffEvent) (bot.Reply, error)
}

// Platform names Telegram in bot.Messages and session keys.
const Platform = "telegram"

// DefaultAPIURL is Telegram's Bot API.
const DefaultAPIURL = "https://api.telegram.org"

// Options configure the adapter.
type Options struct {
	Token string // from @BotFather; a secret
	// APIURL is the Bot API server: Telegram's by default, or a local Bot
	// API server, or a test server. Either a base URL or the library's
	// endpoint format with two %s (token, method).
	APIURL string
	// WebhookURL, when set, makes Telegram deliver updates to this public
	// HTTPS address instead of Polku asking for them (long polling).
	WebhookURL string
	// WebhookSecret is checked against X-Telegram-Bot-Api-Secret-Token on
	// every webhook request.
	WebhookSecret string
	// HTTPAddr is where the webhook listens, e.g. :8080.
	HTTPAddr string
	// Listener, when set, is where the webhook listens instead of HTTPAddr
	// (a test's free port, or a socket handed over by the system).
	Listener net.Listener
	Logger   *slog.Logger
	// HTTPClient makes the Bot API requests. Every call has a deadline of
	// its own (30 s; a long poll its timeout and 15 s more), so it needs no
	// Timeout; one it has must outlast the long poll.
	HTTPClient *http.Client
	// PerSecond bounds the calls to Telegram for the whole bot (default 25,
	// under Telegram's 30 messages a second); negative: no bound, for load
	// tests against a fake Bot API.
	PerSecond int
	// PollTimeout is how long one long poll waits for updates (default 30 s).
	PollTimeout time.Duration
	// RetryFor is how long an update that fails (the store is down) is
	// tried again before the person is told something went wrong (default
	// 30 s): a short outage goes unnoticed, a long one is said.
	RetryFor time.Duration
	// MaxBackoff bounds the waits between retries after Telegram's own
	// failures (default 10 s).
	MaxBackoff time.Duration
}

// Adapter connects a Handler to Telegram.
type Adapter struct {
	h     Handler
	o     Options
	api   *api
	self  tgbotapi.User
	log   *slog.Logger
	chats *chatqueue.Queues[int64]

	// asked is the message that shows each chat's open question with its
	// buttons: when the person types the answer instead, that message is
	// edited like a pressed one, so old buttons do not linger.
	asked asked

	mu       sync.Mutex
	groups   toldSet             // group chats already told Polku talks one to one
	failing  map[int]time.Time   // update ids that failed, since when
	commands map[string][]string // what setMyCommands last set, by language
	// commandRetry is the first wait before setMyCommands is tried again,
	// after a failure, and how often the menu is checked against the content.
	commandRetry time.Duration
}

// New checks the token with Telegram (getMe) and returns an adapter. A wrong
// token is ErrUnauthorized; no error ever contains the token.
func New(ctx context.Context, h Handler, o Options) (*Adapter, error) {
	if o.Token == "" {
		return nil, errors.New("no token: set TELEGRAM_TOKEN to the token @BotFather gave")
	}
	if strings.ContainsAny(o.Token, " \t\n/") {
		return nil, errors.New("TELEGRAM_TOKEN does not look like a bot token (it is digits, a colon and letters)")
	}
	if o.WebhookURL != "" {
		if err := checkWebhook(o); err != nil {
			return nil, err
		}
	}
	if o.APIURL == "" {
		o.APIURL = DefaultAPIURL
	}
	if err := CheckAPIURL(o.APIURL); err != nil {
		return nil, err
	}
	endpoint := o.APIURL
	if !strings.Contains(endpoint, "%s") {
		endpoint = strings.TrimSuffix(endpoint, "/") + "/bot%s/%s"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = 30 * time.Second
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{} // each call has a deadline of its own
	}
	if o.PerSecond == 0 {
		o.PerSecond = 25
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 30 * time.Second
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = 10 * time.Second
	}
	rate := newLimits(max(o.PerSecond, 1))
	if o.PerSecond < 0 {
		rate.interval = 0
	}
	a := &Adapter{h: h, o: o, log: o.Logger.With("platform", Platform), chats: chatqueue.New[int64](),
		groups: toldSet{m: map[int64]bool{}, max: maxGroupsTold}, failing: map[int]time.Time{}, asked: asked{m: map[int64]askedMsg{}},
		commandRetry: 30 * time.Second}
	// The library's constructor calls getMe without a context; build the
	// template by hand and make the call through our client instead.
	a.api = &api{bot: &tgbotapi.BotAPI{Token: o.Token, Client: o.HTTPClient, Buffer: 100}, http: o.HTTPClient, token: o.Token, endpoint: endpoint,
		log: a.log, limits: rate, maxBackoff: o.MaxBackoff}
	a.api.bot.SetAPIEndpoint(endpoint)
	resp, err := a.api.raw(ctx, "getMe", nil)
	if err != nil {
		if errors.Is(err, ErrUnauthorized) {
			return nil, err
		}
		return nil, fmt.Errorf("cannot reach Telegram (getMe): %w", err)
	}
	if err := jsonUnmarshal(resp.Result, &a.self); err != nil {
		return nil, fmt.Errorf("getMe: %w", err)
	}
	a.log.Info("telegram bot ready", "username", a.self.UserName)
	return a, nil
}

// Username is the bot's @name, for deep links: https://t.me/NAME?start=…
func (a *Adapter) Username() string { return a.self.UserName }

// Run receives and handles updates until ctx is done, then stops taking
// updates, finishes those in hand, and returns. Long polling unless a
// webhook URL is set.
func (a *Adapter) Run(ctx context.Context) error {
	var bg sync.WaitGroup
	defer bg.Wait()
	cctx, stopCommands := context.WithCancel(ctx)
	defer stopCommands()
	bg.Go(func() { a.keepCommands(cctx) })
	if a.o.WebhookURL != "" {
		return a.serveWebhook(ctx)
	}
	return a.poll(ctx)
}

// allowedUpdates are the updates Polku reads; Telegram sends nothing else.
var allowedUpdates = []string{"message", "edited_message", "callback_query", "my_chat_member"}

// handle handles one update; it returns an error when the update should be
// delivered again (the store failed and the retry time is not over).
func (a *Adapter) handle(ctx context.Context, u tgbotapi.Update) error {
	switch {
	case u.CallbackQuery != nil:
		return a.callback(ctx, u)
	case u.Message != nil:
		return a.message(ctx, u, u.Message, false)
	case u.EditedMessage != nil:
		return a.message(ctx, u, u.EditedMessage, true)
	case u.MyChatMember != nil:
		return a.membership(ctx, u.MyChatMember)
	}
	return nil // nothing Polku reads: move on
}

func chatOf(u tgbotapi.Update) int64 {
	switch {
	case u.CallbackQuery != nil && u.CallbackQuery.Message != nil && u.CallbackQuery.Message.Chat != nil:
		return u.CallbackQuery.Message.Chat.ID
	case u.CallbackQuery != nil && u.CallbackQuery.From != nil:
		return u.CallbackQuery.From.ID
	case u.Message != nil && u.Message.Chat != nil:
		return u.Message.Chat.ID
	case u.EditedMessage != nil && u.EditedMessage.Chat != nil:
		return u.EditedMessage.Chat.ID
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID
	}
	return 0
}

func private(c *tgbotapi.Chat) bool { return c != nil && c.Type == "private" }

// unsupported names what a message holds when it is not text.
func unsupported(m *tgbotapi.Message) string {
	switch {
	case m.ForwardFrom != nil || m.ForwardFromChat != nil || m.ForwardDate != 0 || m.ForwardSenderName != "":
		return "forwarded" // a forwarded text is someone else's words, not an answer
	case m.Sticker != nil:
		return "sticker"
	case m.Photo != nil:
		return "photo"
	case m.Voice != nil:
		return "voice"
	case m.Video != nil || m.VideoNote != nil:
		return "video"
	case m.Audio != nil:
		return "audio"
	case m.Document != nil || m.Animation != nil:
		return "document"
	case m.Location != nil || m.Venue != nil:
		return "location"
	case m.Contact != nil:
		return "contact"
	case m.Poll != nil || m.Dice != nil || m.Game != nil:
		return "other"
	case m.Text == "":
		return "other"
	}
	return ""
}

func (a *Adapter) message(ctx context.Context, u tgbotapi.Update, m *tgbotapi.Message, edited bool) error {
	if m.Chat == nil || m.From == nil || m.From.IsBot {
		return nil
	}
	if !private(m.Chat) {
		return a.group(ctx, m)
	}
	if m.Chat.ID != m.From.ID {
		// a private chat is the sender's own: anything else is not from
		// Telegram, and must not reach another person's conversation
		a.log.Warn("private message from someone else than the chat's person: ignored")
		return nil
	}
	if m.PinnedMessage != nil {
		return nil // a pin is not something the person said
	}
	lang := languageHint(a.h.Content(), m.From.LanguageCode)
	msg := bot.Message{Text: m.Text, Lang: lang, Unsupported: unsupported(m)}
	if edited {
		msg = bot.Message{Lang: lang, Unsupported: bot.UnsupportedEdited}
	}
	return a.converse(ctx, u, m.Chat.ID, m.From.ID, msg, nil)
}

// maxGroupsTold bounds the group chats remembered as told: past it the
// list starts afresh, so a bot added to many groups holds no growing list
// (a group may then be told a second time, which does no harm).
const maxGroupsTold = 10_000

// toldSet remembers ids up to max, then starts afresh.
type toldSet struct {
	m   map[int64]bool
	max int
}

// first reports whether id is new, and remembers it.
func (s *toldSet) first(id int64) bool {
	if s.m[id] {
		return false
	}
	if len(s.m) >= s.max {
		clear(s.m)
	}
	s.m[id] = true
	return true
}

// group tells a group chat, once, that Polku talks one to one, and then
// stays quiet there: nothing is kept about anyone in it.
func (a *Adapter) group(ctx context.Context, m *tgbotapi.Message) error {
	a.mu.Lock()
	first := a.groups.first(m.Chat.ID)
	a.mu.Unlock()
	if !first {
		return nil
	}
	lang := ""
	if m.From != nil {
		lang = m.From.LanguageCode
	}
	c := a.h.Content()
	text := c.Message("private_only", languageOf(c, lang))
	if a.self.UserName != "" {
		text += "\nhttps://t.me/" + a.self.UserName
	}
	if _, err := a.api.request(ctx, m.Chat.ID, tgbotapi.NewMessage(m.Chat.ID, text)); err != nil && !errors.Is(err, ErrBlocked) {
		a.log.Warn("could not answer a group", "err", err)
	}
	return nil
}

// languageOf is the content language for a Telegram language_code.
func languageOf(c *content.Content, code string) string {
	if l := languageHint(c, code); l != "" {
		return l
	}
	return c.Languages[0].Code
}

// languageHint is the content language a Telegram language_code (an IETF
// tag such as en-GB or sv-FI) names, or "" when the content has none.
func languageHint(c *content.Content, code string) string { return c.MatchLanguage(code) }

// membership forgets a person who blocked the bot: Telegram tells with a
// my_chat_member update whose new status is "kicked".
func (a *Adapter) membership(ctx context.Context, m *tgbotapi.ChatMemberUpdated) error {
	if !private(&m.Chat) || m.NewChatMember.Status != "kicked" {
		return nil
	}
	if err := a.h.Forget(ctx, Platform, strconv.FormatInt(m.From.ID, 10)); err != nil {
		return err // try again: nothing may be kept for someone who left
	}
	a.log.Info("person blocked the bot; their session is removed")
	return nil
}

func (a *Adapter) callback(ctx context.Context, u tgbotapi.Update) error {
	q := u.CallbackQuery
	if q.From == nil || q.Message == nil || !private(q.Message.Chat) || q.Message.Chat.ID != q.From.ID {
		// a button on a message Telegram no longer shows, or in a group:
		// still answer it, so no spinner is left turning
		a.answerCallback(ctx, q.ID, "")
		return nil
	}
	msg, _ := callbacks.Parse(a.h.Content(), q.Data, nil)
	msg.Lang = languageHint(a.h.Content(), q.From.LanguageCode)
	return a.converse(ctx, u, q.Message.Chat.ID, q.From.ID, msg, q)
}

func (a *Adapter) answerCallback(ctx context.Context, id, text string) {
	if replyToWebhook(ctx, "answerCallbackQuery", callbackBody{ID: id, Text: text}) {
		return
	}
	if _, err := a.api.request(ctx, 0, tgbotapi.NewCallback(id, text)); err != nil && !errors.Is(err, ErrBlocked) {
		// a query over 15 minutes old cannot be answered: nothing to do
		a.log.Debug("callback query not answered", "err", err)
	}
}

// converse hands one message to the engine and sends the reply.
func (a *Adapter) converse(ctx context.Context, u tgbotapi.Update, chat, user int64, msg bot.Message, q *tgbotapi.CallbackQuery) error {
	msg.Platform, msg.User, msg.UpdateID = Platform, strconv.FormatInt(user, 10), strconv.Itoa(u.UpdateID)
	reply, err := a.h.Handle(ctx, msg)
	switch {
	case errors.Is(err, bot.ErrDuplicate):
		if q != nil {
			a.answerCallback(ctx, q.ID, "")
		}
		return nil
	case err != nil:
		if a.stillRetrying(u.UpdateID) {
			a.log.Warn("update failed; it will be delivered again", "update", u.UpdateID, "err", err)
			return err
		}
		// failing for a while: say so (the reply is the kind message) and
		// move on, rather than leave the person waiting in silence
		a.log.Error("update failed for too long; the person is told", "update", u.UpdateID, "err", err)
	}
	a.forgetFailure(u.UpdateID)
	if q != nil {
		a.answerCallback(ctx, q.ID, "")
	}
	if err := a.send(ctx, chat, reply, q); errors.Is(err, ErrBlocked) {
		if ferr := a.h.Forget(ctx, Platform, msg.User); ferr != nil {
			a.log.Error("could not forget a person who blocked the bot", "err", ferr)
		}
	} else if err != nil {
		// the answer is stored; delivering the update again would not
		// resend the reply (it would be a duplicate), so log and go on
		a.log.Error("reply not delivered", "update", u.UpdateID, "err", err)
	}
	return nil
}

// stillRetrying records a failure of an update and reports whether it is
// still young enough to be tried again.
func (a *Adapter) stillRetrying(update int) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	first, ok := a.failing[update]
	if !ok {
		a.failing[update] = time.Now()
		if len(a.failing) > 10000 { // bounded: a store down for long fails many
			for id := range a.failing {
				delete(a.failing, id)
				break
			}
		}
		return true
	}
	return time.Since(first) < a.o.RetryFor
}

func (a *Adapter) forgetFailure(update int) {
	a.mu.Lock()
	delete(a.failing, update)
	a.mu.Unlock()
}

// send delivers a reply: the answered question edited in place (or, for a
// tick in a multiple choice, its buttons redrawn), the notes, the
// suggestions, and the next question with its buttons.
func (a *Adapter) send(ctx context.Context, chat int64, r bot.Reply, q *tgbotapi.CallbackQuery) error {
	prev, open := a.asked.take(chat, r.PrevUpdate)
	if open && q != nil && q.Message != nil && q.Message.MessageID == prev {
		open = false // the pressed message itself: edited below
	}
	if r.Redraw && q != nil && q.Message != nil {
		a.asked.set(chat, q.Message.MessageID, r.LastUpdate) // a tick: the question stays open
	}
	if open && (r.Answered != nil || r.Question != nil && !r.Redraw) {
		// the open question's buttons go: answered by typing, or replaced
		// by the question asked anew below
		var edit tgbotapi.Chattable = tgbotapi.NewEditMessageReplyMarkup(chat, prev, tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}})
		if r.Answered != nil && q == nil {
			e := tgbotapi.NewEditMessageText(chat, prev, answeredHTML(r.Answered))
			e.ParseMode = tgbotapi.ModeHTML
			edit = e
		}
		if _, err := a.api.request(ctx, chat, edit); errors.Is(err, ErrBlocked) {
			return err
		} else if err != nil && !notModified(err) {
			a.log.Debug("open question not updated", "err", err)
		}
	} else if open {
		a.asked.set(chat, prev, r.LastUpdate) // still open
	}
	if q != nil && q.Message != nil {
		switch {
		case r.Redraw && r.Question != nil:
			edit := tgbotapi.NewEditMessageReplyMarkup(chat, q.Message.MessageID, keyboard(r.Question))
			if _, err := a.api.request(ctx, chat, edit); err != nil && !notModified(err) {
				return err
			}
			if len(r.Notes) == 0 {
				return nil
			}
			r.Question = nil // the question is on screen, redrawn
		case r.Answered != nil:
			edit := tgbotapi.NewEditMessageText(chat, q.Message.MessageID, answeredHTML(r.Answered))
			edit.ParseMode = tgbotapi.ModeHTML
			if _, err := a.api.request(ctx, chat, edit); err != nil && !notModified(err) {
				return err
			}
		default:
			// a stale button, or one that only asks something again: the
			// old message keeps its text but loses its buttons, so it
			// cannot be pressed again
			edit := tgbotapi.NewEditMessageReplyMarkup(chat, q.Message.MessageID, tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}})
			if _, err := a.api.request(ctx, chat, edit); err != nil && !notModified(err) && !errors.Is(err, ErrBlocked) {
				a.log.Debug("old buttons not removed", "err", err)
			}
		}
	}
	var blocks []string
	for _, n := range r.Notes {
		blocks = append(blocks, esc(n))
	}
	if r.Suggestions != nil {
		blocks = append(blocks, suggestionsHTML(r.Suggestions)...)
	}
	for _, text := range pack(blocks) {
		if _, err := a.sendHTML(ctx, chat, text, nil); err != nil {
			return err
		}
	}
	if r.Question != nil {
		kb := keyboard(r.Question)
		id, err := a.sendHTML(ctx, chat, questionHTML(r.Question), &kb)
		if err == nil && len(kb.InlineKeyboard) > 0 {
			a.asked.set(chat, id, r.LastUpdate)
		}
		return err
	}
	return nil
}

// sendHTML sends a message and returns its id.
func (a *Adapter) sendHTML(ctx context.Context, chat int64, text string, kb *tgbotapi.InlineKeyboardMarkup) (int, error) {
	m := tgbotapi.NewMessage(chat, text)
	m.ParseMode = tgbotapi.ModeHTML
	m.DisableWebPagePreview = true
	if kb != nil && len(kb.InlineKeyboard) > 0 {
		m.ReplyMarkup = *kb
	}
	resp, err := a.api.request(ctx, chat, m)
	if err != nil {
		return 0, err
	}
	if id, ok := fastMessageID(resp.Result); ok {
		return id, nil
	}
	var sent struct {
		MessageID int `json:"message_id"`
	}
	_ = jsonUnmarshal(resp.Result, &sent)
	return sent.MessageID, nil
}

// asked remembers, per chat, the message with the open question. It is
// only polish (a restart forgets it), so it is bounded by forgetting all.
// With each message it keeps the session's last update when it was asked
// (Reply.LastUpdate): if the person's next update finds the session at
// another one, another replica has talked with them since, and the
// message remembered here is no longer the open question — editing it
// would overwrite an old answer.
type asked struct {
	mu sync.Mutex
	m  map[int64]askedMsg
}

type askedMsg struct {
	msg   int
	after string
}

const maxAsked = 100_000

func (x *asked) set(chat int64, msg int, after string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(x.m) >= maxAsked {
		clear(x.m)
	}
	x.m[chat] = askedMsg{msg, after}
}

// take returns and forgets the chat's open question, if the session is
// still where it was when it was asked (at update after).
func (x *asked) take(chat int64, after string) (int, bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	q, ok := x.m[chat]
	delete(x.m, chat)
	return q.msg, ok && q.after == after
}

// Deliver tells a person in Telegram what happened on the volunteers' side:
// a volunteer took their request, wrote to them, ended the conversation,
// or nobody took it in time (bot/handoff's ConsumePeople hands the events
// to it). Like an update, it runs in the person's chat queue, in order with
// what they send. It returns an error only when the event should be
// delivered again.
func (a *Adapter) Deliver(ctx context.Context, ev bot.HandoffEvent) error {
	chat, err := strconv.ParseInt(ev.User, 10, 64)
	if err != nil {
		return nil // not a Telegram id: nothing could ever deliver it
	}
	var out error
	a.chats.RunNow(chat, func() {
		reply, err := a.h.HandoffEvent(ctx, ev)
		switch {
		case errors.Is(err, bot.ErrNoCase), errors.Is(err, bot.ErrDuplicate):
			return
		case err != nil:
			out = err
			return
		}
		if err := a.send(ctx, chat, reply, nil); errors.Is(err, ErrBlocked) {
			out = a.h.Forget(ctx, Platform, ev.User)
		} else if err != nil {
			out = err
		}
	})
	return out
}
