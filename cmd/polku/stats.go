package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

func init() {
	register(command{name: "stats", summary: "show where people stop in each flow", order: 60,
		run: func(ctx context.Context, inv invocation) error {
			return runStats(ctx, inv.args, inv.getenv, time.Now(), inv.stdout, inv.stderr)
		}})
}

const statsUsage = `Usage: polku stats [--days N | --from DAY [--to DAY]] [--flow ID] [--lang CODE] [--json]

Shows where people stop in each flow: how many conversations started, how
many reached each question (in the order the flow asks them) and answered
it, how many saw the suggestions, and how many asked for a person or to be
forgotten — per language, over whole days in UTC. These are counts only:
Polku keeps nothing per person for them.

Polku writes the counts to Redis when it keeps sessions there, one hash
per day, kept 400 days; polku stats reads them from the same Redis
(--redis, $REDIS_URL). It does not need $POLKU_KEY_SECRET.

Examples:
  polku stats                               the last 7 days, today included
  polku stats --days 30 --lang sv           the last 30 days, Swedish only
  polku stats --from 2026-11-01 --to 2026-11-30 --flow jobseeker
  polku stats --json > stats.json           everything, also per day, for a spreadsheet

Flags:`

// openCounter returns where an engine counts conversation events — Redis
// when sessions are kept there, this process otherwise — and a function
// that stops counting and writes what is left. It opens a Redis client of
// its own.
func (c *storeConfig) openCounter(log *slog.Logger) (bot.Counter, func(), error) {
	if c.redis == "" {
		return store.NewStats(), func() {}, nil
	}
	client, err := store.OpenRedis(c.redis)
	if err != nil {
		return nil, nil, usageError{msg: c.source("redis", "REDIS_URL") + ": " + err.Error()}
	}
	s := store.NewRedisStats(client, store.StatsOptions{Prefix: c.prefix, Logger: log})
	return s, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Close(ctx); err != nil {
			log.Warn("last statistics not written", "err", err)
		}
		client.Close()
	}, nil
}

// statsOptions are what polku stats was asked for.
type statsOptions struct {
	from, to time.Time
	flow     string
	lang     string
	json     bool
}

func runStats(ctx context.Context, args []string, getenv env, now time.Time, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("redis", getenv("REDIS_URL"), "the Redis that Polku keeps sessions and counts in ($REDIS_URL)")
	prefix := fs.String("redis-prefix", or(getenv("POLKU_REDIS_PREFIX"), store.DefaultPrefix), "start of every Redis key ($POLKU_REDIS_PREFIX)")
	dir := fs.String("content", getenv("POLKU_CONTENT"), "a content directory instead of the built-in content, for the order of the questions ($POLKU_CONTENT)")
	days := fs.Int("days", 7, "how many days to show, ending today (UTC)")
	from := fs.String("from", "", "the first day to show, as 2026-11-01 (UTC)")
	to := fs.String("to", "", "the last day to show (default: today, or --days after --from)")
	var o statsOptions
	fs.StringVar(&o.flow, "flow", "", "show only this flow")
	fs.StringVar(&o.lang, "lang", "", "count only conversations in this language, e.g. sv")
	fs.BoolVar(&o.json, "json", false, "write JSON: the funnels and every count per day")
	fs.Usage = func() {
		fmt.Fprintln(stderr, statsUsage)
		fs.PrintDefaults()
	}
	if done, err := parseFlags(fs, args); done {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{msg: "stats takes no arguments"}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	if o.from, o.to, err = statsRange(now, *days, *from, *to, given); err != nil {
		return err
	}
	c, ds, err := loadContent(*dir, stderr, false)
	if err != nil {
		if _, ok := err.(contentError); ok {
			fmt.Fprintf(stderr, "polku stats: the content has %s; fix them and try again\n", countWords(ds))
			return errReported
		}
		return err
	}
	if o.flow != "" && c.Flow(o.flow) == nil {
		return usageError{msg: fmt.Sprintf("--flow %s: the content has no such flow; its flows are %s", o.flow, strings.Join(flowIDs(c), ", "))}
	}
	if o.lang != "" && !c.Language(o.lang) {
		return usageError{msg: fmt.Sprintf("--lang %s: the content speaks %s", o.lang, strings.Join(langCodes(c), ", "))}
	}
	if *addr == "" {
		return usageError{msg: "Counters are kept in Redis: set REDIS_URL (or --redis) to the Redis that Polku keeps sessions in. " +
			"Without Redis, Polku counts only in the memory of the process that talks, and the counts end with it"}
	}
	redis.SetLogger(store.RedisLogger{Log: slog.New(slog.DiscardHandler)}) // the error says what went wrong
	client, err := store.OpenRedis(*addr)
	if err != nil {
		return usageError{msg: redisSource(fs) + ": " + err.Error()}
	}
	defer client.Close()
	counts, err := readCounts(ctx, client, *prefix, o.from, o.to)
	if err != nil {
		return fmt.Errorf("%s: cannot read the counts: %w", redisSource(fs), err)
	}
	counts = slices.DeleteFunc(counts, func(ec store.EventCount) bool {
		return (o.flow != "" && ec.Flow != o.flow) || (o.lang != "" && ec.Lang != o.lang)
	})
	funnels := buildFunnels(c, counts, o.flow, o.lang)
	if o.json {
		return writeStatsJSON(stdout, o, funnels, counts)
	}
	return writeStatsText(stdout, c, o, funnels)
}

func redisSource(fs *flag.FlagSet) string {
	src := "REDIS_URL"
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "redis" {
			src = "--redis"
		}
	})
	return src
}

