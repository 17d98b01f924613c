package discordtest_test

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"

	"polku/adapters/discord/discordtest"
)

const waitT = 5 * time.Second

// decodeErrors collects discordgo's complaints about JSON it couldn't
// decode: the fake must send nothing discordgo chokes on.
var (
	logMu        sync.Mutex
	decodeErrors []string
)

func TestMain(m *testing.M) {
	// Every test that opens a session spends a second in discordgo's Close,
	// which sleeps after its close frame; the tests are parallel so that
	// those seconds overlap. Raise -parallel above GOMAXPROCS (2 on CI)
	// unless it was given.
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", "16")
	}
	discordgo.Logger = func(level, _ int, format string, a ...any) {
		msg := fmt.Sprintf(format, a...)
		if strings.Contains(msg, "unmarshal") || strings.Contains(msg, "decoding") {
			logMu.Lock()
			decodeErrors = append(decodeErrors, msg)
			logMu.Unlock()
		}
	}
	code := m.Run()
	if len(decodeErrors) > 0 {
		fmt.Fprintf(os.Stderr, "discordgo could not decode what the fake sent:\n%s\n", strings.Join(decodeErrors, "\n"))
		code = 1
	}
	os.Exit(code)
}

// world is a guild with a volunteers' role and channel, a job seeker who
// writes in Finnish and a volunteer.
type world struct {
	s                    *discordtest.Server
	guild, role, channel string
	aino, ville          string
}

func newWorld(t *testing.T, opts ...discordtest.Option) world {
	t.Helper()
	s := discordtest.NewServer(t, "", opts...)
	g := s.AddGuild(discordtest.Guild{ID: "900000000000000001", Name: "Polku"})
	r := s.AddRole(g.ID, discordtest.Role{ID: "900000000000000002", Name: "vapaaehtoinen"})
	c := s.AddChannel(discordtest.Channel{ID: "900000000000000003", GuildID: g.ID, Name: "vuorot"})
	aino := s.AddUser(discordtest.User{ID: "800000000000000001", Username: "aino", GlobalName: "Aino", Locale: "fi"})
	ville := s.AddUser(discordtest.User{ID: "800000000000000002", Username: "ville"})
	s.AddMember(g.ID, ville.ID, r.ID)
	return world{s: s, guild: g.ID, role: r.ID, channel: c.ID, aino: aino.ID, ville: ville.ID}
}

// events records what a discordgo session's handlers got.
type events struct {
	messages     chan *discordgo.MessageCreate
	updates      chan *discordgo.MessageUpdate
	interactions chan *discordgo.InteractionCreate
	threads      chan *discordgo.ThreadCreate
	rateLimits   chan *discordgo.RateLimit
	guilds       chan *discordgo.GuildCreate
}

// open connects a real discordgo session to the server and waits for READY.
func open(t *testing.T, s *discordtest.Server, intents discordgo.Intent) (*discordgo.Session, *events) {
	t.Helper()
	dg := s.Session()
	dg.Identify.Intents = intents
	ev := &events{
		messages:     make(chan *discordgo.MessageCreate, 100),
		updates:      make(chan *discordgo.MessageUpdate, 100),
		interactions: make(chan *discordgo.InteractionCreate, 100),
		threads:      make(chan *discordgo.ThreadCreate, 100),
		rateLimits:   make(chan *discordgo.RateLimit, 100),
		guilds:       make(chan *discordgo.GuildCreate, 100),
	}
	dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) { ev.messages <- m })
	dg.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageUpdate) { ev.updates <- m })
	dg.AddHandler(func(_ *discordgo.Session, i *discordgo.InteractionCreate) { ev.interactions <- i })
	dg.AddHandler(func(_ *discordgo.Session, th *discordgo.ThreadCreate) { ev.threads <- th })
	dg.AddHandler(func(_ *discordgo.Session, r *discordgo.RateLimit) { ev.rateLimits <- r })
	dg.AddHandler(func(_ *discordgo.Session, g *discordgo.GuildCreate) { ev.guilds <- g })
	if err := dg.Open(); err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = dg.Close() }) // before the server's cleanup: registered later
	s.WaitReady(t, waitT)
	return dg, ev
}

const allIntents = discordgo.IntentsAllWithoutPrivileged | discordgo.IntentMessageContent | discordgo.IntentGuildMembers

// next returns the next event from ch, or fails after waitT.
func next[T any](t *testing.T, ch chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitT):
		var zero T
		t.Fatalf("no %s within %v", what, waitT)
		return zero
	}
}

