package telegramtest

import (
	"bytes"
	"encoding/json"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxTextLength is Telegram's limit for a message's text after entities are
// parsed, counted here in UTF-16 code units.
const maxTextLength = 4096

// callbackQueryTTL is how long a callback query can be answered; after it
// Telegram says "query is too old".
const callbackQueryTTL = 15 * time.Minute

type method struct {
	name string
	fn   func(st *State, r *request) (result any, desc string, err *apiError)
	// sends marks methods that count for flood control.
	sends bool
}

// lookupMethod resolves a method name the way Telegram does: ignoring case.
// getUpdates has no fn: Server.getUpdates serves it because it waits.
func lookupMethod(name string) (method, bool) {
	switch strings.ToLower(name) {
	case "getme":
		return method{name: "getMe", fn: (*State).getMe}, true
	case "getupdates":
		return method{name: "getUpdates"}, true
	case "setwebhook":
		return method{name: "setWebhook", fn: (*State).setWebhook}, true
	case "deletewebhook":
		return method{name: "deleteWebhook", fn: (*State).deleteWebhook}, true
	case "getwebhookinfo":
		return method{name: "getWebhookInfo", fn: (*State).getWebhookInfo}, true
	case "sendmessage":
		return method{name: "sendMessage", fn: (*State).sendMessage, sends: true}, true
	case "editmessagetext":
		return method{name: "editMessageText", fn: (*State).editMessageText, sends: true}, true
	case "editmessagereplymarkup":
		return method{name: "editMessageReplyMarkup", fn: (*State).editMessageReplyMarkup, sends: true}, true
	case "deletemessage":
		return method{name: "deleteMessage", fn: (*State).deleteMessage}, true
	case "sendchataction":
		return method{name: "sendChatAction", fn: (*State).sendChatAction}, true
	case "answercallbackquery":
		return method{name: "answerCallbackQuery", fn: (*State).answerCallbackQuery}, true
	case "setmycommands":
		return method{name: "setMyCommands", fn: (*State).setMyCommands}, true
	case "getmycommands":
		return method{name: "getMyCommands", fn: (*State).getMyCommands}, true
	case "deletemycommands":
		return method{name: "deleteMyCommands", fn: (*State).deleteMyCommands}, true
	}
	return method{}, false
}

// run serves a method other than getUpdates, with the lock held.
func (st *State) run(m method, p map[string]string, chatID int64) response {
	if m.fn == nil {
		return errResponse(&apiError{code: 404, desc: "Not Found"})
	}
	if wait := st.windowLeft(m.name, chatID); wait > 0 {
		return errResponse(tooMany(wait))
	}
	if m.sends {
		if wait := st.floodWait(chatID); wait > 0 {
			return errResponse(tooMany(wait))
		}
	}
	result, desc, err := m.fn(st, &request{p: p, chatID: chatID})
	if err != nil {
		return errResponse(err)
	}
	return okResponse(result, desc)
}

type request struct {
	p      map[string]string
	chatID int64
}

func (r *request) str(key string) string { return r.p[key] }

func (r *request) has(key string) bool {
	_, ok := r.p[key]
	return ok
}

func (r *request) boolean(key string) bool {
	v := strings.ToLower(r.p[key])
	return v == "true" || v == "1"
}

// integer reads an integer param; a missing one is 0.
func (r *request) integer(key string) (int64, *apiError) {
	v := strings.TrimSpace(r.p[key])
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, badRequest("invalid %s specified", key)
	}
	return n, nil
}

// paramChat resolves chat_id, a number or an @username, to a chat id; 0
// when absent or unknown.
func (st *State) paramChat(p map[string]string) int64 {
	return st.resolveChat(p["chat_id"])
}

func (st *State) resolveChat(v string) int64 {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if name, ok := strings.CutPrefix(v, "@"); ok {
		for _, id := range st.chatOrder {
			if strings.EqualFold(st.chats[id].Username, name) {
				return id
			}
		}
		return 0
	}
	n, _ := strconv.ParseInt(v, 10, 64)
	return n
}

