package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"polku/bot/content"
)

// tellDesk does what a saved turn asked of the desk. When the desk fails,
// the person hears so: a case that could not be opened is taken back (the
// session no longer waits for it), and text that could not be passed on
// returns an error, so the adapter tries the update again (it was not
// marked seen, and the desk makes a second relay harmless).
func (e *Engine) tellDesk(ctx context.Context, c *content.Content, key string, reply Reply, act *deskAction) (Reply, error) {
	lang := pickLang(c, reply.Lang)
	fail := func(err error) (Reply, error) {
		e.log.Error("handoff desk failed", "err", err)
		return Reply{Lang: lang, Notes: []string{c.Message("error", lang)}}, err
	}
	switch {
	case act.open != nil:
		if err := e.desk.Open(ctx, *act.open); err != nil {
			id := act.open.ID
			_ = e.store.Update(ctx, key, func(s *Session) error {
				if s.Handoff == nil || s.Handoff.Case != id {
					return errNoChange
				}
				s.Handoff = nil
				return nil
			})
			// the turn is done (the message is marked seen): say so, and
			// let the person ask again, rather than have it redelivered
			r, _ := fail(fmt.Errorf("open a case: %w", err))
			return r, nil
		}
		e.log.Info("handoff case opened")
	case act.relay != "":
		if err := e.desk.Relay(ctx, act.caseID, act.relayID, act.relay); err != nil {
			if errors.Is(err, ErrNoCase) {
				// the volunteers' side closed it meanwhile; the event
				// saying so is on its way
				return reply, nil
			}
			return fail(fmt.Errorf("relay: %w", err))
		}
	case act.close != "":
		if err := e.desk.Close(ctx, act.caseID, act.close); err != nil {
			// the person is back with the bot either way; the desk's
			// watcher closes what stays open
			e.log.Error("handoff case not closed", "err", err)
		}
	}
	return reply, nil
}

// HandoffEvent handles something that happened on the volunteers' side and
// returns what to tell the person: a volunteer took the case (the bot goes
// quiet), wrote to them, ended the conversation (the person is back where
// they were with the bot), or nobody took it in time (the person is told
// so honestly, offered other places to turn to, and may wait on). It
// returns ErrNoCase, and nothing to send, for a case the person no longer
// has, and ErrDuplicate for a change of state already made.
//
// A volunteer's message changes nothing stored: handling it again gives
// the same reply. That a message is delivered once is the desk's promise
// (its consumer acknowledges an event only after the reply was sent); the
// engine must not drop a message because it saw it before the process
// died, or it would never be sent.
func (e *Engine) HandoffEvent(ctx context.Context, ev HandoffEvent) (Reply, error) {
	c := e.content.Load()
	if ev.Platform == "" || ev.User == "" {
		return Reply{}, ErrNoUser
	}
	key := ev.Platform + ":" + ev.User
	var reply Reply
	now := e.now()
	err := e.store.Update(ctx, key, func(s *Session) error {
		reply = Reply{}
		h := s.Handoff
		if h == nil || h.Case != ev.Case || h.Stage == HandoffConsent {
			return ErrNoCase
		}
		flow := c.Flow(s.Flow)
		if flow == nil {
			flow = c.Start
		}
		t := &turn{e: e, c: c, s: s, msg: Message{Platform: ev.Platform, User: ev.User}, now: now, w: c.Replay(flow, s.Answers)}
		t.reply.Lang = s.Lang
		switch ev.Kind {
		case HandoffClaimed:
			if h.Stage == HandoffTalking {
				return ErrDuplicate
			}
			h.Stage, h.Since = HandoffTalking, now.Unix()
			t.note(t.say("handoff_claimed"))
			t.reply.Question = t.talkQuestion()
		case HandoffMessage:
			text := clean(ev.Text)
			if strings.TrimSpace(text) == "" {
				return errNoChange
			}
			t.note(t.say("handoff_from") + "\n" + text)
			reply = t.reply
			reply.PrevUpdate, reply.LastUpdate = s.lastSeen(), s.lastSeen()
			return errNoChange
		case HandoffEnded:
			s.Handoff = nil
			t.note(t.say("handoff_ended"))
			t.arriveAgain()
		case HandoffNobody:
			if h.Stage != HandoffWaiting {
				return errNoChange // taken meanwhile
			}
			if ev.ID != "" && h.Last == ev.ID {
				return ErrDuplicate
			}
			t.note(t.say("handoff_nobody"))
			t.showSuggestions()
			t.reply.Question = t.waitQuestion(true)
		default:
			return fmt.Errorf("unknown handoff event %q", ev.Kind)
		}
		if ev.ID != "" && s.Handoff != nil {
			s.Handoff.Last = ev.ID
		}
		s.Updated = now.Unix()
		reply = t.reply
		reply.PrevUpdate, reply.LastUpdate = s.lastSeen(), s.lastSeen()
		return nil
	})
	switch {
	case err == nil:
		return reply, nil
	case errors.Is(err, errNoChange):
		return reply, nil
	case errors.Is(err, ErrNoCase), errors.Is(err, ErrDuplicate):
		return Reply{}, err
	}
	return Reply{}, fmt.Errorf("handoff event: %w", err)
}

// closeForgotten closes the case of a person who asked to be forgotten, so
// the volunteers' side deletes what it holds too.
func (e *Engine) closeForgotten(ctx context.Context, caseID string) {
	if e.desk == nil || caseID == "" {
		return
	}
	if err := e.desk.Close(ctx, caseID, ClosedForgotten); err != nil {
		e.log.Error("handoff case of a forgotten person not closed", "err", err)
	}
}
