package handoff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
)

// DeskKind is what a DeskEvent reports.
type DeskKind string

// Kinds of DeskEvent.
const (
	DeskOpened  DeskKind = "opened"  // a case was filed; Case holds its summary
	DeskMessage DeskKind = "message" // the person wrote Text
	DeskClosed  DeskKind = "closed"  // the person's side closed the case, for Reason
)

// DeskEvent is something that happened on the person's side, for the
// volunteers. A closed event with Reason bot.ClosedForgotten carries only
// the case id: the volunteers should delete what they kept of the case.
type DeskEvent struct {
	// ID identifies the event ("<case>/<event>"): it is the same however
	// often the event is delivered, so handling it twice can be avoided.
	ID    string
	Entry string // the stream entry id, for logs
	Kind  DeskKind
	Case  CaseInfo // the case as it is when the event is delivered
	Text  string   // DeskMessage: what the person wrote
	// Reason is why a DeskClosed case was closed.
	Reason bot.CloseReason
}

// fnAttempts is how often a consumer tries fn on one event before it
// leaves the event pending and goes on with the next: a person whose
// messages cannot be delivered must not hold up everyone else. The event
// is tried again after IdleClaim.
const fnAttempts = 8

// markWait bounds how long a consumer whose context ended still tries to
// record an event that fn handled, so that it is not delivered again.
const markWait = 5 * time.Second

// ConsumeDesk delivers the desk's events to fn, for the volunteers' side,
// in the order they happened. consumer names this consumer within the
// group: give each process its own stable name (a restarted process with
// the same name first gets again what it had not acknowledged).
//
// An event is acknowledged only after fn returns nil; while fn fails it is
// tried again, with growing pauses, up to a bound, then left pending and
// tried again after IdleClaim. Events a dead consumer did not acknowledge
// are taken over after IdleClaim. fn should return within IdleClaim, or
// another consumer may take the event over and deliver it too.
//
// ConsumeDesk returns nil when ctx ends, and keeps going (waiting longer
// and longer between attempts) while Redis is unreachable.
func (d *Desk) ConsumeDesk(ctx context.Context, consumer string, fn func(context.Context, DeskEvent) error) error {
	if err := checkID("consumer", consumer); err != nil {
		return err
	}
	c := &consumerLoop{d: d, stream: d.deskKey(), name: consumer, log: d.log.With("stream", "desk", "consumer", consumer)}
	c.deliver = func(e entry, s stored) (func(context.Context) error, []string) {
		ev := DeskEvent{ID: e.caseID + "/" + e.ev, Entry: e.id, Kind: DeskKind(e.kind), Case: s.info, Text: e.text, Reason: bot.CloseReason(e.reason)}
		switch ev.Kind {
		case DeskOpened, DeskMessage:
			if !s.exists || s.info.Reason == bot.ClosedForgotten {
				return nil, nil // expired or forgotten: nothing to show
			}
		case DeskClosed:
			if !s.exists || ev.Reason == bot.ClosedForgotten {
				ev.Case = CaseInfo{ID: e.caseID, State: StateClosed, Reason: ev.Reason, Thread: e.thread}
			}
		default:
			return nil, nil
		}
		secrets := []string{e.text}
		for _, l := range ev.Case.Summary {
			secrets = append(secrets, l.Label, l.Value)
		}
		return func(ctx context.Context) error { return fn(ctx, ev) }, secrets
	}
	c.after = func(ctx context.Context, e entry) error {
		if e.kind == string(DeskClosed) && e.reason == string(bot.ClosedForgotten) {
			// handled: the last trace of a forgotten case goes too
			return d.c.XDel(ctx, c.stream, e.id).Err()
		}
		return nil
	}
	return c.run(ctx)
}

// ConsumePeople delivers the volunteers' events for the people on
// platform ("telegram", "discord") to fn, in the order they happened.
// Events carry the person's platform and user id, to reach them. An event
// about a person since forgotten is dropped, and so is a HandoffNobody for
// a case claimed before it was delivered; fn may return bot.ErrNoCase
// for one it cannot place, and it is not tried again. Otherwise it works
// as ConsumeDesk.
func (d *Desk) ConsumePeople(ctx context.Context, platform, consumer string, fn func(context.Context, bot.HandoffEvent) error) error {
	if err := checkPlatform(platform); err != nil {
		return err
	}
	if err := checkID("consumer", consumer); err != nil {
		return err
	}
	c := &consumerLoop{d: d, stream: d.peopleKey(platform), name: consumer, log: d.log.With("stream", "people", "platform", platform, "consumer", consumer)}
	c.deliver = func(e entry, s stored) (func(context.Context) error, []string) {
		if !s.exists || s.info.Reason == bot.ClosedForgotten {
			return nil, nil
		}
		if e.kind == string(bot.HandoffNobody) && s.info.State != StateWaiting {
			// a volunteer claimed it while the watcher was telling the
			// person: the claim is the news
			return nil, nil
		}
		ev := bot.HandoffEvent{Kind: bot.HandoffKind(e.kind), Case: e.caseID, Platform: s.platform, User: s.user, Text: e.text, ID: e.caseID + "/" + e.ev}
		return func(ctx context.Context) error { return fn(ctx, ev) }, []string{e.text, s.user}
	}
	return c.run(ctx)
}

