package telegram_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"polku/adapters/telegram"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/content/contenttest"
	"polku/bot/store"
)

// memoryAPI answers Bot API calls in memory, keeping only what a person
// needs to tap on: each chat's last inline keyboard.
type memoryAPI struct {
	mu       sync.Mutex
	next     int
	keyboard map[string]string // chat → the last keyboard's first callback data, decline preferred
}

func (m *memoryAPI) RoundTrip(r *http.Request) (*http.Response, error) {
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	body, _ := io.ReadAll(r.Body)
	r.Body.Close()
	// only what a person needs: the chat and the buttons
	var in struct {
		ChatID      json.Number     `json:"chat_id"`
		ReplyMarkup json.RawMessage `json:"reply_markup"`
	}
	form := url.Values{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		_ = json.Unmarshal(body, &in)
		form.Set("chat_id", in.ChatID.String())
		if len(in.ReplyMarkup) > 0 {
			form.Set("reply_markup", string(in.ReplyMarkup))
		}
	} else {
		form, _ = url.ParseQuery(string(body))
	}
	result := `true`
	switch method {
	case "getMe":
		result = `{"id":1,"is_bot":true,"first_name":"Polku","username":"polku_bot"}`
	case "sendMessage":
		m.mu.Lock()
		m.next++
		id := m.next
		if kb := form.Get("reply_markup"); kb != "" {
			m.keyboard[form.Get("chat_id")] = pick(kb)
		}
		m.mu.Unlock()
		result = fmt.Sprintf(`{"message_id":%d,"date":0,"chat":{"id":%s,"type":"private"}}`, id, form.Get("chat_id"))
	case "editMessageText", "editMessageReplyMarkup":
		result = `{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}`
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"ok":true,"result":` + result + `}`)), Request: r}, nil
}

// pick is the button a benchmark person taps: "I'd rather not say" when
// there is one, so every flow ends, else the first.
func pick(keyboard string) string {
	var kb struct {
		Rows [][]struct {
			Data string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	_ = json.Unmarshal([]byte(keyboard), &kb)
	first := ""
	for _, row := range kb.Rows {
		for _, b := range row {
			if strings.HasSuffix(b.Data, "|"+bot.DeclineID) {
				return b.Data
			}
			if first == "" {
				first = b.Data
			}
		}
	}
	return first
}

// BenchmarkWebhookUpdate is one update through the whole path a Telegram
// update takes, with the memory store and a Bot API answered in memory:
// the webhook request decoded, the engine, the replies encoded and sent
// (an answered callback, an edit, the next question). People go through
// the small test content by buttons, again and again.
func BenchmarkWebhookUpdate(b *testing.B) {
	c, ds := content.Load(contenttest.BaseFS(b))
	if c == nil {
		b.Fatal(ds)
	}
	engine := bot.New(c, store.NewMemory(0), bot.Options{})
	api := &memoryAPI{keyboard: map[string]string{}}
	a, err := telegram.New(context.Background(), engine, telegram.Options{Token: token, APIURL: "http://api.invalid",
		HTTPClient: &http.Client{Transport: api}, PerSecond: -1, WebhookSecret: "s"})
	if err != nil {
		b.Fatal(err)
	}
	h := telegram.WebhookHandler(a)
	const people = 64
	update := 0
	send := func(chat int, data string) {
		update++
		var body string
		if data == "" {
			body = fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1,"chat":{"id":%d,"type":"private"},"from":{"id":%d,"is_bot":false,"first_name":"P","language_code":"fi"},"text":"/start"}}`, update, update, chat, chat)
		} else {
			body = fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"%d","chat_instance":"1","data":%q,"from":{"id":%d,"is_bot":false,"first_name":"P"},"message":{"message_id":1,"date":1,"chat":{"id":%d,"type":"private"}}}}`, update, update, data, chat, chat)
		}
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader([]byte(body)))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "s")
		w := httptest.NewRecorder()
		h(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("update answered %d", w.Code)
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		chat := 1000 + i%people
		i++
		key := fmt.Sprint(chat)
		api.mu.Lock()
		data := api.keyboard[key]
		api.mu.Unlock()
		if data == "" || strings.HasPrefix(data, "a|jobseeker|_end") || strings.Contains(data, bot.EndStep) {
			data = "" // a new conversation: /start
			api.mu.Lock()
			delete(api.keyboard, key)
			api.mu.Unlock()
		}
		send(chat, data)
	}
}
