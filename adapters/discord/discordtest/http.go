package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Failure describes how REST calls should fail. Code is the HTTP status
// (400, 403, 404, 429, 500, 502, 503…); with Code 0 and a Delay the call
// is only slowed down, then served normally.
type Failure struct {
	Code int
	// ErrCode and Message make the JSON error body {"message", "code"};
	// by default Discord's generic ones for Code ("500: Internal Server
	// Error", code 0).
	ErrCode int
	Message string
	// RetryAfter, for 429, is retry_after (default 1s). The route's bucket
	// (or every route, when Global) then refuses calls until that much
	// time has passed on the server's clock.
	RetryAfter time.Duration
	Global     bool
	// Scope is X-RateLimit-Scope: "user" (default), "global" or "shared".
	Scope string
	// Drop closes the connection without any response.
	Drop bool
	// Delay holds the response back before failing or serving it.
	Delay time.Duration
	// Body, when set, is sent as is (e.g. an HTML 502 from Cloudflare).
	Body string
}

type rule struct {
	route string // route template, "METHOD /concrete/path", or "" for any
	f     Failure
	left  int // calls still to fail; -1 for ever
}

// Fail makes every later call of route fail as f, until ClearFailures.
// route is a route as Calls reports it ("POST /channels/{channel_id}/messages"),
// a method and concrete path ("POST /channels/123/messages"), or "" for
// every call.
func (s *Server) Fail(route string, f Failure) { s.addRule(route, -1, f) }

// FailNext makes the next n calls of route fail as f.
func (s *Server) FailNext(route string, n int, f Failure) {
	if n <= 0 {
		s.fatalf("FailNext(%q, %d): n must be positive", route, n)
		return
	}
	s.addRule(route, n, f)
}

func (s *Server) addRule(route string, n int, f Failure) {
	if f.Code == 0 && !f.Drop && f.Delay == 0 {
		s.fatalf("failure for %q does nothing: set Code, Drop or Delay", route)
		return
	}
	if f.Code == http.StatusTooManyRequests && f.RetryAfter <= 0 {
		f.RetryAfter = time.Second
	}
	if route != "" && !knownRoute(route) {
		s.fatalf("failure for unknown route %q; routes look like %q", route, "POST /channels/{channel_id}/messages")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.rules = append(s.st.rules, &rule{route: route, f: f, left: n})
}

// ClearFailures removes every Fail and FailNext rule and every 429 window
// still running.
func (s *Server) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.rules = nil
	clear(s.st.windows)
	s.changedLocked()
}

// A route is a REST endpoint; {name} segments match any value.
type route struct {
	method  string
	pattern string
	segs    []string
	auth    bool   // needs Authorization: Bot TOKEN
	major   string // the parameter Discord's buckets are split by
	handle  func(st *State, r *request) response
}

func (rt *route) name() string { return rt.method + " " + rt.pattern }

var routes []*route

func addRoute(method, pattern string, auth bool, h func(st *State, r *request) response) {
	rt := &route{method: method, pattern: pattern, segs: strings.Split(strings.Trim(pattern, "/"), "/"), auth: auth, handle: h}
	for _, m := range []string{"{channel_id}", "{guild_id}", "{interaction_token}", "{webhook_token}"} {
		if strings.Contains(pattern, m) {
			rt.major = strings.Trim(m, "{}")
			break
		}
	}
	routes = append(routes, rt)
}

