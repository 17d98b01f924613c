package telegram

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// maxUpdate bounds a webhook request's body; real updates are a few kB.
const maxUpdate = 1 << 20

// serveWebhook listens for updates Telegram posts, registers the webhook,
// and serves until ctx is done; then it stops listening, finishes the
// requests in hand and returns.
func (a *Adapter) serveWebhook(ctx context.Context) error {
	u, _ := url.Parse(a.o.WebhookURL) // checked by New
	path := u.Path
	if path == "" {
		path = "/"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+path, a.webhook)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	addr := a.o.HTTPAddr
	if addr == "" {
		addr = ":8080"
	}
	ln := a.o.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("POLKU_HTTP_ADDR: %w", err)
		}
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	a.log.Info("webhook listening", "addr", ln.Addr().String(), "path", path)

	params := tgbotapi.Params{"url": a.o.WebhookURL, "secret_token": a.o.WebhookSecret, "max_connections": "40"}
	if err := params.AddInterface("allowed_updates", allowedUpdates); err != nil {
		return err
	}
	if _, err := a.api.raw(ctx, "setWebhook", params); err != nil && ctx.Err() == nil {
		srv.Close()
		return fmt.Errorf("setWebhook: %w", err)
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	// Stop taking updates, finish those in hand: Telegram keeps what was
	// not acknowledged and posts it again to the next process.
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		a.log.Warn("webhook shutdown", "err", err)
	}
	a.chats.Wait()
	return nil
}

// secretPattern is what Telegram accepts as a webhook's secret token.
var secretPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// checkWebhook checks the webhook settings before anything starts.
// CheckAPIURL refuses a Bot API address that cannot be right, before the
// token is ever put into it: a URL that does not parse, or that is not
// http(s), would fail every call with an error quoting the URL — token and
// all — and a stray % would be read as a format verb. The address may end
// in Telegram's own form, /bot%s/%s (the token, then the method).
func CheckAPIURL(raw string) error {
	n := strings.Count(raw, "%s")
	if strings.Count(raw, "%") != n || (n != 0 && n != 2) {
		return fmt.Errorf("TELEGRAM_API_URL %q has a %% that is not part of /bot%%s/%%s: write the server's address, such as http://127.0.0.1:8081", raw)
	}
	u, err := url.Parse(strings.ReplaceAll(raw, "%s", "x"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("TELEGRAM_API_URL %q is not an http:// or https:// address of a server, such as http://127.0.0.1:8081", raw)
	}
	return nil
}

var errTrailingData = errors.New("more than one JSON value")

func checkWebhook(o Options) error {
	u, err := url.Parse(o.WebhookURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return errors.New("TELEGRAM_WEBHOOK_URL is not a URL: write the public https:// address Telegram should post to")
	}
	if o.WebhookSecret == "" {
		return errors.New("TELEGRAM_WEBHOOK_SECRET must be set with a webhook, so that only Telegram can post updates: 1–256 letters, digits, _ and -")
	}
	if !secretPattern.MatchString(o.WebhookSecret) {
		return errors.New("TELEGRAM_WEBHOOK_SECRET may hold only letters A–Z and a–z, digits, _ and -, at most 256 of them (Telegram's rule)")
	}
	return nil
}

// Handler is the webhook handler, to mount in another server or feed
// in-process (polku load does): it accepts a POSTed update only with the
// webhook secret in X-Telegram-Bot-Api-Secret-Token, and answers 200 once
// the update has been handled and stored. Run need not be running; it is
// what registers the webhook and the command menu with Telegram.
func (a *Adapter) Handler() http.Handler { return http.HandlerFunc(a.webhook) }

// webhook receives one update. It answers 200 only once the update has been
// handled and stored; any other answer makes Telegram post it again.
func (a *Adapter) webhook(w http.ResponseWriter, r *http.Request) {
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(a.o.WebhookSecret)) != 1 {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := readBody(http.MaxBytesReader(w, r.Body, maxUpdate), r.ContentLength, maxUpdate)
	u, ok := fastUpdate(body)
	if err == nil && !ok {
		dec := json.NewDecoder(bytes.NewReader(body))
		if err = dec.Decode(&u); err == nil {
			// one update per post: a second value after it is not Telegram
			if _, next := dec.Token(); next != io.EOF {
				err = errTrailingData
			}
		}
	}
	if err != nil {
		// not an update at all: posting it again would not help
		a.log.Warn("webhook body is not an update", "err", errKind(err))
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	// Handling outlives the request: were Telegram to hang up half-way,
	// the update is still finished (and recognised as a duplicate when
	// posted again), never left half-done. It is bounded all the same.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Minute)
	defer cancel()
	reply := &webhookReply{}
	ctx = context.WithValue(ctx, webhookReplyKey{}, reply)
	a.chats.RunNow(chatOf(u), func() { err = a.handle(ctx, u) })
	if r.Context().Err() != nil {
		return // Telegram hung up; it will post the update again (a duplicate then)
	}
	if err != nil {
		http.Error(w, "try again", http.StatusServiceUnavailable)
		return
	}
	if reply.body != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(reply.body)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// A webhook may answer Telegram's request with one Bot API call of its
// own. Polku answers a pressed button's callback query that way: one call
// fewer per tap, and the spinner stops as the reply arrives.
type (
	webhookReplyKey struct{}
	webhookReply    struct{ body []byte }
)

// replyToWebhook puts a call in the webhook's answer, if ctx is a webhook
// request's and its answer is still free.
func replyToWebhook(ctx context.Context, method string, body any) bool {
	r, ok := ctx.Value(webhookReplyKey{}).(*webhookReply)
	if !ok || r.body != nil {
		return false
	}
	data, err := json.Marshal(body)
	if err != nil || len(data) < 2 || data[0] != '{' {
		return false
	}
	// {"method":"…", and the call's own fields
	r.body = append([]byte(`{"method":"`+method+`",`), data[1:]...)
	if len(data) == 2 {
		r.body = []byte(`{"method":"` + method + `"}`)
	}
	return true
}

// errKind describes a decoding error without quoting the body, which may
// hold what a person wrote.
func errKind(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("JSON syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return "unexpected JSON type for " + te.Field
	case strings.Contains(err.Error(), "too large"):
		return "body too large"
	case errors.Is(err, errTrailingData):
		return errTrailingData.Error()
	}
	return "unreadable"
}
