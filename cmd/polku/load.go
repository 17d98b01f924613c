package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"polku/adapters/telegram"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/store"
)

func init() {
	register(command{name: "load", summary: "simulate many people talking at once: speed, memory and correctness", order: 65, run: runLoad})
}

const loadHelp = `Usage: polku load [--n N] [--k K] [--warmup D] [--duration D] [--seed S]
                  [--redis URL] [--content DIR] [--connections C]
                  [--replicas R [--spread same]]
                  [--json] [fault flags]

Simulates N people talking to Polku at once, each going through the flow K
times, through the real Telegram adapter (its webhook handler, fed in this
process), the real engine and the real store (Redis with --redis, memory
otherwise), against a Bot API answered in memory. Each person picks its
answers from the seed, its number and the flow's number: mostly buttons,
sometimes typed labels or numbers, ticks then Done, "I'd rather not say",
now and then Back. Each question the bot asks is checked against the
person's own walk through the content, and at the end every person's last
suggestions are checked against what the engine computes for the answers
that person gave.

It reports updates per second, the time to handle one update (p50, p90,
p99, max), CPU time and allocations per update (of this whole process: the
simulated people and the fake Bot API are in it too), Redis commands per
update (INFO commandstats: everything the server ran, so run it on a Redis
nobody else is using) and round trips per update (the store's client),
bytes stored per session, peak RSS, the live heap once the people are
done (their sessions still held), and errors. Progress goes to stderr,
the results to stdout.

Ctrl-C, or --duration, stops the run: updates in hand are finished and
what was measured so far is reported. Faults can be injected into the
Bot API (slow, 500s) and the store (slow, failing) to see how Polku copes.

Latency is the time the webhook handler takes for one update, from the
request to its answer, the Bot API calls it makes included. Each person
sends its next update as soon as the last one is answered (or after
--think). As Telegram does, at most --connections updates are posted at
once (polku run asks Telegram for 40); the others wait for a connection,
and that wait is reported apart ("queued"). With --connections 0 every
person posts at once and updates wait for a core inside the handler
instead. Either way, by Little's law the mean time round a person's loop
is N divided by the updates per second.

With --replicas, R bots run side by side in this process — each its own
adapter, engine and Redis client, as R replicas behind a webhook — and
share only Redis and the Bot API. With --spread split each person always
talks to the same replica; with --spread same a person's updates go to
the replicas in turn, so each replica keeps meeting sessions another has
changed. The same checks show whether any answer was lost or doubled.

The Redis figures assume nobody else uses that Redis meanwhile. The
people's sessions are deleted at the end; the day's statistics stay (under
the --redis-prefix, polku-load: by default). No POLKU_KEY_SECRET is needed:
the people are made up.

Exit status: 0 when every update was handled, every reply delivered and
every check passed, also for a run stopped early; 1 when anything went
wrong — also when it was injected and showed (an update refused, an error
logged): the figures say how much; 2 for a mistake in the flags.

Examples:
  polku load --n 50 --k 2
  polku load --n 500 --k 4 --warmup 1s --redis redis://localhost:6379 --redis-prefix load1:
  polku load --n 500 --replicas 2 --spread same --redis redis://localhost:6379
  polku load --n 50 --duration 10s --store-latency 1ms --store-errors 0.01 --json
  polku load --content path/to/dir --n 10 --api-errors 0.001

Flags:
`

// loadPrefix is where polku load keeps its sessions in Redis by default,
// away from real people's.
const loadPrefix = "polku-load:"

type loadOptions struct {
	n, k             int
	warmup, duration time.Duration
	seed             uint64
	json             bool
	apiLatency       time.Duration
	apiErrors        float64
	storeLatency     time.Duration
	storeErrors      float64
	think            time.Duration
	replicas         int
	connections      int    // updates posted at once, at most (0: no limit)
	spread           string // split or same: how the people are spread over the replicas
}