// nextMessage skips MESSAGE_CREATEs until one satisfies ok.
func nextMessage(t *testing.T, ev *events, ok func(*discordgo.MessageCreate) bool) *discordgo.MessageCreate {
	t.Helper()
	for {
		if m := next(t, ev.messages, "MESSAGE_CREATE"); ok(m) {
			return m
		}
	}
}

func restError(t *testing.T, err error, status, code int) {
	t.Helper()
	var re *discordgo.RESTError
	if !errors.As(err, &re) {
		t.Fatalf("error = %v (%T), want a *discordgo.RESTError", err, err)
	}
	if re.Response.StatusCode != status || re.Message == nil || re.Message.Code != code {
		t.Fatalf("error = %d %s, want %d with code %d", re.Response.StatusCode, re.ResponseBody, status, code)
	}
}

func TestReadyGuildsAndDMs(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	dg, ev := open(t, s, allIntents)

	if dg.State.User.ID != s.Bot().ID || !dg.State.User.Bot {
		t.Errorf("State.User = %+v, want the bot %s", dg.State.User, s.Bot().ID)
	}
	if gc := next(t, ev.guilds, "GUILD_CREATE"); gc.ID != w.guild || gc.Unavailable {
		t.Fatalf("GUILD_CREATE = %+v", gc.Guild)
	}
	g, err := dg.State.Guild(w.guild)
	if err != nil {
		t.Fatalf("State.Guild: %v (GUILD_CREATE not processed?)", err)
	}
	if g.Name != "Polku" || len(g.Channels) != 1 || g.Channels[0].ID != w.channel || len(g.Roles) != 2 {
		t.Errorf("guild = %q channels %v roles %d, want Polku with #vuorot and 2 roles", g.Name, g.Channels, len(g.Roles))
	}
	c := s.Connections()[0]
	if c.Version != "9" || c.Encoding != "json" || c.Intents != int(allIntents) {
		t.Errorf("connection = %+v, want v9 json with the session's intents", c)
	}

	id := s.SendDM(w.aino, "Hei, etsin töitä")
	m := next(t, ev.messages, "the DM")
	if m.ID != id || m.Content != "Hei, etsin töitä" || m.GuildID != "" || m.Author.ID != w.aino || m.Author.GlobalName != "Aino" {
		t.Fatalf("DM = %+v by %+v", m.Message, m.Author)
	}
	dm := s.DMChannel(w.aino)
	if m.ChannelID != dm {
		t.Errorf("DM channel = %s, want %s", m.ChannelID, dm)
	}
	ch, err := dg.UserChannelCreate(w.aino)
	if err != nil || ch.ID != dm || ch.Type != discordgo.ChannelTypeDM || ch.Recipients[0].ID != w.aino {
		t.Fatalf("UserChannelCreate = %+v, %v; want the DM channel %s", ch, err, dm)
	}
	sent, err := dg.ChannelMessageSend(dm, "Moi Aino!")
	if err != nil {
		t.Fatal(err)
	}
	// Discord echoes the bot's own messages over the gateway.
	own := next(t, ev.messages, "the bot's own MESSAGE_CREATE")
	if own.ID != sent.ID || own.Author.ID != s.Bot().ID {
		t.Errorf("own message = %+v, want %s by the bot", own.Message, sent.ID)
	}
	got := s.Messages(dm)
	if len(got) != 2 || got[0].FromBot || !got[1].FromBot || got[1].Content != "Moi Aino!" {
		t.Errorf("Messages(dm) = %+v", got)
	}
	if ts, _ := discordgo.SnowflakeTimestamp(sent.ID); time.Since(ts) > time.Minute {
		t.Errorf("snowflake %s has timestamp %v", sent.ID, ts)
	}
}

