package telegram_test

import (
	"strings"
	"testing"

	"polku/adapters/telegram/telegramtest"
)

// TestCrisisText: through the real client and the fake Bot API, a crisis
// phrase typed at a question gets the crisis message, then the same
// question again; the session holds no answer for it and the logs hold
// nothing of it.
func TestCrisisText(t *testing.T) {
	t.Parallel()
	r := newRig(t, rigOptions{webhook: true})
	const p = 4242
	r.tg.AddUser(telegramtest.User{ID: p, FirstName: "A", LanguageCode: "en"})
	r.tg.SendText(p, "/start")
	q := r.waitQuestion(p, "What would you like?")
	r.tg.SendText(p, "i just want to die")
	r.waitText(p, "en crisis 112")
	r.waitQuestionAfter(p, "What would you like?", q.ID)
	r.waitDone()
	if n := r.answers(p); n != 0 {
		t.Errorf("the session holds %d answers, want none", n)
	}
	if s := r.sessionBytes(p); strings.Contains(s, "want to die") {
		t.Errorf("the session holds the text: %q", s)
	}
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if logs := r.logs.String(); strings.Contains(logs, "want to die") {
		t.Errorf("the logs hold the text:\n%s", logs)
	}
}