func runLoad(ctx context.Context, inv invocation) error {
	tuneGC(inv.getenv)
	getenv := func(k string) string {
		v := inv.getenv(k)
		switch {
		case v != "":
			return v
		case k == "POLKU_KEY_SECRET":
			return "polku-load-not-a-secret" // the people are made up
		case k == "POLKU_REDIS_PREFIX":
			return loadPrefix
		}
		return v
	}
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(inv.stderr)
	var o loadOptions
	fs.IntVar(&o.n, "n", 50, "how many people talk at once")
	fs.IntVar(&o.k, "k", 2, "how many flows each person goes through, one after another")
	fs.DurationVar(&o.warmup, "warmup", 0, "how long to run before measuring (its updates are not counted)")
	fs.DurationVar(&o.duration, "duration", 0, "stop after this long, warm-up included (0: when every person is done)")
	fs.Uint64Var(&o.seed, "seed", 1, "picks the answers: the same seed, the same conversations")
	fs.BoolVar(&o.json, "json", false, "write the results as JSON")
	dir := fs.String("content", inv.getenv("POLKU_CONTENT"), "a content directory instead of the built-in content ($POLKU_CONTENT)")
	fs.DurationVar(&o.apiLatency, "api-latency", 0, "make each Bot API call take this long")
	fs.Float64Var(&o.apiErrors, "api-errors", 0, "answer this fraction of Bot API calls with 500 (the adapter retries them)")
	fs.DurationVar(&o.storeLatency, "store-latency", 0, "make each store call take this much longer")
	fs.Float64Var(&o.storeErrors, "store-errors", 0, "fail this fraction of store calls (the update is refused; people post it again)")
	fs.DurationVar(&o.think, "think", 0, "how long each person pauses before each update (0: none, each update right after the last reply)")
	fs.IntVar(&o.connections, "connections", 40, "how many updates are posted at once, at most, as Telegram opens at most the webhook's max_connections (polku run asks for 40); 0: every person's at once")
	fs.IntVar(&o.replicas, "replicas", 1, "run this many bots, each with its own adapter, engine and Redis client, sharing one Redis (needs --redis)")
	fs.StringVar(&o.spread, "spread", "split", "with --replicas: split (each person always talks to the same replica) or same (each person's updates go to the replicas in turn)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the measured part to this file (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write an allocation profile to this file at the end")
	sc := storeFlags(fs, getenv)
	fs.Usage = func() {
		fmt.Fprint(inv.stderr, loadHelp)
		fs.PrintDefaults()
	}
	if done, err := parseFlags(fs, inv.args); done {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{msg: "load takes no arguments"}
	}
	switch {
	case o.n < 1 || o.n > 1_000_000:
		return usageError{msg: fmt.Sprintf("--n %d: give a number of people between 1 and 1000000", o.n)}
	case o.k < 1:
		return usageError{msg: fmt.Sprintf("--k %d: each person goes through at least one flow", o.k)}
	case o.warmup < 0 || o.duration < 0 || o.apiLatency < 0 || o.storeLatency < 0 || o.think < 0:
		return usageError{msg: "durations cannot be negative"}
	case o.duration > 0 && o.warmup >= o.duration:
		return usageError{msg: fmt.Sprintf("--warmup %s is not shorter than --duration %s: nothing would be measured", o.warmup, o.duration)}
	case o.connections < 0:
		return usageError{msg: fmt.Sprintf("--connections %d: give 0 (no limit) or more", o.connections)}
	case o.replicas < 1 || o.replicas > 64:
		return usageError{msg: fmt.Sprintf("--replicas %d: give a number of replicas between 1 and 64", o.replicas)}
	case o.replicas > 1 && sc.redis == "":
		return usageError{msg: "--replicas: replicas share their sessions through Redis; give --redis too (or set REDIS_URL)"}
	case o.spread != "split" && o.spread != "same":
		return usageError{msg: fmt.Sprintf("--spread %q: write split (each person stays with one replica) or same (each update goes to the next replica)", o.spread)}
	case o.apiErrors < 0 || o.apiErrors > 1 || o.storeErrors < 0 || o.storeErrors > 1:
		return usageError{msg: "--api-errors and --store-errors are fractions between 0 and 1, e.g. 0.01"}
	}

	if *memProfile != "" {
		// fine enough to tell a person's few hundred bytes apart
		runtime.MemProfileRate = 512
	}
	c, ds, err := loadContent(*dir, inv.stderr, false)
	if err != nil {
		if _, ok := err.(contentError); ok {
			fmt.Fprintf(inv.stderr, "polku load: the content has %s; fix them and try again\n", countWords(ds))
			return errReported
		}
		return err
	}
	r, err := newLoadRun(ctx, c, sc, o)
	if err != nil {
		return err
	}
	r.contentName = "built-in"
	if *dir != "" {
		r.contentName = *dir
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			r.close()
			return err
		}
		defer f.Close()
		r.cpuProfile = f
	}
	r.memProfile = *memProfile
	rep := r.run(ctx, inv.stderr)
	if o.json {
		enc := json.NewEncoder(inv.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.write(inv.stdout)
	}
	if rep.Errors > 0 {
		fmt.Fprintf(inv.stderr, "polku load: %d error%s\n", rep.Errors, plural(int(rep.Errors)))
		return errReported
	}
	return nil
}

