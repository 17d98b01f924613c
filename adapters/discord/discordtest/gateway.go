package discordtest

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Gateway opcodes.
const (
	opDispatch       = 0
	opHeartbeat      = 1
	opIdentify       = 2
	opPresence       = 3
	opVoiceState     = 4
	opResume         = 6
	opReconnect      = 7
	opRequestMembers = 8
	opInvalidSession = 9
	opHello          = 10
	opHeartbeatAck   = 11
)

// session is a gateway session: it outlives its connections while it is
// resumable, and keeps every dispatch so a RESUME can replay them.
type session struct {
	id      string
	intents int
	seq     int64
	events  []*Dispatch
	conn    *wsConn // nil while disconnected
	invalid bool    // can't be resumed any more
}

// wsConn is one websocket connection. Frames go through a queue drained by
// a writer goroutine, so the server can dispatch under its lock without
// waiting on the network.
type wsConn struct {
	ws   *websocket.Conn
	rec  *Connection
	sess *session // nil until IDENTIFY or RESUME succeeds

	qmu       sync.Mutex
	queue     [][]byte
	closing   bool
	closeCode int
	closeText string

	wake chan struct{} // cap 1: the queue has something
	beat chan struct{} // cap 1: a heartbeat came, for the watchdog
	gone chan struct{} // closed when the connection has ended
}

func (c *wsConn) send(frame []byte) {
	c.qmu.Lock()
	if !c.closing {
		c.queue = append(c.queue, frame)
	}
	c.qmu.Unlock()
	signal(c.wake)
}

// closeWith sends what is queued, then a close frame with code, then
// closes the connection.
func (c *wsConn) closeWith(code int, text string) {
	c.qmu.Lock()
	if !c.closing {
		c.closing, c.closeCode, c.closeText = true, code, text
	}
	c.qmu.Unlock()
	signal(c.wake)
}

// abort drops the TCP connection at once, with no close frame, as a
// network failure would.
func (c *wsConn) abort() { _ = c.ws.UnderlyingConn().Close() }

func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func frame(op int, d any) []byte {
	return mustJSON(obj{"op": op, "d": d, "s": nil, "t": nil})
}

func dispatchFrame(d *Dispatch) []byte {
	return mustJSON(obj{"op": opDispatch, "d": d.Data, "s": d.Seq, "t": d.Type})
}

func (s *Server) serveGateway(w http.ResponseWriter, r *http.Request) {
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	ws.SetReadLimit(1 << 16)
	q := r.URL.Query()
	c := &wsConn{ws: ws, wake: make(chan struct{}, 1), beat: make(chan struct{}, 1), gone: make(chan struct{})}

	s.mu.Lock()
	select {
	case <-s.done:
		s.mu.Unlock()
		_ = ws.Close()
		return
	default:
	}
	st := &s.st
	c.rec = &Connection{ID: len(st.connRecs) + 1, Version: q.Get("v"), Encoding: q.Get("encoding"), Opened: st.now()}
	st.connRecs = append(st.connRecs, c.rec)
	st.conns = append(st.conns, c)
	interval := st.cfg.heartbeat
	s.wg.Add(3) // reader (this goroutine), writer, heartbeat watchdog
	switch {
	case c.rec.Version != "9" && c.rec.Version != "10":
		c.closeWith(4012, "Invalid API version.")
	case c.rec.Encoding != "json" && c.rec.Encoding != "":
		c.closeWith(4000, "discordtest speaks only encoding=json.")
	case q.Get("compress") != "":
		c.closeWith(4000, "discordtest does not compress.")
	default:
		c.send(frame(opHello, obj{"heartbeat_interval": interval.Milliseconds(), "_trace": []string{"discordtest"}}))
	}
	s.changedLocked()
	s.mu.Unlock()

	go s.writeLoop(c)
	go s.watchHeartbeats(c, interval)
	s.readLoop(c)
}