// targetChat is the chat a message goes to: it must be known (the person
// wrote first, as Telegram requires of bots) and not have blocked the bot.
func (st *State) targetChat(r *request) (*chat, *apiError) {
	if strings.TrimSpace(r.str("chat_id")) == "" {
		return nil, badRequest("chat_id is empty")
	}
	c := st.chats[r.chatID]
	if c == nil && st.users[r.chatID] != nil {
		// Telegram's rule: the person must write to the bot first.
		return nil, forbidden("bot can't initiate conversation with a user")
	}
	if c == nil {
		return nil, badRequest("chat not found")
	}
	if c.blocked {
		return nil, forbidden("bot was blocked by the user")
	}
	return c, nil
}

func (st *State) getMe(*request) (any, string, *apiError) {
	type me struct {
		User
		CanJoinGroups           bool `json:"can_join_groups"`
		CanReadAllGroupMessages bool `json:"can_read_all_group_messages"`
		SupportsInlineQueries   bool `json:"supports_inline_queries"`
		CanConnectToBusiness    bool `json:"can_connect_to_business"`
		HasMainWebApp           bool `json:"has_main_web_app"`
	}
	return me{User: st.bot, CanJoinGroups: true}, "", nil
}

// compose turns text, parse_mode, entities and reply_markup into what the
// person will see, rejecting what Telegram rejects.
func (st *State) compose(r *request, inlineOnly bool) (v Version, markup string, inline json.RawMessage, err *apiError) {
	src := r.str("text")
	if strings.TrimSpace(src) == "" {
		return v, "", nil, badRequest("message text is empty")
	}
	text, ents := src, []Entity(nil)
	switch strings.ToLower(r.str("parse_mode")) {
	case "":
		if raw := r.str("entities"); raw != "" {
			if json.Unmarshal([]byte(raw), &ents) != nil {
				return v, "", nil, badRequest("can't parse entities JSON object")
			}
		}
	case "html":
		var perr error
		text, ents, perr = parseHTML(src)
		if perr != nil {
			return v, "", nil, badRequest("can't parse entities: %v", perr)
		}
	case "markdown", "markdownv2":
		// Stored as sent: the fake does not check Markdown.
	default:
		return v, "", nil, badRequest("unsupported parse_mode")
	}
	text, ents = trimText(text, ents)
	if text == "" {
		return v, "", nil, badRequest("message text is empty")
	}
	if utf16Len(text) > maxTextLength {
		return v, "", nil, badRequest("message is too long")
	}
	kb, inline, markup, err := parseMarkup(r.str("reply_markup"), inlineOnly)
	if err != nil {
		return v, "", nil, err
	}
	return Version{Text: text, Source: src, ParseMode: r.str("parse_mode"), Entities: ents, Keyboard: kb, At: st.now()}, markup, inline, nil
}

func (st *State) sendMessage(r *request) (any, string, *apiError) {
	c, err := st.targetChat(r)
	if err != nil {
		return nil, "", err
	}
	v, markup, inline, err := st.compose(r, false)
	if err != nil {
		return nil, "", err
	}
	replyTo, err := st.replyTo(c, r)
	if err != nil {
		return nil, "", err
	}
	m := &Message{
		ID: c.newID(), ChatID: c.ID, FromBot: true, From: st.bot,
		Version: v, ReplyMarkup: markup, ReplyTo: replyTo, Date: v.At, inline: inline,
	}
	c.messages = append(c.messages, m)
	return st.messageJSON(c, m, true), "", nil
}

// replyTo reads reply_to_message_id or reply_parameters.
func (st *State) replyTo(c *chat, r *request) (int, *apiError) {
	id, err := r.integer("reply_to_message_id")
	if err != nil {
		return 0, err
	}
	allow := r.boolean("allow_sending_without_reply")
	if raw := r.str("reply_parameters"); raw != "" {
		var rp struct {
			MessageID                int  `json:"message_id"`
			AllowSendingWithoutReply bool `json:"allow_sending_without_reply"`
		}
		if json.Unmarshal([]byte(raw), &rp) != nil {
			return 0, badRequest("can't parse reply parameters JSON object")
		}
		id, allow = int64(rp.MessageID), rp.AllowSendingWithoutReply
	}
	if id == 0 {
		return 0, nil
	}
	if m := c.message(int(id)); m == nil || m.Deleted {
		if allow {
			return 0, nil
		}
		return 0, badRequest("message to be replied not found")
	}
	return int(id), nil
}

