package bot

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"polku/bot/content"
)

// turn is the handling of one message against one session.
type turn struct {
	e       *Engine
	c       *content.Content
	s       *Session
	msg     Message
	tooLong bool
	w       *content.Walk
	reply   Reply
	now     time.Time
	caseID  string      // the id a case opened in this turn gets
	act     *deskAction // what the desk is told once the session is saved
	named   string      // the municipality this turn's area answer names
	trace   bool        // cards carry the rules that chose them (staff tools)
}

func (t *turn) lang() string { return t.s.Lang }

func (t *turn) say(key string) string { return t.c.Message(key, t.s.Lang) }

func (t *turn) note(text string) { t.reply.Notes = append(t.reply.Notes, text) }

// run handles the message and reports whether the session changed.
func (t *turn) run(cmd *content.Command, arg, cmdLang string, now time.Time) bool {
	s, c := t.s, t.c
	fresh := s.Flow == ""
	changed := fresh
	if fresh {
		s.Lang = pickLang(c, cmdLang, t.msg.Lang)
		s.Flow = t.startFlow().ID
		s.Started = now.Unix()
	}
	if !c.Language(s.Lang) {
		s.Lang, changed = pickLang(c, s.Lang), true
	}
	flow := c.Flow(s.Flow)
	if flow == nil {
		// The content no longer has this flow: start the current one.
		flow, s.Flow, s.Answers, s.Picked, changed = c.Start, c.Start.ID, nil, nil, true
	}
	t.w = c.Replay(flow, s.Answers)
	if len(t.w.Answers) != len(s.Answers) {
		// Content changed under this conversation; keep what still fits.
		s.Answers, changed = slices.Clone(t.w.Answers), true
	}
	if s.Place != "" {
		if t.w.Profile.SetPlace(s.Place); t.w.Profile.Place() == nil {
			// the area answer changed (back, restart): not theirs any more
			s.Place, changed = "", true
		}
	}
	if s.Asking != "" && s.Asking != LanguageStep && !isHandoffStep(s.Asking) {
		s.Asking, changed = "", true
	}
	if h := s.Handoff; h != nil && h.Stage == HandoffConsent && (!isHandoffStep(s.Asking) || cmd != nil) {
		// left the consent question (a command, "back"): nothing is shared
		s.Handoff, changed = nil, true
		if isHandoffStep(s.Asking) && (cmd == nil || cmd.Name != content.CmdBack) {
			s.Asking = "" // "back" leaves the question itself, below
		}
	}
	if t.applyPresets() {
		changed = true
	}
	t.reply.Lang = s.Lang

	if cmd == nil && t.msg.Choice == nil && t.msg.Unsupported == "" {
		if lang, ok := c.Crisis.Match(t.msg.Text); ok {
			if fresh && c.MatchLanguage(t.msg.Lang) == "" {
				// no language from the platform: the phrase's is theirs
				s.Lang = pickLang(c, lang)
				t.reply.Lang = s.Lang
			}
			return t.crisis(fresh) || changed
		}
	}

	switch {
	case s.Handoff != nil && s.Handoff.Stage != HandoffConsent:
		return t.handingOff(cmd) || changed
	case cmd != nil && fresh && (cmd.Name == content.CmdHelp || cmd.Name == content.CmdMyData):
		// answered, and nothing is kept: no conversation has begun, and
		// the next message gets the greeting and its privacy note
		return t.command(cmd, arg, fresh)
	case cmd != nil:
		return t.command(cmd, arg, fresh) || changed
	case fresh:
		t.note(t.say("welcome"))
		t.arrive()
		return true
	case t.msg.Unsupported == UnsupportedEdited:
		t.note(t.say("edited"))
		t.ask()
	case t.msg.Unsupported != "":
		t.note(t.say("unsupported"))
		t.ask()
	case t.tooLong:
		t.note(t.say("too_long"))
		t.ask()
	case s.Asking == LanguageStep:
		return t.languageAnswer() || changed
	case isHandoffStep(s.Asking):
		return t.consent() || changed
	case t.msg.Choice != nil:
		return t.choice() || changed
	default:
		return t.text() || changed
	}
	return changed
}

// crisis answers typed text that holds a crisis phrase: the crisis message
// first, before anything else, then what the person was doing goes on —
// the question asked again, the message still passed on to the volunteer.
// The text is not an answer: nothing of it is stored, and nothing logged.
func (t *turn) crisis(fresh bool) bool {
	t.note(t.say("crisis"))
	switch {
	case fresh:
		t.note(t.say("welcome"))
		t.arrive()
		return true
	case t.s.Handoff != nil && t.s.Handoff.Stage != HandoffConsent:
		return t.handingOff(nil)
	}
	t.ask()
	return false
}

