package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
)

var _ bot.Counter = (*Stats)(nil)

// Stats counts conversation events (bot.Event) per day, flow, step,
// language and kind: counts only, never anything about a person. Count adds
// to a map in this process and never waits. Without Redis the counts live
// in the process and end with it; with Redis, what was counted since the
// last flush is written every few seconds, and on Close, in one pipeline
// of HINCRBY to one hash per day:
//
//	polku:stats:2026-11-23   field "flow|step|lang|kind" → count
//
// Each day's hash expires StatsTTL after it was last written. So counting
// costs a message no round trip to Redis, and a process that stops loses
// at most what it counted since the last flush, unless it is closed.
type Stats struct {
	mu sync.Mutex
	// counts holds, with Redis, what is not yet written; without, all
	// there is.
	counts map[bot.Event]int64

	c        redis.UniversalClient // nil: in this process only
	prefix   string
	ttl      time.Duration
	log      *slog.Logger
	flushing sync.Mutex // one flush at a time
	stop     chan struct{}
	done     chan struct{}
	close    sync.Once
	// flushed, when set (by tests), hears of every timed flush.
	flushed func(error)
}

// StatsOptions configure counting into Redis.
type StatsOptions struct {
	// Prefix starts the keys, as for sessions (DefaultPrefix when empty).
	Prefix string
	// Interval is how often counts are written (DefaultStatsInterval when
	// 0); when negative, only Flush and Close write.
	Interval time.Duration
	// TTL is how long a day's counts are kept (StatsTTL when 0).
	TTL    time.Duration
	Logger *slog.Logger
}

const (
	// DefaultStatsInterval is how often counts are written to Redis.
	DefaultStatsInterval = 5 * time.Second
	// StatsTTL is how long a day's counts are kept: more than a year, so
	// that a month can be compared with the same month a year before.
	StatsTTL = 400 * 24 * time.Hour
	// statsFlushTimeout bounds one timed flush.
	statsFlushTimeout = 5 * time.Second
)

// NewStats returns counters kept in this process only.
func NewStats() *Stats {
	return &Stats{counts: map[bot.Event]int64{}}
}

// NewRedisStats returns counters written to Redis through c every
// o.Interval by a goroutine that Close stops.
func NewRedisStats(c redis.UniversalClient, o StatsOptions) *Stats {
	return newRedisStats(c, o, nil)
}

// newRedisStats is NewRedisStats telling flushed (for tests) of every timed
// flush.
func newRedisStats(c redis.UniversalClient, o StatsOptions, flushed func(error)) *Stats {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.Interval == 0 {
		o.Interval = DefaultStatsInterval
	}
	if o.TTL <= 0 {
		o.TTL = StatsTTL
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Stats{counts: map[bot.Event]int64{}, c: c, prefix: o.Prefix, ttl: o.TTL, log: o.Logger,
		stop: make(chan struct{}), done: make(chan struct{}), flushed: flushed}
	if o.Interval < 0 {
		close(s.done)
		return s
	}
	go s.loop(o.Interval)
	return s
}

func (s *Stats) loop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), statsFlushTimeout)
			err := s.Flush(ctx)
			cancel()
			if err != nil {
				s.log.Warn("statistics not written; will try again", "err", err)
			}
			if s.flushed != nil {
				s.flushed(err)
			}
		}
	}
}

// Count implements bot.Counter. An event whose parts contain "|", which
// ids and language codes never do, is not counted: it could not be read
// back.
func (s *Stats) Count(ev bot.Event) {
	if strings.Contains(ev.Day+ev.Flow+ev.Step+ev.Lang+string(ev.Kind), "|") || ev.Day == "" || ev.Kind == "" {
		return
	}
	s.mu.Lock()
	s.counts[ev]++
	s.mu.Unlock()
}

// Flush writes what was counted since the last flush to Redis, in one
// pipeline. Counts that could not be written are kept for the next flush;
// should Redis have applied them all the same (it answered too late), they
// are counted twice, which a statistic can bear better than losing them.
// Without Redis it does nothing.
func (s *Stats) Flush(ctx context.Context) error {
	if s.c == nil {
		return nil
	}
	s.flushing.Lock()
	defer s.flushing.Unlock()
	s.mu.Lock()
	batch := s.counts
	s.counts = make(map[bot.Event]int64, len(batch))
	s.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	events := make([]bot.Event, 0, len(batch))
	for ev := range batch {
		events = append(events, ev)
	}
	slices.SortFunc(events, compareEvents)
	cmds := make([]*redis.IntCmd, len(events))
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		day := ""
		for i, ev := range events {
			if ev.Day != day && day != "" {
				p.Expire(ctx, StatsKey(s.prefix, day), s.ttl)
			}
			day = ev.Day
			cmds[i] = p.HIncrBy(ctx, StatsKey(s.prefix, ev.Day), statsField(ev), batch[ev])
		}
		p.Expire(ctx, StatsKey(s.prefix, day), s.ttl)
		return nil
	})
	if err == nil {
		return nil
	}
	s.mu.Lock()
	for i, ev := range events {
		if cmds[i].Err() != nil {
			s.counts[ev] += batch[ev]
		}
	}
	s.mu.Unlock()
	return fmt.Errorf("write statistics: %w", err)
}

