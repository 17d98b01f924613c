package telegram

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The fast readers and writers must agree with encoding/json on every
// input they accept: these tests and fuzz targets compare the two.

// viaJSON reads an update as the webhook did before the fast path, less
// what the fast path skips because the adapter never reads it.
func viaJSON(b []byte) (tgbotapi.Update, error) {
	var u tgbotapi.Update
	err := json.NewDecoder(bytes.NewReader(b)).Decode(&u)
	for _, m := range []*tgbotapi.Message{u.Message, callbackMessage(u)} {
		if m != nil {
			m.Entities, m.ReplyMarkup, m.EditDate = nil, nil, 0
		}
	}
	return u, err
}

func callbackMessage(u tgbotapi.Update) *tgbotapi.Message {
	if u.CallbackQuery == nil {
		return nil
	}
	return u.CallbackQuery.Message
}

const (
	fromJSON = `{"id":5,"is_bot":false,"first_name":"Aino","last_name":"Ö","username":"aino","language_code":"fi","is_premium":true}`
	chatJSON = `{"id":5,"type":"private","first_name":"Aino","username":"aino"}`
)

var fastUpdates = []string{
	`{"update_id":1,"message":{"message_id":1,"date":1700000000,"chat":` + chatJSON + `,"from":` + fromJSON + `,"text":"/start area-lappi","entities":[{"offset":0,"length":6,"type":"bot_command"}]}}`,
	`{"update_id":2,"message":{"message_id":2,"date":1,"chat":` + chatJSON + `,"from":` + fromJSON + `,"text":"tekisin \"jotain\" käsillä\n💪"}}`,
	`{"update_id":3,"callback_query":{"id":"9","from":` + fromJSON + `,"chat_instance":"-1","data":"a|jobseeker|wants|work","message":{"message_id":2,"date":1,"edit_date":3,"chat":` + chatJSON +
		`,"text":"Mitä haluaisit?","entities":[{"offset":0,"length":4,"type":"bold"}],"reply_markup":{"inline_keyboard":[[{"text":"Työtä","callback_data":"a|jobseeker|wants|work"}]]}}}}`,
	` {"update_id":4 , "callback_query" : {"id":"9","from":` + fromJSON + `,"data":"c|back"} } ` + "\n",
	`{"update_id":-5,"message":{"message_id":0,"chat":{"id":-100123,"type":"group","title":"Ryhmä"},"from":{"id":1},"text":""}}`,
}

// not read fast: something the adapter reads, or JSON encoding/json
// reads differently (case-insensitive keys, duplicates, floats, nulls)
var slowUpdates = []string{
	`{"update_id":5,"edited_message":{"message_id":2,"date":1,"chat":` + chatJSON + `,"from":` + fromJSON + `,"text":"x"}}`,
	`{"update_id":8,"message":{"message_id":4,"chat":` + chatJSON + `,"from":` + fromJSON + `,"sticker":{"file_id":"x"}}}`,
	`{"update_id":7,"my_chat_member":{"chat":` + chatJSON + `}}`,
	`{"Update_ID":1}`, `{"update_id":1,"update_id":2}`, `{"update_id":1.0}`, `{"update_id":1e3}`, `{"update_id":null}`,
	`{"update_id":1,"message":null}`, `{"update_id":12345678901234567890}`, `{"update_id":01}`, `{"update_id":1} x`,
	`{"update_id":1,"message":{"text":"\u00e4"}}`, // escapes: read, through encoding/json
	`[]`, `null`, ``, `{`, `{"update_id":1,}`,
}

func TestFastUpdate(t *testing.T) {
	for _, in := range fastUpdates {
		got, ok := fastUpdate([]byte(in))
		if !ok {
			t.Errorf("not read fast: %s", in)
			continue
		}
		want, err := viaJSON([]byte(in))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s:\nfast %+v\njson %+v (%v)", in, got, want, err)
		}
	}
	for _, in := range slowUpdates {
		got, ok := fastUpdate([]byte(in))
		if ok {
			if want, err := viaJSON([]byte(in)); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: read fast as %+v, encoding/json reads %+v (%v)", in, got, want, err)
			}
		}
	}
	if u, ok := fastUpdate([]byte(`{"update_id":1,"message":{"text":"\u00e4\n"}}`)); !ok || u.Message.Text != "ä\n" {
		t.Errorf("escaped text read as %+v, %v", u.Message, ok)
	}
}

// FuzzFastUpdate: whatever the fast reader accepts, encoding/json reads
// the same way.
func FuzzFastUpdate(f *testing.F) {
	for _, s := range append(fastUpdates, slowUpdates...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := fastUpdate(b)
		if !ok {
			return
		}
		want, err := viaJSON(b)
		if err != nil {
			t.Fatalf("read fast as %+v, but encoding/json refuses it: %v", got, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("fast %+v\njson %+v", got, want)
		}
	})
}

