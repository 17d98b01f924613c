package handoff

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"polku/bot"
	"polku/internal/syncbuf"
)

func TestDeskEvents(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	events, _ := deskEvents(t, d, "discord-1")
	c := testCase("c1", "telegram", "tg-1")

	mustOpen(t, d, c)
	mustOpen(t, d, c) // opening it again adds nothing
	for range 2 {     // nor does relaying the same message again
		if err := d.Relay(ctx, "c1", "u1", "hello"); err != nil {
			t.Fatalf("Relay = %v", err)
		}
	}
	if err := d.Relay(ctx, "c1", "u2", "are you there"); err != nil {
		t.Fatalf("Relay = %v", err)
	}
	if err := d.Close(ctx, "c1", bot.ClosedCancelled); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := d.Close(ctx, "c1", bot.ClosedCancelled); err != nil {
		t.Fatalf("Close again = %v", err)
	}
	if err := d.Relay(ctx, "c1", "u3", "late"); !errors.Is(err, bot.ErrNoCase) {
		t.Errorf("Relay after Close = %v, want bot.ErrNoCase", err)
	}

	// the closed event comes last, so anything doubled would show before it
	type seen struct {
		ID     string
		Kind   DeskKind
		Text   string
		Reason bot.CloseReason
	}
	want := []seen{
		{"c1/opened", DeskOpened, "", ""},
		{"c1/m:u1", DeskMessage, "hello", ""},
		{"c1/m:u2", DeskMessage, "are you there", ""},
		{"c1/closed", DeskClosed, "", bot.ClosedCancelled},
	}
	for i, w := range want {
		e := next(t, events)
		if got := (seen{e.ID, e.Kind, e.Text, e.Reason}); got != w {
			t.Errorf("event %d = %+v, want %+v", i, got, w)
		}
		if e.Case.ID != "c1" || !reflect.DeepEqual(e.Case.Summary, c.Summary) || e.Case.Lang != "fi" {
			t.Errorf("event %d case = %+v, want c1 with its summary", i, e.Case)
		}
	}
	info, err := d.Get(ctx, "c1")
	if err != nil || info.State != StateClosed || info.Reason != bot.ClosedCancelled || info.Closed.IsZero() {
		t.Errorf("Get = %+v, %v; want closed, cancelled", info, err)
	}
}

func TestRelayNoCase(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	if err := d.Relay(ctx, "nope", "u1", "hi"); !errors.Is(err, bot.ErrNoCase) {
		t.Errorf("Relay(unknown) = %v, want bot.ErrNoCase", err)
	}
	if err := d.Close(ctx, "nope", bot.ClosedEnded); err != nil {
		t.Errorf("Close(unknown) = %v, want nil", err)
	}
	if err := d.Close(ctx, "nope", bot.ClosedForgotten); err != nil {
		t.Errorf("Close(unknown, forgotten) = %v, want nil", err)
	}
}

