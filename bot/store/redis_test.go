package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"polku"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/content/contenttest"
	"polku/bot/store/redistest"
	"polku/bot/store/storetest"
)

var testSecret = []byte("test-secret-0123456789abcdef")

var prefixes atomic.Int64

// uniquePrefix keeps each store's keys apart on a shared server.
func uniquePrefix(t testing.TB) string {
	return fmt.Sprintf("polkutest:%d:%d:", time.Now().UnixNano(), prefixes.Add(1))
}

// openClient opens address the way polku does, closed when the test ends.
func openClient(t testing.TB, address string) redis.UniversalClient {
	t.Helper()
	c, err := OpenRedis(address)
	if err != nil {
		t.Fatalf("OpenRedis: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func newRedis(t testing.TB, c redis.UniversalClient, o RedisOptions) *Redis {
	t.Helper()
	if o.Secret == nil {
		o.Secret = testSecret
	}
	if o.Prefix == "" {
		o.Prefix = uniquePrefix(t)
	}
	r, err := NewRedis(context.Background(), c, o)
	if err != nil {
		t.Fatalf("NewRedis: %v", err)
	}
	return r
}

func TestRedisContract(t *testing.T) {
	addr := redistest.Shared(t)
	t.Run("cached", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) bot.Store { return newRedis(t, openClient(t, addr), RedisOptions{}) })
	})
	t.Run("no cache", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) bot.Store { return newRedis(t, openClient(t, addr), RedisOptions{CacheSize: -1}) })
	})
}

func TestRedisContractCluster(t *testing.T) {
	cl := redistest.StartCluster(t, 3)
	c := openClient(t, cl.URL())
	if _, ok := c.(*redis.ClusterClient); !ok {
		t.Fatalf("OpenRedis(%q) = %T, want a cluster client", cl.URL(), c)
	}
	storetest.Run(t, func(t *testing.T) bot.Store { return newRedis(t, c, RedisOptions{}) })

	// everything of one person lives in one slot
	r := newRedis(t, c, RedisOptions{})
	for _, person := range []string{"telegram:1", "discord:987654321", "console:local"} {
		keys := append(r.personKeys(person), r.prefix+r.personTag(person)+":future")
		var slots []int64
		for _, k := range keys {
			slot, err := c.ClusterKeySlot(context.Background(), k).Result()
			if err != nil {
				t.Fatal(err)
			}
			slots = append(slots, slot)
		}
		for _, s := range slots {
			if s != slots[0] {
				t.Errorf("keys of %s are in slots %v, want one", person, slots)
			}
		}
	}
	// a whole conversation on the cluster
	e := bot.New(contentFor(t), r, bot.Options{})
	for i, text := range []string{"hei", "1", "2"} {
		if _, err := e.Handle(context.Background(), bot.Message{Platform: "test", User: "c1", UpdateID: fmt.Sprint(i), Text: text}); err != nil {
			t.Fatalf("Handle(%q) on the cluster: %v", text, err)
		}
	}
}

func TestRedisSentinel(t *testing.T) {
	master := redistest.Start(t)
	sentinel := redistest.StartSentinel(t, master, "polkumaster")
	c := openClient(t, "redis+sentinel://"+sentinel+"?master_name=polkumaster")
	storetest.Run(t, func(t *testing.T) bot.Store { return newRedis(t, c, RedisOptions{}) })
}

func contentFor(t testing.TB) *content.Content {
	t.Helper()
	c, ds := content.Load(contenttest.BaseFS(t))
	if c == nil {
		t.Fatal(ds)
	}
	return c
}