// loadRun is one run of polku load: the bot, the fake Bot API, the
// people, and what is counted.
type loadRun struct {
	o           loadOptions
	k           int
	seed        uint64
	content     *content.Content
	contentName string
	engine      *bot.Engine
	api         *fakeAPI
	handlers    []http.Handler // one per replica
	header      http.Header
	url         *url.URL
	faulty      []*faultyStore
	log         *logCounter
	trips       *tripCounter
	sc          *storeConfig
	redisStore  *store.Redis
	store       bot.Store // as opened, without faults
	close       func()
	people      []person
	cpuProfile  io.Writer
	memProfile  string // where to write the allocation profile, if anywhere

	reqCtx    context.Context // the updates': outlives the run a little, so updates in hand finish
	measuring atomic.Bool
	hist      histogram
	queued    histogram    // how long updates waited for a connection
	work      chan *person // to the connections' goroutines, with --connections
	updates   atomic.Int64 // handled, warm-up included
	measured  atomic.Int64 // handled while measuring
	refused   atomic.Int64
	flows     atomic.Int64
	updateID  atomic.Int64
	mismatchN atomic.Int64

	mu       sync.Mutex
	problems []string
	more     int
}

func newLoadRun(ctx context.Context, c *content.Content, sc *storeConfig, o loadOptions) (*loadRun, error) {
	r := &loadRun{o: o, k: o.k, seed: o.seed, content: c, sc: sc, log: &logCounter{}}
	log := slog.New(r.log)
	// chat ids no real person has, and new ones each run, so that a
	// session left in Redis by an earlier run is never met
	base := int64(9_000_000_000_000) + mrand.Int64N(1_000_000)*1_000_000
	r.api = newFakeAPI(o.n, base, o.apiLatency, o.apiErrors)
	var secret [16]byte
	rand.Read(secret[:])
	hexSecret := hex.EncodeToString(secret[:])
	r.header = http.Header{"X-Telegram-Bot-Api-Secret-Token": {hexSecret}, "Content-Type": {"application/json"}}
	r.url = &url.URL{Scheme: "https", Host: "polku.load.invalid", Path: "/telegram"}
	var closers []func()
	r.close = func() {
		for _, f := range closers {
			f()
		}
	}
	// Each replica is a whole bot: its own Redis client (and pool and
	// batches), counter, engine and adapter, with its own memory of open
	// questions. They share only Redis and the Bot API, as replicas
	// behind a webhook's load balancer do.
	for range max(o.replicas, 1) {
		st, ttl, closeStore, err := sc.open(ctx, log)
		if err != nil {
			r.close()
			return nil, err
		}
		closers = append(closers, closeStore)
		if r.store == nil {
			r.store = st
		}
		if sc.client != nil {
			if r.trips == nil {
				r.trips = &tripCounter{}
			}
			sc.client.AddHook(r.trips)
			if r.redisStore == nil {
				r.redisStore, _ = st.(*store.Redis)
			}
		}
		counter, closeCounter, err := sc.openCounter(log)
		if err != nil {
			r.close()
			return nil, err
		}
		closers = append(closers, closeCounter)
		es := st
		if o.storeLatency > 0 || o.storeErrors > 0 {
			f := &faultyStore{Store: st, latency: o.storeLatency, errRate: o.storeErrors}
			r.faulty = append(r.faulty, f)
			es = f
		}
		e := bot.New(c, es, bot.Options{Logger: log, SessionTTL: ttl, Counter: counter})
		if r.engine == nil {
			r.engine = e
		}
		setupCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		a, err := telegram.New(setupCtx, e, telegram.Options{Token: "1000001:polku-load", APIURL: "http://bot-api.polku-load.invalid",
			WebhookSecret: hexSecret, PerSecond: -1, Logger: log,
			// as the adapter's own default client: the request timeout is part of the path
			HTTPClient: &http.Client{Transport: r.api}}) // the adapter bounds each call itself
		cancel()
		if err != nil {
			r.close()
			return nil, fmt.Errorf("the Telegram adapter: %w", err)
		}
		r.handlers = append(r.handlers, a.Handler())
	}
	if o.connections > 0 && o.connections < o.n {
		r.work = make(chan *person)
	}
	r.people = make([]person, o.n)
	langs := c.Languages
	for i := range r.people {
		rng := mrand.New(mrand.NewPCG(o.seed, uint64(i)<<24|0xffffff))
		lang := langs[0].Code
		if len(langs) > 1 && rng.Float64() >= 0.6 {
			lang = langs[1+rng.IntN(len(langs)-1)].Code
		}
		r.people[i] = person{r: r, id: i + 1, chat: base + int64(i), lang: lang}
		if r.work != nil {
			r.people[i].served = make(chan struct{}, 1)
		}
	}
	r.updateID.Store(100_000_000 + mrand.Int64N(100_000_000))
	return r, nil
}

