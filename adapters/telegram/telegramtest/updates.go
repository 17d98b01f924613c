package telegramtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"syscall"
	"time"
)

const (
	conflictWebhook    = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
	conflictTerminated = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
)

// enqueue gives an update the next update_id and queues it, unless
// allowed_updates excludes its kind; like Telegram, the filter applies when
// an update is made, not when it is fetched.
func (st *State) enqueue(kind string, payload any) int {
	id := st.lastUpdateID + 1
	body, err := json.Marshal(payload)
	if err != nil {
		panic("telegramtest: marshal update: " + err.Error())
	}
	raw := fmt.Appendf(nil, `{"update_id":%d,%q:%s}`, id, kind, body)
	st.queue(id, kind, raw)
	return id
}

func (st *State) queue(id int, kind string, raw json.RawMessage) {
	st.lastUpdateID = id
	if !st.isAllowed(kind) {
		st.gone[id] = "filtered by allowed_updates"
		return
	}
	st.pending = append(st.pending, &update{id: id, kind: kind, raw: raw})
}

// confirm applies getUpdates' offset: updates below a positive offset are
// confirmed and forgotten; a negative one keeps only the last -offset.
func (st *State) confirm(offset int) {
	switch {
	case offset > 0:
		i := 0
		for i < len(st.pending) && st.pending[i].id < offset {
			i++
		}
		st.pending = st.pending[i:]
	case offset < 0:
		if n := -offset; len(st.pending) > n {
			for _, u := range st.pending[:len(st.pending)-n] {
				st.gone[u.id] = "forgotten by a negative offset"
			}
			st.pending = st.pending[len(st.pending)-n:]
		}
	}
}

func (st *State) dropPending() {
	for _, u := range st.pending {
		st.gone[u.id] = "dropped by drop_pending_updates"
	}
	st.pending = nil
}

func (st *State) available(limit int) []json.RawMessage {
	out := make([]json.RawMessage, 0, min(limit, len(st.pending)))
	for _, u := range st.pending {
		if len(out) == limit {
			break
		}
		u.sent++
		out = append(out, u.raw)
	}
	return out
}

// getUpdates long-polls: it answers at once when updates are pending,
// otherwise when one arrives or timeout seconds pass. A newer getUpdates
// ends it with 409, as on Telegram when two bot instances poll.
func (s *Server) getUpdates(ctx context.Context, p map[string]string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	r := &request{p: p}
	if st.webhook != nil {
		return errResponse(&apiError{code: 409, desc: conflictWebhook})
	}
	if wait := st.windowLeft("getUpdates", 0); wait > 0 {
		return errResponse(tooMany(wait))
	}
	offset, err := r.integer("offset")
	if err != nil {
		return errResponse(err)
	}
	limit, err := r.integer("limit")
	if err != nil {
		return errResponse(err)
	}
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, err := r.integer("timeout")
	if err != nil {
		return errResponse(err)
	}
	if raw := r.str("allowed_updates"); raw != "" {
		if err := st.setAllowed(raw); err != nil {
			return errResponse(err)
		}
	}
	before := len(st.pending)
	st.confirm(int(offset))
	if len(st.pending) != before {
		s.changedLocked() // a waiter may be waiting for the confirmation
	}

	if st.poller != nil {
		close(st.poller.stop)
	}
	me := &poller{stop: make(chan struct{})}
	st.poller = me
	s.changedLocked() // Polling changed: a waiter may be waiting for it
	defer func() {
		if st.poller == me {
			st.poller = nil
			s.changedLocked()
		}
	}()
	var expire <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(time.Duration(timeout) * time.Second)
		defer t.Stop()
		expire = t.C
	}
	for {
		if st.webhook != nil {
			return errResponse(&apiError{code: 409, desc: conflictWebhook})
		}
		if ups := st.available(int(limit)); len(ups) > 0 || expire == nil {
			return okResponse(ups, "")
		}
		changed := s.changed
		s.mu.Unlock()
		stopped, expired := false, false
		select {
		case <-changed:
		case <-expire:
			expired = true
		case <-me.stop:
			stopped = true
		case <-ctx.Done():
			expired = true
		case <-s.done:
			expired = true
		}
		s.mu.Lock()
		if stopped {
			return errResponse(&apiError{code: 409, desc: conflictTerminated})
		}
		if expired {
			return okResponse(st.available(int(limit)), "")
		}
	}
}