// PresetSep separates the answers of a start payload: area-pirkanmaa__wants-work.
const PresetSep = "__"

// preset answers questions from a start payload — a deep link or QR code
// an NGO prints, such as area-pirkanmaa — so the person is not asked what
// the link already says. Each part is field-value; the first - splits them
// (field names have none, values may). A part that does not fit the flow
// (an old QR code after the content changed) is left out, never an error.
// It reports whether any answer was preset.
func (t *turn) preset(payload string) bool {
	if payload == "" || len(payload) > 256 {
		return false
	}
	var answers []content.Answer
	for _, part := range strings.Split(payload, PresetSep) {
		field, value, ok := strings.Cut(part, "-")
		if !ok {
			continue
		}
		for _, st := range t.w.Flow.Steps {
			if st.Field == nil || st.Field.Name != field {
				continue
			}
			if st.Multi() {
				value = strings.ReplaceAll(value, "-", content.ListSep) // wants-work-study
			}
			if st.Valid(value) {
				answers = append(answers, content.Answer{Step: st.ID, Value: value})
			}
			break
		}
	}
	if len(answers) == 0 {
		return false
	}
	t.s.Preset = answers
	t.applyPresets()
	return true
}

// payloadFlow starts the flow a start payload names with a flow-ID part
// (flow-volunteer), so a link can open a flow other than the start flow:
// a volunteer's link opens the volunteer's questions. It reports whether
// the flow changed; an unknown flow is left out, never an error.
func (t *turn) payloadFlow(payload string) bool {
	if payload == "" || len(payload) > 256 {
		return false
	}
	for _, part := range strings.Split(payload, PresetSep) {
		name, id, ok := strings.Cut(part, "-")
		if !ok || name != "flow" {
			continue
		}
		f := t.c.Flow(id)
		if f == nil || f == t.w.Flow {
			return false
		}
		t.s.Flow, t.s.Answers, t.s.Picked, t.s.Preset = f.ID, nil, nil, nil
		t.w = t.c.Replay(f, nil)
		return true
	}
	return false
}

// applyPresets answers the question waiting, and those after it, from the
// preset answers while there is one for it. It reports whether it did.
func (t *turn) applyPresets() bool {
	s, applied := t.s, false
	for len(s.Preset) > 0 && !t.w.Done() {
		i := slices.IndexFunc(s.Preset, func(a content.Answer) bool { return a.Step == t.w.Step.ID })
		if i < 0 {
			break
		}
		a := s.Preset[i]
		s.Preset = slices.Delete(slices.Clone(s.Preset), i, i+1)
		if t.w.Advance(a) {
			applied = true
		}
	}
	if t.w.Done() && len(s.Preset) > 0 {
		s.Preset, applied = nil, true // the flow ended: nothing left to preset
	}
	if applied {
		s.Answers = slices.Clone(t.w.Answers)
		s.Picked = nil
	}
	return applied
}

// startFlow is the flow a new or restarted conversation begins: the one the
// message asks for, if the content has it, else the content's start flow.
func (t *turn) startFlow() *content.Flow {
	if f := t.c.Flow(t.msg.Flow); f != nil {
		return f
	}
	return t.c.Start
}

func (t *turn) command(cmd *content.Command, arg string, fresh bool) bool {
	s := t.s
	switch cmd.Name {
	case content.CmdStart:
		if fresh || (len(s.Answers) == 0 && s.Asking == "") {
			switched := t.payloadFlow(arg)
			preset := t.preset(arg) || switched
			t.note(t.say("welcome"))
			t.arrive()
			return fresh || preset
		}
		t.note(t.say("start_midflow"))
		t.ask()
		return false
	case content.CmdRestart:
		s.Answers, s.Picked, s.Asking, s.Preset = nil, nil, "", nil
		f := t.startFlow()
		if t.msg.Flow == "" {
			f = t.w.Flow // starting over stays in the flow the person is in
		}
		t.w = t.c.Replay(f, nil)
		s.Flow = f.ID
		t.note(t.say("restarted"))
		t.arrive()
		return true
	case content.CmdBack:
		if s.Asking != "" {
			s.Asking = ""
			t.ask()
			return true
		}
		if len(s.Answers) == 0 {
			// nothing to go back to; ticks of a multiple choice stay as shown
			t.note(t.say("at_start"))
			t.ask()
			return false
		}
		s.Answers = s.Answers[:len(s.Answers)-1]
		s.Picked = nil
		t.w = t.c.Replay(t.w.Flow, s.Answers)
		t.ask()
		return true
	case content.CmdLanguage:
		if code := t.matchLanguage(arg); code != "" {
			return t.setLanguage(code)
		}
		s.Asking = LanguageStep
		t.ask()
		return true
	case content.CmdHelp:
		t.note(t.help())
		if !fresh {
			t.ask()
		}
		return false
	case content.CmdPerson:
		return t.person()
	case content.CmdMyData:
		t.myData()
		if !fresh {
			t.ask()
		}
		return false
	}
	t.ask()
	return false
}

