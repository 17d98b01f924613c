package handoff

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
)

var _ bot.Desk = (*Desk)(nil)

// Defaults of Options.
const (
	DefaultPrefix       = "polku:"
	DefaultRetention    = 72 * time.Hour
	DefaultClaimTimeout = 15 * time.Minute
	DefaultIdleClaim    = 30 * time.Second
)

// group is the consumer group of every stream: each event goes to one
// consumer of its side, whichever process that runs in.
const group = "polku"

// ClosedByVolunteer is the close reason of a case a volunteer ended.
const ClosedByVolunteer bot.CloseReason = "volunteer"

// Options configure a Desk. Every replica sharing a Redis must use the same
// Prefix and Retention.
type Options struct {
	// Prefix starts every key, so one Redis can serve other things too
	// (default "polku:").
	Prefix string
	// Retention is how long a case and the text relayed in it are kept
	// after the case's last change (default 72h).
	Retention time.Duration
	// ClaimTimeout is how long a case may wait unclaimed before the person
	// is told that nobody took it (HandoffNobody; default 15m).
	ClaimTimeout time.Duration
	// IdleClaim is how long an event may stay with a consumer that does
	// not acknowledge it before another consumer takes it over (default
	// 30s). A consumer's fn must finish well within it.
	IdleClaim time.Duration
	// Logger gets events with case and stream entry ids, never text,
	// summaries or user ids (default: discard).
	Logger *slog.Logger
	// Now is the clock for case times and timeouts (default time.Now).
	Now func() time.Time
}

// Desk files cases in Redis and relays between people and volunteers. It
// implements bot.Desk for the engine and offers the volunteers' side
// (Claim, Say, End, …) to the Discord adapter. It is safe for concurrent
// use, and any number of processes may share one Redis.
type Desk struct {
	c         redis.UniversalClient
	log       *slog.Logger
	now       func() time.Time
	prefix    string
	retention time.Duration
	claimWait time.Duration
	idleClaim time.Duration

	// how consumers wait after a failure: from minBackoff doubling to
	// maxBackoff
	minBackoff, maxBackoff time.Duration
	// block is how long a consumer's read waits for new events; it bounds
	// how late a consumer notices that its context ended.
	block time.Duration
	// markWait: see the constant
	markWait time.Duration

	// for tests
	afterMark func(stream, entry string) error      // between the done-marker and XACK; an error stops the consumer
	tick      func() (<-chan time.Time, func())     // WatchUnclaimed's ticker
	watched   func()                                // after each pass of WatchUnclaimed
	fnAttempt func(stream, entry string, err error) // after each failed fn
}

// Errors of the volunteers' side.
var (
	// ErrClosed: the case is closed, or not stored (never opened,
	// forgotten, or expired).
	ErrClosed = errors.New("the case is closed")
	// ErrNotClaimed: nobody has claimed the case yet.
	ErrNotClaimed = errors.New("the case is not claimed")
	// ErrTaken: another volunteer has the case; the error is a *TakenError
	// that names them.
	ErrTaken = errors.New("another volunteer has the case")
	// ErrNoThread: no case is attached to the thread.
	ErrNoThread = errors.New("no case is attached to the thread")
	// ErrBadID: an id is empty, longer than 200 bytes, or holds a brace or
	// a line break (a platform name: anything but a-z, 0-9, '-' and '_').
	ErrBadID = errors.New("bad id")
)

// TakenError is returned when another volunteer has the case. It matches
// ErrTaken with errors.Is.
type TakenError struct {
	Volunteer string // who has the case
}

func (e *TakenError) Error() string { return "volunteer " + e.Volunteer + " has the case" }

// Is makes errors.Is(err, ErrTaken) true.
func (e *TakenError) Is(target error) bool { return target == ErrTaken }

// State is where a case stands.
type State string

// States of a case.
const (
	StateWaiting State = "waiting" // filed, nobody has claimed it
	StateClaimed State = "claimed" // a volunteer has it
	StateClosed  State = "closed"  // ended by either side
)