// deliverWebhooks POSTs the update at the head of the queue to the webhook,
// one at a time in update_id order, and retries a failed one after a
// backoff, as Telegram does.
func (s *Server) deliverWebhooks() {
	defer s.wg.Done()
	for {
		select {
		case <-s.done:
			return // a delivery cut short by Close must not be retried
		default:
		}
		s.mu.Lock()
		changed := s.changed
		var head *update
		var w webhookState
		var wait time.Duration
		if s.st.webhook != nil && len(s.st.pending) > 0 {
			head, w = s.st.pending[0], *s.st.webhook
			wait = w.retryAt.Sub(s.st.now())
		}
		s.mu.Unlock()
		if head == nil || wait > 0 {
			var retry <-chan time.Time
			var t *time.Timer
			if head != nil {
				t = time.NewTimer(wait)
				retry = t.C
			}
			select {
			case <-changed:
			case <-retry:
			case <-s.done:
				return
			}
			if t != nil {
				t.Stop()
			}
			continue
		}
		s.deliver(head, w)
	}
}

func (s *Server) deliver(u *update, w webhookState) {
	s.mu.Lock()
	u.sent++
	d := WebhookDelivery{UpdateID: u.id, Attempt: w.attempts + 1, URL: w.URL, Secret: w.SecretToken, Start: s.st.now()}
	timeout := s.st.cfg.webhookTimeout
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(s.ctx, timeout)
	defer cancel()
	var body []byte
	var ctype, lastErr string
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(u.raw))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		if w.SecretToken != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", w.SecretToken)
		}
		var resp *http.Response
		resp, err = s.client.Do(req)
		if err == nil {
			d.Status = resp.StatusCode
			ctype = resp.Header.Get("Content-Type")
			body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
		}
	}
	switch {
	case err != nil:
		d.Err = err.Error()
		lastErr = telegramNetError(err)
	case !d.OK():
		lastErr = fmt.Sprintf("Wrong response from the webhook: %d %s", d.Status, http.StatusText(d.Status))
	}

	s.mu.Lock()
	st := &s.st
	select {
	case <-s.done:
		// Closing: the request failed because we cancelled it.
		s.mu.Unlock()
		return
	default:
	}
	d.End = st.now()
	st.deliveries = append(st.deliveries, d)
	cur := st.webhook
	same := cur != nil && cur.gen == w.gen
	if d.OK() {
		if i := slices.Index(st.pending, u); i >= 0 {
			st.pending = slices.Delete(st.pending, i, i+1)
		}
		if same {
			cur.attempts, cur.retryAt = 0, time.Time{}
		}
	} else if same && len(st.pending) > 0 && st.pending[0] == u {
		cur.attempts++
		delay := st.cfg.retryMin << min(cur.attempts-1, 20)
		if delay > st.cfg.retryMax || delay <= 0 {
			delay = st.cfg.retryMax
		}
		cur.retryAt = d.End.Add(delay)
		cur.errDate, cur.errString = d.End, lastErr
	}
	s.changedLocked()
	s.mu.Unlock()

	if d.OK() && len(bytes.TrimSpace(body)) > 0 {
		s.webhookReply(ctype, body)
	}
}

// telegramNetError words a transport failure as getWebhookInfo does.
func telegramNetError(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "Connection refused"
	case errors.As(err, &ne) && ne.Timeout():
		return "Read timeout expired"
	}
	return "Connection failed"
}

