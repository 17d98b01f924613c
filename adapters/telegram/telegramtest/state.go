package telegramtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// User is a Telegram user as the Bot API sends it. LanguageCode is what the
// person's app is set to; bots often pick their language from it.
type User struct {
	ID           int64  `json:"id"`
	IsBot        bool   `json:"is_bot"`
	FirstName    string `json:"first_name"`
	LastName     string `json:"last_name,omitempty"`
	Username     string `json:"username,omitempty"`
	LanguageCode string `json:"language_code,omitempty"`
}

// Chat is a Telegram chat as the Bot API sends it. A private chat has the
// id of the user on the other side.
type Chat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"` // private, group, supergroup or channel
	Title     string `json:"title,omitempty"`
	Username  string `json:"username,omitempty"`
	FirstName string `json:"first_name,omitempty"`
	LastName  string `json:"last_name,omitempty"`
}

// Entity is a MessageEntity: a span of the text, offsets in UTF-16 code
// units like Telegram.
type Entity struct {
	Type          string `json:"type"` // bold, italic, code, pre, text_link, bot_command…
	Offset        int    `json:"offset"`
	Length        int    `json:"length"`
	URL           string `json:"url,omitempty"`
	User          *User  `json:"user,omitempty"`
	Language      string `json:"language,omitempty"`
	CustomEmojiID string `json:"custom_emoji_id,omitempty"`
}

// Button is one inline keyboard button as the person sees it.
type Button struct {
	Text         string `json:"text"`
	CallbackData string `json:"callback_data,omitempty"`
	URL          string `json:"url,omitempty"`
}

// Version is one state of a message's text and keyboard.
type Version struct {
	Text      string     // as shown: tags removed, entities decoded, ends trimmed
	Source    string     // as the bot sent it
	ParseMode string     // HTML, MarkdownV2, Markdown or ""
	Entities  []Entity   // formatting of Text
	Keyboard  [][]Button // inline keyboard; nil when none
	At        time.Time  // when this version was sent or made by an edit
}

// Message is a message in a chat, from the bot or from the person.
type Message struct {
	ID      int
	ChatID  int64
	FromBot bool
	From    User // the sender; the bot itself for FromBot
	Version      // current text and keyboard
	// ReplyMarkup is the last reply_markup sent with the message, any kind
	// (reply keyboards, remove_keyboard, force_reply too), as JSON.
	ReplyMarkup string
	ReplyTo     int       // message_id this one replies to, or 0
	Edits       []Version // earlier versions, oldest (the original) first
	Date        time.Time
	EditDate    time.Time // zero unless edited
	Deleted     bool
	// Raw is the JSON an incoming message arrived with via SendUpdate.
	Raw json.RawMessage

	inline json.RawMessage // canonical inline markup JSON, for results and "not modified"
}

// Button finds the button labelled text on the message.
func (m Message) Button(text string) (Button, bool) {
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.Text == text {
				return b, true
			}
		}
	}
	return Button{}, false
}

// Labels lists the button labels row by row, for assertions.
func (m Message) Labels() [][]string {
	var out [][]string
	for _, row := range m.Keyboard {
		var r []string
		for _, b := range row {
			r = append(r, b.Text)
		}
		out = append(out, r)
	}
	return out
}

func (m *Message) clone() Message {
	c := *m
	c.Version = m.Version.clone()
	c.Edits = make([]Version, len(m.Edits))
	for i, v := range m.Edits {
		c.Edits[i] = v.clone()
	}
	return c
}

func (v Version) clone() Version {
	v.Entities = slices.Clone(v.Entities)
	v.Keyboard = cloneKeyboard(v.Keyboard)
	return v
}

func cloneKeyboard(kb [][]Button) [][]Button {
	if kb == nil {
		return nil
	}
	out := make([][]Button, len(kb))
	for i, row := range kb {
		out[i] = slices.Clone(row)
	}
	return out
}

// Call is one request the bot made.
type Call struct {
	Method string // canonical, e.g. "sendMessage"; the path for bad URLs
	// Params as received: form, query, multipart or JSON body alike.
	// JSON-valued params (reply_markup, commands, scope…) are JSON text.
	Params      map[string]string
	ChatID      int64         // chat_id resolved to a number, or 0
	Status      int           // HTTP status returned; 0 while in flight or when dropped
	Description string        // the error's description, "" on success
	RetryAfter  int           // parameters.retry_after sent, seconds
	Dropped     bool          // the connection was closed without a response
	Delay       time.Duration // injected slowness
	Result      json.RawMessage
	// ViaWebhookReply marks a method the bot called in its webhook response.
	ViaWebhookReply bool
	Start, End      time.Time
}

// Param is Params[key].
func (c Call) Param(key string) string { return c.Params[key] }