func (r *loadRun) nextUpdate() int64 { return r.updateID.Add(1) }

// post feeds p's update to the webhook handler, as Telegram would post
// it. measured says the update counts (the warm-up is over); interrupted
// that the run was stopped before it was handled.
func (r *loadRun) post(p *person) (status int, measured, interrupted bool) {
	if p.req == nil {
		p.req = (&http.Request{Method: http.MethodPost, URL: r.url, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Host: r.url.Host, Header: r.header}).WithContext(r.reqCtx)
	}
	body := p.body.Bytes()
	p.reader.Reset(body)
	p.req.Body, p.req.ContentLength = &p.reader, int64(len(body))
	p.w.reset()
	measured = r.measuring.Load()
	var d, wait time.Duration
	if r.work != nil {
		// one of the connections' goroutines serves it, as an HTTP
		// server's would: the handler's deep stack is theirs, not the
		// person's
		p.posted = time.Now()
		select {
		case r.work <- p:
		case <-r.reqCtx.Done():
			return 0, false, true
		}
		<-p.served
		d, wait = p.took, p.began.Sub(p.posted)
	} else {
		start := time.Now()
		r.replica(p).ServeHTTP(&p.w, p.req)
		d = time.Since(start)
	}
	if r.reqCtx.Err() != nil {
		return 0, false, true
	}
	status = p.w.status
	if status == 0 {
		status = http.StatusOK
	}
	if status == http.StatusOK && measured {
		r.hist.add(d)
		if r.work != nil {
			r.queued.add(wait)
		}
	}
	return status, measured, false
}

// connection serves the updates posted to it, one at a time, as one of
// the connections Telegram keeps open to a webhook, until the run ends.
func (r *loadRun) connection() {
	for {
		select {
		case p := <-r.work:
			p.began = time.Now()
			r.replica(p).ServeHTTP(&p.w, p.req)
			p.took = time.Since(p.began)
			p.served <- struct{}{}
		case <-r.reqCtx.Done():
			return
		}
	}
}

// replica is the bot that gets p's next update: with --spread split
// always the same one, with same the next one in turn.
func (r *loadRun) replica(p *person) http.Handler {
	n := len(r.handlers)
	if n == 1 {
		return r.handlers[0]
	}
	if r.o.spread == "same" {
		p.turn++
		return r.handlers[p.turn%n]
	}
	return r.handlers[p.id%n]
}

func (r *loadRun) handled(measured bool) {
	r.updates.Add(1)
	if measured {
		r.measured.Add(1)
	}
}

// problem records something that went wrong, to report (the first few).
func (r *loadRun) problem(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.problems) < 20 {
		r.problems = append(r.problems, fmt.Sprintf(format, args...))
	} else {
		r.more++
	}
}

func (r *loadRun) mismatch(format string, args ...any) {
	r.mismatchN.Add(1)
	r.problem(format, args...)
}

func (r *loadRun) snapshot(ctx context.Context) snapshot {
	s := snapshot{redis: -1}
	if r.sc.client != nil {
		s.redis = redisCalls(ctx, r.sc.client)
	}
	if r.trips != nil {
		s.trips, s.cmds = r.trips.trips.Load(), r.trips.cmds.Load()
	}
	s.apiCalls = r.api.calls.Load()
	s.mallocs, s.alloc = memStats()
	s.cpu = cpuTime()
	s.at = time.Now()
	return s
}

