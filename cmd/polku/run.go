package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // volunteers' hours are in Finland's time, also in a distroless image

	"polku/adapters/discord"
	"polku/adapters/telegram"
	"polku/bot"
	"polku/bot/content/reload"
	"polku/bot/handoff"
)

func init() {
	register(command{name: "run", summary: "serve people on Telegram and Discord", order: 5, run: runServe})
}

const runHelp = `Usage: polku run [--content DIR [--watch]] [--redis URL] [flags]

Serves people on the platforms whose tokens are set, until stopped (Ctrl-C,
or SIGTERM from docker stop): it then stops taking messages, finishes those
in hand, and exits.

Telegram (see the README for creating a bot with @BotFather):
  TELEGRAM_TOKEN            the bot's token (never printed)
  TELEGRAM_WEBHOOK_URL      receive updates at this public https:// address
                            instead of asking for them (long polling)
  TELEGRAM_WEBHOOK_SECRET   required with a webhook: Telegram sends it with
                            every update, and nothing else is accepted
  POLKU_HTTP_ADDR           where the webhook listens (default :8080)
  TELEGRAM_API_URL          another Bot API server: a local one, or a test one
  TELEGRAM_SENDS_PER_SECOND the most calls this process makes to Telegram a
                            second (default 25, under Telegram's ~30 for a
                            bot); with R replicas give each 25/R

Discord (see the README for the application, its intents and permissions):
  DISCORD_TOKEN             the bot's token (never printed)
  DISCORD_HANDOFF_CHANNEL   the channel where requests to talk to a person
                            open a thread for volunteers
  DISCORD_VOLUNTEER_ROLE    the role that may use /polku, Claim and End
  DISCORD_API_URL           another Discord-compatible server (tests)

Talking to a volunteer (needs Redis; on with DISCORD_HANDOFF_CHANNEL, or
POLKU_HANDOFF=on in a process that serves only Telegram):
  POLKU_HANDOFF_HOURS       when volunteers are usually there, said up front,
                            e.g. "mon-fri 9-16" (Finland's time)
  POLKU_HANDOFF_WAIT        after this long unclaimed the person is told and
                            offered other places (default 15m)
  POLKU_HANDOFF_RETENTION   how long cases and relayed text are kept (72h)
  POLKU_REPLICA             this process's name among replicas (default:
                            the host name); keep it stable across restarts

Sessions, content and logs:
  REDIS_URL, POLKU_KEY_SECRET, POLKU_SESSION_TTL, POLKU_REDIS_PREFIX  (README)
  POLKU_CONTENT             a content directory; SIGHUP reloads it
  POLKU_LOG_LEVEL           debug, info (default), warn or error; logs never
                            hold what people wrote, their ids or tokens

Examples:
  TELEGRAM_TOKEN=123:abc polku run
  TELEGRAM_TOKEN=123:abc REDIS_URL=redis://localhost:6379 POLKU_KEY_SECRET=… polku run
  TELEGRAM_TOKEN=123:abc TELEGRAM_WEBHOOK_URL=https://polku.example.org/telegram \
    TELEGRAM_WEBHOOK_SECRET=… polku run --content /srv/polku-content --watch
  DISCORD_TOKEN=… DISCORD_HANDOFF_CHANNEL=1234 DISCORD_VOLUNTEER_ROLE=5678 \
    TELEGRAM_TOKEN=… REDIS_URL=redis://localhost:6379 POLKU_KEY_SECRET=… \
    POLKU_HANDOFF_HOURS="mon-fri 9-16" polku run

Flags:
`

