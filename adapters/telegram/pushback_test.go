package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"polku"
	"polku/adapters/telegram"
	"polku/adapters/telegram/telegramtest"
	"polku/bot/store/redistest"
)

// walk takes people through the flow by buttons, in step: each step's
// taps of all of them are sent at once, so the bot handles their chats
// at the same time.
func (r *rig) walk(people ...int64) {
	r.t.Helper()
	for _, p := range people {
		englishSpeaker(r.tg, p)
		r.tg.SendText(p, "/start")
	}
	qs := map[int64]telegramtest.Message{}
	for _, p := range people {
		qs[p] = r.waitQuestion(p, "What would you like?")
	}
	for _, label := range []string{"▫️ Work", "en done"} {
		r.pressAll(people, qs, label)
	}
	for _, s := range []struct{ question, label string }{
		{"At what pace?", "Part time"},
		{"Where do you live?", "Lapland"},
		{"How old are you?", "en decline"},
		{"Does someone help you already?", "No"},
	} {
		for _, p := range people {
			qs[p] = r.waitQuestion(p, s.question)
		}
		r.pressAll(people, qs, s.label)
	}
	for _, p := range people {
		r.waitText(p, "en suggestions")
	}
}

func (r *rig) pressAll(people []int64, qs map[int64]telegramtest.Message, label string) {
	r.t.Helper()
	var ids []int
	for _, p := range people {
		ids = append(ids, r.tg.PressButton(p, qs[p].ID, label))
	}
	r.tg.WaitFor(r.t, wait, "the callback queries answered", func(st *telegramtest.State) bool {
		for _, id := range ids {
			if !st.Answered(id) {
				return false
			}
		}
		return true
	})
}

// conversation is what a person sees of a chat: every message of the bot,
// in order, as it reads now.
func conversation(tg *telegramtest.Server, p int64) []string {
	var out []string
	for _, m := range tg.Messages(p) {
		out = append(out, m.Text+fmt.Sprint(m.Labels()))
	}
	return out
}