// run runs the people until they are done, the time is up or ctx ends,
// and reports.
func (r *loadRun) run(ctx context.Context, progress io.Writer) *loadReport {
	defer r.close()
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	if r.o.duration > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(runCtx, r.o.duration)
		defer cancel()
	}
	// updates in hand when the run stops are finished, for a few seconds
	reqCtx, cancelReq := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReq()
	r.reqCtx = reqCtx
	if r.work != nil {
		for range r.o.connections {
			go r.connection()
		}
	}
	stopGrace := context.AfterFunc(runCtx, func() { time.AfterFunc(10*time.Second, cancelReq) })
	defer stopGrace()

	r.api.faults.Store(true)
	for _, f := range r.faulty {
		f.on.Store(true)
	}
	started := time.Now()
	var begin snapshot
	var beginOnce sync.Once
	startMeasuring := func() {
		beginOnce.Do(func() {
			if r.cpuProfile != nil {
				if err := pprof.StartCPUProfile(r.cpuProfile); err != nil {
					r.problem("no CPU profile: %v", err)
					r.cpuProfile = nil
				}
			}
			begin = r.snapshot(context.WithoutCancel(ctx))
			r.measuring.Store(true)
		})
	}
	if r.o.warmup == 0 {
		startMeasuring()
	} else {
		t := time.AfterFunc(r.o.warmup, startMeasuring)
		defer t.Stop()
	}

	var wg sync.WaitGroup
	for i := range r.people {
		p := &r.people[i]
		wg.Go(func() { p.run(runCtx) })
	}
	done := make(chan struct{})
	var pg sync.WaitGroup
	pg.Go(func() { r.progress(progress, started, done) })
	wg.Wait()
	close(done)
	pg.Wait()

	rep := &loadReport{People: r.o.n, FlowsPerPerson: r.o.k, Seed: r.o.seed, Content: r.contentName, Store: "memory",
		WarmupSeconds: r.o.warmup.Seconds(), Stopped: "done", Problems: []string{}, Replicas: len(r.handlers), Connections: r.o.connections}
	if rep.Replicas > 1 {
		rep.Spread = r.o.spread
	}
	if r.sc.client != nil {
		rep.Store = "redis"
	}
	switch {
	case ctx.Err() != nil:
		rep.Stopped = "interrupted"
	case runCtx.Err() != nil:
		rep.Stopped = "time limit"
	}
	measuring := r.measuring.Load()
	var end snapshot
	if measuring {
		end = r.snapshot(context.WithoutCancel(ctx))
		if r.cpuProfile != nil {
			pprof.StopCPUProfile()
		}
	}
	beginOnce.Do(func() {}) // no measuring after this
	rep.UpdatesAll = r.updates.Load()
	rep.FlowsCompleted = r.flows.Load()
	rep.PeakRSSBytes = peakRSS()
	// what the process keeps once the people are done, their sessions
	// still held (in memory, or cached from Redis): the memory an active
	// person costs, without the garbage of updates in flight
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rep.LiveHeapBytes = int64(ms.HeapAlloc)
	if r.memProfile != "" {
		// here, so that the profile's in-use figures show what is kept
		if err := writeHeapProfile(r.memProfile); err != nil {
			r.problem("no allocation profile: %v", err)
		}
	}
	if measuring {
		r.measure(rep, begin, end)
	}
	r.check(rep)
	r.sessionBytes(context.WithoutCancel(ctx), rep)
	r.cleanUp(context.WithoutCancel(ctx))
	r.tally(rep)
	return rep
}

// measure fills in the figures of the measured part of the run.
func (r *loadRun) measure(rep *loadReport, begin, end snapshot) {
	n := r.measured.Load()
	rep.Updates = n
	rep.Seconds = end.at.Sub(begin.at).Seconds()
	if n == 0 {
		return
	}
	per := func(d int64) float64 { return float64(d) / float64(n) }
	if rep.Seconds > 0 {
		rep.PerSecond = float64(n) / rep.Seconds
	}
	rep.LatencyMS = r.hist.report()
	if r.work != nil {
		q := r.queued.report()
		rep.QueuedMS = &q
	}
	rep.CPUMicros = per(int64(end.cpu-begin.cpu)) / 1000
	rep.Allocs = per(int64(end.mallocs - begin.mallocs))
	rep.AllocBytes = per(int64(end.alloc - begin.alloc))
	rep.APICalls = per(end.apiCalls - begin.apiCalls)
	if r.trips != nil {
		trips, cmds := per(end.trips-begin.trips), per(end.cmds-begin.cmds)
		rep.RoundTrips, rep.ClientCommands = &trips, &cmds
	}
	if begin.redis >= 0 && end.redis >= 0 {
		cmds := per(end.redis - begin.redis)
		rep.RedisCommands = &cmds
	}
}

