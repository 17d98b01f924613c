package handoff

import (
	"context"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"polku/bot"
	"polku/bot/store/redistest"
)

// benchDesk is a desk whose client counts round trips.
func benchDesk(b *testing.B) (*testDesk, *redistest.RoundTrips) {
	b.Helper()
	opt, err := redis.ParseURL(redistest.Shared(b))
	if err != nil {
		b.Fatal(err)
	}
	c := redis.NewClient(opt)
	b.Cleanup(func() { c.Close() })
	rt := &redistest.RoundTrips{}
	c.AddHook(rt)
	return newDesk(b, c, Options{}), rt
}

// BenchmarkRelay is the engine relaying one message of a person.
func BenchmarkRelay(b *testing.B) {
	ctx := context.Background()
	d, rt := benchDesk(b)
	mustOpen(b, d, testCase("c", "telegram", "u"))
	rt.Reset()
	i := 0
	for b.Loop() {
		i++
		if err := d.Relay(ctx, "c", strconv.Itoa(i), "a message of ordinary length, like most people write"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rt.Count())/float64(i), "redis-rt/op")
}

// BenchmarkSayRoundTrip is a volunteer's message, from Say until the
// person's adapter has it (the consumer's marker and XACK overlap the next
// Say; they are counted in redis-rt/op).
func BenchmarkSayRoundTrip(b *testing.B) {
	ctx := context.Background()
	d, rt := benchDesk(b)
	mustOpen(b, d, testCase("c", "telegram", "u"))
	if _, err := d.Claim(ctx, "c", "anna"); err != nil {
		b.Fatal(err)
	}
	got := make(chan bot.HandoffEvent, 1)
	start(b, func(ctx context.Context) error {
		return d.ConsumePeople(ctx, "telegram", "tg-1", func(_ context.Context, e bot.HandoffEvent) error {
			got <- e
			return nil
		})
	})
	if e := next(b, got); e.Kind != bot.HandoffClaimed {
		b.Fatalf("first event %+v", e)
	}
	rt.Reset()
	i := 0
	for b.Loop() {
		i++
		if err := d.Say(ctx, "c", "anna", strconv.Itoa(i), "hello, I am a volunteer"); err != nil {
			b.Fatal(err)
		}
		next(b, got)
	}
	b.ReportMetric(float64(rt.Count())/float64(i), "redis-rt/op")
}
