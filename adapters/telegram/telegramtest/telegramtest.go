// Package telegramtest is a fake Telegram Bot API server for tests: it speaks
// the real JSON envelope at /bot<token>/<method>, keeps every chat as the
// person's phone would show it (messages, edits, inline keyboards), lets a
// test play that person (SendText, Press, PressButton, SendUpdate), hands the
// updates out by long polling or by webhook, and fails the way Telegram fails
// (429 with retry_after that really holds, 5xx, 403 blocked, dropped
// connections, slow replies) so an adapter can be tested end to end with the
// unmodified tgbotapi library.
//
// A test waits for the bot with WaitFor, which re-checks its condition each
// time the server's state changes, never by sleeping.
//
// Where the fake is deliberately looser than Telegram it says so: webhooks
// may be plain http (httptest), MarkdownV2 is stored but not checked, and
// getFile, media and inline mode are not served (404 like an unknown method).
package telegramtest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// DefaultToken is used when NewServer is given an empty token. Like a real
// token it starts with the bot's user id.
const DefaultToken = "123456789:AAFakeTokenForTelegramtest_0123456789"

// BadGatewayHTML is what Telegram's front proxy answers with a 502: not JSON.
// Use it as Failure.Body to check a client copes with a body it can't decode.
const BadGatewayHTML = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n</body>\r\n</html>\r\n"

// Server is a running fake Bot API. All methods are safe for concurrent use;
// those that take no testing.TB fail the test given to NewServer, so call
// them from the test's goroutine.
type Server struct {
	// URL is the base URL, e.g. http://127.0.0.1:40000.
	URL string
	// Token is the one token the server accepts; others get 401.
	Token string

	tb     testing.TB // nil for Start
	srv    *httptest.Server
	client *http.Client // delivers webhooks
	done   chan struct{}
	ctx    context.Context // cancelled at Close: aborts webhook requests
	cancel context.CancelFunc
	wg     sync.WaitGroup
	once   sync.Once

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change of st
	st      State
}

var _ http.Handler = (*Server)(nil)

// Option changes a server's defaults.
type Option func(*config)

type config struct {
	botUsername    string
	botName        string
	retryMin       time.Duration
	retryMax       time.Duration
	webhookTimeout time.Duration
	webhookClient  *http.Client
	firstUpdateID  int
	flood          *FloodLimit
}

// WithBotUsername sets the username getMe reports (default polku_test_bot).
func WithBotUsername(name string) Option { return func(c *config) { c.botUsername = name } }

// WithWebhookRetry sets how long the server waits before delivering an
// update again after the webhook failed: first, doubling up to max. Telegram
// waits seconds to minutes; the defaults (10ms, 200ms) keep tests fast.
func WithWebhookRetry(first, max time.Duration) Option {
	return func(c *config) { c.retryMin, c.retryMax = first, max }
}

// WithWebhookTimeout sets how long a webhook may take to answer before the
// delivery counts as failed (default 10s).
func WithWebhookTimeout(d time.Duration) Option { return func(c *config) { c.webhookTimeout = d } }

// WithWebhookClient sets the client that delivers webhooks, e.g.
// httptest.NewTLSServer(...).Client() for an https webhook.
func WithWebhookClient(hc *http.Client) Option { return func(c *config) { c.webhookClient = hc } }

// WithFirstUpdateID sets the first update_id (default 1000, so that update
// ids and message ids are not accidentally interchangeable).
func WithFirstUpdateID(id int) Option { return func(c *config) { c.firstUpdateID = id } }

// WithFloodLimit turns on Telegram-like flood control for methods that
// send or edit messages. Off by default so tests stay deterministic.
func WithFloodLimit(l FloodLimit) Option { return func(c *config) { c.flood = &l } }

// FloodLimit is a token bucket per chat and one for the whole bot. Telegram
// allows about one message a second per chat (short bursts tolerated) and
// about 30 a second overall. A zero rate disables that bucket.
type FloodLimit struct {
	PerChat      float64 // messages per second in one chat
	PerChatBurst int     // messages allowed at once in one chat (at least 1)
	Global       float64 // messages per second over all chats
	GlobalBurst  int
}