// check compares every person's last suggestions with what the engine
// computes for the answers that person gave.
func (r *loadRun) check(rep *loadReport) {
	for i := range r.people {
		p := &r.people[i]
		if !p.done {
			continue
		}
		rep.Checked++
		w := r.content.Replay(r.content.Start, p.doneAnswers)
		if !w.Done() {
			r.mismatch("person %d, flow %d: the answers %s do not finish the flow", p.id, p.doneFlow+1, answersString(p.doneAnswers))
			continue
		}
		want := r.engine.Suggestions(w.Profile, p.lang)
		if expectedSig(want) != p.doneSig {
			var names []string
			for _, c := range want.Cards {
				names = append(names, c.Name)
			}
			r.mismatch("person %d, flow %d: the suggestions sent are not what the engine computes for %s (%s)",
				p.id, p.doneFlow+1, answersString(p.doneAnswers), strings.Join(names, "; "))
		}
	}
}

func answersString(as []content.Answer) string {
	var parts []string
	for _, a := range as {
		v := a.Value
		if a.Skip {
			v = "(would rather not say)"
		}
		parts = append(parts, a.Step+"="+v)
	}
	return strings.Join(parts, " ")
}

// sessionBytes measures, in Redis, the sessions of people who finished a
// flow: their length, and the memory Redis says they take.
func (r *loadRun) sessionBytes(ctx context.Context, rep *loadReport) {
	if r.redisStore == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var n, size, mem int64
	for i := range r.people {
		p := &r.people[i]
		if !p.done || n == 200 {
			continue
		}
		key := r.redisStore.SessionKey(telegram.Platform + ":" + strconv.FormatInt(p.chat, 10))
		l, err := r.sc.client.StrLen(ctx, key).Result()
		if err != nil || l == 0 {
			continue
		}
		m, _ := r.sc.client.MemoryUsage(ctx, key, 0).Result()
		n, size, mem = n+1, size+l, mem+m
	}
	if n > 0 {
		s, m := float64(size)/float64(n), float64(mem)/float64(n)
		rep.SessionBytes, rep.SessionMemory = &s, &m
	}
}

// cleanUp deletes the people's sessions from Redis.
func (r *loadRun) cleanUp(ctx context.Context) {
	if r.redisStore == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(r.people)) || ctx.Err() != nil {
					return
				}
				_ = r.store.Delete(ctx, telegram.Platform+":"+strconv.FormatInt(r.people[i].chat, 10))
			}
		})
	}
	wg.Wait()
}

// tally adds up what went wrong.
func (r *loadRun) tally(rep *loadReport) {
	rep.Refused = r.refused.Load()
	rep.Mismatches = r.mismatchN.Load()
	rep.LoggedErrors = r.log.errs.Load()
	rep.LoggedWarnings = r.log.warns.Load()
	rep.APIFailures = r.api.failed.Load()
	for _, f := range r.faulty {
		rep.StoreFailures += f.injected.Load()
	}
	for i := range r.people {
		if r.people[i].gaveUp {
			rep.GaveUp++
		}
	}
	if n := r.api.wrongEdits.Load(); n > 0 {
		r.problem("%d answer%s shown over a message that was not the open question", n, plural(int(n)))
		rep.Mismatches += n
	}
	if n := r.api.unknown.Load(); n > 0 {
		r.problem("the adapter called the Bot API method %v, which polku load does not answer (%d calls)", r.api.unknownM.Load(), n)
		rep.UnknownCalls = n
	}
	// a refused update has its error logged too (the engine's "session
	// update failed"): only errors logged beyond those count again
	rep.Errors = rep.Refused + max(rep.LoggedErrors-rep.Refused, 0) + rep.Mismatches + rep.GaveUp + rep.UnknownCalls
	r.mu.Lock()
	rep.Problems = append(rep.Problems, r.problems...)
	if r.more > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("… and %d more", r.more))
	}
	r.mu.Unlock()
	for _, m := range r.log.messages() {
		rep.Problems = append(rep.Problems, "logged: "+m)
	}
}