func (t *turn) setLanguage(code string) bool {
	t.s.Lang, t.s.Asking = code, ""
	t.reply.Lang = code
	t.note(t.say("language_changed"))
	t.ask()
	return true
}

// matchLanguage finds a content language by code, own name or number in
// the language question.
func (t *turn) matchLanguage(s string) string {
	norm := content.NormalizeText(s)
	if norm == "" {
		return ""
	}
	for i, l := range t.c.Languages {
		if norm == l.Code || norm == content.NormalizeText(l.Name) || norm == strconv.Itoa(i+1) {
			return l.Code
		}
	}
	return ""
}

func (t *turn) languageAnswer() bool {
	var code string
	if ch := t.msg.Choice; ch != nil {
		if ch.Step == LanguageStep {
			code = t.matchLanguage(ch.Option)
		}
	} else {
		code = t.matchLanguage(t.msg.Text)
	}
	if code == "" {
		t.note(t.say("not_understood"))
		t.ask()
		return false
	}
	return t.setLanguage(code)
}

// choice handles a pressed button. A button of any question but the
// current one is stale: it is never applied elsewhere, the current question
// is asked again.
func (t *turn) choice() bool {
	ch, w, s := t.msg.Choice, t.w, t.s
	if ch.Step == EndStep && ch.Option == AgainID && w.Done() {
		t.showSuggestions()
		t.askEnd()
		return false
	}
	if w.Done() || ch.Flow != w.Flow.ID || ch.Step != w.Step.ID {
		return t.stale()
	}
	st := w.Step
	switch {
	case len(ch.Many) > 0:
		return t.chooseMany(st, ch.Many)
	case ch.Option == DeclineID && st.Required == "":
		return t.answer(content.Answer{Step: st.ID, Skip: true})
	case ch.Option == DoneID && st.Multi():
		picked := t.picked()
		if len(picked) == 0 {
			t.note(t.say("multi_empty"))
			t.ask()
			return false
		}
		return t.answer(content.Answer{Step: st.ID, Value: strings.Join(picked, content.ListSep)})
	case st.Option(ch.Option) == nil:
		return t.stale()
	case !st.Multi() && len(s.Picked) > 0 && t.c.Places != nil:
		// a municipality offered after a near miss: its area, and the
		// municipality itself when only one offered lies there
		var in []string
		for _, code := range s.Picked {
			if m := t.c.Places.Municipality(code); m != nil && m.Area == ch.Option {
				in = append(in, code)
			}
		}
		if len(in) == 1 {
			t.named = in[0]
		}
	case st.Multi():
		if i := slices.Index(s.Picked, ch.Option); i >= 0 {
			s.Picked = slices.Delete(s.Picked, i, i+1)
		} else {
			s.Picked = append(tickable(st, s.Picked, ch.Option), ch.Option)
		}
		t.ask()
		t.reply.Redraw = true
		return true
	}
	return t.answer(content.Answer{Step: st.ID, Value: ch.Option})
}

// tickable is what stays ticked when option is ticked among picked: an
// exclusive option ("nothing in particular") clears the others, and any
// other option clears the exclusive ones — the latest tick decides.
func tickable(st *content.Step, picked []string, option string) []string {
	o := st.Option(option)
	return slices.DeleteFunc(slices.Clone(picked), func(v string) bool {
		p := st.Option(v)
		return o != nil && o.Exclusive || p != nil && p.Exclusive
	})
}

// atOnce is a multiple choice made at once (typed "1, 3", a select
// menu): an exclusive option chosen with others, in no order, gives way
// to them, since they say more.
func atOnce(st *content.Step, values []string) []string {
	specific := slices.DeleteFunc(slices.Clone(values), func(v string) bool {
		o := st.Option(v)
		return o != nil && o.Exclusive
	})
	if len(specific) == 0 {
		return values
	}
	return specific
}

