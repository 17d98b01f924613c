package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"polku/bot"
	"polku/bot/content"
)

// person is one simulated person: a Telegram chat that goes through the
// flow K times, picking answers from (seed, person, flow). It keeps its
// own account of its answers, walking the content as the engine does, and
// checks each question the bot asks against it.
type person struct {
	r    *loadRun
	id   int
	chat int64
	lang string // the language_code of the person's Telegram

	rng      *rand.Rand
	flowNo   int
	walk     *content.Walk // where the person's own answers lead
	atEnd    bool          // the last flow ended: the end question is open
	usedBack bool
	body     bytes.Buffer
	w        responseWriter
	req      *http.Request // reused for every update
	reader   bodyReader

	// the last completed flow, for the final check
	done        bool
	doneFlow    int
	doneAnswers []content.Answer
	doneSig     uint64

	completed int
	gaveUp    bool
	turn      int // updates posted, to take turns between replicas

	// with --connections: when the update was posted, when a connection
	// began serving it, how long that took, and that it is done
	posted, began time.Time
	took          time.Duration
	served        chan struct{}
}

// how people answer: mostly buttons, sometimes typing, now and then
// "I'd rather not say", rarely going back a question
const (
	pDecline = 0.08
	pType    = 0.15
	pBack    = 0.03
)

func (p *person) run(ctx context.Context) {
	for p.flowNo = 0; p.flowNo < p.r.k; p.flowNo++ {
		if ctx.Err() != nil {
			return
		}
		p.rng = rand.New(rand.NewPCG(p.r.seed, uint64(p.id)<<24|uint64(p.flowNo)))
		if !p.flow(ctx) {
			return
		}
	}
}

// flow goes through one flow to the suggestions. It returns false when the
// person stops: the run is over, or an update was refused too often.
func (p *person) flow(ctx context.Context) bool {
	p.usedBack = false
	if ok, sync := p.begin(ctx); !ok || !sync {
		return ok // after a mismatch, the next flow starts over
	}
	for !p.walk.Done() {
		if ctx.Err() != nil {
			return false
		}
		ok, sync := p.answer(ctx, p.walk.Step)
		if !ok {
			return false
		}
		if !sync {
			return true // a mismatch, recorded: the next flow starts over
		}
	}
	// the end: the suggestions and the end question
	p.atEnd = true
	p.done, p.doneFlow = true, p.flowNo
	p.doneAnswers = slices.Clone(p.walk.Answers)
	p.doneSig = p.r.api.suggestions(p.chat)
	p.completed++
	p.r.flows.Add(1)
	return true
}

// begin starts a flow: /start at the first contact, else "start over" —
// the end question's button or the command typed.
func (p *person) begin(ctx context.Context) (ok, sync bool) {
	flow := p.r.content.Start
	p.walk = p.r.content.Replay(flow, nil)
	_, _, seq := p.r.api.question(p.chat)
	switch {
	case p.flowNo == 0:
		ok = p.sendText(ctx, "/start")
	case p.atEnd && p.rng.Float64() < 0.7:
		ok = p.press(ctx, "c|"+content.CmdRestart)
	default:
		ok = p.sendText(ctx, "/restart")
	}
	p.atEnd = false
	if !ok {
		return false, true
	}
	return true, p.expect(seq, "the start")
}

