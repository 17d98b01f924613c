package telegramtest_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"polku/adapters/telegram/telegramtest"
)

const (
	aino  = 42 // the person most tests talk to
	waitT = 5 * time.Second
)

// newBot starts a server and a real tgbotapi client against it; the
// constructor's getMe is the first call.
func newBot(t *testing.T, opts ...telegramtest.Option) (*telegramtest.Server, *tgbotapi.BotAPI) {
	t.Helper()
	s := telegramtest.NewServer(t, "", opts...)
	bot, err := tgbotapi.NewBotAPIWithClient(s.Token, s.APIURL(), http.DefaultClient)
	if err != nil {
		t.Fatalf("NewBotAPIWithClient: %v", err)
	}
	return s, bot
}

func apiError(t *testing.T, err error) *tgbotapi.Error {
	t.Helper()
	var e *tgbotapi.Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v (%T), want a *tgbotapi.Error", err, err)
	}
	return e
}

func wantAPIError(t *testing.T, err error, code int, desc string) *tgbotapi.Error {
	t.Helper()
	e := apiError(t, err)
	if e.Code != code || e.Message != desc {
		t.Fatalf("error = %d %q, want %d %q", e.Code, e.Message, code, desc)
	}
	return e
}

func getUpdates(t *testing.T, bot *tgbotapi.BotAPI, cfg tgbotapi.UpdateConfig) []tgbotapi.Update {
	t.Helper()
	ups, err := bot.GetUpdates(cfg)
	if err != nil {
		t.Fatalf("GetUpdates(%+v): %v", cfg, err)
	}
	return ups
}

func updateIDs(ups []tgbotapi.Update) []int {
	ids := []int{}
	for _, u := range ups {
		ids = append(ids, u.UpdateID)
	}
	return ids
}

func keyboard() tgbotapi.InlineKeyboardMarkup {
	return tgbotapi.NewInlineKeyboardMarkup(
		tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("Yes", "yes"),
			tgbotapi.NewInlineKeyboardButtonData("No", "no"),
		),
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonURL("Docs", "https://example.com/docs")),
	)
}

func TestGetMe(t *testing.T) {
	s, bot := newBot(t)
	if got := bot.Self; !got.IsBot || got.UserName != "polku_test_bot" || got.ID != 123456789 {
		t.Errorf("Self = %+v, want bot @polku_test_bot with the token's id 123456789", got)
	}
	if calls := s.Calls("getMe"); len(calls) != 1 || calls[0].Status != 200 {
		t.Errorf("Calls(getMe) = %+v, want one with status 200", calls)
	}
}

func TestWrongToken(t *testing.T) {
	s := telegramtest.NewServer(t, "")
	_, err := tgbotapi.NewBotAPIWithClient("1:not-the-token", s.APIURL(), http.DefaultClient)
	wantAPIError(t, err, 401, "Unauthorized")
}

