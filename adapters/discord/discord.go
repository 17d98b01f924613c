// Package discord lets people and NGO volunteers use Polku in Discord.
//
// People talk to the bot in direct messages: the same conversation as on
// Telegram, questions as messages with buttons (a select menu for long
// lists), suggestions as one clear message.
//
// Volunteers work in their organisation's server. The slash command /polku
// runs the flow privately for a volunteer sitting with a client, and ends
// with the suggestions and a plain text to hand over. When someone asks to
// talk to a person (on Telegram or here), a thread opens in the handoff
// channel with what they agreed to share and a Claim button; the volunteer
// who claims it talks with them through the thread: what they write there
// is relayed to the person, what the person writes appears in the thread.
// Messages starting with // stay in the thread: notes between volunteers.
// Only members with the volunteer role may use any of this.
//
// Everything Polku sends is escaped for Discord's markdown and pings no
// one. Interactions are acknowledged at once, well inside Discord's three
// seconds, and then answered by editing. Nothing a person or a volunteer
// writes goes to the logs.
package discord

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"polku/adapters/internal/chatqueue"
	"polku/bot"
	"polku/bot/content"
	"polku/bot/handoff"
)

// Platform names people who talk to Polku in Discord DMs.
const Platform = "discord"

// VolunteerPlatform names a volunteer's sessions with clients, kept apart
// from anything the volunteer might do as a person.
const VolunteerPlatform = "discord-volunteer"

// CommandName is the volunteers' slash command.
const CommandName = "polku"

// NotePrefix starts a message in a case's thread that stays there: a note
// between volunteers, never relayed to the person.
const NotePrefix = "//"

// Handler is what the adapter needs of the engine.
type Handler interface {
	Handle(context.Context, bot.Message) (bot.Reply, error)
	HandoffEvent(context.Context, bot.HandoffEvent) (bot.Reply, error)
	Forget(ctx context.Context, platform, user string) error
	Content() *content.Content
}

// Desk is what volunteers do with cases (package bot/handoff).
type Desk interface {
	Claim(ctx context.Context, caseID, volunteer string) (handoff.CaseInfo, error)
	Say(ctx context.Context, caseID, volunteer, id, text string) error
	End(ctx context.Context, caseID, volunteer string) error
	AttachThread(ctx context.Context, caseID, thread string) error
	CaseByThread(ctx context.Context, thread string) (handoff.CaseInfo, error)
}

// Options configure the adapter.
type Options struct {
	Token string // the bot's token from the Developer Portal; a secret
	// APIURL is another Discord-compatible server to talk to instead of
	// discord.com (a test server): its REST API and, through it, its
	// gateway.
	APIURL string
	// HandoffChannel is the channel where a thread opens for each request
	// to talk to a person; empty: no volunteers here.
	HandoffChannel string
	// VolunteerRole is the role a member needs for /polku, Claim and End.
	VolunteerRole string
	Desk          Desk // nil: no volunteers
	// Lang is the language of what Polku writes for volunteers (threads,
	// buttons) when Discord does not say theirs; default the content's first.
	Lang   string
	Logger *slog.Logger
	// HTTPClient makes the REST calls; default: one with timeouts.
	HTTPClient *http.Client
	Dialer     *websocket.Dialer
}

// Adapter connects a Handler to Discord.
type Adapter struct {
	h     Handler
	o     Options
	dg    *discordgo.Session
	log   *slog.Logger
	chats *chatqueue.Queues[string]
	ctx   context.Context // lives as long as Run; for work from handlers

	mu    sync.Mutex
	dms   map[string]string // user id → DM channel id
	asked map[string]string // DM channel → message with the open question
	app   string            // application id, from READY
	ready chan struct{}
}

