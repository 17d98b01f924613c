package discord

import "sync"

// chats runs work for each chat in order, and the work of different chats
// in parallel: a person's taps must be handled one after another, but one
// person waiting for Discord must not hold up anyone else.
type chats struct {
	mu     sync.Mutex
	queues map[string]*queue
	wg     sync.WaitGroup
}

type queue struct{ jobs []func() }

func newChats() *chats { return &chats{queues: map[string]*queue{}} }

// do queues fn for chat; done is closed when it has run.
func (c *chats) do(chat string, fn func()) (done <-chan struct{}) {
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

// run works through one chat's queue; it ends when the queue is empty, so
// idle chats cost nothing.
func (c *chats) run(chat string, q *queue) {
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