// TestEnvelope checks the raw HTTP exchange: status codes, the exact error
// envelope, and the ways of sending parameters the library doesn't use.
func TestEnvelope(t *testing.T) {
	s := telegramtest.NewServer(t, "")
	s.SendText(aino, "/start")
	base := s.URL + "/bot" + s.Token
	tests := []struct {
		name       string
		method     string
		url        string
		ctype      string
		body       string
		wantStatus int
		want       string // the whole response, for errors
		wantIn     string // a part of it, for results
	}{
		{"wrong token", "POST", s.URL + "/bot1:nope/getMe", "", "", 401,
			`{"ok":false,"error_code":401,"description":"Unauthorized"}`, ""},
		{"unknown method", "POST", base + "/sendTelepathy", "", "", 404,
			`{"ok":false,"error_code":404,"description":"Not Found"}`, ""},
		{"no method", "POST", base + "/", "", "", 404,
			`{"ok":false,"error_code":404,"description":"Not Found"}`, ""},
		{"not the bot path", "GET", s.URL + "/favicon.ico", "", "", 404,
			`{"ok":false,"error_code":404,"description":"Not Found"}`, ""},
		{"method name ignores case", "GET", base + "/GETME", "", "", 200, "", `"username":"polku_test_bot"`},
		{"query parameters", "GET", base + "/sendMessage?chat_id=42&text=from+query", "", "", 200, "", `"text":"from query"`},
		{"JSON body with an object markup", "POST", base + "/sendMessage", "application/json",
			`{"chat_id":42,"text":"json","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}`, 200,
			"", `"reply_markup":{"inline_keyboard":[[{"callback_data":"a","text":"A"}]]}`},
		{"bad JSON body", "POST", base + "/sendMessage", "application/json", `{"chat_id":`, 400,
			`{"ok":false,"error_code":400,"description":"Bad Request: can't parse JSON object"}`, ""},
		{"webhook result has a description", "POST", base + "/deleteWebhook", "", "", 200,
			`{"ok":true,"result":true,"description":"Webhook is already deleted"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", resp.StatusCode, tt.wantStatus, body)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if tt.want != "" && string(body) != tt.want {
				t.Errorf("body = %s, want %s", body, tt.want)
			}
			if tt.wantIn != "" && !strings.Contains(string(body), tt.wantIn) {
				t.Errorf("body = %s, want it to contain %s", body, tt.wantIn)
			}
		})
	}
}

type entity struct {
	Type           string
	Offset, Length int
	URL, Language  string
}

func entities(es []tgbotapi.MessageEntity) []entity {
	var out []entity
	for _, e := range es {
		out = append(out, entity{e.Type, e.Offset, e.Length, e.URL, e.Language})
	}
	return out
}

func TestSendMessage(t *testing.T) {
	s, bot := newBot(t)
	s.SendText(aino, "/start")
	const bad = "Bad Request: can't parse entities: "
	longData := strings.Repeat("d", 65)
	tests := []struct {
		name      string
		chat      int64
		text      string
		parseMode string
		markup    any
		wantErr   string
		wantText  string
		wantEnts  []entity
	}{
		{name: "plain", text: "Hello", wantText: "Hello"},
		{name: "HTML with entities", parseMode: "HTML", text: "Hei <b>Aino</b> &amp; &lt;3 &#128512;",
			wantText: "Hei Aino & <3 😀", wantEnts: []entity{{Type: "bold", Offset: 4, Length: 4}}},
		{name: "offsets count UTF-16", parseMode: "HTML", text: "😀 <i>x</i>",
			wantText: "😀 x", wantEnts: []entity{{Type: "italic", Offset: 3, Length: 1}}},
		{name: "nested tags", parseMode: "HTML", text: "<b>bold <i>both</i></b>", wantText: "bold both",
			wantEnts: []entity{{Type: "bold", Offset: 0, Length: 9}, {Type: "italic", Offset: 5, Length: 4}}},
		{name: "link", parseMode: "HTML", text: `<a href="https://example.com">site</a>`, wantText: "site",
			wantEnts: []entity{{Type: "text_link", Length: 4, URL: "https://example.com/"}}},
		{name: "code block with language", parseMode: "HTML", text: `<pre><code class="language-go">x := 1</code></pre>`,
			wantText: "x := 1", wantEnts: []entity{{Type: "pre", Length: 6, Language: "go"}}},
		{name: "spoilers", parseMode: "HTML", text: `<tg-spoiler>a</tg-spoiler><span class="tg-spoiler">b</span>`,
			wantText: "ab", wantEnts: []entity{{Type: "spoiler", Length: 1}, {Type: "spoiler", Offset: 1, Length: 1}}},
		{name: "expandable quote", parseMode: "HTML", text: `<blockquote expandable>q</blockquote>`,
			wantText: "q", wantEnts: []entity{{Type: "expandable_blockquote", Length: 1}}},
		{name: "ends are trimmed", parseMode: "HTML", text: "\n  <b>hi</b>\n", wantText: "hi",
			wantEnts: []entity{{Type: "bold", Length: 2}}},
		{name: "a lone ampersand is text", parseMode: "HTML", text: "Tom & Jerry", wantText: "Tom & Jerry"},
		{name: "tags don't count toward the limit", parseMode: "HTML", text: "<b>" + strings.Repeat("a", 4096) + "</b>",
			wantText: strings.Repeat("a", 4096), wantEnts: []entity{{Type: "bold", Length: 4096}}},
		{name: "unsupported tag", parseMode: "HTML", text: "a <br> b", wantErr: bad + `Unsupported start tag "br" at byte offset 2`},
		{name: "unescaped less-than", parseMode: "HTML", text: "1 < 2", wantErr: bad + `Unsupported start tag "" at byte offset 2`},
		{name: "unclosed tag", parseMode: "HTML", text: "<b>x", wantErr: bad + `Can't find end tag corresponding to start tag "b"`},
		{name: "crossed tags", parseMode: "HTML", text: "<b>x</i>",
			wantErr: bad + `Unmatched end tag at byte offset 4, expected "</b>", found "</i>"`},
		{name: "stray end tag", parseMode: "HTML", text: "x</b>", wantErr: bad + "Unexpected end tag at byte offset 1"},
		{name: "unfinished end tag", parseMode: "HTML", text: "<b>x</b", wantErr: bad + "Unclosed end tag at byte offset 4"},
		{name: "unfinished start tag", parseMode: "HTML", text: "x <b", wantErr: bad + "Unclosed start tag at byte offset 2"},
		{name: "span without class", parseMode: "HTML", text: "<span>x</span>",
			wantErr: bad + `Tag "span" must have class "tg-spoiler" at byte offset 0`},
		{name: "unknown parse mode", parseMode: "HTML5", text: "x", wantErr: "Bad Request: unsupported parse_mode"},
		{name: "4096 characters", text: strings.Repeat("a", 4096), wantText: strings.Repeat("a", 4096)},
		{name: "4097 characters", text: strings.Repeat("a", 4097), wantErr: "Bad Request: message is too long"},
		{name: "2049 emoji are 4098 UTF-16 units", text: strings.Repeat("😀", 2049), wantErr: "Bad Request: message is too long"},
		{name: "empty", text: "", wantErr: "Bad Request: message text is empty"},
		{name: "empty after tags", parseMode: "HTML", text: "<b> </b>", wantErr: "Bad Request: message text is empty"},
		{name: "unknown chat", chat: 999, text: "x", wantErr: "Bad Request: chat not found"},
		{name: "keyboard", text: "Pick", markup: keyboard(), wantText: "Pick"},
		{name: "callback data over 64 bytes", text: "x", wantErr: "Bad Request: BUTTON_DATA_INVALID",
			markup: tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", longData)))},
		{name: "empty callback data", text: "x", wantErr: "Bad Request: BUTTON_DATA_INVALID",
			markup: tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", "")))},
		{name: "text-only inline button", text: "x",
			wantErr: "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard",
			markup:  tgbotapi.NewInlineKeyboardMarkup([]tgbotapi.InlineKeyboardButton{{Text: "A"}})},
		{name: "reply keyboard", text: "Pick", wantText: "Pick",
			markup: tgbotapi.NewReplyKeyboard(tgbotapi.NewKeyboardButtonRow(tgbotapi.NewKeyboardButton("A")))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chat := tt.chat
			if chat == 0 {
				chat = aino
			}
			msg := tgbotapi.NewMessage(chat, tt.text)
			msg.ParseMode = tt.parseMode
			msg.ReplyMarkup = tt.markup
			got, err := bot.Send(msg)
			if tt.wantErr != "" {
				wantAPIError(t, err, 400, tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("Send: %v", err)
			}
			if got.Text != tt.wantText || !reflect.DeepEqual(entities(got.Entities), tt.wantEnts) {
				t.Errorf("Send(%q) = %q %+v, want %q %+v", tt.text, got.Text, entities(got.Entities), tt.wantText, tt.wantEnts)
			}
			last, _ := s.LastMessage(aino)
			if last.ID != got.MessageID || last.Text != tt.wantText || last.Source != tt.text || last.ParseMode != tt.parseMode {
				t.Errorf("LastMessage = #%d %q from %q (%s), want #%d %q from %q (%s)",
					last.ID, last.Text, last.Source, last.ParseMode, got.MessageID, tt.wantText, tt.text, tt.parseMode)
			}
		})
	}
}

func TestMessageIDsArePerChatAndShared(t *testing.T) {
	s, bot := newBot(t)
	s.SendText(aino, "/start") // message 1
	s.SendText(7, "/start")    // message 1 of another chat
	first, err := bot.Send(tgbotapi.NewMessage(aino, "a"))
	if err != nil {
		t.Fatal(err)
	}
	s.SendText(aino, "b") // 3
	second, err := bot.Send(tgbotapi.NewMessage(aino, "c"))
	if err != nil {
		t.Fatal(err)
	}
	other, err := bot.Send(tgbotapi.NewMessage(7, "d"))
	if err != nil {
		t.Fatal(err)
	}
	if first.MessageID != 2 || second.MessageID != 4 || other.MessageID != 2 {
		t.Errorf("message ids = %d, %d, %d; want 2, 4 and 2 in the other chat", first.MessageID, second.MessageID, other.MessageID)
	}
	if h := s.History(aino); len(h) != 4 || h[0].FromBot || !h[1].FromBot {
		t.Errorf("History(%d) = %+v, want 4 messages alternating person and bot", aino, h)
	}
}

func TestReplyTo(t *testing.T) {
	s, bot := newBot(t)
	s.SendText(aino, "question")
	msg := tgbotapi.NewMessage(aino, "answer")
	msg.ReplyToMessageID = 1
	got, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.ReplyToMessage == nil || got.ReplyToMessage.Text != "question" {
		t.Errorf("ReplyToMessage = %+v, want the person's question", got.ReplyToMessage)
	}
	msg.ReplyToMessageID = 99
	_, err = bot.Send(msg)
	wantAPIError(t, err, 400, "Bad Request: message to be replied not found")
}

func TestEditMessage(t *testing.T) {
	s, bot := newBot(t)
	s.SendText(aino, "/start")
	sent, err := bot.Send(tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: aino, ReplyMarkup: keyboard()}, Text: "First"})
	if err != nil {
		t.Fatal(err)
	}
	id := sent.MessageID
	other := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Again", "again")))
	bold := tgbotapi.NewEditMessageTextAndMarkup(aino, id, "<b>Second</b>", keyboard())
	bold.ParseMode = "HTML"
	const notModified = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	steps := []struct {
		name       string
		c          tgbotapi.Chattable
		wantErr    string
		wantText   string
		wantLabels [][]string
		wantEdits  int
	}{
		{"text, same keyboard", tgbotapi.NewEditMessageTextAndMarkup(aino, id, "Second", keyboard()), "",
			"Second", [][]string{{"Yes", "No"}, {"Docs"}}, 1},
		{"nothing changed", tgbotapi.NewEditMessageTextAndMarkup(aino, id, "Second", keyboard()), notModified,
			"Second", [][]string{{"Yes", "No"}, {"Docs"}}, 1},
		{"formatting is a change", bold, "", "Second", [][]string{{"Yes", "No"}, {"Docs"}}, 2},
		{"no markup removes the keyboard", tgbotapi.NewEditMessageText(aino, id, "Third"), "", "Third", nil, 3},
		{"markup only", tgbotapi.NewEditMessageReplyMarkup(aino, id, other), "", "Third", [][]string{{"Again"}}, 4},
		{"same markup", tgbotapi.NewEditMessageReplyMarkup(aino, id, other), notModified, "Third", [][]string{{"Again"}}, 4},
		{"unknown message", tgbotapi.NewEditMessageText(aino, 99, "x"), "Bad Request: message to edit not found",
			"Third", [][]string{{"Again"}}, 4},
		{"the person's message", tgbotapi.NewEditMessageText(aino, 1, "x"), "Bad Request: message can't be edited",
			"Third", [][]string{{"Again"}}, 4},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			got, err := bot.Send(st.c)
			if st.wantErr != "" {
				wantAPIError(t, err, 400, st.wantErr)
			} else if err != nil {
				t.Fatalf("Send: %v", err)
			} else if got.EditDate == 0 || got.Text != st.wantText {
				t.Errorf("result = %q edit_date %d, want %q and an edit_date", got.Text, got.EditDate, st.wantText)
			}
			m, _ := s.Message(aino, id)
			if m.Text != st.wantText || !reflect.DeepEqual(m.Labels(), st.wantLabels) || len(m.Edits) != st.wantEdits {
				t.Errorf("message = %q %v with %d edits, want %q %v with %d", m.Text, m.Labels(), len(m.Edits),
					st.wantText, st.wantLabels, st.wantEdits)
			}
		})
	}
	if m, _ := s.Message(aino, id); m.Edits[0].Text != "First" || m.Edits[0].Keyboard == nil {
		t.Errorf("first version = %+v, want the original text and keyboard", m.Edits[0])
	}
}

