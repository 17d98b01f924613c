package bot_test

import (
	"testing"

	"polku/bot"
)

// TestDeclineWords: the words people type for "I'd rather not say" —
// ohita, skip, hoppa över, en tiedä — skip a question like its button, in
// any language.
func TestDeclineWords(t *testing.T) {
	c := builtin(t)
	for _, word := range []string{"ohita", "Skip", "hoppa över", "en tiedä", "don't know"} {
		cv := newConv(t, c)
		cv.send(bot.Message{Text: "hei", Lang: "fi"})
		cv.press("ask_me")
		cv.wantStep("wants")
		r := cv.say(word)
		if r.Answered == nil || r.Answered.Answer != c.Message("decline", "fi") {
			t.Errorf("%q: answered %+v, want I'd rather not say", word, r.Answered)
		}
		cv.wantStep("pace")
	}
}