// editTarget finds the bot's message an edit method names.
func (st *State) editTarget(r *request) (*chat, *Message, *apiError) {
	if r.has("inline_message_id") {
		// Inline mode is not faked: no inline message can exist.
		return nil, nil, badRequest("MESSAGE_ID_INVALID")
	}
	c, err := st.targetChat(r)
	if err != nil {
		return nil, nil, err
	}
	id, err := r.integer("message_id")
	if err != nil {
		return nil, nil, err
	}
	if id == 0 {
		return nil, nil, badRequest("message identifier is not specified")
	}
	m := c.message(int(id))
	if m == nil || m.Deleted {
		return nil, nil, badRequest("message to edit not found")
	}
	if !m.FromBot {
		return nil, nil, badRequest("message can't be edited")
	}
	return c, m, nil
}

func notModified() *apiError {
	return badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
}

func (st *State) editMessageText(r *request) (any, string, *apiError) {
	c, m, err := st.editTarget(r)
	if err != nil {
		return nil, "", err
	}
	// Like Telegram, an edit without reply_markup removes the keyboard.
	v, markup, inline, err := st.compose(r, true)
	if err != nil {
		return nil, "", err
	}
	if v.Text == m.Text && reflect.DeepEqual(v.Entities, m.Entities) && bytes.Equal(inline, m.inline) {
		return nil, "", notModified()
	}
	st.edit(m, v, markup, inline)
	return st.messageJSON(c, m, true), "", nil
}

func (st *State) editMessageReplyMarkup(r *request) (any, string, *apiError) {
	c, m, err := st.editTarget(r)
	if err != nil {
		return nil, "", err
	}
	kb, inline, markup, err := parseMarkup(r.str("reply_markup"), true)
	if err != nil {
		return nil, "", err
	}
	if bytes.Equal(inline, m.inline) {
		return nil, "", notModified()
	}
	v := m.Version.clone()
	v.Keyboard, v.At = kb, st.now()
	st.edit(m, v, markup, inline)
	return st.messageJSON(c, m, true), "", nil
}

func (st *State) edit(m *Message, v Version, markup string, inline json.RawMessage) {
	m.Edits = append(m.Edits, m.Version)
	m.Version, m.ReplyMarkup, m.inline, m.EditDate = v, markup, inline, v.At
}

func (st *State) deleteMessage(r *request) (any, string, *apiError) {
	if strings.TrimSpace(r.str("chat_id")) == "" {
		return nil, "", badRequest("chat_id is empty")
	}
	c := st.chats[r.chatID]
	if c == nil {
		return nil, "", badRequest("chat not found")
	}
	id, err := r.integer("message_id")
	if err != nil {
		return nil, "", err
	}
	m := c.message(int(id))
	if id == 0 || m == nil || m.Deleted {
		return nil, "", badRequest("message to delete not found")
	}
	m.Deleted = true
	return true, "", nil
}

var chatActions = []string{
	"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
	"upload_document", "choose_sticker", "find_location", "record_video_note", "upload_video_note",
}

func (st *State) sendChatAction(r *request) (any, string, *apiError) {
	if _, err := st.targetChat(r); err != nil {
		return nil, "", err
	}
	if !slices.Contains(chatActions, r.str("action")) {
		return nil, "", badRequest("wrong parameter action in request")
	}
	return true, "", nil
}

func (st *State) answerCallbackQuery(r *request) (any, string, *apiError) {
	q := st.queries[r.str("callback_query_id")]
	if q == nil || q.answered || st.now().Sub(q.at) > callbackQueryTTL {
		return nil, "", badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	cache, err := r.integer("cache_time")
	if err != nil {
		return nil, "", err
	}
	q.answered = true
	st.answers = append(st.answers, CallbackAnswer{
		QueryID: q.id, UpdateID: q.updateID, ChatID: q.chatID, MessageID: q.messageID, Data: q.data,
		Text: r.str("text"), ShowAlert: r.boolean("show_alert"), URL: r.str("url"), CacheTime: int(cache),
		At: st.now(),
	})
	return true, "", nil
}

var (
	commandName  = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)
	languageCode = regexp.MustCompile(`^[a-z]{2}$`)
)