// inOrder is values in the question's order, each once.
func inOrder(st *content.Step, values []string) []string {
	var out []string
	for _, o := range st.Options {
		if slices.Contains(values, o.Value) {
			out = append(out, o.Value)
		}
	}
	return out
}

// chooseMany answers a multiple choice with options chosen at once (a
// select menu), in the question's order; any option it does not have
// makes the choice stale.
func (t *turn) chooseMany(st *content.Step, many []string) bool {
	if !st.Multi() {
		return t.stale()
	}
	var values []string
	for _, o := range st.Options {
		if slices.Contains(many, o.Value) {
			values = append(values, o.Value)
		}
	}
	if len(values) != len(many) {
		return t.stale()
	}
	return t.answer(content.Answer{Step: st.ID, Value: strings.Join(atOnce(st, values), content.ListSep)})
}

func (t *turn) stale() bool {
	t.note(t.say("stale_button"))
	t.ask()
	return false
}

// picked returns the ticked options still valid for the current question,
// in the question's order.
func (t *turn) picked() []string {
	var out []string
	for _, o := range t.w.Step.Options {
		if slices.Contains(t.s.Picked, o.Value) {
			out = append(out, o.Value)
		}
	}
	return out
}

// text handles typed text that is not a command.
func (t *turn) text() bool {
	w := t.w
	if w.Done() {
		q := t.endQuestion()
		if o := matchOption(q.Options, t.msg.Text, false); o != nil && o.ID == AgainID {
			t.showSuggestions()
		} else if t.placeAtEnd() {
			return true
		} else {
			t.note(t.say("after_end"))
		}
		t.reply.Question = q
		return false
	}
	st := w.Step
	if t.isDecline(t.msg.Text, st) {
		return t.answer(content.Answer{Step: st.ID, Skip: true})
	}
	if st.Input != nil {
		return t.typed(st)
	}
	q := t.question(st)
	// a single choice keeps in Picked only the places last asked back
	// about ("did you mean Tampere?"); they are offered once
	var maybe []string
	if !st.Multi() {
		maybe, t.s.Picked = t.s.Picked, nil
	}
	if st.Multi() {
		if values := t.matchMany(q, t.msg.Text); values != nil {
			// typed after ticks made with buttons: the typed ones are
			// added to the ticks, not put in their place
			if picked := t.picked(); len(picked) > 0 {
				values = inOrder(st, atOnce(st, append(picked, values...)))
			}
			return t.answer(content.Answer{Step: st.ID, Value: strings.Join(values, content.ListSep)})
		}
	} else if o := t.matchStep(st, q, t.msg.Text); o != "" {
		return t.answer(content.Answer{Step: st.ID, Value: o})
	}
	if len(maybe) == 1 && t.isYes(t.msg.Text) {
		if m := t.c.Places.Municipality(maybe[0]); m != nil && st.Option(m.Area) != nil {
			t.named = m.Code
			return t.answer(content.Answer{Step: st.ID, Value: m.Area})
		}
	}
	// the number or label of "Done" or "I'd rather not say"
	if o := matchOption(q.Options, t.msg.Text, true); o != nil && (o.ID == DoneID || o.ID == DeclineID) {
		t.msg.Choice = &Choice{Flow: w.Flow.ID, Step: st.ID, Option: o.ID}
		return t.choice()
	}
	// a municipality, at the question of where one lives: after the
	// options, so that an option's own label ("Lappi (Rovaniemi)") is
	// never taken for a municipality the person did not name
	if answered, handled := t.place(st); handled {
		return answered || len(t.s.Picked) > 0
	}
	t.note(t.say("not_understood"))
	t.ask()
	return len(maybe) > 0
}

// place reads a municipality typed at the question of where the person
// lives (the step that sets the area field). One found is the answer, and
// the person is told which area it is in; names close to what was typed
// are asked back, offered as buttons, never taken for the answer.
func (t *turn) place(st *content.Step) (answered, handled bool) {
	p := t.c.Places
	if p == nil || st.Multi() || st.Field == nil || st.Field != t.c.AreaField() {
		return false, false
	}
	lang := t.lang()
	m := p.Find(t.msg.Text)
	if m.Found != nil && st.Option(m.Found.Area) != nil {
		t.notePlace(m.Found, st.Field)
		t.named = m.Found.Code
		return t.answer(content.Answer{Step: st.ID, Value: m.Found.Area}), true
	}
	var names []string
	for _, mu := range m.Maybe {
		if st.Option(mu.Area) != nil {
			t.s.Picked = append(t.s.Picked, mu.Code)
			names = append(names, mu.Name(lang))
		}
	}
	if len(names) == 0 {
		return false, false
	}
	t.note(t.format(t.say("place_maybe"), map[string]string{"places": t.joinOr(names)}))
	t.ask()
	return false, true
}

