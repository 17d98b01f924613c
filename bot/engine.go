package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"polku/bot/content"
)

// Engine runs conversations. It is safe for concurrent use; content can be
// swapped at any time with SetContent, and conversations under way continue
// in the new content (their answers are replayed).
type Engine struct {
	content atomic.Pointer[content.Content]
	store   Store
	log     *slog.Logger
	ttl     time.Duration
	now     func() time.Time
	counter Counter
	desk    Desk
	hours   *Hours
}

// Options configure an Engine. The zero value is usable.
type Options struct {
	Logger     *slog.Logger
	SessionTTL time.Duration    // how long sessions are kept; for the "what do you know" answer
	Now        func() time.Time // for tests
	// Counter counts conversation events for staff statistics; nil counts
	// nothing.
	Counter Counter
	// Desk takes requests to talk to a volunteer; nil: there are no
	// volunteers here, and the person is pointed to places to talk to
	// someone instead.
	Desk Desk
	// Hours are when volunteers are usually there, said up front; nil says
	// nothing of hours.
	Hours *Hours
}

// DefaultSessionTTL is how long a session lives after the last message.
const DefaultSessionTTL = 30 * 24 * time.Hour

// MaxSuggestions is how many services a person is shown at most.
const MaxSuggestions = 5

// maxText bounds what is read of a message. Nothing a person answers is
// longer; a megabyte of text gets a kind answer, not a slow one.
const maxText = 4000

