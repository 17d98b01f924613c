package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"polku/bot/store/redistest"
)

// runLoadJSON runs polku load in-process with --json and returns the
// report, stderr and what run returned.
func runLoadJSON(t *testing.T, ctx context.Context, env map[string]string, args ...string) (loadReport, string, error) {
	t.Helper()
	var out, errs bytes.Buffer
	err := run(ctx, append([]string{"polku", "load", "--json"}, args...), mapEnv(env), nil, &out, &errs)
	var rep loadReport
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Fatalf("polku load %s: the output is not the JSON report (%v; run returned %v):\n%s\nstderr:\n%s",
			strings.Join(args, " "), jerr, err, out.String(), errs.String())
	}
	return rep, errs.String(), err
}

// sane checks what every clean run must show.
func sane(t *testing.T, rep loadReport, people, flows int) {
	t.Helper()
	if rep.Errors != 0 || rep.Mismatches != 0 || rep.Refused != 0 || rep.GaveUp != 0 {
		t.Errorf("errors %d (refused %d, gave up %d, mismatches %d), want none; problems:\n%s",
			rep.Errors, rep.Refused, rep.GaveUp, rep.Mismatches, strings.Join(rep.Problems, "\n"))
	}
	if rep.Stopped != "done" || rep.FlowsCompleted != int64(people*flows) || rep.Checked != people {
		t.Errorf("stopped %q with %d flows completed and %d people checked, want done, %d and %d",
			rep.Stopped, rep.FlowsCompleted, rep.Checked, people*flows, people)
	}
	// a flow is at least /start and an answer to each of a few questions
	if rep.Updates < int64(people*flows*3) || rep.Updates != rep.UpdatesAll {
		t.Errorf("%d updates measured of %d, want all of them and at least 3 a flow", rep.Updates, rep.UpdatesAll)
	}
	l := rep.LatencyMS
	if rep.PerSecond <= 0 || l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max {
		t.Errorf("%.0f updates/s, latency %+v: want a rate and ordered percentiles", rep.PerSecond, l)
	}
	if rep.Allocs <= 0 || rep.APICalls < 1 || rep.PeakRSSBytes <= 0 {
		t.Errorf("allocs %.0f, Bot API calls %.2f, peak RSS %d per update: want them counted", rep.Allocs, rep.APICalls, rep.PeakRSSBytes)
	}
}

// TestLoadMemory: people go through the built-in flow against the memory
// store; every question is the expected one and every person's suggestions
// are what the engine computes for their answers. Redis figures are null.
func TestLoadMemory(t *testing.T) {
	t.Parallel()
	rep, _, err := runLoadJSON(t, t.Context(), nil, "--n", "8", "--k", "3", "--seed", "7")
	if err != nil {
		t.Fatalf("polku load: %v", err)
	}
	sane(t, rep, 8, 3)
	if rep.Store != "memory" || rep.RedisCommands != nil || rep.RoundTrips != nil || rep.SessionBytes != nil {
		t.Errorf("store %q with Redis figures %v %v %v, want memory and none", rep.Store, rep.RedisCommands, rep.RoundTrips, rep.SessionBytes)
	}
}

// TestLoadSameSeedSameConversations: the answers come from the seed, so
// two runs with one seed make the same number of updates, and another seed
// other conversations.
func TestLoadSameSeedSameConversations(t *testing.T) {
	t.Parallel()
	updates := func(seed string) int64 {
		rep, _, err := runLoadJSON(t, t.Context(), nil, "--n", "6", "--k", "2", "--seed", seed)
		if err != nil {
			t.Fatalf("polku load --seed %s: %v", seed, err)
		}
		return rep.Updates
	}
	a, b := updates("3"), updates("3")
	if a != b {
		t.Errorf("seed 3 made %d updates, then %d: want the same conversations", a, b)
	}
	if c := updates("4"); c == a {
		t.Logf("seeds 3 and 4 both made %d updates (possible, unlikely)", a)
	}
}

// TestLoadContentDir: another content directory, with a typed number and
// a yes/no question (the loader's small base content).
func TestLoadContentDir(t *testing.T) {
	t.Parallel()
	rep, _, err := runLoadJSON(t, t.Context(), nil, "--n", "10", "--k", "3", "--content", baseContentDir)
	if err != nil {
		t.Fatalf("polku load: %v", err)
	}
	sane(t, rep, 10, 3)
}