func TestDeleteMessageAndChatAction(t *testing.T) {
	s, bot := newBot(t)
	s.SendText(aino, "/start")
	sent, err := bot.Send(tgbotapi.NewMessage(aino, "gone soon"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(tgbotapi.NewChatAction(aino, tgbotapi.ChatTyping)); err != nil {
		t.Errorf("sendChatAction: %v", err)
	}
	if _, err := bot.Request(tgbotapi.NewDeleteMessage(aino, sent.MessageID)); err != nil {
		t.Fatalf("deleteMessage: %v", err)
	}
	if got := s.Messages(aino); len(got) != 0 {
		t.Errorf("Messages = %+v, want none after delete", got)
	}
	_, err = bot.Request(tgbotapi.NewDeleteMessage(aino, sent.MessageID))
	wantAPIError(t, err, 400, "Bad Request: message to delete not found")
}

func TestCommandEntities(t *testing.T) {
	tests := []struct {
		text, wantCommand, wantArgs string
		isCommand                   bool
	}{
		{"/start", "start", "", true},
		{"/start@polku_test_bot now", "start", "now", true},
		{"/Start_1 x", "Start_1", "x", true},
		{"hello /start", "", "", false},
		{"/", "", "", false},
		{"a/b", "", "", false},
		{"/start/x", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			s, bot := newBot(t)
			s.SendText(aino, tt.text)
			ups := getUpdates(t, bot, tgbotapi.UpdateConfig{})
			m := ups[0].Message
			if m.IsCommand() != tt.isCommand || m.Command() != tt.wantCommand || m.CommandArguments() != tt.wantArgs {
				t.Errorf("%q: IsCommand %v Command %q args %q; want %v %q %q", tt.text,
					m.IsCommand(), m.Command(), m.CommandArguments(), tt.isCommand, tt.wantCommand, tt.wantArgs)
			}
		})
	}
}

func TestPressAndAnswer(t *testing.T) {
	s, bot := newBot(t)
	s.AddUser(telegramtest.User{ID: aino, FirstName: "Aino", LanguageCode: "fi"})
	s.SendText(aino, "/start")
	sent, err := bot.Send(tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: aino, ReplyMarkup: keyboard()}, Text: "Sure?"})
	if err != nil {
		t.Fatal(err)
	}
	pressed := s.PressButton(aino, sent.MessageID, "Yes")
	ups := getUpdates(t, bot, tgbotapi.UpdateConfig{Offset: pressed})
	if len(ups) != 1 || ups[0].CallbackQuery == nil {
		t.Fatalf("updates = %+v, want one callback_query", ups)
	}
	q := ups[0].CallbackQuery
	if q.Data != "yes" || q.From.ID != aino || q.From.LanguageCode != "fi" || q.Message.MessageID != sent.MessageID ||
		q.Message.ReplyMarkup == nil || q.ChatInstance == "" {
		t.Errorf("callback query = %+v (message %+v), want data yes from Aino on message %d with its keyboard",
			q, q.Message, sent.MessageID)
	}
	if _, err := bot.Request(tgbotapi.NewCallback(q.ID, "Noted")); err != nil {
		t.Fatalf("answerCallbackQuery: %v", err)
	}
	const tooOld = "Bad Request: query is too old and response timeout expired or query ID is invalid"
	_, err = bot.Request(tgbotapi.NewCallback(q.ID, "twice"))
	wantAPIError(t, err, 400, tooOld)

	late := s.Press(aino, sent.MessageID, "no")
	ups = getUpdates(t, bot, tgbotapi.UpdateConfig{Offset: late})
	s.Advance(16 * time.Minute)
	_, err = bot.Request(tgbotapi.NewCallback(ups[0].CallbackQuery.ID, "late"))
	wantAPIError(t, err, 400, tooOld)

	answers := s.CallbackAnswers()
	if len(answers) != 1 || answers[0].Data != "yes" || answers[0].Text != "Noted" || answers[0].UpdateID != pressed {
		t.Errorf("CallbackAnswers = %+v, want the one answer to %q", answers, "yes")
	}
}