// notePlace tells the person which area the municipality they named is in.
func (t *turn) notePlace(m *content.Municipality, area *content.Field) {
	lang := t.lang()
	t.note(t.format(t.say("place_found"), map[string]string{"place": m.Name(lang), "area": area.ValueLabel(m.Area, lang)}))
}

// placeAtEnd takes a municipality typed after the suggestions (the
// person was asked for it, or adds it) as the answer to where they live,
// and shows the suggestions again with its own services.
func (t *turn) placeAtEnd() bool {
	p, area := t.c.Places, t.c.AreaField()
	if p == nil || area == nil {
		return false
	}
	m := p.Find(t.msg.Text).Found
	if m == nil {
		return false
	}
	i := slices.IndexFunc(t.w.Steps, func(st *content.Step) bool { return st.Field == area })
	if i < 0 || t.w.Steps[i].Option(m.Area) == nil {
		return false
	}
	answers := slices.Clone(t.s.Answers)
	for j := range answers {
		if answers[j].Step == t.w.Steps[i].ID {
			answers[j] = content.Answer{Step: answers[j].Step, Value: m.Area}
		}
	}
	t.w = t.c.Replay(t.w.Flow, answers)
	t.s.Answers, t.s.Place = slices.Clone(t.w.Answers), m.Code
	t.w.Profile.SetPlace(m.Code)
	t.notePlace(m, area)
	if !t.w.Done() {
		t.ask() // another area leads to other questions
		return true
	}
	t.showSuggestions()
	t.askEnd()
	return true
}

// isYes reports a typed yes ("kyllä", "joo", "ja", "yes") in any language.
func (t *turn) isYes(text string) bool { return t.isWord("yes_words", text) }

// isWord reports whether text is one of the words of message key (words
// separated by commas), in any language.
func (t *turn) isWord(key, text string) bool {
	norm := content.NormalizeText(text)
	if norm == "" {
		return false
	}
	for _, l := range t.c.Languages {
		for _, w := range strings.Split(t.c.Message(key, l.Code), ",") {
			if w = content.NormalizeText(w); w != "" && norm == w {
				return true
			}
		}
	}
	return false
}

// typed handles a typed answer to a number or text question.
func (t *turn) typed(st *content.Step) bool {
	value := t.msg.Text
	if st.Field.Type == content.Int {
		n, ok := onlyNumber(value)
		if !ok {
			value = ""
		} else {
			value = strconv.Itoa(n)
		}
	}
	if value != "" && st.Valid(value) {
		return t.answer(content.Answer{Step: st.ID, Value: value})
	}
	if st.Input.Error != nil {
		t.note(st.Input.Error.In(t.lang()))
	} else {
		t.note(t.inputProblem(st, value))
	}
	t.ask()
	return false
}

func (t *turn) inputProblem(st *content.Step, value string) string {
	in := st.Input
	if st.Field.Type == content.Int {
		return t.format(t.say("number_invalid"), map[string]string{"min": bound(in.Min, "…"), "max": bound(in.Max, "…")})
	}
	if len([]rune(value)) > in.MaxLength {
		return t.format(t.say("text_too_long"), map[string]string{"max": strconv.Itoa(in.MaxLength)})
	}
	return t.say("text_invalid")
}

func bound(p *int, def string) string {
	if p == nil {
		return def
	}
	return strconv.Itoa(*p)
}

// numberPattern finds whole numbers in typed text; a minus sign counts
// only at the start or after a space, so "25-vuotias" is 25 but "-20" is
// below zero.
var numberPattern = regexp.MustCompile(`(?:^|\s)-[0-9]+|[0-9]+`)

// onlyNumber finds the one whole number in a typed answer ("25", "25 v",
// "olen 25"); several numbers or none are not an answer.
func onlyNumber(s string) (int, bool) {
	nums := numberPattern.FindAllString(s, 3)
	if len(nums) != 1 || len(nums[0]) > 7 {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(nums[0]))
	return n, err == nil
}