func TestVolunteerErrors(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	mustOpen(t, d, testCase("waiting", "telegram", "u1"))
	mustOpen(t, d, testCase("claimed", "telegram", "u2"))
	mustOpen(t, d, testCase("closed", "telegram", "u3"))
	mustOpen(t, d, testCase("ended", "telegram", "u4"))
	for _, id := range []string{"claimed", "ended"} {
		if _, err := d.Claim(ctx, id, "anna"); err != nil {
			t.Fatalf("Claim(%s) = %v", id, err)
		}
	}
	if err := d.End(ctx, "ended", "anna"); err != nil {
		t.Fatalf("End = %v", err)
	}
	if err := d.Close(ctx, "closed", bot.ClosedCancelled); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"claim unknown", func() error { _, err := d.Claim(ctx, "unknown", "anna"); return err }, ErrClosed},
		{"claim closed", func() error { _, err := d.Claim(ctx, "closed", "anna"); return err }, ErrClosed},
		{"claim ended", func() error { _, err := d.Claim(ctx, "ended", "anna"); return err }, ErrClosed},
		{"claim taken", func() error { _, err := d.Claim(ctx, "claimed", "ben"); return err }, ErrTaken},
		{"claim own again", func() error { _, err := d.Claim(ctx, "claimed", "anna"); return err }, nil},
		{"say before claim", func() error { return d.Say(ctx, "waiting", "anna", "m1", "hi") }, ErrNotClaimed},
		{"say by another", func() error { return d.Say(ctx, "claimed", "ben", "m1", "hi") }, ErrTaken},
		{"say closed", func() error { return d.Say(ctx, "closed", "anna", "m1", "hi") }, ErrClosed},
		{"say ended", func() error { return d.Say(ctx, "ended", "anna", "m1", "hi") }, ErrClosed},
		{"say unknown", func() error { return d.Say(ctx, "unknown", "anna", "m1", "hi") }, ErrClosed},
		{"end waiting", func() error { return d.End(ctx, "waiting", "anna") }, ErrNotClaimed},
		{"end by another", func() error { return d.End(ctx, "claimed", "ben") }, ErrTaken},
		{"end closed by person", func() error { return d.End(ctx, "closed", "anna") }, ErrClosed},
		{"end again", func() error { return d.End(ctx, "ended", "anna") }, nil},
		{"attach unknown", func() error { return d.AttachThread(ctx, "unknown", "t1") }, ErrClosed},
		{"get unknown", func() error { _, err := d.Get(ctx, "unknown"); return err }, ErrClosed},
		{"thread unknown", func() error { _, err := d.CaseByThread(ctx, "t-none"); return err }, ErrNoThread},
		{"case id with brace", func() error { _, err := d.Claim(ctx, "a{b}", "anna"); return err }, ErrBadID},
		{"empty message id", func() error { return d.Relay(ctx, "waiting", "", "hi") }, ErrBadID},
		{"bad platform", func() error { return d.Open(ctx, testCase("x", "Tele gram", "u")) }, ErrBadID},
		{"no user", func() error { return d.Open(ctx, testCase("x", "telegram", "")) }, ErrBadID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
	var te *TakenError
	if _, err := d.Claim(ctx, "claimed", "ben"); !errors.As(err, &te) || te.Volunteer != "anna" {
		t.Errorf("Claim(taken) = %v, want a TakenError naming anna", err)
	}
}

func TestClaimRace(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	mustOpen(t, d, testCase("race", "telegram", "u1"))
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	startLine := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-startLine
			_, errs[i] = d.Claim(ctx, "race", fmt.Sprintf("vol%d", i))
		})
	}
	close(startLine)
	wg.Wait()
	won, taken := -1, 0
	for i, err := range errs {
		switch {
		case err == nil:
			if won >= 0 {
				t.Errorf("vol%d and vol%d both claimed the case", won, i)
			}
			won = i
		case errors.Is(err, ErrTaken):
			taken++
		default:
			t.Errorf("Claim by vol%d = %v", i, err)
		}
	}
	if won < 0 || taken != n-1 {
		t.Fatalf("%d won, %d taken; want 1 and %d", min(won+1, 1), taken, n-1)
	}
	info, err := d.Get(ctx, "race")
	if err != nil || info.State != StateClaimed || info.Volunteer != fmt.Sprintf("vol%d", won) || info.Claimed.IsZero() {
		t.Errorf("Get = %+v, %v; want claimed by vol%d", info, err, won)
	}
	// the person hears of it once
	people, _ := peopleEvents(t, d, "telegram", "tg-1")
	if e := next(t, people); e.Kind != bot.HandoffClaimed || e.Case != "race" || e.User != "u1" {
		t.Errorf("people event = %+v, want claimed for u1", e)
	}
	if err := d.End(ctx, "race", fmt.Sprintf("vol%d", won)); err != nil {
		t.Fatal(err)
	}
	if e := next(t, people); e.Kind != bot.HandoffEnded {
		t.Errorf("people event = %+v, want ended (one claimed only)", e)
	}
}