func TestLongPollReturnsWhenAnUpdateArrives(t *testing.T) {
	s, bot := newBot(t)
	type result struct {
		ups []tgbotapi.Update
		err error
	}
	got := make(chan result, 1)
	go func() {
		ups, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		got <- result{ups, err}
	}()
	s.WaitFor(t, waitT, "the bot to long-poll", (*telegramtest.State).Polling)
	id := s.SendText(aino, "hello")
	select {
	case r := <-got:
		if r.err != nil || len(r.ups) != 1 || r.ups[0].UpdateID != id || r.ups[0].Message.Text != "hello" {
			t.Errorf("GetUpdates = %+v, %v; want update %d with %q", r.ups, r.err, id, "hello")
		}
	case <-time.After(waitT):
		t.Fatalf("the long poll did not return after an update arrived\n%s", s.Dump())
	}
}

func TestLongPollTimesOutEmpty(t *testing.T) {
	_, bot := newBot(t)
	start := time.Now()
	ups := getUpdates(t, bot, tgbotapi.UpdateConfig{Timeout: 1})
	if len(ups) != 0 || time.Since(start) < time.Second {
		t.Errorf("GetUpdates(timeout 1) = %v after %v, want none after a second", ups, time.Since(start))
	}
}

func TestOffsetConfirmsUpdates(t *testing.T) {
	s, bot := newBot(t)
	a, b, c := s.SendText(aino, "a"), s.SendText(aino, "b"), s.SendText(aino, "c")
	steps := []struct {
		offset, limit int
		want          []int
		wantPending   []int
	}{
		{0, 0, []int{a, b, c}, []int{a, b, c}},
		{0, 0, []int{a, b, c}, []int{a, b, c}}, // nothing confirmed yet
		{0, 2, []int{a, b}, []int{a, b, c}},
		{b, 0, []int{b, c}, []int{b, c}},
		{-1, 0, []int{c}, []int{c}}, // b is forgotten
		{c + 1, 0, []int{}, []int{}},
	}
	for _, st := range steps {
		cfg := tgbotapi.UpdateConfig{Offset: st.offset, Limit: st.limit}
		got := updateIDs(getUpdates(t, bot, cfg))
		if !reflect.DeepEqual(got, st.want) || !reflect.DeepEqual(s.Pending(), st.wantPending) {
			t.Errorf("GetUpdates(offset %d, limit %d) = %v, pending %v; want %v, pending %v",
				st.offset, st.limit, got, s.Pending(), st.want, st.wantPending)
		}
	}
	s.WaitFor(t, waitT, "a confirmed, b forgotten", func(st *telegramtest.State) bool {
		return st.Confirmed(a) && !st.Confirmed(b) && st.Confirmed(c)
	})
}