// webhookReply runs the method a bot may put in its webhook response
// ("making requests when getting updates"). Telegram reports nothing back,
// so errors only show in Calls.
func (s *Server) webhookReply(ctype string, body []byte) {
	mt, _, _ := mime.ParseMediaType(ctype)
	p := map[string]string{}
	switch mt {
	case "application/json":
		var m map[string]json.RawMessage
		if json.Unmarshal(body, &m) != nil {
			return
		}
		for k, v := range m {
			var str string
			if json.Unmarshal(v, &str) == nil {
				p[k] = str
			} else if string(v) != "null" {
				p[k] = string(v)
			}
		}
	case "application/x-www-form-urlencoded":
		vals, err := url.ParseQuery(string(body))
		if err != nil {
			return
		}
		for k, v := range vals {
			p[k] = v[len(v)-1]
		}
	default:
		return
	}
	name := p["method"]
	if name == "" {
		return
	}
	delete(p, "method")
	m, ok := lookupMethod(name)
	if ok {
		name = m.name
	}
	s.mu.Lock()
	call := &Call{Method: name, Params: p, ViaWebhookReply: true, Start: s.st.now()}
	call.ChatID = s.st.paramChat(p)
	s.st.calls = append(s.st.calls, call)
	var resp response
	if ok {
		resp = s.st.run(m, p, call.ChatID)
	} else {
		resp = errResponse(&apiError{code: 404, desc: "Not Found"})
	}
	s.mu.Unlock()
	s.finish(call, resp)
}

// The person's side.