func TestPeopleEvents(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	tg, _ := peopleEvents(t, d, "telegram", "tg-1")
	dc, _ := peopleEvents(t, d, "discord", "dc-1")
	mustOpen(t, d, testCase("t", "telegram", "tg-user"))
	mustOpen(t, d, testCase("d", "discord", "dc-user"))
	if _, err := d.Claim(ctx, "t", "anna"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Claim(ctx, "d", "ben"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		id := fmt.Sprint(i)
		if err := d.Say(ctx, "t", "anna", id, "to tg "+id); err != nil {
			t.Fatalf("Say = %v", err)
		}
		if err := d.Say(ctx, "t", "anna", id, "to tg "+id); err != nil { // a retry
			t.Fatalf("Say again = %v", err)
		}
		if err := d.Say(ctx, "d", "ben", id, "to dc "+id); err != nil {
			t.Fatalf("Say = %v", err)
		}
	}
	for _, c := range []struct{ id, vol string }{{"t", "anna"}, {"d", "ben"}} {
		if err := d.End(ctx, c.id, c.vol); err != nil {
			t.Fatalf("End = %v", err)
		}
	}
	type seen struct {
		Kind           bot.HandoffKind
		Case, Platform string
		User, Text, ID string
	}
	for _, p := range []struct {
		ch                 <-chan bot.HandoffEvent
		id, platform, user string
		dest               string
	}{{tg, "t", "telegram", "tg-user", "tg"}, {dc, "d", "discord", "dc-user", "dc"}} {
		want := []seen{{bot.HandoffClaimed, p.id, p.platform, p.user, "", p.id + "/claimed"}}
		for i := range 3 {
			want = append(want, seen{bot.HandoffMessage, p.id, p.platform, p.user, fmt.Sprintf("to %s %d", p.dest, i), fmt.Sprintf("%s/s:%d", p.id, i)})
		}
		want = append(want, seen{bot.HandoffEnded, p.id, p.platform, p.user, "", p.id + "/ended"})
		for i, w := range want {
			e := next(t, p.ch)
			if got := (seen{e.Kind, e.Case, e.Platform, e.User, e.Text, e.ID}); got != w {
				t.Errorf("%s event %d = %+v, want %+v", p.platform, i, got, w)
			}
		}
	}
	info, err := d.Get(ctx, "t")
	if err != nil || info.State != StateClosed || info.Reason != ClosedByVolunteer {
		t.Errorf("Get = %+v, %v; want closed by the volunteer", info, err)
	}
}

func TestThreads(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	mustOpen(t, d, testCase("c", "telegram", "u"))
	if err := d.AttachThread(ctx, "c", "t1"); err != nil {
		t.Fatal(err)
	}
	if info, err := d.CaseByThread(ctx, "t1"); err != nil || info.ID != "c" || info.Thread != "t1" {
		t.Errorf("CaseByThread(t1) = %+v, %v; want case c", info, err)
	}
	if err := d.AttachThread(ctx, "c", "t2"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CaseByThread(ctx, "t1"); !errors.Is(err, ErrNoThread) {
		t.Errorf("CaseByThread(replaced thread) = %v, want ErrNoThread", err)
	}
	if info, err := d.CaseByThread(ctx, "t2"); err != nil || info.ID != "c" {
		t.Errorf("CaseByThread(t2) = %+v, %v; want case c", info, err)
	}
}

// deliveries counts what a consumer's fn did, by event id.
type deliveries struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *deliveries) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[id]++
}

func (c *deliveries) get(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

func (c *deliveries) check(t *testing.T, ids ...string) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, id := range ids {
		if c.n[id] != 1 {
			t.Errorf("%s delivered %d times, want once", id, c.n[id])
		}
	}
	if len(c.n) != len(ids) {
		t.Errorf("delivered %v, want exactly %v once each", c.n, ids)
	}
}

var errCrash = errors.New("process killed")