func TestSecondPollerEndsTheFirst(t *testing.T) {
	s, bot := newBot(t)
	first := make(chan error, 1)
	go func() {
		_, err := bot.GetUpdates(tgbotapi.UpdateConfig{Timeout: 30})
		first <- err
	}()
	s.WaitFor(t, waitT, "the first poll to wait", (*telegramtest.State).Polling)
	getUpdates(t, bot, tgbotapi.UpdateConfig{})
	select {
	case err := <-first:
		wantAPIError(t, err, 409, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
	case <-time.After(waitT):
		t.Fatal("the first poll was not terminated")
	}
}

func TestGetUpdatesChan(t *testing.T) {
	s, bot := newBot(t)
	u := tgbotapi.NewUpdate(0)
	u.Timeout = 30
	updates := bot.GetUpdatesChan(u)
	defer bot.StopReceivingUpdates()
	id := s.SendText(aino, "/start")
	select {
	case up := <-updates:
		if up.UpdateID != id || up.Message.Command() != "start" {
			t.Errorf("update = %d %q, want %d /start", up.UpdateID, up.Message.Text, id)
		}
	case <-time.After(waitT):
		t.Fatalf("no update on the channel\n%s", s.Dump())
	}
	// The library confirms with its next poll.
	s.WaitFor(t, waitT, "update confirmed", func(st *telegramtest.State) bool { return st.Confirmed(id) })
}

func TestAllowedUpdatesFilterNewUpdates(t *testing.T) {
	s, bot := newBot(t)
	s.SendText(aino, "/start")
	sent, err := bot.Send(tgbotapi.MessageConfig{BaseChat: tgbotapi.BaseChat{ChatID: aino, ReplyMarkup: keyboard()}, Text: "?"})
	if err != nil {
		t.Fatal(err)
	}
	ups := getUpdates(t, bot, tgbotapi.UpdateConfig{AllowedUpdates: []string{"message"}})
	press := s.Press(aino, sent.MessageID, "yes")
	text := s.SendText(aino, "typed")
	got := updateIDs(getUpdates(t, bot, tgbotapi.UpdateConfig{Offset: ups[0].UpdateID + 1}))
	if !reflect.DeepEqual(got, []int{text}) {
		t.Errorf("updates = %v, want only the message %d (the callback %d is filtered)", got, text, press)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name      string
		chat      int64 // Failure.Chat
		otherOK   bool  // can the bot still write to another chat?
		wantCalls []int
	}{
		{"per chat", aino, true, []int{429, 429, 200, 200}},
		{"global", 0, false, []int{429, 429, 429, 200}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, bot := newBot(t)
			s.SendText(aino, "/start")
			s.SendText(7, "/start")
			s.FailNext("sendMessage", 1, telegramtest.Failure{Code: 429, RetryAfter: 1, Chat: tt.chat})
			_, err := bot.Send(tgbotapi.NewMessage(aino, "one"))
			if e := wantAPIError(t, err, 429, "Too Many Requests: retry after 1"); e.RetryAfter != 1 {
				t.Errorf("RetryAfter = %d, want 1", e.RetryAfter)
			}
			// A client that ignores retry_after is refused again.
			_, err = bot.Send(tgbotapi.NewMessage(aino, "two"))
			if e := wantAPIError(t, err, 429, "Too Many Requests: retry after 1"); e.RetryAfter != 1 {
				t.Errorf("RetryAfter = %d, want 1", e.RetryAfter)
			}
			_, err = bot.Send(tgbotapi.NewMessage(7, "elsewhere"))
			if (err == nil) != tt.otherOK {
				t.Errorf("send to another chat: %v, want ok %v", err, tt.otherOK)
			}
			if _, err := bot.GetMe(); err != nil {
				t.Errorf("getMe during the window: %v", err)
			}
			s.Advance(time.Second)
			if _, err := bot.Send(tgbotapi.NewMessage(aino, "three")); err != nil {
				t.Errorf("after retry_after: %v", err)
			}
			var got []int
			for _, c := range s.Calls("sendMessage") {
				got = append(got, c.Status)
			}
			if !reflect.DeepEqual(got, tt.wantCalls) {
				t.Errorf("sendMessage statuses = %v, want %v", got, tt.wantCalls)
			}
		})
	}
}