func (s *Server) writeLoop(c *wsConn) {
	defer s.wg.Done()
	for {
		c.qmu.Lock()
		q, closing, code, text := c.queue, c.closing, c.closeCode, c.closeText
		c.queue = nil
		c.qmu.Unlock()
		for _, f := range q {
			_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if err := c.ws.WriteMessage(websocket.TextMessage, f); err != nil {
				c.abort()
				return
			}
		}
		if closing {
			s.mu.Lock()
			if c.rec.ClosedBy == "" {
				c.rec.ClosedBy, c.rec.CloseCode = "server", code
			}
			s.changedLocked()
			s.mu.Unlock()
			_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, text), time.Now().Add(time.Second))
			c.abort()
			return
		}
		select {
		case <-c.wake:
		case <-c.gone:
			return
		}
	}
}

// watchHeartbeats counts the intervals, with half an interval of grace, in
// which the client sent no heartbeat. Discord would close such a zombie
// connection; the fake only records it.
func (s *Server) watchHeartbeats(c *wsConn, interval time.Duration) {
	defer s.wg.Done()
	t := time.NewTimer(interval * 3 / 2)
	defer t.Stop()
	for {
		select {
		case <-c.beat:
			if !t.Stop() {
				select {
				case <-t.C:
				default:
				}
			}
			t.Reset(interval * 3 / 2)
		case <-t.C:
			s.mu.Lock()
			c.rec.MissedHeartbeats++
			s.changedLocked()
			s.mu.Unlock()
			t.Reset(interval)
		case <-c.gone:
			return
		}
	}
}

func (s *Server) readLoop(c *wsConn) {
	var closeErr *websocket.CloseError
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			errors.As(err, &closeErr)
			break
		}
		s.mu.Lock()
		s.handleFrame(c, data)
		s.changedLocked()
		s.mu.Unlock()
	}
	c.abort()
	s.mu.Lock()
	st := &s.st
	c.rec.Closed = st.now()
	if c.rec.ClosedBy == "" {
		if closeErr != nil {
			c.rec.ClosedBy, c.rec.CloseCode = "client", closeErr.Code
		} else {
			c.rec.ClosedBy = "client"
		}
	}
	if sess := c.sess; sess != nil {
		// A client that closes with 1000 or 1001 ends its session; any
		// other end leaves it resumable.
		if c.rec.ClosedBy == "client" && (c.rec.CloseCode == websocket.CloseNormalClosure || c.rec.CloseCode == websocket.CloseGoingAway) {
			sess.invalid = true
		}
		if sess.conn == c {
			sess.conn = nil
		}
	}
	for i, x := range st.conns {
		if x == c {
			st.conns = append(st.conns[:i:i], st.conns[i+1:]...)
			break
		}
	}
	s.changedLocked()
	s.mu.Unlock()
	close(c.gone)
	s.wg.Done() // for the handler goroutine, counted with the others
}

type payload struct {
	Op int             `json:"op"`
	D  json.RawMessage `json:"d"`
}

func (s *Server) tokenOK(tok string) bool { return strings.TrimPrefix(tok, "Bot ") == s.Token }

