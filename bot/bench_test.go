package bot_test

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
	"polku/bot/store/redistest"
)

// script is one complete conversation with the built-in flow as a
// Telegram user would have it: first contact, then a button per question
// (ticks and Done for multiple choices, a typed number for the age).
func script(c *content.Content) []bot.Message {
	msgs := []bot.Message{{Text: "hei"}}
	var answers []content.Answer
	for {
		w := c.Replay(c.Start, answers)
		st := w.Step
		if st == nil {
			return msgs
		}
		a := content.Answer{Step: st.ID}
		switch {
		case st.Input != nil:
			a.Value = "30"
			msgs = append(msgs, bot.Message{Text: "30"})
		case st.Multi():
			a.Value = st.Options[0].Value
			msgs = append(msgs,
				bot.Message{Choice: &bot.Choice{Flow: c.Start.ID, Step: st.ID, Option: st.Options[0].Value}},
				bot.Message{Choice: &bot.Choice{Flow: c.Start.ID, Step: st.ID, Option: bot.DoneID}})
		default:
			a.Value = st.Options[0].Value
			msgs = append(msgs, bot.Message{Choice: &bot.Choice{Flow: c.Start.ID, Step: st.ID, Option: a.Value}})
		}
		answers = append(answers, a)
	}
}

// BenchmarkHandle is one message of a conversation, averaged over whole
// conversations with the built-in content and the memory store.
func BenchmarkHandle(b *testing.B) {
	c := builtin(b)
	converse(b, bot.New(c, store.NewMemory(0), bot.Options{}), script(c))
}

// converse sends msgs over and over, a new person for each round, one
// message per benchmark iteration.
func converse(b *testing.B, e *bot.Engine, msgs []bot.Message) {
	ctx := context.Background()
	i, user := 0, 0
	b.ReportAllocs()
	for b.Loop() {
		m := msgs[i]
		m.Platform, m.User, m.UpdateID = "bench", strconv.Itoa(user), strconv.Itoa(i)
		if _, err := e.Handle(ctx, m); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(msgs) {
			i, user = 0, user+1
		}
	}
	b.ReportMetric(float64(len(msgs)), "msgs/conversation")
}

// BenchmarkHandleLastAnswer is the costliest message: the last answer,
// which ranks the catalogue and renders the suggestions.
func BenchmarkHandleLastAnswer(b *testing.B) {
	c := builtin(b)
	msgs := script(c)
	e := bot.New(c, store.NewMemory(0), bot.Options{})
	ctx := context.Background()
	for i, m := range msgs {
		m.Platform, m.User, m.UpdateID = "bench", "1", strconv.Itoa(i)
		if _, err := e.Handle(ctx, m); err != nil {
			b.Fatal(err)
		}
	}
	// the last answer typed: the script's number, or "1" for the first option
	last := bot.Message{Platform: "bench", User: "1", Text: msgs[len(msgs)-1].Text}
	if last.Text == "" {
		last.Text = "1"
	}
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		// back, then the last answer again: two messages per iteration
		n++
		if _, err := e.Handle(ctx, bot.Message{Platform: "bench", User: "1", UpdateID: "b" + strconv.Itoa(n), Command: content.CmdBack}); err != nil {
			b.Fatal(err)
		}
		last.UpdateID = "l" + strconv.Itoa(n)
		r, err := e.Handle(ctx, last)
		if err != nil || r.Suggestions == nil {
			b.Fatalf("no suggestions: %v", err)
		}
	}
}

func BenchmarkHandleParallel(b *testing.B) {
	c := builtin(b)
	msgs := script(c)
	e := bot.New(c, store.NewMemory(0), bot.Options{})
	ctx := context.Background()
	var users atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i, user := 0, int64(0)
		for pb.Next() {
			if i == 0 {
				user = users.Add(1)
			}
			m := msgs[i]
			m.Platform, m.User, m.UpdateID = "bench", strconv.FormatInt(user, 10), strconv.Itoa(i)
			if _, err := e.Handle(ctx, m); err != nil && err != bot.ErrDuplicate {
				b.Error(err)
				return
			}
			if i++; i == len(msgs) {
				i = 0
			}
		}
	})
}

// BenchmarkHandleRedis is BenchmarkHandle with sessions in a real Redis
// (a redis-server the benchmark starts), counting round trips per message.
func BenchmarkHandleRedis(b *testing.B) {
	c := builtin(b)
	msgs := script(c)
	srv := redistest.Start(b)
	client, err := store.OpenRedis(srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer client.Close()
	rt := &redistest.RoundTrips{}
	client.AddHook(rt)
	st, err := store.NewRedis(context.Background(), client, store.RedisOptions{Secret: []byte("bench-secret-0123456789")})
	if err != nil {
		b.Fatal(err)
	}
	rt.Reset()
	converse(b, bot.New(c, st, bot.Options{}), msgs)
	b.ReportMetric(float64(rt.Count())/float64(b.N), "redis-rt/op")
}