// TestRedisRoundTrips: one round trip per message in the common case (the
// person's previous message was handled by this process), two at most.
func TestRedisRoundTrips(t *testing.T) {
	addr := redistest.Shared(t)
	prefix := uniquePrefix(t)
	c := contentFor(t)
	replica := func() (*bot.Engine, *redistest.RoundTrips) {
		cl := openClient(t, addr)
		rt := &redistest.RoundTrips{}
		cl.AddHook(rt)
		e := bot.New(c, newRedis(t, cl, RedisOptions{Prefix: prefix}), bot.Options{})
		rt.Reset() // loading the script at start is not a message's cost
		return e, rt
	}
	a, rtA := replica()
	b, rtB := replica()
	n := 0
	send := func(e *bot.Engine, rt *redistest.RoundTrips, m bot.Message) (int64, error) {
		n++
		m.Platform, m.User = "test", "rt"
		if m.UpdateID == "" {
			m.UpdateID = fmt.Sprint(n)
		}
		before := rt.Count()
		_, err := e.Handle(context.Background(), m)
		return rt.Count() - before, err
	}
	tests := []struct {
		name string
		e    *bot.Engine
		rt   *redistest.RoundTrips
		msg  bot.Message
		want int64
	}{
		{"first contact of a new person", a, rtA, bot.Message{Text: "hei"}, 1},
		{"an answer", a, rtA, bot.Message{Text: "1"}, 1},
		{"a tick", a, rtA, bot.Message{Choice: &bot.Choice{Flow: "jobseeker", Step: "pace", Option: "part_time"}}, 1},
		{"a re-ask that changes nothing", a, rtA, bot.Message{Text: "banaani"}, 1},
		{"help", a, rtA, bot.Message{Text: "/apua"}, 1},
		{"another replica, first time it sees the person", b, rtB, bot.Message{Text: "lappi"}, 2},
		{"back at the first replica, which is now behind", a, rtA, bot.Message{Text: "30"}, 2},
		{"the same update again", a, rtA, bot.Message{Text: "30", UpdateID: "dup"}, 1},
		{"...and its redelivery", a, rtA, bot.Message{Text: "30", UpdateID: "dup"}, 1},
		{"forget me", a, rtA, bot.Message{Text: "/unohda"}, 2},
		{"a new first contact after forgetting", a, rtA, bot.Message{Text: "hei"}, 1},
	}
	for _, tt := range tests {
		got, err := send(tt.e, tt.rt, tt.msg)
		if err != nil && !errors.Is(err, bot.ErrDuplicate) {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got != tt.want {
			t.Errorf("%s: %d round trips, want %d", tt.name, got, tt.want)
		}
	}
}

// twoReplicas returns two engines sharing one Redis as two bot processes
// would (each its own client and cache), and a store that reads what Redis
// holds, bypassing any cache.
func twoReplicas(t *testing.T) ([]*bot.Engine, *Redis) {
	addr := redistest.Shared(t)
	prefix := uniquePrefix(t)
	c := contentFor(t)
	engines := []*bot.Engine{
		bot.New(c, newRedis(t, openClient(t, addr), RedisOptions{Prefix: prefix}), bot.Options{}),
		bot.New(c, newRedis(t, openClient(t, addr), RedisOptions{Prefix: prefix}), bot.Options{}),
	}
	return engines, newRedis(t, openClient(t, addr), RedisOptions{Prefix: prefix, CacheSize: -1})
}

// TestRedisConcurrentAnswers: two bot replicas (separate clients and
// caches) receive one person's two different answers at the same moment.
// After each of 1000 trials the stored session holds exactly one of them.
func TestRedisConcurrentAnswers(t *testing.T) {
	engines, reader := twoReplicas(t)
	ctx := context.Background()
	trials := 1000
	if testing.Short() {
		trials = 100
	}
	for trial := range trials {
		user := fmt.Sprint("p", trial)
		for i, text := range []string{"hei", "1"} { // now at the pace question
			if _, err := engines[i%2].Handle(ctx, bot.Message{Platform: "test", User: user, UpdateID: "s" + fmt.Sprint(i), Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		replies := make([]bot.Reply, 2)
		for i, opt := range []string{"part_time", "full_time"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := engines[i].Handle(ctx, bot.Message{Platform: "test", User: user, UpdateID: opt,
					Choice: &bot.Choice{Flow: "jobseeker", Step: "pace", Option: opt}})
				if err != nil {
					t.Errorf("trial %d: %v", trial, err)
				}
				replies[i] = r
			}()
		}
		wg.Wait()
		s := read(t, reader, "test:"+user)
		if len(s.Answers) != 2 || s.Answers[1].Step != "pace" || (s.Answers[1].Value != "part_time" && s.Answers[1].Value != "full_time") {
			t.Fatalf("trial %d: stored answers %+v, want wants and one pace", trial, s.Answers)
		}
		won := 0
		for i, r := range replies {
			if r.Answered != nil {
				won++
				if want := []string{"part_time", "full_time"}[i]; s.Answers[1].Value != want {
					t.Fatalf("trial %d: replica %d said it stored %s, Redis holds %s", trial, i, want, s.Answers[1].Value)
				}
			}
		}
		if won != 1 {
			t.Fatalf("trial %d: %d replicas applied their answer, want exactly 1", trial, won)
		}
	}
}

// TestRedisDuplicateDelivery: the same update delivered to two replicas at
// once is applied once; the other delivery is recognised as a duplicate.
func TestRedisDuplicateDelivery(t *testing.T) {
	engines, reader := twoReplicas(t)
	ctx := context.Background()
	for trial := range 200 {
		user := fmt.Sprint("d", trial)
		if _, err := engines[0].Handle(ctx, bot.Message{Platform: "test", User: user, UpdateID: "1", Text: "hei"}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = engines[i].Handle(ctx, bot.Message{Platform: "test", User: user, UpdateID: "2", Text: "1, 2"})
			}()
		}
		wg.Wait()
		dups := 0
		for _, err := range errs {
			switch {
			case errors.Is(err, bot.ErrDuplicate):
				dups++
			case err != nil:
				t.Fatalf("trial %d: %v", trial, err)
			}
		}
		if s := read(t, reader, "test:"+user); dups != 1 || len(s.Answers) != 1 {
			t.Fatalf("trial %d: %d duplicates and %d answers stored, want 1 and 1", trial, dups, len(s.Answers))
		}
	}
}

// answeredSteps lists the steps a session has answers for.
func answeredSteps(s *bot.Session) string {
	var steps []string
	for _, a := range s.Answers {
		steps = append(steps, a.Step)
	}
	return strings.Join(steps, ",")
}

func read(t testing.TB, r *Redis, key string) *bot.Session {
	t.Helper()
	var out *bot.Session
	errRead := errors.New("read")
	if err := r.Update(context.Background(), key, func(s *bot.Session) error { out = s.Clone(); return errRead }); !errors.Is(err, errRead) {
		t.Fatalf("read %s: %v", key, err)
	}
	return out
}

// TestRedisKeysRevealNoIds: after conversations, nothing in the database —
// key names or values — contains a platform user id, every key has the
// prefix and a time to live.
func TestRedisKeysRevealNoIds(t *testing.T) {
	srv := redistest.Start(t) // a database of its own, to look at all of it
	cl := srv.Client(t)
	r := newRedis(t, openClient(t, srv.URL()), RedisOptions{Prefix: "polku:", TTL: 30 * 24 * time.Hour})
	e := bot.New(contentFor(t), r, bot.Options{})
	ids := []string{"912345678", "1176543210987654321", "4242"}
	for _, id := range ids {
		for i, text := range []string{"hei", "1", "2"} {
			if _, err := e.Handle(context.Background(), bot.Message{Platform: "telegram", User: id, UpdateID: fmt.Sprint(i), Text: text}); err != nil {
				t.Fatal(err)
			}
		}
	}
	keys := cl.Keys(context.Background(), "*").Val()
	if len(keys) != len(ids) {
		t.Fatalf("keys = %v, want one per person", keys)
	}
	for _, k := range keys {
		v := cl.Get(context.Background(), k).Val()
		for _, id := range ids {
			if strings.Contains(k, id) || strings.Contains(v, id) {
				t.Errorf("key %q (value %q) contains the user id %s", k, v, id)
			}
		}
		if !strings.HasPrefix(k, "polku:{") || !strings.HasSuffix(k, "}:s") {
			t.Errorf("key %q does not have the form polku:{hash}:s", k)
		}
		ttl := cl.PTTL(context.Background(), k).Val()
		if ttl < 29*24*time.Hour || ttl > 30*24*time.Hour {
			t.Errorf("key %q has time to live %v, want 30 days", k, ttl)
		}
	}
	// another secret names people differently: the hash is keyed
	other := newRedis(t, openClient(t, srv.URL()), RedisOptions{Prefix: "polku:", Secret: []byte("another-secret-0123456789")})
	if other.SessionKey("telegram:4242") == r.SessionKey("telegram:4242") {
		t.Errorf("two secrets give the same key")
	}
}

// TestRedisTTLRefreshedOnActivity: every message renews the time to live,
// also one that changes nothing.
func TestRedisTTLRefreshedOnActivity(t *testing.T) {
	addr := redistest.Shared(t)
	cl := openClient(t, addr)
	r := newRedis(t, cl, RedisOptions{TTL: time.Hour})
	e := bot.New(contentFor(t), r, bot.Options{})
	ctx := context.Background()
	send := func(id, text string) {
		if _, err := e.Handle(ctx, bot.Message{Platform: "test", User: "ttl", UpdateID: id, Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	k := r.SessionKey("test:ttl")
	send("1", "hei")
	if ttl := cl.PTTL(ctx, k).Val(); ttl < 59*time.Minute || ttl > time.Hour {
		t.Fatalf("time to live after a write = %v, want an hour", ttl)
	}
	for i, text := range []string{"1", "/apua", "banaani"} { // a change, then two that change nothing
		cl.PExpire(ctx, k, 5*time.Second) // as if the hour had almost passed
		send(fmt.Sprint("a", i), text)
		if ttl := cl.PTTL(ctx, k).Val(); ttl < 59*time.Minute {
			t.Errorf("after %q the time to live is %v, want it renewed to an hour", text, ttl)
		}
	}
}

// TestRedisForgetLeavesNothing: "forget me" removes every key of the
// person; a scan of the whole database finds nothing of them, and others
// are untouched.
func TestRedisForgetLeavesNothing(t *testing.T) {
	srv := redistest.Start(t)
	cl := srv.Client(t)
	r := newRedis(t, openClient(t, srv.URL()), RedisOptions{Prefix: "polku:"})
	e := bot.New(contentFor(t), r, bot.Options{})
	ctx := context.Background()
	for _, user := range []string{"leaver", "stayer"} {
		for i, text := range []string{"hei", "1", "2"} {
			if _, err := e.Handle(ctx, bot.Message{Platform: "telegram", User: user, UpdateID: fmt.Sprint(i), Text: text}); err != nil {
				t.Fatal(err)
			}
		}
	}
	reply, err := e.Handle(ctx, bot.Message{Platform: "telegram", User: "leaver", UpdateID: "9", Text: "forget me"})
	if err != nil || !strings.Contains(strings.Join(reply.Notes, ""), "forgotten") {
		t.Fatalf("forget me: %v %q", err, reply.Notes)
	}
	tag := r.personTag("telegram:leaver")
	var all []string
	iter := cl.Scan(ctx, 0, "*", 100).Iterator()
	for iter.Next(ctx) {
		all = append(all, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	for _, k := range all {
		if strings.Contains(k, tag) {
			t.Errorf("after forget me, key %q of the person is still there", k)
		}
	}
	if len(all) != 1 || !strings.Contains(all[0], r.personTag("telegram:stayer")) {
		t.Errorf("keys after forget = %v, want only the other person's", all)
	}
	// the cache forgot too: the next message is a first contact
	reply, err = e.Handle(ctx, bot.Message{Platform: "telegram", User: "leaver", UpdateID: "10", Text: "hei"})
	if err != nil || len(reply.Notes) == 0 || !strings.HasSuffix(reply.Notes[0], "welcome") {
		t.Errorf("after forget, a message got %q (%v), want a new welcome", reply.Notes, err)
	}
}

// TestRedisSessionSize measures what a whole conversation with the
// built-in content stores.
func TestRedisSessionSize(t *testing.T) {
	addr := redistest.Shared(t)
	cl := openClient(t, addr)
	r := newRedis(t, cl, RedisOptions{})
	c, ds := content.Load(polku.Content())
	if c == nil {
		t.Fatal(ds)
	}
	e := bot.New(c, r, bot.Options{})
	ctx := context.Background()
	id := 912345678
	answers := []string{"hei", "kysy minulta", "1, 2", "2", "tampere", "24", "ei kukaan", "1, 6", "suomi"}
	for i, text := range answers {
		id += 1 + i*37
		rep, err := e.Handle(ctx, bot.Message{Platform: "telegram", User: "size", UpdateID: fmt.Sprint(id), Text: text})
		if err != nil {
			t.Fatal(err)
		}
		if i == len(answers)-1 && rep.Suggestions == nil {
			t.Fatalf("the conversation did not reach the suggestions")
		}
	}
	n := cl.StrLen(ctx, r.SessionKey("telegram:size")).Val()
	t.Logf("a whole conversation (8 answers, the newest 8 update ids) is stored in %d bytes", n)
	if n == 0 || n >= 200 {
		t.Errorf("stored session = %d bytes, want under 200", n)
	}
}

// TestRedisOlderContent: a session stored while older content was in use is
// replayed through the current flow by another process: answers to steps
// that are gone are dropped and the person is asked what is new.
func TestRedisOlderContent(t *testing.T) {
	addr := redistest.Shared(t)
	prefix := uniquePrefix(t)
	ctx := context.Background()
	old := bot.New(contentFor(t), newRedis(t, openClient(t, addr), RedisOptions{Prefix: prefix}), bot.Options{})
	for i, text := range []string{"hei", "1", "2", "lappi"} { // wants, pace, area answered
		if _, err := old.Handle(ctx, bot.Message{Platform: "test", User: "old", UpdateID: fmt.Sprint(i), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	fsys := contenttest.BaseFS(t)
	// the new content has no pace question, and asks something new after wants
	fsys["flows/jobseeker.yaml"].Data = []byte(strings.NewReplacer(
		"        to: pace\n", "        to: helper\n",
		"    next: age\n", "    next: end\n",
	).Replace(string(fsys["flows/jobseeker.yaml"].Data)))
	newer, ds := content.Load(fsys)
	if newer == nil {
		t.Fatal(ds)
	}
	e := bot.New(newer, newRedis(t, openClient(t, addr), RedisOptions{Prefix: prefix}), bot.Options{})
	rep, err := e.Handle(ctx, bot.Message{Platform: "test", User: "old", UpdateID: "9", Text: "/tiedot"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Question == nil || rep.Question.Step != "helper" {
		t.Fatalf("question = %+v, want the new helper question", rep.Question)
	}
	s := read(t, newRedis(t, openClient(t, addr), RedisOptions{Prefix: prefix, CacheSize: -1}), "test:old")
	if steps := answeredSteps(s); steps != "wants" {
		t.Errorf("stored answers after replay = %v, want only wants (pace is gone; area now comes after helper)", steps)
	}
}

// TestRedisCorruptSession: bytes that are not a session (written by
// something else, or damaged) start the person anew instead of failing.
func TestRedisCorruptSession(t *testing.T) {
	addr := redistest.Shared(t)
	cl := openClient(t, addr)
	r := newRedis(t, cl, RedisOptions{CacheSize: -1})
	e := bot.New(contentFor(t), r, bot.Options{})
	cl.Set(context.Background(), r.SessionKey("test:broken"), "{\"json\": true}", time.Hour)
	rep, err := e.Handle(context.Background(), bot.Message{Platform: "test", User: "broken", UpdateID: "1", Text: "hei"})
	if err != nil || rep.Question == nil || rep.Question.Step != "wants" {
		t.Fatalf("a damaged session gave %+v, %v; want a fresh start", rep, err)
	}
	if _, err := DecodeSession([]byte(cl.Get(context.Background(), r.SessionKey("test:broken")).Val())); err != nil {
		t.Errorf("the damaged bytes were not replaced: %v", err)
	}
}

// TestRedisGoingAway: Redis stops answering, crashes and comes back. The
// person gets the kind error message in their language, nothing
// half-written is stored, and the bot recovers by itself.
func TestRedisGoingAway(t *testing.T) {
	srv := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	c, err := OpenRedis(srv.URL() + "?read_timeout=300ms&write_timeout=300ms&dial_timeout=300ms")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := newRedis(t, c, RedisOptions{})
	e := bot.New(contentFor(t), r, bot.Options{})
	n := 0
	send := func(text string) (bot.Reply, error) {
		n++
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rep, err := e.Handle(ctx, bot.Message{Platform: "test", User: "away", UpdateID: fmt.Sprint(n), Text: text, Lang: "en"})
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Handle(%q) hung until the test's deadline; the client's timeouts should end it", text)
		}
		return rep, err
	}
	mustStep := func(text, want string) {
		t.Helper()
		rep, err := send(text)
		if err != nil || rep.Question == nil || rep.Question.Step != want {
			t.Fatalf("Handle(%q) = %+v, %v; want the %s question", text, rep.Question, err, want)
		}
	}
	wantKindError := func(text string) {
		t.Helper()
		rep, err := send(text)
		if err == nil {
			t.Fatalf("Handle(%q) with Redis away did not fail", text)
		}
		if got := strings.Join(rep.Notes, ""); got != "en error" {
			t.Errorf("Handle(%q) with Redis away replied %q, want the kind error message", text, got)
		}
	}
	mustStep("hello", "wants")
	mustStep("1", "pace")

	srv.Pause() // hung
	wantKindError("2")
	srv.Resume()
	mustStep("2", "area") // the answer was not half-stored: pace is asked until answered

	srv.Kill() // crashed
	wantKindError("lappi")
	srv.Restart() // back, with what it had written to disk
	mustStep("lappi", "age")
	s := read(t, newRedis(t, srv.Client(t), RedisOptions{Prefix: r.prefix, CacheSize: -1}), "test:away")
	if steps := answeredSteps(s); steps != "wants,pace,area" {
		t.Errorf("stored answers = %v, want each answer once", steps)
	}
}

func TestOpenRedis(t *testing.T) {
	const canary = "S3cretCanary"
	good := []struct {
		url  string
		want string
	}{
		{"redis://localhost:6379", "*redis.Client"},
		{"redis://:" + canary + "@localhost:6379/2", "*redis.Client"},
		{"rediss://user:" + canary + "@redis.example.org:6380/0", "*redis.Client"},
		{"redis+cluster://10.0.0.1:7000,10.0.0.2:7001,10.0.0.3:7002", "*redis.ClusterClient"},
		{"redis+cluster://one-seed:7000", "*redis.ClusterClient"},
		{"rediss+cluster://u:" + canary + "@a:7000,b:7000", "*redis.ClusterClient"},
		{"redis+sentinel://s1:26379,s2:26379?master_name=polku&password=" + canary, "*redis.Client"},
		{"redis://localhost:6379?dial_timeout=5s&pool_size=20", "*redis.Client"},
	}
	for _, tt := range good {
		c, err := OpenRedis(tt.url)
		if err != nil {
			t.Errorf("OpenRedis(%q) = %v", tt.url, err)
			continue
		}
		if got := fmt.Sprintf("%T", c); got != tt.want {
			t.Errorf("OpenRedis(%q) = %s, want %s", tt.url, got, tt.want)
		}
		c.Close()
	}
	bad := []string{
		"", "localhost:6379", "http://localhost:6379", "redis://", "redis:///0",
		"redis://:" + canary + "@host:notaport", "redis://u:" + canary + "@a:1,b:2",
		"redis+sentinel://s1:26379", "redis+sentinel://s1:26379?password=" + canary,
		"redis://host:6379/notadb", "redis://host:6379?bogus_option=" + canary,
		"redis+cluster://a:7000?max_retries=lots",
		"mongodb://" + canary + "@x",
	}
	for _, u := range bad {
		c, err := OpenRedis(u)
		if err == nil {
			c.Close()
			t.Errorf("OpenRedis(%q) succeeded, want an error", u)
			continue
		}
		if strings.Contains(err.Error(), canary) {
			t.Errorf("OpenRedis(%q) error %q shows the password", u, err)
		}
	}
}

func TestNewRedisNeedsASecret(t *testing.T) {
	for _, secret := range [][]byte{nil, []byte("short")} {
		if _, err := NewRedis(context.Background(), redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), RedisOptions{Secret: secret}); !errors.Is(err, ErrNoSecret) {
			t.Errorf("NewRedis with secret %q = %v, want ErrNoSecret", secret, err)
		}
	}
}

// TestRedisBatchedUpdates: many people's updates at the same moment share
// round trips (one pipeline per batch) and none is lost or mixed up — also
// when Redis forgets the script half-way (SCRIPT FLUSH, as after a restart
// without persistence), which a batch must notice and recover from.
func TestRedisBatchedUpdates(t *testing.T) {
	srv := redistest.Start(t)
	cl := openClient(t, srv.URL())
	rt := &redistest.RoundTrips{}
	cl.AddHook(rt)
	r := newRedis(t, cl, RedisOptions{})
	rt.Reset()
	const people, updates = 64, 30
	var wg sync.WaitGroup
	flushed := make(chan struct{})
	for p := range people {
		wg.Go(func() {
			for u := range updates {
				if p == 0 && u == updates/2 {
					if err := srv.Client(t).ScriptFlush(context.Background()).Err(); err != nil {
						t.Error(err)
					}
					close(flushed)
				}
				err := r.Update(context.Background(), fmt.Sprint("person-", p), func(s *bot.Session) error {
					s.Answers = append(s.Answers, content.Answer{Step: fmt.Sprint(u), Value: fmt.Sprint(p)})
					return nil
				})
				if err != nil {
					t.Errorf("person %d update %d: %v", p, u, err)
					return
				}
			}
		})
	}
	wg.Wait()
	<-flushed
	for p := range people {
		var got []content.Answer
		_ = r.Update(context.Background(), fmt.Sprint("person-", p), func(s *bot.Session) error { got = s.Answers; return errors.New("read") })
		if len(got) != updates {
			t.Fatalf("person %d has %d answers, want %d", p, len(got), updates)
		}
		for u, a := range got {
			if a.Step != fmt.Sprint(u) || a.Value != fmt.Sprint(p) {
				t.Fatalf("person %d answer %d = %+v: mixed up", p, u, a)
			}
		}
	}
	total := int64(people * updates)
	if n := rt.Count(); n >= total {
		t.Errorf("%d round trips for %d updates of %d people at once: no batching", n, total, people)
	} else {
		t.Logf("%d updates in %d round trips", total, n)
	}
}