// progress writes a line a second to w while the people talk: rewritten in
// place on a terminal, one after another otherwise.
func (r *loadRun) progress(w io.Writer, started time.Time, done <-chan struct{}) {
	tty := false
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	last, lastAt := int64(0), started
	for {
		select {
		case <-done:
			if tty {
				fmt.Fprint(w, "\r\033[K")
			}
			return
		case now := <-t.C:
			n := r.updates.Load()
			rate := float64(n-last) / now.Sub(lastAt).Seconds()
			last, lastAt = n, now
			phase := ""
			if !r.measuring.Load() {
				phase = "  (warming up)"
			}
			errs := r.refused.Load() + r.log.errs.Load() + r.mismatchN.Load()
			line := fmt.Sprintf("polku load: %5.1f s  %s updates  %s/s  %s of %s flows  %d error%s%s",
				now.Sub(started).Seconds(), thousands(float64(n)), thousands(rate), thousands(float64(r.flows.Load())),
				thousands(float64(r.o.n*r.o.k)), errs, plural(int(errs)), phase)
			if tty {
				fmt.Fprint(w, "\r\033[K"+line)
			} else {
				fmt.Fprintln(w, line)
			}
		}
	}
}

// loadReport is what polku load reports; figures per update are of the
// measured part (after the warm-up).
type loadReport struct {
	People         int     `json:"people"`
	FlowsPerPerson int     `json:"flows_per_person"`
	Seed           uint64  `json:"seed"`
	Store          string  `json:"store"`
	Content        string  `json:"content"`
	Replicas       int     `json:"replicas"`
	Connections    int     `json:"connections"`      // 0: no limit
	Spread         string  `json:"spread,omitempty"` // with replicas: split or same
	Stopped        string  `json:"stopped"`          // done, time limit, interrupted
	WarmupSeconds  float64 `json:"warmup_seconds"`
	Seconds        float64 `json:"seconds"` // measured
	Updates        int64   `json:"updates"` // measured
	UpdatesAll     int64   `json:"updates_all"`
	FlowsCompleted int64   `json:"flows_completed"`

	PerSecond float64       `json:"updates_per_second"`
	LatencyMS latencyReport `json:"latency_ms"`
	// how long updates waited for one of the connections (--connections)
	QueuedMS       *latencyReport `json:"queued_ms"`
	CPUMicros      float64        `json:"cpu_us_per_update"`
	Allocs         float64        `json:"allocs_per_update"`
	AllocBytes     float64        `json:"alloc_bytes_per_update"`
	APICalls       float64        `json:"bot_api_calls_per_update"`
	RedisCommands  *float64       `json:"redis_commands_per_update"`
	RoundTrips     *float64       `json:"round_trips_per_update"`
	ClientCommands *float64       `json:"client_commands_per_update"`
	SessionBytes   *float64       `json:"session_bytes"`
	SessionMemory  *float64       `json:"session_memory_bytes"`
	PeakRSSBytes   int64          `json:"peak_rss_bytes"`
	LiveHeapBytes  int64          `json:"live_heap_bytes"` // after the run, collected

	Errors         int64    `json:"errors"`
	Refused        int64    `json:"refused"`
	GaveUp         int64    `json:"gave_up"`
	LoggedErrors   int64    `json:"logged_errors"`
	LoggedWarnings int64    `json:"logged_warnings"`
	Mismatches     int64    `json:"mismatches"`
	UnknownCalls   int64    `json:"unknown_api_calls"`
	APIFailures    int64    `json:"api_failures_injected"`
	StoreFailures  int64    `json:"store_failures_injected"`
	Checked        int      `json:"checked"`
	Problems       []string `json:"problems"`
}