// answer records an answer to the current question and moves on.
func (t *turn) answer(a content.Answer) bool {
	st := t.w.Step
	if !t.w.Advance(a) {
		// cannot happen for answers checked above; never store a broken one
		t.note(t.say("not_understood"))
		t.ask()
		return false
	}
	if st.Field != nil && st.Field == t.c.AreaField() {
		// the municipality, when the answer named one (a typed name, or a
		// button offered for one); a plain area answer clears it
		t.s.Place = t.named
		t.w.Profile.SetPlace(t.named)
	}
	t.applyPresets() // the next question may have been answered by a start link
	t.s.Answers = slices.Clone(t.w.Answers)
	t.s.Picked = nil
	t.reply.Answered = &Answered{Flow: t.w.Flow.ID, Step: st.ID, Question: st.Text.In(t.lang()), Answer: t.answerLabel(st, a)}
	t.arrive()
	return true
}

func (t *turn) answerLabel(st *content.Step, a content.Answer) string {
	if a.Skip {
		return t.say("decline")
	}
	if len(st.Options) == 0 {
		return a.Value
	}
	var labels []string
	for _, v := range strings.Split(a.Value, content.ListSep) {
		labels = append(labels, st.Field.ValueLabel(v, t.lang()))
	}
	return t.join(labels)
}

// arrive shows what comes after the person moved forward: messages passed
// on the way, then the next question, or the suggestions at the end.
func (t *turn) arrive() {
	for _, st := range t.w.Passed {
		t.note(t.format(st.Text.In(t.lang()), nil))
	}
	if t.w.Done() && t.s.Asking == "" {
		t.showSuggestions()
		t.askEnd()
		return
	}
	t.ask()
}

// ask puts the question waiting for an answer in the reply.
func (t *turn) ask() {
	switch {
	case t.s.Asking == LanguageStep:
		t.reply.Question = t.languageQuestion()
	case t.s.Handoff != nil:
		t.reply.Question = t.handoffQuestion()
	case t.w.Done():
		t.askEnd()
	default:
		t.reply.Question = t.question(t.w.Step)
	}
}

func (t *turn) askEnd() { t.reply.Question = t.endQuestion() }

func (t *turn) question(st *content.Step) *Question {
	lang := t.lang()
	q := &Question{Flow: t.w.Flow.ID, Step: st.ID, Text: st.Text.In(lang), Multi: st.Multi(), Input: st.Input != nil,
		Number: len(t.w.Answers) + 1, Total: len(t.w.Answers) + st.Remaining(),
		Options: make([]Option, 0, len(st.Options)+2)}
	var hints []string
	if st.Hint != nil {
		hints = append(hints, st.Hint.In(lang))
	}
	switch {
	case st.Multi():
		hints = append(hints, t.say("multi_hint"))
	case st.Input != nil && st.Field.Type == content.Int && st.Input.Min != nil && st.Input.Max != nil:
		hints = append(hints, t.format(t.say("number_hint"), map[string]string{"min": bound(st.Input.Min, "…"), "max": bound(st.Input.Max, "…")}))
	}
	q.Hint = strings.Join(hints, "\n")
	// the places asked back about come first, named: one tap answers. Their
	// areas' own options move there, so that no option appears twice (a
	// platform may refuse two buttons or menu entries with one value).
	var moved []string
	if !st.Multi() && t.c.Places != nil && len(t.s.Picked) > 0 {
		names := map[string][]string{}
		for _, code := range t.s.Picked {
			if m := t.c.Places.Municipality(code); m != nil && st.Option(m.Area) != nil {
				if !slices.Contains(moved, m.Area) {
					moved = append(moved, m.Area)
				}
				names[m.Area] = append(names[m.Area], m.Name(lang))
			}
		}
		for _, area := range moved {
			q.Options = append(q.Options, Option{ID: area, Label: strings.Join(names[area], ", ")})
		}
	}
	for _, o := range st.Options {
		if slices.Contains(moved, o.Value) {
			continue
		}
		q.Options = append(q.Options, Option{ID: o.Value, Label: o.Label.In(lang), Selected: st.Multi() && slices.Contains(t.s.Picked, o.Value)})
	}
	if st.Multi() {
		q.Options = append(q.Options, Option{ID: DoneID, Label: t.say("done")})
	}
	if st.Required == "" {
		q.Options = append(q.Options, Option{ID: DeclineID, Label: t.say("decline")})
	}
	if len(t.w.Answers) > 0 {
		q.Nav = append(q.Nav, t.commandOption(content.CmdBack))
	}
	return q
}