// commandKey reads scope and language_code, shared by the three command
// methods.
func (st *State) commandKey(r *request) (commandKey, *apiError) {
	var k commandKey
	k.lang = r.str("language_code")
	if k.lang != "" && !languageCode.MatchString(k.lang) {
		return k, badRequest("invalid language code specified")
	}
	k.scope.Type = "default"
	raw := r.str("scope")
	if raw == "" {
		return k, nil
	}
	var sc struct {
		Type   string          `json:"type"`
		ChatID json.RawMessage `json:"chat_id"`
		UserID int64           `json:"user_id"`
	}
	if json.Unmarshal([]byte(raw), &sc) != nil {
		return k, badRequest("can't parse BotCommandScope JSON object")
	}
	chatID := func() (int64, *apiError) {
		var s string
		if json.Unmarshal(sc.ChatID, &s) != nil {
			s = string(sc.ChatID)
		}
		id := st.resolveChat(s)
		if id == 0 || st.chats[id] == nil {
			return 0, badRequest("chat not found")
		}
		return id, nil
	}
	k.scope.Type = sc.Type
	switch sc.Type {
	case "default", "all_private_chats", "all_group_chats", "all_chat_administrators":
	case "chat", "chat_administrators":
		id, err := chatID()
		if err != nil {
			return k, err
		}
		k.scope.ChatID = id
	case "chat_member":
		id, err := chatID()
		if err != nil {
			return k, err
		}
		if sc.UserID == 0 {
			return k, badRequest("user not found")
		}
		k.scope.ChatID, k.scope.UserID = id, sc.UserID
	default:
		return k, badRequest("unsupported bot command scope type")
	}
	return k, nil
}

func (st *State) setMyCommands(r *request) (any, string, *apiError) {
	k, err := st.commandKey(r)
	if err != nil {
		return nil, "", err
	}
	// A missing commands param is an empty list, which clears, as on
	// Telegram.
	var raw []map[string]json.RawMessage
	if s := r.str("commands"); s != "" {
		if json.Unmarshal([]byte(s), &raw) != nil {
			return nil, "", badRequest("can't parse commands JSON object")
		}
	}
	if len(raw) > 100 {
		return nil, "", badRequest("too many commands specified")
	}
	var cmds []Command
	for _, m := range raw {
		var c Command
		for _, f := range []struct {
			name string
			dst  *string
		}{{"command", &c.Command}, {"description", &c.Description}} {
			v, ok := m[f.name]
			if !ok {
				return nil, "", badRequest("can't parse BotCommand: Can't find field %q", f.name)
			}
			if json.Unmarshal(v, f.dst) != nil {
				return nil, "", badRequest("can't parse BotCommand: Field %q must be of type String", f.name)
			}
		}
		if !commandName.MatchString(c.Command) {
			return nil, "", badRequest("BOT_COMMAND_INVALID")
		}
		if strings.TrimSpace(c.Description) == "" {
			return nil, "", badRequest("command description must be non-empty")
		}
		if utf8.RuneCountInString(c.Description) > 256 {
			return nil, "", badRequest("command description is too long")
		}
		cmds = append(cmds, c)
	}
	if len(cmds) == 0 {
		delete(st.commands, k)
	} else {
		st.commands[k] = cmds
	}
	return true, "", nil
}

func (st *State) getMyCommands(r *request) (any, string, *apiError) {
	k, err := st.commandKey(r)
	if err != nil {
		return nil, "", err
	}
	cmds := st.commands[k]
	if cmds == nil {
		cmds = []Command{}
	}
	return cmds, "", nil
}

func (st *State) deleteMyCommands(r *request) (any, string, *apiError) {
	k, err := st.commandKey(r)
	if err != nil {
		return nil, "", err
	}
	delete(st.commands, k)
	return true, "", nil
}