// consumerLoop reads one stream as one consumer of the group.
type consumerLoop struct {
	d      *Desk
	stream string
	name   string
	log    *slog.Logger
	// deliver makes the call of the user's fn for an entry of a stored
	// case, and says which strings must not reach the log; nil: nothing to
	// deliver, acknowledge it.
	deliver func(entry, stored) (func(context.Context) error, []string)
	// after runs once an entry is acknowledged
	after func(context.Context, entry) error

	down bool // Redis failed last time; log once per outage
}

// entry is a stream entry as written by emit, and the text of a message,
// read from the case.
type entry struct {
	id, caseID, ev, kind, text, reason string
	// thread is the volunteers' thread of a forgotten case: the case is
	// gone, and the volunteers' side must still find what to delete
	thread string
}

func parseEntry(m redis.XMessage) (entry, bool) {
	get := func(k string) string { s, _ := m.Values[k].(string); return s }
	e := entry{id: m.ID, caseID: get("case"), ev: get("ev"), kind: get("kind"), reason: get("reason"), thread: get("thread")}
	return e, e.caseID != "" && e.ev != "" && checkID("case", e.caseID) == nil
}

func (c *consumerLoop) run(ctx context.Context) error {
	bo := c.d.backoff()
	// a new group, or one lost with its stream (expired, or a Redis that
	// lost its data) is made again
	for ctx.Err() == nil {
		err := c.d.createGroup(ctx, c.stream)
		if err == nil {
			break
		}
		c.failed(err)
		bo.wait(ctx)
	}
	pending := "0"          // own pending entries after this id; "" when done
	cursor := "0-0"         // where XAUTOCLAIM goes on
	var nextClaim time.Time // when to look for a dead consumer's entries
	for ctx.Err() == nil {
		var msgs []redis.XMessage
		var err error
		switch {
		case pending != "":
			msgs, err = c.read(ctx, pending, -1)
			if err == nil {
				if len(msgs) == 0 {
					pending = ""
				} else {
					pending = msgs[len(msgs)-1].ID
				}
			}
		case !time.Now().Before(nextClaim):
			var next string
			msgs, next, err = c.d.c.XAutoClaim(ctx, &redis.XAutoClaimArgs{Stream: c.stream, Group: group, Consumer: c.name,
				MinIdle: c.d.idleClaim, Start: cursor, Count: 32}).Result()
			if err == nil {
				cursor = next
				if next == "0-0" {
					nextClaim = time.Now().Add(max(c.d.idleClaim/2, 10*time.Millisecond))
				}
			}
		default:
			msgs, err = c.read(ctx, ">", c.d.block)
		}
		if errors.Is(err, redis.Nil) {
			continue // nothing new within block
		}
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			c.failed(err)
			if strings.HasPrefix(err.Error(), "NOGROUP") {
				if err := c.d.createGroup(ctx, c.stream); err == nil {
					pending, cursor = "0", "0-0"
					continue
				}
			}
			bo.wait(ctx)
			continue
		}
		c.ok()
		bo.reset()
		for _, m := range msgs {
			if err := c.handle(ctx, m); err != nil {
				if ctx.Err() != nil {
					break
				}
				return err
			}
		}
	}
	c.log.Debug("handoff consumer stopped")
	return nil
}

func (c *consumerLoop) read(ctx context.Context, from string, block time.Duration) ([]redis.XMessage, error) {
	res, err := c.d.c.XReadGroup(ctx, &redis.XReadGroupArgs{Group: group, Consumer: c.name, Streams: []string{c.stream, from},
		Count: 32, Block: block}).Result()
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, nil
	}
	return res[0].Messages, nil
}