// match finds the route for a path; literal segments ("@me", "@original")
// win over parameters because routes with literals are added first.
func match(method, path string) (*route, map[string]string, bool) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	pathKnown := false
	for _, rt := range routes {
		if len(rt.segs) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, p := range rt.segs {
			switch {
			case strings.HasPrefix(p, "{"):
				if segs[i] == "" {
					ok = false
				}
				params[strings.Trim(p, "{}")] = segs[i]
			case p != segs[i]:
				ok = false
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		pathKnown = true
		if rt.method == method {
			return rt, params, true
		}
	}
	return nil, nil, pathKnown
}

func knownRoute(r string) bool {
	method, path, ok := strings.Cut(r, " ")
	if !ok {
		return false
	}
	for _, rt := range routes {
		if rt.name() == r {
			return true
		}
	}
	rt, _, _ := match(method, path)
	return rt != nil
}

type upload struct {
	name, contentType string
	size              int
}

// request is one REST call being served.
type request struct {
	method string
	path   string
	params map[string]string
	query  url.Values
	body   json.RawMessage
	obj    map[string]json.RawMessage // body as an object, nil otherwise
	files  []upload
	call   *Call
	s      *Server
}

func (r *request) has(key string) bool {
	_, ok := r.obj[key]
	return ok
}

// str reads a string field; a missing or null one is "".
func (r *request) str(key string) string {
	var v string
	_ = json.Unmarshal(r.obj[key], &v)
	return v
}

func (r *request) integer(key string) int {
	var v int
	_ = json.Unmarshal(r.obj[key], &v)
	return v
}

func (r *request) boolean(key string) bool {
	var v bool
	_ = json.Unmarshal(r.obj[key], &v)
	return v
}

type response struct {
	status     int
	body       []byte
	code       int
	msg        string
	retryAfter time.Duration
	header     http.Header
	drop       bool
}

func ok(v any) response { return response{status: 200, body: mustJSON(v)} }

func noContent() response { return response{status: 204} }

// apiErr is Discord's error body: {"message": "...", "code": N}.
func apiErr(status, code int, msg string) response {
	return response{status: status, code: code, msg: msg, body: mustJSON(obj{"message": msg, "code": code})}
}

// formErr is 50035 Invalid Form Body with the errors object Discord nests
// by field path, e.g. "components.0.components.1.custom_id".
func formErr(path, errCode, msg string) response {
	leaf := obj{"_errors": []any{obj{"code": errCode, "message": msg}}}
	parts := strings.Split(path, ".")
	var errs any = leaf
	for i := len(parts) - 1; i >= 0; i-- {
		errs = obj{parts[i]: errs}
	}
	body := mustJSON(obj{"message": "Invalid Form Body", "code": 50035, "errors": errs})
	return response{status: 400, code: 50035, msg: "Invalid Form Body: " + path + ": " + msg, body: body}
}

func genericErr(status int) response {
	return apiErr(status, 0, fmt.Sprintf("%d: %s", status, http.StatusText(status)))
}

var apiPrefix = regexp.MustCompile(`^/api(?:/v(\d+))?(/.*)?$`)

// ServeHTTP serves the REST API under /api[/vN]/ and the gateway at
// /gateway. It is exported so the fake can be mounted elsewhere; NewServer
// already serves it.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	if strings.TrimSuffix(hr.URL.Path, "/") == "/gateway" && websocket.IsWebSocketUpgrade(hr) {
		s.serveGateway(w, hr)
		return
	}
	call := &Call{Method: hr.Method, Path: hr.URL.Path, Query: hr.URL.RawQuery}
	m := apiPrefix.FindStringSubmatch(hr.URL.Path)
	var rt *route
	var params map[string]string
	pathKnown := false
	if m != nil {
		call.APIVersion, call.Path = m[1], m[2]
		rt, params, pathKnown = match(hr.Method, call.Path)
	}
	r := &request{method: hr.Method, path: call.Path, params: params, query: hr.URL.Query(), call: call, s: s}
	berr := readBody(hr, r)
	call.Body, call.Files = r.body, nil
	for _, f := range r.files {
		call.Files = append(call.Files, f.name)
	}
	if rt != nil {
		call.Route = rt.name()
	}

	s.mu.Lock()
	call.Start = s.st.now()
	s.st.calls = append(s.st.calls, call)
	s.changedLocked()
	s.mu.Unlock()

	var resp response
	switch {
	case m == nil:
		resp = genericErr(404)
	case rt == nil && pathKnown:
		resp = genericErr(405)
	case rt == nil:
		resp = genericErr(404)
	case call.APIVersion != "" && call.APIVersion != "9" && call.APIVersion != "10":
		// v6–v8 are gone; Discord answers them like an unknown route.
		resp = genericErr(404)
	case rt.auth && hr.Header.Get("Authorization") != "Bot "+s.Token:
		resp = genericErr(401)
	case berr != nil:
		resp = apiErr(400, 50109, "The request body contains invalid JSON.")
	default:
		resp = s.serve(hr.Context(), rt, r)
	}
	s.finish(call, resp)
	if resp.drop {
		dropConnection(w)
		return
	}
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if resp.status == 204 {
		w.WriteHeader(204)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	_, _ = w.Write(resp.body)
}

// readBody reads a JSON body, or a multipart one with payload_json and
// files[n] as discordgo sends uploads.
func readBody(hr *http.Request, r *request) error {
	ct, _, _ := mime.ParseMediaType(hr.Header.Get("Content-Type"))
	var raw []byte
	switch ct {
	case "multipart/form-data":
		if err := hr.ParseMultipartForm(32 << 20); err != nil {
			return err
		}
		if v := hr.MultipartForm.Value["payload_json"]; len(v) > 0 {
			raw = []byte(v[0])
		}
		for i := 0; ; i++ {
			fs := hr.MultipartForm.File[fmt.Sprintf("files[%d]", i)]
			if len(fs) == 0 {
				break
			}
			r.files = append(r.files, upload{name: fs[0].Filename, contentType: fs[0].Header.Get("Content-Type"), size: int(fs[0].Size)})
		}
	default:
		b, err := io.ReadAll(io.LimitReader(hr.Body, 10<<20))
		if err != nil {
			return err
		}
		raw = b
	}
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil
	}
	if !json.Valid(raw) {
		return fmt.Errorf("invalid JSON")
	}
	r.body = raw
	if raw[0] == '{' {
		_ = json.Unmarshal(raw, &r.obj)
	}
	return nil
}

// dropConnection closes the TCP connection with no response at all.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