func (t *turn) commandOption(name string) Option {
	cmd := t.c.Command(name)
	return Option{ID: name, Label: cmd.Label.In(t.lang()), Command: name}
}

func (t *turn) languageQuestion() *Question {
	q := &Question{Step: LanguageStep, Text: t.say("choose_language")}
	for _, l := range t.c.Languages {
		q.Options = append(q.Options, Option{ID: l.Code, Label: l.Name, Selected: l.Code == t.s.Lang})
	}
	return q
}

func (t *turn) endQuestion() *Question {
	q := &Question{Flow: t.w.Flow.ID, Step: EndStep, Text: t.say("end")}
	q.Options = []Option{
		{ID: AgainID, Label: t.say("show_again")},
		t.commandOption(content.CmdRestart),
		t.commandOption(content.CmdBack),
		t.commandOption(content.CmdPerson),
	}
	return q
}

// isDecline reports typed text meaning "I'd rather not say" for a question
// that allows it: its label in any language, or its number where options
// are numbered.
func (t *turn) isDecline(text string, st *content.Step) bool {
	if st.Required != "" {
		return false
	}
	norm := content.NormalizeText(text)
	if norm == "" {
		return false
	}
	// "ohita", "skip", "hoppa över", "en tiedä": the words people type
	if t.isWord("decline_words", text) {
		return true
	}
	for _, l := range t.c.Languages {
		label := content.NormalizeText(t.c.Message("decline", l.Code))
		if norm == label {
			return true
		}
		// its end, as people type it: "rather not say" for "I'd rather
		// not say"; at least two words, so "say" alone is not a decline
		if words := strings.Fields(label); len(words) > 2 {
			for i := 1; i <= len(words)-2; i++ {
				if norm == strings.Join(words[i:], " ") {
					return true
				}
			}
		}
	}
	return false
}

// matchStep finds the option typed text means: its number, its label in
// any language, its value or an alias, or an unambiguous start of a label.
func (t *turn) matchStep(st *content.Step, q *Question, text string) string {
	if o := matchOption(q.Options, text, true); o != nil && o.ID != DeclineID && o.ID != DoneID {
		return o.ID
	}
	norm := content.NormalizeText(text)
	if norm == "" {
		return ""
	}
	for _, o := range st.Options {
		if norm == o.Value {
			return o.Value
		}
		for _, l := range t.c.Languages {
			if norm == content.NormalizeText(o.Label.In(l.Code)) {
				return o.Value
			}
		}
		for _, a := range o.Aliases {
			if norm == content.NormalizeText(a) {
				return o.Value
			}
		}
	}
	return ""
}

// matchOption matches typed text to one of opts by number (when numbered)
// or label in the reply's language, then by an unambiguous beginning of a
// label of at least three letters.
func matchOption(opts []Option, text string, numbered bool) *Option {
	norm := content.NormalizeText(text)
	if norm == "" {
		return nil
	}
	if n, err := strconv.Atoi(norm); err == nil && numbered {
		if n >= 1 && n <= len(opts) {
			return &opts[n-1]
		}
		return nil
	}
	for i := range opts {
		if norm == content.NormalizeText(opts[i].Label) {
			return &opts[i]
		}
	}
	if len([]rune(norm)) < 3 {
		return nil
	}
	var found *Option
	for i := range opts {
		if strings.HasPrefix(content.NormalizeText(opts[i].Label), norm) {
			if found != nil {
				return nil
			}
			found = &opts[i]
		}
	}
	return found
}

// matchMany reads a typed multiple choice: numbers ("1, 3" or "1 3") or
// labels separated by commas. Every part must match an option.
func (t *turn) matchMany(q *Question, text string) []string {
	st := t.w.Step
	parts := strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == '/' })
	if len(parts) == 1 {
		// "1 3" or "1 ja 3": all numbers separated by spaces or and-words
		words := strings.Fields(text)
		var nums []string
		for _, w := range words {
			if _, err := strconv.Atoi(w); err == nil {
				nums = append(nums, w)
			} else if !t.isAndWord(w) {
				nums = nil
				break
			}
		}
		if len(nums) > 1 {
			parts = nums
		}
	}
	var values []string
	for _, p := range parts {
		p = strings.TrimSpace(p)
		for _, l := range t.c.Languages {
			p = strings.TrimPrefix(p, t.c.Message("and", l.Code)+" ")
		}
		if p == "" {
			continue
		}
		v := t.matchStep(st, q, p)
		if v == "" {
			return nil
		}
		if !slices.Contains(values, v) {
			values = append(values, v)
		}
	}
	if len(values) == 0 {
		return nil
	}
	// in the question's order, so the same picks are stored the same way
	return inOrder(st, atOnce(st, values))
}