var secretToken = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (st *State) setWebhook(r *request) (any, string, *apiError) {
	raw := strings.TrimSpace(r.str("url"))
	if raw == "" {
		return st.deleteWebhook(r)
	}
	u, perr := url.Parse(raw)
	// Telegram wants https on port 443, 80, 88 or 8443; tests use httptest,
	// so plain http on any port is accepted.
	if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, "", badRequest("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret := r.str("secret_token")
	if secret != "" && !secretToken.MatchString(secret) {
		return nil, "", badRequest("secret token contains unallowed characters")
	}
	maxConn, err := r.integer("max_connections")
	if err != nil {
		return nil, "", err
	}
	if maxConn == 0 {
		maxConn = 40
	}
	maxConn = min(max(maxConn, 1), 100)
	var allowed []string
	if a := r.str("allowed_updates"); a != "" {
		if err := st.setAllowed(a); err != nil {
			return nil, "", err
		}
		_ = json.Unmarshal([]byte(a), &allowed)
	} else if w := st.webhook; w != nil {
		allowed = w.AllowedUpdates
	}
	if r.boolean("drop_pending_updates") {
		st.dropPending()
	}
	w := Webhook{URL: raw, SecretToken: secret, MaxConnections: int(maxConn), AllowedUpdates: allowed, IPAddress: r.str("ip_address")}
	if old := st.webhook; old != nil && old.URL == w.URL && old.SecretToken == w.SecretToken &&
		old.MaxConnections == w.MaxConnections && slices.Equal(old.AllowedUpdates, w.AllowedUpdates) {
		return true, "Webhook is already set", nil
	}
	st.whGen++
	st.webhook = &webhookState{Webhook: w, gen: st.whGen}
	return true, "Webhook was set", nil
}

func (st *State) deleteWebhook(r *request) (any, string, *apiError) {
	if r.boolean("drop_pending_updates") {
		st.dropPending()
	}
	if st.webhook == nil {
		return true, "Webhook is already deleted", nil
	}
	st.webhook = nil
	return true, "Webhook was deleted", nil
}

func (st *State) getWebhookInfo(*request) (any, string, *apiError) {
	type info struct {
		URL                  string   `json:"url"`
		HasCustomCertificate bool     `json:"has_custom_certificate"`
		PendingUpdateCount   int      `json:"pending_update_count"`
		IPAddress            string   `json:"ip_address,omitempty"`
		LastErrorDate        int64    `json:"last_error_date,omitempty"`
		LastErrorMessage     string   `json:"last_error_message,omitempty"`
		MaxConnections       int      `json:"max_connections,omitempty"`
		AllowedUpdates       []string `json:"allowed_updates,omitempty"`
	}
	out := info{PendingUpdateCount: len(st.pending)}
	if w := st.webhook; w != nil {
		out.URL, out.MaxConnections, out.AllowedUpdates = w.URL, w.MaxConnections, w.AllowedUpdates
		out.IPAddress = "127.0.0.1"
		if !w.errDate.IsZero() {
			out.LastErrorDate, out.LastErrorMessage = w.errDate.Unix(), w.errString
		}
	}
	return out, "", nil
}

// defaultExcluded are the update kinds Telegram only sends when asked for
// by name in allowed_updates.
var defaultExcluded = []string{"chat_member", "message_reaction", "message_reaction_count"}

// setAllowed stores allowed_updates; an empty list means Telegram's default.
func (st *State) setAllowed(raw string) *apiError {
	var list []string
	if json.Unmarshal([]byte(raw), &list) != nil {
		return badRequest("can't parse allowed_updates JSON array")
	}
	if len(list) == 0 {
		st.allowed = nil
		return nil
	}
	st.allowed = map[string]bool{}
	for _, k := range list {
		st.allowed[k] = true
	}
	return nil
}

func (st *State) isAllowed(kind string) bool {
	if st.allowed == nil {
		return !slices.Contains(defaultExcluded, kind)
	}
	return st.allowed[kind]
}

// parseMarkup checks reply_markup. It returns the inline keyboard as the
// person sees it, its canonical JSON (nil when there is none), and the
// markup as sent.
func parseMarkup(raw string, inlineOnly bool) ([][]Button, json.RawMessage, string, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil, "", nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &obj) != nil {
		return nil, nil, "", badRequest("can't parse reply keyboard markup JSON object")
	}
	ik, ok := obj["inline_keyboard"]
	if !ok {
		_, kb := obj["keyboard"]
		_, rm := obj["remove_keyboard"]
		_, fr := obj["force_reply"]
		if !kb && !rm && !fr {
			return nil, nil, "", badRequest("can't parse reply keyboard markup JSON object")
		}
		if inlineOnly {
			return nil, nil, "", badRequest("REPLY_MARKUP_INVALID")
		}
		return nil, nil, raw, nil
	}
	var rows [][]map[string]json.RawMessage
	if json.Unmarshal(ik, &rows) != nil {
		return nil, nil, "", badRequest("field \"inline_keyboard\" of the InlineKeyboardMarkup must be an Array of Arrays")
	}
	var kb [][]Button
	count := 0
	for _, row := range rows {
		var out []Button
		for _, b := range row {
			count++
			var btn Button
			if json.Unmarshal(b["text"], &btn.Text) != nil {
				return nil, nil, "", badRequest("can't parse inline keyboard button: Field \"text\" must be of type String")
			}
			kinds := 0
			for _, k := range []string{"url", "callback_data", "login_url", "switch_inline_query",
				"switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game",
				"pay", "web_app", "copy_text"} {
				if v, ok := b[k]; ok && string(v) != "false" && string(v) != "null" {
					kinds++
				}
			}
			if kinds == 0 {
				return nil, nil, "", badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			if v, ok := b["callback_data"]; ok {
				if json.Unmarshal(v, &btn.CallbackData) != nil || len(btn.CallbackData) < 1 || len(btn.CallbackData) > 64 {
					return nil, nil, "", badRequest("BUTTON_DATA_INVALID")
				}
			}
			if v, ok := b["url"]; ok {
				if json.Unmarshal(v, &btn.URL) != nil || !validButtonURL(btn.URL) {
					return nil, nil, "", badRequest("BUTTON_URL_INVALID")
				}
			}
			out = append(out, btn)
		}
		if len(out) > 0 {
			kb = append(kb, out)
		}
	}
	if count > 100 {
		return nil, nil, "", badRequest("REPLY_MARKUP_TOO_LONG")
	}
	if len(kb) == 0 {
		// An empty inline keyboard is how a bot removes one.
		return nil, nil, raw, nil
	}
	// Marshalling maps sorts keys: a canonical form for "not modified".
	canon, _ := json.Marshal(map[string]any{"inline_keyboard": rows})
	return kb, canon, raw, nil
}

func validButtonURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil || strings.ContainsAny(s, " \n") {
		return false
	}
	switch u.Scheme {
	case "http", "https":
		return u.Host != ""
	case "tg", "ton":
		return true
	}
	return false
}