func (s *Server) finish(call *Call, resp response) {
	s.mu.Lock()
	defer s.mu.Unlock()
	call.End = s.st.now()
	call.Status = resp.status
	call.Dropped = resp.drop
	call.Code = resp.code
	call.Message = resp.msg
	call.RetryAfter = resp.retryAfter
	if resp.status == 200 && !resp.drop {
		call.Response = resp.body
	}
	if resp.drop {
		call.Status = 0
	}
	s.changedLocked()
}

// bucketKey is Discord's rate-limit bucket: the route and its major
// parameter (channel, guild or webhook/interaction token).
func bucketKey(rt *route, r *request) string {
	k := rt.name()
	if rt.major != "" {
		k += " " + r.params[rt.major]
	}
	return k
}

func bucketHash(key string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	return fmt.Sprintf("%016x", h.Sum64())
}

// serve applies injected failures, 429 windows and rate limits, then runs
// the route's handler under the lock.
func (s *Server) serve(ctx context.Context, rt *route, r *request) response {
	s.mu.Lock()
	f, failing := s.st.takeFailure(rt.name(), r.method+" "+r.path)
	if failing && f.Delay > 0 {
		r.call.Delay = f.Delay
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

	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	key := bucketKey(rt, r)
	if failing && f.Code != 0 {
		if f.Code == http.StatusTooManyRequests {
			wk := key
			if f.Global {
				wk = ""
			}
			st.windows[wk] = st.now().Add(f.RetryAfter)
			return st.tooMany(key, f.RetryAfter, f.Global, f.Scope, f.Message)
		}
		resp := genericErr(f.Code)
		if f.Message != "" || f.ErrCode != 0 {
			msg := f.Message
			if msg == "" {
				msg = resp.msg
			}
			resp = apiErr(f.Code, f.ErrCode, msg)
		}
		if f.Body != "" {
			resp.body = []byte(f.Body)
		}
		return resp
	}
	// Interaction endpoints are exempt from the global rate limit on
	// Discord; so are they here.
	now := st.now()
	if until, ok := st.windows[""]; ok && rt.auth && until.After(now) {
		return st.tooMany(key, until.Sub(now), true, "global", "")
	}
	if until, ok := st.windows[key]; ok && until.After(now) {
		return st.tooMany(key, until.Sub(now), false, "user", "")
	}
	var hdr http.Header
	if st.cfg.rateLimit > 0 {
		b := st.buckets[key]
		if b == nil || !now.Before(b.reset) {
			b = &rlBucket{reset: now.Add(st.cfg.ratePer)}
			st.buckets[key] = b
		}
		if b.used >= st.cfg.rateLimit {
			return st.tooMany(key, b.reset.Sub(now), false, "user", "")
		}
		b.used++
		hdr = st.rateHeaders(key, st.cfg.rateLimit-b.used, b.reset.Sub(now))
	}
	resp := rt.handle(st, r)
	if hdr != nil {
		if resp.header == nil {
			resp.header = http.Header{}
		}
		for k, v := range hdr {
			resp.header[k] = v
		}
	}
	s.changedLocked()
	return resp
}

type rlBucket struct {
	used  int
	reset time.Time
}

// rateHeaders are the X-RateLimit-* headers discordgo's limiter reads. It
// keys buckets by URL, not by X-RateLimit-Bucket, but reads Remaining and
// Reset-After (preferred over Reset, which it would offset by the Date
// header).
func (st *State) rateHeaders(key string, remaining int, resetAfter time.Duration) http.Header {
	limit := st.cfg.rateLimit
	if limit == 0 {
		limit = 1
	}
	reset := st.now().Add(resetAfter)
	h := http.Header{}
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatFloat(float64(reset.UnixMilli())/1000, 'f', 3, 64))
	h.Set("X-RateLimit-Reset-After", secs(resetAfter))
	h.Set("X-RateLimit-Bucket", bucketHash(key))
	return h
}

func secs(d time.Duration) string {
	return strconv.FormatFloat(math.Ceil(d.Seconds()*1000)/1000, 'f', 3, 64)
}

// tooMany is Discord's 429: the JSON body with retry_after in seconds and
// the headers. X-RateLimit-Global is only sent when true: discordgo treats
// any value, "false" too, as global.
func (st *State) tooMany(key string, retryAfter time.Duration, global bool, scope, msg string) response {
	if msg == "" {
		msg = "You are being rate limited."
	}
	if scope == "" {
		scope = "user"
		if global {
			scope = "global"
		}
	}
	ra, _ := strconv.ParseFloat(secs(retryAfter), 64)
	body := mustJSON(obj{"message": msg, "retry_after": ra, "global": global})
	h := st.rateHeaders(key, 0, retryAfter)
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retryAfter.Seconds()))))
	h.Set("X-RateLimit-Scope", scope)
	if global {
		h.Set("X-RateLimit-Global", "true")
	}
	return response{status: 429, body: body, code: 0, msg: msg, retryAfter: retryAfter, header: h}
}

// takeFailure finds the first rule for the call and uses it up.
func (st *State) takeFailure(routeName, concrete string) (Failure, bool) {
	for i, r := range st.rules {
		if r.route != "" && r.route != routeName && r.route != concrete {
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