// answer answers question st and checks the bot's next question. ok is
// false when the person stops; sync false after a mismatch.
func (p *person) answer(ctx context.Context, st *content.Step) (ok, sync bool) {
	_, _, seq := p.r.api.question(p.chat)
	what := "the answer to " + st.ID
	r := p.rng.Float64()
	switch {
	case r < pBack && !p.usedBack && len(p.walk.Answers) > 0:
		p.usedBack = true
		if !p.press(ctx, "c|"+content.CmdBack) {
			return false, true
		}
		p.walk = p.r.content.Replay(p.walk.Flow, p.walk.Answers[:len(p.walk.Answers)-1])
		return true, p.expect(seq, "going back from "+st.ID)
	case r < pBack+pDecline && st.Required == "":
		if p.rng.Float64() < 0.7 {
			ok = p.press(ctx, p.data(st, bot.DeclineID))
		} else {
			ok = p.sendText(ctx, p.label(st, bot.DeclineID))
		}
		p.advance(content.Answer{Step: st.ID, Skip: true})
	case st.Input != nil:
		v := p.typed(st)
		if v == "" {
			p.gaveUp = true
			p.r.problem("person %d: cannot make up an answer to %q (a text with a pattern); give that question options or allow declining", p.id, st.ID)
			return false, true
		}
		ok = p.sendText(ctx, v)
		p.advance(content.Answer{Step: st.ID, Value: v})
	case st.Multi():
		return p.multi(ctx, st, seq)
	default:
		o := st.Options[p.rng.IntN(len(st.Options))]
		switch x := p.rng.Float64(); {
		case x < pType/2:
			ok = p.sendText(ctx, p.label(st, o.Value))
		case x < pType:
			ok = p.sendText(ctx, strconv.Itoa(slices.Index(st.Options, o)+1))
		default:
			ok = p.press(ctx, p.data(st, o.Value))
		}
		p.advance(content.Answer{Step: st.ID, Value: o.Value})
	}
	if !ok {
		return false, true
	}
	return true, p.expect(seq, what)
}

// multi ticks one to three options and presses Done, or types their
// numbers.
func (p *person) multi(ctx context.Context, st *content.Step, seq int) (ok, sync bool) {
	n := min(1+p.rng.IntN(3), len(st.Options))
	picks := p.rng.Perm(len(st.Options))[:n]
	slices.Sort(picks)
	if n > 1 {
		// as people do: "nothing in particular" (an exclusive option) alone,
		// or not at all
		picks = slices.DeleteFunc(picks, func(k int) bool { return st.Options[k].Exclusive })
		if len(picks) == 0 {
			picks = []int{0}
		}
		n = len(picks)
	}
	values := make([]string, n)
	for i, k := range picks {
		values[i] = st.Options[k].Value
	}
	a := content.Answer{Step: st.ID, Value: strings.Join(values, content.ListSep)}
	if p.rng.Float64() < pType {
		nums := make([]string, n)
		for i, k := range picks {
			nums[i] = strconv.Itoa(k + 1)
		}
		if !p.sendText(ctx, strings.Join(nums, ", ")) {
			return false, true
		}
		p.advance(a)
		return true, p.expect(seq, "the typed answer to "+st.ID)
	}
	for _, i := range p.rng.Perm(n) { // ticked in any order, stored in the question's
		if !p.press(ctx, p.data(st, values[i])) {
			return false, true
		}
		if !p.expect(seq, "a tick in "+st.ID) {
			return true, false
		}
		_, _, seq = p.r.api.question(p.chat)
	}
	if !p.press(ctx, p.data(st, bot.DoneID)) {
		return false, true
	}
	p.advance(a)
	return true, p.expect(seq, "done with "+st.ID)
}

func (p *person) advance(a content.Answer) {
	if !p.walk.Advance(a) {
		p.r.mismatch("person %d: the answer %+v does not fit the question it answers (a bug in polku load)", p.id, a)
	}
}

// typed makes up a typed answer; "" when it cannot.
func (p *person) typed(st *content.Step) string {
	in := st.Input
	if st.Field.Type == content.Int {
		lo, hi := 18, 64
		if in.Min != nil {
			lo = *in.Min
		}
		if in.Max != nil {
			hi = *in.Max
		}
		if lo > hi {
			return ""
		}
		return strconv.Itoa(lo + p.rng.IntN(hi-lo+1))
	}
	if in.Pattern != nil {
		return ""
	}
	words := []string{"Tampere", "kirjasto", "Oulu", "puutarha", "Vaasa"}
	v := words[p.rng.IntN(len(words))]
	if in.MaxLength > 0 && utf8.RuneCountInString(v) > in.MaxLength {
		v = string([]rune(v)[:in.MaxLength])
	}
	if !st.Valid(v) {
		return ""
	}
	return v
}

