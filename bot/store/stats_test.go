package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/bot"
	"polku/bot/store/redistest"
)

// statsFieldPattern is what a field of the base content's counts can be.
var statsFieldPattern = regexp.MustCompile(`^jobseeker\|(|wants|pace|area|age|helper|_end)\|(fi|en)\|(started|restarted|reached|answered|suggested|handoff|forgot)$`)

// statsDay is the day the tests' conversations happen on.
var statsDay = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// counts writes counts as "day flow|step|lang|kind=n", sorted.
func counts(cs []EventCount) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s %s=%d", c.Day, statsField(c.Event), c.N))
	}
	return out
}

// talk holds a short conversation for each of users: first contact, one
// answer, a request for a person, and "forget me" for the last user.
func talk(t *testing.T, e *bot.Engine, platform string, users ...string) {
	t.Helper()
	for i, user := range users {
		texts := []string{"hei", "1", "/ihminen", "banaani"}
		if i == len(users)-1 {
			texts = append(texts, "unohda minut")
		}
		for j, text := range texts {
			m := bot.Message{Platform: platform, User: user, UpdateID: fmt.Sprint(j), Text: text}
			if _, err := e.Handle(context.Background(), m); err != nil {
				t.Fatalf("Handle(%q) for %s: %v", text, user, err)
			}
		}
	}
}

func TestStatsInProcess(t *testing.T) {
	s := NewStats()
	e := bot.New(contentFor(t), NewMemory(0), bot.Options{Counter: s, Now: func() time.Time { return statsDay }})
	talk(t, e, "test", "a", "b")
	s.Count(bot.Event{Day: "2026-11-22", Flow: "jobseeker", Step: "wants", Lang: "fi", Kind: bot.EventReached})
	s.Count(bot.Event{Day: "2026-11-23", Flow: "job|seeker", Step: "wants", Lang: "fi", Kind: bot.EventReached}) // not readable back: dropped
	ctx := context.Background()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush without Redis = %v", err)
	}
	got, err := s.Read(ctx, statsDay, statsDay)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"2026-11-23 jobseeker||fi|started=2",
		"2026-11-23 jobseeker|pace|fi|forgot=1",
		"2026-11-23 jobseeker|pace|fi|handoff=2",
		"2026-11-23 jobseeker|pace|fi|reached=2",
		"2026-11-23 jobseeker|wants|fi|answered=2",
		"2026-11-23 jobseeker|wants|fi|reached=2",
	}
	if c := counts(got); !slices.Equal(c, want) {
		t.Errorf("Read(23 Nov) = %q\nwant %q", c, want)
	}
	got, _ = s.Read(ctx, statsDay.AddDate(0, 0, -1), statsDay.AddDate(0, 0, -1))
	if c := counts(got); !slices.Equal(c, []string{"2026-11-22 jobseeker|wants|fi|reached=1"}) {
		t.Errorf("Read(22 Nov) = %q, want the one count of that day", c)
	}
	if err := s.Close(ctx); err != nil {
		t.Errorf("Close without Redis = %v", err)
	}
}

