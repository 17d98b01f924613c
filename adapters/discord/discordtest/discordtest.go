// Package discordtest is a fake Discord for tests: the REST API (v9 and v10
// paths, the ones discordgo v0.29.0 calls) and the gateway websocket (JSON
// encoding, no compression), served from one local httptest server, so that
// an adapter built on the unmodified github.com/bwmarrin/discordgo can be
// tested end to end.
//
// Point a session at it with Configure (or take one from Session): its HTTP
// client sends every request for discord.com or discordapp.com to the fake,
// and GET /gateway answers with the fake's ws:// address.
//
// The fake keeps a small world — guilds, roles, channels, threads, users,
// members, DM channels and every message with its edits — and lets a test
// play the people in it: SendDM, SendMessage, SendAttachment, PressButton,
// Select, SlashCommand. Each becomes the gateway dispatch Discord would send
// (MESSAGE_CREATE, INTERACTION_CREATE with a fresh id and token), with
// increasing sequence numbers, filtered by the session's intents. The
// gateway does HELLO, IDENTIFY (close 4004 on a wrong token), READY and one
// GUILD_CREATE per guild, heartbeats and their acks, RESUME (replaying every
// dispatch after the client's seq, then RESUMED) and INVALID_SESSION; a test
// can drop the connection (Disconnect, DisconnectWith) and check the bot
// resumes without losing what was dispatched meanwhile.
//
// Interactions follow Discord's rule that the first response must come
// within 3 seconds (WithInteractionWindow), else 404 Unknown interaction
// (10062); each records its response latency. REST errors carry Discord's
// JSON ({"message", "code"}); Fail and FailNext inject failures, and a 429
// holds: the route's bucket refuses calls until retry_after has passed on
// the server's clock (Advance moves it). Every message records its
// allowed_mentions and which users, roles or @everyone it would ping.
//
// A test waits for the bot with WaitFor, which re-checks its condition each
// time the server's state changes, never by sleeping.
//
// Where the fake is deliberately looser than Discord it says so: there are
// no permissions (the bot may do anything in any channel, @everyone always
// pings when allowed), no sharding, no voice, no presences, no zlib, no CDN
// (attachment URLs point nowhere), and resumable sessions never time out
// unless InvalidateSessions says so.
package discordtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bwmarrin/discordgo"
	"github.com/gorilla/websocket"
)

// DefaultToken is the bot token NewServer uses when given "". Like a real
// one it is three dot-separated parts, the first the bot's id in base64.
const DefaultToken = "MTAwMDAwMDAwMDAwMDAwMDAx.GfAkEt.discordtest-fake-token-0123456789abcdef"

// Default ids of the application and its bot user. On Discord an
// application's bot user has the application's id.
const (
	DefaultAppID = "1000000000000000001"
)

// Server is a running fake Discord. All methods are safe for concurrent
// use; those that take no testing.TB fail the test given to NewServer, so
// call them from the test's goroutine.
type Server struct {
	// URL is the base URL of the httptest server, e.g. http://127.0.0.1:40000.
	// REST lives under URL+"/api/v10/", the gateway at GatewayURL.
	URL string
	// Token is the bot token the server accepts, without the "Bot " prefix.
	Token string
	// GatewayURL is what GET /gateway answers: ws://127.0.0.1:port/gateway.
	GatewayURL string

	tb        testing.TB // nil for Start
	srv       *httptest.Server
	transport *http.Transport
	upgrader  websocket.Upgrader
	done      chan struct{}
	once      sync.Once
	wg        sync.WaitGroup // connection goroutines

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change of st
	st      State
}

var _ http.Handler = (*Server)(nil)

// Option changes a server's defaults.
type Option func(*config)

type config struct {
	appID             string
	bot               User
	heartbeat         time.Duration
	window            time.Duration
	rateLimit         int
	ratePer           time.Duration
	disallowedIntents int
}

// WithApplicationID sets the application id (default DefaultAppID). The bot
// user gets the same id unless WithBotUser sets another.
func WithApplicationID(id string) Option { return func(c *config) { c.appID = id } }