type wireMessage struct {
	MessageID      int             `json:"message_id"`
	From           *User           `json:"from,omitempty"`
	Chat           Chat            `json:"chat"`
	Date           int64           `json:"date"`
	EditDate       int64           `json:"edit_date,omitempty"`
	ReplyToMessage json.RawMessage `json:"reply_to_message,omitempty"`
	Text           string          `json:"text,omitempty"`
	Entities       []Entity        `json:"entities,omitempty"`
	ReplyMarkup    json.RawMessage `json:"reply_markup,omitempty"`
}

// messageJSON is a Message as the Bot API sends it. A replied-to message is
// included one level deep, like Telegram.
func (st *State) messageJSON(c *chat, m *Message, withReply bool) json.RawMessage {
	if m.Raw != nil && len(m.Edits) == 0 {
		return m.Raw
	}
	from := m.From
	w := wireMessage{
		MessageID: m.ID, From: &from, Chat: c.Chat, Date: m.Date.Unix(),
		Text: m.Text, Entities: m.Entities, ReplyMarkup: m.inline,
	}
	if !m.EditDate.IsZero() {
		w.EditDate = m.EditDate.Unix()
	}
	if withReply && m.ReplyTo != 0 {
		if r := c.message(m.ReplyTo); r != nil {
			w.ReplyToMessage = st.messageJSON(c, r, false)
		}
	}
	raw, _ := json.Marshal(w)
	return raw
}
