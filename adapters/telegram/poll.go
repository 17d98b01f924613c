package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// poll asks Telegram for updates (long polling) until ctx is done. Each
// update goes to its chat's queue at once — chats in parallel, one chat's
// updates in order — and the offset moves past an update only once it has
// been handled and stored, so an update Polku could not handle (the store
// was down, the process died) comes again. While an update is in hand, the
// offset stays at it; new updates behind it are still fetched (Telegram
// returns the ones in hand too, and they are skipped), so one person whose
// chat Telegram slows down holds up no one else. On shutdown the updates
// in hand are finished first.
func (a *Adapter) poll(ctx context.Context) error {
	// a webhook left behind would make every getUpdates fail with 409
	if _, err := a.api.raw(ctx, "deleteWebhook", tgbotapi.Params{}); err != nil && ctx.Err() == nil {
		a.log.Warn("deleteWebhook failed; polling may be refused", "err", err)
	}
	// Handling must not stop half-way when ctx ends: it gets a context of
	// its own that outlives the signal by a bounded time.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	go func() {
		<-ctx.Done()
		t := time.NewTimer(20 * time.Second)
		defer t.Stop()
		select {
		case <-t.C:
			stopWork() // stuck work: give up rather than never exit
		case <-work.Done():
		}
	}()

	inHand := newTracker()
	failures := 0
	for ctx.Err() == nil {
		offset, busy := inHand.offset()
		timeout := a.o.PollTimeout
		if busy {
			// updates in hand lie at the offset: Telegram answers at once
			timeout = 0
		}
		updates, err := a.getUpdates(ctx, offset, timeout)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if errors.Is(err, ErrUnauthorized) {
				return err
			}
			failures++
			a.log.Warn("getUpdates failed", "attempt", failures, "err", err)
			if !sleep(ctx, min(a.o.MaxBackoff, time.Duration(failures)*time.Second)) {
				break
			}
			continue
		}
		failures = 0
		fresh := 0
		for _, u := range updates {
			if !inHand.take(u.UpdateID) {
				continue // in hand already, or handled
			}
			fresh++
			a.chats.Do(chatOf(u), func() { inHand.finish(u.UpdateID, a.handle(work, u)) })
		}
		if _, busy := inHand.offset(); busy && fresh == 0 {
			// only updates in hand came back: asking again at once would
			// spin, so wait for one to finish, or a little for new ones
			inHand.waitChange(ctx, 500*time.Millisecond)
		}
	}
	a.chats.Wait()
	offset, _ := inHand.offset()
	a.confirm(work, offset)
	return nil
}

// tracker keeps the polled updates that are in hand or handled, to decide
// the offset: the first update not yet handled, or past the last.
type tracker struct {
	mu      sync.Mutex
	pending map[int]bool // in hand (false) or failed, to be fetched again (true)
	done    map[int]bool // handled, but after one still pending
	next    int          // past the last update taken
	changed chan struct{}
	retryAt time.Time // a failed update is fetched again no sooner
}

func newTracker() *tracker {
	return &tracker{pending: map[int]bool{}, done: map[int]bool{}, changed: make(chan struct{}, 1)}
}

// take reports whether update id is new (or failed before) and marks it
// in hand.
func (t *tracker) take(id int) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if failed, ok := t.pending[id]; ok && !failed || t.done[id] || id < t.floor() {
		return false
	}
	if failed := t.pending[id]; failed && time.Now().Before(t.retryAt) {
		return false
	}
	t.pending[id] = false
	t.next = max(t.next, id+1)
	return true
}

func (t *tracker) finish(id int, err error) {
	t.mu.Lock()
	if err != nil {
		// fetched again after a pause: the store may be back by then
		t.pending[id] = true
		t.retryAt = time.Now().Add(time.Second)
	} else {
		delete(t.pending, id)
		t.done[id] = true
		floor := t.floor()
		for d := range t.done {
			if d < floor {
				delete(t.done, d)
			}
		}
	}
	t.mu.Unlock()
	select {
	case t.changed <- struct{}{}:
	default:
	}
}

// floor is the first update not handled: the offset to ask from.
func (t *tracker) floor() int {
	low := t.next
	for id := range t.pending {
		low = min(low, id)
	}
	return low
}

// offset is where to ask from, and whether updates at or after it are
// still in hand (so Telegram will send them again).
func (t *tracker) offset() (offset int, busy bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.floor(), len(t.pending) > 0
}

// waitChange waits until an update finishes, ctx ends, or d passes.
func (t *tracker) waitChange(ctx context.Context, d time.Duration) {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-t.changed:
	case <-ctx.Done():
	case <-timer.C:
	}
}

func (a *Adapter) getUpdates(ctx context.Context, offset int, timeout time.Duration) ([]tgbotapi.Update, error) {
	cfg := tgbotapi.NewUpdate(offset)
	cfg.Timeout = int(timeout.Seconds())
	cfg.AllowedUpdates = allowedUpdates
	resp, err := a.api.request(ctx, 0, cfg)
	if err != nil {
		return nil, err
	}
	var updates []tgbotapi.Update
	if err := json.Unmarshal(resp.Result, &updates); err != nil {
		return nil, err
	}
	return updates, nil
}

// confirm tells Telegram the updates before offset are handled, so a
// restart does not get them again (they would only be recognised as
// duplicates). Best effort: a short call, no waiting for new updates.
func (a *Adapter) confirm(ctx context.Context, offset int) {
	if offset == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cfg := tgbotapi.NewUpdate(offset)
	cfg.Limit, cfg.Timeout = 1, 0
	if _, err := a.api.request(ctx, 0, cfg); err != nil {
		a.log.Debug("could not confirm the last updates", "err", err)
	}
}

// sleep waits d, or until ctx is done; it reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
