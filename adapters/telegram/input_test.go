package telegram_test

import (
	"strings"
	"testing"

	"polku/adapters/telegram"
	"polku/adapters/telegram/telegramtest"
)

// TestNotText: whatever a person sends that is not text gets a kind answer
// and the question again, and nothing is stored.
func TestNotText(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const p = 104
	englishSpeaker(r.tg, p)
	from := map[string]any{"id": p, "is_bot": false, "first_name": "Alex", "language_code": "en"}
	chat := map[string]any{"id": p, "type": "private", "first_name": "Alex"}
	r.tg.SendText(p, "hello")
	r.tg.SendText(p, "2")
	r.waitQuestion(p, "Where do you live?")
	r.waitDone()
	before := r.sessionBytes(p)
	file := map[string]any{"file_id": "AgADBAAD", "file_unique_id": "AQADBAAD", "width": 512, "height": 512, "file_size": 1000}
	for _, tt := range []struct {
		name    string
		message map[string]any
		kind    string // "edited_message" instead of "message"
		want    string
	}{
		{"sticker", map[string]any{"sticker": map[string]any{"file_id": "CAACAgI", "file_unique_id": "AgAD", "width": 512, "height": 512, "is_animated": false, "is_video": false, "type": "regular", "emoji": "👍"}}, "", "en unsupported"},
		{"photo", map[string]any{"photo": []any{file}, "caption": "Helsinki"}, "", "en unsupported"},
		{"voice", map[string]any{"voice": map[string]any{"file_id": "AwAD", "file_unique_id": "AgAD", "duration": 3}}, "", "en unsupported"},
		{"video", map[string]any{"video": map[string]any{"file_id": "BAAD", "file_unique_id": "AgAD", "width": 1, "height": 1, "duration": 3}}, "", "en unsupported"},
		{"video note", map[string]any{"video_note": map[string]any{"file_id": "DQAD", "file_unique_id": "AgAD", "length": 240, "duration": 3}}, "", "en unsupported"},
		{"location", map[string]any{"location": map[string]any{"latitude": 60.17, "longitude": 24.94}}, "", "en unsupported"},
		{"contact", map[string]any{"contact": map[string]any{"phone_number": "+358401234567", "first_name": "Someone"}}, "", "en unsupported"},
		{"document", map[string]any{"document": map[string]any{"file_id": "BQAD", "file_unique_id": "AgAD", "file_name": "cv.pdf"}}, "", "en unsupported"},
		{"poll", map[string]any{"poll": map[string]any{"id": "1", "question": "?", "options": []any{}, "total_voter_count": 0, "is_closed": false, "is_anonymous": true, "type": "regular", "allows_multiple_answers": false}}, "", "en unsupported"},
		{"forwarded text", map[string]any{"text": "Helsinki", "forward_date": 1700000000, "forward_sender_name": "Someone"}, "", "en unsupported"},
		{"edited text", map[string]any{"message_id": 1, "text": "Helsinki", "edit_date": 1700000000}, "edited_message", "en edited"},
	} {
		last, _ := r.tg.LastMessage(p)
		m := map[string]any{"chat": chat, "from": from}
		for k, v := range tt.message {
			m[k] = v
		}
		kind := tt.kind
		if kind == "" {
			kind = "message"
		}
		r.tg.SendUpdate(map[string]any{kind: m})
		q := r.waitQuestionAfter(p, "Where do you live?", last.ID)
		r.waitDone()
		got := r.tg.Messages(p)
		if note := got[len(got)-2]; note.ID <= last.ID || !strings.Contains(note.Text, tt.want) {
			t.Errorf("%s: the bot said %q before the question; want %q", tt.name, note.Text, tt.want)
		}
		if q.ID != got[len(got)-1].ID {
			t.Errorf("%s: the question was not asked again", tt.name)
		}
		if after := r.sessionBytes(p); after != before {
			t.Errorf("%s: the session changed", tt.name)
		}
	}
	// the question still works
	r.tg.SendText(p, "lapland")
	r.waitQuestion(p, "How old are you?")
}

// TestGroup: in a group the bot says once that it talks one to one (with a
// link to a private chat), then stays quiet; nothing is kept about anyone.
func TestGroup(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const group, p = -100777, 105
	r.tg.AddChat(telegramtest.Chat{ID: group, Type: "supergroup", Title: "Job club"})
	for i, text := range []string{"/start", "hello bot", "/start@polku_test_bot", "1"} {
		r.tg.SendUpdate(map[string]any{"message": map[string]any{
			"chat": map[string]any{"id": group, "type": "supergroup", "title": "Job club"},
			"from": map[string]any{"id": p + i, "is_bot": false, "first_name": "Member", "language_code": "en"},
			"text": text,
		}})
	}
	r.waitDone()
	ms := r.tg.Messages(group)
	if len(ms) != 1 || !strings.Contains(ms[0].Text, "en private_only") || !strings.Contains(ms[0].Text, "https://t.me/polku_test_bot") {
		t.Errorf("the group got %v; want one note that Polku talks one to one, with a link", texts(ms))
	}
	for i := range 4 {
		if s := r.sessionBytes(int64(p + i)); s != "" {
			t.Errorf("a session was kept for group member %d", i)
		}
	}
}