func readCounts(ctx context.Context, client redis.UniversalClient, prefix string, from, to time.Time) ([]store.EventCount, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	counts, err := store.ReadStats(ctx, client, prefix, from, to)
	if errors.Is(err, context.DeadlineExceeded) {
		err = errors.New("no answer in 10 s")
	}
	return counts, err
}

// statsRange reads the days asked for: --days ending today, or from --from
// to --to (today by default), or --days ending on --to.
func statsRange(now time.Time, days int, from, to string, given map[string]bool) (time.Time, time.Time, error) {
	today := now.UTC().Truncate(24 * time.Hour)
	if days < 1 || days > int(store.StatsTTL/(24*time.Hour)) {
		return time.Time{}, time.Time{}, usageError{msg: fmt.Sprintf("--days %d: give a number of days from 1 to %d (counts are kept %d days)", days, store.StatsTTL/(24*time.Hour), store.StatsTTL/(24*time.Hour))}
	}
	if given["days"] && given["from"] {
		return time.Time{}, time.Time{}, usageError{msg: "--days and --from: give one or the other (--from with --to for a range)"}
	}
	parse := func(name, s string) (time.Time, error) {
		d, err := time.Parse(bot.DayLayout, s)
		if err != nil {
			return time.Time{}, usageError{msg: fmt.Sprintf("--%s %s: write a day as 2026-11-23", name, s)}
		}
		return d, nil
	}
	last := today
	if to != "" {
		d, err := parse("to", to)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		last = d
	}
	first := last.AddDate(0, 0, -(days - 1))
	if from != "" {
		d, err := parse("from", from)
		if err != nil {
			return time.Time{}, time.Time{}, err
		}
		first = d
	}
	if last.Before(first) {
		return time.Time{}, time.Time{}, usageError{msg: fmt.Sprintf("--from %s is after --to %s", bot.Day(first), bot.Day(last))}
	}
	if last.Sub(first) >= store.MaxStatsDays*24*time.Hour {
		return time.Time{}, time.Time{}, usageError{msg: fmt.Sprintf("from %s to %s is more than %d days", bot.Day(first), bot.Day(last), store.MaxStatsDays)}
	}
	return first, last, nil
}

func flowIDs(c *content.Content) []string {
	var ids []string
	for _, f := range c.Flows {
		ids = append(ids, f.ID)
	}
	return ids
}

func langCodes(c *content.Content) []string {
	var codes []string
	for _, l := range c.Languages {
		codes = append(codes, l.Code)
	}
	return codes
}

// tally is a count, in all and per language.
type tally struct {
	Count     int64            `json:"count"`
	Languages map[string]int64 `json:"languages,omitempty"`
}

func (t *tally) add(lang string, n int64) {
	t.Count += n
	if t.Languages == nil {
		t.Languages = map[string]int64{}
	}
	t.Languages[lang] += n
}

func (t tally) in(lang string) int64 {
	if lang == "" {
		return t.Count
	}
	return t.Languages[lang]
}

// funnel is one flow's counts in the order the flow asks its questions.
type funnel struct {
	Flow  string `json:"flow"`
	Title string `json:"title,omitempty"`
	// Gone says the content no longer has this flow.
	Gone      bool       `json:"gone,omitempty"`
	Started   tally      `json:"started"`
	Restarted tally      `json:"started_over"`
	Questions []*stepRow `json:"questions"`
	End       stepRow    `json:"-"` // suggestions shown, and who asked for a person or to be forgotten there
	Suggested tally      `json:"suggestions_shown"`
	Handoff   tally      `json:"asked_for_person"`
	Forgot    tally      `json:"forgot"`
	languages []string   // with counts, in the content's order
	handoffAt []string   // where people asked for a person: "area 2", …
	forgotAt  []string
}