func TestExactlyOnceAcrossKill(t *testing.T) {
	ctx := context.Background()

	t.Run("killed in fn before its effect", func(t *testing.T) {
		d := newDesk(t, sharedClient(t), Options{})
		var got deliveries
		inFn := make(chan string, 10)
		first := start(t, func(ctx context.Context) error {
			return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
				inFn <- e.ID
				<-ctx.Done() // killed before sending anything
				return ctx.Err()
			})
		})
		mustOpen(t, d, testCase("k", "telegram", "u"))
		if id := next(t, inFn); id != "k/opened" {
			t.Fatalf("first event = %s", id)
		}
		if err := first.stop(t); err != nil {
			t.Fatalf("ConsumeDesk = %v after ctx ended, want nil", err)
		}
		if err := d.Relay(ctx, "k", "u1", "hi"); err != nil {
			t.Fatal(err)
		}
		done := make(chan string, 10)
		start(t, func(ctx context.Context) error { // the restart, same name
			return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
				got.add(e.ID)
				done <- e.ID
				return nil
			})
		})
		next(t, done)
		if id := next(t, done); id != "k/m:u1" {
			t.Fatalf("second event = %s, want k/m:u1", id)
		}
		got.check(t, "k/opened", "k/m:u1")
	})

	t.Run("dead consumer taken over", func(t *testing.T) {
		d := newDesk(t, sharedClient(t), Options{IdleClaim: 100 * time.Millisecond})
		var got deliveries
		stuck, release := make(chan string, 1), make(chan struct{})
		dead := start(t, func(ctx context.Context) error {
			return d.ConsumePeople(ctx, "telegram", "tg-dead", func(ctx context.Context, e bot.HandoffEvent) error {
				stuck <- e.ID
				<-release // hangs, as a process that died holding the event
				return errCrash
			})
		})
		mustOpen(t, d, testCase("k", "telegram", "u"))
		if _, err := d.Claim(ctx, "k", "anna"); err != nil {
			t.Fatal(err)
		}
		if id := next(t, stuck); id != "k/claimed" {
			t.Fatalf("stuck on %s", id)
		}
		done := make(chan string, 10)
		start(t, func(ctx context.Context) error {
			return d.ConsumePeople(ctx, "telegram", "tg-alive", func(ctx context.Context, e bot.HandoffEvent) error {
				got.add(e.ID)
				done <- e.ID
				return nil
			})
		})
		if id := next(t, done); id != "k/claimed" {
			t.Fatalf("taken over %s, want k/claimed", id)
		}
		dead.cancel() // it dies, and only then lets go
		close(release)
		if err := dead.stop(t); err != nil {
			t.Fatalf("ConsumePeople = %v, want nil", err)
		}
		if err := d.Say(ctx, "k", "anna", "m1", "hi"); err != nil {
			t.Fatal(err)
		}
		if id := next(t, done); id != "k/s:m1" {
			t.Fatalf("next = %s, want k/s:m1", id)
		}
		got.check(t, "k/claimed", "k/s:m1")
	})

	t.Run("killed after fn, before ack", func(t *testing.T) {
		d := newDesk(t, sharedClient(t), Options{})
		var got deliveries
		var once sync.Once
		d.afterMark = func(stream, entry string) error {
			err := error(nil)
			once.Do(func() { err = errCrash })
			return err
		}
		consume := func(ctx context.Context) error {
			return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
				got.add(e.ID)
				return nil
			})
		}
		mustOpen(t, d, testCase("k", "telegram", "u"))
		if err := consume(ctx); !errors.Is(err, errCrash) {
			t.Fatalf("ConsumeDesk = %v, want the crash", err)
		}
		if n := got.get("k/opened"); n != 1 {
			t.Fatalf("delivered %d times before the crash, want 1", n)
		}
		pending, err := d.c.XPending(ctx, d.deskKey(), group).Result()
		if err != nil || pending.Count != 1 {
			t.Fatalf("XPENDING = %+v, %v; want the entry pending", pending, err)
		}
		done := make(chan string, 10)
		restarted := start(t, func(ctx context.Context) error {
			return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
				got.add(e.ID)
				done <- e.ID
				return nil
			})
		})
		if err := d.Relay(ctx, "k", "u1", "hi"); err != nil {
			t.Fatal(err)
		}
		if id := next(t, done); id != "k/m:u1" {
			t.Fatalf("after restart got %s first, want k/m:u1", id)
		}
		if err := restarted.stop(t); err != nil { // it finishes what it started
			t.Fatal(err)
		}
		got.check(t, "k/opened", "k/m:u1")
		if pending, err := d.c.XPending(ctx, d.deskKey(), group).Result(); err != nil || pending.Count != 0 {
			t.Errorf("XPENDING = %+v, %v; want nothing pending", pending, err)
		}
	})

	t.Run("event added twice", func(t *testing.T) {
		// a Relay that failed after XADD and was retried adds its event again
		d := newDesk(t, sharedClient(t), Options{})
		mustOpen(t, d, testCase("k", "telegram", "u"))
		if err := d.Relay(ctx, "k", "u1", "hi"); err != nil {
			t.Fatal(err)
		}
		if err := d.c.HSet(ctx, d.caseKey("k"), "o:m:u1", "-1").Err(); err != nil {
			t.Fatal(err) // as if the entry had not been recorded
		}
		if err := d.Relay(ctx, "k", "u1", "hi"); err != nil {
			t.Fatal(err)
		}
		if n, _ := d.c.XLen(ctx, d.deskKey()).Result(); n != 3 {
			t.Fatalf("desk stream holds %d entries, want 3 (opened, the message twice)", n)
		}
		if err := d.Close(ctx, "k", bot.ClosedEnded); err != nil {
			t.Fatal(err)
		}
		var got deliveries
		done := make(chan string, 10)
		start(t, func(ctx context.Context) error {
			return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
				got.add(e.ID)
				done <- e.ID
				return nil
			})
		})
		for id := ""; id != "k/closed"; {
			id = next(t, done)
		}
		got.check(t, "k/opened", "k/m:u1", "k/closed")
	})

	t.Run("fn fails, then succeeds", func(t *testing.T) {
		d := newDesk(t, sharedClient(t), Options{})
		var got deliveries
		failures := make(chan error, 10)
		d.fnAttempt = func(_, _ string, err error) { failures <- err }
		fails := 2
		done := make(chan string, 10)
		start(t, func(ctx context.Context) error {
			return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
				if fails > 0 {
					fails--
					return errors.New("discord is down")
				}
				got.add(e.ID)
				done <- e.ID
				return nil
			})
		})
		mustOpen(t, d, testCase("k", "telegram", "u"))
		next(t, failures)
		next(t, failures)
		if id := next(t, done); id != "k/opened" {
			t.Fatalf("got %s", id)
		}
		got.check(t, "k/opened")
	})
}