// TestLoadRedis: against a real Redis, one round trip per update in the
// common case (never more than 2: issue 9), Redis's own count of commands,
// and the size of a session; the people's sessions are gone afterwards.
func TestLoadRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	rep, _, err := runLoadJSON(t, t.Context(), map[string]string{"REDIS_URL": srv.URL()}, "--n", "10", "--k", "3")
	if err != nil {
		t.Fatalf("polku load: %v", err)
	}
	sane(t, rep, 10, 3)
	if rep.Store != "redis" || rep.RoundTrips == nil || rep.RedisCommands == nil || rep.SessionBytes == nil || rep.SessionMemory == nil {
		t.Fatalf("store %q, round trips %v, commands %v, session bytes %v: want Redis and its figures", rep.Store, rep.RoundTrips, rep.RedisCommands, rep.SessionBytes)
	}
	// one per update, never more than 2; fewer when updates of different
	// people at the same moment share one (the store batches them)
	if rt := *rep.RoundTrips; rt <= 0 || rt > 2 {
		t.Errorf("%.2f round trips per update, want more than 0 and at most 2", rt)
	}
	if c := *rep.RedisCommands; c < *rep.RoundTrips {
		t.Errorf("Redis ran %.2f commands per update, fewer than the %.2f round trips", c, *rep.RoundTrips)
	}
	if b := *rep.SessionBytes; b <= 0 || b > 1000 {
		t.Errorf("%.0f bytes per session, want a few hundred at most", b)
	}
	keys, err := srv.Client(t).Keys(context.Background(), loadPrefix+"*:s").Result()
	if err != nil || len(keys) != 0 {
		t.Errorf("sessions left in Redis after the run: %v (%v)", keys, err)
	}
}

// TestLoadStoreErrors: a failing store is reported honestly — refused
// updates, the injected failures counted, exit status 1 — and costs no
// answer: people post a refused update again, as Telegram does, and every
// suggestion is still right.
func TestLoadStoreErrors(t *testing.T) {
	t.Parallel()
	rep, stderr, err := runLoadJSON(t, t.Context(), nil, "--n", "10", "--k", "3", "--store-errors", "0.05", "--store-latency", "100us")
	if exitCode(err) != 1 {
		t.Errorf("exit status %d (%v), want 1", exitCode(err), err)
	}
	if rep.StoreFailures == 0 || rep.Refused == 0 || rep.Errors < rep.Refused {
		t.Errorf("%d store failures injected, %d updates refused, %d errors: want them all counted", rep.StoreFailures, rep.Refused, rep.Errors)
	}
	if rep.Mismatches != 0 || rep.FlowsCompleted != 30 || rep.Checked != 10 {
		t.Errorf("%d mismatches, %d flows completed, %d checked: want no answer lost; problems:\n%s",
			rep.Mismatches, rep.FlowsCompleted, rep.Checked, strings.Join(rep.Problems, "\n"))
	}
	if !strings.Contains(stderr, "polku load: ") || !strings.Contains(stderr, " error") {
		t.Errorf("stderr does not say there were errors:\n%s", stderr)
	}
}

// TestLoadAPIErrors: a Bot API that fails now and then (500) is retried by
// the adapter, so every reply arrives: the failures are counted, nothing
// is an error.
func TestLoadAPIErrors(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("each retry waits a quarter of a second or more")
	}
	rep, _, err := runLoadJSON(t, t.Context(), nil, "--n", "5", "--k", "2", "--api-errors", "0.03", "--api-latency", "200us")
	if err != nil {
		t.Fatalf("polku load: %v; problems:\n%s", err, strings.Join(rep.Problems, "\n"))
	}
	sane(t, rep, 5, 2)
	if rep.APIFailures > 0 && rep.LoggedWarnings < rep.APIFailures {
		t.Errorf("%d Bot API failures injected, %d warnings logged: want each retry logged", rep.APIFailures, rep.LoggedWarnings)
	}
}

// TestLoadStops: a run cut short — by the context (Ctrl-C) or the time
// limit — stops promptly and still reports what it measured.
func TestLoadStops(t *testing.T) {
	t.Parallel()
	t.Run("interrupted", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithTimeout(t.Context(), 400*time.Millisecond)
		defer cancel()
		start := time.Now()
		rep, _, err := runLoadJSON(t, ctx, nil, "--n", "20", "--k", "1000000")
		if err != nil {
			t.Fatalf("polku load: %v", err)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("took %s to stop", d)
		}
		if rep.Stopped != "interrupted" || rep.Updates == 0 || rep.PerSecond == 0 {
			t.Errorf("stopped %q after %d updates (%.0f/s), want interrupted with figures", rep.Stopped, rep.Updates, rep.PerSecond)
		}
	})
	t.Run("time limit", func(t *testing.T) {
		t.Parallel()
		rep, _, err := runLoadJSON(t, t.Context(), nil, "--n", "5", "--k", "1000000", "--duration", "400ms", "--warmup", "100ms")
		if err != nil {
			t.Fatalf("polku load: %v", err)
		}
		if rep.Stopped != "time limit" || rep.Updates == 0 || rep.Updates >= rep.UpdatesAll || rep.Seconds > 1 {
			t.Errorf("stopped %q, %d of %d updates measured in %.2f s: want the time limit, the warm-up left out",
				rep.Stopped, rep.Updates, rep.UpdatesAll, rep.Seconds)
		}
	})
}