// Test429Storm: Telegram answers "429 Too Many Requests, retry after 1"
// to many sends while several people tap through the flow at once. Every
// reply still arrives, once, in order: each chat reads exactly like a chat
// without any 429.
func Test429Storm(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.walk(200)
	r.waitDone()
	want := conversation(r.tg, 200)

	// each chat told to wait, for a send and for an edit, and the whole bot once
	people := []int64{201, 202, 203, 204, 205}
	for _, p := range people {
		r.tg.FailNext("sendMessage", 1, telegramtest.Failure{Code: 429, RetryAfter: 1, Chat: p})
		r.tg.FailNext("editMessageText", 1, telegramtest.Failure{Code: 429, RetryAfter: 1, Chat: p})
	}
	r.tg.FailNext("answerCallbackQuery", 1, telegramtest.Failure{Code: 429, RetryAfter: 1})
	r.walk(people...)
	r.waitDone()
	for _, p := range people {
		if got := conversation(r.tg, p); !slices.Equal(got, want) {
			t.Errorf("person %d reads\n%s\nwant\n%s", p, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	n := 0
	for _, c := range r.tg.Calls() {
		if c.Status == 429 {
			n++
		}
	}
	if n < 11 {
		t.Errorf("%d calls got 429; the storm did not happen", n)
	}
}

// TestTelegramFailing: 5xx answers (some not even JSON) and dropped
// connections are retried; every reply arrives once.
func TestTelegramFailing(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	r.walk(210)
	r.waitDone()
	want := conversation(r.tg, 210)
	r.tg.FailNext("sendMessage", 2, telegramtest.Failure{Code: 502, Body: telegramtest.BadGatewayHTML})
	r.tg.FailNext("editMessageText", 1, telegramtest.Failure{Code: 500})
	r.tg.FailNext("answerCallbackQuery", 1, telegramtest.Failure{Drop: true})
	r.tg.FailNext("sendMessage", 1, telegramtest.Failure{Code: 503})
	r.walk(211)
	r.waitDone()
	if got := conversation(r.tg, 211); !slices.Equal(got, want) {
		t.Errorf("the person reads\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestBlocked: a person who blocks the bot is forgotten at once, whether
// Telegram says so with an update or with a 403 to a reply.
func TestBlocked(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const a, b = 220, 221
	for _, p := range []int64{a, b} {
		englishSpeaker(r.tg, p)
		r.tg.SendText(p, "/start")
		r.tg.SendText(p, "1")
		r.waitQuestion(p, "At what pace?")
	}
	r.waitDone()
	if r.sessionBytes(a) == "" || r.sessionBytes(b) == "" {
		t.Fatal("no sessions to forget")
	}

	r.tg.Block(a) // Telegram sends my_chat_member: kicked
	r.waitDone()
	if r.sessionBytes(a) != "" {
		t.Error("the session of a person who blocked the bot is still kept")
	}

	// b's block update never came; the reply to b's last message is refused
	r.tg.Fail("sendMessage", telegramtest.Failure{Code: 403, Description: "Forbidden: bot was blocked by the user", Chat: b})
	r.tg.SendText(b, "2")
	r.waitDone()
	if r.sessionBytes(b) != "" {
		t.Error("the session of a person whose chat answers 403 is still kept")
	}
	if n := len(r.tg.Calls("sendMessage")); n > 0 {
		last := r.tg.Calls("sendMessage")[n-1]
		if last.ChatID == b && last.Status != 403 {
			t.Errorf("last send to b: %d", last.Status)
		}
	}
	r.tg.ClearFailures()
	// coming back, they start from the beginning
	r.tg.SendText(b, "hello again")
	r.waitQuestion(b, "What would you like?")
}

// TestDuplicateUpdate: Telegram posts an update again when it did not
// hear the answer in time; it is answered once.
func TestDuplicateUpdate(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{webhook: true})
	const p = 230
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	r.waitQuestion(p, "What would you like?")
	raw := fmt.Sprintf(`{"update_id":50000,"message":{"message_id":77,"date":1763880000,"chat":{"id":%d,"type":"private","first_name":"Alex"},"from":{"id":%d,"is_bot":false,"first_name":"Alex","language_code":"en"},"text":"1"}}`, p, p)
	r.tg.SendUpdate(raw)
	r.waitQuestion(p, "At what pace?")
	r.waitDone()
	before := conversation(r.tg, p)
	for range 3 {
		if code := r.post(raw, r.secret); code != http.StatusOK {
			t.Fatalf("a repeated update: %d, want 200 (handled already)", code)
		}
	}
	r.waitDone()
	if after := conversation(r.tg, p); !slices.Equal(after, before) {
		t.Errorf("a repeated update was answered again:\n%s", strings.Join(after[len(before):], "\n"))
	}
	if n := r.answers(p); n != 1 {
		t.Errorf("%d answers stored, want 1", n)
	}
}

// post posts body to the webhook as Telegram would, with secret.
func (r *rig) post(body, secret string) int {
	r.t.Helper()
	req, err := http.NewRequest(http.MethodPost, r.hook, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebhook: the webhook is registered with its secret and the updates
// Polku reads; a request without the right secret is refused with 401 and
// changes nothing; Telegram's own deliveries are answered 200.
func TestWebhook(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{webhook: true})
	const p = 240
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	r.waitQuestion(p, "What would you like?")
	r.waitDone()
	hook, ok := r.tg.Webhook()
	if !ok || hook.URL != r.hook || hook.SecretToken != r.secret || !slices.Contains(hook.AllowedUpdates, "callback_query") {
		t.Fatalf("webhook %+v, want %s with the secret and allowed updates", hook, r.hook)
	}
	for _, d := range r.tg.WebhookDeliveries() {
		if !d.OK() {
			t.Errorf("delivery of %d answered %d", d.UpdateID, d.Status)
		}
	}
	before := r.sessionBytes(p)
	upd := fmt.Sprintf(`{"update_id":60000,"message":{"message_id":99,"date":1763880000,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"X"},"text":"1"}}`, p, p)
	for _, tt := range []struct {
		name, secret, body string
		want               int
	}{
		{"no secret", "", upd, 401},
		{"wrong secret", "guess", upd, 401},
		{"the secret with more", r.secret + "x", upd, 401},
		{"not JSON", r.secret, "<html>", 400},
		{"not an update", r.secret, `[1,2]`, 400},
		// two values: the first alone would be a valid update; the fast
		// reader refuses it, and so must the general one (a key it does
		// not know sends the body there)
		{"two updates in one body", r.secret, `{"update_id":60001,"x":1} {"update_id":60002}`, 400},
		{"an update and more", r.secret, upd + ` []`, 400},
	} {
		if got := r.post(tt.body, tt.secret); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
	r.waitDone()
	if r.sessionBytes(p) != before || len(r.tg.Messages(p)) != 2 {
		t.Error("a refused request changed the conversation")
	}
	// health check for load balancers
	resp, err := http.Get(strings.TrimSuffix(r.hook, "/telegram") + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("healthz: %v %v", resp, err)
	}
}

// TestShutdownMidFlow: told to stop while a reply is on its way, Polku
// finishes it, tells Telegram the update is done, and exits; the next
// Polku carries on the same conversations where they were.
func TestShutdownMidFlow(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const p = 250
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	q := r.waitQuestion(p, "What would you like?")
	r.waitDone()
	r.tg.FailNext("sendMessage", 1, telegramtest.Failure{Delay: 300e6}) // a slow Telegram
	r.tg.SendText(p, "1")
	r.tg.WaitFor(t, wait, "the reply on its way", func(st *telegramtest.State) bool {
		for _, c := range st.Calls("sendMessage") {
			if c.Status == 0 && c.Delay > 0 {
				return true
			}
		}
		return false
	})
	if err := r.stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	// by the time Run returned, the reply was delivered and the update confirmed
	if m, _ := r.tg.LastMessage(p); !strings.Contains(m.Text, "At what pace?") || m.ID <= q.ID {
		t.Errorf("the reply in flight was lost: last message %q", m.Text)
	}
	if pending := r.tg.Pending(); len(pending) != 0 {
		t.Errorf("updates %v not confirmed at shutdown", pending)
	}
	r.tg.WaitFor(t, wait, "the state", func(st *telegramtest.State) bool {
		if st.Polling() {
			t.Error("still polling after Run returned")
		}
		return true
	})

	// while no Polku runs, the person answers; the next one picks it up
	r.tg.SendText(p, "full")
	r2 := newRig(t, rigOptions{tg: r.tg, prefix: r.prefix})
	r2.waitQuestion(p, "Where do you live?")
	r2.waitDone()
	if n := r2.answers(p); n != 2 {
		t.Errorf("%d answers after the restart, want 2", n)
	}
}

// TestStoreDown: while Redis is down an update is not confirmed and no
// answer is lost: once Redis is back it is handled. If Redis stays down
// longer than RetryFor, the person is told something went wrong.
func TestStoreDown(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t, "--appendonly", "yes")
	r := newRig(t, rigOptions{redisURL: srv.URL(), retryFor: 60e9})
	const p = 260
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	r.waitQuestion(p, "What would you like?")
	r.waitDone()

	srv.Kill()
	id := r.tg.SendText(p, "1")
	r.tg.WaitFor(t, wait, "the update tried and not confirmed", func(st *telegramtest.State) bool {
		return strings.Contains(r.logs.String(), "it will be delivered again") && slices.Contains(st.Pending(), id)
	})
	if m, _ := r.tg.LastMessage(p); !strings.Contains(m.Text, "What would you like?") {
		t.Errorf("while Redis is down the bot said %q", m.Text)
	}
	srv.Restart()
	r.waitQuestion(p, "At what pace?")
	r.waitDone()
	if n := r.answers(p); n != 1 {
		t.Errorf("%d answers after Redis came back, want 1", n)
	}
}

// TestStoreDownTooLong: with Redis down for longer than RetryFor, the
// person hears that something went wrong, rather than silence.
func TestStoreDownTooLong(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r := newRig(t, rigOptions{redisURL: srv.URL(), retryFor: 1})
	const p = 261
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	r.waitQuestion(p, "What would you like?")
	r.waitDone()
	srv.Kill()
	r.tg.SendText(p, "1")
	r.waitText(p, "en error")
	r.waitDone()
}

// TestCommands: the command menu is set for private chats in each content
// language; when setMyCommands fails at startup Polku serves people all
// the same and sets the menu later.
func TestCommands(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{content: polku.Content(), before: func(tg *telegramtest.Server) {
		tg.Fail("setMyCommands", telegramtest.Failure{Code: 500})
	}})
	const p = 270
	r.tg.AddUser(telegramtest.User{ID: p, FirstName: "Aino", LanguageCode: "fi"})
	r.tg.SendText(p, "/start")
	r.tg.WaitFor(t, wait, "a question with buttons", func(st *telegramtest.State) bool {
		m, ok := st.LastMessage(p)
		return ok && len(m.Keyboard) > 0
	})
	r.tg.WaitFor(t, wait, "the failure logged", func(*telegramtest.State) bool {
		return strings.Contains(r.logs.String(), "setMyCommands failed; trying again later")
	})
	r.tg.ClearFailures()
	private := telegramtest.CommandScope{Type: "all_private_chats"}
	r.tg.WaitFor(t, wait, "the menus set", func(st *telegramtest.State) bool {
		for _, l := range []string{"fi", "sv", "en", ""} {
			if len(st.ScopedCommands(private, l)) == 0 {
				return false
			}
		}
		return true
	})
	c := r.content
	for _, l := range []string{"fi", "sv", "en"} {
		cmds := r.tg.ScopedCommands(private, l)
		help := c.Command("help")
		found := false
		for _, cmd := range cmds {
			if "/"+cmd.Command == help.Words[l][0] && cmd.Description == help.Description.In(l) {
				found = true
			}
			if cmd.Command == "start" {
				t.Errorf("%s menu lists /start, which Telegram shows by itself", l)
			}
		}
		if !found {
			t.Errorf("%s menu %v lacks %s %q", l, cmds, help.Words[l][0], help.Description.In(l))
		}
	}
}

// TestWrongToken: a token Telegram refuses is a clear error at startup
// that never shows the token; so is a Bot API that cannot be reached.
func TestWrongToken(t *testing.T) {
	t.Parallel()
	tg := telegramtest.NewServer(t, token)
	r := newRig(t, rigOptions{tg: tg}) // a working engine to hand over
	const wrong = "999:wrong-SECRET-token"
	_, err := telegram.New(context.Background(), r.engine, telegram.Options{Token: wrong, APIURL: tg.APIURL(), MaxBackoff: 1e6})
	if !errors.Is(err, telegram.ErrUnauthorized) {
		t.Fatalf("a refused token: %v, want ErrUnauthorized", err)
	}
	if strings.Contains(err.Error(), "SECRET") {
		t.Errorf("the error shows the token: %v", err)
	}
	_, err = telegram.New(context.Background(), r.engine, telegram.Options{Token: wrong, APIURL: "http://127.0.0.1:1", MaxBackoff: 1e6})
	if err == nil || strings.Contains(err.Error(), "SECRET") {
		t.Errorf("an unreachable Bot API: %v; want an error without the token", err)
	}
	for _, bad := range []string{"", "has space", "a/b"} {
		if _, err := telegram.New(context.Background(), r.engine, telegram.Options{Token: bad, APIURL: tg.APIURL()}); err == nil {
			t.Errorf("token %q accepted", bad)
		}
	}
}

// TestParallelChats: one person whose chat Telegram holds back (429 for
// that chat) holds up no one else: other people's updates, fetched after
// theirs, are answered meanwhile.
func TestParallelChats(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const slow, quick = 280, 281
	englishSpeaker(r.tg, slow)
	englishSpeaker(r.tg, quick)
	r.tg.FailNext("sendMessage", 1, telegramtest.Failure{Code: 429, RetryAfter: 2, Chat: slow})
	r.tg.SendText(slow, "/start")
	r.tg.WaitFor(t, wait, "the slow chat told to wait", func(st *telegramtest.State) bool {
		return len(st.Calls("sendMessage")) > 0
	})
	r.tg.SendText(quick, "/start")
	r.waitQuestion(quick, "What would you like?")
	r.tg.SendText(quick, "1")
	r.waitQuestion(quick, "At what pace?")
	if ms := r.tg.Messages(slow); len(ms) != 0 {
		t.Errorf("the slow chat got %d messages before its wait was over", len(ms))
	}
	r.waitQuestion(slow, "What would you like?")
	r.waitDone()
}

// TestWebhookSettings: webhook settings Telegram would refuse are refused
// at startup, before anything listens.
func TestWebhookSettings(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	for _, o := range []telegram.Options{
		{WebhookURL: "polku.example.org", WebhookSecret: "abc"},
		{WebhookURL: "https://polku.example.org/t"},
		{WebhookURL: "https://polku.example.org/t", WebhookSecret: "has space"},
		{WebhookURL: "https://polku.example.org/t", WebhookSecret: strings.Repeat("x", 257)},
	} {
		o.Token, o.APIURL = token, r.tg.APIURL()
		if _, err := telegram.New(context.Background(), r.engine, o); err == nil || !strings.Contains(err.Error(), "TELEGRAM_WEBHOOK_") {
			t.Errorf("%q with secret %q: %v, want an error naming the setting", o.WebhookURL, o.WebhookSecret, err)
		}
	}
}

// TestWebhookAnswersTapsInItsReply: with a webhook, a tapped button's
// callback query is answered in the webhook's own answer: no spinner left,
// one call fewer.
func TestWebhookAnswersTapsInItsReply(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{webhook: true})
	const p = 290
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	q := r.waitQuestion(p, "What would you like?")
	r.press(p, q, "▫️ Work")
	r.press(p, q, "en done")
	r.waitQuestion(p, "At what pace?")
	r.waitDone()
	viaReply := 0
	for _, c := range r.tg.Calls("answerCallbackQuery") {
		if !c.ViaWebhookReply {
			t.Errorf("a callback answered by a call of its own: %+v", c)
		}
		viaReply++
	}
	if viaReply != 2 {
		t.Errorf("%d callbacks answered in the webhook's reply, want 2", viaReply)
	}
}
