package store

import (
	"context"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Updates of different people made at the same moment share one round
// trip: their scripts go to Redis as one pipeline. No update waits for
// others to gather — while one batch is on its way, the updates that
// arrive meanwhile queue, and the first of them sends them all as soon as
// it is back. Alone, an update is sent at once, as it was without batching.
// Fewer round trips mean fewer system calls on both sides, which on a
// machine Redis shares with the bot is most of an update's cost.
type batcher struct {
	mu    sync.Mutex
	queue []*casCall
	busy  bool // a batch is on its way; the next leader will be told
}

// casCall is one update's script, its answer, and whether its goroutine
// should lead (send) the next batch.
type casCall struct {
	ctx  context.Context
	key  string
	args []any
	res  []any
	err  error
	done chan struct{}
	lead chan struct{}
}

// run sends c, alone or with the others waiting, and returns its answer.
func (b *batcher) run(r *Redis, c *casCall) ([]any, error) {
	c.done, c.lead = make(chan struct{}), make(chan struct{})
	b.mu.Lock()
	b.queue = append(b.queue, c)
	leader := !b.busy
	b.busy = true
	b.mu.Unlock()
	if !leader {
		select {
		case <-c.done:
			return c.res, c.err
		case <-c.lead:
		}
	}
	b.send(r)
	<-c.done // sent in the batch just sent
	return c.res, c.err
}

// send sends what is queued as one batch, then passes the lead to the
// first update that queued meanwhile, or ends the busy time.
func (b *batcher) send(r *Redis) {
	b.mu.Lock()
	calls := b.queue
	b.queue = nil
	b.mu.Unlock()
	r.sendBatch(calls)
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.queue) == 0 {
		b.busy = false
		return
	}
	close(b.queue[0].lead)
}

// sendBatch runs the calls' scripts: one alone as before, several in one
// pipeline. A script Redis does not know (restarted, flushed) is run again
// alone, which loads it.
func (r *Redis) sendBatch(calls []*casCall) {
	if len(calls) == 1 {
		c := calls[0]
		c.res, c.err = casScript.Run(c.ctx, r.c, []string{c.key}, c.args...).Slice()
		close(c.done)
		return
	}
	cmds := make([]*redis.Cmd, len(calls))
	// the batch is everyone's: no one caller's cancellation may fail it;
	// the client's timeouts bound it, and each script carries its caller's
	// deadline, after which Redis refuses the write
	ctx := context.WithoutCancel(calls[0].ctx)
	_, _ = r.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, c := range calls {
			cmds[i] = casScript.EvalSha(ctx, p, []string{c.key}, c.args...)
		}
		return nil
	})
	for i, c := range calls {
		c.res, c.err = cmds[i].Slice()
		if c.err != nil && strings.HasPrefix(c.err.Error(), "NOSCRIPT") {
			c.res, c.err = casScript.Run(c.ctx, r.c, []string{c.key}, c.args...).Slice()
		}
		close(c.done)
	}
}