// New checks the options and prepares a session; Run connects.
func New(h Handler, o Options) (*Adapter, error) {
	if o.Token == "" {
		return nil, errors.New("no token: set DISCORD_TOKEN to the bot token from the Discord Developer Portal")
	}
	if strings.ContainsAny(o.Token, " \t\n") {
		return nil, errors.New("DISCORD_TOKEN does not look like a bot token")
	}
	if o.Desk != nil && o.HandoffChannel == "" {
		return nil, errors.New("DISCORD_HANDOFF_CHANNEL must be set to the id of the channel where volunteers get requests")
	}
	if o.HandoffChannel != "" && o.Desk == nil {
		return nil, errors.New("volunteers need Redis: set REDIS_URL, so that requests reach them from every process")
	}
	if o.HandoffChannel != "" && o.VolunteerRole == "" {
		return nil, errors.New("DISCORD_VOLUNTEER_ROLE must be set with DISCORD_HANDOFF_CHANNEL: only members with that role may take requests")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	dg, err := discordgo.New("Bot " + o.Token)
	if err != nil {
		return nil, fmt.Errorf("discord: %w", err)
	}
	switch {
	case o.HTTPClient != nil:
		dg.Client = o.HTTPClient
	case o.APIURL != "":
		u, err := url.Parse(o.APIURL)
		if err != nil || u.Host == "" {
			return nil, errors.New("DISCORD_API_URL is not a URL")
		}
		dg.Client = &http.Client{Timeout: 20 * time.Second, Transport: redirect{to: u, next: http.DefaultTransport}}
	default:
		dg.Client = &http.Client{Timeout: 20 * time.Second}
	}
	if o.Dialer != nil {
		dg.Dialer = o.Dialer
	}
	// discordgo's own warnings and errors (reconnects, gateway trouble) go
	// to our log as JSON; they carry no message text at these levels
	dg.LogLevel = discordgo.LogWarning
	libLog.Store(o.Logger.With("platform", Platform, "from", "discordgo"))
	libLogOnce.Do(func() {
		// discordgo has one logger for the process: the latest adapter's
		discordgo.Logger = func(level, _ int, format string, args ...any) {
			l := slog.LevelWarn
			if level == discordgo.LogError {
				l = slog.LevelError
			}
			libLog.Load().Log(context.Background(), l, strings.TrimSpace(fmt.Sprintf(format, args...)))
		}
	})
	dg.ShouldRetryOnRateLimit = true // a 429 waits retry_after and sends again
	dg.MaxRestRetries = 5
	dg.StateEnabled = true
	dg.Identify.Intents = discordgo.IntentsDirectMessages
	if o.HandoffChannel != "" {
		// threads, the volunteers' messages in them (message content is a
		// privileged intent: enable it for the bot in the Developer Portal)
		dg.Identify.Intents |= discordgo.IntentsGuilds | discordgo.IntentsGuildMessages | discordgo.IntentMessageContent
	}
	a := &Adapter{h: h, o: o, dg: dg, log: o.Logger.With("platform", Platform), chats: chatqueue.New[string](),
		dms: map[string]string{}, asked: map[string]string{}, ready: make(chan struct{})}
	dg.AddHandler(a.onReady)
	dg.AddHandler(a.onMessage)
	dg.AddHandler(a.onInteraction)
	return a, nil
}

var (
	libLog     atomic.Pointer[slog.Logger]
	libLogOnce sync.Once
)

// redirect sends requests for Discord to another server: a local one.
type redirect struct {
	to   *url.URL
	next http.RoundTripper
}

func (r redirect) RoundTrip(req *http.Request) (*http.Response, error) {
	h := req.URL.Hostname()
	if h != "discord.com" && !strings.HasSuffix(h, ".discord.com") && h != "discordapp.com" && !strings.HasSuffix(h, ".discordapp.com") {
		return r.next.RoundTrip(req)
	}
	c := req.Clone(req.Context())
	c.URL.Scheme, c.URL.Host, c.Host = r.to.Scheme, r.to.Host, r.to.Host
	return r.next.RoundTrip(c)
}

// Run connects to Discord and serves until ctx is done; then it stops
// taking events, finishes those in hand and disconnects.
func (a *Adapter) Run(ctx context.Context) error {
	work, stop := context.WithCancel(context.WithoutCancel(ctx))
	defer stop()
	a.ctx = work
	if err := a.dg.Open(); err != nil {
		if strings.Contains(err.Error(), "4004") || strings.Contains(err.Error(), "401") {
			return errors.New("DISCORD_TOKEN is not accepted by Discord (authentication failed): copy the bot token again from the Developer Portal")
		}
		return fmt.Errorf("connect: %w", err)
	}
	select {
	case <-a.ready:
	case <-ctx.Done():
	}
	if ctx.Err() == nil && a.o.VolunteerRole != "" {
		if err := a.registerCommands(ctx); err != nil {
			// volunteers can still take requests; the command comes later
			a.log.Warn("slash command not registered", "err", errText(err))
		}
	}
	if ctx.Err() == nil {
		a.log.Info("discord bot ready")
		<-ctx.Done()
	}
	// stop taking events, then finish those in hand
	a.chats.Wait()
	return a.dg.Close()
}

func (a *Adapter) onReady(_ *discordgo.Session, r *discordgo.Ready) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r.Application != nil {
		a.app = r.Application.ID
	}
	select {
	case <-a.ready:
	default:
		close(a.ready)
	}
}