func TestRedisRestart(t *testing.T) {
	ctx := context.Background()
	srv := redisServer(t)
	logs := &syncbuf.Buffer{}
	outage := make(chan struct{}, 10)
	d := newDesk(t, srv.Client(t), Options{Logger: slog.New(&signalHandler{
		Handler: slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}),
		msg:     "handoff consumer cannot reach redis; retrying", c: outage})})
	d.markWait = time.Nanosecond // only after ctx ends: an outage must not stop a consumer
	var desk, people deliveries
	deskDone, peopleDone := make(chan string, 100), make(chan string, 100)
	inFn, release := make(chan struct{}), make(chan struct{})
	start(t, func(ctx context.Context) error {
		return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
			if e.ID == "k/m:3" {
				close(inFn)
				<-release // Redis dies while this is being delivered
			}
			desk.add(e.ID)
			deskDone <- e.ID
			return nil
		})
	})
	start(t, func(ctx context.Context) error {
		return d.ConsumePeople(ctx, "telegram", "tg-1", func(ctx context.Context, e bot.HandoffEvent) error {
			people.add(e.ID)
			peopleDone <- e.ID
			return nil
		})
	})
	// callers retry until Redis answers, as the engine and adapters would
	// (Redis is back before they run: only connections it dropped fail)
	retry := func(f func() error) {
		t.Helper()
		var err error
		for range 100 {
			if err = f(); err == nil {
				return
			}
		}
		t.Fatalf("redis never came back: %v", err)
	}
	mustOpen(t, d, testCase("k", "telegram", "u"))
	retry(func() error { _, err := d.Claim(ctx, "k", "anna"); return err })
	wantDesk, wantPeople := []string{"k/opened"}, []string{"k/claimed"}
	for i := range 6 {
		if i == 4 {
			<-inFn
			srv.Kill()
			close(release) // delivered; now it cannot record that
			select {
			case <-outage:
			case <-time.After(10 * time.Second):
				t.Fatalf("no outage logged:\n%s", logs)
			}
			srv.Restart()
		}
		id := fmt.Sprint(i)
		retry(func() error { return d.Relay(ctx, "k", id, "to volunteers "+id) })
		retry(func() error { return d.Say(ctx, "k", "anna", id, "to person "+id) })
		wantDesk = append(wantDesk, "k/m:"+id)
		wantPeople = append(wantPeople, "k/s:"+id)
	}
	for range wantDesk {
		next(t, deskDone)
	}
	for range wantPeople {
		next(t, peopleDone)
	}
	// the last events come last; anything doubled came before them
	desk.check(t, wantDesk...)
	people.check(t, wantPeople...)
	if !strings.Contains(logs.String(), "reaches redis again") {
		t.Errorf("consumers did not log the end of the outage:\n%s", logs)
	}
}