// NewServer starts a fake Bot API for the test and closes it at cleanup.
// An empty token means DefaultToken.
func NewServer(tb testing.TB, token string, opts ...Option) *Server {
	tb.Helper()
	s := start(tb, token, opts)
	tb.Cleanup(s.Close)
	return s
}

// Start starts a fake Bot API outside a test, e.g. for a load tool. Misuse
// of the phone-side helpers panics instead of failing a test. Call Close.
func Start(token string, opts ...Option) *Server { return start(nil, token, opts) }

func start(tb testing.TB, token string, opts []Option) *Server {
	if token == "" {
		token = DefaultToken
	}
	cfg := config{
		botUsername:    "polku_test_bot",
		botName:        "Polku Test",
		retryMin:       10 * time.Millisecond,
		retryMax:       200 * time.Millisecond,
		webhookTimeout: 10 * time.Second,
		firstUpdateID:  1000,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.webhookClient == nil {
		cfg.webhookClient = &http.Client{}
	}
	// A real token starts with the bot's user id; keep that link.
	botID := int64(777000001)
	if id, _, ok := strings.Cut(token, ":"); ok {
		if n, err := strconv.ParseInt(id, 10, 64); err == nil && n > 0 {
			botID = n
		}
	}
	s := &Server{
		Token:   token,
		tb:      tb,
		client:  cfg.webhookClient,
		done:    make(chan struct{}),
		changed: make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.st = newState(cfg, User{ID: botID, IsBot: true, FirstName: cfg.botName, Username: cfg.botUsername})
	s.srv = httptest.NewServer(s)
	s.URL = s.srv.URL
	s.wg.Add(1)
	go s.deliverWebhooks()
	return s
}

// APIURL is the endpoint format tgbotapi wants:
// tgbotapi.NewBotAPIWithClient(s.Token, s.APIURL(), client).
func (s *Server) APIURL() string { return s.URL + "/bot%s/%s" }

// Close ends long polls, stops webhook delivery and shuts the server down.
// NewServer calls it at cleanup; calling it again does nothing.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.done)
		s.cancel()
		s.srv.Close()
		s.wg.Wait()
	})
}

// Advance moves the server's clock forward: retry_after windows, flood
// buckets, callback-query age and webhook retry times all read it, so a test
// can let "15 minutes" pass without waiting for them.
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

// changedLocked wakes every waiter: long polls, the webhook loop, Wait.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) fatalf(format string, args ...any) {
	if s.tb == nil {
		panic(fmt.Sprintf("telegramtest: "+format, args...))
	}
	s.tb.Helper()
	s.tb.Fatalf("telegramtest: "+format, args...)
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
			return errors.New("telegramtest: server closed")
		}
	}
}

// WaitFor is Wait with a timeout that fails tb, naming what it waited for
// and dumping every chat, the recent calls and the update queue.
func (s *Server) WaitFor(tb testing.TB, timeout time.Duration, what string, cond func(st *State) bool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.Wait(ctx, cond); err != nil {
		tb.Fatalf("telegramtest: waiting %v for %s: %v\n%s", timeout, what, err, s.Dump())
	}
}

// WaitMessages waits until the bot has at least n visible messages in chat
// and returns them all.
func (s *Server) WaitMessages(tb testing.TB, chat int64, n int, timeout time.Duration) []Message {
	tb.Helper()
	var got []Message
	s.WaitFor(tb, timeout, fmt.Sprintf("%d bot message(s) in chat %d", n, chat), func(st *State) bool {
		got = st.Messages(chat)
		return len(got) >= n
	})
	return got
}