func TestFloodLimit(t *testing.T) {
	s, bot := newBot(t, telegramtest.WithFloodLimit(telegramtest.FloodLimit{PerChat: 1, PerChatBurst: 2}))
	s.SendText(aino, "/start")
	for i := range 2 {
		if _, err := bot.Send(tgbotapi.NewMessage(aino, "burst")); err != nil {
			t.Fatalf("message %d of the burst: %v", i+1, err)
		}
	}
	_, err := bot.Send(tgbotapi.NewMessage(aino, "too fast"))
	if e := apiError(t, err); e.Code != 429 || e.RetryAfter != 1 {
		t.Errorf("third message: %d retry_after %d, want 429 and 1", e.Code, e.RetryAfter)
	}
	s.Advance(time.Second)
	if _, err := bot.Send(tgbotapi.NewMessage(aino, "later")); err != nil {
		t.Errorf("after a second: %v", err)
	}
}

func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		f       telegramtest.Failure
		check   func(t *testing.T, err error)
		dropped bool
	}{
		{name: "500", f: telegramtest.Failure{Code: 500}, check: func(t *testing.T, err error) {
			wantAPIError(t, err, 500, "Internal Server Error")
		}},
		{name: "503", f: telegramtest.Failure{Code: 503}, check: func(t *testing.T, err error) {
			wantAPIError(t, err, 503, "Service Unavailable")
		}},
		{name: "403 blocked", f: telegramtest.Failure{Code: 403}, check: func(t *testing.T, err error) {
			wantAPIError(t, err, 403, "Forbidden: bot was blocked by the user")
		}},
		{name: "group migrated", f: telegramtest.Failure{Code: 400, MigrateToChatID: -1001234,
			Description: "Bad Request: group chat was upgraded to a supergroup chat"}, check: func(t *testing.T, err error) {
			if e := wantAPIError(t, err, 400, "Bad Request: group chat was upgraded to a supergroup chat"); e.MigrateToChatID != -1001234 {
				t.Errorf("MigrateToChatID = %d, want -1001234", e.MigrateToChatID)
			}
		}},
		{name: "502 from the proxy is not JSON", f: telegramtest.Failure{Code: 502, Body: telegramtest.BadGatewayHTML},
			check: func(t *testing.T, err error) {
				var e *tgbotapi.Error
				if err == nil || errors.As(err, &e) {
					t.Errorf("error = %v, want a decoding error", err)
				}
			}},
		{name: "dropped connection", f: telegramtest.Failure{Drop: true}, dropped: true, check: func(t *testing.T, err error) {
			var ue *url.Error
			if !errors.As(err, &ue) {
				t.Errorf("error = %v (%T), want a transport *url.Error", err, err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, bot := newBot(t)
			s.SendText(aino, "/start")
			s.FailNext("sendMessage", 1, tt.f)
			_, err := bot.Send(tgbotapi.NewMessage(aino, "x"))
			tt.check(t, err)
			if _, err := bot.Send(tgbotapi.NewMessage(aino, "again")); err != nil {
				t.Errorf("the next call failed too: %v", err)
			}
			calls := s.Calls("sendMessage")
			if len(calls) != 2 || calls[0].Dropped != tt.dropped || calls[1].Status != 200 {
				t.Errorf("calls = %+v, want the failed one then a 200", calls)
			}
		})
	}
}

func TestSlowResponse(t *testing.T) {
	s, bot := newBot(t)
	s.SendText(aino, "/start")
	const delay = 50 * time.Millisecond
	s.FailNext("sendMessage", 1, telegramtest.Failure{Delay: delay})
	start := time.Now()
	if _, err := bot.Send(tgbotapi.NewMessage(aino, "slow")); err != nil {
		t.Fatalf("slow send: %v", err)
	}
	if took := time.Since(start); took < delay {
		t.Errorf("send took %v, want at least %v", took, delay)
	}

	// A client that gives up first sees its own timeout.
	s.FailNext("sendMessage", 1, telegramtest.Failure{Delay: time.Minute})
	impatient, err := tgbotapi.NewBotAPIWithClient(s.Token, s.APIURL(), &http.Client{Timeout: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = impatient.Send(tgbotapi.NewMessage(aino, "never"))
	var ue *url.Error
	if !errors.As(err, &ue) || !ue.Timeout() {
		t.Errorf("error = %v, want a client timeout", err)
	}
}

func TestBlock(t *testing.T) {
	s, bot := newBot(t)
	s.SendText(aino, "/start")
	blocked := s.Block(aino)
	_, err := bot.Send(tgbotapi.NewMessage(aino, "hello?"))
	wantAPIError(t, err, 403, "Forbidden: bot was blocked by the user")
	ups := getUpdates(t, bot, tgbotapi.UpdateConfig{Offset: blocked})
	if len(ups) != 1 || ups[0].MyChatMember == nil || ups[0].MyChatMember.NewChatMember.Status != "kicked" {
		t.Fatalf("updates = %+v, want my_chat_member kicked", ups)
	}
	s.Unblock(aino)
	if _, err := bot.Send(tgbotapi.NewMessage(aino, "welcome back")); err != nil {
		t.Errorf("after Unblock: %v", err)
	}
}

func TestUserMustWriteFirst(t *testing.T) {
	s, bot := newBot(t)
	s.AddUser(telegramtest.User{ID: 50, FirstName: "Eino", LanguageCode: "fi"})
	_, err := bot.Send(tgbotapi.NewMessage(50, "hi"))
	wantAPIError(t, err, 403, "Forbidden: bot can't initiate conversation with a user")
	s.SendText(50, "hei")
	ups := getUpdates(t, bot, tgbotapi.UpdateConfig{})
	if from := ups[0].Message.From; from.FirstName != "Eino" || from.LanguageCode != "fi" {
		t.Errorf("from = %+v, want Eino with language fi", from)
	}
	if _, err := bot.Send(tgbotapi.NewMessage(50, "moi")); err != nil {
		t.Errorf("after the person wrote: %v", err)
	}
}

func TestCommands(t *testing.T) {
	s, bot := newBot(t)
	start := tgbotapi.BotCommand{Command: "start", Description: "Start over"}
	alku := tgbotapi.BotCommand{Command: "alku", Description: "Aloita alusta"}
	private := tgbotapi.NewBotCommandScopeAllPrivateChats()
	tests := []struct {
		name    string
		c       tgbotapi.Chattable
		wantErr string
	}{
		{"default", tgbotapi.NewSetMyCommands(start), ""},
		{"finnish private chats", tgbotapi.NewSetMyCommandsWithScopeAndLanguage(private, "fi", alku), ""},
		{"upper case", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "Start", Description: "x"}), "Bad Request: BOT_COMMAND_INVALID"},
		{"slash", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "/start", Description: "x"}), "Bad Request: BOT_COMMAND_INVALID"},
		{"33 characters", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: strings.Repeat("a", 33), Description: "x"}), "Bad Request: BOT_COMMAND_INVALID"},
		{"no description", tgbotapi.NewSetMyCommands(tgbotapi.BotCommand{Command: "help"}), "Bad Request: command description must be non-empty"},
		{"bad language", tgbotapi.NewSetMyCommandsWithScopeAndLanguage(private, "fin", alku), "Bad Request: invalid language code specified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := bot.Request(tt.c)
			if tt.wantErr != "" {
				wantAPIError(t, err, 400, tt.wantErr)
			} else if err != nil {
				t.Fatal(err)
			}
		})
	}
	want := []telegramtest.Command{{Command: "start", Description: "Start over"}}
	if got := s.Commands(""); !reflect.DeepEqual(got, want) {
		t.Errorf("Commands(\"\") = %v, want %v", got, want)
	}
	wantFi := []telegramtest.Command{{Command: "alku", Description: "Aloita alusta"}}
	if got := s.ScopedCommands(telegramtest.CommandScope{Type: "all_private_chats"}, "fi"); !reflect.DeepEqual(got, wantFi) {
		t.Errorf("ScopedCommands(all_private_chats, fi) = %v, want %v", got, wantFi)
	}
	got, err := bot.GetMyCommandsWithConfig(tgbotapi.NewGetMyCommandsWithScopeAndLanguage(private, "fi"))
	if err != nil || len(got) != 1 || got[0] != alku {
		t.Errorf("getMyCommands(private, fi) = %v, %v; want %v", got, err, alku)
	}
	if _, err := bot.Request(tgbotapi.NewDeleteMyCommands()); err != nil {
		t.Fatal(err)
	}
	if got, err := bot.GetMyCommands(); err != nil || len(got) != 0 {
		t.Errorf("getMyCommands after delete = %v, %v; want []", got, err)
	}
}