// CaseInfo is what volunteers may know of a case. It never holds the
// person's platform or id: those stay inside this package, to route
// replies.
type CaseInfo struct {
	ID        string
	Lang      string
	Summary   []bot.Line
	Opened    time.Time
	State     State
	Volunteer string    // who claimed it
	Thread    string    // the volunteers' thread, see AttachThread
	Claimed   time.Time // zero until claimed
	Nobody    time.Time // when the person was told nobody took it; zero if not
	Closed    time.Time // zero while open
	Reason    bot.CloseReason
}

// New returns a Desk using client c: a single node, Sentinel or Cluster.
// It loads the scripts and creates the desk stream's consumer group.
func New(ctx context.Context, c redis.UniversalClient, o Options) (*Desk, error) {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Retention <= 0 {
		o.Retention = DefaultRetention
	}
	if o.ClaimTimeout <= 0 {
		o.ClaimTimeout = DefaultClaimTimeout
	}
	if o.IdleClaim <= 0 {
		o.IdleClaim = DefaultIdleClaim
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	d := &Desk{c: c, log: o.Logger, now: o.Now, prefix: o.Prefix + "handoff:", retention: o.Retention,
		claimWait: o.ClaimTimeout, idleClaim: o.IdleClaim,
		minBackoff: 50 * time.Millisecond, maxBackoff: 5 * time.Second,
		block:    min(max(o.IdleClaim/2, 10*time.Millisecond), time.Second),
		markWait: markWait}
	if err := loadScripts(ctx, c); err != nil {
		return nil, fmt.Errorf("load handoff scripts: %w", err)
	}
	if err := d.createGroup(ctx, d.deskKey()); err != nil {
		return nil, err
	}
	return d, nil
}

// Keys; see the package documentation.

func (d *Desk) caseKey(id string) string       { return d.prefix + "case:{" + id + "}" }
func (d *Desk) threadKey(thread string) string { return d.prefix + "thread:" + thread }
func (d *Desk) waitingKey() string             { return d.prefix + "waiting" }
func (d *Desk) deskKey() string                { return d.prefix + "desk" }
func (d *Desk) peopleKey(platform string) string {
	return d.prefix + "people:" + platform
}

// streamOf is the stream key of an entry ref ("d|…" or "p|…").
func (d *Desk) streamOf(ref, platform string) (stream, entry string) {
	kind, entry, _ := strings.Cut(ref, "|")
	if kind == "d" {
		return d.deskKey(), entry
	}
	return d.peopleKey(platform), entry
}

func checkID(what, s string) error {
	if s == "" || len(s) > 200 || strings.ContainsAny(s, "{}\r\n") {
		return fmt.Errorf("%s: %w", what, ErrBadID)
	}
	return nil
}

func checkPlatform(p string) error {
	if p == "" || len(p) > 32 {
		return fmt.Errorf("platform: %w", ErrBadID)
	}
	for _, r := range p {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return fmt.Errorf("platform: %w", ErrBadID)
		}
	}
	return nil
}

func ms(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }

func (d *Desk) ttl() string { return strconv.FormatInt(d.retention.Milliseconds(), 10) }

// run runs a case script: KEYS[1] is the case, ARGV starts with now and the
// retention.
func (d *Desk) run(ctx context.Context, s *redis.Script, caseID string, args ...any) ([]any, error) {
	args = append([]any{ms(d.now()), d.ttl()}, args...)
	res, err := s.Run(ctx, d.c, []string{d.caseKey(caseID)}, args...).Slice()
	if err != nil {
		return nil, err
	}
	if len(res) == 0 {
		return nil, errors.New("empty reply from a handoff script")
	}
	return res, nil
}

func str(res []any, i int) string {
	if i < len(res) {
		s, _ := res[i].(string)
		return s
	}
	return ""
}

