package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"polku/bot"
)

var _ bot.Store = (*Memory)(nil)

// Memory keeps sessions in this process. It behaves like the Redis store:
// fn runs outside the lock and a save succeeds only if nobody saved the
// same key in between, otherwise fn runs again on the fresh session. So
// code tested against Memory meets the same races it will meet in Redis.
type Memory struct {
	mu      sync.Mutex
	entries map[string]*entry
	seq     uint64 // version of the last save, store-wide, so a deleted and recreated key never reuses one
	writes  int
	ttl     time.Duration
	now     func() time.Time
}

type entry struct {
	s       *bot.Session
	version uint64
	expires time.Time
}

// ErrContention is returned when an update lost the race to other updates
// of the same key too many times in a row.
var ErrContention = errors.New("session is being changed by too many messages at once")

// maxAttempts bounds retries of one update. Two taps at once need two;
// a hundred mean something is wrong.
const maxAttempts = 100

// NewMemory returns an empty store whose sessions expire ttl after their
// last update (bot.DefaultSessionTTL when ttl is 0).
func NewMemory(ttl time.Duration) *Memory {
	if ttl <= 0 {
		ttl = bot.DefaultSessionTTL
	}
	return &Memory{entries: map[string]*entry{}, ttl: ttl, now: time.Now}
}

// load returns a copy of the live session at key and its version (0 for
// none). The caller holds m.mu.
func (m *Memory) load(key string, now time.Time) (*bot.Session, uint64) {
	e := m.entries[key]
	if e == nil {
		return &bot.Session{}, 0
	}
	if !now.Before(e.expires) {
		delete(m.entries, key)
		return &bot.Session{}, 0
	}
	return e.s.Clone(), e.version
}

// Update implements bot.Store.
func (m *Memory) Update(ctx context.Context, key string, fn func(*bot.Session) error) error {
	for range maxAttempts {
		if err := ctx.Err(); err != nil {
			return err
		}
		m.mu.Lock()
		s, version := m.load(key, m.now())
		m.mu.Unlock()

		if err := fn(s); err != nil {
			return err
		}

		m.mu.Lock()
		now := m.now()
		if _, current := m.load(key, now); current != version {
			m.mu.Unlock()
			continue // someone else saved first: run fn on their session
		}
		m.seq++
		m.entries[key] = &entry{s: s, version: m.seq, expires: now.Add(m.ttl)}
		m.writes++
		if m.writes%sweepEvery == 0 {
			m.sweep(now, sweepBatch)
		}
		m.mu.Unlock()
		return nil
	}
	return ErrContention
}

// Expired sessions are dropped a few at a time as others are written, the
// way Redis expires keys: each sweep looks at sweepBatch entries, so the
// cost per write stays constant however many people the store holds.
const (
	sweepEvery = 16
	sweepBatch = 32
)

// sweep drops up to limit expired sessions (all of them when limit is 0),
// so memory does not grow with people who never come back. Map iteration
// starts at a random place, so successive sweeps cover the whole map. The
// caller holds m.mu.
func (m *Memory) sweep(now time.Time, limit int) {
	n := 0
	for k, e := range m.entries {
		if !now.Before(e.expires) {
			delete(m.entries, k)
		}
		if n++; limit > 0 && n == limit {
			return
		}
	}
}

// Delete implements bot.Store.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.entries, key)
	m.mu.Unlock()
	return nil
}

// Len returns the number of live sessions.
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(m.now(), 0)
	return len(m.entries)
}