// CallbackAnswer is one accepted answerCallbackQuery.
type CallbackAnswer struct {
	QueryID   string
	UpdateID  int // the callback_query update that carried the query
	ChatID    int64
	MessageID int
	Data      string // the button's callback_data
	Text      string
	ShowAlert bool
	URL       string
	CacheTime int
	At        time.Time
}

// Command is a BotCommand.
type Command struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// CommandScope is a BotCommandScope; the zero value is the default scope.
type CommandScope struct {
	Type   string `json:"type"`
	ChatID int64  `json:"chat_id,omitempty"`
	UserID int64  `json:"user_id,omitempty"`
}

type commandKey struct {
	scope CommandScope
	lang  string
}

// Webhook is the webhook set by setWebhook.
type Webhook struct {
	URL            string
	SecretToken    string
	MaxConnections int
	AllowedUpdates []string
	IPAddress      string
}

// WebhookDelivery is one attempt to POST an update to the webhook.
type WebhookDelivery struct {
	UpdateID   int
	Attempt    int // 1 for the first try of this update
	URL        string
	Secret     string // X-Telegram-Bot-Api-Secret-Token sent, "" when none
	Status     int    // HTTP status of the webhook's answer; 0 when it failed to answer
	Err        string // transport error, "" when it answered
	Start, End time.Time
}