// Close stops the timed flushes and writes what is left. Counts made after
// Close stay in the process.
func (s *Stats) Close(ctx context.Context) error {
	if s.c == nil {
		return nil
	}
	s.close.Do(func() { close(s.stop) })
	<-s.done
	return s.Flush(ctx)
}

// Read returns the counts of the days from the day of from to the day of to
// (UTC), both included: with Redis, what Redis holds after a flush of this
// process's counts; without, what this process counted.
func (s *Stats) Read(ctx context.Context, from, to time.Time) ([]EventCount, error) {
	if s.c != nil {
		if err := s.Flush(ctx); err != nil {
			return nil, err
		}
		return ReadStats(ctx, s.c, s.prefix, from, to)
	}
	first, last := bot.Day(from), bot.Day(to)
	var out []EventCount
	s.mu.Lock()
	for ev, n := range s.counts {
		if ev.Day >= first && ev.Day <= last {
			out = append(out, EventCount{Event: ev, N: n})
		}
	}
	s.mu.Unlock()
	sortCounts(out)
	return out, nil
}

// EventCount is how many times an event happened.
type EventCount struct {
	bot.Event
	N int64
}

// MaxStatsDays is the most days ReadStats reads at once.
const MaxStatsDays = 3660

// ErrStatsRange is returned for a range of days that ends before it
// starts or is longer than MaxStatsDays.
var ErrStatsRange = fmt.Errorf("the range of days must not end before it starts, nor be longer than %d days", MaxStatsDays)

// ReadStats returns the counts that the Redis behind c holds, under prefix,
// for the days from the day of from to the day of to (UTC), both included,
// sorted by day, flow, step, language and kind. It reads all the days in
// one pipeline. Fields that are not counts of Stats are skipped.
func ReadStats(ctx context.Context, c redis.UniversalClient, prefix string, from, to time.Time) ([]EventCount, error) {
	if prefix == "" {
		prefix = DefaultPrefix
	}
	first := dayStart(from)
	last := dayStart(to)
	if last.Before(first) || last.Sub(first) >= MaxStatsDays*24*time.Hour {
		return nil, ErrStatsRange
	}
	var days []string
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		days = append(days, bot.Day(d))
	}
	cmds := make([]*redis.MapStringStringCmd, len(days))
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, day := range days {
			cmds[i] = p.HGetAll(ctx, StatsKey(prefix, day))
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("read statistics: %w", err)
	}
	var out []EventCount
	for i, day := range days {
		for field, value := range cmds[i].Val() {
			ev, ok := parseStatsField(day, field)
			var n int64
			if _, err := fmt.Sscan(value, &n); !ok || err != nil || n <= 0 {
				continue
			}
			out = append(out, EventCount{Event: ev, N: n})
		}
	}
	sortCounts(out)
	return out, nil
}

// StatsKey is the Redis key of a day's counts.
func StatsKey(prefix, day string) string { return prefix + "stats:" + day }

func statsField(ev bot.Event) string {
	return ev.Flow + "|" + ev.Step + "|" + ev.Lang + "|" + string(ev.Kind)
}

func parseStatsField(day, field string) (bot.Event, bool) {
	parts := strings.Split(field, "|")
	if len(parts) != 4 || parts[3] == "" {
		return bot.Event{}, false
	}
	return bot.Event{Day: day, Flow: parts[0], Step: parts[1], Lang: parts[2], Kind: bot.EventKind(parts[3])}, true
}

func dayStart(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func compareEvents(a, b bot.Event) int {
	return cmp.Or(strings.Compare(a.Day, b.Day), strings.Compare(a.Flow, b.Flow), strings.Compare(a.Step, b.Step),
		strings.Compare(a.Lang, b.Lang), strings.Compare(string(a.Kind), string(b.Kind)))
}

func sortCounts(cs []EventCount) {
	slices.SortFunc(cs, func(a, b EventCount) int { return compareEvents(a.Event, b.Event) })
}