// WithBotUser sets the bot's own user (default "polku-test", id = app id).
// Bot is forced to true.
func WithBotUser(u User) Option { return func(c *config) { c.bot = u } }

// WithHeartbeatInterval sets HELLO's heartbeat_interval (default 1s; Discord
// says about 41.25s). discordgo declares the connection dead after five
// intervals without an ack, so a short one makes that testable.
func WithHeartbeatInterval(d time.Duration) Option { return func(c *config) { c.heartbeat = d } }

// WithInteractionWindow sets how long after an interaction its first
// response is accepted (default 3s, Discord's rule). Later ones get 404
// Unknown interaction (10062) and mark the interaction Late.
func WithInteractionWindow(d time.Duration) Option { return func(c *config) { c.window = d } }

// WithRateLimit turns on per-route rate limits: each bucket (route and its
// major parameter: channel, guild or interaction token) allows limit calls
// per window, announced in X-RateLimit-* headers on every response and
// answered with 429 beyond that. Off by default so tests stay
// deterministic; FailNext injects single 429s.
func WithRateLimit(limit int, per time.Duration) Option {
	return func(c *config) { c.rateLimit, c.ratePer = limit, per }
}

// WithDisallowedIntents makes IDENTIFY with any of these intent bits close
// the connection with 4014 "Disallowed intent(s)", as Discord does for a
// privileged intent not enabled in the developer portal.
func WithDisallowedIntents(mask int) Option { return func(c *config) { c.disallowedIntents = mask } }

// NewServer starts a fake Discord for the test and closes it at cleanup.
// An empty token means DefaultToken.
func NewServer(tb testing.TB, token string, opts ...Option) *Server {
	tb.Helper()
	s := start(tb, token, opts)
	tb.Cleanup(s.Close)
	return s
}

// Start starts a fake Discord outside a test, e.g. for a demo or a load
// tool. Misuse of the person-side helpers panics instead of failing a test.
// Call Close.
func Start(token string, opts ...Option) *Server { return start(nil, token, opts) }

func start(tb testing.TB, token string, opts []Option) *Server {
	token = strings.TrimPrefix(token, "Bot ")
	if token == "" {
		token = DefaultToken
	}
	cfg := config{
		appID:     DefaultAppID,
		heartbeat: time.Second,
		window:    3 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.bot.ID == "" {
		cfg.bot.ID = cfg.appID
	}
	if cfg.bot.Username == "" {
		cfg.bot.Username = "polku-test"
	}
	if cfg.bot.GlobalName == "" {
		cfg.bot.GlobalName = "Polku Test"
	}
	cfg.bot.Bot = true
	s := &Server{
		Token:   token,
		tb:      tb,
		done:    make(chan struct{}),
		changed: make(chan struct{}),
		// Any origin: discordgo sends none, browsers are not in play.
		upgrader: websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }},
	}
	s.st = newState(cfg)
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	s.GatewayURL = "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/gateway"
	s.transport = &http.Transport{
		Proxy:               nil, // never send test traffic to a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 16,
	}
	return s
}

// Close drops every gateway connection and shuts the server down. NewServer
// calls it at cleanup; calling it again does nothing. Close a discordgo
// session before its server (cleanups run last-registered first, so open
// the session after NewServer), else discordgo keeps trying to reconnect.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.mu.Lock()
		for _, c := range s.st.conns {
			c.abort()
		}
		s.changedLocked()
		s.mu.Unlock()
		s.srv.CloseClientConnections()
		s.srv.Close()
		s.wg.Wait()
		s.transport.CloseIdleConnections()
	})
}

// HTTPClient returns a client whose requests for discord.com and
// discordapp.com (any subdomain, https or http) go to this server. Requests
// for any other host fail, so a test can't reach the real Discord.
func (s *Server) HTTPClient() *http.Client {
	return &http.Client{Transport: rewriter{s}, Timeout: 20 * time.Second}
}

type rewriter struct{ s *Server }