func TestWatchUnclaimed(t *testing.T) {
	ctx := context.Background()
	now := newClock()
	d := newDesk(t, sharedClient(t), Options{ClaimTimeout: 15 * time.Minute, Now: now.Now})
	watchers := []*testDesk{d, d.replica(t)}
	ticks := make([]chan time.Time, len(watchers))
	passes := make(chan struct{}, 100)
	for i, w := range watchers {
		ticks[i] = make(chan time.Time)
		w.tick = func() (<-chan time.Time, func()) { return ticks[i], func() {} }
		w.watched = func() { passes <- struct{}{} }
		start(t, w.WatchUnclaimed)
	}
	// every watcher makes a pass on start, and one per tick
	pass := func() {
		t.Helper()
		for _, tick := range ticks {
			tick <- now.Now()
		}
		for range ticks {
			next(t, passes)
		}
	}
	for range ticks {
		next(t, passes)
	}
	people, _ := peopleEvents(t, d, "telegram", "tg-1")
	mustOpen(t, d, testCase("early", "telegram", "u1"))
	now.Add(10 * time.Minute)
	mustOpen(t, d, testCase("late", "telegram", "u2"))
	mustOpen(t, d, testCase("taken", "telegram", "u3"))
	if _, err := d.Claim(ctx, "taken", "anna"); err != nil {
		t.Fatal(err)
	}
	if e := next(t, people); e.ID != "taken/claimed" {
		t.Fatalf("event %s, want taken/claimed", e.ID)
	}
	pass()
	now.Add(6 * time.Minute) // early has waited 16 minutes, late 6
	for range 3 {
		pass()
	}
	if e := next(t, people); e.Kind != bot.HandoffNobody || e.Case != "early" || e.User != "u1" {
		t.Fatalf("event %+v, want nobody for early", e)
	}
	if info, _ := d.Get(ctx, "early"); info.State != StateWaiting || info.Nobody.IsZero() {
		t.Errorf("Get(early) = %+v, want still waiting, nobody told", info)
	}
	// the person may wait on, and a volunteer may still come
	if _, err := d.Claim(ctx, "early", "anna"); err != nil {
		t.Fatalf("Claim after nobody = %v", err)
	}
	if e := next(t, people); e.ID != "early/claimed" {
		t.Fatalf("event %s, want early/claimed (nobody told once)", e.ID)
	}
	now.Add(10 * time.Minute)
	pass()
	pass()
	if e := next(t, people); e.ID != "late/nobody" {
		t.Fatalf("event %s, want late/nobody", e.ID)
	}
	if err := d.Close(ctx, "late", bot.ClosedCancelled); err != nil {
		t.Fatal(err)
	}
	pass()
	if n, err := d.c.ZCard(ctx, d.waitingKey()).Result(); err != nil || n != 0 {
		t.Errorf("waiting index holds %d, %v; want nothing", n, err)
	}
}