// emit adds event ev of a case to a stream and records the entry on the
// case. kind "d" is the desk stream, "p" the person's platform stream.
// extra adds commands to the same round trip. When the case was forgotten
// meanwhile, the entry is deleted again.
func (d *Desk) emit(ctx context.Context, caseID, ev, kind, platform string, values []any, extra func(redis.Pipeliner)) error {
	stream := d.deskKey()
	if kind == "p" {
		stream = d.peopleKey(platform)
	}
	values = append([]any{"ev", ev, "case", caseID}, values...)
	var add *redis.StringCmd
	_, err := d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		if extra != nil {
			extra(p)
		}
		// streams are trimmed by Redis's clock, whatever d.now says
		add = p.XAdd(ctx, &redis.XAddArgs{Stream: stream, MinID: ms(time.Now().Add(-d.retention)), Approx: true, Values: values})
		p.PExpire(ctx, stream, d.retention)
		return nil
	})
	entry, aerr := add.Result()
	if aerr != nil {
		return fmt.Errorf("add %s event: %w", kind, aerr)
	}
	res, rerr := d.run(ctx, recordScript, caseID, ev, kind+"|"+entry)
	if rerr != nil {
		return errors.Join(err, fmt.Errorf("record event: %w", rerr))
	}
	if str(res, 0) == "gone" {
		d.c.XDel(ctx, stream, entry)
	}
	return err
}

// Open implements bot.Desk: it files the case, waiting, and tells the
// volunteers (an opened DeskEvent). Opening a case id that exists changes
// nothing; after a failure, opening it again finishes the job. The
// person's platform and id are kept only to route replies.
func (d *Desk) Open(ctx context.Context, c bot.Case) error {
	if err := checkID("case", c.ID); err != nil {
		return err
	}
	if err := checkPlatform(c.Platform); err != nil {
		return err
	}
	if c.User == "" {
		return fmt.Errorf("user: %w", ErrBadID)
	}
	summary, err := json.Marshal(c.Summary)
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	now := d.now()
	opened := c.Opened
	if opened.IsZero() {
		opened = now
	}
	res, err := d.run(ctx, openScript, c.ID, c.Platform, c.User, c.Lang, summary, ms(opened))
	if err != nil {
		return fmt.Errorf("open case: %w", err)
	}
	index := func(p redis.Pipeliner) {
		p.ZAddNX(ctx, d.waitingKey(), redis.Z{Score: float64(now.UnixMilli()), Member: c.ID})
		p.PExpire(ctx, d.waitingKey(), d.retention)
	}
	if str(res, 0) == "exists" {
		if State(str(res, 1)) == StateWaiting {
			// an earlier Open may have failed before indexing it
			_, err := d.c.Pipelined(ctx, func(p redis.Pipeliner) error { index(p); return nil })
			if err != nil {
				return fmt.Errorf("index case: %w", err)
			}
		}
		return nil
	}
	if err := d.emit(ctx, c.ID, "opened", "d", "", []any{"kind", string(DeskOpened)}, index); err != nil {
		return fmt.Errorf("open case: %w", err)
	}
	d.log.Info("handoff case opened", "case", c.ID)
	return nil
}

// Relay implements bot.Desk: what the person wrote goes to the volunteers
// (a message DeskEvent). Relaying the same id again adds nothing. It
// returns bot.ErrNoCase when the case is not open.
func (d *Desk) Relay(ctx context.Context, caseID, id, text string) error {
	if err := checkID("case", caseID); err != nil {
		return err
	}
	if err := checkID("message", id); err != nil {
		return err
	}
	ev := "m:" + id
	res, err := d.run(ctx, relayScript, caseID, ev, text)
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	switch str(res, 0) {
	case "nocase":
		return bot.ErrNoCase
	case "sent":
		return nil
	}
	thread := str(res, 1)
	err = d.emit(ctx, caseID, ev, "d", "", []any{"kind", string(DeskMessage)}, func(p redis.Pipeliner) {
		if thread != "" {
			p.PExpire(ctx, d.threadKey(thread), d.retention)
		}
	})
	if err != nil {
		return fmt.Errorf("relay: %w", err)
	}
	d.log.Debug("handoff message relayed to volunteers", "case", caseID, "message", id)
	return nil
}