func TestButtonsAndInteractionResponses(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	dg, ev := open(t, s, allIntents)

	msg, err := dg.ChannelMessageSendComplex(w.channel, &discordgo.MessageSend{
		Content: "Uusi vuoro tiistaina",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Otan", Style: discordgo.SuccessButton, CustomID: "take:1"},
			discordgo.Button{Label: "Ohje", Style: discordgo.LinkButton, URL: "https://example.com"},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Components) != 1 {
		t.Fatalf("returned message has components %v", msg.Components)
	}
	id := s.PressButton(w.ville, msg.ID, "take:1")
	i := next(t, ev.interactions, "the button's INTERACTION_CREATE")
	if i.Type != discordgo.InteractionMessageComponent || i.ID != id || i.MessageComponentData().CustomID != "take:1" {
		t.Fatalf("interaction = %+v", i.Interaction)
	}
	if i.Member == nil || i.Member.User.ID != w.ville || !slices.Contains(i.Member.Roles, w.role) || i.User != nil {
		t.Fatalf("member = %+v, user = %+v; want ville with the volunteer role", i.Member, i.User)
	}
	if i.Message == nil || i.Message.ID != msg.ID || i.GuildID != w.guild || i.ChannelID != w.channel {
		t.Fatalf("interaction message/guild/channel = %v %s %s", i.Message, i.GuildID, i.ChannelID)
	}
	err = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{
			Content: "Vuoro: Ville",
			Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
				discordgo.Button{Label: "Otettu", Style: discordgo.SecondaryButton, CustomID: "take:1", Disabled: true},
			}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	upd := next(t, ev.updates, "MESSAGE_UPDATE of the edited message")
	if upd.ID != msg.ID || upd.Content != "Vuoro: Ville" {
		t.Errorf("MESSAGE_UPDATE = %+v", upd.Message)
	}
	in, _ := s.Interaction(id)
	if !in.Responded || in.Late || in.Latency <= 0 || in.Latency > time.Second || in.OriginalID != msg.ID {
		t.Errorf("interaction = %+v, want answered in time", in)
	}
	m, _ := s.Message(msg.ID)
	if b, ok := m.Find("take:1"); !ok || !b.Disabled || b.Label != "Otettu" || len(m.Edits) != 1 || m.Edits[0].Content != "Uusi vuoro tiistaina" {
		t.Errorf("message = %+v, want the disabled button and one earlier version", m)
	}

	// A second response is refused, as on Discord.
	err = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
	restError(t, err, 400, 40060)

	// Followups and @original work once the interaction is acknowledged.
	f, err := dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "Kiitos!", Flags: discordgo.MessageFlagsEphemeral})
	if err != nil {
		t.Fatal(err)
	}
	if fm, _ := s.Message(f.ID); !fm.Ephemeral() || fm.InteractionID != id {
		t.Errorf("followup = %+v, want ephemeral and tied to the interaction", fm)
	}
	orig, err := dg.InteractionResponse(i.Interaction)
	if err != nil || orig.ID != msg.ID {
		t.Errorf("@original = %v, %v; want the button's message", orig, err)
	}

	// Pressing a disabled button is impossible in a client.
	if s.Dump() == "" {
		t.Error("empty Dump")
	}
}

func TestSelectInDM(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	dg, ev := open(t, s, allIntents)
	ch, err := dg.UserChannelCreate(w.aino)
	if err != nil {
		t.Fatal(err)
	}
	min := 1
	msg, err := dg.ChannelMessageSendComplex(ch.ID, &discordgo.MessageSend{
		Content: "Mitä osaat?",
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.SelectMenu{CustomID: "skills", MinValues: &min, MaxValues: 2, Options: []discordgo.SelectMenuOption{
				{Label: "Siivous", Value: "clean"}, {Label: "Kokkaus", Value: "cook"}, {Label: "Ajo", Value: "drive"},
			}},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := s.Select(w.aino, msg.ID, "skills", "cook", "drive")
	i := next(t, ev.interactions, "the select's INTERACTION_CREATE")
	d := i.MessageComponentData()
	if i.ID != id || d.ComponentType != discordgo.SelectMenuComponent || !slices.Equal(d.Values, []string{"cook", "drive"}) {
		t.Fatalf("select data = %+v", d)
	}
	if i.User == nil || i.User.ID != w.aino || i.Member != nil || i.Locale != discordgo.Finnish {
		t.Fatalf("DM interaction user = %+v member = %+v locale %q", i.User, i.Member, i.Locale)
	}
	err = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Content: "Selvä!", Flags: discordgo.MessageFlagsEphemeral},
	})
	if err != nil {
		t.Fatal(err)
	}
	in := s.WaitResponse(t, id, waitT)
	resp, _ := s.Message(in.OriginalID)
	if !resp.Ephemeral() || resp.Content != "Selvä!" || resp.ReplyTo != msg.ID {
		t.Errorf("response message = %+v", resp)
	}
	// Ephemeral messages are not dispatched over the gateway.
	for _, d := range s.Dispatches("MESSAGE_CREATE") {
		if strings.Contains(string(d.Data), "Selvä!") {
			t.Errorf("ephemeral response was dispatched: %s", d.Data)
		}
	}
}

