package main

import (
	"bufio"
	"context"
	"errors"
	"log/slog"
	"math/bits"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
)

// histogram counts durations in buckets about 3% wide, so that
// percentiles of millions of updates take a few kilobytes. It is safe for
// concurrent use.
type histogram struct {
	counts [64 + 58*32]atomic.Uint64
	max    atomic.Int64
	n      atomic.Uint64
}

func bucketOf(v uint64) int {
	if v < 64 {
		return int(v)
	}
	shift := bits.Len64(v) - 6 // ≥ 1: v>>shift is in [32, 64)
	return 64 + (shift-1)*32 + int(v>>shift) - 32
}

// bucketMid is the middle of a bucket's range.
func bucketMid(i int) uint64 {
	if i < 64 {
		return uint64(i)
	}
	shift := (i-64)/32 + 1
	lo := uint64((i-64)%32+32) << shift
	return lo + (uint64(1)<<shift)/2
}

func (h *histogram) add(d time.Duration) {
	v := max(int64(d), 0)
	h.counts[bucketOf(uint64(v))].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// quantile is the duration below which the fraction q of the counts lie.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	want := uint64(q*float64(n) + 0.999999)
	want = min(max(want, 1), n)
	var sum uint64
	for i := range h.counts {
		sum += h.counts[i].Load()
		if sum >= want {
			return min(time.Duration(bucketMid(i)), time.Duration(h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}

// logCounter is a log handler that writes nothing and counts warnings and
// errors, keeping the first few distinct messages to report.
type logCounter struct {
	warns, errs atomic.Int64
	mu          sync.Mutex
	seen        map[string]int // message (and error) → count, errors only
	order       []string
}

func (l *logCounter) Enabled(_ context.Context, level slog.Level) bool {
	return level >= slog.LevelWarn
}
func (l *logCounter) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logCounter) WithGroup(string) slog.Handler      { return l }

func (l *logCounter) Handle(_ context.Context, r slog.Record) error {
	if r.Level < slog.LevelError {
		l.warns.Add(1)
		return nil
	}
	l.errs.Add(1)
	msg := r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			msg += ": " + a.Value.String()
			return false
		}
		return true
	})
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]int{}
	}
	if _, ok := l.seen[msg]; !ok && len(l.order) < 10 {
		l.order = append(l.order, msg)
	}
	l.seen[msg]++
	return nil
}

// messages are the distinct error messages logged, with their counts.
func (l *logCounter) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, m := range l.order {
		out = append(out, strconv.Itoa(l.seen[m])+"× "+m)
	}
	return out
}

// errInjected is the failure --store-errors injects.
var errInjected = errors.New("injected store failure (polku load --store-errors)")

// faultyStore makes a store slow and failing, for --store-latency and
// --store-errors. A failure happens before the store is asked, so nothing
// was written: the update is refused, and Telegram would post it again.
type faultyStore struct {
	bot.Store
	latency  time.Duration
	errRate  float64
	on       atomic.Bool
	injected atomic.Int64
}

func (f *faultyStore) fault(ctx context.Context) error {
	if !f.on.Load() {
		return nil
	}
	if f.latency > 0 && !sleepCtx(ctx, f.latency) {
		return ctx.Err()
	}
	if f.errRate > 0 && rand.Float64() < f.errRate {
		f.injected.Add(1)
		return errInjected
	}
	return nil
}

func (f *faultyStore) Update(ctx context.Context, key string, fn func(*bot.Session) error) error {
	if err := f.fault(ctx); err != nil {
		return err
	}
	return f.Store.Update(ctx, key, fn)
}

func (f *faultyStore) Delete(ctx context.Context, key string) error {
	if err := f.fault(ctx); err != nil {
		return err
	}
	return f.Store.Delete(ctx, key)
}

// tripCounter is a go-redis hook counting round trips (a command, or a
// pipeline of them) and the commands in them, on the store's client.
type tripCounter struct{ trips, cmds atomic.Int64 }

func (h *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.trips.Add(1)
		h.cmds.Add(1)
		return next(ctx, cmd)
	}
}

func (h *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.trips.Add(1)
		h.cmds.Add(int64(len(cmds)))
		return next(ctx, cmds)
	}
}

// redisCalls is how many commands Redis has run (INFO commandstats), the
// INFO commands that ask it left out; -1 when it cannot be read.
func redisCalls(ctx context.Context, c redis.UniversalClient) int64 {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	info, err := c.Info(ctx, "commandstats").Result()
	if err != nil {
		return -1
	}
	var total int64
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		name, rest, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") || name == "cmdstat_info" {
			continue
		}
		for field := range strings.SplitSeq(rest, ",") {
			if v, ok := strings.CutPrefix(field, "calls="); ok {
				n, _ := strconv.ParseInt(v, 10, 64)
				total += n
			}
		}
	}
	return total
}

// snapshot is what is counted at one moment; a measurement is the
// difference of two.
type snapshot struct {
	at       time.Time
	cpu      time.Duration // user + system time of this process
	mallocs  uint64
	alloc    uint64 // bytes allocated
	apiCalls int64
	trips    int64
	cmds     int64
	redis    int64 // commands Redis ran, from INFO commandstats; -1: not known
}

// report is the histogram's percentiles and maximum, in milliseconds.
func (h *histogram) report() latencyReport {
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return latencyReport{P50: ms(h.quantile(0.50)), P90: ms(h.quantile(0.90)),
		P99: ms(h.quantile(0.99)), Max: ms(time.Duration(h.max.Load()))}
}

func memStats() (mallocs, alloc uint64) {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Mallocs, m.TotalAlloc
}