func runServe(ctx context.Context, inv invocation) error {
	tuneGC(inv.getenv)
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(inv.stderr)
	dir := fs.String("content", inv.getenv("POLKU_CONTENT"), "a content directory instead of the built-in content ($POLKU_CONTENT)")
	watch := fs.Bool("watch", false, "reload the content directory whenever one of its files changes")
	httpAddr := fs.String("http", or(inv.getenv("POLKU_HTTP_ADDR"), ":8080"), "where the webhook listens ($POLKU_HTTP_ADDR)")
	apiURL := fs.String("telegram-api", inv.getenv("TELEGRAM_API_URL"), "the Bot API server ($TELEGRAM_API_URL); Telegram's by default")
	webhook := fs.String("webhook", inv.getenv("TELEGRAM_WEBHOOK_URL"), "receive Telegram updates at this public address ($TELEGRAM_WEBHOOK_URL)")
	logLevel := fs.String("log-level", or(inv.getenv("POLKU_LOG_LEVEL"), "info"), "debug, info, warn or error ($POLKU_LOG_LEVEL)")
	sc := storeFlags(fs, inv.getenv)
	fs.Usage = func() {
		fmt.Fprint(inv.stderr, runHelp)
		fs.PrintDefaults()
	}
	if done, err := parseFlags(fs, inv.args); done {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return usageError{msg: "run takes no arguments"}
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{msg: fmt.Sprintf("POLKU_LOG_LEVEL: %q is not a level: use debug, info, warn or error", *logLevel)}
	}
	log := slog.New(slog.NewJSONHandler(inv.stderr, &slog.HandlerOptions{Level: level}))
	tgToken, dcToken := inv.getenv("TELEGRAM_TOKEN"), inv.getenv("DISCORD_TOKEN")
	if tgToken == "" && dcToken == "" {
		return usageError{msg: "nothing to serve: set TELEGRAM_TOKEN and/or DISCORD_TOKEN (the README says how to get them)"}
	}
	if tgToken != "" && *apiURL != "" {
		// a configuration error, said at once and without the token
		if err := telegram.CheckAPIURL(*apiURL); err != nil {
			return usageError{msg: err.Error()}
		}
	}
	if *watch && *dir == "" {
		return usageError{msg: "--watch needs a content directory: use --content DIR or set POLKU_CONTENT"}
	}
	perSecond := 0 // the adapter's default
	if v := inv.getenv("TELEGRAM_SENDS_PER_SECOND"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return usageError{msg: fmt.Sprintf("TELEGRAM_SENDS_PER_SECOND: %q is not a number of calls a second between 1 and 1000 (e.g. 12 for each of two replicas)", v)}
		}
		perSecond = n
	}
	ho, err := handoffSettings(inv.getenv, sc.redis != "")
	if err != nil {
		return err
	}
	if ho.channel != "" && dcToken == "" {
		return usageError{msg: "DISCORD_HANDOFF_CHANNEL needs DISCORD_TOKEN: the volunteers work in Discord"}
	}

	var reloader *reload.Reloader
	hup, stopHup := notifyHangup()
	defer stopHup()
	if *dir != "" {
		reloader = reload.New(*dir, reload.Options{Trigger: hup, Watch: *watch, Report: func(r reload.Result) {
			var b strings.Builder
			r.Write(&b)
			if r.Loaded {
				log.Info("content reloaded", "version", r.Version, "warnings", len(r.Diagnostics))
			} else {
				log.Error("content edit refused; still using the working version", "version", r.Previous, "diagnostics", b.String())
			}
		}})
	}
	c, ds, err := loadContent(*dir, inv.stderr, false)
	if err != nil {
		if _, ok := err.(contentError); ok {
			fmt.Fprintf(inv.stderr, "polku run: the content has %s; fix them and try again\n", countWords(ds))
			return errReported
		}
		return err
	}
	var desk *handoff.Desk
	engine, closeEngine, err := sc.engine(ctx, c, log, func(o *bot.Options) error {
		if !ho.on {
			return nil
		}
		var err error
		desk, err = handoff.New(ctx, sc.client, handoff.Options{Prefix: sc.prefix, Retention: ho.retention, ClaimTimeout: ho.wait, Logger: log})
		if err != nil {
			return fmt.Errorf("REDIS_URL: the volunteers' desk: %w", err)
		}
		o.Desk, o.Hours = desk, ho.hours
		return nil
	})
	if err != nil {
		return err
	}
	defer closeEngine()

	var tg *telegram.Adapter
	if tgToken != "" {
		tg, err = telegram.New(ctx, engine, telegram.Options{Token: tgToken, APIURL: *apiURL, WebhookURL: *webhook,
			WebhookSecret: inv.getenv("TELEGRAM_WEBHOOK_SECRET"), HTTPAddr: *httpAddr, Logger: log, PerSecond: perSecond})
		if err != nil {
			if errors.Is(err, telegram.ErrUnauthorized) {
				return fmt.Errorf("TELEGRAM_TOKEN: %w", err)
			}
			return fmt.Errorf("telegram: %w", err)
		}
	}
	var dc *discord.Adapter
	if dcToken != "" {
		do := discord.Options{Token: dcToken, APIURL: inv.getenv("DISCORD_API_URL"), HandoffChannel: ho.channel,
			VolunteerRole: inv.getenv("DISCORD_VOLUNTEER_ROLE"), Logger: log}
		if ho.channel != "" {
			do.Desk = desk
		}
		if dc, err = discord.New(engine, do); err != nil {
			return err
		}
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	if reloader != nil {
		wg.Go(func() { reloader.Run(ctx, engine) })
	}
	errs := make(chan error, 2)
	serve := func(name string, run func(context.Context) error) {
		wg.Go(func() {
			if err := run(ctx); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
				cancel() // one platform failing stops the process, so it is restarted whole
			}
		})
	}
	if tg != nil {
		mode := "long polling"
		if *webhook != "" {
			mode = "webhook on " + *httpAddr
		}
		log.Info("polku serving telegram", "telegram", "@"+tg.Username(), "mode", mode, "content", c.Version)
		serve("telegram", tg.Run)
	}
	if dc != nil {
		log.Info("polku serving discord", "volunteers", ho.channel != "", "content", c.Version)
		serve("discord", dc.Run)
	}
	if desk != nil {
		replica := or(inv.getenv("POLKU_REPLICA"), hostname())
		if tg != nil {
			serve("handoff to telegram", func(ctx context.Context) error {
				return desk.ConsumePeople(ctx, telegram.Platform, replica, tg.Deliver)
			})
		}
		if dc != nil {
			serve("handoff to discord", func(ctx context.Context) error {
				return desk.ConsumePeople(ctx, discord.Platform, replica, dc.Deliver)
			})
			if ho.channel != "" {
				serve("handoff desk", func(ctx context.Context) error { return desk.ConsumeDesk(ctx, replica, dc.OnDesk) })
			}
		}
		serve("handoff watch", desk.WatchUnclaimed)
	}
	<-ctx.Done()
	wg.Wait()
	select {
	case err := <-errs:
		log.Error("polku stopped", "err", err)
		return err
	default:
	}
	log.Info("polku stopped")
	return nil
}

