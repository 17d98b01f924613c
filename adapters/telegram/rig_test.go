package telegram_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"polku/adapters/telegram"
	"polku/adapters/telegram/telegramtest"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/content/contenttest"
	"polku/bot/store"
	"polku/bot/store/redistest"
	"polku/internal/syncbuf"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// token is what the fake Bot API accepts. Tests check it never shows up in
// logs or errors.
const token = "424242:AAE-polku-test-SECRET-token_xyz"

// wait bounds every wait for the bot; it is only hit when a test fails.
const wait = 10 * time.Second

// rig is one Polku process talking to a fake Telegram: the real adapter,
// the real engine and a real Redis.
type rig struct {
	t       *testing.T
	tg      *telegramtest.Server
	content *content.Content
	engine  *bot.Engine
	rdb     *redis.Client
	store   *store.Redis
	logs    *syncbuf.Buffer
	prefix  string // Redis key prefix
	secret  string // the webhook's secret, when there is a webhook
	hook    string // the webhook's URL
	adapter *telegram.Adapter
	cancel  context.CancelFunc
	done    chan error
}

type rigOptions struct {
	content  fs.FS // default: the small, stable test content
	webhook  bool
	redisURL string // default: the package's shared server
	tg       *telegramtest.Server
	before   func(*telegramtest.Server) // before the adapter starts
	retryFor time.Duration
	prefix   string // Redis key prefix; default: one per test
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t, tg: o.tg, logs: &syncbuf.Buffer{}}
	if r.tg == nil {
		r.tg = telegramtest.NewServer(t, token)
	}
	if o.content == nil {
		o.content = contenttest.BaseFS(t)
	}
	c, ds := content.Load(o.content)
	if c == nil {
		t.Fatalf("content does not load:\n%v", ds)
	}
	r.content = c
	if o.redisURL == "" {
		o.redisURL = redistest.Shared(t)
	}
	opt, err := redis.ParseURL(o.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	opt.MaxRetries = -1
	opt.DialTimeout, opt.ReadTimeout, opt.WriteTimeout = time.Second, time.Second, time.Second
	r.rdb = redis.NewClient(opt)
	t.Cleanup(func() { r.rdb.Close() })
	if o.prefix == "" {
		// unique per run: update ids start again at 1000 in every fake,
		// and must not meet the sessions of an earlier run (-count=N)
		o.prefix = fmt.Sprintf("tg-test:%s:%d:", t.Name(), time.Now().UnixNano())
	}
	r.prefix = o.prefix
	log := slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	r.store, err = store.NewRedis(context.Background(), r.rdb, store.RedisOptions{Prefix: o.prefix, Secret: []byte("a-test-secret-of-enough-bytes"), CacheSize: -1, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	r.engine = bot.New(c, r.store, bot.Options{Logger: log})

	opts := telegram.Options{Token: token, APIURL: r.tg.APIURL(), Logger: log, PerSecond: -1,
		PollTimeout: 10 * time.Second, MaxBackoff: 20 * time.Millisecond, RetryFor: o.retryFor}
	if o.webhook {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		r.secret = "hook-secret_" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		r.hook = "http://" + ln.Addr().String() + "/telegram"
		opts.Listener, opts.WebhookURL, opts.WebhookSecret = ln, r.hook, r.secret
	}
	if o.before != nil {
		o.before(r.tg)
	}
	r.adapter, err = telegram.New(context.Background(), r.engine, opts)
	if err != nil {
		t.Fatalf("telegram.New: %v", err)
	}
	telegram.SetCommandRetry(r.adapter, 50*time.Millisecond)
	r.start()
	return r
}

// start runs the adapter until the test ends or stop is called.
func (r *rig) start() {
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.adapter.Run(ctx) }()
	r.t.Cleanup(func() { r.stop() })
}

// stop is SIGTERM: Run must finish what is in hand and return.
func (r *rig) stop() error {
	r.t.Helper()
	if r.cancel == nil {
		return nil
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		return err
	case <-time.After(30 * time.Second):
		r.t.Fatal("Run did not return 30 s after it was told to stop")
		return nil
	}
}

// sessionBytes is the person's session as stored in Redis, "" when none.
func (r *rig) sessionBytes(user int64) string {
	r.t.Helper()
	b, err := r.rdb.Get(context.Background(), r.store.SessionKey(telegram.Platform+":"+strconv.FormatInt(user, 10))).Result()
	if errors.Is(err, redis.Nil) {
		return ""
	}
	if err != nil {
		r.t.Fatal(err)
	}
	return b
}

// answers is how many answers the person's session holds.
func (r *rig) answers(user int64) int {
	r.t.Helper()
	var n int
	err := r.store.Update(context.Background(), telegram.Platform+":"+strconv.FormatInt(user, 10), func(s *bot.Session) error {
		n = len(s.Answers)
		return errors.New("read only")
	})
	if err == nil || err.Error() != "read only" {
		r.t.Fatalf("reading the session: %v", err)
	}
	return n
}

// waitQuestion waits until the bot's latest message in chat is a question
// containing text, with buttons, and returns it.
func (r *rig) waitQuestion(chat int64, text string) telegramtest.Message {
	r.t.Helper()
	return r.waitQuestionAfter(chat, text, 0)
}

// waitQuestionAfter is waitQuestion for a question newer than message after.
func (r *rig) waitQuestionAfter(chat int64, text string, after int) telegramtest.Message {
	r.t.Helper()
	var m telegramtest.Message
	r.tg.WaitFor(r.t, wait, fmt.Sprintf("a question %q in chat %d", text, chat), func(st *telegramtest.State) bool {
		var ok bool
		m, ok = st.LastMessage(chat)
		return ok && m.ID > after && strings.Contains(m.Text, text) && len(m.Keyboard) > 0
	})
	return m
}

// waitText waits until some message of the bot in chat contains text, and
// returns the last such message.
func (r *rig) waitText(chat int64, text string) telegramtest.Message {
	r.t.Helper()
	var m telegramtest.Message
	r.tg.WaitFor(r.t, wait, fmt.Sprintf("a message with %q in chat %d", text, chat), func(st *telegramtest.State) bool {
		ms := st.Messages(chat)
		for i := len(ms) - 1; i >= 0; i-- {
			if strings.Contains(ms[i].Text, text) {
				m = ms[i]
				return true
			}
		}
		return false
	})
	return m
}

// waitDone waits until every update so far has been handled and confirmed
// and no call to Telegram is in flight: the bot is idle.
func (r *rig) waitDone() {
	r.t.Helper()
	r.tg.WaitFor(r.t, wait, "every update confirmed and no call in flight", func(st *telegramtest.State) bool {
		if len(st.Pending()) > 0 {
			return false
		}
		for _, c := range st.Calls() {
			if c.Status == 0 && !c.Dropped && c.Method != "getUpdates" {
				return false
			}
		}
		return true
	})
}

// press presses the button labelled label on the chat's open question and
// waits for the callback query to be answered.
func (r *rig) press(chat int64, q telegramtest.Message, label string) int {
	r.t.Helper()
	id := r.tg.PressButton(chat, q.ID, label)
	r.tg.WaitFor(r.t, wait, "the callback query answered", func(st *telegramtest.State) bool { return st.Answered(id) })
	return id
}
