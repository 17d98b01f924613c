package telegram_test

import (
	"strings"
	"testing"

	"polku/adapters/telegram/telegramtest"
)

// englishSpeaker is a person whose Telegram is set to British English.
func englishSpeaker(tg *telegramtest.Server, id int64) {
	tg.AddUser(telegramtest.User{ID: id, FirstName: "Alex", LanguageCode: "en-GB"})
}

// TestWholeFlowByButtons: a person goes through the whole flow by tapping
// buttons. Every tap is answered (no spinner), the question it answered
// shows the answer and loses its buttons, the next question follows, and
// the suggestions come as HTML with links.
func TestWholeFlowByButtons(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const p = 101
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")

	q := r.waitQuestion(p, "What would you like?")
	r.press(p, q, "▫️ Work")
	// a tick redraws the same message's buttons
	r.tg.WaitFor(t, wait, "Work ticked", func(st *telegramtest.State) bool {
		m, _ := st.Message(p, q.ID)
		_, ok := m.Button("✅ Work")
		return ok
	})
	r.press(p, q, "en done")
	steps := []struct{ question, label, next string }{
		{"", "", "At what pace?"},
		{"At what pace?", "A few hours", "Where do you live?"},
		{"Where do you live?", "Helsinki", "How old are you?"},
		{"How old are you?", "en decline", "Does someone help you already?"},
		{"Does someone help you already?", "Yes", ""},
	}
	answered := []int{q.ID}
	for _, s := range steps[1:] {
		q := r.waitQuestion(p, s.question)
		r.press(p, q, s.label)
		answered = append(answered, q.ID)
	}
	sugg := r.waitText(p, "en suggestions")
	r.waitDone()

	want := []string{"What would you like?\n→ Work", "At what pace?\n→ A few hours", "Where do you live?\n→ Helsinki",
		"How old are you?\n→ en decline", "Does someone help you already?\n→ Yes"}
	for i, id := range answered {
		m, _ := r.tg.Message(p, id)
		if !strings.HasSuffix(m.Text, want[i]) || len(m.Keyboard) != 0 {
			t.Errorf("answered question %d shows %q with buttons %v; want it to end %q with no buttons", i+1, m.Text, m.Labels(), want[i])
		}
	}
	if sugg.ParseMode != "HTML" {
		t.Errorf("suggestions parse mode %q, want HTML", sugg.ParseMode)
	}
	links := 0
	for _, e := range sugg.Entities {
		if e.Type == "text_link" && strings.HasPrefix(e.URL, "https://") {
			links++
		}
	}
	if links == 0 || !strings.Contains(sugg.Text, "Ohjaamo") {
		t.Errorf("suggestions have %d links; want the services with their links:\n%s", links, sugg.Text)
	}
	// only the last message may still have buttons: the end of the flow
	ms := r.tg.Messages(p)
	for _, m := range ms[:len(ms)-1] {
		if len(m.Keyboard) > 0 {
			t.Errorf("message %d %q still has buttons %v", m.ID, m.Text, m.Labels())
		}
	}
	presses := len(r.tg.CallbackAnswers())
	if presses != len(steps)+1 {
		t.Errorf("%d callback queries answered, want %d", presses, len(steps)+1)
	}
	if n := r.answers(p); n != 5 {
		t.Errorf("the session holds %d answers, want 5", n)
	}
	for _, c := range r.tg.Calls() {
		if c.Status >= 400 {
			t.Errorf("%s failed: %d %s", c.Method, c.Status, c.Description)
		}
	}
}

// TestWholeFlowByTyping: a person who types instead of tapping: the open
// question is edited to show the typed answer and loses its buttons, just
// as if it had been tapped.
func TestWholeFlowByTyping(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const p = 102
	r.tg.AddUser(telegramtest.User{ID: p, FirstName: "Aino", LanguageCode: "fi"})
	r.tg.SendText(p, "hei")
	steps := []struct{ question, typed, shown string }{
		{"Mitä haluaisit?", "1, 2", "Töitä ja Opiskella"},
		{"Millä tahdilla?", "osa", "Osa-aika"},
		{"Missä asut?", "tampere", "Pirkanmaa"},
		{"Kuinka vanha olet?", "19", "19"},
		{"Auttaako joku jo?", "ei", "Ei"},
	}
	var asked []int
	for _, s := range steps {
		q := r.waitQuestion(p, s.question)
		asked = append(asked, q.ID)
		r.tg.SendText(p, s.typed)
	}
	r.waitText(p, "fi suggestions")
	r.waitDone()
	for i, id := range asked {
		m, _ := r.tg.Message(p, id)
		want := steps[i].question + "\n→ " + steps[i].shown
		if !strings.HasSuffix(m.Text, want) || len(m.Keyboard) != 0 {
			t.Errorf("question %d shows %q with buttons %v; want it to end %q with no buttons", i+1, m.Text, m.Labels(), want)
		}
	}
	if n := r.answers(p); n != 5 {
		t.Errorf("the session holds %d answers, want 5", n)
	}
	if n := len(r.tg.CallbackAnswers()); n != 0 {
		t.Errorf("%d callback answers for a conversation without taps", n)
	}
}

// TestStaleButton: a button from an old message (days old, from before a
// restart of the conversation, or of Polku) is answered at once, changes
// nothing, loses its buttons, and the person gets the current question.
func TestStaleButton(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{})
	const p = 103
	englishSpeaker(r.tg, p)
	r.tg.SendText(p, "/start")
	first := r.waitQuestion(p, "What would you like?")
	r.tg.SendText(p, "start over")
	second := r.waitQuestionAfter(p, "What would you like?", first.ID)
	if second.ID == first.ID {
		t.Fatal("starting over did not ask again")
	}
	r.press(p, second, "▫️ Study")
	r.press(p, second, "en done")
	r.waitQuestion(p, "Where do you live?")
	r.waitDone()
	before := r.sessionBytes(p)

	for _, data := range []string{
		"a|jobseeker|wants|work", // the first question's button, answered long ago
		"a|jobseeker|area|atlantis",
		"a|oldflow|gone|x", // content since changed
		"h|AAAAAAAAAAAAAAAAAAAAAAAA",
		"zzz", // not Polku's at all
		"",
	} {
		n := len(r.tg.Messages(p))
		last, _ := r.tg.LastMessage(p)
		id := r.tg.SendCallback(p, first.ID, data)
		r.tg.WaitFor(t, wait, "the stale callback answered", func(st *telegramtest.State) bool { return st.Answered(id) })
		q := r.waitQuestionAfter(p, "Where do you live?", last.ID)
		r.waitDone()
		if got := r.tg.Messages(p)[n:]; len(got) != 2 || !strings.Contains(got[0].Text, "en stale_button") || got[1].ID != q.ID {
			t.Errorf("after the stale button %q the bot sent %d messages: %v; want the stale note and the current question", data, len(got), texts(got))
		}
		if after := r.sessionBytes(p); after != before {
			t.Errorf("the stale button %q changed the session", data)
		}
	}
	m, _ := r.tg.Message(p, first.ID)
	if len(m.Keyboard) != 0 {
		t.Errorf("the old question still has buttons: %v", m.Labels())
	}
	// only the current question has buttons
	for _, m := range r.tg.Messages(p) {
		if last, _ := r.tg.LastMessage(p); len(m.Keyboard) > 0 && m.ID != last.ID {
			t.Errorf("message %d %q still has buttons", m.ID, m.Text)
		}
	}
}

func texts(ms []telegramtest.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Text)
	}
	return out
}