// OK tells whether Telegram would count the delivery as done.
func (d WebhookDelivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

type chat struct {
	Chat
	messages []*Message
	nextID   int
	blocked  bool
}

func (c *chat) message(id int) *Message {
	// Ids grow with the slice; search rather than index because SendUpdate
	// may skip ids.
	i := sort.Search(len(c.messages), func(i int) bool { return c.messages[i].ID >= id })
	if i < len(c.messages) && c.messages[i].ID == id {
		return c.messages[i]
	}
	return nil
}

func (c *chat) newID() int {
	id := c.nextID
	c.nextID++
	return id
}

type update struct {
	id   int
	kind string
	raw  json.RawMessage
	sent int // times handed out by getUpdates or POSTed
}

type query struct {
	id        string
	updateID  int
	chatID    int64
	messageID int
	data      string
	at        time.Time
	answered  bool
}

type webhookState struct {
	Webhook
	gen       int
	attempts  int // failed attempts at the update at the head of the queue
	retryAt   time.Time
	errDate   time.Time
	errString string
}

type poller struct{ stop chan struct{} }

// State is the server's state as a test sees it inside Wait and WaitFor.
// Its methods are also on Server; through State they run under the lock
// Wait already holds. Don't keep a *State after the callback returns.
type State struct {
	cfg  config
	bot  User
	skew time.Duration

	users     map[int64]*User
	chats     map[int64]*chat
	chatOrder []int64

	lastUpdateID int
	pending      []*update
	gone         map[int]string // update ids that left the queue unconfirmed, and why
	allowed      map[string]bool
	poller       *poller

	webhook    *webhookState
	whGen      int
	deliveries []WebhookDelivery

	calls     []*Call
	queries   map[string]*query
	answers   []CallbackAnswer
	commands  map[commandKey][]Command
	nextQuery int64

	rules        []*rule
	windows      map[windowKey]time.Time
	chatBuckets  map[int64]*bucket
	globalBucket bucket
}

func newState(cfg config, bot User) State {
	return State{
		cfg:          cfg,
		bot:          bot,
		users:        map[int64]*User{},
		chats:        map[int64]*chat{},
		lastUpdateID: cfg.firstUpdateID - 1,
		gone:         map[int]string{},
		queries:      map[string]*query{},
		commands:     map[commandKey][]Command{},
		windows:      map[windowKey]time.Time{},
		chatBuckets:  map[int64]*bucket{},
		nextQuery:    4_300_000_000_000_000_001,
	}
}

func (st *State) now() time.Time { return time.Now().Add(st.skew) }

// Bot is the bot's own user, as getMe returns it.
func (st *State) Bot() User { return st.bot }

// Messages returns the bot's messages in chat that are not deleted, oldest
// first.
func (st *State) Messages(chat int64) []Message {
	var out []Message
	if c := st.chats[chat]; c != nil {
		for _, m := range c.messages {
			if m.FromBot && !m.Deleted {
				out = append(out, m.clone())
			}
		}
	}
	return out
}

// LastMessage returns the bot's latest visible message in chat.
func (st *State) LastMessage(chat int64) (Message, bool) {
	if c := st.chats[chat]; c != nil {
		for i := len(c.messages) - 1; i >= 0; i-- {
			if m := c.messages[i]; m.FromBot && !m.Deleted {
				return m.clone(), true
			}
		}
	}
	return Message{}, false
}

// History returns every message in chat, both sides, deleted ones too.
func (st *State) History(chat int64) []Message {
	var out []Message
	if c := st.chats[chat]; c != nil {
		for _, m := range c.messages {
			out = append(out, m.clone())
		}
	}
	return out
}

// Message returns one message of chat by id.
func (st *State) Message(chat int64, id int) (Message, bool) {
	if c := st.chats[chat]; c != nil {
		if m := c.message(id); m != nil {
			return m.clone(), true
		}
	}
	return Message{}, false
}

// Chats lists the known chats in the order the server met them.
func (st *State) Chats() []Chat {
	out := make([]Chat, 0, len(st.chatOrder))
	for _, id := range st.chatOrder {
		out = append(out, st.chats[id].Chat)
	}
	return out
}

// Calls returns the requests made, in the order they arrived, optionally
// only those of the given methods (matched case-insensitively).
func (st *State) Calls(methods ...string) []Call {
	var out []Call
	for _, c := range st.calls {
		if len(methods) > 0 && !slices.ContainsFunc(methods, func(m string) bool { return strings.EqualFold(m, c.Method) }) {
			continue
		}
		cc := *c
		cc.Params = make(map[string]string, len(c.Params))
		for k, v := range c.Params {
			cc.Params[k] = v
		}
		out = append(out, cc)
	}
	return out
}

// CallbackAnswers returns the accepted answerCallbackQuery calls in order.
func (st *State) CallbackAnswers() []CallbackAnswer { return slices.Clone(st.answers) }

// Answered tells whether the callback query carried by update updateID has
// been answered.
func (st *State) Answered(updateID int) bool {
	for _, a := range st.answers {
		if a.UpdateID == updateID {
			return true
		}
	}
	return false
}

// Commands returns the commands set for the default scope and the language
// ("" for all languages), or nil.
func (st *State) Commands(languageCode string) []Command {
	return st.ScopedCommands(CommandScope{}, languageCode)
}

// ScopedCommands returns the commands set for scope and language, or nil.
func (st *State) ScopedCommands(scope CommandScope, languageCode string) []Command {
	if scope.Type == "" {
		scope.Type = "default"
	}
	return slices.Clone(st.commands[commandKey{scope, languageCode}])
}

// Webhook returns the webhook, if one is set.
func (st *State) Webhook() (Webhook, bool) {
	if st.webhook == nil {
		return Webhook{}, false
	}
	w := st.webhook.Webhook
	w.AllowedUpdates = slices.Clone(w.AllowedUpdates)
	return w, true
}

// WebhookDeliveries returns every webhook delivery attempt in order.
func (st *State) WebhookDeliveries() []WebhookDelivery { return slices.Clone(st.deliveries) }

// Pending returns the update ids not yet confirmed, in order: not yet
// fetched with a higher offset, or not yet accepted by the webhook.
func (st *State) Pending() []int {
	out := make([]int, 0, len(st.pending))
	for _, u := range st.pending {
		out = append(out, u.id)
	}
	return out
}

// Confirmed tells whether update id was confirmed by the bot: a getUpdates
// with a higher offset, or a 2xx from the webhook. Updates dropped by
// drop_pending_updates or filtered by allowed_updates never are.
func (st *State) Confirmed(id int) bool {
	if id > st.lastUpdateID || st.gone[id] != "" {
		return false
	}
	for _, u := range st.pending {
		if u.id == id {
			return false
		}
	}
	return true
}

// Polling tells whether a getUpdates is waiting for updates. While it is,
// any new update is returned by that poll at once.
func (st *State) Polling() bool { return st.poller != nil }

// Blocked tells whether the person in chat has blocked the bot.
func (st *State) Blocked(chat int64) bool {
	c := st.chats[chat]
	return c != nil && c.blocked
}

// Dump describes every chat, the latest calls, the update queue and the
// webhook, for failure messages.
func (st *State) Dump() string {
	var b strings.Builder
	fmt.Fprintf(&b, "--- telegramtest state (bot @%s) ---\n", st.bot.Username)
	for _, id := range st.chatOrder {
		c := st.chats[id]
		fmt.Fprintf(&b, "chat %d (%s", c.ID, c.Type)
		if u := st.users[c.ID]; u != nil && c.Type == "private" {
			fmt.Fprintf(&b, ", %s", u.FirstName)
			if u.LanguageCode != "" {
				fmt.Fprintf(&b, ", language %s", u.LanguageCode)
			}
		} else if c.Title != "" {
			fmt.Fprintf(&b, ", %q", c.Title)
		}
		b.WriteString(")")
		if c.blocked {
			b.WriteString(" BLOCKED the bot")
		}
		b.WriteString("\n")
		for _, m := range c.messages {
			who := m.From.FirstName
			if m.FromBot {
				who = "bot"
			}
			fmt.Fprintf(&b, "  #%d %s: %q", m.ID, who, m.Text)
			if m.ParseMode != "" {
				fmt.Fprintf(&b, " (%s)", m.ParseMode)
			}
			if len(m.Edits) > 0 {
				fmt.Fprintf(&b, " edited %d×", len(m.Edits))
			}
			if m.Deleted {
				b.WriteString(" DELETED")
			}
			b.WriteString("\n")
			for _, row := range m.Keyboard {
				b.WriteString("      ")
				for _, btn := range row {
					if btn.URL != "" {
						fmt.Fprintf(&b, " [%s → %s]", btn.Text, btn.URL)
					} else {
						fmt.Fprintf(&b, " [%s | %s]", btn.Text, btn.CallbackData)
					}
				}
				b.WriteString("\n")
			}
		}
	}
	const lastCalls = 30
	from := max(0, len(st.calls)-lastCalls)
	fmt.Fprintf(&b, "calls (%d shown of %d):\n", len(st.calls)-from, len(st.calls))
	for _, c := range st.calls[from:] {
		fmt.Fprintf(&b, "  %s", c.Method)
		for _, k := range []string{"chat_id", "message_id", "offset", "timeout", "callback_query_id", "text"} {
			if v, ok := c.Params[k]; ok {
				if len(v) > 60 {
					v = v[:60] + "…"
				}
				fmt.Fprintf(&b, " %s=%q", k, v)
			}
		}
		switch {
		case c.Dropped:
			b.WriteString(" → connection dropped")
		case c.Status == 0:
			b.WriteString(" → in flight")
		case c.Description != "":
			fmt.Fprintf(&b, " → %d %s", c.Status, c.Description)
		default:
			fmt.Fprintf(&b, " → %d", c.Status)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "pending updates: %v (last update_id %d)\n", st.Pending(), st.lastUpdateID)
	if w := st.webhook; w != nil {
		fmt.Fprintf(&b, "webhook: %s", w.URL)
		if w.errString != "" {
			fmt.Fprintf(&b, ", last error: %s", w.errString)
		}
		b.WriteString("\n")
	}
	if n := len(st.deliveries); n > 0 {
		d := st.deliveries[n-1]
		fmt.Fprintf(&b, "webhook deliveries: %d, last: update %d attempt %d → %d %s\n", n, d.UpdateID, d.Attempt, d.Status, d.Err)
	}
	return b.String()
}

// The Server's read methods lock and read the State.

func read[T any](s *Server, f func(st *State) T) T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return f(&s.st)
}

// Bot is the bot's own user, as getMe returns it.
func (s *Server) Bot() User { return read(s, (*State).Bot) }

// Messages returns the bot's visible messages in chat, oldest first.
func (s *Server) Messages(chat int64) []Message {
	return read(s, func(st *State) []Message { return st.Messages(chat) })
}

// LastMessage returns the bot's latest visible message in chat.
func (s *Server) LastMessage(chat int64) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.LastMessage(chat)
}