// TestLoadTable: without --json the figures are a table, Redis's as —.
func TestLoadTable(t *testing.T) {
	t.Parallel()
	var out, errs bytes.Buffer
	if err := run(t.Context(), []string{"polku", "load", "--n", "3", "--k", "1"}, mapEnv(nil), nil, &out, &errs); err != nil {
		t.Fatalf("polku load: %v\n%s", err, errs.String())
	}
	for _, want := range []string{"updates per second", "latency p50 / p90 / p99 / max", "CPU per update", "allocations per update",
		"round trips per update         —", "bytes per session              —", "peak RSS", "errors                         0",
		"3 people's last flows: every suggestion as the engine computes it"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the table has no %q:\n%s", want, out.String())
		}
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.9, 900 * time.Microsecond}, {0.99, 990 * time.Microsecond}} {
		got := h.quantile(c.q)
		if d := float64(got-c.want) / float64(c.want); d < -0.04 || d > 0.04 {
			t.Errorf("quantile %.2f = %s, want %s within 4%%", c.q, got, c.want)
		}
	}
	if h.quantile(1) != time.Millisecond || time.Duration(h.max.Load()) != time.Millisecond {
		t.Errorf("max %s, want 1ms", time.Duration(h.max.Load()))
	}
	for _, v := range []uint64{0, 1, 63, 64, 65, 1000, 1 << 20, 1<<40 + 12345, 1 << 62} {
		if m := bucketMid(bucketOf(v)); float64(m) < float64(v)*0.96 || float64(m) > float64(v)*1.04+1 {
			t.Errorf("%d falls in a bucket around %d", v, m)
		}
	}
}

func TestFields(t *testing.T) {
	body := []byte(`{"chat_id":42,"text":"a \"b\" {c}","reply_markup":{"inline_keyboard":[[{"text":"X","callback_data":"a|f|s|o"}]]},"message_id":7}`)
	got := map[string]string{}
	fields(body, func(k string, v []byte) { got[k] = string(v) })
	want := map[string]string{"chat_id": "42", "text": `"a \"b\" {c}"`, "message_id": "7",
		"reply_markup": `{"inline_keyboard":[[{"text":"X","callback_data":"a|f|s|o"}]]}`}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
	kb := []byte(want["reply_markup"])
	if !hasButton(kb, "a|f|s|o") || hasButton(kb, "a|f|s") || buttonText(kb, "a|f|s|o") != "X" || firstButton(kb) != "a|f|s|o" {
		t.Errorf("the keyboard's button is not found")
	}
}

// TestLoadReplicas: two bots — each its own adapter, engine and Redis
// client — share one Redis, as replicas behind a webhook do. Whether each
// person stays with one replica or their updates go to the replicas in
// turn, no answer is lost or doubled: every question and every last
// suggestion is checked, and no answer is written over a message other
// than the open question (which a replica's stale memory of the chat
// would do). In turn, a replica's cached session is often stale, so an
// update may take two round trips, never more.
func TestLoadReplicas(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	for _, spread := range []string{"split", "same"} {
		t.Run(spread, func(t *testing.T) {
			rep, _, err := runLoadJSON(t, t.Context(), map[string]string{"REDIS_URL": srv.URL()},
				"--n", "12", "--k", "3", "--replicas", "2", "--spread", spread, "--redis-prefix", "replicas-"+spread+":")
			if err != nil {
				t.Fatalf("polku load: %v; problems:\n%s", err, strings.Join(rep.Problems, "\n"))
			}
			sane(t, rep, 12, 3)
			if rep.Replicas != 2 || rep.Spread != spread {
				t.Errorf("replicas %d, spread %q: want 2 and %q", rep.Replicas, rep.Spread, spread)
			}
			if rt := *rep.RoundTrips; rt <= 0 || rt > 2 {
				t.Errorf("%.2f round trips per update, want more than 0 and at most 2", rt)
			}
		})
	}
	err := run(t.Context(), []string{"polku", "load", "--replicas", "2"}, mapEnv(nil), nil, io.Discard, io.Discard)
	if exitCode(err) != 2 || err == nil || !strings.Contains(err.Error(), "give --redis too") {
		t.Errorf("--replicas without Redis: exit %d (%v); want 2 and how to fix it", exitCode(err), err)
	}
}

// TestLoadConnections: with fewer connections than people, as Telegram
// posts at most max_connections updates at once, updates wait their turn
// — the wait reported apart from the handler's time — and nothing is
// lost; with no limit there is no such wait.
func TestLoadConnections(t *testing.T) {
	t.Parallel()
	rep, _, err := runLoadJSON(t, t.Context(), nil, "--n", "12", "--k", "2", "--connections", "3")
	if err != nil {
		t.Fatalf("polku load: %v; problems:\n%s", err, strings.Join(rep.Problems, "\n"))
	}
	sane(t, rep, 12, 2)
	if q := rep.QueuedMS; rep.Connections != 3 || q == nil || q.P50 > q.P99 || q.P99 > q.Max || q.Max <= 0 {
		t.Errorf("connections %d, queued %+v: want 3 and ordered waits", rep.Connections, q)
	}
	rep, _, err = runLoadJSON(t, t.Context(), nil, "--n", "12", "--k", "1", "--connections", "0")
	if err != nil || rep.QueuedMS != nil {
		t.Errorf("--connections 0: %v, queued %+v; want no wait reported", err, rep.QueuedMS)
	}
}