// AddUser registers a person, or replaces what is known of them, e.g. to
// set LanguageCode before they write. Their private chat has their id.
func (s *Server) AddUser(u User) User {
	if s.tb != nil {
		s.tb.Helper()
	}
	if u.ID <= 0 {
		s.fatalf("AddUser: user id must be positive, got %d", u.ID)
	}
	if u.FirstName == "" {
		u.FirstName = fmt.Sprintf("User%d", u.ID)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cp := u
	s.st.users[u.ID] = &cp
	if c := s.st.chats[u.ID]; c != nil {
		c.FirstName, c.LastName, c.Username = u.FirstName, u.LastName, u.Username
	}
	return u
}

// AddChat registers a group, supergroup or channel (negative id) so the
// bot may write there; SendUpdate also registers the chats it mentions.
func (s *Server) AddChat(c Chat) {
	if s.tb != nil {
		s.tb.Helper()
	}
	if c.ID == 0 || c.Type == "" {
		s.fatalf("AddChat: a chat needs an id and a type, got %+v", c)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.addChat(c)
}

func (st *State) addChat(c Chat) *chat {
	if old := st.chats[c.ID]; old != nil {
		return old
	}
	ch := &chat{Chat: c, nextID: 1}
	st.chats[c.ID] = ch
	st.chatOrder = append(st.chatOrder, c.ID)
	return ch
}

// user returns the person with id, inventing a plain one if unknown.
func (st *State) user(id int64) *User {
	u := st.users[id]
	if u == nil {
		u = &User{ID: id, FirstName: fmt.Sprintf("User%d", id)}
		st.users[id] = u
	}
	return u
}

func (st *State) privateChat(u *User) *chat {
	return st.addChat(Chat{ID: u.ID, Type: "private", FirstName: u.FirstName, LastName: u.LastName, Username: u.Username})
}

// SendText is the person with id chat writing text to the bot in their
// private chat. The message gets the chat's next message_id and, like on
// Telegram, bot_command entities for /commands. It returns the update_id.
func (s *Server) SendText(chat int64, text string) int {
	if s.tb != nil {
		s.tb.Helper()
	}
	if chat <= 0 {
		s.fatalf("SendText(%d): private chats have positive ids; use SendUpdate for groups", chat)
	}
	if text == "" {
		s.fatalf("SendText(%d): a phone can't send an empty message", chat)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	u := st.user(chat)
	c := st.privateChat(u)
	if c.blocked {
		s.fatalf("SendText(%d): the person blocked the bot; call Unblock first", chat)
	}
	now := st.now()
	m := &Message{ID: c.newID(), ChatID: c.ID, From: *u, Date: now,
		Version: Version{Text: text, Source: text, Entities: commandEntities(text), At: now}}
	c.messages = append(c.messages, m)
	id := st.enqueue("message", st.messageJSON(c, m, false))
	s.changedLocked()
	return id
}

// Press is the person tapping the inline button whose callback_data is
// data on the bot's message messageID, as the phone sends it. It fails the
// test if that message has no such button. It returns the update_id.
func (s *Server) Press(chat int64, messageID int, data string) int {
	if s.tb != nil {
		s.tb.Helper()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m := s.botMessage(chat, messageID)
	for _, row := range m.Keyboard {
		for _, b := range row {
			if b.CallbackData == data && b.URL == "" {
				return s.callback(c, m, data)
			}
		}
	}
	s.fatalf("Press(%d, %d, %q): the message has no button with that data; buttons: %s", chat, messageID, data, describeButtons(m.Keyboard))
	return 0
}

// PressButton is the person tapping the button labelled label on the
// bot's message messageID. It fails the test if there is no such button or
// it is a URL button (those open a browser, the bot hears nothing).
func (s *Server) PressButton(chat int64, messageID int, label string) int {
	if s.tb != nil {
		s.tb.Helper()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, m := s.botMessage(chat, messageID)
	b, ok := m.Button(label)
	switch {
	case !ok:
		s.fatalf("PressButton(%d, %d, %q): no such button; buttons: %s", chat, messageID, label, describeButtons(m.Keyboard))
	case b.CallbackData == "":
		s.fatalf("PressButton(%d, %d, %q): not a callback button (url %q)", chat, messageID, label, b.URL)
	}
	return s.callback(c, m, b.CallbackData)
}

// SendCallback sends a callback_query for message messageID with any data,
// as a modified client could, even for a deleted message (then the query's
// message is inaccessible, date 0). Prefer Press. It returns the update_id.
func (s *Server) SendCallback(chat int64, messageID int, data string) int {
	if s.tb != nil {
		s.tb.Helper()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.chats[chat]
	if c == nil || c.Type != "private" {
		s.fatalf("SendCallback(%d, …): no private chat %d; use SendUpdate for groups", chat, chat)
	}
	m := c.message(messageID)
	if m == nil {
		s.fatalf("SendCallback(%d, %d, …): no such message", chat, messageID)
	}
	return s.callback(c, m, data)
}

// botMessage finds a visible message of the bot in a private chat, or
// fails the test. Called with the lock held.
func (s *Server) botMessage(chatID int64, id int) (*chat, *Message) {
	if s.tb != nil {
		s.tb.Helper()
	}
	c := s.st.chats[chatID]
	if c == nil {
		s.fatalf("no chat %d", chatID)
	}
	if c.Type != "private" {
		s.fatalf("chat %d is a %s: press buttons there with SendUpdate and a callback_query", chatID, c.Type)
	}
	m := c.message(id)
	switch {
	case m == nil:
		s.fatalf("chat %d has no message %d", chatID, id)
	case !m.FromBot:
		s.fatalf("message %d in chat %d is the person's, not the bot's", id, chatID)
	case m.Deleted:
		s.fatalf("message %d in chat %d was deleted", id, chatID)
	}
	return c, m
}

func describeButtons(kb [][]Button) string {
	if len(kb) == 0 {
		return "none"
	}
	var b bytes.Buffer
	for _, row := range kb {
		for _, btn := range row {
			fmt.Fprintf(&b, "[%s | %s]", btn.Text, btn.CallbackData)
		}
	}
	return b.String()
}

// callback queues a callback_query update from the person in a private
// chat. Called with the lock held.
func (s *Server) callback(c *chat, m *Message, data string) int {
	st := &s.st
	qid := strconv.FormatInt(st.nextQuery, 10)
	st.nextQuery++
	msg := st.messageJSON(c, m, true)
	if m.Deleted {
		msg, _ = json.Marshal(map[string]any{"chat": c.Chat, "message_id": m.ID, "date": 0})
	}
	payload := struct {
		ID           string          `json:"id"`
		From         User            `json:"from"`
		Message      json.RawMessage `json:"message"`
		ChatInstance string          `json:"chat_instance"`
		Data         string          `json:"data"`
	}{qid, *st.user(c.ID), msg, chatInstance(c.ID), data}
	id := st.enqueue("callback_query", payload)
	st.queries[qid] = &query{id: qid, updateID: id, chatID: c.ID, messageID: m.ID, data: data, at: st.now()}
	s.changedLocked()
	return id
}

// chatInstance is a stable opaque id per chat, like Telegram's.
func chatInstance(chat int64) string {
	return strconv.FormatInt(chat*7919+4_000_000_000_000_000_000, 10)
}

// SendUpdate queues any update: a json.RawMessage, []byte, string, a map
// or a struct such as tgbotapi.Update. A missing update_id is assigned (a
// given one must be above the last); a message without message_id or date
// gets them; chats and users in it become known, so the bot may answer
// there; a callback_query without id gets one and can then be answered.
// It returns the update_id.
func (s *Server) SendUpdate(u any) int {
	if s.tb != nil {
		s.tb.Helper()
	}
	var raw []byte
	switch v := u.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	case string:
		raw = []byte(v)
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			s.fatalf("SendUpdate: %v", err)
		}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		s.fatalf("SendUpdate: not a JSON object: %v", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	id := st.lastUpdateID + 1
	if v, ok := obj["update_id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil || id <= st.lastUpdateID {
			s.fatalf("SendUpdate: update_id %s must be an integer above the last one, %d", v, st.lastUpdateID)
		}
	}
	var kinds []string
	for k := range obj {
		if k != "update_id" {
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	if len(kinds) != 1 {
		s.fatalf("SendUpdate: an update carries exactly one object besides update_id, got %v", kinds)
	}
	kind := kinds[0]
	switch kind {
	case "message", "edited_message", "channel_post", "edited_channel_post", "business_message", "edited_business_message":
		obj[kind] = s.registerMessage(kind, obj[kind])
	case "callback_query":
		obj[kind] = s.registerCallback(obj[kind], id)
	default:
		s.registerParties(obj[kind])
	}
	obj["update_id"] = json.RawMessage(strconv.Itoa(id))
	out, _ := json.Marshal(obj)
	st.queue(id, kind, out)
	s.changedLocked()
	return id
}

// registerParties makes the chat and sender in an object known.
func (s *Server) registerParties(raw json.RawMessage) (*chat, *User) {
	var v struct {
		Chat *Chat `json:"chat"`
		From *User `json:"from"`
	}
	_ = json.Unmarshal(raw, &v)
	var c *chat
	if v.Chat != nil && v.Chat.ID != 0 {
		if v.Chat.Type == "" {
			v.Chat.Type = "private"
		}
		c = s.st.addChat(*v.Chat)
	}
	var u *User
	if v.From != nil && v.From.ID > 0 && !v.From.IsBot {
		if known := s.st.users[v.From.ID]; known != nil {
			u = known
		} else {
			cp := *v.From
			s.st.users[cp.ID] = &cp
			u = &cp
		}
	}
	return c, u
}

func (s *Server) registerMessage(kind string, raw json.RawMessage) json.RawMessage {
	st := &s.st
	c, u := s.registerParties(raw)
	if c == nil {
		s.fatalf("SendUpdate: %s needs a chat with an id", kind)
	}
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(raw, &obj)
	id := 0
	if v, ok := obj["message_id"]; ok {
		_ = json.Unmarshal(v, &id)
	}
	edited := kind == "edited_message" || kind == "edited_channel_post" || kind == "edited_business_message"
	if id == 0 {
		if edited {
			s.fatalf("SendUpdate: %s needs the message_id of the message edited", kind)
		}
		id = c.newID()
		obj["message_id"] = json.RawMessage(strconv.Itoa(id))
	} else if id >= c.nextID {
		c.nextID = id + 1
	}
	now := st.now()
	if _, ok := obj["date"]; !ok {
		obj["date"] = json.RawMessage(strconv.FormatInt(now.Unix(), 10))
	}
	out, _ := json.Marshal(obj)
	var body struct {
		Text     string   `json:"text"`
		Caption  string   `json:"caption"`
		Entities []Entity `json:"entities"`
	}
	_ = json.Unmarshal(out, &body)
	text := body.Text
	if text == "" {
		text = body.Caption
	}
	v := Version{Text: text, Source: text, Entities: body.Entities, At: now}
	if edited {
		if m := c.message(id); m != nil {
			m.Edits = append(m.Edits, m.Version)
			m.Version, m.EditDate, m.Raw = v, now, out
		}
		return out
	}
	m := &Message{ID: id, ChatID: c.ID, Version: v, Date: now, Raw: out}
	if u != nil {
		m.From = *u
	}
	i := sort.Search(len(c.messages), func(i int) bool { return c.messages[i].ID >= id })
	if i < len(c.messages) && c.messages[i].ID == id {
		s.fatalf("SendUpdate: chat %d already has message %d", c.ID, id)
	}
	c.messages = slices.Insert(c.messages, i, m)
	return out
}

func (s *Server) registerCallback(raw json.RawMessage, updateID int) json.RawMessage {
	st := &s.st
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(raw, &obj)
	_, u := s.registerParties(raw)
	if u == nil {
		s.fatalf("SendUpdate: a callback_query needs from, a user")
	}
	var q struct {
		ID      string `json:"id"`
		Data    string `json:"data"`
		Message *struct {
			MessageID int  `json:"message_id"`
			Chat      Chat `json:"chat"`
		} `json:"message"`
	}
	_ = json.Unmarshal(raw, &q)
	if q.ID == "" {
		q.ID = strconv.FormatInt(st.nextQuery, 10)
		st.nextQuery++
		obj["id"], _ = json.Marshal(q.ID)
	}
	rec := &query{id: q.ID, updateID: updateID, data: q.Data, at: st.now()}
	if q.Message != nil {
		s.registerParties(obj["message"])
		rec.chatID, rec.messageID = q.Message.Chat.ID, q.Message.MessageID
		if _, ok := obj["chat_instance"]; !ok {
			obj["chat_instance"], _ = json.Marshal(chatInstance(rec.chatID))
		}
	}
	st.queries[q.ID] = rec
	out, _ := json.Marshal(obj)
	return out
}

func (s *Server) setBlocked(chatID int64, blocked bool) int {
	if s.tb != nil {
		s.tb.Helper()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	if chatID <= 0 {
		s.fatalf("Block/Unblock(%d): only a person in a private chat can block a bot", chatID)
	}
	c := st.privateChat(st.user(chatID))
	if c.blocked == blocked {
		s.fatalf("Block/Unblock(%d): already %s", chatID, map[bool]string{true: "blocked", false: "unblocked"}[blocked])
	}
	c.blocked = blocked
	type member struct {
		User      User   `json:"user"`
		Status    string `json:"status"`
		UntilDate *int   `json:"until_date,omitempty"`
	}
	zero := 0
	old, now := member{User: st.bot, Status: "member"}, member{User: st.bot, Status: "kicked", UntilDate: &zero}
	if !blocked {
		old, now = now, old
	}
	id := st.enqueue("my_chat_member", map[string]any{
		"chat": c.Chat, "from": *st.user(chatID), "date": st.now().Unix(),
		"old_chat_member": old, "new_chat_member": now,
	})
	s.changedLocked()
	return id
}
