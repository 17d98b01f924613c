package bot

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"

	"polku/bot/content"
)

// Ids of the engine's questions about talking to a volunteer.
const (
	HandoffStep     = "_handoff"      // may the summary be shared?
	HandoffPickStep = "_handoff_pick" // which parts of it
	HandoffWaitStep = "_handoff_wait" // waiting: cancel, keep waiting
	HandoffTalkStep = "_handoff_talk" // talking: end
)

// Option ids of those questions.
const (
	ShareID      = "_share"
	LeaveOutID   = "_leave"
	NoShareID    = "_noshare"
	CancelID     = "_cancel"
	KeepWaitID   = "_wait"
	EndTalkID    = "_endtalk"
	languageLine = LanguageStep // the summary's line for the person's language
)

func isHandoffStep(step string) bool {
	return step == HandoffStep || step == HandoffPickStep
}

// deskAction is what a turn asks of the desk once its session is saved: a
// desk call must never happen for a change that was not stored.
type deskAction struct {
	open    *Case
	caseID  string      // the case relayed to or closed
	relay   string      // text to pass on
	relayID string      // makes passing it on again harmless
	close   CloseReason // set: close the case
}

// newCaseID returns an id no one can guess: it names the case in links
// and threads, and says nothing about the person.
func newCaseID() string {
	b := make([]byte, 9)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// person handles the "talk to a person" command.
func (t *turn) person() bool {
	s := t.s
	if t.e.desk == nil {
		t.note(t.say("person_unavailable"))
		t.ask()
		return false
	}
	s.Handoff = &HandoffState{Stage: HandoffConsent, Since: t.now.Unix()}
	s.Asking = HandoffStep
	t.note(t.offerText())
	t.ask()
	return true
}

// offerText says what a volunteer is and when they are usually there.
func (t *turn) offerText() string {
	text := t.say("handoff_offer")
	if h := t.e.hours; h != nil {
		text += "\n" + t.format(t.say("handoff_hours"), map[string]string{"hours": h.Text(t.say("weekdays"))})
		if !h.Open(t.now) {
			text += " " + t.say("handoff_outside_hours")
		}
	}
	return text
}

// summary lists what would be shared: each answer in the person's words,
// and their language; parts they left out are marked so when all is true.
func (t *turn) summary(all bool) []summaryLine {
	var lines []summaryLine
	for i, a := range t.w.Answers {
		st := t.w.Steps[i]
		if st.Field == nil {
			continue
		}
		value := t.answerLabel(st, a)
		if a.Skip {
			value = t.say("declined")
		}
		lines = append(lines, summaryLine{id: st.ID, Line: Line{Label: st.Field.Label.In(t.lang()), Value: value}})
	}
	lines = append(lines, summaryLine{id: languageLine, Line: Line{Label: t.say("my_data_language"), Value: t.languageName(t.lang())}})
	if all {
		return lines
	}
	return slices.DeleteFunc(lines, func(l summaryLine) bool { return slices.Contains(t.s.Handoff.Leave, l.id) })
}

type summaryLine struct {
	id string
	Line
}

func summaryText(lines []summaryLine) string {
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("• " + l.Label + ": " + l.Value)
	}
	return b.String()
}

func (t *turn) consentQuestion() *Question {
	shared := t.summary(false)
	text := summaryText(shared)
	if len(shared) == 0 {
		text = "• " + t.say("handoff_nothing")
	}
	return &Question{Step: HandoffStep, Text: t.format(t.say("handoff_consent"), map[string]string{"summary": text}),
		Options: []Option{
			{ID: ShareID, Label: t.say("handoff_share")},
			{ID: LeaveOutID, Label: t.say("handoff_leave_out")},
			{ID: NoShareID, Label: t.say("handoff_dont_share")},
		}}
}

func (t *turn) pickQuestion() *Question {
	q := &Question{Step: HandoffPickStep, Text: t.say("handoff_pick"), Multi: true}
	for _, l := range t.summary(true) {
		q.Options = append(q.Options, Option{ID: l.id, Label: l.Label + ": " + l.Value, Selected: !slices.Contains(t.s.Handoff.Leave, l.id)})
	}
	q.Options = append(q.Options, Option{ID: DoneID, Label: t.say("done")})
	return q
}

func (t *turn) waitQuestion(nobody bool) *Question {
	q := &Question{Step: HandoffWaitStep, Text: t.say("handoff_waiting_short"), Options: []Option{{ID: CancelID, Label: t.say("handoff_cancel")}}}
	if nobody {
		q.Options = append([]Option{{ID: KeepWaitID, Label: t.say("handoff_keep_waiting")}}, q.Options...)
	}
	return q
}

func (t *turn) talkQuestion() *Question {
	return &Question{Step: HandoffTalkStep, Text: t.say("handoff_talking"), Options: []Option{{ID: EndTalkID, Label: t.say("handoff_end")}}}
}