func TestSendUpdate(t *testing.T) {
	s, bot := newBot(t)
	sticker := s.SendUpdate(map[string]any{"message": map[string]any{
		"chat": map[string]any{"id": aino, "type": "private", "first_name": "Aino"},
		"from": map[string]any{"id": aino, "is_bot": false, "first_name": "Aino", "language_code": "fi"},
		"sticker": map[string]any{"file_id": "CAACAg", "file_unique_id": "u1", "width": 512, "height": 512,
			"is_animated": false, "is_video": false, "type": "regular"},
	}})
	group := s.SendUpdate(`{"message":{"chat":{"id":-1001,"type":"supergroup","title":"Polku"},
		"from":{"id":7,"is_bot":false,"first_name":"Eino"},"text":"hello group"}}`)
	edited := s.SendUpdate(map[string]any{"edited_message": map[string]any{
		"message_id": 1, "chat": map[string]any{"id": -1001, "type": "supergroup"}, "text": "hello, group", "edit_date": 1,
	}})
	explicit := s.SendUpdate(json.RawMessage(`{"update_id":5000,"message":{"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Aino"},"text":"hi"}}`))
	next := s.SendText(aino, "after")

	if got, want := []int{sticker, group, edited, explicit, next}, []int{1000, 1001, 1002, 5000, 5001}; !reflect.DeepEqual(got, want) {
		t.Errorf("update ids = %v, want %v", got, want)
	}
	ups := getUpdates(t, bot, tgbotapi.UpdateConfig{})
	if m := ups[0].Message; m.Sticker == nil || m.Sticker.FileID != "CAACAg" || m.MessageID != 1 || m.Date == 0 {
		t.Errorf("sticker message = %+v, want the sticker with message_id 1 and a date", m)
	}
	if m := ups[2].EditedMessage; m == nil || m.Text != "hello, group" || m.MessageID != 1 {
		t.Errorf("edited message = %+v", m)
	}
	if m := ups[3].Message; m.MessageID != 2 || m.Text != "hi" {
		t.Errorf("explicit update message = %+v, want message 2 %q", m, "hi")
	}
	if _, err := bot.Send(tgbotapi.NewMessage(-1001, "hello people")); err != nil {
		t.Errorf("the bot can't write to the group it heard from: %v", err)
	}
	if h := s.History(-1001); len(h) != 2 || h[0].Text != "hello, group" || len(h[0].Edits) != 1 {
		t.Errorf("group history = %+v, want the edited message and the bot's", h)
	}
}