// handleFrame handles one frame from the client, with the lock held.
func (s *Server) handleFrame(c *wsConn, data []byte) {
	st := &s.st
	var p payload
	if err := json.Unmarshal(data, &p); err != nil {
		c.closeWith(4002, "Error while decoding payload.")
		return
	}
	switch p.Op {
	case opHeartbeat:
		c.rec.Heartbeats++
		var seq *int64
		_ = json.Unmarshal(p.D, &seq)
		c.rec.LastHeartbeatSeq = seq
		signal(c.beat)
		if !st.dropAcks {
			c.rec.Acks++
			c.send(frame(opHeartbeatAck, nil))
		}
	case opIdentify:
		if c.sess != nil {
			c.closeWith(4005, "Already authenticated.")
			return
		}
		var id struct {
			Token   string `json:"token"`
			Intents *int   `json:"intents"`
		}
		_ = json.Unmarshal(p.D, &id)
		switch {
		case !s.tokenOK(id.Token):
			c.closeWith(4004, "Authentication failed.")
			return
		case id.Intents == nil:
			c.closeWith(4013, "Invalid intent(s).")
			return
		case *id.Intents&st.cfg.disallowedIntents != 0:
			c.closeWith(4014, "Disallowed intent(s).")
			return
		}
		sess := &session{id: randomHex(16), intents: *id.Intents, conn: c}
		st.sessions[sess.id] = sess
		st.sessOrder = append(st.sessOrder, sess.id)
		c.sess = sess
		c.rec.Identified, c.rec.SessionID, c.rec.Intents = true, sess.id, sess.intents
		v, _ := strconv.Atoi(c.rec.Version)
		guilds := []any{}
		for _, gid := range st.guildOrder {
			guilds = append(guilds, obj{"id": gid, "unavailable": true})
		}
		me := st.userJSON(st.bot.ID)
		me["verified"], me["mfa_enabled"], me["flags"] = true, false, 0
		ready := obj{
			"v":                  v,
			"user":               me,
			"guilds":             guilds,
			"session_id":         sess.id,
			"session_type":       "normal",
			"resume_gateway_url": s.GatewayURL,
			"application":        obj{"id": st.cfg.appID, "flags": 0},
			"private_channels":   []any{},
			"relationships":      []any{},
			"presences":          []any{},
			"user_settings":      obj{},
			"_trace":             []string{"discordtest"},
		}
		st.sendTo(sess, "READY", ready)
		if sess.intents&intentGuilds != 0 {
			for _, gid := range st.guildOrder {
				st.sendTo(sess, "GUILD_CREATE", st.guildCreateJSON(st.guilds[gid], sess.intents))
			}
		}
	case opResume:
		var res struct {
			Token     string `json:"token"`
			SessionID string `json:"session_id"`
			Seq       int64  `json:"seq"`
		}
		_ = json.Unmarshal(p.D, &res)
		if !s.tokenOK(res.Token) {
			c.closeWith(4004, "Authentication failed.")
			return
		}
		if c.sess != nil {
			c.closeWith(4005, "Already authenticated.")
			return
		}
		c.rec.ResumeSeq = res.Seq
		sess := st.sessions[res.SessionID]
		if sess == nil || sess.invalid {
			// Not resumable: the client must IDENTIFY on this connection.
			c.rec.InvalidSession = true
			c.send(frame(opInvalidSession, false))
			return
		}
		if res.Seq > sess.seq {
			sess.invalid = true
			c.closeWith(4007, "Invalid seq.")
			return
		}
		if old := sess.conn; old != nil && old != c {
			old.abort() // Discord drops the connection a session moves away from
		}
		sess.conn, c.sess = c, sess
		c.rec.Resumed, c.rec.SessionID, c.rec.Intents = true, sess.id, sess.intents
		for _, d := range sess.events {
			if d.Seq > res.Seq && d.Type != "READY" && d.Type != "RESUMED" {
				d.Sent++
				c.rec.Replayed++
				c.send(dispatchFrame(d))
			}
		}
		st.sendTo(sess, "RESUMED", obj{"_trace": []string{"discordtest"}})
	case opPresence, opVoiceState, opRequestMembers:
		if c.sess == nil {
			c.closeWith(4003, "Not authenticated.")
		}
	default:
		c.closeWith(4001, "Unknown opcode.")
	}
}

// eventScope says which sessions get an event: those with intent (0: all),
// and for messages whether they may see its content.
type eventScope struct {
	intent int
	msg    *Message
}

func scopeGuild(guildID string) eventScope {
	if guildID == "" {
		return eventScope{}
	}
	return eventScope{intent: intentGuilds}
}

func scopeMessage(m *Message) eventScope {
	if m.GuildID == "" {
		return eventScope{intent: intentDirectMessages, msg: m}
	}
	return eventScope{intent: intentGuildMessages, msg: m}
}

// dispatch sends an event to every live session whose intents want it;
// a session that is disconnected but resumable keeps it for its RESUME.
// With no such session the event is lost, as on Discord, and recorded so.
func (st *State) dispatch(typ string, data obj, sc eventScope) {
	delivered, live := false, false
	for _, id := range st.sessOrder {
		sess := st.sessions[id]
		if sess.invalid {
			continue
		}
		live = true
		if sc.intent != 0 && sess.intents&sc.intent == 0 {
			continue
		}
		d := data
		if sc.msg != nil && !st.seesContent(sess, sc.msg) {
			// Without MESSAGE_CONTENT the bot gets guild messages with
			// these fields empty, unless it is mentioned or the author.
			d = obj{}
			for k, v := range data {
				d[k] = v
			}
			for k, empty := range map[string]any{"content": "", "embeds": []any{}, "attachments": []any{}, "components": []any{}} {
				if _, ok := d[k]; ok {
					d[k] = empty
				}
			}
		}
		st.sendTo(sess, typ, d)
		delivered = true
	}
	if !delivered {
		lost := "no session"
		if live {
			lost = "not in the session's intents"
		}
		st.dispatches = append(st.dispatches, &Dispatch{Type: typ, Data: mustJSON(data), At: st.now(), Lost: lost})
	}
}

