package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"polku"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
	"polku/bot/store/redistest"
)

// baseContentDir is the small, stable test content of package content:
//
//	hello (message) → wants (list) → [work: pace] → area → age (int 15–99) → helper (bool) → end
const baseContentDir = "../../bot/content/testdata/base"

// countConversations holds conversations on two days in the base content,
// counting into the Redis at url.
func countConversations(t *testing.T, url string) {
	t.Helper()
	c, ds := content.Load(os.DirFS(baseContentDir))
	if c == nil {
		t.Fatal(ds)
	}
	client, err := store.OpenRedis(url)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	stats := store.NewRedisStats(client, store.StatsOptions{Interval: -1})
	day := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	e := bot.New(c, store.NewMemory(0), bot.Options{Counter: stats, Now: func() time.Time { return day }})
	n := 0
	talk := func(user, lang string, texts ...string) {
		t.Helper()
		for _, text := range texts {
			n++
			m := bot.Message{Platform: "test", User: user, UpdateID: strconv.Itoa(n), Text: text, Lang: lang}
			if _, err := e.Handle(context.Background(), m); err != nil {
				t.Fatalf("%s says %q: %v", user, text, err)
			}
		}
	}
	talk("u1", "fi", "hei", "1", "2", "lappi", "30", "1")       // to the end
	talk("u2", "fi", "hei", "2")                                // stops at area
	talk("u3", "en", "hello", "1", "/human")                    // stops at pace, asks for a person
	talk("u6", "fi", "hei", "1, 2", "3", "tampere", "40", "ei") // to the end
	day = day.AddDate(0, 0, 1)
	talk("u4", "fi", "hei", "1", "2", "helsinki", "fi decline", "1", "/ihminen", "alkuun", "unohda minut")
	talk("u5", "en", "hello")
	talk("u6", "fi", "foo") // after the end: nothing counted
	if err := stats.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// TestStatsCommand runs polku stats against a Redis holding the counts of
// a few conversations and compares what it writes with the files in
// testdata/stats; -update rewrites them.
func TestStatsCommand(t *testing.T) {
	srv := redistest.Start(t)
	countConversations(t, srv.URL())
	getenv := mapEnv(map[string]string{"REDIS_URL": srv.URL(), "POLKU_CONTENT": baseContentDir})
	now := time.Date(2026, 11, 23, 22, 30, 0, 0, time.UTC)
	tests := []struct {
		name   string
		args   []string
		golden string
	}{
		{"two days", []string{"--from", "2026-11-22", "--to", "2026-11-23"}, "two_days.txt"},
		{"the last 7 days by default", nil, "week.txt"},
		{"one language", []string{"--lang", "en"}, "english.txt"},
		{"one day", []string{"--days", "1"}, "one_day.txt"},
		{"one flow", []string{"--flow", "jobseeker", "--to", "2026-11-22", "--days", "1"}, "first_day.txt"},
		{"no data", []string{"--from", "2026-10-01", "--to", "2026-10-31"}, "no_data.txt"},
		{"no data in a language", []string{"--lang", "en", "--from", "2026-11-22", "--to", "2026-11-22", "--redis-prefix", "other:"}, "no_data_lang.txt"},
		{"json", []string{"--json", "--days", "2"}, "two_days.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			if err := runStats(context.Background(), tt.args, getenv, now, &out, &errs); err != nil {
				t.Fatalf("polku stats %s: %v\n%s", strings.Join(tt.args, " "), err, errs.String())
			}
			if errs.Len() > 0 {
				t.Errorf("stderr: %s", errs.String())
			}
			golden(t, filepath.Join("testdata", "stats", tt.golden), out.String())
			if strings.HasSuffix(tt.golden, ".json") && !json.Valid(out.Bytes()) {
				t.Errorf("--json wrote invalid JSON")
			}
		})
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/polku -run %s -update to write it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (-update rewrites it; review the diff):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestStatsBuiltinContent: the built-in content's flow is shown with its
// questions in the order they are asked.
func TestStatsBuiltinContent(t *testing.T) {
	srv := redistest.Start(t)
	client, err := store.OpenRedis(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	s := store.NewRedisStats(client, store.StatsOptions{Interval: -1})
	s.Count(bot.Event{Day: "2026-11-23", Flow: "jobseeker", Lang: "sv", Kind: bot.EventStarted})
	s.Count(bot.Event{Day: "2026-11-23", Flow: "jobseeker", Step: "wants", Lang: "sv", Kind: bot.EventReached})
	s.Count(bot.Event{Day: "2026-11-23", Flow: "oldflow", Step: "q", Lang: "sv", Kind: bot.EventReached})
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	err = run(context.Background(), []string{"polku", "stats", "--from", "2026-11-23"}, mapEnv(map[string]string{"REDIS_URL": srv.URL()}), nil, &out, &errs)
	if err != nil {
		t.Fatalf("polku stats: %v\n%s", err, errs.String())
	}
	c := builtinContent(t)
	var questions []string
	for _, st := range askOrder(c.Start) {
		questions = append(questions, st.ID)
	}
	if len(questions) < 5 || questions[0] != c.Start.Start.ID {
		t.Fatalf("askOrder(built-in) = %q, want the start first", questions)
	}
	text := out.String()
	last := -1
	for i, q := range questions {
		at := strings.Index(text, "  "+strconv.Itoa(i+1)+" "+q+" ")
		if at < 0 || at < last {
			t.Errorf("question %s is not shown %d. in order:\n%s", q, i+1, text)
		}
		last = at
	}
	for _, want := range []string{"jobseeker: ", "oldflow (no longer in the content)", "  q (gone)"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
}

func TestStatsUsage(t *testing.T) {
	srv := "redis://127.0.0.1:1"
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		wantCode int
		want     string
	}{
		{"no Redis", nil, nil, 2, "Counters are kept in Redis: set REDIS_URL"},
		{"a bad day", []string{"--from", "23.11.2026"}, map[string]string{"REDIS_URL": srv}, 2, "--from 23.11.2026: write a day as 2026-11-23"},
		{"backwards", []string{"--from", "2026-11-23", "--to", "2026-11-01"}, map[string]string{"REDIS_URL": srv}, 2, "--from 2026-11-23 is after --to 2026-11-01"},
		{"days and from", []string{"--days", "3", "--from", "2026-11-01"}, map[string]string{"REDIS_URL": srv}, 2, "--days and --from"},
		{"no days", []string{"--days", "0"}, map[string]string{"REDIS_URL": srv}, 2, "--days 0: give a number of days from 1 to 400"},
		{"unknown flow", []string{"--flow", "nosuch"}, map[string]string{"REDIS_URL": srv}, 2, "--flow nosuch: the content has no such flow; its flows are jobseeker"},
		{"unknown language", []string{"--lang", "de"}, map[string]string{"REDIS_URL": srv}, 2, "--lang de: the content speaks fi, sv, en"},
		{"an argument", []string{"jobseeker"}, nil, 2, "stats takes no arguments"},
		{"not an address", nil, map[string]string{"REDIS_URL": "localhost:6379"}, 2, "REDIS_URL: it must look like redis://"},
		{"nobody listens", []string{"--redis", "redis://:Pa55wordCanary@127.0.0.1:1"}, nil, 1, "--redis: cannot read the counts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			err := run(context.Background(), append([]string{"polku", "stats"}, tt.args...), mapEnv(tt.env), nil, &out, &errs)
			if code := exitCode(err); code != tt.wantCode {
				t.Fatalf("exit code %d (%v), want %d", code, err, tt.wantCode)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to start with %q", err, tt.want)
			}
			if strings.Contains(err.Error()+out.String()+errs.String(), "Pa55wordCanary") {
				t.Errorf("the output shows the password: %v", err)
			}
		})
	}
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"polku", "stats", "--help"}, mapEnv(nil), nil, &out, &errs); err != nil {
		t.Errorf("polku stats --help = %v, want success", err)
	}
	if !strings.Contains(errs.String(), "Examples:") || !strings.Contains(errs.String(), "-days") {
		t.Errorf("polku stats --help shows:\n%s", errs.String())
	}
}

