package telegram

import "sync"

// chats runs work for each chat in order, and the work of different chats
// in parallel: a person's taps must be handled one after another, but one
// person waiting for Telegram must not hold up anyone else.
type chats struct {
	mu     sync.Mutex
	queues map[int64]*queue
	wg     sync.WaitGroup
}

type queue struct{ jobs []func() }

func newChats() *chats { return &chats{queues: map[int64]*queue{}} }

// do queues fn for chat; done is closed when it has run.
func (c *chats) do(chat int64, fn func()) (done <-chan struct{}) {
	d := make(chan struct{})
	job := func() { defer close(d); fn() }
	c.mu.Lock()
	q, running := c.queues[chat]
	if !running {
		q = &queue{}
		c.queues[chat] = q
	}
	q.jobs = append(q.jobs, job)
	c.mu.Unlock()
	if !running {
		c.wg.Add(1)
		go c.run(chat, q)
	}
	return d
}

// runNow runs fn for chat in the caller's goroutine when nothing of the
// chat is queued or running (the common case: no new goroutine, no hand-
// off), and otherwise queues it behind the chat's work and waits for it.
// Work queued for the chat meanwhile is then run here too, in order.
func (c *chats) runNow(chat int64, fn func()) {
	c.mu.Lock()
	if q, busy := c.queues[chat]; busy {
		d := make(chan struct{})
		q.jobs = append(q.jobs, func() { defer close(d); fn() })
		c.mu.Unlock()
		<-d
		return
	}
	q := &queue{}
	c.queues[chat] = q
	c.wg.Add(1)
	c.mu.Unlock()
	fn()
	c.run(chat, q)
}

// run works through one chat's queue; it ends when the queue is empty, so
// idle chats cost nothing.
func (c *chats) run(chat int64, q *queue) {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		if len(q.jobs) == 0 {
			delete(c.queues, chat)
			c.mu.Unlock()
			return
		}
		job := q.jobs[0]
		q.jobs = q.jobs[1:]
		c.mu.Unlock()
		job()
	}
}

// wait returns once all queued work has run.
func (c *chats) wait() { c.wg.Wait() }