// Failure describes how calls should fail. Code is the HTTP status and
// error_code (400, 403, 409, 429, 500, 502, 503…); with Code 0 and a Delay
// the call is only slowed down, then served normally.
type Failure struct {
	Code        int
	Description string // default: Telegram's text for Code
	// RetryAfter, for 429, is parameters.retry_after in seconds. The server
	// then refuses the method (for Chat, or for everyone when Chat is 0)
	// until that many seconds have passed on its clock.
	RetryAfter      int
	MigrateToChatID int64 // parameters.migrate_to_chat_id, for 400 "group chat was upgraded"
	// Chat limits the failure to calls whose chat_id is Chat.
	Chat int64
	// Drop closes the connection without any response.
	Drop bool
	// Delay holds the response back (a slow Telegram), before failing or
	// serving it. A client that gives up earlier sees its own timeout.
	Delay time.Duration
	// Body, when set, is sent as is instead of the JSON envelope, e.g.
	// BadGatewayHTML.
	Body string
}

type rule struct {
	method string // canonical name or "" for any
	f      Failure
	left   int // calls still to fail; -1 for ever
}

// Fail makes every later call of method ("" for any method) fail as f,
// until ClearFailures. Method names are matched case-insensitively.
func (s *Server) Fail(method string, f Failure) { s.addRule(method, -1, f) }

// FailNext makes the next n calls of method ("" for any) fail as f.
func (s *Server) FailNext(method string, n int, f Failure) {
	if n <= 0 {
		s.fatalf("FailNext(%q, %d): n must be positive", method, n)
		return
	}
	s.addRule(method, n, f)
}

func (s *Server) addRule(method string, n int, f Failure) {
	if f.Code == 0 && !f.Drop && f.Delay == 0 {
		s.fatalf("failure for %q does nothing: set Code, Drop or Delay", method)
		return
	}
	if f.Code == http.StatusTooManyRequests && f.RetryAfter <= 0 {
		f.RetryAfter = 1
	}
	name := method
	if method != "" {
		canon, ok := lookupMethod(method)
		if !ok {
			s.fatalf("failure for unknown method %q", method)
			return
		}
		name = canon.name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.rules = append(s.st.rules, &rule{method: name, f: f, left: n})
}

// ClearFailures removes every Fail and FailNext rule and every retry_after
// window still running.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.rules = nil
	clear(s.st.windows)
	s.changedLocked()
}

// Block makes the person in chat block the bot: every later message to the
// chat gets 403 "Forbidden: bot was blocked by the user". Like Telegram it
// also sends the bot a my_chat_member update (status "kicked"), whose
// update_id it returns.
func (s *Server) Block(chat int64) int { return s.setBlocked(chat, true) }

// Unblock undoes Block, with a my_chat_member update (status "member").
func (s *Server) Unblock(chat int64) int { return s.setBlocked(chat, false) }

// apiError is a failed call as Telegram reports it.
type apiError struct {
	code       int
	desc       string
	retryAfter int
	migrateTo  int64
}

func badRequest(format string, args ...any) *apiError {
	return &apiError{code: 400, desc: "Bad Request: " + fmt.Sprintf(format, args...)}
}

func forbidden(desc string) *apiError { return &apiError{code: 403, desc: "Forbidden: " + desc} }

func tooMany(retryAfter int) *apiError {
	return &apiError{code: 429, desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter), retryAfter: retryAfter}
}

// defaultDescription is what Telegram says for a status when a Failure
// doesn't say otherwise.
func defaultDescription(code, retryAfter int) string {
	switch code {
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden: bot was blocked by the user"
	case 404:
		return "Not Found"
	case 409:
		return "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
	case 429:
		return fmt.Sprintf("Too Many Requests: retry after %d", retryAfter)
	}
	if t := http.StatusText(code); t != "" {
		return t
	}
	return "Error"
}

