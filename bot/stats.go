package bot

import (
	"time"

	"polku/bot/content"
)

// Counter counts what happens in conversations, for staff to see where
// people stop in each flow. It gets events, never people: an Event holds no
// user id, update id or text. Count is called on a message's way, after its
// session was saved, so it must not block (no network): collect in memory
// and write elsewhere later. Implementations must be safe for concurrent
// use.
type Counter interface {
	Count(Event)
}

// Event is one thing counted. It says what happened, where (flow and step),
// in which language and on which day, and nothing about who.
type Event struct {
	Day  string // the UTC date, in DayLayout
	Flow string
	// Step is the question reached or answered, or where the person was when
	// they asked for a person or to be forgotten; EndStep for the end of the
	// flow; empty for EventStarted and EventRestarted.
	Step string
	Lang string
	Kind EventKind
}

// EventKind is what an Event counts.
type EventKind string

// The kinds of events. A question is "reached" only by moving forward: on
// arrival after an answer, and the first question at first contact or after
// starting over; a question asked again (not understood, help, a stale
// button, going back) is not reached again.
const (
	EventStarted   EventKind = "started"   // first contact: a conversation began
	EventRestarted EventKind = "restarted" // the person started over
	EventReached   EventKind = "reached"   // a question was reached
	EventAnswered  EventKind = "answered"  // a question was answered (also "I'd rather not say")
	EventSuggested EventKind = "suggested" // the end was reached and the suggestions shown
	EventHandoff   EventKind = "handoff"   // the person asked to talk to a person
	EventForgot    EventKind = "forgot"    // the person asked to be forgotten
)

// EventKinds lists the kinds in funnel order.
var EventKinds = []EventKind{EventStarted, EventRestarted, EventReached, EventAnswered, EventSuggested, EventHandoff, EventForgot}

// DayLayout is how Event.Day writes a date.
const DayLayout = "2006-01-02"

// Day is the UTC date of t as Event.Day writes it.
func Day(t time.Time) string { return t.UTC().Format(DayLayout) }

// events lists what a turn that has run counts, read from where it left the
// person: fresh says the session was new, cmd is the command handled, if
// any. They are emitted only once the turn's store update succeeded, since
// the update may run the turn more than once.
func (t *turn) events(fresh bool, cmd *content.Command, now time.Time) []Event {
	is := func(name string) bool { return cmd != nil && cmd.Name == name }
	var out []Event
	add := func(kind EventKind, step string) {
		out = append(out, Event{Day: Day(now), Flow: t.w.Flow.ID, Step: step, Lang: t.s.Lang, Kind: kind})
	}
	restarted := is(content.CmdRestart)
	switch {
	case fresh:
		add(EventStarted, "")
	case restarted:
		add(EventRestarted, "")
	}
	answered := t.reply.Answered
	if answered != nil {
		add(EventAnswered, answered.Step)
	}
	if fresh || restarted || answered != nil {
		// moved forward: what is on screen now was reached
		if t.reply.Suggestions != nil {
			add(EventSuggested, EndStep)
		} else if q := t.reply.Question; q != nil && q.Step != LanguageStep && q.Step != EndStep {
			add(EventReached, q.Step)
		}
	}
	if is(content.CmdPerson) {
		add(EventHandoff, t.where())
	}
	return out
}

// where is the question the person is at, or EndStep after the end.
func (t *turn) where() string {
	if t.w.Done() {
		return EndStep
	}
	return t.w.Step.ID
}

// forgotEvent is what "forget me" counts: where the person was. It is nil
// for someone who had no conversation.
func forgotEvent(c *content.Content, s *Session, now time.Time) []Event {
	if s.Flow == "" {
		return nil
	}
	step := ""
	if f := c.Flow(s.Flow); f != nil {
		if w := c.Replay(f, s.Answers); w.Done() {
			step = EndStep
		} else {
			step = w.Step.ID
		}
	}
	return []Event{{Day: Day(now), Flow: s.Flow, Step: step, Lang: s.Lang, Kind: EventForgot}}
}

// count hands events to the counter, if there is one.
func (e *Engine) count(events []Event) {
	if e.counter == nil {
		return
	}
	for _, ev := range events {
		e.counter.Count(ev)
	}
}
