package telegram_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polku/adapters/telegram"
	"polku/adapters/telegram/telegramtest"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/content/contenttest"
	"polku/bot/store"
)

// FuzzWebhook posts arbitrary bodies to the webhook, as anyone who learnt
// the secret could: whatever arrives, the adapter answers 200 (handled, or
// nothing Polku reads), 400 (not an update) or 503 (try again), and never
// panics or hangs.
func FuzzWebhook(f *testing.F) {
	tg := telegramtest.NewServer(f, token)
	c, ds := content.Load(contenttest.BaseFS(f))
	if c == nil {
		f.Fatal(ds)
	}
	engine := bot.New(c, store.NewMemory(0), bot.Options{})
	const secret = "fuzz-secret"
	a, err := telegram.New(context.Background(), engine, telegram.Options{Token: token, APIURL: tg.APIURL(), WebhookSecret: secret, PerSecond: -1, MaxBackoff: 1e6})
	if err != nil {
		f.Fatal(err)
	}
	handler := telegram.WebhookHandler(a)

	from := `{"id":5,"is_bot":false,"first_name":"A","language_code":"en"}`
	chat := `{"id":5,"type":"private","first_name":"A"}`
	for _, seed := range []string{
		`{"update_id":1,"message":{"message_id":1,"date":1,"chat":` + chat + `,"from":` + from + `,"text":"/start area-lappi"}}`,
		`{"update_id":2,"message":{"message_id":2,"date":1,"chat":` + chat + `,"from":` + from + `,"text":"1, 2"}}`,
		`{"update_id":3,"callback_query":{"id":"9","from":` + from + `,"chat_instance":"1","data":"a|jobseeker|wants|work","message":{"message_id":2,"date":1,"chat":` + chat + `}}}`,
		`{"update_id":4,"callback_query":{"id":"9","from":` + from + `,"chat_instance":"1","data":"c|back"}}`,
		`{"update_id":5,"edited_message":{"message_id":2,"date":1,"edit_date":2,"chat":` + chat + `,"from":` + from + `,"text":"x"}}`,
		`{"update_id":6,"message":{"message_id":3,"date":1,"chat":{"id":-100,"type":"group","title":"g"},"from":` + from + `,"text":"hi"}}`,
		`{"update_id":7,"my_chat_member":{"chat":` + chat + `,"from":` + from + `,"date":1,"old_chat_member":{"status":"member","user":` + from + `},"new_chat_member":{"status":"kicked","user":` + from + `}}}`,
		`{"update_id":8,"message":{"message_id":4,"date":1,"chat":` + chat + `,"from":` + from + `,"sticker":{"file_id":"x","file_unique_id":"y","width":1,"height":1}}}`,
		`{"update_id":9,"message":{"chat":null,"from":null}}`,
		`{"update_id":"x"}`, `{}`, `[]`, `null`, ``, `{"update_id":10,"message":{"text":1}}`,
	} {
		f.Add(seed)
	}
	for i, s := range telegram.HostileStrings(f) {
		if i%25 == 0 {
			b, _ := json.Marshal(s)
			f.Add(fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1,"chat":%s,"from":%s,"text":%s}}`, 100+i, 100+i, chat, from, b))
		}
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/telegram", strings.NewReader(body))
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		w := httptest.NewRecorder()
		handler(w, req)
		switch w.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusServiceUnavailable:
		default:
			t.Errorf("answered %d to %q", w.Code, body)
		}
	})
}