// TestStatsRedis: counting writes nothing until a flush; a flush writes one
// hash per day with every count and a time to live of 400 days; Close
// writes what is left; and nothing in the database says who talked.
func TestStatsRedis(t *testing.T) {
	srv := redistest.Start(t) // a database of its own, to look at all of it
	cl := srv.Client(t)
	ctx := context.Background()
	client := openClient(t, srv.URL())
	s := NewRedisStats(client, StatsOptions{Prefix: "polku:", Interval: -1})
	day := statsDay
	e := bot.New(contentFor(t), newRedis(t, client, RedisOptions{Prefix: "polku:"}), bot.Options{Counter: s, Now: func() time.Time { return day }})
	users := []string{"912345678", "1176543210987654321", "4242"}
	talk(t, e, "telegram", users...)

	if keys := cl.Keys(ctx, "polku:stats:*").Val(); len(keys) != 0 {
		t.Fatalf("before a flush Redis holds %v, want no counts: counting must cost a message nothing", keys)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush = %v", err)
	}
	key := "polku:stats:2026-11-23"
	want := map[string]string{
		"jobseeker||fi|started":      "3",
		"jobseeker|wants|fi|reached": "3", "jobseeker|wants|fi|answered": "3",
		"jobseeker|pace|fi|reached": "3", "jobseeker|pace|fi|handoff": "3", "jobseeker|pace|fi|forgot": "1",
	}
	checkHash := func(key string, want map[string]string) {
		t.Helper()
		got := cl.HGetAll(ctx, key).Val()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("HGETALL %s = %v\nwant %v", key, got, want)
		}
		if ttl := cl.TTL(ctx, key).Val(); ttl < 399*24*time.Hour || ttl > 400*24*time.Hour {
			t.Errorf("TTL %s = %v, want 400 days", key, ttl)
		}
	}
	checkHash(key, want)
	if err := s.Flush(ctx); err != nil { // nothing new: nothing written again
		t.Fatalf("second Flush = %v", err)
	}
	checkHash(key, want)

	// the next day has a key of its own; Close writes what is left
	day = statsDay.AddDate(0, 0, 1)
	talk(t, e, "telegram", "5555")
	if err := s.Close(ctx); err != nil {
		t.Fatalf("Close = %v", err)
	}
	checkHash("polku:stats:2026-11-24", map[string]string{
		"jobseeker||fi|started": "1", "jobseeker|wants|fi|reached": "1", "jobseeker|wants|fi|answered": "1",
		"jobseeker|pace|fi|reached": "1", "jobseeker|pace|fi|handoff": "1", "jobseeker|pace|fi|forgot": "1",
	})
	checkHash(key, want)

	got, err := ReadStats(ctx, cl, "polku:", day, day)
	if err != nil {
		t.Fatal(err)
	}
	if c := counts(got); len(c) != 6 || c[0] != "2026-11-24 jobseeker||fi|started=1" {
		t.Errorf("ReadStats(24 Nov) = %q, want the six counts of that day", c)
	}
	got, err = ReadStats(ctx, cl, "polku:", statsDay.AddDate(0, 0, -3), day)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 12 {
		t.Errorf("ReadStats(20–24 Nov) = %q, want twelve counts", counts(got))
	}

	// Scan everything: the sessions of the people still there, and one hash
	// per day. No key, field or value holds a user id or an update id.
	iter := cl.Scan(ctx, 0, "*", 100).Iterator()
	var all []string
	for iter.Next(ctx) {
		k := iter.Val()
		all = append(all, k)
		text := k
		switch cl.Type(ctx, k).Val() {
		case "hash":
			for f, v := range cl.HGetAll(ctx, k).Val() {
				text += " " + f + " " + v
			}
		case "string":
			text += " " + cl.Get(ctx, k).Val()
		default:
			t.Errorf("key %s has type %s", k, cl.Type(ctx, k).Val())
		}
		for _, id := range append(users, "5555", "banaani") {
			if strings.Contains(text, id) {
				t.Errorf("Redis key %s holds %q: %q", k, id, text)
			}
		}
		if strings.HasPrefix(k, "polku:stats:") {
			// every field is a flow, a step, a language and a kind; nothing else
			for f := range cl.HGetAll(ctx, k).Val() {
				if !statsFieldPattern.MatchString(f) {
					t.Errorf("%s has the field %q, want flow|step|lang|kind of the content", k, f)
				}
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(all)
	if len(all) != 4 || all[0] != "polku:stats:2026-11-23" || all[1] != "polku:stats:2026-11-24" {
		t.Errorf("keys = %q, want two sessions and a hash per day", all)
	}
}

// TestStatsAddNoRoundTrips: an engine that counts still costs one round
// trip per message; a flush of many messages' counts costs one.
func TestStatsAddNoRoundTrips(t *testing.T) {
	client := openClient(t, redistest.Shared(t))
	rt := &redistest.RoundTrips{}
	client.AddHook(rt)
	prefix := uniquePrefix(t)
	s := NewRedisStats(client, StatsOptions{Prefix: prefix, Interval: -1})
	e := bot.New(contentFor(t), newRedis(t, client, RedisOptions{Prefix: prefix}), bot.Options{Counter: s, Now: func() time.Time { return statsDay }})
	for i, text := range []string{"hei", "1", "2", "/ihminen", "lappi", "/apua"} {
		rt.Reset()
		if _, err := e.Handle(context.Background(), bot.Message{Platform: "test", User: "rt", UpdateID: fmt.Sprint(i), Text: text}); err != nil {
			t.Fatal(err)
		}
		if n := rt.Count(); n != 1 {
			t.Errorf("%q: %d round trips, want 1", text, n)
		}
	}
	if err := s.Flush(context.Background()); err != nil { // also opens a connection of its own, once
		t.Fatal(err)
	}
	// a second day, so that the flush writes two hashes
	e2 := bot.New(contentFor(t), NewMemory(0), bot.Options{Counter: s, Now: func() time.Time { return statsDay.AddDate(0, 0, 1) }})
	talk(t, e2, "test", "other")
	rt.Reset()
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := rt.Count(); n != 1 {
		t.Errorf("a flush took %d round trips, want 1", n)
	}
	got, err := ReadStats(context.Background(), client, prefix, statsDay, statsDay.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) == 0 || got[len(got)-1].Day != "2026-11-24" {
		t.Errorf("ReadStats = %q, want counts of both days", counts(got))
	}
}

// TestStatsTimedFlush: without a call to Flush, counts reach Redis by the
// flusher's clock.
func TestStatsTimedFlush(t *testing.T) {
	client := openClient(t, redistest.Shared(t))
	prefix := uniquePrefix(t)
	flushes := make(chan error, 100)
	s := newRedisStats(client, StatsOptions{Prefix: prefix, Interval: time.Millisecond}, func(err error) {
		select {
		case flushes <- err:
		default:
		}
	})
	defer s.Close(context.Background())
	s.Count(bot.Event{Day: "2026-11-23", Flow: "jobseeker", Step: "wants", Lang: "sv", Kind: bot.EventReached})
	key := StatsKey(prefix, "2026-11-23")
	timeout := time.After(10 * time.Second)
	for {
		select {
		case err := <-flushes:
			if err != nil {
				t.Fatalf("timed flush: %v", err)
			}
		case <-timeout:
			t.Fatal("no timed flush wrote the count within 10 s")
		}
		if v := client.HGet(context.Background(), key, "jobseeker|wants|sv|reached").Val(); v == "1" {
			return
		}
	}
}

// TestStatsRedisDown: counts that could not be written are written by the
// next flush, once.
func TestStatsRedisDown(t *testing.T) {
	srv := redistest.Start(t)
	client := openClient(t, srv.URL())
	ctx := context.Background()
	s := NewRedisStats(client, StatsOptions{Prefix: "polku:", Interval: -1})
	ev := bot.Event{Day: "2026-11-23", Flow: "jobseeker", Step: "area", Lang: "en", Kind: bot.EventReached}
	s.Count(ev)
	s.Count(ev)
	srv.Kill()
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush with Redis down = nil, want an error")
	}
	s.Count(ev)
	srv.Restart()
	if err := s.Flush(ctx); err != nil {
		t.Fatalf("Flush after Redis is back = %v", err)
	}
	if v := srv.Client(t).HGet(ctx, "polku:stats:2026-11-23", "jobseeker|area|en|reached").Val(); v != "3" {
		t.Errorf("count after Redis came back = %q, want 3", v)
	}
}

func TestReadStatsRange(t *testing.T) {
	client := openClient(t, redistest.Shared(t))
	prefix := uniquePrefix(t)
	ctx := context.Background()
	client.HSet(ctx, StatsKey(prefix, "2026-11-23"), "jobseeker|wants|fi|reached", "7", "not a count field", "1", "jobseeker|wants|fi|started", "many")
	got, err := ReadStats(ctx, client, prefix, time.Date(2026, 11, 23, 23, 59, 0, 0, time.UTC), time.Date(2026, 11, 24, 1, 0, 0, 0, time.FixedZone("EET", 2*60*60)))
	if err != nil {
		t.Fatal(err)
	}
	if c := counts(got); !slices.Equal(c, []string{"2026-11-23 jobseeker|wants|fi|reached=7"}) {
		t.Errorf("ReadStats = %q, want the one count (00:30 in Helsinki on the 24th is still the 23rd)", c)
	}
	for _, r := range [][2]time.Time{
		{statsDay, statsDay.AddDate(0, 0, -1)},
		{statsDay, statsDay.AddDate(0, 0, MaxStatsDays)},
	} {
		if _, err := ReadStats(ctx, client, prefix, r[0], r[1]); !errors.Is(err, ErrStatsRange) {
			t.Errorf("ReadStats(%v, %v) = %v, want ErrStatsRange", r[0], r[1], err)
		}
	}
}

// TestStatsCluster: the days' hashes live on different nodes of a Cluster;
// one flush and one read reach them all.
func TestStatsCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster")
	}
	cl := redistest.StartCluster(t, 3)
	client := openClient(t, cl.URL())
	if _, ok := client.(*redis.ClusterClient); !ok {
		t.Fatalf("OpenRedis(%q) = %T, want a cluster client", cl.URL(), client)
	}
	ctx := context.Background()
	s := NewRedisStats(client, StatsOptions{Interval: -1})
	for d := range 10 {
		s.Count(bot.Event{Day: bot.Day(statsDay.AddDate(0, 0, d)), Flow: "jobseeker", Step: "wants", Lang: "fi", Kind: bot.EventReached})
	}
	if err := s.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := ReadStats(ctx, client, DefaultPrefix, statsDay, statsDay.AddDate(0, 0, 9))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 {
		t.Errorf("ReadStats on a cluster = %q, want ten days", counts(got))
	}
}