func TestForget(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	const secret = "canary-forget-7f3a"
	mustOpen(t, d, bot.Case{ID: "f", Platform: "telegram", User: "tg-42", Lang: "fi", Summary: []bot.Line{{Label: "Worry", Value: secret}}})
	mustOpen(t, d, testCase("other", "telegram", "tg-43"))
	if err := d.AttachThread(ctx, "f", "thread-f"); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := d.Relay(ctx, "f", fmt.Sprint(i), secret); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.Claim(ctx, "f", "anna"); err != nil {
		t.Fatal(err)
	}
	if err := d.Say(ctx, "f", "anna", "s1", secret); err != nil {
		t.Fatal(err)
	}
	if err := d.Relay(ctx, "other", "o1", "kept"); err != nil {
		t.Fatal(err)
	}
	// everything expires
	keys := keysOf(t, d.c, d.prefix)
	if len(keys) < 6 { // two cases, thread, waiting, desk, people
		t.Errorf("keys = %v, want at least 6", keys)
	}
	for _, k := range keys {
		ttl, err := d.c.PTTL(ctx, k).Result()
		if err != nil || ttl <= 0 || ttl > d.retention {
			t.Errorf("PTTL %s = %v, %v; want (0, %v]", k, ttl, err, d.retention)
		}
	}

	if err := d.Close(ctx, "f", bot.ClosedForgotten); err != nil {
		t.Fatalf("Close(forgotten) = %v", err)
	}
	if err := d.Close(ctx, "f", bot.ClosedForgotten); err != nil {
		t.Fatalf("Close(forgotten) again = %v", err)
	}
	for _, k := range keysOf(t, d.c, d.prefix) {
		if strings.Contains(k, "{f}") || strings.Contains(k, "thread-f") {
			t.Errorf("key %s remains", k)
		}
		if v := valuesOf(t, d.c, k); strings.Contains(v, secret) || strings.Contains(v, "tg-42") {
			t.Errorf("key %s still holds what the person shared: %s", k, v)
		}
	}
	entriesOf := func(stream string) []string {
		msgs, err := d.c.XRange(ctx, stream, "-", "+").Result()
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for _, m := range msgs {
			if m.Values["case"] == "f" {
				found = append(found, fmt.Sprintf("%v", m.Values))
			}
		}
		return found
	}
	if got := entriesOf(d.peopleKey("telegram")); len(got) != 0 {
		t.Errorf("people stream still holds %v", got)
	}
	if got := entriesOf(d.deskKey()); len(got) != 1 || !strings.Contains(got[0], "reason:forgotten") || strings.Contains(got[0], secret) {
		t.Errorf("desk stream holds %v, want only the forgotten event", got)
	}
	if _, err := d.Get(ctx, "f"); !errors.Is(err, ErrClosed) {
		t.Errorf("Get(forgotten) = %v, want ErrClosed", err)
	}

	// the volunteers learn it, with nothing else, and then it goes too
	events, _ := deskEvents(t, d, "dc-1")
	want := []string{"other/opened", "other/m:o1", "f/forgotten"}
	for _, w := range want {
		e := next(t, events)
		if e.ID != w {
			t.Fatalf("event %s, want %s", e.ID, w)
		}
		// the thread, to delete it; nothing of the person
		if e.ID == "f/forgotten" && (e.Kind != DeskClosed || e.Reason != bot.ClosedForgotten || !reflect.DeepEqual(e.Case, CaseInfo{ID: "f", State: StateClosed, Reason: bot.ClosedForgotten, Thread: "thread-f"})) {
			t.Errorf("forgotten event = %+v", e)
		}
	}
	if err := d.Close(ctx, "other", bot.ClosedEnded); err != nil { // a barrier: its event follows the XDEL
		t.Fatal(err)
	}
	if e := next(t, events); e.ID != "other/closed" {
		t.Fatalf("event %s, want other/closed", e.ID)
	}
	if got := entriesOf(d.deskKey()); len(got) != 0 {
		t.Errorf("desk stream holds %v after the forgotten event was handled", got)
	}
	for _, k := range keysOf(t, d.c, d.prefix) {
		if strings.Contains(k, "{f}") {
			t.Errorf("key %s came back", k)
		}
	}
}

func TestLogsCarryNoText(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	const canary = "CANARY-5e1b-do-not-log"
	failed := false
	done := make(chan struct{}, 10)
	start(t, func(ctx context.Context) error {
		return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
			if e.Kind == DeskMessage && !failed {
				failed = true
				return fmt.Errorf("discord refused %q", e.Text) // an adapter careless with its errors
			}
			done <- struct{}{}
			return nil
		})
	})
	start(t, func(ctx context.Context) error {
		return d.ConsumePeople(ctx, "telegram", "tg-1", func(ctx context.Context, e bot.HandoffEvent) error {
			if e.Kind == bot.HandoffMessage {
				return fmt.Errorf("telegram refused %q for %s: %w", e.Text, e.User, bot.ErrNoCase)
			}
			done <- struct{}{}
			return nil
		})
	})
	mustOpen(t, d, bot.Case{ID: "c", Platform: "telegram", User: canary + "-user", Summary: []bot.Line{{Label: "Worry", Value: canary + "-summary"}}})
	if err := d.Relay(ctx, "c", "1", canary+"-relayed"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Claim(ctx, "c", "anna"); err != nil {
		t.Fatal(err)
	}
	if err := d.Say(ctx, "c", "anna", "2", canary+"-said"); err != nil {
		t.Fatal(err)
	}
	if err := d.End(ctx, "c", "anna"); err != nil {
		t.Fatal(err)
	}
	for range 4 { // opened, the message (second try), claimed, ended
		next(t, done)
	}
	logs := d.logs.String()
	if !strings.Contains(logs, "handoff delivery failed") {
		t.Errorf("logs lack the failed delivery:\n%s", logs)
	}
	if strings.Contains(logs, "CANARY") {
		t.Errorf("logs hold what people wrote or shared:\n%s", logs)
	}
}