// handle delivers one entry at most once, unless this process dies in fn
// after its effect, or after fn and before the done-marker is stored. It
// returns an error only when it must stop: ctx ended, or a test hook.
func (c *consumerLoop) handle(ctx context.Context, m redis.XMessage) error {
	e, ok := parseEntry(m)
	if !ok {
		// deleted (forgotten) since it was added, or not ours
		return c.ack(ctx, e)
	}
	var vals []any
	key := c.d.caseKey(e.caseID)
	fields := append(caseFields[:len(caseFields):len(caseFields)], "d:"+e.ev, "t:"+e.ev)
	err := c.retry(ctx, func(ctx context.Context) (err error) {
		vals, err = c.d.c.HMGet(ctx, key, fields...).Result()
		return err
	})
	if err != nil {
		return err
	}
	n := len(caseFields)
	if vals[n] != nil {
		c.log.Debug("handoff event already delivered", "entry", e.id, "case", e.caseID)
		return c.ack(ctx, e)
	}
	s := parseCase(e.caseID, vals[:n])
	e.text, _ = vals[n+1].(string)
	if s.exists && vals[n+1] == nil && (e.kind == string(DeskMessage) || e.kind == string(bot.HandoffMessage)) {
		c.log.Warn("handoff message without its text dropped", "entry", e.id, "case", e.caseID)
		return c.ack(ctx, e)
	}
	call, secrets := c.deliver(e, s)
	if call == nil {
		c.log.Debug("handoff event dropped: case gone", "entry", e.id, "case", e.caseID)
		return c.ack(ctx, e)
	}
	bo := c.d.backoff()
	bo.min = max(bo.min, 100*time.Millisecond)
	for attempt := 1; ; attempt++ {
		err := call(ctx)
		if err == nil {
			break
		}
		if errors.Is(err, bot.ErrNoCase) {
			c.log.Debug("handoff event for no case", "entry", e.id, "case", e.caseID)
			break
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.log.Warn("handoff delivery failed", "entry", e.id, "case", e.caseID, "attempt", attempt, "err", scrub(err, secrets))
		if h := c.d.fnAttempt; h != nil {
			h(c.stream, e.id, err)
		}
		if attempt == fnAttempts {
			c.log.Error("handoff event left pending", "entry", e.id, "case", e.caseID, "attempts", attempt)
			return nil
		}
		if !bo.wait(ctx) {
			return ctx.Err()
		}
	}
	// fn is done: record it for as long as Redis takes to answer, and
	// still for markWait once ctx has ended
	mctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	defer context.AfterFunc(ctx, func() { time.AfterFunc(c.d.markWait, cancel) })()
	ctx = mctx
	err = c.retry(ctx, func(ctx context.Context) error {
		_, err := c.d.run(ctx, markScript, e.caseID, e.ev)
		return err
	})
	if err != nil {
		c.log.Error("handoff event delivered but not recorded; it may be delivered again", "entry", e.id, "case", e.caseID)
		return err
	}
	if h := c.d.afterMark; h != nil {
		if err := h(c.stream, e.id); err != nil {
			return err
		}
	}
	return c.ack(ctx, e)
}

// ack acknowledges an entry, trying until Redis answers or ctx ends.
func (c *consumerLoop) ack(ctx context.Context, e entry) error {
	return c.retry(ctx, func(ctx context.Context) error {
		if err := c.d.c.XAck(ctx, c.stream, group, e.id).Err(); err != nil {
			return err
		}
		if c.after != nil {
			return c.after(ctx, e)
		}
		return nil
	})
}

// retry calls f until it succeeds or ctx ends, waiting longer each time.
func (c *consumerLoop) retry(ctx context.Context, f func(context.Context) error) error {
	bo := c.d.backoff()
	for {
		err := f(ctx)
		if err == nil {
			c.ok()
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		c.failed(err)
		if !bo.wait(ctx) {
			return ctx.Err()
		}
	}
}

func (c *consumerLoop) failed(err error) {
	if !c.down {
		c.down = true
		c.log.Warn("handoff consumer cannot reach redis; retrying", "err", err)
	}
}

func (c *consumerLoop) ok() {
	if c.down {
		c.down = false
		c.log.Info("handoff consumer reaches redis again")
	}
}

// createGroup makes the group of a stream, and the stream, unless they
// exist. The group starts at the beginning of the stream, so events added
// before any consumer ran are delivered too.
func (d *Desk) createGroup(ctx context.Context, stream string) error {
	err := d.c.XGroupCreateMkStream(ctx, stream, group, "0").Err()
	if err != nil {
		if strings.HasPrefix(err.Error(), "BUSYGROUP") {
			return nil
		}
		return fmt.Errorf("create consumer group: %w", err)
	}
	// MKSTREAM made a key without expiry; XADD renews it
	if err := d.c.PExpire(ctx, stream, d.retention).Err(); err != nil {
		return fmt.Errorf("create consumer group: %w", err)
	}
	return nil
}

// scrub keeps what a person or volunteer wrote (and user ids) out of an
// error from fn before it is logged.
func scrub(err error, secrets []string) string {
	s := err.Error()
	for _, x := range secrets {
		if len(x) >= 3 {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return s
}

// backoff is a growing, jittered pause after failures.
type backoff struct {
	min, max time.Duration
	n        int
}

func (d *Desk) backoff() *backoff { return &backoff{min: d.minBackoff, max: d.maxBackoff} }

func (b *backoff) reset() { b.n = 0 }

// wait pauses; false when ctx ended.
func (b *backoff) wait(ctx context.Context) bool {
	p := b.min << min(b.n, 16)
	if p > b.max || p <= 0 {
		p = b.max
	}
	b.n++
	p = p/2 + rand.N(p/2+1)
	t := time.NewTimer(p)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