// expect checks that after an update the bot asks what the person's own
// walk says comes next: a question not seen before seq, with the buttons
// of that step (or of the end). A mismatch is recorded.
func (p *person) expect(seq int, after string) bool {
	kb, _, now := p.r.api.question(p.chat)
	var want string
	if p.walk.Done() {
		want = choiceData(p.walk.Flow.ID, bot.EndStep, bot.AgainID)
	} else {
		st := p.walk.Step
		switch {
		case len(st.Options) > 0:
			want = choiceData(p.walk.Flow.ID, st.ID, st.Options[0].Value)
		case st.Required == "":
			want = choiceData(p.walk.Flow.ID, st.ID, bot.DeclineID)
		default:
			return true // a typed answer with no buttons at all: nothing to see
		}
	}
	if now != seq && hasButton(kb, want) {
		return true
	}
	got := "nothing new"
	if now != seq && len(kb) > 0 {
		got = "the buttons " + firstButton(kb)
	}
	step := bot.EndStep
	if !p.walk.Done() {
		step = p.walk.Step.ID
	}
	p.r.mismatch("person %d, flow %d: after %s the bot showed %s, want the question %s", p.id, p.flowNo+1, after, got, step)
	return false
}

// data is the callback data of an option's button, as the adapter writes it.
func (p *person) data(st *content.Step, option string) string {
	return choiceData(p.walk.Flow.ID, st.ID, option)
}

// label is what a button of the open question says, for typing it; the
// ticks of a multiple choice left out.
func (p *person) label(st *content.Step, option string) string {
	kb, _, _ := p.r.api.question(p.chat)
	if t := buttonText(kb, p.data(st, option)); t != "" {
		return strings.TrimPrefix(strings.TrimPrefix(t, "▫️ "), "✅ ")
	}
	return option // not shown: the check after the update says so
}

// choiceData is the callback data the adapter gives an option's button
// (adapters/telegram: a|flow|step|option, or a hash when that is over 64
// bytes).
func choiceData(flow, step, option string) string {
	d := "a|" + flow + "|" + step + "|" + option
	if len(d) <= 64 {
		return d
	}
	h := sha256.Sum256([]byte(flow + "\x00" + step + "\x00" + option))
	return "h|" + base64.RawURLEncoding.EncodeToString(h[:18])
}

// sendText sends a message the person typed.
func (p *person) sendText(ctx context.Context, text string) bool {
	u := p.r.nextUpdate()
	msg := p.r.api.messageID(p.chat)
	b := &p.body
	b.Reset()
	b.WriteString(`{"update_id":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), u, 10))
	b.WriteString(`,"message":{"message_id":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(msg), 10))
	p.from()
	b.WriteString(`,"chat":{"id":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), p.chat, 10))
	b.WriteString(`,"first_name":"Load","type":"private"},"date":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), time.Now().Unix(), 10))
	b.WriteString(`,"text":`)
	jsonString(b, text)
	if strings.HasPrefix(text, "/") {
		n := strings.IndexByte(text, ' ')
		if n < 0 {
			n = len(text)
		}
		b.WriteString(`,"entities":[{"type":"bot_command","offset":0,"length":`)
		b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(utf8.RuneCountInString(text[:n])), 10))
		b.WriteString(`}]`)
	}
	b.WriteString(`}}`)
	return p.deliver(ctx)
}