// FuzzFastResponse: an answer read fast is the one encoding/json reads.
func FuzzFastResponse(f *testing.F) {
	for _, s := range []string{`{"ok":true,"result":{"message_id":12,"date":1,"chat":{"id":5,"type":"private"},"text":"x"}}`,
		`{"ok":true,"result":true}` + "\n", `{"ok":true,"result":{"message_id":1,"message_id":2}}`, `{"ok":false,"error_code":429,"description":"x","parameters":{"retry_after":3}}`,
		`{"ok":true,"result":1,"x":2}`, `{"ok":true,"result":[1,2] }`, `{"ok":true,"result":"}"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := fastResponse(b)
		if ok {
			var want tgbotapi.APIResponse
			if err := json.NewDecoder(bytes.NewReader(b)).Decode(&want); err != nil || !want.Ok || !bytes.Equal(bytes.TrimSpace(got.Result), bytes.TrimSpace(want.Result)) {
				t.Fatalf("read fast as %s, encoding/json reads %+v (%v)", got.Result, want, err)
			}
		}
		if id, ok := fastMessageID(b); ok {
			var want struct {
				MessageID int `json:"message_id"`
			}
			if err := json.Unmarshal(b, &want); err == nil && want.MessageID != id {
				t.Fatalf("message_id read fast as %d, encoding/json reads %d", id, want.MessageID)
			}
		}
	})
}

// TestFastBody: every call body written fast reads back as encoding/json's
// would, hostile strings included.
func TestFastBody(t *testing.T) {
	texts := []string{"", "Hei <b>Aino</b> & \"muut\"\n\t\\", "\x00\x1f\x7f", "a\xffb\xc3", "\u2028\u2029", "💪🏽 äöå"}
	blns := naughty(t)
	texts = append(texts, blns...)
	for i, text := range texts {
		checkBody(t, text, strconv.Itoa(i)+"|"+text)
	}
}

func FuzzFastBody(f *testing.F) {
	f.Add("Hei <b>Aino</b>", "a|jobseeker|wants|work")
	f.Add("a\xffb\u2028", "\x00")
	f.Fuzz(func(t *testing.T, text, data string) { checkBody(t, text, data) })
}

func checkBody(t *testing.T, text, data string) {
	t.Helper()
	kb := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData(text, data), tgbotapi.NewInlineKeyboardButtonData("x", "y")),
		tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("z", data)))
	empty := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{}}
	for _, body := range []any{
		sendBody{ChatID: -42, Text: text, ParseMode: "HTML", NoPreview: true, ReplyMarkup: kb},
		sendBody{ChatID: 42, Text: text},
		editBody{ChatID: 42, MessageID: 7, Text: text, ParseMode: "HTML"},
		editBody{ChatID: 42, MessageID: 7, ReplyMarkup: &kb},
		editBody{ChatID: 42, MessageID: 7, ReplyMarkup: &empty},
		callbackBody{ID: data, Text: text},
	} {
		fast, ok := appendBody(nil, body)
		if !ok {
			t.Fatalf("%#v: not written fast", body)
		}
		slow, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		var got, want any
		if err := json.Unmarshal(fast, &got); err != nil {
			t.Fatalf("%#v written as %s: not JSON: %v", body, fast, err)
		}
		_ = json.Unmarshal(slow, &want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%#v:\nfast %s\njson %s", body, fast, slow)
		}
	}
	url := "https://example.org"
	other := tgbotapi.InlineKeyboardMarkup{InlineKeyboard: [][]tgbotapi.InlineKeyboardButton{{{Text: "x", URL: &url}}}}
	if _, ok := appendBody(nil, sendBody{ChatID: 1, Text: text, ReplyMarkup: other}); ok {
		t.Fatal("a link button was written fast; encoding/json must write it")
	}
}

// TestReadBody: a body is read whole whatever its stated length says —
// known, unknown (-1), or left 0 by whoever made the response — and one
// cut short is an error.
func TestReadBody(t *testing.T) {
	const body = `{"ok":true,"result":true}`
	for _, length := range []int64{int64(len(body)), -1, 0, 1 << 30} {
		got, err := readBody(strings.NewReader(body), length, 1<<20)
		if err != nil || string(got) != body {
			t.Errorf("length %d: read %q, %v", length, got, err)
		}
	}
	if _, err := readBody(strings.NewReader(body), int64(len(body))+5, 1<<20); err == nil {
		t.Error("a body shorter than its length: no error")
	}
}