func (t *turn) isAndWord(w string) bool {
	w = content.NormalizeText(w)
	for _, l := range t.c.Languages {
		if w == content.NormalizeText(t.c.Message("and", l.Code)) {
			return true
		}
	}
	return false
}

// join lists items in plain words: "a, b and c".
func (t *turn) join(items []string) string { return t.joinWith(items, "and") }

// joinOr lists alternatives: "a, b or c".
func (t *turn) joinOr(items []string) string { return t.joinWith(items, "or") }

// joinWith lists items with the message word (and, or) before the last.
func (t *turn) joinWith(items []string, word string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + t.say(word) + " " + items[len(items)-1]
}

// format fills {placeholders}: the given values first, then profile
// fields with the person's own answers in their language.
func (t *turn) format(s string, values map[string]string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		name := s[i+1 : i+j]
		b.WriteString(s[:i])
		if v, ok := values[name]; ok {
			b.WriteString(v)
		} else if f := t.c.Field(name); f != nil {
			b.WriteString(t.fieldValue(f))
		} else {
			b.WriteString(s[i : i+j+1])
		}
		s = s[i+j+1:]
	}
}

// fieldValue is the person's answer for f in their words.
func (t *turn) fieldValue(f *content.Field) string {
	p := t.w.Profile
	if !p.Known(f) {
		if p.Declined(f) {
			return t.say("declined")
		}
		return t.say("unknown_value")
	}
	var buf [8]string
	labels := p.AppendValues(buf[:0], f)
	for i, v := range labels {
		labels[i] = f.ValueLabel(v, t.lang())
	}
	return t.join(labels)
}

// help is the help text and one line per command: its first word, the
// first plain word that says more than the slash form, and what it does.
func (t *turn) help() string {
	var b strings.Builder
	b.WriteString(t.say("help"))
	b.WriteString("\n")
	for _, cmd := range t.c.Commands {
		if cmd.Name == content.CmdStart {
			continue
		}
		words := cmd.Words[t.lang()]
		if len(words) == 0 {
			continue
		}
		b.WriteString("\n")
		b.WriteString(words[0])
		for _, w := range words[1:] {
			if !strings.HasPrefix(w, "/") && content.NormalizeText(w) != strings.TrimPrefix(words[0], "/") {
				b.WriteString(" (" + w + ")")
				break
			}
		}
		b.WriteString(" — ")
		b.WriteString(cmd.Description.In(t.lang()))
	}
	return b.String()
}

// myData tells the person everything their session holds: the answers,
// options ticked but not yet sent, and the language.
func (t *turn) myData() {
	days := map[string]string{"days": strconv.Itoa(int(t.e.ttl.Hours() / 24))}
	var picked []string
	if !t.w.Done() && t.w.Step.Multi() {
		picked = t.picked()
	}
	if len(t.w.Answers) == 0 && len(picked) == 0 && len(t.s.Preset) == 0 {
		t.note(t.format(t.say("my_data_empty"), days))
		return
	}
	var b strings.Builder
	b.WriteString(t.format(t.say("my_data"), days))
	line := func(label, value string) {
		b.WriteString("\n• ")
		b.WriteString(label)
		b.WriteString(": ")
		b.WriteString(value)
	}
	for i, a := range t.w.Answers {
		st := t.w.Steps[i]
		value := t.answerLabel(st, a)
		if a.Skip {
			value = t.say("declined")
		}
		line(st.Field.Label.In(t.lang()), value)
	}
	if len(picked) > 0 {
		st := t.w.Step
		line(st.Field.Label.In(t.lang()), t.answerLabel(st, content.Answer{Step: st.ID, Value: strings.Join(picked, content.ListSep)}))
	}
	for _, a := range t.s.Preset {
		if st := t.w.Flow.Step(a.Step); st != nil && st.Field != nil {
			line(st.Field.Label.In(t.lang()), t.answerLabel(st, a))
		}
	}
	if m := t.w.Profile.Place(); m != nil && t.s.Place != "" { // only a stored one
		line(t.say("my_data_place"), m.Name(t.lang()))
	}
	line(t.say("my_data_language"), t.languageName(t.lang()))
	t.note(b.String())
}