// press presses a button of the open question.
func (p *person) press(ctx context.Context, data string) bool {
	_, msg, _ := p.r.api.question(p.chat)
	u := p.r.nextUpdate()
	b := &p.body
	b.Reset()
	b.WriteString(`{"update_id":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), u, 10))
	b.WriteString(`,"callback_query":{"id":"`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), u*7+p.chat, 10))
	b.WriteString(`"`)
	p.from()
	b.WriteString(`,"message":{"message_id":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(msg), 10))
	b.WriteString(`,"from":{"id":1000001,"is_bot":true,"first_name":"Polku","username":"polku_load_bot"},"chat":{"id":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), p.chat, 10))
	b.WriteString(`,"first_name":"Load","type":"private"},"date":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), time.Now().Unix(), 10))
	b.WriteString(`,"text":"…"},"chat_instance":"`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), p.chat*3, 10))
	b.WriteString(`","data":`)
	jsonString(b, data)
	b.WriteString(`}}`)
	return p.deliver(ctx)
}

func (p *person) from() {
	b := &p.body
	b.WriteString(`,"from":{"id":`)
	b.Write(strconv.AppendInt(b.AvailableBuffer(), p.chat, 10))
	b.WriteString(`,"is_bot":false,"first_name":"Load","language_code":"`)
	b.WriteString(p.lang)
	b.WriteString(`"}`)
}

// deliver posts the update in p.body to the webhook handler, as Telegram
// would, and posts it again, a few times, when it is refused (Telegram
// retries too). It returns false when the person stops: the run is over,
// or the update was refused every time.
func (p *person) deliver(ctx context.Context) bool {
	const attempts = 5
	for attempt := range attempts {
		if attempt > 0 && !sleepCtx(ctx, time.Duration(1<<attempt)*time.Millisecond) {
			return false
		}
		if p.r.o.think > 0 {
			if !sleepCtx(ctx, p.r.o.think) {
				return false
			}
		} else {
			// the reply goes to the person and the next update comes back
			// over the network: others' updates are handled meanwhile, so
			// that no one waits behind a person who never lets go of a core
			runtime.Gosched()
		}
		status, measured, interrupted := p.r.post(p)
		switch {
		case interrupted:
			return false
		case status == http.StatusOK:
			p.r.handled(measured)
			return true
		}
		p.r.refused.Add(1)
	}
	p.gaveUp = true
	p.r.problem("person %d: an update was refused %d times in a row; the person gave up", p.id, attempts)
	return false
}

// jsonString writes s as a JSON string.
func jsonString(b *bytes.Buffer, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// responseWriter takes the webhook's answer; one per person, reused.
type responseWriter struct {
	h      http.Header
	status int
}

func (w *responseWriter) reset() {
	if w.h == nil {
		w.h = http.Header{}
	}
	clear(w.h)
	w.status = 0
}
func (w *responseWriter) Header() http.Header { return w.h }
func (w *responseWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(b), nil
}
func (w *responseWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}

// sigState sums up what texts the bot sent say of suggestions: each
// card's heading ("<b>1. Name</b>") and the reasons under "Why" — the
// lines the adapter's renderer writes and no service's text can (what
// services say is escaped, so a line of theirs never starts with a tag).
// It is an FNV-1a hash, fed a text at a time.
type sigState struct {
	sum uint64
	why bool // the lines are the reasons of a card
}

func (s *sigState) add(text string) {
	if s.sum == 0 {
		s.sum = 14695981039346656037
	}
	for line := range strings.SplitSeq(text, "\n") {
		switch {
		case cardHeading(line):
			s.hash(line)
			s.why = false
		case strings.HasPrefix(line, "<i>") && strings.HasSuffix(line, ":</i>"):
			s.why = true
		case s.why && strings.HasPrefix(line, "• "):
			s.hash(line)
		default:
			s.why = false
		}
	}
}

func (s *sigState) hash(line string) {
	for i := 0; i < len(line); i++ {
		s.sum ^= uint64(line[i])
		s.sum *= 1099511628211
	}
	s.sum ^= '\n'
	s.sum *= 1099511628211
}

// expectedSig is suggestionSig of the suggestions the engine computes,
// written as the adapter writes them.
func expectedSig(s *bot.Suggestions) uint64 {
	var b strings.Builder
	for i, c := range s.Cards {
		fmt.Fprintf(&b, "<b>%d. %s</b>\n", i+1, html.EscapeString(c.Name))
		if len(c.Why) > 0 {
			b.WriteString("<i>" + html.EscapeString(s.Why) + ":</i>\n")
			for _, w := range c.Why {
				b.WriteString("• " + html.EscapeString(w) + "\n")
			}
		}
		b.WriteString("-\n")
	}
	var sig sigState
	sig.add(b.String())
	return sig.sum
}

// cardHeading reports whether a line is a card's heading: <b>1. Name</b>.
func cardHeading(line string) bool {
	rest, ok := strings.CutPrefix(line, "<b>")
	if !ok || !strings.HasSuffix(rest, "</b>") {
		return false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	return n > 0 && strings.HasPrefix(rest[n:], ". ")
}