// consent handles the answer to "may I share this?" and to "which parts".
func (t *turn) consent() bool {
	s := t.s
	option := ""
	if ch := t.msg.Choice; ch != nil {
		if ch.Step != s.Asking {
			return t.stale()
		}
		option = ch.Option
	} else if q := t.handoffQuestion(); q != nil {
		if o := matchOption(q.Options, t.msg.Text, true); o != nil {
			option = o.ID
		}
	}
	if s.Asking == HandoffPickStep {
		switch {
		case option == DoneID:
			s.Asking = HandoffStep
		case option != "" && slices.ContainsFunc(t.summary(true), func(l summaryLine) bool { return l.id == option }):
			if i := slices.Index(s.Handoff.Leave, option); i >= 0 {
				s.Handoff.Leave = slices.Delete(s.Handoff.Leave, i, i+1)
			} else {
				s.Handoff.Leave = append(s.Handoff.Leave, option)
			}
			t.ask()
			t.reply.Redraw = t.msg.Choice != nil
			return true
		default:
			t.note(t.say("not_understood"))
		}
		t.ask()
		return true
	}
	switch option {
	case ShareID:
		return t.openCase()
	case LeaveOutID:
		s.Asking = HandoffPickStep
		t.ask()
		return true
	case NoShareID:
		s.Handoff, s.Asking = nil, ""
		t.note(t.say("handoff_declined"))
		t.ask()
		return true
	}
	t.note(t.say("not_understood"))
	t.ask()
	return false
}

// openCase files the case with what the person agreed to share; the desk
// hears of it once the session is saved.
func (t *turn) openCase() bool {
	s := t.s
	c := &Case{ID: t.caseID, Platform: t.msg.Platform, User: t.msg.User, Lang: s.Lang, Opened: t.now}
	for _, l := range t.summary(false) {
		c.Summary = append(c.Summary, l.Line)
	}
	s.Handoff = &HandoffState{Stage: HandoffWaiting, Case: c.ID, Since: t.now.Unix()}
	s.Asking = ""
	t.act = &deskAction{open: c}
	t.note(t.say("handoff_waiting"))
	t.reply.Question = t.waitQuestion(false)
	return true
}

func (t *turn) handoffQuestion() *Question {
	h := t.s.Handoff
	switch {
	case h == nil:
		return nil
	case t.s.Asking == HandoffStep:
		return t.consentQuestion()
	case t.s.Asking == HandoffPickStep:
		return t.pickQuestion()
	case h.Stage == HandoffWaiting:
		return t.waitQuestion(false)
	case h.Stage == HandoffTalking:
		return t.talkQuestion()
	}
	return nil
}

// handingOff handles a message while the case is open: text goes to the
// volunteers, and the bot says nothing; the person may cancel or end it.
// Commands other than forgetting are not for the volunteer: the person is
// told how to end the conversation first.
func (t *turn) handingOff(cmd *content.Command) bool {
	s, h := t.s, t.s.Handoff
	if ch := t.msg.Choice; ch != nil {
		switch {
		case ch.Option == CancelID && ch.Step == HandoffWaitStep && h.Stage == HandoffWaiting,
			ch.Option == EndTalkID && ch.Step == HandoffTalkStep:
			why := ClosedCancelled
			note := "handoff_cancelled"
			if h.Stage == HandoffTalking {
				why, note = ClosedEnded, "handoff_ended"
			}
			t.act = &deskAction{caseID: h.Case, close: why}
			s.Handoff = nil
			t.note(t.say(note))
			t.arriveAgain()
			return true
		case ch.Option == KeepWaitID && ch.Step == HandoffWaitStep && h.Stage == HandoffWaiting:
			t.note(t.say("handoff_waiting"))
			t.reply.Question = t.waitQuestion(false)
			return false
		}
		t.note(t.say("handoff_busy"))
		t.reply.Question = t.handoffQuestion()
		return false
	}
	switch {
	case cmd != nil:
		t.note(t.say("handoff_busy"))
		t.reply.Question = t.handoffQuestion()
		return false
	case t.msg.Unsupported != "" || t.tooLong:
		t.note(t.say("handoff_attachment"))
		return false
	case strings.TrimSpace(t.msg.Text) == "":
		return false
	}
	id := t.msg.UpdateID
	if id == "" {
		id = newCaseID()
	}
	// not saved: the update stays unseen, so a failed relay is tried again
	// and the desk, not the session, makes the second try harmless
	t.act = &deskAction{caseID: h.Case, relay: t.msg.Text, relayID: t.msg.Platform + ":" + id}
	return false
}

// arriveAgain brings the person back to where they were with the bot.
func (t *turn) arriveAgain() {
	if t.w.Done() {
		t.askEnd()
		return
	}
	t.ask()
}