// TestStartMidFlow: /start in the middle of a conversation keeps the
// answers and asks the current question again; a deep link does the same.
func TestStartMidFlow(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const p = 106
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	r.tg.SendText(p, "1")
	q := r.waitQuestion(p, "At what pace?")
	r.tg.SendText(p, "/start")
	q = r.waitQuestionAfter(p, "At what pace?", q.ID)
	r.tg.SendText(p, "/start area-lappi")
	r.waitQuestionAfter(p, "At what pace?", q.ID)
	r.waitDone()
	if !strings.Contains(r.tg.Messages(p)[len(r.tg.Messages(p))-2].Text, "en start_midflow") {
		t.Errorf("no start_midflow note: %v", texts(r.tg.Messages(p)))
	}
	if n := r.answers(p); n != 1 {
		t.Errorf("the session holds %d answers, want the 1 given", n)
	}
}

// TestDeepLink: an NGO's QR code opens t.me/bot?start=area-lappi; the
// area question is then answered in advance and never asked.
func TestDeepLink(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const p = 107
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start area-lappi")
	q := r.waitQuestion(p, "What would you like?")
	r.press(p, q, "▫️ Company")
	r.press(p, q, "en done")
	r.waitQuestion(p, "How old are you?")
	r.waitDone()
	for _, m := range r.tg.History(p) {
		if strings.Contains(m.Text, "Where do you live?") {
			t.Errorf("the area was asked although the start link gave it: %q", m.Text)
		}
	}
}

// TestLanguageCode: the language of a person's Telegram decides the first
// reply: a content language, its region variants, and the default for a
// language the content lacks.
func TestLanguageCode(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	for i, tt := range []struct{ code, want string }{
		{"en", "What would you like?"},
		{"en-US", "What would you like?"},
		{"fi", "Mitä haluaisit?"},
		{"de", "Mitä haluaisit?"},
		{"", "Mitä haluaisit?"},
	} {
		p := int64(110 + i)
		r.tg.AddUser(telegramtest.User{ID: p, FirstName: "P", LanguageCode: tt.code})
		r.tg.SendText(p, "/start")
		r.waitQuestion(p, tt.want)
	}
}

// TestHostileText: hostile strings typed at every question come back as
// kind answers that Telegram accepts (escaped HTML), and break nothing.
func TestHostileText(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const p = 120
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	r.waitQuestion(p, "What would you like?")
	strs := telegram.HostileStrings(t)
	for i, s := range strs {
		if strings.TrimSpace(s) == "" {
			continue
		}
		r.tg.SendText(p, s)
		if i%50 == 0 {
			r.waitDone()
		}
	}
	r.waitDone()
	for _, c := range r.tg.Calls("sendMessage", "editMessageText") {
		if c.Status != 200 {
			t.Errorf("%s refused: %d %s\n%s", c.Method, c.Status, c.Description, c.Param("text"))
		}
	}
	t.Logf("%d hostile strings, %d messages sent", len(strs), len(r.tg.Calls("sendMessage")))
	if len(r.tg.Pending()) != 0 {
		t.Error("updates left unconfirmed")
	}
}

// hostileStrings are the Big List of Naughty Strings (../shared/data).

// TestPrivateChatIsTheSenders: a "private" message whose chat is not the
// sender's own is not from Telegram; it reaches no one's conversation.
func TestPrivateChatIsTheSenders(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const victim, sender = 9001, 9002
	r.tg.AddUser(telegramtest.User{ID: victim, FirstName: "V", LanguageCode: "en"})
	r.tg.SendUpdate(map[string]any{"message": map[string]any{
		"chat": map[string]any{"id": victim, "type": "private"},
		"from": map[string]any{"id": sender, "is_bot": false, "first_name": "S", "language_code": "en"},
		"text": "/start",
	}})
	r.waitDone()
	if ms := r.tg.Messages(victim); len(ms) != 0 {
		t.Errorf("the chat got %v; want nothing", texts(ms))
	}
	for _, id := range []int64{victim, sender} {
		if s := r.sessionBytes(id); s != "" {
			t.Errorf("a session was kept for %d", id)
		}
	}
}