// stepRow is one question (or the end) of a funnel.
type stepRow struct {
	Step     string `json:"step"`
	Question string `json:"question,omitempty"`
	// Gone says the content no longer has this question.
	Gone     bool  `json:"gone,omitempty"`
	Reached  tally `json:"reached"`
	Answered tally `json:"answered"`
	// Stopped is how many reached the question and did not answer it.
	Stopped tally `json:"stopped"`
	Handoff tally `json:"asked_for_person"`
	Forgot  tally `json:"forgot"`
}

// buildFunnels arranges counts by flow: the content's flows in its order,
// then flows the content no longer has; only the flow only when it is set.
// Questions are named in lang, or the content's first language.
func buildFunnels(c *content.Content, counts []store.EventCount, only, lang string) []*funnel {
	textLang := lang
	if textLang == "" {
		textLang = c.Languages[0].Code
	}
	byFlow := map[string]*funnel{}
	var out []*funnel
	get := func(id string) *funnel {
		if f := byFlow[id]; f != nil {
			return f
		}
		f := &funnel{Flow: id, End: stepRow{Step: bot.EndStep}}
		if cf := c.Flow(id); cf != nil {
			f.Title = cf.Title.In(textLang)
			for _, st := range askOrder(cf) {
				f.Questions = append(f.Questions, &stepRow{Step: st.ID, Question: st.Text.In(textLang)})
			}
		} else {
			f.Gone = true
		}
		byFlow[id] = f
		out = append(out, f)
		return f
	}
	for _, f := range c.Flows {
		get(f.ID)
	}
	langs := map[string]bool{}
	for _, ec := range counts {
		f := get(ec.Flow)
		langs[ec.Lang] = true
		switch ec.Kind {
		case bot.EventStarted:
			f.Started.add(ec.Lang, ec.N)
			continue
		case bot.EventRestarted:
			f.Restarted.add(ec.Lang, ec.N)
			continue
		}
		if ec.Step == "" { // asked for a person or to be forgotten in a flow the content no longer has
			switch ec.Kind {
			case bot.EventHandoff:
				f.Handoff.add(ec.Lang, ec.N)
			case bot.EventForgot:
				f.Forgot.add(ec.Lang, ec.N)
			}
			continue
		}
		row := f.row(ec.Step)
		switch ec.Kind {
		case bot.EventReached:
			row.Reached.add(ec.Lang, ec.N)
		case bot.EventAnswered:
			row.Answered.add(ec.Lang, ec.N)
		case bot.EventSuggested:
			f.End.Reached.add(ec.Lang, ec.N)
		case bot.EventHandoff:
			row.Handoff.add(ec.Lang, ec.N)
			f.Handoff.add(ec.Lang, ec.N)
		case bot.EventForgot:
			row.Forgot.add(ec.Lang, ec.N)
			f.Forgot.add(ec.Lang, ec.N)
		}
	}
	var order []string
	for _, code := range langCodes(c) {
		if langs[code] {
			order = append(order, code)
			delete(langs, code)
		}
	}
	var other []string
	for code := range langs {
		other = append(other, code)
	}
	slices.Sort(other)
	order = append(order, other...)
	var shown []*funnel
	for _, f := range out {
		if only != "" && f.Flow != only {
			continue
		}
		f.languages = order
		for _, r := range f.Questions {
			r.Stopped = stopped(r.Reached, r.Answered)
		}
		f.Suggested = f.End.Reached
		for _, r := range append(f.Questions, &f.End) {
			where := r.Step
			if r.Step == bot.EndStep {
				where = "the end"
			}
			if r.Handoff.Count > 0 {
				f.handoffAt = append(f.handoffAt, fmt.Sprintf("%s %d", where, r.Handoff.Count))
			}
			if r.Forgot.Count > 0 {
				f.forgotAt = append(f.forgotAt, fmt.Sprintf("%s %d", where, r.Forgot.Count))
			}
		}
		shown = append(shown, f)
	}
	return shown
}