// Close implements bot.Desk: the person's side ends the case and the
// volunteers are told why (a closed DeskEvent). Closing a closed or
// unknown case is not an error. ClosedForgotten also deletes everything
// stored about the case, the text relayed in it included; the volunteers
// get a closed event with that reason (and nothing else) so they can
// delete their thread.
func (d *Desk) Close(ctx context.Context, caseID string, why bot.CloseReason) error {
	if err := checkID("case", caseID); err != nil {
		return err
	}
	switch why {
	case bot.ClosedForgotten:
		return d.forget(ctx, caseID)
	case bot.ClosedCancelled, bot.ClosedEnded:
	default:
		return fmt.Errorf("unknown close reason %q", why)
	}
	res, err := d.run(ctx, closeScript, caseID, string(why))
	if err != nil {
		return fmt.Errorf("close case: %w", err)
	}
	if str(res, 0) != "emit" {
		return nil
	}
	reason := str(res, 1)
	err = d.emit(ctx, caseID, "closed", "d", "", []any{"kind", string(DeskClosed), "reason", reason}, func(p redis.Pipeliner) {
		p.ZRem(ctx, d.waitingKey(), caseID)
	})
	if err != nil {
		return fmt.Errorf("close case: %w", err)
	}
	d.log.Info("handoff case closed", "case", caseID, "reason", reason)
	return nil
}

// forget deletes the case's stream entries, index entries and thread key,
// tells the volunteers, and deletes the case hash last, so that a retry
// after a failure finds what is left.
func (d *Desk) forget(ctx context.Context, caseID string) error {
	res, err := d.run(ctx, forgetScript, caseID)
	if err != nil {
		return fmt.Errorf("forget case: %w", err)
	}
	if str(res, 0) == "none" {
		// nothing stored; it may still sit in the index
		if err := d.c.ZRem(ctx, d.waitingKey(), caseID).Err(); err != nil {
			return fmt.Errorf("forget case: %w", err)
		}
		return nil
	}
	platform, thread := str(res, 1), str(res, 2)
	refs, _ := res[3].([]any)
	entries := map[string][]string{}
	for _, r := range refs {
		s, _ := r.(string)
		stream, entry := d.streamOf(s, platform)
		entries[stream] = append(entries[stream], entry)
	}
	_, err = d.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for stream, ids := range entries {
			p.XDel(ctx, stream, ids...)
		}
		p.ZRem(ctx, d.waitingKey(), caseID)
		if thread != "" {
			p.Del(ctx, d.threadKey(thread))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("forget case: %w", err)
	}
	if str(res, 0) == "emit" {
		// the thread id (no one's data) lets the volunteers' side delete the thread
		err := d.emit(ctx, caseID, "forgotten", "d", "", []any{"kind", string(DeskClosed), "reason", string(bot.ClosedForgotten), "thread", thread}, nil)
		if err != nil {
			return fmt.Errorf("forget case: %w", err)
		}
	}
	if err := d.c.Del(ctx, d.caseKey(caseID)).Err(); err != nil {
		return fmt.Errorf("forget case: %w", err)
	}
	d.log.Info("handoff case forgotten", "case", caseID, "entries", len(refs))
	return nil
}

// caseFields are read by Get and by the consumers, in this order.
var caseFields = []string{"state", "lang", "summary", "opened", "volunteer", "thread", "claimed", "nobody", "closed", "reason", "platform", "user"}

// stored is a case as read from its hash.
type stored struct {
	info           CaseInfo
	platform, user string
	exists         bool
}

func parseCase(id string, vals []any) stored {
	get := func(i int) string { s, _ := vals[i].(string); return s }
	t := func(i int) time.Time {
		n, err := strconv.ParseInt(get(i), 10, 64)
		if err != nil || n == 0 {
			return time.Time{}
		}
		return time.UnixMilli(n)
	}
	s := stored{exists: get(0) != "", platform: get(10), user: get(11)}
	s.info = CaseInfo{ID: id, State: State(get(0)), Lang: get(1), Opened: t(3), Volunteer: get(4), Thread: get(5),
		Claimed: t(6), Nobody: t(7), Closed: t(8), Reason: bot.CloseReason(get(9))}
	if sum := get(2); sum != "" {
		json.Unmarshal([]byte(sum), &s.info.Summary) // written by Open; unreadable means no summary
	}
	return s
}
