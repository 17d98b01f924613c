// Package chatqueue runs work for each chat in order, and the work of
// different chats in parallel: a person's taps must be handled one after
// another, but one person waiting for the platform must not hold up anyone
// else. The platform adapters share it.
package chatqueue

import "sync"

// Queues holds a queue per chat with work in hand; an idle chat costs
// nothing. The zero value is not usable: call New.
type Queues[K comparable] struct {
	mu     sync.Mutex
	queues map[K]*queue
	wg     sync.WaitGroup
}

type queue struct{ jobs []func() }

// New returns empty queues.
func New[K comparable]() *Queues[K] { return &Queues[K]{queues: map[K]*queue{}} }

// Do queues fn for chat; done is closed when it has run.
func (c *Queues[K]) Do(chat K, fn func()) (done <-chan struct{}) {
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

// RunNow runs fn for chat in the caller's goroutine when nothing of the
// chat is queued or running (the common case: no new goroutine, no hand-
// off), and otherwise queues it behind the chat's work and waits for it.
// Work queued for the chat meanwhile is then run here too, in order.
func (c *Queues[K]) RunNow(chat K, fn func()) {
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

// run works through one chat's queue; it ends when the queue is empty.
func (c *Queues[K]) run(chat K, q *queue) {
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

// Wait returns once all queued work has run.
func (c *Queues[K]) Wait() { c.wg.Wait() }