// History returns every message in chat, both sides, deleted ones too.
func (s *Server) History(chat int64) []Message {
	return read(s, func(st *State) []Message { return st.History(chat) })
}

// Message returns one message of chat by id.
func (s *Server) Message(chat int64, id int) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Message(chat, id)
}

// Chats lists the known chats.
func (s *Server) Chats() []Chat { return read(s, (*State).Chats) }

// Calls returns the requests made, optionally only of the given methods.
func (s *Server) Calls(methods ...string) []Call {
	return read(s, func(st *State) []Call { return st.Calls(methods...) })
}

// CallbackAnswers returns the accepted answerCallbackQuery calls in order.
func (s *Server) CallbackAnswers() []CallbackAnswer { return read(s, (*State).CallbackAnswers) }

// Commands returns the default-scope commands for a language ("" for all).
func (s *Server) Commands(languageCode string) []Command {
	return read(s, func(st *State) []Command { return st.Commands(languageCode) })
}

// ScopedCommands returns the commands for a scope and language.
func (s *Server) ScopedCommands(scope CommandScope, languageCode string) []Command {
	return read(s, func(st *State) []Command { return st.ScopedCommands(scope, languageCode) })
}

// Webhook returns the webhook, if one is set.
func (s *Server) Webhook() (Webhook, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Webhook()
}

// WebhookDeliveries returns every webhook delivery attempt in order.
func (s *Server) WebhookDeliveries() []WebhookDelivery { return read(s, (*State).WebhookDeliveries) }

// Pending returns the update ids not yet confirmed.
func (s *Server) Pending() []int { return read(s, (*State).Pending) }

// Dump describes the whole state, for failure messages.
func (s *Server) Dump() string { return read(s, (*State).Dump) }