// registerCommands sets /polku, in the handoff channel's server when there
// is one (guild commands appear at once), with its description in each
// content language.
func (a *Adapter) registerCommands(ctx context.Context) error {
	a.mu.Lock()
	app := a.app
	a.mu.Unlock()
	if app == "" && a.dg.State != nil && a.dg.State.User != nil {
		app = a.dg.State.User.ID
	}
	guild := ""
	if a.o.HandoffChannel != "" {
		ch, err := a.dg.Channel(a.o.HandoffChannel, discordgo.WithContext(ctx))
		if err != nil {
			return fmt.Errorf("the handoff channel: %w", err)
		}
		guild = ch.GuildID
	}
	c := a.h.Content()
	desc := map[discordgo.Locale]string{}
	for _, l := range c.Languages {
		for _, loc := range discordLocales(l.Code) {
			desc[loc] = clipRunes(c.Message("desk_command", l.Code), 100)
		}
	}
	cmd := &discordgo.ApplicationCommand{Name: CommandName, Description: clipRunes(c.Message("desk_command", a.lang("")), 100),
		DescriptionLocalizations: &desc, Contexts: &[]discordgo.InteractionContextType{discordgo.InteractionContextGuild}}
	_, err := a.dg.ApplicationCommandBulkOverwrite(app, guild, []*discordgo.ApplicationCommand{cmd}, discordgo.WithContext(ctx))
	return err
}

// discordLocales are Discord's locales for a content language.
func discordLocales(code string) []discordgo.Locale {
	switch code {
	case "fi":
		return []discordgo.Locale{discordgo.Finnish}
	case "sv":
		return []discordgo.Locale{discordgo.Swedish}
	case "en":
		return []discordgo.Locale{discordgo.EnglishUS, discordgo.EnglishGB}
	}
	return nil
}

// lang is the content language for a Discord locale (sv-SE → sv), or the
// volunteers' language.
func (a *Adapter) lang(locale discordgo.Locale) string {
	c := a.h.Content()
	if code := c.MatchLanguage(string(locale)); code != "" {
		return code
	}
	if a.o.Lang != "" && c.Language(a.o.Lang) {
		return a.o.Lang
	}
	return c.Languages[0].Code
}

// say is a content message for volunteers, in lang.
func (a *Adapter) say(key, lang string) string { return a.h.Content().Message(key, lang) }

// errText describes an error for the logs without what anyone wrote:
// Discord's REST errors quote only Discord's own JSON.
func errText(err error) string {
	var re *discordgo.RESTError
	if errors.As(err, &re) && re.Message != nil {
		return fmt.Sprintf("discord %d: %s", re.Message.Code, re.Message.Message)
	}
	if errors.As(err, &re) && re.Response != nil {
		return "discord HTTP " + re.Response.Status
	}
	return err.Error()
}

// ephemeral is the flag of a message only the one who asked sees.
const ephemeral = discordgo.MessageFlagsEphemeral