func TestStatsRange(t *testing.T) {
	now := time.Date(2026, 11, 23, 23, 30, 0, 0, time.FixedZone("EET", 2*60*60)) // 21:30 UTC
	tests := []struct {
		name     string
		days     int
		from, to string
		given    []string
		want     string
	}{
		{"default", 7, "", "", nil, "2026-11-17 2026-11-23"},
		{"one day", 1, "", "", []string{"days"}, "2026-11-23 2026-11-23"},
		{"from", 7, "2026-11-01", "", []string{"from"}, "2026-11-01 2026-11-23"},
		{"from and to", 7, "2026-11-01", "2026-11-05", []string{"from", "to"}, "2026-11-01 2026-11-05"},
		{"days up to to", 3, "", "2026-11-05", []string{"days", "to"}, "2026-11-03 2026-11-05"},
	}
	for _, tt := range tests {
		given := map[string]bool{}
		for _, g := range tt.given {
			given[g] = true
		}
		from, to, err := statsRange(now, tt.days, tt.from, tt.to, given)
		if got := bot.Day(from) + " " + bot.Day(to); err != nil || got != tt.want {
			t.Errorf("%s: statsRange = %s, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

// TestOpenCounter: the counter polku chat gets from the store settings
// writes to the Redis that keeps sessions, at the latest when closed, and
// polku stats reads it back.
func TestOpenCounter(t *testing.T) {
	srv := redistest.Start(t)
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	sc := storeFlags(fs, mapEnv(map[string]string{"REDIS_URL": srv.URL(), "POLKU_KEY_SECRET": "test-secret-0123456789"}))
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	st, ttl, closeStore, err := sc.open(context.Background(), log)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore()
	counter, closeCounter, err := sc.openCounter(log)
	if err != nil {
		t.Fatal(err)
	}
	e := bot.New(builtinContent(t), st, bot.Options{SessionTTL: ttl, Counter: counter})
	for i, text := range []string{"hei", "1"} {
		if _, err := e.Handle(context.Background(), bot.Message{Platform: "console", User: "local", UpdateID: strconv.Itoa(i), Text: text}); err != nil {
			t.Fatal(err)
		}
	}
	closeCounter()
	var out, errs bytes.Buffer
	if err := run(context.Background(), []string{"polku", "stats", "--days", "1", "--json"}, mapEnv(map[string]string{"REDIS_URL": srv.URL()}), nil, &out, &errs); err != nil {
		t.Fatalf("polku stats: %v\n%s", err, errs.String())
	}
	var got statsJSON
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Flows) != len(builtinContent(t).Flows) || got.Flows[0].Started.Count != 1 || got.Flows[0].Questions[0].Answered.Count != 1 {
		t.Errorf("polku stats after one answer:\n%s", out.String())
	}

	// without Redis the counts stay in the process
	sc = storeFlags(flag.NewFlagSet("chat", flag.ContinueOnError), mapEnv(nil))
	counter, closeCounter, err = sc.openCounter(log)
	if err != nil {
		t.Fatal(err)
	}
	defer closeCounter()
	if _, ok := counter.(*store.Stats); !ok {
		t.Errorf("openCounter without Redis = %T, want *store.Stats", counter)
	}
}

func builtinContent(t *testing.T) *content.Content {
	t.Helper()
	c, ds := content.Load(polku.Content())
	if c == nil {
		t.Fatal(ds)
	}
	return c
}