func TestLateInteractionResponse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	dg, ev := open(t, s, allIntents)
	msg, err := dg.ChannelMessageSendComplex(w.channel, &discordgo.MessageSend{
		Components: []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
			discordgo.Button{Label: "Otan", Style: discordgo.PrimaryButton, CustomID: "take"},
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	id := s.PressButton(w.ville, msg.ID, "take")
	i := next(t, ev.interactions, "INTERACTION_CREATE")
	// Let the 3-second window pass on the server's clock, not the wall's.
	s.Advance(3*time.Second + time.Millisecond)
	err = dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseDeferredMessageUpdate})
	restError(t, err, 404, 10062)
	in, _ := s.Interaction(id)
	if !in.Late || in.Responded || in.Latency < 3*time.Second || len(in.Responses) != 1 || in.Responses[0].Code != 10062 {
		t.Errorf("interaction = %+v, want late and refused", in)
	}
	// Followups need an acknowledged interaction.
	_, err = dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "liian myöhään"})
	restError(t, err, 404, 10015)
}

func TestSlashCommandWithLocale(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	dg, ev := open(t, s, allIntents)
	fi := map[discordgo.Locale]string{discordgo.Finnish: "vuorot"}
	fiDesc := map[discordgo.Locale]string{discordgo.Finnish: "Näytä vuorot"}
	_, err := dg.ApplicationCommandBulkOverwrite(s.AppID(), w.guild, []*discordgo.ApplicationCommand{{
		Name: "shifts", Description: "Show shifts", NameLocalizations: &fi, DescriptionLocalizations: &fiDesc,
		Options: []*discordgo.ApplicationCommandOption{
			{Type: discordgo.ApplicationCommandOptionString, Name: "day", Description: "Which day", Required: true},
			{Type: discordgo.ApplicationCommandOptionInteger, Name: "count", Description: "How many"},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	cmds := s.Commands("", w.guild)
	if len(cmds) != 1 || cmds[0].NameLocalizations["fi"] != "vuorot" || cmds[0].DescriptionLocalizations["fi"] != "Näytä vuorot" {
		t.Fatalf("Commands = %+v", cmds)
	}
	listed, err := dg.ApplicationCommands(s.AppID(), w.guild)
	if err != nil || len(listed) != 1 || listed[0].ID != cmds[0].ID || (*listed[0].NameLocalizations)[discordgo.Finnish] != "vuorot" {
		t.Fatalf("ApplicationCommands = %+v, %v", listed, err)
	}

	id := s.SlashCommand(discordtest.Slash{GuildID: w.guild, ChannelID: w.channel, UserID: w.ville, Name: "shifts", Locale: "fi",
		Options: []discordtest.SlashOption{{Name: "day", Value: "tiistai"}, {Name: "count", Value: 2}}})
	i := next(t, ev.interactions, "the command's INTERACTION_CREATE")
	d := i.ApplicationCommandData()
	if i.ID != id || d.Name != "shifts" || d.ID != cmds[0].ID || i.Locale != discordgo.Finnish || i.GuildLocale == nil || *i.GuildLocale != discordgo.EnglishUS {
		t.Fatalf("interaction = %+v data %+v", i.Interaction, d)
	}
	if d.GetOption("day").StringValue() != "tiistai" || d.GetOption("count").IntValue() != 2 {
		t.Fatalf("options = %+v", d.Options)
	}
	// Defer ephemerally, then fill the "thinking" message with a followup.
	if err := dg.InteractionRespond(i.Interaction, &discordgo.InteractionResponse{
		Type: discordgo.InteractionResponseDeferredChannelMessageWithSource,
		Data: &discordgo.InteractionResponseData{Flags: discordgo.MessageFlagsEphemeral},
	}); err != nil {
		t.Fatal(err)
	}
	in := s.WaitResponse(t, id, waitT)
	if m, _ := s.Message(in.OriginalID); m.Flags != discordtest.FlagEphemeral|discordtest.FlagLoading {
		t.Errorf("deferred message flags = %d, want ephemeral and loading", m.Flags)
	}
	if _, err := dg.FollowupMessageCreate(i.Interaction, true, &discordgo.WebhookParams{Content: "Tiistaina 2 vuoroa"}); err != nil {
		t.Fatal(err)
	}
	m, _ := s.Message(in.OriginalID)
	if m.Content != "Tiistaina 2 vuoroa" || m.Flags != discordtest.FlagEphemeral || m.Type != discordtest.MessageChatInputCommand {
		t.Errorf("response = %+v", m)
	}
}

func TestThreads(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	dg, ev := open(t, s, allIntents)
	th, err := dg.ThreadStart(w.channel, "Aino – työnhaku", discordgo.ChannelTypeGuildPrivateThread, 1440)
	if err != nil {
		t.Fatal(err)
	}
	created := next(t, ev.threads, "THREAD_CREATE")
	if created.ID != th.ID || !created.NewlyCreated || created.ParentID != w.channel || created.Type != discordgo.ChannelTypeGuildPrivateThread {
		t.Fatalf("THREAD_CREATE = %+v", created.Channel)
	}
	if ts := s.Threads(w.channel); len(ts) != 1 || ts[0].Name != "Aino – työnhaku" {
		t.Fatalf("Threads = %+v", ts)
	}
	id := s.SendMessage(th.ID, w.ville, "Autan mielelläni")
	m := nextMessage(t, ev, func(m *discordgo.MessageCreate) bool { return m.ID == id })
	if m.ChannelID != th.ID || m.GuildID != w.guild || m.Content != "Autan mielelläni" || m.Member == nil {
		t.Fatalf("thread message = %+v", m.Message)
	}

	archived, locked := true, true
	if _, err := dg.ChannelEdit(th.ID, &discordgo.ChannelEdit{Archived: &archived, Locked: &locked}); err != nil {
		t.Fatal(err)
	}
	if c, _ := s.Channel(th.ID); !c.Archived || !c.Locked {
		t.Fatalf("thread = %+v, want archived and locked", c)
	}
	_, err = dg.ChannelMessageSend(th.ID, "vielä yksi")
	restError(t, err, 400, 50083)

	// A thread from a message takes the message's id.
	starter, err := dg.ChannelMessageSend(w.channel, "Keskustelu tästä")
	if err != nil {
		t.Fatal(err)
	}
	pub, err := dg.MessageThreadStart(w.channel, starter.ID, "Keskustelu", 60)
	if err != nil || pub.ID != starter.ID || pub.Type != discordgo.ChannelTypeGuildPublicThread {
		t.Fatalf("MessageThreadStart = %+v, %v", pub, err)
	}
	_, err = dg.MessageThreadStart(w.channel, starter.ID, "Toinen", 60)
	restError(t, err, 400, 160004)
}

func TestRateLimitRetried(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	dg, ev := open(t, s, allIntents)
	const route = "POST /channels/{channel_id}/messages"
	s.FailNext(route, 1, discordtest.Failure{Code: 429, RetryAfter: 300 * time.Millisecond})
	if _, err := dg.ChannelMessageSend(w.channel, "Hei kaikki"); err != nil {
		t.Fatal(err)
	}
	calls := s.Calls(route)
	if len(calls) != 2 || calls[0].Status != 429 || calls[1].Status != 200 {
		t.Fatalf("calls = %+v, want a 429 then a 200", calls)
	}
	if gap := calls[1].Start.Sub(calls[0].End); gap < 300*time.Millisecond {
		t.Errorf("retry came %v after the 429, before retry_after", gap)
	}
	rl := next(t, ev.rateLimits, "RateLimit event")
	if rl.RetryAfter != 300*time.Millisecond || rl.Message != "You are being rate limited." {
		t.Errorf("RateLimit = %+v", rl.TooManyRequests)
	}
}

// TestRateLimitWindowHolds checks a 429 refuses the bucket until
// retry_after has passed on the server's clock, and only that bucket. Each
// attempt uses a fresh session: discordgo's own limiter would otherwise
// sleep out the Reset-After it was told, in real time.
func TestRateLimitWindowHolds(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	session := func() *discordgo.Session {
		dg := s.Session() // REST only
		dg.ShouldRetryOnRateLimit = false
		return dg
	}
	s.FailNext("POST /channels/{channel_id}/messages", 1, discordtest.Failure{Code: 429, RetryAfter: 10 * time.Second})
	for i := range 2 {
		_, err := session().ChannelMessageSend(w.channel, "yritys")
		var rle *discordgo.RateLimitError
		if !errors.As(err, &rle) || rle.RetryAfter <= 9*time.Second {
			t.Fatalf("send %d: %v, want a rate limit error of about 10s", i, err)
		}
	}
	dm, err := session().UserChannelCreate(w.aino)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := session().ChannelMessageSend(dm.ID, "other bucket"); err != nil {
		t.Fatalf("another channel's bucket was limited too: %v", err)
	}
	s.Advance(10 * time.Second)
	if _, err := session().ChannelMessageSend(w.channel, "nyt"); err != nil {
		t.Fatalf("after retry_after: %v", err)
	}
	c := s.Calls("POST /channels/{channel_id}/messages")[1]
	if c.RetryAfter <= 9*time.Second || c.RetryAfter >= 10*time.Second {
		t.Errorf("second refusal's retry_after = %v, want what was left of 10s", c.RetryAfter)
	}
}

func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	s := discordtest.NewServer(t, "", discordtest.WithRateLimit(2, time.Minute))
	hc := s.HTTPClient()
	get := func() *http.Response {
		req, _ := http.NewRequest("GET", "https://discord.com/api/v10/users/@me", nil)
		req.Header.Set("Authorization", "Bot "+s.Token)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		return resp
	}
	r1, r2, r3 := get(), get(), get()
	if r1.Header.Get("X-RateLimit-Remaining") != "1" || r2.Header.Get("X-RateLimit-Remaining") != "0" || r1.Header.Get("X-RateLimit-Bucket") == "" {
		t.Errorf("headers = %v / %v", r1.Header, r2.Header)
	}
	if r3.StatusCode != 429 || r3.Header.Get("Retry-After") != "60" || r3.Header.Get("X-RateLimit-Scope") != "user" || r3.Header.Get("X-RateLimit-Global") != "" {
		t.Errorf("third call = %d %v", r3.StatusCode, r3.Header)
	}
}

func TestResumeAfterDisconnect(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	_, ev := open(t, s, allIntents)
	s.SendDM(w.aino, "ennen")
	next(t, ev.messages, "the first DM")

	s.Disconnect()
	s.WaitFor(t, waitT, "the connection to drop", func(st *discordtest.State) bool { return !st.Online() })
	id := s.SendDM(w.aino, "katkon aikana")
	if d := s.Dispatches("MESSAGE_CREATE"); d[len(d)-1].Sent != 0 || d[len(d)-1].Lost != "" {
		t.Fatalf("dispatch while down = %+v, want queued", d[len(d)-1])
	}
	m := next(t, ev.messages, "the DM sent while disconnected")
	if m.ID != id {
		t.Fatalf("got %s %q, want %s", m.ID, m.Content, id)
	}
	if s.Resumes() != 1 || s.Identifies() != 1 {
		t.Errorf("resumes %d identifies %d, want 1 and 1", s.Resumes(), s.Identifies())
	}
	cs := s.Connections()
	if len(cs) != 2 || cs[0].ClosedBy != "server" || cs[1].Replayed != 1 || cs[1].ResumeSeq == 0 {
		t.Errorf("connections = %+v", cs)
	}
}

// TestInvalidSession: a session that can't be resumed gets op 9, and
// discordgo identifies again on the same connection.
func TestInvalidSession(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	open(t, s, allIntents)
	s.DisconnectWith(4009) // session timed out: not resumable
	// At least one new session (see below: not necessarily one).
	s.WaitFor(t, waitT, "a new session", func(st *discordtest.State) bool { return st.Identifies() >= 2 && st.Ready() })
	cs := s.Connections()
	if cs[0].CloseCode != 4009 || !cs[1].InvalidSession || cs[1].Resumed || !cs[1].Identified {
		t.Errorf("connections = %+v", cs)
	}
	// What happens next is discordgo's business, and not always the same:
	// on a loaded machine (CI), after a server-side 4009 a heartbeat
	// goroutine of the old connection can close each new one (1000) and
	// reconnect, over and over (seen: thirteen connections in ten seconds).
	// Events reaching a session are tested in TestResumeAfterDisconnect.
}

// TestHeartbeats: acks keep discordgo happy; without them it gives up on
// the connection after five intervals, closes it with 1000 (which ends the
// session on Discord) and so has to identify anew.
func TestHeartbeats(t *testing.T) {
	t.Parallel()
	s := discordtest.NewServer(t, "", discordtest.WithHeartbeatInterval(40*time.Millisecond))
	open(t, s, allIntents)
	s.WaitFor(t, waitT, "3 acked heartbeats", func(st *discordtest.State) bool {
		c := st.Connections()[0]
		return c.Heartbeats >= 3 && c.Acks >= 3
	})
	s.SetHeartbeatAcks(false)
	s.WaitFor(t, waitT, "discordgo to drop the zombie connection", func(st *discordtest.State) bool {
		return st.Connections()[0].ClosedBy != ""
	})
	s.SetHeartbeatAcks(true)
	s.WaitFor(t, waitT, "a new session", func(st *discordtest.State) bool { return st.Identifies() == 2 && st.Ready() })
	cs := s.Connections()
	if cs[0].ClosedBy != "client" || cs[0].CloseCode != 1000 || !cs[1].InvalidSession {
		t.Errorf("connections = %+v", cs)
	}
}

func TestWrongToken(t *testing.T) {
	t.Parallel()
	s := discordtest.NewServer(t, "")
	dg, err := discordgo.New("Bot not-the-token")
	if err != nil {
		t.Fatal(err)
	}
	s.Configure(dg)
	err = dg.Open()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4004 {
		t.Fatalf("Open = %v, want close 4004", err)
	}
	if c := s.Connections()[0]; c.CloseCode != 4004 || c.ClosedBy != "server" || c.Identified {
		t.Errorf("connection = %+v", c)
	}
	_, err = dg.User("@me")
	restError(t, err, 401, 0)
}

func TestMentionsAndIntents(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	// No MESSAGE_CONTENT: guild messages arrive without content unless
	// they mention the bot; DMs always have it.
	dg, ev := open(t, s, discordgo.IntentsAllWithoutPrivileged)
	text := fmt.Sprintf("<@%s> @everyone <@&%s> katsokaa", w.ville, w.role)

	plain, err := dg.ChannelMessageSendComplex(w.channel, &discordgo.MessageSend{Content: text, AllowedMentions: &discordgo.MessageAllowedMentions{}})
	if err != nil {
		t.Fatal(err)
	}
	all, err := dg.ChannelMessageSend(w.channel, text)
	if err != nil {
		t.Fatal(err)
	}
	one, err := dg.ChannelMessageSendComplex(w.channel, &discordgo.MessageSend{Content: text, AllowedMentions: &discordgo.MessageAllowedMentions{Users: []string{w.ville}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		want []string
	}{
		{plain.ID, nil},
		{all.ID, []string{"<@" + w.ville + ">", "<@&" + w.role + ">", "@everyone"}},
		{one.ID, []string{"<@" + w.ville + ">"}},
	} {
		m, _ := s.Message(tc.id)
		if !slices.Equal(m.Pinged, tc.want) {
			t.Errorf("message %s pings %v, want %v (allowed_mentions %+v)", tc.id, m.Pinged, tc.want, m.AllowedMentions)
		}
	}
	if m, _ := s.Message(plain.ID); m.AllowedMentions == nil || len(m.AllowedMentions.Parse) != 0 {
		t.Errorf("allowed_mentions not recorded: %+v", m.AllowedMentions)
	}
	if plain.MentionEveryone || len(plain.Mentions) != 0 || !all.MentionEveryone || len(all.Mentions) != 1 || len(all.MentionRoles) != 1 {
		t.Errorf("mention fields: plain %v/%d, all %v/%d/%d", plain.MentionEveryone, len(plain.Mentions), all.MentionEveryone, len(all.Mentions), len(all.MentionRoles))
	}
	_, err = dg.ChannelMessageSendComplex(w.channel, &discordgo.MessageSend{Content: text, AllowedMentions: &discordgo.MessageAllowedMentions{
		Parse: []discordgo.AllowedMentionType{discordgo.AllowedMentionTypeUsers}, Users: []string{w.ville}}})
	restError(t, err, 400, 50035)

	hidden := s.SendMessage(w.channel, w.ville, "ei näy botille")
	m := nextMessage(t, ev, func(m *discordgo.MessageCreate) bool { return m.ID == hidden })
	if m.Content != "" {
		t.Errorf("content without the MESSAGE_CONTENT intent = %q", m.Content)
	}
	shown := s.SendMessage(w.channel, w.ville, "<@"+s.Bot().ID+"> apua")
	if m := nextMessage(t, ev, func(m *discordgo.MessageCreate) bool { return m.ID == shown }); m.Content == "" {
		t.Error("a message mentioning the bot came without content")
	}
	dm := s.SendDM(w.aino, "yksityinen")
	if m := nextMessage(t, ev, func(m *discordgo.MessageCreate) bool { return m.ID == dm }); m.Content != "yksityinen" {
		t.Errorf("DM content = %q", m.Content)
	}
}

func TestEditsDeletesAndAttachments(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	dg, ev := open(t, s, allIntents)
	att := s.SendAttachment("", w.aino, "cv.pdf")
	m := next(t, ev.messages, "the attachment")
	if m.ID != att || m.Content != "" || len(m.Attachments) != 1 || m.Attachments[0].Filename != "cv.pdf" || m.Attachments[0].ContentType != "application/pdf" {
		t.Fatalf("attachment message = %+v", m.Message)
	}
	sent, err := dg.ChannelMessageSendComplex(w.channel, &discordgo.MessageSend{
		Content: "Versio 1",
		Files:   []*discordgo.File{{Name: "ohje.txt", ContentType: "text/plain", Reader: strings.NewReader("hei")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.Attachments) != 1 || sent.Attachments[0].Filename != "ohje.txt" || sent.Attachments[0].Size != 3 {
		t.Fatalf("uploaded attachments = %+v", sent.Attachments)
	}
	if _, err := dg.ChannelMessageEdit(w.channel, sent.ID, "Versio 2"); err != nil {
		t.Fatal(err)
	}
	if u := next(t, ev.updates, "MESSAGE_UPDATE"); u.Content != "Versio 2" || u.EditedTimestamp == nil {
		t.Errorf("MESSAGE_UPDATE = %+v", u.Message)
	}
	if err := dg.ChannelMessageDelete(w.channel, sent.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Message(sent.ID)
	if !got.Deleted || len(got.Edits) != 1 || got.Edits[0].Content != "Versio 1" || got.Content != "Versio 2" {
		t.Errorf("message = %+v", got)
	}
	_, err = dg.ChannelMessageEdit(s.DMChannel(w.aino), att, "not mine")
	restError(t, err, 403, 50005)
	_, err = dg.ChannelMessageSend(w.channel, "")
	restError(t, err, 400, 50006)
}

func TestRESTErrorsAndRouting(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.s
	hc := s.HTTPClient()
	do := func(method, url, auth string) (int, string) {
		req, _ := http.NewRequest(method, url, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	bot := "Bot " + s.Token
	for _, tc := range []struct {
		method, url, auth string
		status            int
		body              string
	}{
		{"GET", "https://discord.com/api/v10/nope", bot, 404, `{"code":0,"message":"404: Not Found"}`},
		{"GET", "https://discord.com/api/v10/users/@me", "", 401, `{"code":0,"message":"401: Unauthorized"}`},
		{"GET", "https://discord.com/api/v10/users/@me", s.Token, 401, `{"code":0,"message":"401: Unauthorized"}`},
		{"DELETE", "https://discord.com/api/v10/users/@me", bot, 405, `{"code":0,"message":"405: Method Not Allowed"}`},
		{"GET", "https://discord.com/api/v10/channels/1", bot, 404, `{"code":10003,"message":"Unknown Channel"}`},
		{"GET", "https://discord.com/api/v10/guilds/" + w.guild + "/members/" + w.aino, bot, 404, `{"code":10007,"message":"Unknown Member"}`},
		{"GET", "https://discordapp.com/api/v9/gateway", "", 200, `{"url":"` + s.GatewayURL + `"}`},
	} {
		if status, body := do(tc.method, tc.url, tc.auth); status != tc.status || body != tc.body {
			t.Errorf("%s %s = %d %s, want %d %s", tc.method, tc.url, status, body, tc.status, tc.body)
		}
	}
	if _, err := hc.Get("https://example.com/"); err == nil {
		t.Error("a request for another host went through")
	}

	dg := s.Session()
	mem, err := dg.GuildMember(w.guild, w.ville)
	if err != nil || mem.User.ID != w.ville || !slices.Equal(mem.Roles, []string{w.role}) {
		t.Fatalf("GuildMember = %+v, %v", mem, err)
	}
	s.FailNext("GET /guilds/{guild_id}/members/{user_id}", 1, discordtest.Failure{Code: 500})
	_, err = dg.GuildMember(w.guild, w.ville)
	restError(t, err, 500, 0)
	// A dropped POST fails; net/http would silently retry an idempotent
	// GET on a reused connection.
	s.FailNext("", 1, discordtest.Failure{Drop: true})
	if _, err := dg.ChannelMessageSend(w.channel, "hukkuu"); err == nil {
		t.Error("a dropped connection gave no error")
	}
	if calls := s.Calls("POST /channels/" + w.channel + "/messages"); len(calls) != 1 || !calls[0].Dropped || calls[0].Status != 0 {
		t.Errorf("calls = %+v", calls)
	}
	if got := s.Messages(w.channel); len(got) != 0 {
		t.Errorf("a dropped send left messages %+v", got)
	}
}