func TestTextKeptUntilDelivered(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	mustOpen(t, d, testCase("c", "telegram", "u"))
	if err := d.Relay(ctx, "c", "1", "private words"); err != nil {
		t.Fatal(err)
	}
	if v := valuesOf(t, d.c, d.deskKey()); strings.Contains(v, "private words") {
		t.Errorf("the desk stream holds the text: %s", v)
	}
	if v, err := d.c.HGet(ctx, d.caseKey("c"), "t:m:1").Result(); err != nil || v != "private words" {
		t.Fatalf("text kept = %q, %v; want it kept until delivered", v, err)
	}
	events, consumer := deskEvents(t, d, "dc-1")
	next(t, events)
	if e := next(t, events); e.Text != "private words" {
		t.Fatalf("event = %+v, want the text", e)
	}
	if err := consumer.stop(t); err != nil {
		t.Fatal(err)
	}
	if n, err := d.c.HExists(ctx, d.caseKey("c"), "t:m:1").Result(); err != nil || n {
		t.Errorf("text still kept after delivery (%v)", err)
	}
}

func TestNobodyAfterClaimDropped(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	mustOpen(t, d, testCase("c", "telegram", "u"))
	if _, err := d.Claim(ctx, "c", "anna"); err != nil {
		t.Fatal(err)
	}
	// a watcher that reserved the event before the claim adds it after
	if err := d.emit(ctx, "c", "nobody", "p", "telegram", []any{"kind", string(bot.HandoffNobody)}, nil); err != nil {
		t.Fatal(err)
	}
	if err := d.Say(ctx, "c", "anna", "1", "hi"); err != nil {
		t.Fatal(err)
	}
	people, _ := peopleEvents(t, d, "telegram", "tg-1")
	for _, want := range []string{"c/claimed", "c/s:1"} {
		if e := next(t, people); e.ID != want {
			t.Errorf("event %s, want %s", e.ID, want)
		}
	}
}

func TestForgottenWhilePending(t *testing.T) {
	ctx := context.Background()
	d := newDesk(t, sharedClient(t), Options{})
	inFn := make(chan string, 10)
	first := start(t, func(ctx context.Context) error {
		return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
			inFn <- e.ID
			<-ctx.Done()
			return ctx.Err()
		})
	})
	mustOpen(t, d, testCase("c", "telegram", "u"))
	next(t, inFn)
	if err := first.stop(t); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(ctx, "c", bot.ClosedForgotten); err != nil {
		t.Fatal(err)
	}
	var got deliveries
	done := make(chan string, 10)
	restarted := start(t, func(ctx context.Context) error {
		return d.ConsumeDesk(ctx, "dc-1", func(ctx context.Context, e DeskEvent) error {
			got.add(e.ID)
			done <- e.ID
			return nil
		})
	})
	if id := next(t, done); id != "c/forgotten" {
		t.Errorf("event %s, want c/forgotten (the pending opened event was deleted)", id)
	}
	if err := restarted.stop(t); err != nil {
		t.Fatal(err)
	}
	got.check(t, "c/forgotten")
	if p, err := d.c.XPending(ctx, d.deskKey(), group).Result(); err != nil || p.Count != 0 {
		t.Errorf("XPENDING = %+v, %v; want nothing pending", p, err)
	}
	if n, err := d.c.XLen(ctx, d.deskKey()).Result(); err != nil || n != 0 {
		t.Errorf("desk stream holds %d entries (%v), want none", n, err)
	}
}