func TestWebhook(t *testing.T) {
	type hit struct {
		secret string
		update tgbotapi.Update
	}
	hits := make(chan hit, 10)
	var n atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u tgbotapi.Update
		_ = json.NewDecoder(r.Body).Decode(&u)
		hits <- hit{r.Header.Get("X-Telegram-Bot-Api-Secret-Token"), u}
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	t.Cleanup(hook.Close)
	s, bot := newBot(t, telegramtest.WithWebhookRetry(time.Millisecond, 10*time.Millisecond))

	resp, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL + "/hook", "secret_token": "s3cret"})
	if err != nil || resp.Description != "Webhook was set" {
		t.Fatalf("setWebhook = %+v, %v", resp, err)
	}
	_, err = bot.GetUpdates(tgbotapi.UpdateConfig{})
	wantAPIError(t, err, 409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")

	a, b := s.SendText(aino, "first"), s.SendText(aino, "second")
	s.WaitFor(t, waitT, "both updates delivered", func(st *telegramtest.State) bool { return st.Confirmed(b) })

	var got []string
	for _, d := range s.WebhookDeliveries() {
		if d.Secret != "s3cret" || d.URL != hook.URL+"/hook" {
			t.Errorf("delivery %+v, want secret s3cret to %s/hook", d, hook.URL)
		}
		got = append(got, fmt.Sprintf("%d#%d:%d", d.UpdateID, d.Attempt, d.Status))
	}
	want := []string{fmt.Sprintf("%d#1:500", a), fmt.Sprintf("%d#2:200", a), fmt.Sprintf("%d#1:200", b)}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("deliveries = %v, want %v (redelivery after the 500, in order)", got, want)
	}
	for i, wantText := range []string{"first", "first", "second"} {
		var h hit
		select {
		case h = <-hits:
		case <-time.After(waitT):
			t.Fatalf("webhook hit %d never came", i)
		}
		if h.secret != "s3cret" || h.update.Message == nil || h.update.Message.Text != wantText {
			t.Errorf("hit %d = secret %q update %+v, want secret s3cret and %q", i, h.secret, h.update, wantText)
		}
	}
	info, err := bot.GetWebhookInfo()
	if err != nil || info.URL != hook.URL+"/hook" || info.PendingUpdateCount != 0 ||
		info.LastErrorMessage != "Wrong response from the webhook: 500 Internal Server Error" {
		t.Errorf("getWebhookInfo = %+v, %v", info, err)
	}
	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		t.Fatal(err)
	}
	if ups := getUpdates(t, bot, tgbotapi.UpdateConfig{}); len(ups) != 0 {
		t.Errorf("updates after the webhook = %v, want none pending", updateIDs(ups))
	}
}

func TestWebhookReplyMethod(t *testing.T) {
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u tgbotapi.Update
		_ = json.NewDecoder(r.Body).Decode(&u)
		_ = tgbotapi.WriteToHTTPResponse(w, tgbotapi.NewMessage(u.Message.Chat.ID, "pong"))
	}))
	t.Cleanup(hook.Close)
	s, bot := newBot(t)
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL}); err != nil {
		t.Fatal(err)
	}
	s.SendText(aino, "ping")
	msgs := s.WaitMessages(t, aino, 1, waitT)
	calls := s.Calls("sendMessage")
	if msgs[0].Text != "pong" || len(calls) != 1 || !calls[0].ViaWebhookReply {
		t.Errorf("messages %+v, calls %+v; want pong sent in the webhook reply", msgs, calls)
	}
}

func TestWebhookUnreachable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	s, bot := newBot(t, telegramtest.WithWebhookRetry(time.Millisecond, 5*time.Millisecond))
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": deadURL}); err != nil {
		t.Fatal(err)
	}
	id := s.SendText(aino, "anyone?")
	s.WaitFor(t, waitT, "two failed deliveries", func(st *telegramtest.State) bool {
		return len(st.WebhookDeliveries()) >= 2
	})
	d := s.WebhookDeliveries()[1]
	if d.UpdateID != id || d.Attempt != 2 || d.Status != 0 || d.Err == "" {
		t.Errorf("second delivery = %+v, want attempt 2 of %d failing to connect", d, id)
	}
	info, err := bot.GetWebhookInfo()
	if err != nil || info.LastErrorMessage != "Connection refused" || info.PendingUpdateCount != 1 {
		t.Errorf("getWebhookInfo = %+v, %v; want Connection refused with 1 pending", info, err)
	}
}

// fakeTB records Fatalf instead of stopping the test.
type fakeTB struct {
	testing.TB
	msg string
}

func (f *fakeTB) Helper()                           {}
func (f *fakeTB) Fatalf(format string, args ...any) { f.msg = fmt.Sprintf(format, args...) }

func TestWaitForTimeoutDumpsTheChat(t *testing.T) {
	s := telegramtest.NewServer(t, "")
	s.SendText(aino, "/start")
	ftb := &fakeTB{TB: t}
	s.WaitFor(ftb, 10*time.Millisecond, "a reply to /start", func(st *telegramtest.State) bool {
		return len(st.Messages(aino)) > 0
	})
	for _, want := range []string{"a reply to /start", "chat 42 (private", `#1 User42: "/start"`, "pending updates: [1000]"} {
		if !strings.Contains(ftb.msg, want) {
			t.Errorf("failure message lacks %q:\n%s", want, ftb.msg)
		}
	}
}

func TestCloseDuringWebhookDelivery(t *testing.T) {
	entered, release := make(chan struct{}, 1), make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// net/http notices a client hanging up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		entered <- struct{}{}
		select { // answer only when the fake gives up
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hook.Close)
	t.Cleanup(func() { close(release) }) // runs first: hook.Close waits for the handler
	s := telegramtest.Start("")
	bot, err := tgbotapi.NewBotAPIWithClient(s.Token, s.APIURL(), http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.MakeRequest("setWebhook", tgbotapi.Params{"url": hook.URL}); err != nil {
		t.Fatal(err)
	}
	s.SendText(aino, "hi")
	select {
	case <-entered:
	case <-time.After(waitT):
		t.Fatal("the update was never delivered")
	}
	closed := make(chan struct{})
	go func() {
		s.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(waitT):
		t.Fatal("Close hung with a webhook delivery in flight")
	}
}