// row is the row of step: a question of the flow, the end, or a step the
// content no longer has (added after the others).
func (f *funnel) row(step string) *stepRow {
	if step == bot.EndStep {
		return &f.End
	}
	for _, r := range f.Questions {
		if r.Step == step {
			return r
		}
	}
	r := &stepRow{Step: step, Gone: true}
	i, _ := slices.BinarySearchFunc(f.Questions, r, func(a, b *stepRow) int {
		return cmp.Or(cmp.Compare(btoi(a.Gone), btoi(b.Gone)), strings.Compare(a.Step, b.Step))
	})
	f.Questions = slices.Insert(f.Questions, i, r)
	return r
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// stopped is how many reached a question and did not answer it: never below
// zero, since someone who went back answers a question again without
// reaching it anew.
func stopped(reached, answered tally) tally {
	t := tally{Count: max(reached.Count-answered.Count, 0)}
	for lang, n := range reached.Languages {
		if t.Languages == nil {
			t.Languages = map[string]int64{}
		}
		t.Languages[lang] = max(n-answered.Languages[lang], 0)
	}
	return t
}

// askOrder lists the questions of f in the order the flow asks them: a
// step after every step that can lead to it, steps that could come in
// either order as they are written in the file. Steps that cannot be
// reached from the start (polku check warns of them) come last.
func askOrder(f *content.Flow) []*content.Step {
	reachable := map[*content.Step]bool{}
	var visit func(*content.Step)
	visit = func(s *content.Step) {
		if s == nil || reachable[s] {
			return
		}
		reachable[s] = true
		for _, b := range s.Next {
			visit(b.To)
		}
	}
	visit(f.Start)
	before := map[*content.Step]int{} // how many steps leading here are not listed yet
	for s := range reachable {
		for _, b := range s.Next {
			if b.To != nil && b.To != s {
				before[b.To]++
			}
		}
	}
	listed := map[*content.Step]bool{}
	var out []*content.Step
	list := func(s *content.Step) {
		listed[s] = true
		if s.Question() {
			out = append(out, s)
		}
	}
	for range len(f.Steps) {
		// the first step in the file with nothing left before it; in a loop
		// (which content.Load refuses) the first one not yet listed
		var next, fallback *content.Step
		for _, s := range f.Steps {
			if !reachable[s] || listed[s] {
				continue
			}
			if fallback == nil {
				fallback = s
			}
			if before[s] == 0 {
				next = s
				break
			}
		}
		if next == nil {
			next = fallback
		}
		if next == nil {
			break
		}
		list(next)
		for _, b := range next.Next {
			if b.To != nil && b.To != next {
				before[b.To]--
			}
		}
	}
	for _, s := range f.Steps {
		if !listed[s] {
			list(s)
		}
	}
	return out
}

func percent(n, of int64) string {
	if of <= 0 {
		return ""
	}
	return strconv.FormatInt((n*100+of/2)/of, 10) + "%"
}

func writeStatsText(w io.Writer, c *content.Content, o statsOptions, funnels []*funnel) error {
	scope := ""
	if o.flow != "" {
		scope += ", flow " + o.flow
	}
	if o.lang != "" {
		scope += ", " + languageName(c, o.lang) + " only"
	}
	period, when := fmt.Sprintf("%s to %s (UTC)", bot.Day(o.from), bot.Day(o.to)), "from "
	if o.from.Equal(o.to) {
		period, when = bot.Day(o.from)+" (UTC)", "on "
	}
	total := int64(0)
	for _, f := range funnels {
		total += f.Started.Count + f.Restarted.Count + f.End.Reached.Count + f.Handoff.Count + f.Forgot.Count
		for _, q := range f.Questions {
			total += q.Reached.Count + q.Answered.Count
		}
	}
	if total == 0 {
		_, err := fmt.Fprintf(w, "Nothing was counted %s%s%s.\n"+
			"Polku writes counts to Redis when it keeps sessions there: check that --redis and\n"+
			"--redis-prefix name the same Redis and prefix, or ask for other days with --days or --from.\n", when, period, scope)
		return err
	}
	b := &strings.Builder{}
	fmt.Fprintf(b, "Where people stop, %s%s.\n", period, scope)
	for _, f := range funnels {
		b.WriteString("\n")
		writeFunnel(b, c, f, o.lang)
	}
	b.WriteString("\nReached: arrived at the question by answering the one before (or by starting).\n" +
		"Stopped: reached it but did not answer, or not yet — some may still be on their way.\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFunnel(b *strings.Builder, c *content.Content, f *funnel, lang string) {
	title := f.Flow
	switch {
	case f.Gone:
		title += " (no longer in the content)"
	case f.Title != "":
		title += ": " + f.Title
	}
	b.WriteString(title + "\n")
	starts := f.Started.Count + f.Restarted.Count
	if starts == 0 && f.End.Reached.Count == 0 && f.Handoff.Count+f.Forgot.Count == 0 && !anyReached(f) {
		b.WriteString("  nobody in these days\n")
		return
	}
	count := func(n int64) string { return strconv.FormatInt(n, 10) }
	label := func(i *int, q *stepRow) string {
		if q.Gone {
			return q.Step + " (gone)"
		}
		*i++
		return strconv.Itoa(*i) + " " + q.Step
	}
	rows := [][]string{{"", "reached", "of starts", "stopped", "of reached"}, {"started", count(f.Started.Count)}}
	if f.Restarted.Count > 0 {
		rows = append(rows, []string{"started over", count(f.Restarted.Count)})
	}
	n := 0
	for _, q := range f.Questions {
		rows = append(rows, []string{label(&n, q), count(q.Reached.Count), percent(q.Reached.Count, starts),
			count(q.Stopped.Count), percent(q.Stopped.Count, q.Reached.Count)})
	}
	rows = append(rows, []string{"suggestions shown", count(f.End.Reached.Count), percent(f.End.Reached.Count, starts)})
	writeTable(b, rows, []int{2, 2, 2, 2, 2})
	left := func(label string, t tally, at []string) {
		if t.Count == 0 {
			return
		}
		fmt.Fprintf(b, "  %s: %d", label, t.Count)
		if len(at) > 0 {
			fmt.Fprintf(b, " (at %s)", strings.Join(at, ", "))
		}
		b.WriteString("\n")
	}
	left("asked for a person", f.Handoff, f.handoffAt)
	left("asked to be forgotten", f.Forgot, f.forgotAt)

	if lang != "" || len(f.languages) < 2 {
		return
	}
	b.WriteString("\n")
	rows = [][]string{{"by language"}}
	gaps := []int{2}
	for _, l := range f.languages {
		rows[0] = append(rows[0], l, "")
		gaps = append(gaps, 2, 1)
	}
	row := func(label string, t tally, pct bool) {
		r := []string{label}
		for _, l := range f.languages {
			p := ""
			if pct {
				p = percent(t.in(l), f.Started.in(l)+f.Restarted.in(l))
			}
			r = append(r, count(t.in(l)), p)
		}
		rows = append(rows, r)
	}
	row("started", f.Started, false)
	if f.Restarted.Count > 0 {
		row("started over", f.Restarted, false)
	}
	n = 0
	for _, q := range f.Questions {
		row(label(&n, q), q.Reached, true)
	}
	row("suggestions shown", f.End.Reached, true)
	if f.Handoff.Count > 0 {
		row("asked for a person", f.Handoff, true)
	}
	if f.Forgot.Count > 0 {
		row("asked to be forgotten", f.Forgot, true)
	}
	writeTable(b, rows, gaps)
}

// writeTable writes rows with the first column aligned left and the others
// right, gaps[i] spaces before column i.
func writeTable(b *strings.Builder, rows [][]string, gaps []int) {
	widths := make([]int, len(gaps))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i := range widths {
			cell := ""
			if i < len(r) {
				cell = r[i]
			}
			line.WriteString(strings.Repeat(" ", gaps[i]))
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			if i == 0 {
				line.WriteString(cell + pad)
			} else {
				line.WriteString(pad + cell)
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
}

func anyReached(f *funnel) bool {
	for _, q := range f.Questions {
		if q.Reached.Count+q.Answered.Count > 0 {
			return true
		}
	}
	return false
}

func languageName(c *content.Content, code string) string {
	for _, l := range c.Languages {
		if l.Code == code {
			return l.Name
		}
	}
	return code
}

// statsJSON is what polku stats --json writes.
type statsJSON struct {
	From   string      `json:"from"`
	To     string      `json:"to"`
	Flow   string      `json:"flow,omitempty"`
	Lang   string      `json:"lang,omitempty"`
	Flows  []*funnel   `json:"flows"`
	Counts []countJSON `json:"counts"`
}

// countJSON is one counter of one day.
type countJSON struct {
	Day   string `json:"day"`
	Flow  string `json:"flow"`
	Step  string `json:"step,omitempty"`
	Lang  string `json:"lang"`
	Kind  string `json:"kind"`
	Count int64  `json:"count"`
}

func writeStatsJSON(w io.Writer, o statsOptions, funnels []*funnel, counts []store.EventCount) error {
	out := statsJSON{From: bot.Day(o.from), To: bot.Day(o.to), Flow: o.flow, Lang: o.lang, Flows: funnels, Counts: []countJSON{}}
	if out.Flows == nil {
		out.Flows = []*funnel{}
	}
	for _, ec := range counts {
		out.Counts = append(out.Counts, countJSON{Day: ec.Day, Flow: ec.Flow, Step: ec.Step, Lang: ec.Lang, Kind: string(ec.Kind), Count: ec.N})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