type envelope struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result,omitempty"`
	ErrorCode   int             `json:"error_code,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  *respParams     `json:"parameters,omitempty"`
}

type respParams struct {
	MigrateToChatID int64 `json:"migrate_to_chat_id,omitempty"`
	RetryAfter      int   `json:"retry_after,omitempty"`
}

type response struct {
	status int
	body   []byte
	drop   bool
	desc   string
	retry  int
	result json.RawMessage
}

func okResponse(result any, desc string) response {
	raw, err := json.Marshal(result)
	if err != nil {
		panic("telegramtest: marshal result: " + err.Error())
	}
	body, _ := json.Marshal(envelope{OK: true, Result: raw, Description: desc})
	return response{status: 200, body: body, result: raw}
}

func errResponse(e *apiError) response {
	env := envelope{ErrorCode: e.code, Description: e.desc}
	if e.retryAfter > 0 || e.migrateTo != 0 {
		env.Parameters = &respParams{RetryAfter: e.retryAfter, MigrateToChatID: e.migrateTo}
	}
	body, _ := json.Marshal(env)
	return response{status: e.code, body: body, desc: e.desc, retry: e.retryAfter}
}

// ServeHTTP serves /bot<token>/<method>. It is exported so the fake can be
// mounted on another listener; NewServer already serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := ""
	token, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/bot"), "/")
	if strings.HasPrefix(r.URL.Path, "/bot") && ok && rest != "" && !strings.Contains(rest, "/") {
		name = rest
	} else {
		ok = false
	}
	m, known := lookupMethod(name)
	switch {
	case !ok:
		name = r.URL.Path
	case known:
		name = m.name
	}
	params, perr := readParams(r)

	call := &Call{Method: name, Params: params}
	s.mu.Lock()
	call.Start = s.st.now()
	s.st.calls = append(s.st.calls, call)
	s.changedLocked()
	s.mu.Unlock()

	var resp response
	switch {
	case !ok:
		resp = errResponse(&apiError{code: 404, desc: "Not Found"})
	case token != s.Token:
		resp = errResponse(&apiError{code: 401, desc: "Unauthorized"})
	case !known:
		resp = errResponse(&apiError{code: 404, desc: "Not Found"})
	case perr != nil:
		resp = errResponse(badRequest("%v", perr))
	default:
		resp = s.serve(r.Context(), m, params, call)
	}
	s.finish(call, resp)

	if resp.drop {
		dropConnection(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// dropConnection closes the TCP connection with no response at all, as a
// network failure between the bot and Telegram would.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler) // closes the connection, logs nothing
}

func (s *Server) finish(call *Call, resp response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	call.End = s.st.now()
	call.Status = resp.status
	call.Dropped = resp.drop
	call.Description = resp.desc
	call.RetryAfter = resp.retry
	call.Result = resp.result
	s.changedLocked()
}

// serve applies injected failures and retry_after windows, then runs the
// method.
func (s *Server) serve(ctx context.Context, m method, p map[string]string, call *Call) response {
	s.mu.Lock()
	chatID := s.st.paramChat(p)
	call.ChatID = chatID
	f, failing := s.st.takeFailure(m.name, chatID)
	if failing && f.Delay > 0 {
		call.Delay = f.Delay
		s.changedLocked()
	}
	s.mu.Unlock()

	if failing && f.Delay > 0 {
		t := time.NewTimer(f.Delay)
		select {
		case <-t.C:
		case <-ctx.Done():
		case <-s.done:
		}
		t.Stop()
	}
	if failing && f.Drop {
		return response{drop: true}
	}
	if failing && f.Code != 0 {
		s.mu.Lock()
		defer s.mu.Unlock()
		e := &apiError{code: f.Code, desc: f.Description, migrateTo: f.MigrateToChatID}
		if f.Code == http.StatusTooManyRequests {
			e.retryAfter = f.RetryAfter
			s.st.windows[windowKey{m.name, f.Chat}] = s.st.now().Add(time.Duration(f.RetryAfter) * time.Second)
		}
		if e.desc == "" {
			e.desc = defaultDescription(f.Code, f.RetryAfter)
		}
		resp := errResponse(e)
		if f.Body != "" {
			resp.body = []byte(f.Body)
		}
		return resp
	}
	if m.name == "getUpdates" {
		return s.getUpdates(ctx, p)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.run(m, p, chatID)
}

// takeFailure finds the first rule for the call and uses it up.
func (st *State) takeFailure(method string, chat int64) (Failure, bool) {
	for i, r := range st.rules {
		if r.method != "" && r.method != method {
			continue
		}
		if r.f.Chat != 0 && r.f.Chat != chat {
			continue
		}
		if r.left > 0 {
			r.left--
			if r.left == 0 {
				st.rules = append(st.rules[:i:i], st.rules[i+1:]...)
			}
		}
		return r.f, true
	}
	return Failure{}, false
}

type windowKey struct {
	method string // "" for all methods
	chat   int64  // 0 for all chats
}

// windowLeft is the retry_after still owed for a call, in whole seconds
// rounded up like Telegram, or 0.
func (st *State) windowLeft(method string, chat int64) int {
	now := st.now()
	worst := time.Duration(0)
	for _, k := range []windowKey{{method, chat}, {method, 0}, {"", chat}, {"", 0}} {
		if until, ok := st.windows[k]; ok {
			if d := until.Sub(now); d > worst {
				worst = d
			}
		}
	}
	if worst <= 0 {
		return 0
	}
	return int(math.Ceil(worst.Seconds()))
}

type bucket struct {
	tokens float64
	at     time.Time
}

// take refills b at rate per second up to burst and takes one token; if
// none is left it returns how long until there is one.
func (b *bucket) take(now time.Time, rate float64, burst int) time.Duration {
	if burst < 1 {
		burst = 1
	}
	if b.at.IsZero() {
		b.tokens = float64(burst)
	} else {
		b.tokens = math.Min(float64(burst), b.tokens+now.Sub(b.at).Seconds()*rate)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second))
}

// floodWait applies WithFloodLimit; it returns retry_after seconds or 0.
func (st *State) floodWait(chat int64) int {
	l := st.cfg.flood
	if l == nil {
		return 0
	}
	now := st.now()
	var wait time.Duration
	if l.Global > 0 {
		wait = st.globalBucket.take(now, l.Global, l.GlobalBurst)
	}
	if wait == 0 && l.PerChat > 0 && chat != 0 {
		b := st.chatBuckets[chat]
		if b == nil {
			b = &bucket{}
			st.chatBuckets[chat] = b
		}
		wait = b.take(now, l.PerChat, l.PerChatBurst)
		if wait > 0 && l.Global > 0 {
			st.globalBucket.tokens++ // the refused call didn't use the global token
		}
	}
	if wait <= 0 {
		return 0
	}
	return int(math.Ceil(wait.Seconds()))
}

// readParams merges query parameters with a form, multipart or JSON body,
// as Telegram does. JSON values that aren't strings keep their JSON text,
// so reply_markup reads the same whichever way it was sent.
func readParams(r *http.Request) (map[string]string, error) {
	p := map[string]string{}
	for k, v := range r.URL.Query() {
		p[k] = v[len(v)-1]
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/json":
		body, err := io.ReadAll(io.LimitReader(r.Body, 10<<20))
		if err != nil {
			return p, err
		}
		if len(strings.TrimSpace(string(body))) == 0 {
			return p, nil
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(body, &m); err != nil {
			return p, errors.New("can't parse JSON object")
		}
		for k, v := range m {
			var str string
			switch {
			case string(v) == "null":
				continue
			case json.Unmarshal(v, &str) == nil:
				p[k] = str
			default:
				p[k] = string(v)
			}
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return p, err
		}
		for k, v := range r.PostForm {
			p[k] = v[len(v)-1]
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(32 << 20); err != nil {
			return p, err
		}
		for k, v := range r.MultipartForm.Value {
			p[k] = v[len(v)-1]
		}
		for k, fs := range r.MultipartForm.File {
			p[k] = "attach:" + fs[0].Filename
		}
	}
	return p, nil
}