func (rw rewriter) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Hostname()
	if !isDiscordHost(host) {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("discordtest: refusing request for %s: only discord.com and discordapp.com are faked", req.URL.Host)
	}
	r2 := req.Clone(req.Context())
	r2.URL.Scheme = "http"
	r2.URL.Host = strings.TrimPrefix(rw.s.URL, "http://")
	r2.Host = r2.URL.Host
	return rw.s.transport.RoundTrip(r2)
}

func isDiscordHost(h string) bool {
	for _, d := range []string{"discord.com", "discordapp.com"} {
		if h == d || strings.HasSuffix(h, "."+d) {
			return true
		}
	}
	return false
}

// Configure points a discordgo session at the fake: its REST client goes
// through HTTPClient, and its websocket dialer dials without a proxy. The
// gateway address then comes from GET /gateway, as it does on Discord.
// Configure before Open; it changes nothing else (intents, token, retry
// settings stay the session's).
func (s *Server) Configure(dg *discordgo.Session) {
	dg.Client = s.HTTPClient()
	dg.Dialer = &websocket.Dialer{HandshakeTimeout: 5 * time.Second}
}

// Session returns a new discordgo session with the server's token ("Bot "
// prefixed, as discordgo wants) and Configure applied. Set its Identify
// intents and handlers, then Open it; Close it before the server.
func (s *Server) Session() *discordgo.Session {
	dg, err := discordgo.New("Bot " + s.Token)
	if err != nil { // discordgo.New never fails today
		s.fatalf("discordgo.New: %v", err)
	}
	s.Configure(dg)
	return dg
}

// Advance moves the server's clock forward: interaction windows, 429
// windows and rate-limit buckets all read it, so a test can let "3 seconds"
// pass without waiting for them.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.skew += d
	s.changedLocked()
}

// Now is the server's clock: time.Now plus every Advance.
func (s *Server) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.now()
}

// changedLocked wakes every waiter.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) fatalf(format string, args ...any) {
	if s.tb == nil {
		panic(fmt.Sprintf("discordtest: "+format, args...))
	}
	s.tb.Helper()
	s.tb.Fatalf("discordtest: "+format, args...)
}

// Wait blocks until cond holds, re-checking it each time the server's state
// changes. cond runs with the server locked: read st, don't keep it, and
// don't call the Server from inside. It returns ctx's error if ctx ends
// first, or an error if the server is closed.
func (s *Server) Wait(ctx context.Context, cond func(st *State) bool) error {
	for {
		s.mu.Lock()
		ok := cond(&s.st)
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.done:
			return errors.New("discordtest: server closed")
		}
	}
}

// WaitFor is Wait with a timeout that fails tb, naming what it waited for
// and dumping the world, the connections and the recent calls.
func (s *Server) WaitFor(tb testing.TB, timeout time.Duration, what string, cond func(st *State) bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.Wait(ctx, cond); err != nil {
		tb.Fatalf("discordtest: waiting %v for %s: %v\n%s", timeout, what, err, s.Dump())
	}
}

// WaitReady waits until a gateway session has identified and been sent
// READY and its GUILD_CREATEs, so that what a test does next reaches the
// bot. Events dispatched while no session exists are lost, as on Discord.
func (s *Server) WaitReady(tb testing.TB, timeout time.Duration) {
	tb.Helper()
	s.WaitFor(tb, timeout, "a READY gateway session", func(st *State) bool { return st.Ready() })
}

// WaitMessages waits until channel has at least n visible messages from
// the bot and returns them.
func (s *Server) WaitMessages(tb testing.TB, channelID string, n int, timeout time.Duration) []Message {
	tb.Helper()
	var got []Message
	s.WaitFor(tb, timeout, fmt.Sprintf("%d bot message(s) in channel %s", n, channelID), func(st *State) bool {
		got = st.BotMessages(channelID)
		return len(got) >= n
	})
	return got
}

// WaitResponse waits until interaction id has had a response accepted and
// returns the interaction.
func (s *Server) WaitResponse(tb testing.TB, id string, timeout time.Duration) Interaction {
	tb.Helper()
	var got Interaction
	s.WaitFor(tb, timeout, "a response to interaction "+id, func(st *State) bool {
		var ok bool
		got, ok = st.Interaction(id)
		return ok && got.Responded
	})
	return got
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