// handoffConfig is how requests to talk to a volunteer are handled.
type handoffConfig struct {
	on        bool
	channel   string
	hours     *bot.Hours
	wait      time.Duration
	retention time.Duration
}

func handoffSettings(getenv env, redis bool) (handoffConfig, error) {
	h := handoffConfig{channel: getenv("DISCORD_HANDOFF_CHANNEL")}
	h.on = h.channel != "" || strings.EqualFold(getenv("POLKU_HANDOFF"), "on")
	if !h.on {
		return h, nil
	}
	if !redis {
		return h, usageError{msg: "talking to a volunteer needs Redis, so that requests reach the volunteers from every process: set REDIS_URL"}
	}
	if s := getenv("POLKU_HANDOFF_HOURS"); s != "" {
		loc, err := time.LoadLocation("Europe/Helsinki")
		if err != nil {
			return h, err
		}
		if h.hours, err = bot.ParseHours(s, loc); err != nil {
			return h, usageError{msg: "POLKU_HANDOFF_HOURS: " + err.Error()}
		}
	}
	var err error
	if h.wait, err = durationSetting(getenv, "POLKU_HANDOFF_WAIT", 15*time.Minute); err != nil {
		return h, err
	}
	if h.retention, err = durationSetting(getenv, "POLKU_HANDOFF_RETENTION", 72*time.Hour); err != nil {
		return h, err
	}
	return h, nil
}

func durationSetting(getenv env, name string, def time.Duration) (time.Duration, error) {
	s := getenv(name)
	if s == "" {
		return def, nil
	}
	d, err := parseTTL(s)
	if err != nil {
		return 0, usageError{msg: name + ": " + err.Error()}
	}
	return d, nil
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "polku"
	}
	return h
}
