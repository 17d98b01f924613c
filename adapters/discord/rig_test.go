package discord_test

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/redis/go-redis/v9"

	"polku/adapters/discord"
	"polku/adapters/discord/discordtest"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/content/contenttest"
	"polku/bot/handoff"
	"polku/bot/store"
	"polku/bot/store/redistest"
	"polku/internal/syncbuf"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// wait bounds every wait for the bot; it is only reached when a test fails.
const wait = 10 * time.Second

// The world of the tests: a server with a handoff channel and a volunteer
// role, two volunteers, one member who is not, and people who write DMs.
const (
	guildID    = "100000000000000001"
	roleID     = "100000000000000002"
	handoffID  = "100000000000000003"
	volunteerA = "200000000000000001"
	volunteerB = "200000000000000002"
	member     = "200000000000000003"
	personA    = "300000000000000001"
	personB    = "300000000000000002"
)

type rig struct {
	t       *testing.T
	dc      *discordtest.Server
	engine  *bot.Engine
	desk    *handoff.Desk
	rdb     *redis.Client
	adapter *discord.Adapter
	logs    *syncbuf.Buffer
	cancel  context.CancelFunc
	done    chan error
	prefix  string
}

type rigOptions struct {
	content fs.FS
	desk    bool // volunteers: a handoff channel, a role, a desk in Redis
	dc      *discordtest.Server
	prefix  string
	// claimWait is how long a request waits for a volunteer before the
	// person is told nobody took it (CheckUnclaimed looks).
	claimWait time.Duration
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	r := &rig{t: t, dc: o.dc, logs: &syncbuf.Buffer{}}
	if r.dc == nil {
		r.dc = discordtest.NewServer(t, "")
		r.dc.AddGuild(discordtest.Guild{ID: guildID, Name: "Järjestö"})
		r.dc.AddRole(guildID, discordtest.Role{ID: roleID, Name: "vapaaehtoiset", Mentionable: true})
		r.dc.AddChannel(discordtest.Channel{ID: handoffID, GuildID: guildID, Name: "pyynnöt", Type: discordtest.ChannelText})
		for _, u := range []discordtest.User{
			{ID: volunteerA, Username: "sanna", Locale: "fi"},
			{ID: volunteerB, Username: "oskar", Locale: "sv-SE"},
			{ID: member, Username: "visitor", Locale: "en-US"},
			{ID: personA, Username: "alex", Locale: "en-GB"},
			{ID: personB, Username: "aino", Locale: "fi"},
		} {
			r.dc.AddUser(u)
		}
		r.dc.AddMember(guildID, volunteerA, roleID)
		r.dc.AddMember(guildID, volunteerB, roleID)
		r.dc.AddMember(guildID, member)
	}
	if o.content == nil {
		o.content = contenttest.BaseFS(t)
	}
	c, ds := content.Load(o.content)
	if c == nil {
		t.Fatalf("content does not load:\n%v", ds)
	}
	opt, err := redis.ParseURL(redistest.Shared(t))
	if err != nil {
		t.Fatal(err)
	}
	r.rdb = redis.NewClient(opt)
	t.Cleanup(func() { r.rdb.Close() })
	r.prefix = o.prefix
	if r.prefix == "" {
		r.prefix = fmt.Sprintf("dc-test:%s:%d:", t.Name(), time.Now().UnixNano())
	}
	log := slog.New(slog.NewJSONHandler(r.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := store.NewRedis(context.Background(), r.rdb, store.RedisOptions{Prefix: r.prefix, Secret: []byte("a-test-secret-of-enough-bytes"), CacheSize: -1, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	eo := bot.Options{Logger: log}
	do := discord.Options{Token: r.dc.Token, HTTPClient: r.dc.HTTPClient(), Dialer: &websocket.Dialer{HandshakeTimeout: 5 * time.Second}, Logger: log}
	if o.desk {
		r.desk, err = handoff.New(context.Background(), r.rdb, handoff.Options{Prefix: r.prefix, Logger: log, ClaimTimeout: o.claimWait})
		if err != nil {
			t.Fatal(err)
		}
		eo.Desk = r.desk
		do.Desk, do.HandoffChannel, do.VolunteerRole = r.desk, handoffID, roleID
	}
	r.engine = bot.New(c, st, eo)
	r.adapter, err = discord.New(r.engine, do)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan error, 1)
	go func() { r.done <- r.adapter.Run(ctx) }()
	if o.desk {
		go func() { _ = r.desk.ConsumeDesk(ctx, "test", r.adapter.OnDesk) }()
		go func() { _ = r.desk.ConsumePeople(ctx, discord.Platform, "test", r.adapter.Deliver) }()
	}
	t.Cleanup(func() { r.stop() })
	r.dc.WaitReady(t, wait)
	return r
}

// stop is SIGTERM: Run finishes what is in hand and disconnects.
func (r *rig) stop() error {
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

// dm is the DM channel of a person with the bot, once the bot has written.
func (r *rig) dm(user string) string {
	r.t.Helper()
	var ch string
	r.dc.WaitFor(r.t, wait, "a DM channel with "+user, func(st *discordtest.State) bool {
		ch = st.DMChannel(user)
		return ch != ""
	})
	return ch
}

// waitQuestion waits until the bot's latest message in channel contains
// text and has components, and returns it.
func (r *rig) waitQuestion(channel, text string, after string) discordtest.Message {
	r.t.Helper()
	var m discordtest.Message
	r.dc.WaitFor(r.t, wait, fmt.Sprintf("a question %q in %s", text, channel), func(st *discordtest.State) bool {
		var ok bool
		m, ok = st.LastBotMessage(channel)
		return ok && m.ID > after && strings.Contains(unescape(m.Content), text) && len(m.Components) > 0
	})
	return m
}

// waitText waits until a bot message in channel contains text.
func (r *rig) waitText(channel, text string) discordtest.Message {
	r.t.Helper()
	var m discordtest.Message
	r.dc.WaitFor(r.t, wait, fmt.Sprintf("a message with %q in %s", text, channel), func(st *discordtest.State) bool {
		for _, x := range st.BotMessages(channel) {
			if strings.Contains(unescape(x.Content), text) {
				m = x
				return true
			}
		}
		return false
	})
	return m
}

// customID is the custom id of the component labelled label on m.
func customID(t *testing.T, m discordtest.Message, label string) string {
	t.Helper()
	var walk func([]discordtest.Component) string
	walk = func(cs []discordtest.Component) string {
		for _, c := range cs {
			if c.Label == label || c.Placeholder == label {
				return c.CustomID
			}
			if id := walk(c.Components); id != "" {
				return id
			}
		}
		return ""
	}
	id := walk(m.Components)
	if id == "" {
		t.Fatalf("no component %q on %q: %v", label, m.Content, m.Labels())
	}
	return id
}

// press presses the button labelled label and waits for the interaction's
// response.
func (r *rig) press(user string, m discordtest.Message, label string) discordtest.Interaction {
	r.t.Helper()
	id := r.dc.PressButton(user, m.ID, customID(r.t, m, label))
	return r.dc.WaitResponse(r.t, id, wait)
}

// unescape undoes Polku's markdown escapes, to match texts as people see
// them.
func unescape(s string) string { return strings.ReplaceAll(s, "\\", "") }