type latencyReport struct {
	P50 float64 `json:"p50"`
	P90 float64 `json:"p90"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

func (rep *loadReport) write(w io.Writer) {
	fmt.Fprintf(w, "polku load: %d %s × %d flow%s, %s store, %s content, seed %d\n", rep.People, pluralWord(rep.People, "person", "people"),
		rep.FlowsPerPerson, plural(rep.FlowsPerPerson), rep.Store, rep.Content, rep.Seed)
	if rep.Replicas > 1 {
		how := "each person with one replica"
		if rep.Spread == "same" {
			how = "each person's updates to the replicas in turn"
		}
		fmt.Fprintf(w, "%d replicas sharing the store: %s\n", rep.Replicas, how)
	}
	switch rep.Stopped {
	case "interrupted":
		fmt.Fprintln(w, "stopped: interrupted (what was measured until then)")
	case "time limit":
		fmt.Fprintln(w, "stopped: the time limit (what was measured until then)")
	}
	row := func(name, value string) { fmt.Fprintf(w, "  %-30s %s\n", name, value) }
	dash := func(v *float64, format string) string {
		if v == nil {
			return "—"
		}
		return fmt.Sprintf(format, *v)
	}
	warm := ""
	if rep.WarmupSeconds > 0 {
		warm = fmt.Sprintf(", after a warm-up of %s s and %s updates", trimFloat(rep.WarmupSeconds), thousands(float64(rep.UpdatesAll-rep.Updates)))
	}
	row("updates measured", fmt.Sprintf("%s in %.2f s%s", thousands(float64(rep.Updates)), rep.Seconds, warm))
	row("flows completed", thousands(float64(rep.FlowsCompleted)))
	if rep.Updates == 0 {
		row("", "nothing measured: the run ended during the warm-up")
	} else {
		row("updates per second", thousands(rep.PerSecond))
		l := rep.LatencyMS
		row("latency p50 / p90 / p99 / max", fmt.Sprintf("%s / %s / %s / %s ms", msString(l.P50), msString(l.P90), msString(l.P99), msString(l.Max)))
		if q := rep.QueuedMS; q != nil {
			row("queued p50 / p90 / p99 / max", fmt.Sprintf("%s / %s / %s / %s ms (waiting for one of %d connections)", msString(q.P50), msString(q.P90), msString(q.P99), msString(q.Max), rep.Connections))
		}
		row("CPU per update", fmt.Sprintf("%.1f µs (this process: bot, people and fake Bot API)", rep.CPUMicros))
		row("allocations per update", fmt.Sprintf("%.0f (%s bytes)", rep.Allocs, thousands(rep.AllocBytes)))
		row("Bot API calls per update", fmt.Sprintf("%.2f", rep.APICalls))
		row("Redis commands per update", dash(rep.RedisCommands, "%.2f (INFO commandstats)"))
		row("round trips per update", dash(rep.RoundTrips, "%.2f")+clientCommands(rep))
	}
	row("bytes per session", dash(rep.SessionBytes, "%.0f")+sessionMemory(rep))
	row("peak RSS", fmt.Sprintf("%.1f MB", float64(rep.PeakRSSBytes)/(1<<20)))
	row("live heap after the run", fmt.Sprintf("%.1f MB (the people's sessions still held)", float64(rep.LiveHeapBytes)/(1<<20)))
	errs := thousands(float64(rep.Errors))
	var parts []string
	add := func(n int64, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(rep.Refused, "updates refused")
	add(rep.GaveUp, "people gave up")
	add(rep.LoggedErrors, "errors logged")
	add(rep.Mismatches, "mismatches")
	add(rep.UnknownCalls, "unknown Bot API calls")
	if len(parts) > 0 {
		errs += " (" + strings.Join(parts, ", ") + ")"
	}
	row("errors", errs)
	if rep.APIFailures > 0 || rep.StoreFailures > 0 || rep.LoggedWarnings > 0 {
		row("faults injected", fmt.Sprintf("%d Bot API, %d store; %d warnings logged", rep.APIFailures, rep.StoreFailures, rep.LoggedWarnings))
	}
	check := "every suggestion as the engine computes it"
	if rep.Checked == 0 {
		check = "nothing to check: no flow was completed"
	}
	row("checked", fmt.Sprintf("%s %s: %s", thousands(float64(rep.Checked)), pluralWord(rep.Checked, "person's last flow", "people's last flows"), check))
	if len(rep.Problems) > 0 {
		fmt.Fprintln(w, "problems:")
		for _, p := range rep.Problems {
			fmt.Fprintln(w, "  "+p)
		}
	}
}

func clientCommands(rep *loadReport) string {
	if rep.ClientCommands == nil || rep.RoundTrips == nil || *rep.ClientCommands == *rep.RoundTrips {
		return ""
	}
	return fmt.Sprintf(" (%.2f commands sent)", *rep.ClientCommands)
}

func sessionMemory(rep *loadReport) string {
	if rep.SessionMemory == nil {
		return ""
	}
	return fmt.Sprintf(" (%.0f in Redis's memory with the key)", *rep.SessionMemory)
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// thousands writes a whole number with thin groups: 12,345.
func thousands(f float64) string {
	s := strconv.FormatInt(int64(f+0.5), 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

func msString(ms float64) string {
	switch {
	case ms < 1:
		return strconv.FormatFloat(ms, 'f', 3, 64)
	case ms < 100:
		return strconv.FormatFloat(ms, 'f', 2, 64)
	}
	return strconv.FormatFloat(ms, 'f', 0, 64)
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
