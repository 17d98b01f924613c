package handoff

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
)

// WatchUnclaimed tells each person whose case has waited unclaimed longer
// than ClaimTimeout that nobody took it (a HandoffNobody), once per case.
// It looks every ClaimTimeout/10 (at least every second) and returns nil
// when ctx ends. Every replica may run it: each case is told once.
func (d *Desk) WatchUnclaimed(ctx context.Context) error {
	var tick <-chan time.Time
	var stop func()
	if d.tick != nil {
		tick, stop = d.tick()
	} else {
		t := time.NewTicker(max(d.claimWait/10, time.Second))
		tick, stop = t.C, t.Stop
	}
	defer stop()
	for {
		if n, err := d.CheckUnclaimed(ctx); err != nil && ctx.Err() == nil {
			d.log.Warn("handoff watch failed", "err", err, "told", n)
		}
		if d.watched != nil {
			d.watched()
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick:
		}
	}
}

// CheckUnclaimed is one look of WatchUnclaimed: it sends HandoffNobody for
// the cases waiting longer than ClaimTimeout that were not told yet, and
// returns how many it told.
func (d *Desk) CheckUnclaimed(ctx context.Context) (int, error) {
	now := d.now()
	// cases that expired without being claimed or closed leave their id
	d.c.ZRemRangeByScore(ctx, d.waitingKey(), "-inf", ms(now.Add(-d.retention)))
	ids, err := d.c.ZRangeByScore(ctx, d.waitingKey(), &redis.ZRangeBy{Min: "-inf", Max: ms(now.Add(-d.claimWait)), Count: 1000}).Result()
	if err != nil {
		return 0, fmt.Errorf("list waiting cases: %w", err)
	}
	lease := d.idleClaim.Milliseconds()
	told := 0
	for _, id := range ids {
		if checkID("case", id) != nil {
			d.c.ZRem(ctx, d.waitingKey(), id)
			continue
		}
		res, err := d.run(ctx, nobodyScript, id, lease)
		if err != nil {
			return told, fmt.Errorf("check case: %w", err)
		}
		switch str(res, 0) {
		case "gone": // claimed, closed, expired, or told already
			d.c.ZRem(ctx, d.waitingKey(), id)
		case "emit":
			// the id stays in the index until the event is out, so that a
			// watcher sends it again if this one fails
			err := d.emit(ctx, id, "nobody", "p", str(res, 1), []any{"kind", string(bot.HandoffNobody)}, nil)
			if err != nil {
				return told, fmt.Errorf("tell nobody took the case: %w", err)
			}
			d.c.ZRem(ctx, d.waitingKey(), id)
			told++
			d.log.Info("handoff case unclaimed; person told", "case", id)
		}
	}
	return told, nil
}
