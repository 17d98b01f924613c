package handoff

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
	"polku/bot/store/redistest"
	"polku/internal/syncbuf"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var prefixes atomic.Int64

// uniquePrefix keeps each test's keys apart on the shared server.
func uniquePrefix() string {
	return fmt.Sprintf("polkutest:%d:%d:", time.Now().UnixNano(), prefixes.Add(1))
}

// sharedClient is a client of the package's shared redis-server.
func sharedClient(tb testing.TB) *redis.Client {
	tb.Helper()
	opt, err := redis.ParseURL(redistest.Shared(tb))
	if err != nil {
		tb.Fatal(err)
	}
	c := redis.NewClient(opt)
	tb.Cleanup(func() { c.Close() })
	return c
}

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testDesk is a desk under test, with its logs.
type testDesk struct {
	*Desk
	c      redis.UniversalClient
	prefix string
	logs   *syncbuf.Buffer
}

// newDesk returns a desk with keys of its own; o.Prefix set means another
// replica of an existing desk. Timing is shrunk so tests run fast.
func newDesk(tb testing.TB, c redis.UniversalClient, o Options) *testDesk {
	tb.Helper()
	if o.Prefix == "" {
		o.Prefix = uniquePrefix()
	}
	if o.IdleClaim == 0 {
		o.IdleClaim = 200 * time.Millisecond
	}
	logs := &syncbuf.Buffer{}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	d, err := New(context.Background(), c, o)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	d.minBackoff, d.maxBackoff = 5*time.Millisecond, 50*time.Millisecond
	return &testDesk{Desk: d, c: c, prefix: o.Prefix, logs: logs}
}

// replica is another process sharing d's Redis and keys.
func (d *testDesk) replica(tb testing.TB) *testDesk {
	tb.Helper()
	r := newDesk(tb, d.c, Options{Prefix: d.prefix, IdleClaim: d.idleClaim, ClaimTimeout: d.claimWait, Now: d.now})
	return r
}

func testCase(id, platform, user string) bot.Case {
	return bot.Case{ID: id, Platform: platform, User: user, Lang: "fi",
		Summary: []bot.Line{{Label: "Age", Value: "17"}, {Label: "Worry", Value: "school"}}}
}

func mustOpen(tb testing.TB, d *testDesk, c bot.Case) {
	tb.Helper()
	if err := d.Open(context.Background(), c); err != nil {
		tb.Fatalf("Open(%s) = %v", c.ID, err)
	}
}

// running is a consumer goroutine; stop cancels it and waits for it.
type running struct {
	cancel context.CancelFunc
	done   chan struct{} // closed when it returned
	err    error
}

func (r *running) stop(tb testing.TB) error {
	tb.Helper()
	r.cancel()
	select {
	case <-r.done:
		return r.err
	case <-time.After(10 * time.Second):
		tb.Fatal("consumer did not stop")
		return nil
	}
}

func start(tb testing.TB, f func(ctx context.Context) error) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan struct{})}
	go func() { r.err = f(ctx); close(r.done) }()
	tb.Cleanup(func() { cancel(); <-r.done })
	return r
}

// deskEvents runs ConsumeDesk and passes what it delivers on.
func deskEvents(tb testing.TB, d *testDesk, consumer string) (<-chan DeskEvent, *running) {
	ch := make(chan DeskEvent, 1000)
	r := start(tb, func(ctx context.Context) error {
		return d.ConsumeDesk(ctx, consumer, func(_ context.Context, e DeskEvent) error { ch <- e; return nil })
	})
	return ch, r
}

// peopleEvents runs ConsumePeople and passes what it delivers on.
func peopleEvents(tb testing.TB, d *testDesk, platform, consumer string) (<-chan bot.HandoffEvent, *running) {
	ch := make(chan bot.HandoffEvent, 1000)
	r := start(tb, func(ctx context.Context) error {
		return d.ConsumePeople(ctx, platform, consumer, func(_ context.Context, e bot.HandoffEvent) error { ch <- e; return nil })
	})
	return ch, r
}

// next waits for the next value; the time limit only keeps a broken test
// from hanging.
func next[T any](tb testing.TB, ch <-chan T) T {
	tb.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		tb.Fatal("no event within 10s")
		var zero T
		return zero
	}
}

// keysOf lists the keys under prefix, with SCAN (never the whole database).
func keysOf(tb testing.TB, c redis.UniversalClient, prefix string) []string {
	tb.Helper()
	var keys []string
	iter := c.Scan(context.Background(), 0, prefix+"*", 100).Iterator()
	for iter.Next(context.Background()) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		tb.Fatal(err)
	}
	return keys
}

// redisServer is a server of the test's own that may be killed and
// restarted without losing what it acknowledged.
func redisServer(tb testing.TB) *redistest.Server {
	tb.Helper()
	return redistest.Start(tb, "--appendonly", "yes", "--appendfsync", "always")
}

// valuesOf is everything key holds, as text. (Not DUMP: it may compress.)
func valuesOf(tb testing.TB, c redis.UniversalClient, key string) string {
	tb.Helper()
	ctx := context.Background()
	var v any
	var err error
	switch typ := c.Type(ctx, key).Val(); typ {
	case "string":
		v, err = c.Get(ctx, key).Result()
	case "hash":
		v, err = c.HGetAll(ctx, key).Result()
	case "zset":
		v, err = c.ZRangeWithScores(ctx, key, 0, -1).Result()
	case "stream":
		v, err = c.XRange(ctx, key, "-", "+").Result()
	case "none":
	default:
		tb.Fatalf("key %s is a %s", key, typ)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return fmt.Sprint(v)
}

// signalHandler tells c when a record with message msg is logged.
type signalHandler struct {
	slog.Handler
	msg string
	c   chan<- struct{}
}

func (h *signalHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == h.msg {
		select {
		case h.c <- struct{}{}:
		default:
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *signalHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &signalHandler{Handler: h.Handler.WithAttrs(as), msg: h.msg, c: h.c}
}

func (h *signalHandler) WithGroup(name string) slog.Handler {
	return &signalHandler{Handler: h.Handler.WithGroup(name), msg: h.msg, c: h.c}
}
