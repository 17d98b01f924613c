package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"polku/adapters/telegram"
	"polku/bot/content/reload"
)

func init() {
	register(command{name: "run", summary: "serve people on Telegram", order: 5, run: runServe})
}

const runHelp = `Usage: polku run [--content DIR [--watch]] [--redis URL] [flags]

Serves people on the platforms whose tokens are set, until stopped (Ctrl-C,
or SIGTERM from docker stop): it then stops taking messages, finishes those
in hand, and exits.

Telegram (see the README for creating a bot with @BotFather):
  TELEGRAM_TOKEN            the bot's token (required; never printed)
  TELEGRAM_WEBHOOK_URL      receive updates at this public https:// address
                            instead of asking for them (long polling)
  TELEGRAM_WEBHOOK_SECRET   required with a webhook: Telegram sends it with
                            every update, and nothing else is accepted
  POLKU_HTTP_ADDR           where the webhook listens (default :8080)
  TELEGRAM_API_URL          another Bot API server: a local one, or a test one

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

Flags:
`

func runServe(ctx context.Context, inv invocation) error {
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
	token := inv.getenv("TELEGRAM_TOKEN")
	if token == "" {
		return usageError{msg: "nothing to serve: set TELEGRAM_TOKEN to a bot's token (the README says how to get one from @BotFather)"}
	}
	if *watch && *dir == "" {
		return usageError{msg: "--watch needs a content directory: use --content DIR or set POLKU_CONTENT"}
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
	engine, closeEngine, err := sc.engine(ctx, c, log)
	if err != nil {
		return err
	}
	defer closeEngine()

	tg, err := telegram.New(ctx, engine, telegram.Options{Token: token, APIURL: *apiURL, WebhookURL: *webhook,
		WebhookSecret: inv.getenv("TELEGRAM_WEBHOOK_SECRET"), HTTPAddr: *httpAddr, Logger: log})
	if err != nil {
		if errors.Is(err, telegram.ErrUnauthorized) {
			return fmt.Errorf("TELEGRAM_TOKEN: %w", err)
		}
		return fmt.Errorf("telegram: %w", err)
	}
	mode := "long polling"
	if *webhook != "" {
		mode = "webhook on " + *httpAddr
	}
	log.Info("polku serving", "telegram", "@"+tg.Username(), "mode", mode, "content", c.Version)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	if reloader != nil {
		wg.Go(func() { reloader.Run(ctx, engine) })
	}
	err = tg.Run(ctx)
	cancel()
	wg.Wait()
	log.Info("polku stopped")
	return err
}