func (st *State) seesContent(sess *session, m *Message) bool {
	return sess.intents&intentMessageContent != 0 || m.GuildID == "" || m.Author.ID == st.bot.ID ||
		containsStr(m.Pinged, "<@"+st.bot.ID+">")
}

func containsStr(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// sendTo gives the event the session's next seq, keeps it for replay and
// sends it if the session is connected.
func (st *State) sendTo(sess *session, typ string, data any) {
	sess.seq++
	d := &Dispatch{Seq: sess.seq, Type: typ, SessionID: sess.id, Data: mustJSON(data), At: st.now()}
	sess.events = append(sess.events, d)
	st.dispatches = append(st.dispatches, d)
	if sess.conn != nil {
		d.Sent++
		sess.conn.send(dispatchFrame(d))
	}
}

// Test hooks on the gateway.

// Disconnect drops every gateway connection abruptly, without a close
// frame, as a network failure would. Sessions stay resumable: events
// dispatched until the bot resumes are queued and replayed on RESUME.
func (s *Server) Disconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.st.conns {
		if c.rec.ClosedBy == "" {
			c.rec.ClosedBy = "server"
		}
		c.abort()
	}
	s.changedLocked()
}

// DisconnectWith closes every gateway connection with a close frame.
// Codes Discord documents as not resumable (4004, 4007, 4009, 4010–4014)
// also end the session, so a RESUME gets INVALID_SESSION; 4000 "Unknown
// error" and the like leave it resumable.
func (s *Server) DisconnectWith(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.st.conns {
		if c.sess != nil && (code == 4004 || code == 4007 || code == 4009 || (code >= 4010 && code <= 4014)) {
			c.sess.invalid = true
		}
		c.closeWith(code, closeText(code))
	}
	s.changedLocked()
}

func closeText(code int) string {
	return map[int]string{
		4000: "Unknown error.", 4001: "Unknown opcode.", 4002: "Decode error.", 4003: "Not authenticated.",
		4004: "Authentication failed.", 4005: "Already authenticated.", 4007: "Invalid seq.",
		4008: "Rate limited.", 4009: "Session timed out.", 4010: "Invalid shard.", 4011: "Sharding required.",
		4012: "Invalid API version.", 4013: "Invalid intent(s).", 4014: "Disallowed intent(s).",
	}[code]
}

// RequestReconnect sends op 7 RECONNECT on every connection; the client
// should close and RESUME.
func (s *Server) RequestReconnect() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.st.conns {
		c.send(frame(opReconnect, nil))
	}
}

// InvalidateSessions ends every session: connected clients get op 9
// INVALID_SESSION (d=false) and must IDENTIFY again; a later RESUME of
// them gets the same. What was dispatched to them is not replayed.
func (s *Server) InvalidateSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sess := range s.st.sessions {
		sess.invalid = true
		if c := sess.conn; c != nil {
			c.sess, sess.conn = nil, nil
			c.rec.InvalidSession = true
			c.send(frame(opInvalidSession, false))
		}
	}
	s.changedLocked()
}

// SetHeartbeatAcks turns the acks of heartbeats off (false) or back on;
// without acks discordgo deems the connection dead after five intervals
// and reconnects.
func (s *Server) SetHeartbeatAcks(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.dropAcks = !on
}

// SendEvent dispatches any event to every live session, unfiltered, e.g.
// one the fake doesn't make itself. data is marshalled as the event's d.
func (s *Server) SendEvent(typ string, data any) {
	var o obj
	raw := mustJSON(data)
	if err := json.Unmarshal(raw, &o); err != nil {
		s.fatalf("SendEvent(%s): data must be a JSON object: %v", typ, err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.dispatch(typ, o, eventScope{})
	s.changedLocked()
}
