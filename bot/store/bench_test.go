package store

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"polku/bot"
	"polku/bot/store/redistest"
)

// change is what a message does to a session: one answer more or less, a
// new update id, a new time. The session is the size of a whole
// conversation.
func change(i int) func(*bot.Session) error {
	return func(s *bot.Session) error {
		if len(s.Answers) == 0 {
			*s = *realistic(7)
		}
		s.Updated++
		s.Seen = append(s.Seen[1:], fmt.Sprint(912400000+i))
		if i%2 == 0 {
			s.Answers = s.Answers[:len(s.Answers)-1]
		} else {
			s.Answers = append(s.Answers, realistic(8).Answers[7])
		}
		return nil
	}
}

func stores(b *testing.B) map[string]func() bot.Store {
	addr := redistest.Shared(b)
	return map[string]func() bot.Store{
		"memory": func() bot.Store { return NewMemory(0) },
		"redis":  func() bot.Store { return newRedis(b, openClient(b, addr), RedisOptions{}) },
		"redis-nocache": func() bot.Store {
			return newRedis(b, openClient(b, addr), RedisOptions{CacheSize: -1})
		},
	}
}

// BenchmarkUpdate is one person's messages one after another.
func BenchmarkUpdate(b *testing.B) {
	for _, name := range []string{"memory", "redis", "redis-nocache"} {
		b.Run(name, func(b *testing.B) {
			s := stores(b)[name]()
			ctx := context.Background()
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				i++
				if err := s.Update(ctx, "bench:one", change(i)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkUpdatePeople is 100 people writing at once, each their own
// session: the store's throughput under load (time per update, all
// goroutines together), with the Redis round trips per update.
func BenchmarkUpdatePeople(b *testing.B) {
	for _, name := range []string{"memory", "redis"} {
		b.Run(name+"/100", func(b *testing.B) {
			s := stores(b)[name]()
			var rt *redistest.RoundTrips
			if r, ok := s.(*Redis); ok {
				rt = &redistest.RoundTrips{}
				r.c.AddHook(rt)
			}
			ctx := context.Background()
			var people atomic.Int64
			b.SetParallelism(100 / max(1, testingProcs()))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				key := fmt.Sprint("bench:p", people.Add(1))
				i := 0
				for pb.Next() {
					i++
					if err := s.Update(ctx, key, change(i)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			if rt != nil {
				b.ReportMetric(float64(rt.Count())/float64(b.N), "redis-rt/op")
			}
		})
	}
}

func testingProcs() int { return runtime.GOMAXPROCS(0) }