// New returns an engine for content c keeping sessions in s.
func New(c *content.Content, s Store, o Options) *Engine {
	e := &Engine{store: s, log: o.Logger, ttl: o.SessionTTL, now: o.Now, counter: o.Counter, desk: o.Desk, hours: o.Hours}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.ttl <= 0 {
		e.ttl = DefaultSessionTTL
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.content.Store(c)
	return e
}

// Content returns the content in use.
func (e *Engine) Content() *content.Content { return e.content.Load() }

// SetContent swaps in new content for every message from now on.
func (e *Engine) SetContent(c *content.Content) { e.content.Store(c) }

// errNoChange ends a Store.Update without saving: the reply did not change
// the session (help, a re-ask, a stale button).
var errNoChange = errors.New("nothing to save")

// Handle answers one message. The session is loaded, changed and saved in
// one atomic store update. On a store failure Handle returns a kind reply
// (the person's answers are safe) together with the error, for the adapter
// to send and log. It returns ErrDuplicate, with an empty reply, for an
// update already handled.
func (e *Engine) Handle(ctx context.Context, msg Message) (Reply, error) {
	c := e.content.Load()
	if msg.Platform == "" || msg.User == "" {
		return Reply{}, ErrNoUser
	}
	key := msg.Platform + ":" + msg.User
	tooLong := len(msg.Text) > maxText*4 || utf8.RuneCountInString(msg.Text) > maxText
	msg.Text = clean(msg.Text)

	var cmd *content.Command
	var arg, cmdLang string
	if msg.Command != "" {
		cmd, arg = c.Command(msg.Command), msg.Arg
		if cmd == nil {
			return Reply{}, fmt.Errorf("unknown command %q", msg.Command)
		}
	} else if !tooLong {
		cmd, arg, cmdLang = c.ParseCommand(msg.Text)
	}
	if cmd != nil && cmd.Name == content.CmdForget {
		return e.forget(ctx, c, key, msg, cmdLang)
	}

	var reply Reply
	var events []Event // counted once the update succeeded: fn may run again
	var act *deskAction
	now := e.now()
	caseID := newCaseID() // the same if fn runs again
	err := e.store.Update(ctx, key, func(s *Session) error {
		events = nil
		if s.seen(msg.UpdateID) {
			return ErrDuplicate
		}
		fresh := s.Flow == ""
		t := &turn{e: e, c: c, s: s, msg: msg, tooLong: tooLong, now: now, caseID: caseID}
		save := t.run(cmd, arg, cmdLang, now)
		reply, act = t.reply, t.act
		reply.PrevUpdate = s.lastSeen()
		reply.LastUpdate = reply.PrevUpdate
		if e.counter != nil && (save || !fresh) {
			// a first message that keeps nothing (help, my data) begins
			// no conversation
			events = t.events(fresh, cmd, now)
		}
		if !save {
			return errNoChange
		}
		s.remember(msg.UpdateID)
		reply.LastUpdate = s.lastSeen()
		s.Updated = now.Unix()
		return nil
	})
	switch {
	case err == nil, errors.Is(err, errNoChange):
		e.count(events)
		if act != nil {
			return e.tellDesk(ctx, c, key, reply, act)
		}
		return reply, nil
	case errors.Is(err, ErrDuplicate):
		e.log.Debug("duplicate update", "platform", msg.Platform)
		return Reply{}, ErrDuplicate
	}
	lang := pickLang(c, reply.Lang, cmdLang, msg.Lang)
	e.log.Error("session update failed", "platform", msg.Platform, "err", err)
	return Reply{Lang: lang, Notes: []string{c.Message("error", lang)}}, fmt.Errorf("handle message: %w", err)
}

// forget deletes everything about the person at once and says so in their
// language (read from the session first: the deletion leaves nothing).
func (e *Engine) forget(ctx context.Context, c *content.Content, key string, msg Message, cmdLang string) (Reply, error) {
	lang, caseID := "", ""
	var events []Event
	_ = e.store.Update(ctx, key, func(s *Session) error {
		lang = s.Lang
		if s.Handoff != nil {
			caseID = s.Handoff.Case
		}
		if e.counter != nil {
			events = forgotEvent(c, s, e.now())
		}
		return errNoChange
	})
	// the conversation's language first: command words work in every
	// language, and the person chose this one
	lang = pickLang(c, lang, cmdLang, msg.Lang)
	if err := e.store.Delete(ctx, key); err != nil {
		e.log.Error("forget failed", "platform", msg.Platform, "err", err)
		return Reply{Lang: lang, Notes: []string{c.Message("error", lang)}}, fmt.Errorf("forget: %w", err)
	}
	e.log.Info("session forgotten", "platform", msg.Platform)
	e.closeForgotten(ctx, caseID)
	e.count(events)
	return Reply{Lang: lang, Notes: []string{c.Message("forgotten", lang)}}, nil
}

// Forget deletes everything kept about a person at once, without a reply:
// for an adapter that learns the person can no longer be reached (they
// blocked the bot), so nothing is kept for someone who left.
func (e *Engine) Forget(ctx context.Context, platform, user string) error {
	key, caseID := platform+":"+user, ""
	if e.desk != nil {
		_ = e.store.Update(ctx, key, func(s *Session) error {
			if s.Handoff != nil {
				caseID = s.Handoff.Case
			}
			return errNoChange
		})
	}
	if err := e.store.Delete(ctx, key); err != nil {
		return fmt.Errorf("forget: %w", err)
	}
	e.closeForgotten(ctx, caseID)
	e.log.Info("session removed", "platform", platform)
	return nil
}

// pickLang returns the first candidate that is a content language, trying
// its base language too (en-US → en), or the content's default.
func pickLang(c *content.Content, candidates ...string) string {
	for _, l := range candidates {
		if code := c.MatchLanguage(l); code != "" {
			return code
		}
	}
	return c.Languages[0].Code
}

// clean makes text safe to match and to echo: valid UTF-8, no NULs or
// control characters other than line breaks and tabs, bounded in size.
// Control characters become spaces rather than vanishing, so "2\x004" is
// not read as 24.
func clean(s string) string {
	if len(s) > maxText*4 {
		s = s[:maxText*4]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) && r != '\n' && r != '\t' {
				return ' '
			}
			return r
		}, s)
	}
	return strings.TrimSpace(s)
}
